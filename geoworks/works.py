"""Works: the standard attribute schema and the computed district and length.

A work carries id, name, status, start_date, end_date (ISO dates), year,
contractor, and the computed ``district`` (the district holding the largest
part of it), ``length_m`` (geodesic metres) and ``area_m2`` (geodesic m²).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geoworks.catalogue import Layer
from geoworks.measure import OUTSIDE, measure
from geoworks.storage.base import WORK_COLUMNS

STATUS_ALIASES = {
    "planned": "planned",
    "plan": "planned",
    "жоспарланған": "planned",
    "запланировано": "planned",
    "планируется": "planned",
    "in_progress": "in_progress",
    "in progress": "in_progress",
    "progress": "in_progress",
    "ongoing": "in_progress",
    "орындалуда": "in_progress",
    "в работе": "in_progress",
    "в процессе": "in_progress",
    "completed": "completed",
    "done": "completed",
    "finished": "completed",
    "аяқталды": "completed",
    "завершено": "completed",
    "выполнено": "completed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "тоқтатылды": "cancelled",
    "отменено": "cancelled",
}


def normalise_status(value) -> str | None:
    """One of planned / in_progress / completed / cancelled, or None if unrecognised."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    key = str(value).strip().casefold().replace("-", " ").replace("_", " ")
    return STATUS_ALIASES.get(key) or STATUS_ALIASES.get(key.replace(" ", "_"))


def districts_arrays(districts: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(slugs, polygons) of a districts table, lon/lat; empty arrays for an empty store."""
    if "slug" not in districts.columns or len(districts) == 0:
        return np.array([], dtype=object), np.array([], dtype=object)
    return districts["slug"].astype(str).to_numpy(dtype=object), np.asarray(districts.geometry.values, dtype=object)


def annotate(works: gpd.GeoDataFrame, layer: Layer, districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill the computed fields ``district``, ``length_m``, ``area_m2`` (lon/lat input)."""
    works = works.copy()
    slugs, polys = districts_arrays(districts)
    ids = np.arange(len(works))
    m = measure(ids, np.asarray(works.geometry.values), slugs, polys, kind=layer.geometry, overlaps=False)
    parts = m.parts
    length = parts.groupby("feature")["length_m"].sum()
    area = parts.groupby("feature")["area_m2"].sum()
    share = parts.assign(w=parts["length_m"] + parts["area_m2"] + 1e-9)
    share = share.assign(inside=share["district"] != OUTSIDE)
    best = (
        share.sort_values(["feature", "inside", "w"], ascending=[True, False, False])
        .groupby("feature")["district"]
        .first()
    )
    works["district"] = pd.Series(ids).map(best).fillna(OUTSIDE).to_numpy()
    works["length_m"] = pd.Series(ids).map(length).fillna(0.0).to_numpy()
    works["area_m2"] = pd.Series(ids).map(area).fillna(0.0).to_numpy()
    return works


def conform(works: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Order and type the standard columns; extra columns are kept after them."""
    works = works.copy()
    for col, typ in WORK_COLUMNS.items():
        if col not in works.columns:
            works[col] = None
        if typ == "int":
            works[col] = pd.to_numeric(works[col], errors="coerce").astype("Int64")
        elif typ == "float":
            works[col] = pd.to_numeric(works[col], errors="coerce").astype(float)
        else:
            works[col] = works[col].astype(object).where(works[col].notna(), None)
    extra = [c for c in works.columns if c not in WORK_COLUMNS and c != works.geometry.name]
    return works[list(WORK_COLUMNS) + extra + [works.geometry.name]]
