"""SQL for filtered reads of the PostGIS store: ``read_layer``'s bbox and equality filters and
:class:`~geoworks.storage.base.LayerQuery`, with the semantics of :mod:`geoworks.storage.memquery`.

Boxes use the GiST index (``&&``) and then the exact test (``ST_Intersects``); dates compare as
ISO text in the "C" collation (byte order, as numpy compares them).
"""

from __future__ import annotations

from psycopg import sql

from geoworks.storage.base import FAR_FUTURE, Box, LayerQuery, StoreError
from geoworks.storage.frames import Column
from geoworks.storage.pgtables import FID, GEOM

Clause = tuple[sql.Composable, list]


def _number(value: object) -> float | int | None:
    try:
        f = float(str(value))
    except ValueError:
        return None
    return int(f) if f.is_integer() else f


def in_values(col: Column, values: list) -> Clause:
    """``col`` IN ``values``, each value taken as the column's type (one that cannot be never matches)."""
    ident: sql.Composable = sql.Identifier(col.db_name)
    wanted: list
    if col.kind in ("int", "float"):
        wanted = [v for v in (_number(v) for v in values) if v is not None]
    elif col.kind == "bool":
        ident = sql.SQL("(CASE WHEN {} THEN 'True' ELSE 'False' END)").format(ident)
        wanted = [str(v) for v in values]
    else:
        ident = sql.SQL("{}::text").format(ident)
        wanted = [str(v) for v in values]
    if not wanted:
        return sql.SQL("FALSE"), []
    marks = sql.SQL(", ").join(sql.Placeholder() * len(wanted))
    return sql.SQL("{} IN ({})").format(ident, marks), wanted


def boxes_clause(boxes: tuple[Box, ...] | list[Box]) -> Clause:
    """Geometries intersecting any of the lon/lat boxes (index, then the exact test)."""
    geom = sql.Identifier(GEOM)
    parts, params = [], []
    for box in boxes:
        env = sql.SQL("ST_MakeEnvelope(%s, %s, %s, %s, 4326)")
        parts.append(sql.SQL("({g} && {e} AND ST_Intersects({g}, {e}))").format(g=geom, e=env))
        params += [float(v) for v in box] * 2
    return sql.SQL("({})").format(sql.SQL(" OR ").join(parts)), params


def _date(cols: dict[str, Column], name: str) -> sql.Composable:
    col = cols.get(name)
    if col is None:
        return sql.SQL("NULL::text")
    return sql.SQL("NULLIF(left({}::text, 10), '')").format(sql.Identifier(col.db_name))


def dates_clause(cols: dict[str, Column], start: str | None, end: str | None) -> Clause:
    """Works whose [start_date, end_date] meets [start, end]; no end = still going; no dates = no match."""
    s, e = _date(cols, "start_date"), _date(cols, "end_date")
    parts: list[sql.Composable] = [sql.SQL("({} IS NOT NULL OR {} IS NOT NULL)").format(s, e)]
    params: list = []
    if end is not None:
        parts.append(sql.SQL('coalesce({}, {}) COLLATE "C" <= %s').format(s, e))
        params.append(end)
    if start is not None:
        parts.append(sql.SQL('coalesce({}, {}) COLLATE "C" >= %s').format(e, sql.Literal(FAR_FUTURE)))
        params.append(start)
    return sql.SQL(" AND ").join(parts), params


def check_where(where: dict | None, allowed: dict) -> None:
    """StoreError for a filter on a column outside ``allowed``."""
    for name in where or {}:
        if name not in allowed:
            raise StoreError(f"cannot filter on unknown column '{name}'")


def where_clause(cols: list[Column], bbox: Box | None, where: dict | None, allowed: dict) -> Clause:
    """``read_layer``'s filters: a bbox and column = value (or IN a list); None values are ignored."""
    check_where(where, allowed)
    by_name = {c.name: c for c in cols}
    parts: list[sql.Composable] = []
    params: list = []
    for name, value in (where or {}).items():
        if value is None:
            continue
        if name not in by_name:
            raise StoreError(f"cannot filter on column '{name}': the table has no such column")
        values = list(value) if isinstance(value, (list, tuple, set)) else [value]
        clause, p = in_values(by_name[name], values)
        parts.append(clause)
        params += p
    if bbox is not None:
        clause, p = boxes_clause([tuple(float(v) for v in bbox)])  # type: ignore[list-item]
        parts.append(clause)
        params += p
    return (sql.SQL(" AND ").join(parts) if parts else sql.SQL("TRUE")), params


def matching(cols: list[Column], q: LayerQuery) -> Clause:
    """The boxes, equals and dates filters of ``q`` (what ``matched`` counts)."""
    by_name = {c.name: c for c in cols}
    parts: list[sql.Composable] = []
    params: list = []
    for name, value in q.equals:
        if name not in by_name:
            return sql.SQL("FALSE"), []
        clause, p = in_values(by_name[name], [value])
        parts.append(clause)
        params += p
    if q.dates is not None:
        clause, p = dates_clause(by_name, *q.dates)
        parts.append(clause)
        params += p
    if q.boxes:
        clause, p = boxes_clause(q.boxes)
        parts.append(clause)
        params += p
    return (sql.SQL(" AND ").join(parts) if parts else sql.SQL("TRUE")), params


SIZE = sql.SQL("coalesce(GREATEST(ST_XMax({g}) - ST_XMin({g}), ST_YMax({g}) - ST_YMin({g})), 0)").format(
    g=sql.Identifier(GEOM)
)


def page(table: sql.Composable, select: sql.Composable, cols: list[Column], q: LayerQuery) -> Clause:
    """The SELECT of the features ``q`` returns, in stored order."""
    where, params = matching(cols, q)
    if q.min_size > 0:
        where = sql.SQL("{} AND (ST_Dimension({}) = 0 OR {} >= %s)").format(where, sql.Identifier(GEOM), SIZE)
        params = params + [float(q.min_size)]
    paging = sql.SQL(" OFFSET {}").format(sql.Literal(int(q.offset)))
    if q.limit is not None:
        paging = sql.SQL("{} LIMIT {}").format(paging, sql.Literal(int(q.limit)))
    fid = sql.Identifier(FID)
    if q.order == "size":
        inner = sql.SQL("SELECT {fid} FROM {t} WHERE {w} ORDER BY {size} DESC, {fid}{p}").format(
            fid=fid, t=table, w=where, size=SIZE, p=paging
        )
        query = sql.SQL("SELECT {s} FROM {t} WHERE {fid} IN ({inner}) ORDER BY {fid}").format(
            s=select, t=table, fid=fid, inner=inner
        )
    else:
        query = sql.SQL("SELECT {s} FROM {t} WHERE {w} ORDER BY {fid}{p}").format(
            s=select, t=table, w=where, fid=fid, p=paging
        )
    return query, params


def summary(table: sql.Composable, cols: list[Column], has_geom: bool) -> sql.Composed:
    """count, minx, miny, maxx, maxy, first start, last end of a layer."""
    by_name = {c.name: c for c in cols}
    g = sql.Identifier(GEOM)
    bounds = (
        sql.SQL("min(ST_XMin({g})), min(ST_YMin({g})), max(ST_XMax({g})), max(ST_YMax({g}))").format(g=g)
        if has_geom
        else sql.SQL("NULL, NULL, NULL, NULL")
    )
    s, e = _date(by_name, "start_date"), _date(by_name, "end_date")
    return sql.SQL('SELECT count(*), {b}, min({s} COLLATE "C"), max({e} COLLATE "C") FROM {t}').format(
        b=bounds, s=s, e=e, t=table
    )
