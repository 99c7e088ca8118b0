"""Collections of the open API: every layer of the catalogue plus the districts.

A :class:`CollectionIndex` holds one collection of the store in memory, with
each feature already serialised as an RFC 7946 GeoJSON Feature (lon/lat,
EPSG:4326), its bounds and dates as arrays, so that selecting a page is array
arithmetic and joining strings. Indexes are built lazily and cached per data
version by :class:`IndexCache` (thread-safe): a commit to the store makes the
next request rebuild them.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoworks.catalogue import STATUSES, Catalogue
from geoworks.ogcapi.params import Interval, NotFound, ParamError, Query
from geoworks.storage import Store

DISTRICTS = "districts"
REQUESTS = "requests"  # residents' requests (geoworks.ogcapi.requests), when the catalogue defines them
_FAR_FUTURE = "9999-12-31"


def collection_ids(catalogue: Catalogue) -> list[str]:
    """Every collection id: the layers in catalogue order, then ``districts`` (and ``requests``)."""
    return list(catalogue.layers) + [DISTRICTS] + ([REQUESTS] if catalogue.requests is not None else [])


def _plain(value):
    """A JSON-ready Python value (numpy scalars, NaN/NA -> None)."""
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) else f
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


@dataclass
class CollectionIndex:
    """One collection in memory: features, their JSON, bounds and dates."""

    id: str
    gdf: gpd.GeoDataFrame
    ids: np.ndarray
    positions: dict[str, int]
    bounds: np.ndarray
    start: np.ndarray
    end: np.ndarray
    columns: dict[str, np.ndarray]
    features_json: list[bytes]
    is_works: bool = True
    extent_bbox: list[float] | None = None
    extent_interval: list[str | None] = field(default_factory=lambda: [None, None])
    statuses: tuple[str, ...] = STATUSES  # the statuses its features can have (requests have their own)

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, q: Query) -> np.ndarray:
        """Positions (in stored order) of the features matching every filter of ``q``."""
        n = len(self.ids)
        mask = np.ones(n, dtype=bool)
        if not self.is_works:
            for name, value in (("status", q.status), ("year", q.year), ("datetime", q.interval)):
                if value is not None:
                    raise ParamError(name, f"{name} does not apply to the districts collection")
        if q.district:
            mask &= self.columns["district"] == q.district
        if q.status:
            if q.status not in self.statuses:
                known = ", ".join(self.statuses)
                raise ParamError("status", f"status '{q.status}' does not apply here; known: {known}")
            mask &= self.columns["status"] == q.status
        if q.year is not None:
            mask &= self.columns["year"] == q.year
        if q.interval is not None:
            mask &= self._in_interval(q.interval)
        if q.bbox is not None and n:
            hit = np.zeros(n, dtype=bool)
            for minx, miny, maxx, maxy in q.bbox.boxes():
                b = self.bounds
                cand = mask & ~((b[:, 0] > maxx) | (b[:, 2] < minx) | (b[:, 1] > maxy) | (b[:, 3] < miny))
                inside = cand & (b[:, 0] >= minx) & (b[:, 2] <= maxx) & (b[:, 1] >= miny) & (b[:, 3] <= maxy)
                hit |= inside  # bounds within the box: intersects for sure
                idx = np.flatnonzero(cand & ~inside)
                if len(idx):
                    box = shapely.box(minx, miny, maxx, maxy)
                    ok = shapely.intersects(self.gdf.geometry.values[idx], box)
                    hit[idx[np.asarray(ok, dtype=bool)]] = True
            mask &= hit
        return np.flatnonzero(mask)

    def _in_interval(self, interval: Interval) -> np.ndarray:
        """Works whose [start_date, end_date] meets the interval (no end = still going; no dates = no match)."""
        s, e = self.start, self.end
        has = (s != "") | (e != "")
        s = np.where(s == "", e, s)
        e = np.where(e == "", _FAR_FUTURE, e)
        ok = has.copy()
        if interval.end is not None:
            ok &= s <= interval.end
        if interval.start is not None:
            ok &= e >= interval.start
        return ok

    def feature(self, feature_id: str) -> bytes:
        """The GeoJSON of one feature (UTF-8); NotFound when unknown."""
        pos = self.positions.get(str(feature_id))
        if pos is None:
            raise NotFound("featureId", f"no feature '{feature_id}' in collection '{self.id}'")
        return self.features_json[pos]

    def records(self, positions: np.ndarray) -> gpd.GeoDataFrame:
        """The selected features as a GeoDataFrame (EPSG:4326), stored order."""
        return self.gdf.iloc[positions].reset_index(drop=True)


def _dates(gdf: pd.DataFrame, col: str) -> np.ndarray:
    if col not in gdf.columns:
        return np.full(len(gdf), "", dtype="U10")
    values = gdf[col].astype(object).where(gdf[col].notna(), "")
    return np.array([str(v)[:10] for v in values], dtype="U10")


def features_json(gdf: gpd.GeoDataFrame, ids: np.ndarray) -> list[bytes]:
    """Each feature of ``gdf`` (lon/lat) as an RFC 7946 GeoJSON Feature (UTF-8), ids given."""
    geom_json = shapely.to_geojson(np.asarray(gdf.geometry.values, dtype=object)) if len(gdf) else []
    props = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    names = list(props.columns)
    rows = props.itertuples(index=False, name=None)
    features = []
    for fid, gj, row in zip(ids, geom_json, rows):
        p = {k: _plain(v) for k, v in zip(names, row)}
        features.append(
            (
                '{"type":"Feature","id":'
                + json.dumps(str(fid))
                + ',"geometry":'
                + (gj or "null")
                + ',"properties":'
                + json.dumps(p, ensure_ascii=False)
                + "}"
            ).encode("utf-8")
        )
    return features


def build_index(collection_id: str, gdf: gpd.GeoDataFrame) -> CollectionIndex:
    """Serialise every feature of ``gdf`` (EPSG:4326) and index it."""
    is_works = collection_id != DISTRICTS
    id_col = "id" if is_works else "slug"
    gdf = gdf.reset_index(drop=True)
    if id_col not in gdf.columns:
        gdf[id_col] = [str(i + 1) for i in range(len(gdf))]
    ids = gdf[id_col].astype(str).to_numpy(dtype=object)
    geoms = gdf.geometry.values
    features = features_json(gdf, ids)
    bounds = shapely.bounds(np.asarray(geoms, dtype=object)) if len(gdf) else np.zeros((0, 4))
    bounds = np.nan_to_num(bounds, nan=np.inf)
    columns = {}
    for col in ("district", "status"):
        if col in gdf.columns:
            columns[col] = gdf[col].astype(object).where(gdf[col].notna(), "").astype(str).to_numpy()
    if not is_works:
        columns["district"] = ids.astype(str)
    if "year" in gdf.columns:
        columns["year"] = pd.to_numeric(gdf["year"], errors="coerce").fillna(-1).astype(int).to_numpy()
    start, end = _dates(gdf, "start_date"), _dates(gdf, "end_date")
    extent = [float(v) for v in gdf.total_bounds] if len(gdf) and not gdf.geometry.isna().all() else None
    starts = [v for v in start if v]
    ends = [v for v in end if v]
    interval = [min(starts) if starts else None, max(ends) if ends else None]
    return CollectionIndex(
        id=collection_id,
        gdf=gdf,
        ids=ids,
        positions={str(v): i for i, v in enumerate(ids)},
        bounds=bounds,
        start=start,
        end=end,
        columns=columns,
        features_json=features,
        is_works=is_works,
        extent_bbox=extent,
        extent_interval=interval,
    )


class IndexCache:
    """Collection indexes of one store, rebuilt when the store's version changes."""

    def __init__(self):
        self._lock = threading.Lock()
        self._build_locks: dict[str, threading.Lock] = {}
        self._version: str | None = None
        self._items: dict[str, CollectionIndex] = {}

    def get(self, store: Store, catalogue: Catalogue, collection_id: str) -> CollectionIndex:
        """The index of ``collection_id``; NotFound for an unknown collection. A store that answers
        queries itself (``store.query_pushdown``) gets a :class:`~geoworks.ogcapi.stored.StoredCollection`
        for each works layer instead, with the same interface, reading only what each request selects."""
        if collection_id not in collection_ids(catalogue):
            raise NotFound(
                "collectionId", f"no collection '{collection_id}'; known: {', '.join(collection_ids(catalogue))}"
            )
        version = store.version()
        with self._lock:
            if version != self._version:
                self._version, self._items = version, {}
            hit = self._items.get(collection_id)
            if hit is not None:
                return hit
            build_lock = self._build_locks.setdefault(collection_id, threading.Lock())
        with build_lock:
            with self._lock:
                hit = self._items.get(collection_id) if version == self._version else None
            if hit is not None:
                return hit
            if collection_id == REQUESTS:  # public fields only, folded from the requests' events
                from geoworks.ogcapi.requests import requests_collection

                index = requests_collection(store, catalogue)
            elif store.query_pushdown and collection_id != DISTRICTS:  # filtered in the database, per request
                from geoworks.ogcapi.stored import StoredCollection

                index = cast(CollectionIndex, StoredCollection(store, collection_id))  # same interface
            else:
                index = build_index(collection_id, store.read_layer(collection_id))
            with self._lock:
                if version == self._version:
                    self._items[collection_id] = index
        return index
