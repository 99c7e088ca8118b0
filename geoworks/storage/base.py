"""The storage interface every backend implements.

Everything stored is lon/lat (EPSG:4326). Spatial tables: one per layer id
plus ``districts``. Attribute tables: ``claims``, ``batches``, ``meta`` and any
other name a caller writes. Writes happen only inside ``store.transaction()``:
all of a transaction's writes land together or none does, and every committed
transaction changes ``store.version()``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd
import pandas as pd

WORK_COLUMNS: dict[str, str] = {
    "id": "str",
    "name": "str",
    "status": "str",
    "start_date": "str",
    "end_date": "str",
    "year": "int",
    "contractor": "str",
    "district": "str",
    "length_m": "float",
    "area_m2": "float",
    "batch_id": "str",
}
DISTRICT_COLUMNS = {"slug": "str", "name_kk": "str", "name_ru": "str", "name_en": "str", "schematic": "int"}
FAR_FUTURE = "9999-12-31"  # the end of a work without an end date, for date-interval filters

Box = tuple[float, float, float, float]


class StoreError(RuntimeError):
    """A storage operation failed; nothing was written."""


def empty_works() -> gpd.GeoDataFrame:
    """An empty works table with the standard columns, EPSG:4326."""
    cols = {
        c: pd.Series(dtype="Int64" if t == "int" else float if t == "float" else object)
        for c, t in WORK_COLUMNS.items()
    }
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


@dataclass(frozen=True)
class LayerQuery:
    """A filtered, paged read of one layer (lon/lat, EPSG:4326).

    A feature matches when its geometry intersects one of ``boxes`` (exact test; no boxes: any
    geometry), every ``equals`` column holds the value (text columns compared as text, number
    columns as numbers; a missing value never matches) and, with ``dates``, its
    ``[start_date, end_date]`` meets the closed interval (ISO dates; no end = still going, no dates
    at all = no match). ``min_size`` (degrees) then leaves out features whose bounding box's longer
    side is smaller (points are kept). ``order`` "stored" keeps stored order; "size" keeps the
    ``limit`` largest (longer bbox side, ties in stored order), returned in stored order.
    """

    boxes: tuple[Box, ...] = ()
    equals: tuple[tuple[str, object], ...] = ()
    dates: tuple[str | None, str | None] | None = None
    min_size: float = 0.0
    order: str = "stored"
    offset: int = 0
    limit: int | None = None


@dataclass
class QueryResult:
    """The selected features (stored order; dtypes as a full read of the layer gives them) and
    ``matched``: how many meet the boxes, equals and dates filters, before min_size, offset and limit."""

    features: gpd.GeoDataFrame
    matched: int


@dataclass(frozen=True)
class LayerSummary:
    """What a collection document says about a layer: feature count, lon/lat extent
    (minx, miny, maxx, maxy; None when empty) and the first start and last end date (ISO, or None)."""

    count: int
    bbox: Box | None
    first_start: str | None
    last_end: str | None


class Transaction(Protocol):
    """Reads and writes inside one all-or-nothing transaction (reads see its own writes)."""

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None: ...
    def append_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None: ...
    def delete_where(self, name: str, column: str, value: str) -> int: ...
    def write_table(self, name: str, df: pd.DataFrame) -> None: ...
    def read_layer(self, name: str) -> gpd.GeoDataFrame: ...
    def read_table(self, name: str) -> pd.DataFrame: ...
    def count(self, name: str) -> int: ...
    def columns(self, name: str) -> list[str] | None: ...


class Store(Protocol):
    """A place that keeps layers, districts, claims and import batches."""

    # True when query() runs in the database on its spatial and attribute indexes, so that callers
    # need keep no in-memory copy of a layer to answer filtered reads fast.
    query_pushdown: bool

    def read_layer(
        self, name: str, bbox: tuple[float, float, float, float] | None = None, where: dict | None = None
    ) -> gpd.GeoDataFrame: ...
    def read_table(self, name: str) -> pd.DataFrame: ...
    def query(self, name: str, q: LayerQuery) -> QueryResult: ...
    def summary(self, name: str) -> LayerSummary: ...
    def layer_names(self) -> list[str]: ...
    def count(self, name: str) -> int: ...
    def version(self) -> str: ...
    def is_empty(self) -> bool: ...
    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def describe(self) -> str: ...
    def init(self) -> list[str]: ...
    def schema_version(self) -> tuple[int, int]: ...
    def close(self) -> None: ...
