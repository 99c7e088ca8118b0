"""Reading the files a GIS office holds: GeoJSON, GeoPackage, Shapefile (.shp or .zip),
GeoParquet, CSV (a WKT column or lon/lat columns) and KML.

:func:`read_source` returns the features as read, in the file's own CRS (or
none when the file declares none); reprojection happens in validation,
through :mod:`geoworks.geodesy`. Any failure raises :class:`SourceError`
naming the file and the problem.
"""
from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

PARQUET = (".parquet", ".geoparquet")
CSV = (".csv", ".tsv", ".txt")
KML = (".kml", ".kmz")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "shape", "геометрия", "геометрия_wkt")
LON_COLUMNS = ("lon", "lng", "long", "longitude", "долгота", "бойлық")
LAT_COLUMNS = ("lat", "latitude", "широта", "ендік")
X_COLUMNS = ("x", "easting")
Y_COLUMNS = ("y", "northing")


class SourceError(ValueError):
    """A file cannot be read; the message names the file and the problem."""


@dataclass
class Source:
    """Features as read from one file: geometry in ``crs`` (None when undeclared)."""

    frame: gpd.GeoDataFrame
    label: str
    format: str
    crs_declared: bool
    row_problems: list[tuple[int, str, str]]  # (row, field, problem) found while parsing (CSV)


def file_checksum(path: str | Path) -> str:
    """sha256 of the file (of every part, for a Shapefile), 'sha256:<hex>'."""
    path = Path(path)
    parts = [path]
    if path.suffix.lower() == ".shp":
        parts = [p for p in (path.with_suffix(s) for s in SHAPEFILE_PARTS) if p.exists()]
    h = hashlib.sha256()
    for part in parts:
        with open(part, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return "sha256:" + h.hexdigest()


def _ogr(path: str, label: str, layer: str | None, **kwargs) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(path, layer=layer, use_arrow=True, **kwargs)
    except Exception:
        pass
    try:  # the plain reader gives the clearer message
        return pyogrio.read_dataframe(path, layer=layer, **kwargs)
    except Exception as exc:
        raise SourceError(f"{label}: unreadable or truncated ({_short(exc)})") from None


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _layers(path: str, label: str) -> list[str]:
    try:
        return [str(r[0]) for r in pyogrio.list_layers(path)]
    except Exception as exc:
        raise SourceError(f"{label}: unreadable or truncated ({_short(exc)})") from None


def _pick_layer(path: str, label: str, source_layer: str | None, fmt: str) -> str | None:
    names = _layers(path, label)
    if source_layer is not None:
        if source_layer not in names:
            raise SourceError(f"{label}: no layer '{source_layer}'; layers: {', '.join(names) or '(none)'}")
        return source_layer
    if len(names) > 1 and fmt != "KML":
        raise SourceError(f"{label}: holds {len(names)} layers ({', '.join(names)}); choose one with --source-layer")
    return names[0] if names else None


def _zip_member(path: Path, label: str, source_layer: str | None) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceError(f"{label}: not a readable zip archive ({_short(exc)})") from None
    if bad is not None:
        raise SourceError(f"{label}: zip member '{bad}' is corrupt")
    shps = [n for n in names if n.lower().endswith(".shp") and not n.startswith("__MACOSX")]
    if source_layer:
        shps = [n for n in shps if Path(n).stem == source_layer] or shps[:0]
        if not shps:
            raise SourceError(f"{label}: no Shapefile '{source_layer}' in the archive")
    if not shps:
        raise SourceError(f"{label}: the zip archive holds no .shp file")
    if len(shps) > 1:
        raise SourceError(f"{label}: the archive holds {len(shps)} Shapefiles "
                          f"({', '.join(Path(s).stem for s in shps)}); choose one with --source-layer")
    return shps[0]


def _find(columns, candidates) -> str | None:
    lowered = {str(c).strip().casefold(): c for c in columns}
    for cand in candidates:
        if cand in lowered:
            return lowered[cand]
    return None


def _read_csv(path: Path, label: str) -> tuple[gpd.GeoDataFrame, bool, list]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            head = fh.readline()
        sep = "\t" if head.count("\t") > max(head.count(","), head.count(";")) else (
            ";" if head.count(";") > head.count(",") else ",")
        df = pd.read_csv(path, sep=sep, encoding="utf-8-sig", dtype=str, keep_default_na=False, na_values=[""])
    except UnicodeDecodeError:
        raise SourceError(f"{label}: not UTF-8 text; save the CSV as UTF-8") from None
    except Exception as exc:
        raise SourceError(f"{label}: unreadable CSV ({_short(exc)})") from None
    problems: list[tuple[int, str, str]] = []
    wkt_col = _find(df.columns, WKT_COLUMNS)
    if wkt_col is not None:
        text = df[wkt_col].fillna("").to_numpy(dtype=object)
        geoms = shapely.from_wkt(text, on_invalid="ignore")
        for i in np.flatnonzero(pd.isna(geoms) & (text != "")):
            problems.append((int(i), wkt_col, f"'{str(text[i])[:40]}' is not valid WKT"))
        return gpd.GeoDataFrame(df.drop(columns=[wkt_col]), geometry=geoms), False, problems
    lon, lat = _find(df.columns, LON_COLUMNS), _find(df.columns, LAT_COLUMNS)
    declared = lon is not None and lat is not None  # named lon/lat: WGS84 by definition
    if not declared:
        lon, lat = _find(df.columns, X_COLUMNS), _find(df.columns, Y_COLUMNS)
    if lon is None or lat is None:
        raise SourceError(f"{label}: no geometry: expected a WKT column ({', '.join(WKT_COLUMNS[:4])}) or "
                          f"lon/lat columns; columns: {', '.join(map(str, df.columns))}")
    xs = pd.to_numeric(df[lon].str.replace(",", ".", regex=False), errors="coerce")
    ys = pd.to_numeric(df[lat].str.replace(",", ".", regex=False), errors="coerce")
    for col, values in ((lon, xs), (lat, ys)):
        for i in np.flatnonzero(values.isna().to_numpy()):
            problems.append((int(i), col, f"'{df[col].iloc[i]}' is not a number"))
    geoms = shapely.points(xs.to_numpy(), ys.to_numpy())
    geoms = np.where(xs.isna() | ys.isna(), None, geoms)
    frame = gpd.GeoDataFrame(df.drop(columns=[lon, lat]), geometry=list(geoms))
    if declared:
        frame = frame.set_crs("EPSG:4326")
    return frame, declared, problems


def read_source(path: str | Path, source_layer: str | None = None) -> Source:
    """Read every feature of ``path`` (see the module doc for formats); SourceError when unusable."""
    path = Path(path)
    label = path.name
    if not path.exists():
        raise SourceError(f"{label}: file not found")
    if path.is_file() and path.stat().st_size == 0:
        raise SourceError(f"{label}: the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    problems: list = []
    declared = True
    if suffix in PARQUET:
        fmt = "GeoParquet"
        try:
            frame = gpd.read_parquet(path)
        except Exception as exc:
            raise SourceError(f"{label}: unreadable or truncated GeoParquet ({_short(exc)})") from None
    elif suffix in CSV:
        fmt = "CSV"
        frame, declared, problems = _read_csv(path, label)
    else:
        if suffix == ".zip":
            fmt = "Shapefile"
            target = f"/vsizip/{path.resolve()}/{_zip_member(path, label, source_layer)}"
            layer = None
        else:
            fmt = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".kml": "KML", ".kmz": "KML"}.get(suffix, "GeoJSON")
            target = str(path)
            if suffix == ".shp":
                missing = [s for s in (".shx", ".dbf") if not path.with_suffix(s).exists()]
                if missing:
                    raise SourceError(f"{label}: the Shapefile is incomplete: {', '.join(missing)} missing")
            layer = _pick_layer(target, label, source_layer, fmt)
        if fmt == "KML" and source_layer is None:
            parts = [_ogr(target, label, name) for name in _layers(target, label)]
            parts = [p for p in parts if len(p)]
            frame = pd.concat(parts, ignore_index=True) if parts else _ogr(target, label, None)
            frame = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=parts[0].crs if parts else None)
        else:
            frame = _ogr(target, label, layer)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise SourceError(f"{label}: has no geometry column")
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    if frame.crs is None:
        declared = False
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if len(geoms) and shapely.has_z(geoms).any():
        frame = frame.set_geometry(shapely.force_2d(geoms), crs=frame.crs)
    return Source(frame.reset_index(drop=True), label, fmt, declared, problems)


_SAFE = re.compile(r"[^0-9A-Za-z_\u0400-\u04FF]+")


def clean_column(name: str) -> str:
    """A column name safe for the store (letters, digits, _)."""
    out = _SAFE.sub("_", str(name)).strip("_")
    return out or "column"
