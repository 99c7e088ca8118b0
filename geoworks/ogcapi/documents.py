"""The JSON documents of OGC API – Features Part 1: landing page, conformance,
collections, one collection and an items page (RFC 7946, lon/lat, EPSG:4326).

Pure functions: they take the base URL of the API (e.g. ``http://host/ogc``)
and the language for titles, and return dicts (or, for items, JSON text
built from pre-serialised features).
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote, urlencode

import numpy as np

from geoworks import clock
from geoworks.catalogue import Catalogue
from geoworks.ogcapi.collections import DISTRICTS, REQUESTS, CollectionIndex, collection_ids
from geoworks.ogcapi.params import CRS84, Query

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
DISTRICT_TITLES = {"kk": "Аудандар", "ru": "Районы", "en": "Districts"}


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def _self_links(href: str, what: str) -> list[dict]:
    """The ``self`` (JSON) and ``alternate`` (HTML) links of a document."""
    return [_link(f"{href}?f=json", "self", JSON, what), _link(f"{href}?f=html", "alternate", HTML, f"{what} as HTML")]


def landing(base: str, title: str, description: str) -> dict:
    """The landing page: links to itself, the API definition, conformance and collections."""
    return {
        "title": title,
        "description": description,
        "links": [
            *_self_links(base, "this document"),
            _link(f"{base}/api", "service-desc", OPENAPI, "the API definition (OpenAPI 3.0)"),
            _link(f"{base}/api?f=html", "service-doc", HTML, "the API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{base}/conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON),
            _link(f"{base}/collections", "data", JSON, "collections"),
            _link(f"{base}/collections", "http://www.opengis.net/def/rel/ogc/1.0/data", JSON),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": list(CONFORMANCE)}


def collection_title(catalogue: Catalogue, collection_id: str, lang: str) -> str:
    if collection_id == DISTRICTS:
        return DISTRICT_TITLES.get(lang, DISTRICT_TITLES["en"])
    if collection_id == REQUESTS and catalogue.requests is not None:
        return catalogue.requests.names.get(lang)
    return catalogue.layers[collection_id].names.get(lang)


def collection(base: str, catalogue: Catalogue, index: CollectionIndex, lang: str) -> dict:
    """One collection's metadata: title, extent (CRS84 bbox, dates), links to its items."""
    cid = index.id
    href = f"{base}/collections/{cid}"
    if cid == DISTRICTS:
        description = "District polygons of the city (lon/lat)."
    elif cid == REQUESTS:
        description = (
            "Residents' requests (points): text, topic, district, source, received date, the latest status and "
            "its date, the answer and the works that answer them (works: layer:id); datetime filters the received "
            "date, status takes the requests' statuses. The resident's contact is never published."
        )
    else:
        layer = catalogue.layers[cid]
        description = (
            f"Works on layer '{cid}' ({layer.geometry} geometries, unit {layer.unit}); "
            "length_m and area_m2 are geodesic (WGS84)."
        )
    extent: dict = {}
    if index.extent_bbox is not None:
        extent["spatial"] = {"bbox": [index.extent_bbox], "crs": CRS84}
    if index.is_works:
        extent["temporal"] = {
            "interval": [index.extent_interval],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return {
        "id": cid,
        "title": collection_title(catalogue, cid, lang),
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": extent,
        "links": [
            *_self_links(href, "this collection"),
            _link(f"{href}/items?f=json", "items", GEOJSON, "items as GeoJSON"),
            _link(f"{href}/items?f=html", "items", HTML, "items as HTML"),
        ],
    }


def collections(base: str, catalogue: Catalogue, indexes: list[CollectionIndex], lang: str) -> dict:
    return {
        "links": [
            *_self_links(f"{base}/collections", "this document"),
        ],
        "collections": [collection(base, catalogue, ix, lang) for ix in indexes],
    }


def query_string(q: Query, offset: int | None = None, fmt: str = "json", extra: dict | None = None) -> str:
    """The query string reproducing ``q`` (with another offset / format)."""
    args: dict = {"f": fmt}
    if q.bbox is not None:
        b = q.bbox
        args["bbox"] = ",".join(repr(float(v)) for v in (b.minx, b.miny, b.maxx, b.maxy))
    if q.interval is not None:
        i = q.interval
        args["datetime"] = i.start if i.start == i.end else f"{i.start or '..'}/{i.end or '..'}"
    args.update(q.filters())
    args["limit"] = q.limit
    args["offset"] = q.offset if offset is None else offset
    args.update(extra or {})
    return urlencode(args)


def items_page(
    base: str, index: CollectionIndex, q: Query, positions: np.ndarray, now: datetime | None = None
) -> tuple[bytes, int, int]:
    """The items page as GeoJSON (UTF-8 bytes), plus numberMatched and numberReturned; ``timeStamp`` is ``now``."""
    matched = len(positions)
    page = positions[q.offset : q.offset + q.limit]
    href = f"{base}/collections/{index.id}/items"
    links = [
        _link(f"{href}?{query_string(q)}", "self", GEOJSON, "this page"),
        _link(f"{href}?{query_string(q, fmt='html')}", "alternate", HTML, "this page as HTML"),
        _link(f"{base}/collections/{index.id}", "collection", JSON, "the collection"),
    ]
    if q.offset + q.limit < matched:
        links.append(_link(f"{href}?{query_string(q, q.offset + q.limit)}", "next", GEOJSON, "next page"))
    if q.offset > 0:
        links.append(_link(f"{href}?{query_string(q, max(0, q.offset - q.limit))}", "prev", GEOJSON, "previous page"))
    stamp = (now or clock.now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    feats = index.features_json
    tail = (
        '],"numberMatched":'
        + str(matched)
        + ',"numberReturned":'
        + str(len(page))
        + ',"timeStamp":"'
        + stamp
        + '","links":'
        + json.dumps(links)
        + "}"
    ).encode("utf-8")
    parts = [b'{"type":"FeatureCollection","features":[', b",".join([feats[i] for i in page.tolist()]), tail]
    return b"".join(parts), matched, len(page)


def feature_document(base: str, index: CollectionIndex, feature_id: str) -> bytes:
    """One feature as GeoJSON (UTF-8 bytes), with self / collection links."""
    text = index.feature(feature_id)
    href = f"{base}/collections/{index.id}/items/{quote(str(feature_id), safe='')}"
    links = [
        _link(f"{href}?f=json", "self", GEOJSON),
        _link(f"{href}?f=html", "alternate", HTML),
        _link(f"{base}/collections/{index.id}", "collection", JSON),
    ]
    return text[:-1] + (',"links":' + json.dumps(links) + "}").encode("utf-8")


__all__ = [
    "landing",
    "conformance",
    "collection",
    "collections",
    "items_page",
    "feature_document",
    "collection_ids",
    "CONFORMANCE",
    "GEOJSON",
    "JSON",
    "HTML",
    "OPENAPI",
]
