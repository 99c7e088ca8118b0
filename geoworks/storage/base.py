"""The storage interface every backend implements.

Everything stored is lon/lat (EPSG:4326). Spatial tables: one per layer id
plus ``districts``. Attribute tables: ``claims`` and ``batches``.
Writes happen only inside ``store.transaction()``: all of a transaction's
writes land together or none does.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
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


class StoreError(RuntimeError):
    """A storage operation failed; nothing was written."""


def empty_works() -> gpd.GeoDataFrame:
    """An empty works table with the standard columns, EPSG:4326."""
    cols = {
        c: pd.Series(dtype="Int64" if t == "int" else float if t == "float" else object)
        for c, t in WORK_COLUMNS.items()
    }
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


class Transaction(Protocol):
    def write_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None: ...
    def append_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None: ...
    def delete_where(self, name: str, column: str, value: str) -> int: ...
    def write_table(self, name: str, df: pd.DataFrame) -> None: ...
    def read_layer(self, name: str) -> gpd.GeoDataFrame: ...
    def read_table(self, name: str) -> pd.DataFrame: ...


class Store(Protocol):
    """A place that keeps layers, districts, claims and import batches."""

    def read_layer(
        self, name: str, bbox: tuple[float, float, float, float] | None = None, where: dict | None = None
    ) -> gpd.GeoDataFrame: ...
    def read_table(self, name: str) -> pd.DataFrame: ...
    def layer_names(self) -> list[str]: ...
    def count(self, name: str) -> int: ...
    def version(self) -> str: ...
    def is_empty(self) -> bool: ...
    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def describe(self) -> str: ...
