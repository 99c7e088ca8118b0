"""The OpenAPI 3.0 document of the geoworks open API (/ogc and /api/totals, /api/features, /api/near, /api/gaps)."""

from __future__ import annotations

from geoworks.catalogue import STATUSES, Catalogue
from geoworks.ogcapi.collections import collection_ids
from geoworks.ogcapi.openapi_requests import requests_paths, requests_schemas, statuses
from geoworks.ogcapi.openapi_schemas import base_schemas
from geoworks.ogcapi.openapi_services import services_paths, services_schemas
from geoworks.ogcapi.params import DEFAULT_LIMIT, MAX_LIMIT
from geoworks.params import YEAR_MAX, YEAR_MIN


def _param(
    name: str,
    schema: dict,
    description: str,
    where: str = "query",
    required: bool = False,
    style: str | None = None,
    explode: bool | None = None,
) -> dict:
    p = {"name": name, "in": where, "required": required, "schema": schema, "description": description}
    if style:
        p["style"] = style
    if explode is not None:
        p["explode"] = explode
    return p


def _json(schema_ref: str, description: str, media: str = "application/json") -> dict:
    return {"description": description, "content": {media: {"schema": {"$ref": schema_ref}}}}


def _error(description: str) -> dict:
    """An error answer: the exception as JSON, or a page when a browser asked for HTML (f=html, Accept)."""
    out = _json("#/components/schemas/exception", description)
    out["content"]["text/html"] = {"schema": {"type": "string"}}
    return out


ERRORS = {
    "400": _error("A parameter is malformed or out of range; the body names it."),
    "404": _error("No such collection or feature."),
}


def _parameters(catalogue: Catalogue) -> dict:
    """The reusable parameters (components/parameters)."""
    cids = collection_ids(catalogue)
    return {
        "f": _param("f", {"type": "string", "enum": ["json", "html"]}, "Response format (default: by Accept header)."),
        "collectionId": _param("collectionId", {"type": "string", "enum": cids}, "Collection id.", "path", True),
        "featureId": _param(
            "featureId", {"type": "string"}, "Feature id (works: the work's id; districts: the slug).", "path", True
        ),
        "limit": _param(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            f"Features per page (1..{MAX_LIMIT}, default {DEFAULT_LIMIT}).",
            style="form",
            explode=False,
        ),
        "offset": _param(
            "offset", {"type": "integer", "minimum": 0, "default": 0}, "Features to skip (the next link carries it)."
        ),
        "bbox": _param(
            "bbox",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            "minlon,minlat,maxlon,maxlat in CRS84 (lon/lat); features intersecting it.",
            style="form",
            explode=False,
        ),
        "datetime": _param(
            "datetime",
            {"type": "string"},
            "RFC 3339 date, date-time or interval (start/end, '..' open) matched against the "
            "works' start_date..end_date.",
            style="form",
            explode=False,
        ),
        "district": _param(
            "district",
            {"type": "string", "enum": list(catalogue.districts)},
            "District slug (names in kk/ru/en are accepted too).",
        ),
        "status": _param("status", {"type": "string", "enum": statuses(catalogue)}, "Status of the work (or request)."),
        "year": _param("year", {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}, "Year of the work."),
        "layer": _param("layer", {"type": "string", "enum": list(catalogue.layers)}, "Layer id."),
        "lang": _param(
            "lang",
            {"type": "string", "enum": ["kk", "ru", "en"]},
            "Language of names and titles (another value: the language of the cookie or Accept-Language).",
        ),
    }


HTML = {"text/html": {"schema": {"type": "string"}}}


def _get(
    summary: str, op: str, tag: str, params: list, description: str, schema: str, media: str, errors: dict
) -> dict:
    """One GET operation answering ``schema`` as ``media`` (or as an HTML page), with ``errors``."""
    content = {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}, **HTML}
    return {
        "get": {
            "summary": summary,
            "operationId": op,
            "tags": [tag],
            "parameters": params,
            "responses": {"200": {"description": description, "content": content}, **errors},
        }
    }


def _ogc_paths(ref: dict, filters: list) -> dict:
    """The OGC API – Features paths, relative to the OGC base."""
    json_, geojson, cid = "application/json", "application/geo+json", ref["collectionId"]
    return {
        "/": _get("Landing page", "getLandingPage", "Capabilities", [ref["f"]], "Links to the API's resources.",
                  "landingPage", json_, {}),
        "/conformance": _get("Conformance classes", "getConformanceDeclaration", "Capabilities", [ref["f"]],
                             "The conformance classes implemented.", "confClasses", json_, {}),
        "/collections": _get("The collections: every layer and the districts", "getCollections", "Capabilities",
                             [ref["f"], ref["lang"]], "The collections.", "collections", json_, {}),
        "/collections/{collectionId}": _get(
            "One collection", "describeCollection", "Capabilities", [cid, ref["f"], ref["lang"]],
            "The collection.", "collection", json_, {"404": ERRORS["404"]},
        ),
        "/collections/{collectionId}/items": _get(
            "Features of a collection", "getFeatures", "Data",
            [cid, ref["limit"], ref["offset"], *filters, ref["f"]],
            "A page of features; the next link leads to the following page.", "featureCollectionGeoJSON",
            geojson, ERRORS,
        ),
        "/collections/{collectionId}/items/{featureId}": _get(
            "One feature", "getFeature", "Data", [cid, ref["featureId"], ref["f"]], "The feature.",
            "featureGeoJSON", geojson, ERRORS,
        ),
    }  # fmt: skip


def _api_paths(ref: dict, filters: list, api_root: str) -> dict:
    """The totals and export paths, served under ``api_root``."""
    paths = {}
    fmt = lambda values, d: _param("f", {"type": "string", "enum": values, "default": d}, "File format.")  # noqa: E731
    files = {
        m: {"schema": {"type": "string", "format": "binary"}}
        for m in ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    }
    paths["/totals"] = {
        "servers": [{"url": api_root}],
        "get": {
            "summary": "Kilometres, network kilometres (overlaps once), counts and areas per district and city",
            "operationId": "getTotals",
            "tags": ["Totals"],
            "parameters": [
                ref["layer"],
                ref["district"],
                ref["year"],
                _param("status", {"type": "string", "enum": list(STATUSES)}, "Status of the works."),
                ref["lang"],
                fmt(["json", "csv", "xlsx"], "json"),
            ],
            "responses": {
                "200": {
                    "description": "Totals; CSV and XLSX come as attachments named by what and when.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/totals"}}, **files},
                },
                "400": ERRORS["400"],
            },
        },
    }
    paths["/features/{collectionId}"] = {
        "servers": [{"url": api_root}],
        "get": {
            "summary": "Export a layer or a filtered selection as a file",
            "operationId": "exportFeatures",
            "tags": ["Exports"],
            "parameters": [ref["collectionId"], *filters, fmt(["geojson", "gpkg", "csv", "xlsx"], "geojson")],
            "responses": {
                "200": {
                    "description": "The file (CSV carries the geometry as WKT, lon/lat).",
                    "content": {
                        "application/geo+json": {"schema": {"$ref": "#/components/schemas/featureCollectionGeoJSON"}},
                        "application/geopackage+sqlite3": {"schema": {"type": "string", "format": "binary"}},
                        **files,
                    },
                },
                **ERRORS,
            },
        },
    }
    return paths


def openapi_document(
    server_url: str,
    catalogue: Catalogue,
    title: str = "geoworks open API",
    version: str = "1.0.0",
    api_root: str | None = None,
) -> dict:
    """OpenAPI 3.0.3 description of every route; ``server_url`` is the OGC base (e.g. http://host/ogc),
    ``api_root`` the base of the totals and export routes (e.g. http://host/api)."""
    p = _parameters(catalogue)
    ref = {k: {"$ref": f"#/components/parameters/{k}"} for k in p}
    filters = [ref["bbox"], ref["datetime"], ref["district"], ref["status"], ref["year"]]
    paths = _ogc_paths(ref, filters)
    for item in paths.values():  # every OGC route reads f: an unknown one answers 400
        item["get"]["responses"].setdefault("400", ERRORS["400"])
    schemas = base_schemas()
    if api_root:
        paths.update(_api_paths(ref, filters, api_root) | services_paths(catalogue, ref, api_root))
        paths.update(requests_paths(catalogue, ref, ERRORS, api_root))  # residents' requests
        schemas.update(requests_schemas(catalogue) | services_schemas())
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": version,
            "description": "Infrastructure works per layer and district as OGC API – Features (Part 1: "
            "Core, GeoJSON, HTML, OpenAPI 3.0). Coordinates are lon/lat (CRS84, EPSG:4326); "
            "lengths and areas are geodesic (WGS84). Totals and exports: /api/totals, "
            "/api/features/{layer}, /api/near, /api/gaps.",
            "license": {"name": "see the data set's source"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": n} for n in ("Capabilities", "Data", "Totals", "Exports", "Requests", "Near", "Plan")],
        "paths": paths,
        "components": {"parameters": p, "schemas": schemas},
    }
