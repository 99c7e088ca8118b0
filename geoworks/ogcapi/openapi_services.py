"""The residents' and engineers' JSON services in the OpenAPI document: ``/api/near`` (works near a place)
and ``/api/gaps`` (targets a network does not reach). Both answer 400 with ``{"error", "code"?}``."""

from __future__ import annotations

from typing import Any

from geoworks.catalogue import STATUSES, Catalogue
from geoworks.near.index import CITY_MARGIN_DEG, DEFAULT_RADIUS_M, MAX_RADIUS_M, MIN_RADIUS_M
from geoworks.ogcapi.openapi_schemas import feature_collection_schema, feature_schema
from geoworks.plan.gaps import MAX_THRESHOLD_M
from geoworks.plan.service import network_choices, target_choices


def _param(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _between(low: float, high: float, exclusive_low: bool = False) -> dict:
    """A number schema (the services also accept a decimal comma, which a generator need not know)."""
    return {"type": "number", "minimum": low, "maximum": high, "exclusiveMinimum": exclusive_low}


def _feature_collection(properties: dict[str, Any], extra: dict[str, Any]) -> dict:
    return feature_collection_schema(feature_schema({"type": "object", "properties": properties}), extra)


def services_schemas() -> dict:
    """components/schemas of the near and gaps answers, and of their errors."""
    text, number, nullable_text = {"type": "string"}, {"type": "number"}, {"type": "string", "nullable": True}
    near = _feature_collection(
        {"distance_m": number, "layer": text, "id": text, "status": text, "district": nullable_text},
        {
            "numberMatched": {"type": "integer", "minimum": 0},
            "distance": text,
            "query": {
                "type": "object",
                "properties": {
                    "lat": number,
                    "lon": number,
                    "radius_m": {"type": "number", "minimum": MIN_RADIUS_M, "maximum": MAX_RADIUS_M},
                    "layers": {"type": "array", "items": text},
                    "statuses": {"type": "array", "items": text},
                    "from": nullable_text,
                    "to": nullable_text,
                    "street": nullable_text,
                },
            },
        },
    )
    gaps = _feature_collection(
        {"id": text, "distance_m": {"type": "number", "nullable": True}, "district": nullable_text},
        {
            "numberReturned": {"type": "integer", "minimum": 0},
            "parameters": {"type": "object"},
            "summary": {"type": "array", "items": {"type": "object"}},
        },
    )
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": text, "code": text},
    }
    return {"nearWorks": near, "gaps": gaps, "serviceError": error}


def _get(operation: str, summary: str, tag: str, parameters: list, schema: str, media: str) -> dict:
    ok = {"description": summary, "content": {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    bad = {
        "description": "A parameter is malformed, out of range or unknown; the body says which.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/serviceError"}}},
    }
    return {
        "get": {
            "summary": summary,
            "operationId": operation,
            "tags": [tag],
            "parameters": parameters,
            "responses": {"200": ok, "400": bad},
        }
    }


def services_paths(catalogue: Catalogue, ref: dict, api_root: str) -> dict:
    """The ``/near`` and ``/gaps`` paths, served under ``api_root``."""
    layers = list(catalogue.layers)
    x0, y0, x1, y1 = catalogue.city.bbox
    m = CITY_MARGIN_DEG  # a place farther from the city is refused (400, code "outside")
    near = [
        _param("lat", _between(y0 - m, y1 + m), "Latitude (EPSG:4326), in or near the city.", True),
        _param("lon", _between(x0 - m, x1 + m), "Longitude (EPSG:4326), in or near the city.", True),
        _param(
            "pick",
            {"type": "string"},
            "A street of the page's list, <name>|<district slug>: the page's "
            "alternative to lat and lon, used only when they are absent.",
        ),  # fmt: skip
        _param("radius", _between(MIN_RADIUS_M, MAX_RADIUS_M), f"Metres (default {DEFAULT_RADIUS_M})."),
        _param("layer", {"type": "string", "enum": layers}, "Layer id; repeat or comma-separate for several."),
        _param("status", {"type": "string", "enum": [*STATUSES, "all"]}, "Status; repeat or comma-separate."),
        _param("from", {"type": "string", "format": "date"}, "Works ending on or after (YYYY-MM-DD)."),
        _param("to", {"type": "string", "format": "date"}, "Works starting on or before (YYYY-MM-DD)."),
        ref["lang"],
    ]
    gaps = [
        _param("network", {"type": "string", "enum": network_choices(catalogue)}, "The network (default water)."),
        _param("targets", {"type": "string", "enum": target_choices(catalogue)}, "Targets (default courtyards)."),
        _param("threshold", _between(0, MAX_THRESHOLD_M, True), "Metres: a target farther than this is a gap."),
        ref["district"],
        _param("include", {"type": "string", "enum": ["gaps", "all"]}, "all: every target, not only the gaps."),
        _param("routes", {"type": "string", "enum": ["0", "1"]}, "0: skip the along-road estimates."),
    ]
    near_path = _get("getNear", "Works near a place, nearest first", "Near", near, "nearWorks", "application/json")
    gaps_path = _get(
        "getGaps", "Targets the network does not reach, with extension estimates", "Plan", gaps, "gaps",
        "application/geo+json",
    )  # fmt: skip
    return {
        "/near": {"servers": [{"url": api_root}], **near_path},
        "/gaps": {"servers": [{"url": api_root}], **gaps_path},
    }
