"""Reading vector files: the one place geoworks opens GeoJSON, GeoPackage, Shapefile (.shp, or a .zip
holding one), GeoParquet, CSV (a WKT column or lon/lat columns), KML/KMZ and OSM extracts.

:func:`read_source` returns a file's features as read: in the file's own CRS (None when the file
declares none), Z dropped, with the problems found in single CSV rows. The importers validate and
reproject them (:mod:`geoworks.importers.validate`). :func:`read_vector` is the same reading in
EPSG:4326 (through :func:`geoworks.geodesy.to_wgs84`), for ``geoworks measure`` and plan's target
upload. Every failure raises :class:`InputError` (:class:`SourceError` from read_source) naming the
file and the problem, never a path of the server.

A file is read and nothing else: before GDAL opens it, :mod:`geoworks.io.safety` checks that it is what
its name says and holds no link to another file or a URL (kind 'unsafe' when it does), and GDAL reads
with its network access off.
"""

from __future__ import annotations

import hashlib
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geoworks.config import load_config, number
from geoworks.geodesy import CRSProblem, to_wgs84
from geoworks.io.safety import UnsafeInput, check_content, check_path, gdal_offline, proj_offline, scrub
from geoworks.names import guess_column

PARQUET = (".parquet", ".geoparquet")
CSV = (".csv", ".tsv", ".txt")
FORMATS = (
    {
        ".gpkg": "GeoPackage",
        ".shp": "Shapefile",
        ".zip": "Shapefile",
        ".kml": "KML",
        ".kmz": "KML",
        ".pbf": "OSM",
        ".osm": "OSM",
    }
    | dict.fromkeys(PARQUET, "GeoParquet")
    | dict.fromkeys(CSV, "CSV")
)
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "shape", "геометрия", "геометрия_wkt")
LON_COLUMNS = ("lon", "lng", "long", "longitude", "долгота", "бойлық")
LAT_COLUMNS = ("lat", "latitude", "широта", "ендік")
X_COLUMNS = ("x", "easting")
Y_COLUMNS = ("y", "northing")
_UNREADABLE = {"GeoParquet": "unreadable or truncated GeoParquet", "OSM": "unreadable or truncated OSM file"}


proj_offline()


class InputError(ValueError):
    """A file cannot be used; the message names the file and the problem."""


class SourceError(InputError):
    """:func:`read_source` cannot read a file. ``str()`` is '<file>: <problem>'; ``problem`` is the part
    after the file, ``kind`` sorts it (missing, empty, unreadable, unsafe, layer, shapefile, encoding, no_geometry)
    and ``detail`` is the underlying reader's own words (for kind 'unreadable')."""

    def __init__(self, label: str, problem: str, kind: str, detail: str = "") -> None:
        super().__init__(f"{label}: {problem}")
        self.problem, self.kind, self.detail = problem, kind, detail


@dataclass
class Source:
    """Features as read from one file, geometry in the file's CRS (``frame.crs``, None when undeclared)."""

    frame: gpd.GeoDataFrame
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


def check_file(path: Path, label: str) -> None:
    """SourceError unless ``path`` exists and (a file) is not empty."""
    if not path.exists():
        raise SourceError(label, "file not found", "missing")
    if path.is_file() and path.stat().st_size == 0:
        raise SourceError(label, "the file is empty (0 bytes)", "empty")


def source_format(path: Path) -> str:
    """The format name of ``path`` by its suffix (GeoJSON for any suffix GDAL is left to recognise)."""
    return FORMATS.get(path.suffix.lower(), "GeoJSON")


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _unreadable(label: str, fmt: str, exc: Exception) -> SourceError:
    detail = scrub(_short(exc), label)
    return SourceError(label, f"{_UNREADABLE.get(fmt, 'unreadable or truncated')} ({detail})", "unreadable", detail)


def _ogr(target: str, label: str, layer: str | None, fmt: str) -> gpd.GeoDataFrame:
    """One layer through GDAL (pyogrio), through Arrow when it can."""
    # GDAL assembles OSM multipolygons from ways: rings clipped at the extract's edge come out invalid
    kwargs = {"on_invalid": "ignore"} if fmt == "OSM" and layer == "multipolygons" else {}
    with warnings.catch_warnings(), gdal_offline():
        if fmt == "OSM":  # GDAL notes every clipped ring
            warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return pyogrio.read_dataframe(target, layer=layer, use_arrow=True, **kwargs)
        except Exception:
            pass
        try:  # the plain reader gives the clearer message
            return pyogrio.read_dataframe(target, layer=layer, **kwargs)
        except Exception as exc:
            raise _unreadable(label, fmt, exc) from None


def _layers(target: str, label: str, fmt: str) -> list[str]:
    try:
        with gdal_offline():
            return [str(r[0]) for r in pyogrio.list_layers(target)]
    except Exception as exc:
        raise _unreadable(label, fmt, exc) from None


def _pick_layer(target: str, label: str, source_layer: str | None, fmt: str, first_layer: bool) -> str | None:
    names = _layers(target, label, fmt)
    if source_layer is not None:
        if source_layer not in names:
            raise SourceError(label, f"no layer '{source_layer}'; layers: {', '.join(names) or '(none)'}", "layer")
        return source_layer
    if len(names) > 1 and fmt != "KML" and not first_layer:
        raise SourceError(
            label, f"holds {len(names)} layers ({', '.join(names)}); choose one with --source-layer", "layer"
        )
    return names[0] if names else None


def _zip_member(path: Path, label: str, source_layer: str | None, first_layer: bool) -> str:
    """The one Shapefile inside the zip archive ``path`` (named ``source_layer`` when given; its members were
    checked, CRCs included, by :func:`geoworks.io.safety.check_zip`)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceError(label, f"not a readable zip archive ({_short(exc)})", "unreadable", _short(exc)) from None
    shps = [n for n in names if n.lower().endswith(".shp") and not n.startswith("__MACOSX")]
    if source_layer:
        shps = [n for n in shps if Path(n).stem == source_layer]
        if not shps:
            raise SourceError(label, f"no Shapefile '{source_layer}' in the archive", "layer")
    if not shps:
        raise SourceError(label, "the zip archive holds no .shp file", "shapefile")
    if len(shps) > 1 and not first_layer:
        raise SourceError(
            label,
            f"the archive holds {len(shps)} Shapefiles "
            f"({', '.join(Path(s).stem for s in shps)}); choose one with --source-layer",
            "layer",
        )
    return shps[0]


def _read_folders(target: str, label: str, fmt: str) -> gpd.GeoDataFrame:
    """Every layer (KML folder) of ``target`` in one frame."""
    parts = [_ogr(target, label, name, fmt) for name in _layers(target, label, fmt)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _ogr(target, label, None, fmt)
    frame = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=parts[0].crs)


def _read_gdal(path: Path, label: str, fmt: str, source_layer: str | None, first_layer: bool) -> gpd.GeoDataFrame:
    """A file GDAL reads: one layer of it, every folder of a KML, the one Shapefile of a zip."""
    if path.suffix.lower() == ".zip":
        target = f"/vsizip/{path.resolve()}/{_zip_member(path, label, source_layer, first_layer)}"
        return _ogr(target, label, None, fmt)
    target = str(path.resolve())  # absolute: never read as a GDAL connection string or driver prefix
    if path.suffix.lower() == ".shp":
        missing = [s for s in (".shx", ".dbf") if not path.with_suffix(s).exists()]
        if missing:
            raise SourceError(label, f"the Shapefile is incomplete: {', '.join(missing)} missing", "shapefile")
    layer = _pick_layer(target, label, source_layer, fmt, first_layer)
    if fmt == "KML" and source_layer is None:
        return _read_folders(target, label, fmt)
    return _ogr(target, label, layer, fmt)


def _read_parquet(path: Path, label: str) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except Exception as exc:
        raise _unreadable(label, "GeoParquet", exc) from None


def _csv_table(path: Path, label: str) -> pd.DataFrame:
    """The CSV's cells as text; the separator (, ; or tab) is the commonest in the header line."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            head = fh.readline()
        sep = (
            "\t"
            if head.count("\t") > max(head.count(","), head.count(";"))
            else (";" if head.count(";") > head.count(",") else ",")
        )
        return pd.read_csv(path, sep=sep, encoding="utf-8-sig", dtype=str, keep_default_na=False, na_values=[""])
    except UnicodeDecodeError:
        raise SourceError(label, "not UTF-8 text; save the CSV as UTF-8", "encoding") from None
    except Exception as exc:
        raise SourceError(label, f"unreadable CSV ({_short(exc)})", "unreadable", _short(exc)) from None


def _read_csv(path: Path, label: str) -> tuple[gpd.GeoDataFrame, list[tuple[int, str, str]]]:
    """Features of a CSV with a WKT column (no CRS) or lon/lat columns (EPSG:4326) or x/y columns (no CRS)."""
    df = _csv_table(path, label)
    problems: list[tuple[int, str, str]] = []
    wkt_col = guess_column(df.columns, WKT_COLUMNS)
    if wkt_col is not None:
        text = df[wkt_col].fillna("").to_numpy(dtype=object)
        geoms = shapely.from_wkt(text, on_invalid="ignore")
        for i in np.flatnonzero(pd.isna(geoms) & (text != "")):
            problems.append((int(i), wkt_col, f"'{str(text[i])[:40]}' is not valid WKT"))
        return gpd.GeoDataFrame(df.drop(columns=[wkt_col]), geometry=geoms), problems
    lon, lat = guess_column(df.columns, LON_COLUMNS), guess_column(df.columns, LAT_COLUMNS)
    lonlat = lon is not None and lat is not None  # named lon/lat: WGS84 by definition
    if not lonlat:
        lon, lat = guess_column(df.columns, X_COLUMNS), guess_column(df.columns, Y_COLUMNS)
    if lon is None or lat is None:
        raise SourceError(
            label,
            f"no geometry: expected a WKT column ({', '.join(WKT_COLUMNS[:4])}) or "
            f"lon/lat columns; columns: {', '.join(map(str, df.columns))}",
            "no_geometry",
        )
    xs = pd.to_numeric(df[lon].str.replace(",", ".", regex=False), errors="coerce")
    ys = pd.to_numeric(df[lat].str.replace(",", ".", regex=False), errors="coerce")
    for col, values in ((lon, xs), (lat, ys)):
        for i in np.flatnonzero(values.isna().to_numpy()):
            problems.append((int(i), col, f"'{df[col].iloc[i]}' is not a number"))
    geoms = np.where(xs.isna() | ys.isna(), None, shapely.points(xs.to_numpy(), ys.to_numpy()))
    frame = gpd.GeoDataFrame(df.drop(columns=[lon, lat]), geometry=list(geoms))
    return (frame.set_crs("EPSG:4326") if lonlat else frame), problems


def max_unpacked_bytes() -> int:
    """What an archive may inflate to: the upload limit (GEOWORKS_MAX_UPLOAD_MB)."""
    return int(number(load_config(), "GEOWORKS_MAX_UPLOAD_MB") * 2**20)


def check_source(path: Path, label: str, fmt: str, max_unpacked: int | None = None) -> None:
    """SourceError unless ``path`` is a readable, non-empty local ``fmt`` file that links to nothing else."""
    try:
        check_path(path)
    except UnsafeInput as exc:
        raise SourceError(label, exc.problem, exc.kind, exc.problem) from None
    check_file(path, label)
    if fmt == "CSV" or not path.is_file():
        return
    try:
        check_content(path, fmt, max_unpacked if max_unpacked is not None else max_unpacked_bytes())
    except UnsafeInput as exc:
        raise SourceError(label, exc.problem, exc.kind, exc.problem) from None


def read_source(
    path: str | Path,
    source_layer: str | None = None,
    *,
    label: str | None = None,
    first_layer: bool = False,
    fmt: str | None = None,
    max_unpacked: int | None = None,
) -> Source:
    """Every feature of ``path`` (one layer, or every KML folder), in the file's own CRS, 2-D.

    ``source_layer`` names the layer (GeoPackage, KML, OSM) or the Shapefile inside a zip. A file of
    several layers needs it, unless ``first_layer`` (then the first layer is read, as GDAL does).
    ``label`` (default: the file name) starts every message; ``fmt`` (one of FORMATS' values) overrides
    the format told by the suffix; ``max_unpacked`` bounds what an archive inflates to (default: the upload
    limit). SourceError when the file is unusable or unsafe (:func:`check_source`).
    """
    path = Path(path)
    label = label or path.name
    fmt = fmt or source_format(path)
    check_source(path, label, fmt, max_unpacked)
    problems: list[tuple[int, str, str]] = []
    if fmt == "GeoParquet":
        frame = _read_parquet(path, label)
    elif fmt == "CSV":
        frame, problems = _read_csv(path, label)
    else:
        frame = _read_gdal(path, label, fmt, source_layer, first_layer)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise SourceError(label, "has no geometry column", "no_geometry")
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if len(geoms) and shapely.has_z(geoms).any():
        frame = frame.set_geometry(shapely.force_2d(geoms), crs=frame.crs)
    return Source(frame.reset_index(drop=True), fmt, frame.crs is not None, problems)


# read_vector's own words for some problems (``geoworks measure`` and plan's messages)
_VECTOR_WORDS = {"empty": "the file is empty", "unreadable": "cannot be read as a vector file ({detail})"}


def read_vector(
    path: str | Path, assume_crs: str | None = None, layer: str | None = None, what: str | None = None
) -> gpd.GeoDataFrame:
    """Read ``path`` (any format of :func:`read_source`; the first layer unless ``layer``) into EPSG:4326.

    ``assume_crs`` applies only when the file declares no CRS; ``what`` (default: the file name) starts
    every message. InputError naming the file and the problem.
    """
    label = what or Path(path).name
    try:
        source = read_source(path, layer, label=label, first_layer=True)
    except SourceError as exc:
        words = _VECTOR_WORDS[exc.kind].format(detail=exc.detail) if exc.kind in _VECTOR_WORDS else exc.problem
        raise InputError(f"{label}: {words}") from None
    if source.row_problems:
        row, field, problem = source.row_problems[0]
        raise InputError(f"{label}: feature {row + 1}: field '{field}': {problem}")
    if len(source.frame) == 0:
        raise InputError(f"{label}: contains no features")
    try:
        return to_wgs84(source.frame, assume_crs, what=label)
    except CRSProblem as exc:
        raise InputError(str(exc)) from None
