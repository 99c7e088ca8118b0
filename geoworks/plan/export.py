"""What the plan hands out: the gaps and extensions as frames, the per-district summary as records,
the /api/gaps document and the export files; one set of columns for the web and the command line.

Geometries are lon/lat (EPSG:4326); lengths are geodesic metres (WGS84) rounded to 0.1 m,
connection points to 1e-7 degrees. Files are written by :mod:`geoworks.io.exports`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.geodesy import WGS84
from geoworks.io.exports import export_filename, to_csv, to_geojson
from geoworks.plan.gaps import SUMMARY_COLUMNS, GapsResult
from geoworks.plan.params import PlanForm
from geoworks.plan.service import NETWORK_STATUSES, GapsService, compute_form

if TYPE_CHECKING:
    from geoworks.storage import Store

GAP_COLUMNS = [
    "id",
    "name",
    "district",
    "distance_m",
    "line_id",
    "conn_lon",
    "conn_lat",
    "straight_m",
    "road_m",
    "access_m",
    "route_m",
    "route_status",
]
LENGTH_COLUMNS = ("distance_m", "straight_m", "road_m", "access_m", "route_m", "length_m")
COORDINATE_COLUMNS = ("conn_lon", "conn_lat")
EXPORTS = ("gaps", "extensions")
EXPORT_FORMATS = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8"}
DISTANCE_NOTE = "geodesic metres (WGS84) from the target to the nearest network line"


def rounded(df: pd.DataFrame, coordinates: bool = True) -> pd.DataFrame:
    """A copy with lengths (metres) rounded to 0.1 m and, with ``coordinates``, connection points to 1e-7°."""
    df = df.copy()
    for col in LENGTH_COLUMNS:
        if col in df:
            df[col] = df[col].astype(float).round(1)
    for col in COORDINATE_COLUMNS if coordinates else ():
        if col in df:
            df[col] = df[col].astype(float).round(7)
    return df


def gaps_frame(
    result: GapsResult,
    include_all: bool = False,
    *,
    columns: list[str] = GAP_COLUMNS,
    farthest_first: bool = False,
    coordinates: bool = True,
) -> gpd.GeoDataFrame:
    """The gaps (or, with ``include_all``, every target plus a ``gap`` column) as a lon/lat GeoDataFrame
    of ``columns``, rounded by :func:`rounded`; ``farthest_first`` sorts by distance, largest first."""
    t = result.table if include_all else result.gaps
    if farthest_first:
        t = t.sort_values("distance_m", ascending=False, kind="stable")
    cols = columns[:4] + (["gap"] if include_all else []) + columns[4:]
    return rounded(gpd.GeoDataFrame(t[cols], geometry=t.geometry.values, crs=WGS84), coordinates)


def summary_frame(result: GapsResult) -> pd.DataFrame:
    """Per district and a last ``city`` row: targets, gaps, covered, covered_share (0..1, 4 decimals)."""
    table = result.summary[SUMMARY_COLUMNS].copy()
    table["covered_share"] = table["covered_share"].astype(float).round(4)
    return table


def summary_records(result: GapsResult) -> list[dict]:
    """:func:`summary_frame` as JSON-ready dicts (covered_share None where a district has no targets)."""
    return [
        {
            "district": r["district"],
            "targets": int(r["targets"]),
            "gaps": int(r["gaps"]),
            "covered": int(r["covered"]),
            "covered_share": None if math.isnan(r["covered_share"]) else float(r["covered_share"]),
        }
        for r in summary_frame(result).to_dict("records")
    ]


def gaps_document(
    service: GapsService,
    store: Store,
    catalogue: Catalogue,
    form: PlanForm,
    include_all: bool = False,
    routes: bool = True,
) -> dict:
    """The /api/gaps body: a GeoJSON FeatureCollection of the gaps (lon/lat) with ``parameters``,
    ``summary`` and ``numberReturned``; GapsInputError on bad input."""
    result = compute_form(service, store, catalogue, form, routes=routes)
    body = json.loads(to_geojson(gaps_frame(result, include_all)))
    body["parameters"] = {
        "network": result.network,
        "targets": result.targets,
        "threshold_m": result.threshold_m,
        "district": form.district,
        "network_statuses": list(NETWORK_STATUSES),
        "distance": DISTANCE_NOTE,
    }
    body["summary"] = summary_records(result)
    body["numberReturned"] = len(body["features"])
    return body


@dataclass(frozen=True)
class ExportFile:
    """An export: the file's bytes, its media type and its download name."""

    data: bytes
    mimetype: str
    filename: str


def is_export(what: str, fmt: str) -> bool:
    """Whether ``what.fmt`` is one of gaps|extensions . geojson|csv."""
    return what in EXPORTS and fmt in EXPORT_FORMATS


def unknown_export(what: str, fmt: str) -> str:
    """The message for an export that does not exist, naming those that do."""
    known = ", ".join(f"{w}.{f}" for w in EXPORTS for f in EXPORT_FORMATS)
    return f"unknown export '{what}.{fmt}'; known: {known}"


def export_file(
    service: GapsService, store: Store, catalogue: Catalogue, form: PlanForm, what: str, fmt: str
) -> ExportFile:
    """The gaps or the proposed extensions (lon/lat lines) as GeoJSON or CSV (geometry as WKT);
    GapsInputError on bad input, ValueError for an unknown export (see :func:`is_export`)."""
    if not is_export(what, fmt):
        raise ValueError(unknown_export(what, fmt))
    result = compute_form(service, store, catalogue, form)
    frame = gaps_frame(result) if what == "gaps" else rounded(result.extensions())
    data = to_geojson(frame) if fmt == "geojson" else to_csv(frame)
    name = export_filename(
        f"{what}-{result.network}-{result.targets}",
        {"threshold": f"{result.threshold_m:g}m", "district": form.district},
        fmt,
    )
    return ExportFile(data, EXPORT_FORMATS[fmt], name)
