"""Tables of the PostGIS store: the catalogue, creating tables and indexes, bulk COPY in and out.

Every table written through the storage interface lives in the ``geoworks_data`` schema with
``_fid`` (an identity: the stored order) and, for layers, ``_geom`` (any geometry, SRID 4326,
GiST index). A column whose name PostgreSQL cannot hold as it is (longer than 63 bytes, or
``_fid``/``_geom``) is stored under a short hashed name, its real name kept in the column's comment.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from geoworks.storage.base import StoreError
from geoworks.storage.frames import KINDS, SQL_TYPES, Column, from_csv, kind_of, to_csv
from geoworks.storage.pgschema import DATA

FID, GEOM = "_fid", "_geom"
_COMMENT = "geoworks column: "
_MAX_NAME = 63  # bytes (NAMEDATALEN - 1)


def check_name(name: str) -> str:
    """``name`` when it can name a table, else StoreError."""
    if not isinstance(name, str) or not name or len(name.encode("utf-8")) > _MAX_NAME or "\x00" in name:
        raise StoreError(f"cannot name a table {name!r}: 1 to {_MAX_NAME} bytes, no NUL")
    return name


def table(name: str) -> sql.Identifier:
    """The qualified identifier of table ``name``."""
    return sql.Identifier(DATA, name)


def exists(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (sql.Identifier(DATA, name).as_string(conn),)).fetchone()
    return bool(row and row[0])


def table_names(conn: psycopg.Connection) -> list[str]:
    """The tables of the data schema, by name."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        (DATA,),
    ).fetchall()
    return [r[0] for r in rows]


def columns(conn: psycopg.Connection, name: str) -> tuple[list[Column], bool] | None:
    """The stored columns of ``name`` in order (without _fid and _geom) and whether it has
    geometries; None when there is no such table."""
    if not exists(conn, name):
        return None
    rows = conn.execute(
        "SELECT a.attname, t.typname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
        "JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = %s::regclass AND a.attnum > 0 "
        "AND NOT a.attisdropped ORDER BY a.attnum",
        (sql.Identifier(DATA, name).as_string(conn),),
    ).fetchall()
    out, has_geom = [], False
    for attname, typname, comment in rows:
        if attname == GEOM:
            has_geom = True
        elif attname != FID:
            real = comment[len(_COMMENT) :] if comment and comment.startswith(_COMMENT) else attname
            out.append(Column(real, attname, KINDS.get(typname, "text")))
    return out, has_geom


def db_name(name: str, taken: set[str]) -> str:
    """The name a column ``name`` gets in the database."""
    fits = 0 < len(name.encode("utf-8")) <= _MAX_NAME and "\x00" not in name
    if fits and name not in (FID, GEOM) and name not in taken:
        return name
    return "c_" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:20]


def plan_columns(df: pd.DataFrame, skip: str | None = None) -> list[Column]:
    """Columns for storing ``df`` (all but ``skip``, the geometry column), kinds from the dtypes."""
    if len(set(map(str, df.columns))) != len(df.columns):
        raise StoreError("a table cannot have two columns of the same name")
    out: list[Column] = []
    taken: set[str] = set()
    for col in df.columns:
        if col == skip:
            continue
        stored = db_name(str(col), taken)
        taken.add(stored)
        out.append(Column(str(col), stored, kind_of(df[col])))
    return out


def _column_sql(c: Column) -> sql.Composable:
    return sql.SQL("{} {}").format(sql.Identifier(c.db_name), sql.SQL(SQL_TYPES[c.kind]))


def _comment(conn: psycopg.Connection, physical: str, c: Column) -> None:
    if c.db_name != c.name:
        conn.execute(
            sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
                table(physical), sql.Identifier(c.db_name), sql.Literal(_COMMENT + c.name)
            )
        )


def create(conn: psycopg.Connection, physical: str, cols: list[Column], has_geom: bool) -> None:
    """Create table ``physical`` with ``cols`` (and geometries)."""
    parts: list[sql.Composable] = [
        sql.SQL("{} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY").format(sql.Identifier(FID))
    ]
    parts += [_column_sql(c) for c in cols]
    if has_geom:
        parts.append(sql.SQL("{} geometry(Geometry, 4326)").format(sql.Identifier(GEOM)))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table(physical), sql.SQL(", ").join(parts)))
    for c in cols:
        _comment(conn, physical, c)


def add_columns(conn: psycopg.Connection, physical: str, cols: list[Column]) -> None:
    for c in cols:
        conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(table(physical), _column_sql(c)))
        _comment(conn, physical, c)


def index(conn: psycopg.Connection, physical: str, cols: list[Column], has_geom: bool) -> None:
    """The GiST index on the geometries and a b-tree on ``id`` (feature look-ups); statistics."""
    if has_geom:
        conn.execute(sql.SQL("CREATE INDEX ON {} USING gist ({})").format(table(physical), sql.Identifier(GEOM)))
    ids = [c for c in cols if c.name == "id"]
    if ids:
        conn.execute(sql.SQL("CREATE INDEX ON {} ({})").format(table(physical), sql.Identifier(ids[0].db_name)))
    conn.execute(sql.SQL("ANALYZE {}").format(table(physical)))


def copy_in(
    conn: psycopg.Connection, physical: str, cols: list[Column], df: pd.DataFrame, geoms: np.ndarray | None
) -> None:
    """Append ``df`` (and ``geoms``, lon/lat) to ``physical`` with one COPY; StoreError naming the column."""
    if not len(df):
        return
    try:
        data = to_csv(df, cols, geoms)
    except (ValueError, TypeError) as exc:
        raise StoreError(f"cannot store table '{physical}': {exc}") from None
    names = [sql.Identifier(c.db_name) for c in cols] + ([sql.Identifier(GEOM)] if geoms is not None else [])
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(table(physical), sql.SQL(", ").join(names))
    with conn.cursor() as cur, cur.copy(statement) as copy:
        step = 8 << 20
        for start in range(0, len(data), step):
            copy.write(data[start : start + step])


def select_list(cols: list[Column], has_geom: bool) -> sql.Composable:
    """The SELECT list reading ``cols`` (and the geometries as hex WKB) in COPY's CSV format."""
    parts: list[sql.Composable] = [
        sql.SQL("{}::text").format(sql.Identifier(c.db_name)) if c.kind == "text" else sql.Identifier(c.db_name)
        for c in cols
    ]
    if has_geom:
        parts.append(sql.SQL("encode(ST_AsBinary({}), 'hex')").format(sql.Identifier(GEOM)))
    return sql.SQL(", ").join(parts) if parts else sql.SQL("NULL")


def copy_out(conn: psycopg.Connection, query: sql.Composable, params: tuple | list = ()) -> bytes:
    """The rows of ``query`` as CSV bytes (COPY ... TO STDOUT)."""
    chunks = []
    statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(query)
    with conn.cursor() as cur, cur.copy(statement, params or None) as copy:
        for chunk in copy:
            chunks.append(bytes(chunk))
    return b"".join(chunks)


def read(
    conn: psycopg.Connection,
    cols: list[Column],
    has_geom: bool,
    query: sql.Composable,
    params: tuple | list = (),
    as_float: frozenset[str] = frozenset(),
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Run ``query`` (selecting :func:`select_list` of ``cols``) and parse its rows."""
    data = copy_out(conn, query, params)
    if not cols and not has_geom:
        return pd.DataFrame(index=pd.RangeIndex(data.count(b"\n"))), None
    return from_csv(data, cols, has_geom, as_float)
