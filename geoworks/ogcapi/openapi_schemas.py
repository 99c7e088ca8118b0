"""The reusable schemas of the OpenAPI document (components/schemas): OGC documents, GeoJSON, errors, totals."""

from __future__ import annotations

import copy

_LINK = {
    "type": "object",
    "required": ["href"],
    "properties": {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "title": {"type": "string"},
    },
}


def base_schemas() -> dict:
    """The reusable schemas (components/schemas)."""
    link = copy.deepcopy(_LINK)
    return {
        "exception": {
            "type": "object",
            "required": ["code"],
            "properties": {
                "code": {"type": "string"},
                "description": {"type": "string"},
                "parameter": {"type": "string"},
            },
        },
        "link": link,
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
            },
        },
        "confClasses": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
        },
        "collection": {
            "type": "object",
            "required": ["id", "links"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "itemType": {"type": "string"},
                "crs": {"type": "array", "items": {"type": "string"}},
                "extent": {"type": "object"},
                "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
            },
        },
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
                "collections": {"type": "array", "items": {"$ref": "#/components/schemas/collection"}},
            },
        },
        **_feature_schemas(),
        **_totals_schema(),
    }


_LINKS = {"type": "array", "items": {"$ref": "#/components/schemas/link"}}


def feature_schema(properties: dict, extra: dict | None = None) -> dict:
    """A GeoJSON Feature whose ``properties`` follow ``properties`` (plus ``extra`` members)."""
    return {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"type": "object", "nullable": True},
            "properties": properties,
            **(extra or {}),
        },
    }


def feature_collection_schema(feature: dict, extra: dict) -> dict:
    """A GeoJSON FeatureCollection of ``feature`` (plus ``extra`` members)."""
    return {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": feature},
            **extra,
        },
    }


def _feature_schemas() -> dict:
    """GeoJSON features and feature collections as the items endpoints answer them."""
    return {
        "featureGeoJSON": feature_schema({"type": "object", "nullable": True}, {"links": _LINKS}),
        "featureCollectionGeoJSON": feature_collection_schema(
            {"$ref": "#/components/schemas/featureGeoJSON"},
            {
                "links": _LINKS,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
            },
        ),
    }


def _totals_schema() -> dict:
    """The answer of /api/totals: one row per layer and district."""
    return {
        "totals": {
            "type": "object",
            "properties": {
                "filters": {"type": "object"},
                "language": {"type": "string"},
                "rows": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "layer": {"type": "string"},
                            "layer_name": {"type": "string"},
                            "district": {"type": "string"},
                            "district_name": {"type": "string"},
                            "unit": {"type": "string"},
                            "km": {"type": "number"},
                            "network_km": {"type": "number"},
                            "features": {"type": "integer"},
                            "count": {"type": "integer"},
                            "area_m2": {"type": "number", "nullable": True},
                        },
                    },
                },
            },
        },
    }
