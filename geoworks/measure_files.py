"""Ad-hoc measuring of any line file against any district file; nothing is stored."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from geoworks.io.readers import InputError, read_vector
from geoworks.measure import OUTSIDE, Measurement, measure
from geoworks.names import guess_name_field


class MeasureInputError(InputError):
    """The files given to ``geoworks measure`` cannot be measured."""


def read_districts(
    districts_file: str, name_field: str | None = None, assume_crs: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """District names and lon/lat polygons (EPSG:4326) of ``districts_file``; MeasureInputError when unusable."""
    try:
        districts = read_vector(districts_file, assume_crs, what=f"districts file {districts_file}")
    except InputError as exc:
        raise MeasureInputError(str(exc)) from None
    dims = shapely.get_dimensions(np.asarray(districts.geometry.values))
    districts = districts[dims == 2]
    if len(districts) == 0:
        raise MeasureInputError(f"districts file {districts_file}: has no polygons")
    field = name_field or guess_name_field(districts.columns.drop(districts.geometry.name))
    if field is None or field not in districts.columns:
        raise MeasureInputError(
            f"districts file {districts_file}: no district name field"
            + (f" '{name_field}'" if name_field else "")
            + f"; use --name-field with one of: {', '.join(map(str, districts.columns.drop(districts.geometry.name)))}"
        )
    return districts[field].astype(str).to_numpy(dtype=object), np.asarray(districts.geometry.values)


def measure_files(
    lines_file: str,
    districts_file: str,
    name_field: str | None = None,
    assume_crs: str | None = None,
    overlaps_file: str | None = None,
) -> dict:
    """Measure ``lines_file`` per district of ``districts_file``; geodesic km (WGS84).

    Returns ``{"districts": {name: {"km", "network_km", "features", "overlaps", "overlap_km"}},
    "outside_km", "total_km", "network_total_km", "overlaps": {"count", "km"}}``: the overlapping
    stretches summarised (pairs of features sharing a stretch, km counted once in network_km). With
    ``overlaps_file``, every overlap (feature_a, feature_b, district, length_m, geometry) is streamed
    to that GeoJSON file (EPSG:4326) and ``"overlaps"`` also gives its ``"file"`` and ``"rows"``.
    """
    try:
        lines = read_vector(lines_file, assume_crs, what=f"lines file {lines_file}")
    except InputError as exc:
        raise MeasureInputError(str(exc)) from None
    names, polys = read_districts(districts_file, name_field, assume_crs)
    ldims = shapely.get_dimensions(np.asarray(lines.geometry.values))
    if not (ldims == 1).any():
        raise MeasureInputError(f"lines file {lines_file}: has no line geometries")
    lines = lines[ldims == 1]
    m = measure(np.arange(len(lines)), np.asarray(lines.geometry.values), names, polys)
    return result_of(m, names, overlaps_file)


def result_of(m: Measurement, names: np.ndarray, overlaps_file: str | None = None) -> dict:
    """The answer of :func:`measure_files` for lines measured against districts ``names``."""
    per = m.by_district()
    out: dict[str, Any] = {
        "districts": {},
        "outside_km": m.outside_km,
        "total_km": m.total_km,
        "network_total_km": m.network_km,
    }
    summary = m.overlap_summary()
    for name in dict.fromkeys(names):
        row = per.loc[name] if name in per.index else None
        over = summary.loc[name] if name in summary.index else None
        out["districts"][name] = {
            "km": float(row["km"]) if row is not None else 0.0,
            "network_km": float(row["network_km"]) if row is not None else 0.0,
            "features": int(row["features"]) if row is not None else 0,
            "overlaps": int(over["overlaps"]) if over is not None else 0,
            "overlap_km": float(over["overlap_km"]) if over is not None else 0.0,
        }
    out["outside_km"] = float(per.loc[OUTSIDE, "km"]) if OUTSIDE in per.index else 0.0
    out["overlaps"] = {"count": int(summary["overlaps"].sum()), "km": float(summary["overlap_km"].sum())}
    if overlaps_file:
        out["overlaps"].update(file=str(overlaps_file), rows=m.write_overlaps(overlaps_file))
    return out
