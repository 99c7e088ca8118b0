"""Exports: a layer or a selection as GeoJSON, GeoPackage, CSV (WKT geometry) or XLSX; totals as CSV or XLSX.

Every function takes a GeoDataFrame / DataFrame and returns the file's bytes;
geometries stay lon/lat (EPSG:4326). :func:`export_filename` names a file by
what it holds (layer, filters) and when it was made (UTC).
Text cells that a spreadsheet would run as a formula (starting with = + - @)
are stored as text in XLSX and prefixed with ' in CSV.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geoworks import clock

FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "csv": ("text/csv", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
XLSX_CELL_MAX = 32767
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAFE_RE = re.compile(r"[^A-Za-z0-9_.-]+")


def export_filename(what: str, filters: dict | None, ext: str, when: datetime | None = None) -> str:
    """``geoworks_<what>[_<filter values>]_<YYYYMMDDTHHMMZ>.<ext>``, ASCII-safe."""
    when = (when or clock.now()).astimezone(UTC)
    bits = [what] + [f"{k}-{v}" for k, v in (filters or {}).items() if v not in (None, "")]
    stem = "_".join(_SAFE_RE.sub("-", str(b)).strip("-") for b in bits)
    return f"geoworks_{stem}_{when.strftime('%Y%m%dT%H%MZ')}.{ext}"


def _plain(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _feature_texts(geoms, props: pd.DataFrame, ids=None) -> list[str]:
    """One GeoJSON Feature (JSON text) per geometry (lon/lat); ``id`` from ``ids``, else the id or slug column."""
    texts = shapely.to_geojson(np.asarray(geoms, dtype=object)) if len(props) else []
    names = list(props.columns)
    feats = []
    for k, (gj, row) in enumerate(zip(texts, props.itertuples(index=False, name=None))):
        p = {name: _plain(v) for name, v in zip(names, row)}
        fid = ids[k] if ids is not None else p.get("id", p.get("slug"))
        head = '{"type":"Feature",' + (f'"id":{json.dumps(str(fid))},' if fid is not None else "")
        feats.append(head + '"geometry":' + (gj or "null") + ',"properties":' + json.dumps(p, ensure_ascii=False) + "}")
    return feats


def to_geojson(gdf: gpd.GeoDataFrame) -> bytes:
    """RFC 7946 FeatureCollection (lon/lat), UTF-8."""
    feats = _feature_texts(gdf.geometry.values, pd.DataFrame(gdf.drop(columns=gdf.geometry.name)))
    return ('{"type":"FeatureCollection","features":[' + ",".join(feats) + "]}").encode("utf-8")


def feature_collection(geoms, properties: list[dict] | pd.DataFrame, ids=None, drop_empty: bool = False) -> dict:
    """A FeatureCollection as a dict (for folium layers and JSON bodies) from lon/lat geometries and properties;
    with ``drop_empty``, features without a geometry are left out."""
    geoms = np.asarray(geoms, dtype=object)
    props = properties if isinstance(properties, pd.DataFrame) else pd.DataFrame(list(properties))
    props = props.reset_index(drop=True) if len(props.columns) else pd.DataFrame(index=range(len(geoms)))
    if drop_empty and len(geoms):
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        geoms, props = geoms[keep], props[keep].reset_index(drop=True)
        ids = None if ids is None else [i for i, k in zip(ids, keep) if k]
    return json.loads('{"type":"FeatureCollection","features":[' + ",".join(_feature_texts(geoms, props, ids)) + "]}")


def to_gpkg(gdf: gpd.GeoDataFrame, layer: str) -> bytes:
    """A GeoPackage holding one table ``layer`` (EPSG:4326)."""
    with tempfile.TemporaryDirectory(prefix="geoworks-export-") as tmp:
        path = Path(tmp) / f"{layer}.gpkg"
        out = gdf if gdf.crs is not None else gdf.set_crs("EPSG:4326")
        pyogrio.write_dataframe(out, path, layer=layer, driver="GPKG", promote_to_multi=False)
        return path.read_bytes()


def _csv_safe(value):
    value = _plain(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _table(gdf: gpd.GeoDataFrame | pd.DataFrame) -> pd.DataFrame:
    """Attributes plus a ``wkt`` column (lon/lat) in place of the geometry."""
    if isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry.name in gdf.columns:
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        df["wkt"] = shapely.to_wkt(np.asarray(gdf.geometry.values, dtype=object), rounding_precision=-1)
        return df
    return pd.DataFrame(gdf)


def to_csv(df: gpd.GeoDataFrame | pd.DataFrame, notes: dict[str, str] | None = None) -> bytes:
    """CSV, UTF-8 with a byte-order mark (so spreadsheets read Cyrillic); geometry as a ``wkt`` column;
    ``notes`` (date, tolerance, source ...) follow the rows as ``# key: value`` lines."""
    table = _table(df)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_csv_safe(str(c)) for c in table.columns])
    for row in table.itertuples(index=False, name=None):
        writer.writerow(["" if (v := _csv_safe(x)) is None else v for x in row])
    for key, value in (notes or {}).items():
        buf.write(f"# {_csv_safe(str(key))}: {_csv_safe(str(value))}\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(sheets: dict[str, gpd.GeoDataFrame | pd.DataFrame], notes: dict[str, str] | None = None) -> bytes:
    """An XLSX workbook, one sheet per item; geometry as a ``wkt`` column (empty past Excel's 32 767 characters)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    wb = Workbook()
    wb.remove(wb.active)
    for title, df in sheets.items():
        ws = wb.create_sheet(title=_SAFE_RE.sub("_", title)[:31] or "sheet")
        table = _table(df)
        ws.append([str(c) for c in table.columns])
        for row in table.itertuples(index=False, name=None):
            values = []
            for v in row:
                v = _plain(v)
                if isinstance(v, str) and len(v) > XLSX_CELL_MAX:
                    v = None
                values.append(v)
            ws.append(values)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.data_type == "f":
                    cell.data_type = TYPE_STRING  # data, not a formula
        ws.freeze_panes = "A2"
    if notes:
        ws = wb.create_sheet(title="about")
        for k, v in notes.items():
            ws.append([str(k), str(v)])
            for cell in ws[ws.max_row]:
                if cell.data_type == "f":
                    cell.data_type = TYPE_STRING
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_features(gdf: gpd.GeoDataFrame, fmt: str, layer: str, notes: dict[str, str] | None = None) -> bytes:
    """The features in format ``fmt`` (geojson, gpkg, csv, xlsx); ValueError for another format."""
    if fmt == "geojson":
        return to_geojson(gdf)
    if fmt == "gpkg":
        return to_gpkg(gdf, layer)
    if fmt == "csv":
        return to_csv(gdf)
    if fmt == "xlsx":
        return to_xlsx({layer: gdf}, notes)
    raise ValueError(f"unknown export format '{fmt}'; known: {', '.join(FORMATS)}")
