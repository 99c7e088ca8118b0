"""The open API core: OGC API – Features documents, query parsing, collection indexes, OpenAPI.

Pure functions and small caches on GeoDataFrames; the Flask blueprints in
``geoworks.web.ogc`` and ``geoworks.web.api`` only parse requests and call these.
"""

from geoworks.ogcapi.collections import DISTRICTS, CollectionIndex, IndexCache, build_index, collection_ids
from geoworks.ogcapi.params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    BBox,
    Interval,
    NotFound,
    ParamError,
    Query,
    parse_bbox,
    parse_datetime,
    parse_query,
)

__all__ = [
    "DISTRICTS",
    "CollectionIndex",
    "IndexCache",
    "build_index",
    "collection_ids",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "BBox",
    "Interval",
    "NotFound",
    "ParamError",
    "Query",
    "parse_bbox",
    "parse_datetime",
    "parse_query",
]
