"""A :class:`~geoworks.storage.base.LayerQuery` answered over a GeoDataFrame in memory (lon/lat).

The reference semantics of ``Store.query``: the embedded backend answers with it, and the
database backends must give the same selection, order and ``matched``.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoworks.storage.base import FAR_FUTURE, Box, LayerQuery, LayerSummary, QueryResult


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def equals_mask(series: pd.Series, value: object) -> np.ndarray:
    """Rows whose value equals ``value``: as numbers for a number column, else as text; missing never matches."""
    if _is_number(series):
        try:
            wanted = float(str(value))
        except ValueError:
            return np.zeros(len(series), dtype=bool)
        return (pd.to_numeric(series, errors="coerce") == wanted).fillna(False).to_numpy(dtype=bool)
    present = series.notna().to_numpy(dtype=bool)
    text = series.astype(object).where(series.notna(), "").map(str).to_numpy(dtype=object)
    return present & (text == str(value))


def iso_dates(series: pd.Series | None, n: int) -> np.ndarray:
    """The first 10 characters of each value ('' when missing), as a fixed-width string array."""
    if series is None:
        return np.full(n, "", dtype="U10")
    values = series.astype(object).where(series.notna(), "")
    return np.array([str(v)[:10] for v in values], dtype="U10")


def dates_mask(gdf: pd.DataFrame, start: str | None, end: str | None) -> np.ndarray:
    """Works whose [start_date, end_date] meets [start, end] (no end = still going; no dates = no match)."""
    n = len(gdf)
    s, e = iso_dates(gdf.get("start_date"), n), iso_dates(gdf.get("end_date"), n)
    ok = (s != "") | (e != "")
    s = np.where(s == "", e, s)
    e = np.where(e == "", FAR_FUTURE, e)
    if end is not None:
        ok &= s <= end
    if start is not None:
        ok &= e >= start
    return ok


def boxes_mask(geoms: np.ndarray, boxes: Iterable[Box]) -> np.ndarray:
    """Geometries intersecting any of the lon/lat boxes (exact test)."""
    hit = np.zeros(len(geoms), dtype=bool)
    for box in boxes:
        hit |= np.asarray(shapely.intersects(geoms, shapely.box(*box)), dtype=bool)
    return hit


def sizes(geoms: np.ndarray) -> np.ndarray:
    """The longer side of each geometry's bounding box, degrees (0 for a missing or empty geometry)."""
    if not len(geoms):
        return np.zeros(0)
    b = shapely.bounds(geoms)
    return np.nan_to_num(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]), nan=0.0)


def select(gdf: gpd.GeoDataFrame, q: LayerQuery) -> tuple[np.ndarray, int]:
    """Positions (stored order) selected by ``q`` and how many matched before min_size, offset and limit."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    mask = np.ones(len(gdf), dtype=bool)
    for column, value in q.equals:
        mask &= equals_mask(gdf[column], value) if column in gdf.columns else False
    if q.dates is not None:
        mask &= dates_mask(gdf, *q.dates)
    if q.boxes:
        idx = np.flatnonzero(mask)
        keep = boxes_mask(geoms[idx], q.boxes)
        mask[idx[~keep]] = False
    idx = np.flatnonzero(mask)
    matched = len(idx)
    size = sizes(geoms[idx])
    if q.min_size > 0:
        visible = (size >= q.min_size) | (shapely.get_dimensions(geoms[idx]) == 0)
        idx, size = idx[visible], size[visible]
    stop = None if q.limit is None else q.offset + q.limit
    if q.order == "size":
        idx = np.sort(idx[np.argsort(-size, kind="stable")][q.offset : stop])
    else:
        idx = idx[q.offset : stop]
    return idx, matched


def query_frame(gdf: gpd.GeoDataFrame, q: LayerQuery) -> QueryResult:
    """``q`` over a whole layer read into memory."""
    idx, matched = select(gdf, q)
    return QueryResult(gdf.iloc[idx].reset_index(drop=True), matched)


def summarise(gdf: gpd.GeoDataFrame) -> LayerSummary:
    """Count, lon/lat extent and date range of a whole layer."""
    bbox = None
    if len(gdf) and not gdf.geometry.isna().all():
        minx, miny, maxx, maxy = (float(v) for v in gdf.geometry.total_bounds)
        bbox = (minx, miny, maxx, maxy)
    starts = [v for v in iso_dates(gdf.get("start_date"), len(gdf)) if v]
    ends = [v for v in iso_dates(gdf.get("end_date"), len(gdf)) if v]
    return LayerSummary(len(gdf), bbox, min(starts) if starts else None, max(ends) if ends else None)
