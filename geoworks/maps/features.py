"""Data behind the maps: features for the visible area at the zoom's simplification, work details.

A layer is read once per data version into a :class:`PreparedLayer` (lon/lat,
EPSG:4326, with an STRtree and each feature's extent) and kept in a small LRU
cache; each request then picks the features intersecting the requested bbox,
drops those smaller than a pixel at the zoom, keeps at most ``limit`` (largest
first; the answer says how many were left out) and simplifies them to half a
pixel. A store that filters in the database (``store.query_pushdown``) is asked per request
instead (:class:`StoreLayer`): the same selection, computed by SQL on its spatial index.
Simplification happens in degrees for display only; nothing is measured here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geoworks.cache import LRUCache
from geoworks.catalogue import Catalogue
from geoworks.params import parse_bbox, parse_district, parse_int, parse_status, parse_year
from geoworks.storage import LayerQuery, Store

DEFAULT_LIMIT = 3000
MAX_LIMIT = 20000


@dataclass(frozen=True)
class FeatureQuery:
    """What the map asks for: a lon/lat bbox, a Web-map zoom level and optional filters."""

    bbox: tuple[float, float, float, float] | None = None
    zoom: int = 12
    year: int | None = None
    status: str | None = None
    district: str | None = None
    limit: int = DEFAULT_LIMIT


def parse_query(args, catalogue: Catalogue) -> FeatureQuery:
    """A FeatureQuery from request arguments; ParamError naming the bad parameter."""
    bbox = parse_bbox(args.get("bbox"), antimeridian=False)
    return FeatureQuery(
        bbox.astuple() if bbox else None,
        parse_int(args.get("zoom"), "zoom", 12, 0, 22),
        parse_year(args.get("year")),
        parse_status(args.get("status")),
        parse_district(args.get("district"), catalogue),
        parse_int(args.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
    )


def pixel_degrees(zoom: int) -> float:
    """Degrees of longitude per 256-px tile pixel at a Web-map zoom (display scale only)."""
    return 360.0 / (256.0 * 2.0**zoom)


class PreparedLayer:
    """One layer's works in memory for fast bbox queries (lon/lat)."""

    def __init__(self, works: pd.DataFrame, geoms: np.ndarray):
        self.works = works.reset_index(drop=True)
        self.geoms = np.asarray(geoms, dtype=object)
        self.tree = shapely.STRtree(self.geoms)
        b = shapely.bounds(self.geoms)
        self.size = np.nan_to_num(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]), nan=0.0)
        self.is_point = shapely.get_dimensions(self.geoms) == 0
        self.ids = self.works["id"].astype(str).to_numpy(dtype=object) if len(self.works) else np.array([], object)
        self.by_id = {v: i for i, v in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.geoms)

    def select(self, q: FeatureQuery) -> tuple[np.ndarray, int]:
        """Indices to draw (largest first, at most q.limit) and how many match in view before the limit."""
        if q.bbox is None:
            idx = np.arange(len(self.geoms))
        else:
            idx = np.sort(self.tree.query(shapely.box(*q.bbox), predicate="intersects"))
        w = self.works
        mask = np.ones(len(idx), dtype=bool)
        if q.year is not None:
            mask &= pd.to_numeric(w["year"], errors="coerce").to_numpy()[idx] == q.year
        if q.status is not None:
            mask &= w["status"].astype(str).to_numpy()[idx] == q.status
        if q.district is not None:
            mask &= w["district"].astype(str).to_numpy()[idx] == q.district
        idx = idx[mask]
        matched = len(idx)
        # features smaller than a pixel at this zoom are invisible: drop them (points always kept)
        visible = (self.size[idx] >= pixel_degrees(q.zoom) * 0.5) | self.is_point[idx]
        idx = idx[visible]
        if len(idx) > q.limit:
            order = np.argsort(-self.size[idx], kind="stable")[: q.limit]
            idx = np.sort(idx[order])
        return idx, matched

    def detail(self, work_id: str) -> dict | None:
        """Every stored attribute of one work (JSON-ready), or None."""
        i = self.by_id.get(str(work_id))
        return None if i is None else _detail(self.works, i)


def _detail(works: pd.DataFrame, i: int) -> dict:
    """Row ``i``'s attributes, JSON-ready."""
    row = works.iloc[i]
    out: dict[str, object] = {}
    for col in works.columns:
        v = row[col]
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out[col] = None
        elif isinstance(v, (np.integer,)):
            out[col] = int(v)
        elif isinstance(v, (np.floating, float)):
            out[col] = float(v)
        else:
            out[col] = str(v)
    return out


class StoreLayer:
    """A layer read per request from a store that filters in the database (``store.query_pushdown``).

    Same interface as :class:`PreparedLayer` for :func:`features_geojson` and the detail route;
    :meth:`select` sends the bbox, filters, pixel size and limit to ``Store.query`` (SQL on the
    spatial index) and keeps the features it read, so one instance serves one request.
    """

    def __init__(self, store: Store, layer_id: str):
        self.store, self.layer_id = store, layer_id
        self.works = pd.DataFrame()
        self.geoms = np.array([], dtype=object)
        self.ids = np.array([], dtype=object)

    def __len__(self) -> int:
        return self.store.count(self.layer_id)

    def select(self, q: FeatureQuery) -> tuple[np.ndarray, int]:
        """Indices (into the features read) to draw, largest first at most q.limit, and how many match in view."""
        filters = (("year", q.year), ("status", q.status), ("district", q.district))
        equals = [(k, v) for k, v in filters if v is not None]
        found = self.store.query(
            self.layer_id,
            LayerQuery(
                boxes=(q.bbox,) if q.bbox is not None else (),
                equals=tuple(equals),
                min_size=pixel_degrees(q.zoom) * 0.5,
                order="size",
                limit=q.limit,
            ),
        )
        gdf = found.features
        self.works = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        self.geoms = np.asarray(gdf.geometry.values, dtype=object)
        self.ids = self.works["id"].astype(str).to_numpy(dtype=object) if len(gdf) else np.array([], object)
        return np.arange(len(gdf)), found.matched

    def detail(self, work_id: str) -> dict | None:
        """Every stored attribute of one work (JSON-ready; the last stored with that id), or None."""
        gdf = self.store.query(self.layer_id, LayerQuery(equals=(("id", str(work_id)),))).features
        if not len(gdf):
            return None
        return _detail(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), len(gdf) - 1)


def features_geojson(prepared: PreparedLayer | StoreLayer, q: FeatureQuery, layer_id: str, lang: str) -> str:
    """A GeoJSON FeatureCollection (string) of the works to draw, with ``total`` in view and ``truncated``."""
    idx, matched = prepared.select(q)
    px = pixel_degrees(q.zoom)
    geoms = prepared.geoms[idx]
    if len(geoms):
        geoms = shapely.simplify(geoms, px * 0.5, preserve_topology=False)
        grid = max(10 ** math.floor(math.log10(px / 8)), 1e-7)
        geoms = shapely.set_precision(geoms, grid, mode="pointwise")
    texts = shapely.to_geojson(geoms) if len(geoms) else []
    names = _names(prepared.works, lang)
    parts = []
    for i, text in zip(idx, texts):
        if text is None or text == "null":
            continue
        props = json.dumps({"n": names[i]}, ensure_ascii=False)
        parts.append(
            f'{{"type":"Feature","id":{json.dumps(str(prepared.ids[i]), ensure_ascii=False)},'
            f'"properties":{props},"geometry":{text}}}'
        )
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "layer": layer_id,
            "zoom": q.zoom,
            "total": int(matched),
            "returned": len(parts),
            "truncated": bool(len(idx) < matched),
        }
    )
    return head[:-1] + ',"features":[' + ",".join(parts) + "]}"


def _names(works: pd.DataFrame, lang: str) -> np.ndarray:
    if not len(works):
        return np.array([], dtype=object)
    base = works["name"] if "name" in works.columns else pd.Series([""] * len(works))
    col = f"name_{lang}"
    if col in works.columns:
        base = works[col].where(works[col].notna() & (works[col].astype(str) != ""), base)
    return base.fillna("").astype(str).to_numpy(dtype=object)


class PreparedCache:
    """PreparedLayer per (data version, layer), read once per change of the data."""

    def __init__(self, size: int = 12):
        self._cache = LRUCache(size)

    def get(self, store: Store, layer_id: str) -> PreparedLayer | StoreLayer:
        """The prepared layer; for a store that filters in the database, a new :class:`StoreLayer` per call."""
        if store.query_pushdown:
            return StoreLayer(store, layer_id)

        def read() -> PreparedLayer:
            gdf = store.read_layer(layer_id)
            return PreparedLayer(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), gdf.geometry.values)

        return self._cache.get((store.version(), layer_id), read)


class ResponseCache(LRUCache):
    """Finished features answers per (data version, layer, query, language), bounded by total bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        super().__init__(size=100_000, weigh=len, max_weight=max_bytes)
