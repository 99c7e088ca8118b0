"""The residents' requests parts of the OpenAPI document: ``/api/requests/summary`` and its schema
(the ``requests`` collection itself is one of the OGC collections)."""

from __future__ import annotations

from geoworks.catalogue import STATUSES, Catalogue

_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}


def statuses(catalogue: Catalogue) -> list[str]:
    """Every status a ``status`` parameter takes: the works' and, for the requests collection, the requests'."""
    return list(STATUSES) + (list(catalogue.requests.statuses) if catalogue.requests else [])


def requests_schemas(catalogue: Catalogue) -> dict:
    """components/schemas for the summary of the requests."""
    statuses = list(catalogue.requests.statuses) if catalogue.requests else []
    by_status = {**_COUNTS, "description": f"Requests per current status: {', '.join(statuses)}."}
    group = {
        "type": "object",
        "required": ["total", "by_status"],
        "properties": {"total": {"type": "integer", "minimum": 0}, "by_status": by_status},
    }
    share = {"type": "number", "minimum": 0, "maximum": 1}
    return {
        "requestsSummary": {
            "type": "object",
            "required": ["total", "by_status", "by_district", "shares", "linked_to_works"],
            "properties": {
                "total": {"type": "integer", "minimum": 0},
                "by_status": by_status,
                "by_district": {"type": "object", "additionalProperties": group},
                "shares": {
                    "type": "object",
                    "description": "Fractions of the total (0..1).",
                    "properties": {"satisfied": share, "explained": share, "needs_time": share},
                },
                "linked_to_works": {"type": "integer", "minimum": 0},
                "not_linked_to_works": {"type": "integer", "minimum": 0},
                "answered_on_spot": {"type": "integer", "minimum": 0},
                "in_action_plan": {"type": "integer", "minimum": 0},
                "open": {"type": "integer", "minimum": 0},
                "median_days_to_satisfied": {"type": "number", "nullable": True},
                "by_topic": {"type": "object", "additionalProperties": group},
                "by_source": _COUNTS,
                "filters": {"type": "object"},
            },
        }
    }


def requests_paths(catalogue: Catalogue, ref: dict, errors: dict, api_root: str) -> dict:
    """The ``/requests/summary`` path, served under ``api_root``."""
    defs = catalogue.requests
    if defs is None:
        return {}

    def param(name: str, schema: dict, description: str) -> dict:
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

    parameters = [
        param("round", {"type": "integer", "minimum": 1}, "Meeting round."),
        ref["district"],
        param("topic", {"type": "string", "enum": list(defs.topics)}, "Topic (names in kk/ru/en are accepted too)."),
        param("status", {"type": "string", "enum": list(defs.statuses)}, "Current status; repeat for several."),
        param("source", {"type": "string", "enum": list(defs.sources)}, "Where the request came from."),
        param("from", {"type": "string", "format": "date"}, "Received on or after (YYYY-MM-DD)."),
        param("to", {"type": "string", "format": "date"}, "Received on or before (YYYY-MM-DD)."),
    ]
    return {
        "/requests/summary": {
            "servers": [{"url": api_root}],
            "get": {
                "summary": "Residents' requests per district and status, shares satisfied / explained / needs time",
                "operationId": "getRequestsSummary",
                "tags": ["Requests"],
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": "The figures of the requests the filters keep.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/requestsSummary"}}},
                    },
                    "400": errors["400"],
                },
            },
        }
    }
