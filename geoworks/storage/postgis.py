"""The shared store: PostgreSQL with PostGIS, for several app processes over one database.

Geometries are lon/lat (EPSG:4326) with GiST indexes; tables live in the ``geoworks_data``
schema (see :mod:`geoworks.storage.pgschema`). A transaction is one database transaction:
it starts by bumping the data version in ``geoworks.state`` (which also makes writers wait
for each other), and a failed or killed writer leaves the database as it was. ``version()``
reads that number (one indexed row), so every process sees a commit at its next request.

Reads lock the table in ACCESS SHARE mode for the length of one read, so a table replaced by
a concurrent transaction is read whole, before or after, never half.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from geoworks.storage import pgquery, pgschema, pgtables
from geoworks.storage.base import WORK_COLUMNS, Box, LayerQuery, LayerSummary, QueryResult, StoreError, empty_works
from geoworks.storage.frames import Column
from geoworks.storage.pgwrite import PgTransaction
from geoworks.storage.pool import shared_pool

_VERSION_SQL = f"SELECT data_version FROM {pgschema.META}.state"


def redact(url: str) -> str:
    """``url`` without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=netloc[0].split(":", 1)[0] + ":***@" + netloc[1]))


def frame(df: pd.DataFrame, geoms: np.ndarray | None) -> gpd.GeoDataFrame:
    """Attributes and lon/lat geometries (None: a table without any) as a GeoDataFrame, geometry last."""
    if geoms is None:
        geoms = np.full(len(df), None, dtype=object)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, index=df.index, crs="EPSG:4326"), crs="EPSG:4326")


class PostGISStore:
    """Store backend on a PostgreSQL/PostGIS database (``GEOWORKS_DATABASE_URL``)."""

    query_pushdown = True

    def __init__(self, url: str, max_idle: int = 16):
        self.url = url
        self.pool = shared_pool(url, max_idle=max_idle)
        self._ready = False  # the schema is known to be at the latest version
        self._lock = threading.Lock()
        self._ident: str | None = None
        self._profiles: dict[tuple[str, str], frozenset[str]] = {}

    def describe(self) -> str:
        return f"PostGIS {redact(self.url)}"

    def close(self) -> None:
        """Close the idle connections of this process."""
        self.pool.close()

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection]:
        try:
            with self.pool.connection() as conn:
                yield conn
        except pgschema.SchemaError as exc:
            raise StoreError(f"{self.describe()}: {exc}") from None
        except psycopg.OperationalError as exc:
            raise StoreError(f"{self.describe()}: cannot reach the database: {exc}") from None
        except psycopg.Error as exc:
            raise StoreError(f"{self.describe()}: {exc.diag.message_primary or exc}") from None

    def _initialised(self, conn: psycopg.Connection) -> bool:
        """True when the schema exists (at the latest version); False when there is none yet."""
        if self._ready:
            return True
        if pgschema.check(conn) == 0:
            return False
        self._ready = True
        return True

    # --- schema -------------------------------------------------------------------------------------
    def init(self) -> list[str]:
        """Create or upgrade the schema; the upgrades applied (none when it is up to date)."""
        with self._conn() as conn:
            applied = pgschema.upgrade(conn)
        self._ready = True
        return applied

    def schema_version(self) -> tuple[int, int]:
        """(the database's schema version, the version this geoworks needs)."""
        with self._conn() as conn:
            return pgschema.current_version(conn), pgschema.LATEST

    # --- reads --------------------------------------------------------------------------------------
    def version(self) -> str:
        """Changes with every committed transaction, in every process: 'empty' before the first."""
        with self._conn() as conn:
            if not self._initialised(conn):
                return "empty"
            row = conn.execute(_VERSION_SQL, prepare=True).fetchone()  # parsed once per connection
            if self._ident is None:
                oid = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()
                digest = hashlib.sha1(self.url.encode("utf-8")).hexdigest()[:8]
                self._ident = f"pg-{digest}-{oid[0] if oid else 0}"
        number = int(row[0]) if row else 0
        return "empty" if number == 0 else f"{self._ident}-{number}"

    @contextmanager
    def _reading(self, name: str) -> Iterator[tuple[psycopg.Connection, list[Column], bool] | None]:
        """The table's columns, with the table locked against replacement; None when it does not exist."""
        with self._conn() as conn:
            if not self._initialised(conn) or not pgtables.exists(conn, name):
                yield None
                return
            with conn.transaction():
                conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(pgtables.table(name)))
                found = pgtables.columns(conn, name)
                yield None if found is None else (conn, found[0], found[1])

    def layer_names(self) -> list[str]:
        with self._conn() as conn:
            return pgtables.table_names(conn) if self._initialised(conn) else []

    def is_empty(self) -> bool:
        with self._conn() as conn:
            return not (self._initialised(conn) and pgtables.exists(conn, "districts"))

    def count(self, name: str) -> int:
        with self._reading(name) as found:
            if found is None:
                return 0
            row = found[0].execute(sql.SQL("SELECT count(*) FROM {}").format(pgtables.table(name))).fetchone()
            return int(row[0]) if row else 0

    def read_layer(self, name: str, bbox: Box | None = None, where: dict | None = None) -> gpd.GeoDataFrame:
        """Features of table ``name`` (EPSG:4326), optionally within a lon/lat bbox and filtered by equality."""
        with self._reading(name) as found:
            if found is None:
                pgquery.check_where(where, WORK_COLUMNS)
                return empty_works()
            conn, cols, has_geom = found
            clause, params = pgquery.where_clause(cols, bbox, where, WORK_COLUMNS)
            query = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY {}").format(
                pgtables.select_list(cols, has_geom), pgtables.table(name), clause, sql.Identifier(pgtables.FID)
            )
            df, geoms = pgtables.read(conn, cols, has_geom, query, params)
        return frame(df, geoms if has_geom else None)

    def read_table(self, name: str) -> pd.DataFrame:
        """The attributes of table ``name`` (no geometries); an empty frame when there is no such table."""
        with self._reading(name) as found:
            if found is None:
                return pd.DataFrame()
            conn, cols, _ = found
            query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                pgtables.select_list(cols, False), pgtables.table(name), sql.Identifier(pgtables.FID)
            )
            df, _ = pgtables.read(conn, cols, False, query)
        return df

    def _as_float(self, conn: psycopg.Connection, name: str, cols: list[Column]) -> frozenset[str]:
        """Integer and boolean columns holding a missing value somewhere in the table (read as float64)."""
        candidates = [c for c in cols if c.kind in ("int", "bool")]
        if not candidates:
            return frozenset()
        row = conn.execute(_VERSION_SQL, prepare=True).fetchone()
        key = (str(row[0] if row else 0), name)
        with self._lock:
            hit = self._profiles.get(key)
        if hit is not None:
            return hit
        parts = sql.SQL(", ").join(sql.SQL("bool_or({} IS NULL)").format(sql.Identifier(c.db_name)) for c in candidates)
        found = conn.execute(sql.SQL("SELECT {} FROM {}").format(parts, pgtables.table(name))).fetchone() or ()
        profile = frozenset(c.name for c, missing in zip(candidates, found) if missing)
        with self._lock:
            if len(self._profiles) > 256:
                self._profiles.clear()
            self._profiles[key] = profile
        return profile

    def query(self, name: str, q: LayerQuery) -> QueryResult:
        """The features ``q`` selects, filtered, ordered and paged in the database."""
        with self._reading(name) as found:
            if found is None:
                return QueryResult(empty_works(), 0)
            conn, cols, has_geom = found
            table = pgtables.table(name)
            where, params = pgquery.matching(cols, q)
            row = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE {}").format(table, where), params).fetchone()
            matched = int(row[0]) if row else 0
            as_float = self._as_float(conn, name, cols)
            query, params = pgquery.page(table, pgtables.select_list(cols, has_geom), cols, q)
            df, geoms = pgtables.read(conn, cols, has_geom, query, params, as_float)
        return QueryResult(frame(df, geoms if has_geom else None), matched)

    def summary(self, name: str) -> LayerSummary:
        """Feature count, lon/lat extent and date range of a layer, computed in the database."""
        with self._reading(name) as found:
            if found is None:
                return LayerSummary(0, None, None, None)
            conn, cols, has_geom = found
            row = conn.execute(pgquery.summary(pgtables.table(name), cols, has_geom)).fetchone()
        assert row is not None
        bbox = None if row[1] is None else (float(row[1]), float(row[2]), float(row[3]), float(row[4]))
        return LayerSummary(int(row[0]), bbox, row[5], row[6])

    # --- writes -------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[PgTransaction]:
        """All writes inside land together when the block ends, or none does (one database transaction)."""
        with self._conn() as conn:
            if not self._initialised(conn):
                pgschema.upgrade(conn)
                self._ready = True
            with conn.transaction():
                conn.execute(
                    f"UPDATE {pgschema.META}.state SET data_version = data_version + 1, changed = now()"
                )  # also serialises writers: the row stays locked until this transaction ends
                tx = PgTransaction(conn)
                yield tx
                tx.finish()
