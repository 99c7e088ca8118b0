"""Writes of one PostGIS transaction (lon/lat, EPSG:4326).

Replacing a table that exists builds the new one under a private name and swaps it in just
before the commit, so readers in other processes keep reading the old table (and are never
blocked) while the transaction works. Appends and deletes work in place: other processes
see neither until the commit.
"""

from __future__ import annotations

import uuid

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from geoworks.storage import pgtables
from geoworks.storage.base import StoreError, empty_works
from geoworks.storage.frames import Column
from geoworks.storage.pgtables import FID, table


def _geometries(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326 and gdf.crs.to_string() != "OGC:CRS84":
        raise StoreError(f"the store keeps lon/lat (EPSG:4326); got a frame in {gdf.crs}")
    return np.asarray(gdf.geometry.values, dtype=object)


class PgTransaction:
    """Reads and writes on the connection of one open database transaction."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self._pending: dict[str, str] = {}  # table name -> the private table replacing it at commit

    def _physical(self, name: str) -> str:
        return self._pending.get(pgtables.check_name(name), name)

    def _run(self, what: str, name: str, action):
        try:
            return action()
        except psycopg.Error as exc:
            raise StoreError(f"cannot {what} table '{name}': {exc.diag.message_primary or exc}") from None

    # --- reads --------------------------------------------------------------------------------------
    def _read(self, name: str, with_geometry: bool):
        physical = self._physical(name)
        found = pgtables.columns(self.conn, physical)
        if found is None:
            return None
        cols, has_geom = found
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
            pgtables.select_list(cols, has_geom and with_geometry), table(physical), sql.Identifier(FID)
        )
        df, geoms = pgtables.read(self.conn, cols, has_geom and with_geometry, query)
        if not with_geometry:
            return df
        return gpd.GeoDataFrame(
            df, geometry=gpd.GeoSeries(geoms if has_geom else [None] * len(df), index=df.index), crs="EPSG:4326"
        )

    def read_layer(self, name: str) -> gpd.GeoDataFrame:
        found = self._run("read", name, lambda: self._read(name, True))
        return empty_works() if found is None else found

    def read_table(self, name: str) -> pd.DataFrame:
        found = self._run("read", name, lambda: self._read(name, False))
        return pd.DataFrame() if found is None else found

    def count(self, name: str) -> int:
        """Rows of table ``name`` (0 when there is none)."""

        def count() -> int:
            physical = self._physical(name)
            if not pgtables.exists(self.conn, physical):
                return 0
            row = self.conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table(physical))).fetchone()
            return int(row[0]) if row else 0

        return self._run("count", name, count)

    def columns(self, name: str) -> list[str] | None:
        """The attribute columns of table ``name`` in order (None when there is no such table)."""
        found = self._run("read", name, lambda: pgtables.columns(self.conn, self._physical(name)))
        return None if found is None else [c.name for c in found[0]]

    # --- writes -------------------------------------------------------------------------------------
    def _replace(self, name: str, df: pd.DataFrame, geoms: np.ndarray | None) -> None:
        cols = pgtables.plan_columns(df)
        physical = self._physical(name)
        if pgtables.exists(self.conn, physical):
            if physical != name:  # replaced twice in one transaction: the first replacement goes
                self.conn.execute(sql.SQL("DROP TABLE {}").format(table(physical)))
            physical = f"gw_new_{uuid.uuid4().hex}"
            self._pending[name] = physical
        pgtables.create(self.conn, physical, cols, geoms is not None)
        pgtables.copy_in(self.conn, physical, cols, df, geoms)
        pgtables.index(self.conn, physical, cols, geoms is not None)

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None:
        """Replace table ``name`` with ``gdf`` (EPSG:4326)."""
        geoms = _geometries(gdf)
        attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        self._run("write", name, lambda: self._replace(name, attrs, geoms))

    def write_table(self, name: str, df: pd.DataFrame) -> None:
        """Replace table ``name`` with the attributes ``df``."""
        self._run("write", name, lambda: self._replace(name, pd.DataFrame(df), None))

    def _append(self, name: str, gdf: gpd.GeoDataFrame) -> None:
        physical = self._physical(name)
        found = pgtables.columns(self.conn, physical)
        if found is None:
            self._replace(name, pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), _geometries(gdf))
            return
        if not len(gdf):
            return
        stored, has_geom = found
        if not has_geom:
            raise StoreError(f"cannot append features to table '{name}': it holds no geometries")
        attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        by_name = {c.name: c for c in stored}
        new = [c for c in pgtables.plan_columns(attrs) if c.name not in by_name]
        taken = {c.db_name for c in stored}
        new = [Column(c.name, pgtables.db_name(c.name, taken), c.kind) for c in new]
        pgtables.add_columns(self.conn, physical, new)
        cols = [by_name.get(str(col)) or next(c for c in new if c.name == str(col)) for col in attrs.columns]
        pgtables.copy_in(self.conn, physical, cols, attrs, _geometries(gdf))

    def append_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None:
        """Add ``gdf``'s features (EPSG:4326) after the stored ones; new columns are added, missing ones stay empty."""
        self._run("append to", name, lambda: self._append(name, gdf))

    def _delete(self, name: str, column: str, value: str) -> int:
        physical = self._physical(name)
        found = pgtables.columns(self.conn, physical)
        if found is None:
            return 0
        col = next((c for c in found[0] if c.name == column), None)
        if col is None:
            raise StoreError(f"cannot delete from table '{name}': it has no column '{column}'")
        target = table(physical)
        if col.kind == "text":
            cur = self.conn.execute(
                sql.SQL("DELETE FROM {} WHERE {} = %s").format(target, sql.Identifier(col.db_name)), (str(value),)
            )
            return cur.rowcount
        query = sql.SQL("SELECT {}, {} FROM {}").format(sql.Identifier(FID), sql.Identifier(col.db_name), target)
        rows = self.conn.execute(query).fetchall()
        fids = [fid for fid, v in rows if v is not None and str(v) == str(value)]
        if fids:
            self.conn.execute(sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(target, sql.Identifier(FID)), (fids,))
        return len(fids)

    def delete_where(self, name: str, column: str, value: str) -> int:
        """Delete the rows whose ``column`` reads as ``value``; how many."""
        return self._run("delete from", name, lambda: self._delete(name, column, value))

    def finish(self) -> None:
        """Swap the replaced tables in (called just before the commit)."""
        for name, physical in self._pending.items():
            self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table(name)))
            self.conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(table(physical), sql.Identifier(name)))
        self._pending.clear()
