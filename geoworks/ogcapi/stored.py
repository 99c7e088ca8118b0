"""A works collection answered by the store itself, for stores that filter in the database.

:class:`StoredCollection` has the interface of :class:`~geoworks.ogcapi.collections.CollectionIndex`
that the documents and routes use (``id``, extents, ``len``, ``select``, ``features_json``,
``feature``, ``records``), but holds no copy of the layer: each ``select`` sends the bbox,
datetime and attribute filters with the page's offset and limit to ``Store.query`` (SQL on the
spatial index), and serialises only the page, exactly as the in-memory index does. Answers are
kept per query in a small LRU; the collection itself lives for one data version (IndexCache).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from geoworks.cache import LRUCache
from geoworks.ogcapi.collections import features_json
from geoworks.ogcapi.params import NotFound, Query
from geoworks.storage import LayerQuery, Store


class _Identity:
    """``features_json`` of a stored collection: the page's positions already are the features' JSON."""

    def __getitem__(self, item: bytes) -> bytes:
        return item


@dataclass(frozen=True)
class _Page:
    features: tuple[bytes, ...]

    def __len__(self) -> int:
        return len(self.features)

    def tolist(self) -> list[bytes]:
        return list(self.features)


@dataclass(frozen=True)
class Matches:
    """What ``select`` found: ``len()`` is numberMatched; the slice [offset:offset + limit] is the page."""

    query: Query
    matched: int
    page: _Page

    def __len__(self) -> int:
        return self.matched

    def __getitem__(self, _window: slice) -> _Page:
        return self.page


def layer_query(q: Query, paged: bool = True) -> LayerQuery:
    """The store query for an items query (lon/lat boxes, works filters, dates, paging)."""
    equals: list[tuple[str, object]] = [(k, v) for k, v in (("district", q.district), ("status", q.status)) if v]
    if q.year is not None:
        equals.append(("year", q.year))
    return LayerQuery(
        boxes=tuple(q.bbox.boxes()) if q.bbox is not None else (),
        equals=tuple(equals),
        dates=(q.interval.start, q.interval.end) if q.interval is not None else None,
        offset=q.offset if paged else 0,
        limit=q.limit if paged else None,
    )


def _ids(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return gdf["id"].astype(str).to_numpy(dtype=object) if "id" in gdf.columns else np.array([], dtype=object)


class StoredCollection:
    """One works layer of a store that answers queries itself (lon/lat, EPSG:4326)."""

    is_works = True
    features_json = _Identity()

    def __init__(self, store: Store, collection_id: str, max_bytes: int = 32 * 1024 * 1024):
        self.id = collection_id
        self.store = store
        summary = store.summary(collection_id)
        self.count = summary.count
        self.extent_bbox: list[float] | None = list(summary.bbox) if summary.bbox is not None else None
        self.extent_interval: list[str | None] = [summary.first_start, summary.last_end]
        self._pages = LRUCache(512, weigh=lambda m: sum(map(len, m.page.features)) + 64, max_weight=max_bytes)

    def __len__(self) -> int:
        return self.count

    def select(self, q: Query) -> Matches:
        """The features matching ``q`` (count) and the page ``q.offset``/``q.limit`` (their JSON)."""

        def run() -> Matches:
            found = self.store.query(self.id, layer_query(q))
            page = _Page(tuple(features_json(found.features, _ids(found.features))))
            return Matches(q, found.matched, page)

        return self._pages.get(q, run)

    def feature(self, feature_id: str) -> bytes:
        """The GeoJSON of one feature (UTF-8); NotFound when unknown (the last one stored, as in the index)."""
        found = self.store.query(self.id, LayerQuery(equals=(("id", str(feature_id)),))).features
        if not len(found):
            raise NotFound("featureId", f"no feature '{feature_id}' in collection '{self.id}'")
        last = found.iloc[[len(found) - 1]].reset_index(drop=True)
        return features_json(last, _ids(last))[0]

    def records(self, matches: Matches | Sequence) -> gpd.GeoDataFrame:
        """Every feature matching the query behind ``matches`` (no paging), stored order."""
        if not isinstance(matches, Matches):
            raise TypeError("records() takes what select() returned")
        return self.store.query(self.id, layer_query(matches.query, paged=False)).features
