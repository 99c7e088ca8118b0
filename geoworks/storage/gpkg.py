"""The embedded store: one GeoPackage under the data directory.

Atomicity is copy-on-write: a transaction works on a private copy of the
GeoPackage and, only when every write succeeded, renames it over the store
(``os.replace`` is atomic on POSIX). A failed or killed write leaves the
store file exactly as it was; a lock file serialises writers, and readers
always see one complete version.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoworks.storage import memquery
from geoworks.storage.base import WORK_COLUMNS, Box, LayerQuery, LayerSummary, QueryResult, StoreError, empty_works
from geoworks.storage.private import make_private, private_dir, private_file

FILENAME = "geoworks.gpkg"


def _sql_value(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _where_sql(where: dict | None) -> str | None:
    if not where:
        return None
    clauses = []
    for col, value in where.items():
        if col not in WORK_COLUMNS:
            raise StoreError(f"cannot filter on unknown column '{col}'")
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        clauses.append(f'"{col}" IN ({", ".join(_sql_value(v) for v in values)})')
    return " AND ".join(clauses) or None


def _layers(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [str(row[0]) for row in pyogrio.list_layers(path)]


def _read(path: Path, name: str, **kwargs) -> gpd.GeoDataFrame | pd.DataFrame | None:
    if name not in _layers(path):
        return None
    return pyogrio.read_dataframe(path, layer=name, **kwargs)


def _write(path: Path, frame: pd.DataFrame, name: str, **kwargs) -> None:
    """Write table ``name`` of the GeoPackage at ``path``; a failed write (a full disk, an I/O error, which GDAL
    reports as its own errors) raises StoreError naming the table, so callers report it like any other."""
    try:
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise StoreError(f"cannot write table '{name}': {exc}") from None


class _Tx:
    """Writes against the private copy of one transaction."""

    def __init__(self, path: Path):
        self.path = path

    def read_layer(self, name: str) -> gpd.GeoDataFrame:
        df = _read(self.path, name)
        return empty_works() if df is None else df

    def read_table(self, name: str) -> pd.DataFrame:
        df = _read(self.path, name, read_geometry=False)
        return pd.DataFrame() if df is None else df

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None:
        """Replace table ``name`` with ``gdf`` (EPSG:4326)."""
        _write(self.path, gdf, name, promote_to_multi=False)

    def append_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None:
        if len(gdf) == 0 and name in _layers(self.path):
            return
        exists = name in _layers(self.path)
        _write(self.path, gdf, name, append=exists)

    def delete_where(self, name: str, column: str, value: str) -> int:
        df = _read(self.path, name)
        if df is None:
            return 0
        mask = df[column].astype(str) == str(value)
        if mask.any():
            self.write_layer(name, df[~mask].reset_index(drop=True))
        return int(mask.sum())

    def write_table(self, name: str, df: pd.DataFrame) -> None:
        _write(self.path, pd.DataFrame(df), name)

    def count(self, name: str) -> int:
        """Rows of table ``name`` (0 when there is none)."""
        if name not in _layers(self.path):
            return 0
        return int(pyogrio.read_info(self.path, layer=name, force_feature_count=True)["features"])

    def columns(self, name: str) -> list[str] | None:
        """The attribute columns of table ``name`` in order (None when there is no such table)."""
        if name not in _layers(self.path):
            return None
        return [str(f) for f in pyogrio.read_info(self.path, layer=name)["fields"]]


class GeoPackageStore:
    """Store backend on one GeoPackage file, ``<data_dir>/geoworks.gpkg``."""

    query_pushdown = False  # query() reads the whole layer: callers keep their own in-memory indexes

    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / FILENAME

    def describe(self) -> str:
        return f"GeoPackage {self.path}"

    def init(self) -> list[str]:
        """Nothing to create or upgrade: a GeoPackage is made by its first transaction."""
        private_dir(self.data_dir)
        return []

    def schema_version(self) -> tuple[int, int]:
        return 0, 0

    def close(self) -> None:
        """Nothing is held open between calls."""

    def layer_names(self) -> list[str]:
        return _layers(self.path)

    def version(self) -> str:
        """Changes whenever a transaction commits (the file is replaced)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return "empty"
        return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"

    def is_empty(self) -> bool:
        return "districts" not in self.layer_names()

    def read_layer(self, name: str, bbox: Box | None = None, where: dict | None = None) -> gpd.GeoDataFrame:
        """Features of table ``name`` (EPSG:4326), optionally within a lon/lat bbox and filtered by equality."""
        kwargs: dict[str, object] = {}
        if bbox is not None:
            kwargs["bbox"] = tuple(float(v) for v in bbox)
        sql = _where_sql(where)
        if sql:
            kwargs["where"] = sql
        df = _read(self.path, name, **kwargs)
        if df is None:
            return empty_works()
        if df.crs is None:
            df = df.set_crs("EPSG:4326")
        return df

    def count(self, name: str) -> int:
        if name not in self.layer_names():
            return 0
        return int(pyogrio.read_info(self.path, layer=name, force_feature_count=True)["features"])

    def read_table(self, name: str) -> pd.DataFrame:
        df = _read(self.path, name, read_geometry=False)
        return pd.DataFrame() if df is None else pd.DataFrame(df)

    def query(self, name: str, q: LayerQuery) -> QueryResult:
        """``q`` over the whole layer read into memory (see :mod:`geoworks.storage.memquery`)."""
        return memquery.query_frame(self.read_layer(name), q)

    def summary(self, name: str) -> LayerSummary:
        """Feature count, lon/lat extent and date range of a layer."""
        return memquery.summarise(self.read_layer(name))

    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        """All writes inside land together when the block ends, or none does."""
        private_dir(self.data_dir)
        lock = open(private_file(self.data_dir / ".geoworks.lock"), "w")  # noqa: SIM115 (held across the yield)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for stale in self.data_dir.glob(f".tmp-*-{FILENAME}*"):
                stale.unlink(missing_ok=True)  # left by a killed writer; we hold the lock
            tmp = self.data_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}-{FILENAME}"
            try:
                if self.path.exists():
                    with open(self.path, "rb") as src, open(private_file(tmp), "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                yield _Tx(tmp)
                if tmp.exists():
                    make_private(tmp)  # 0600 also when GDAL made the file (the store's first transaction)
                    with open(tmp, "rb+") as fh:
                        os.fsync(fh.fileno())
                    os.replace(tmp, self.path)
            finally:
                for leftover in self.data_dir.glob(tmp.name + "*"):
                    leftover.unlink(missing_ok=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()
