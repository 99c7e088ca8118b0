"""From a file to validated, annotated features ready to commit (nothing is written here).

:func:`prepare` reads the file, maps its columns to the work fields, checks
geometry and attributes (see :mod:`geoworks.importers.validate`), and for a
works layer computes district and geodesic length with
:func:`geoworks.works.annotate`. Output is EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import union_all

from geoworks.catalogue import Catalogue, Layer
from geoworks.importers.columns import MappingError, clean_column, resolve_mapping
from geoworks.importers.districts import match_district, slugify
from geoworks.importers.validate import Options, Report, check_geometry
from geoworks.io.readers import Source, SourceError, file_checksum, read_source
from geoworks.names import guess_name_field
from geoworks.storage.base import DISTRICT_COLUMNS, WORK_COLUMNS
from geoworks.works import annotate, conform, normalise_status

Progress = Callable[[str, int, int], None]  # (stage, done, total)
RESERVED = set(WORK_COLUMNS) | {"fid", "ogc_fid", "geom", "geometry", "source_id", "osm_id"} - {"osm_id"}
CHUNK = 50_000
MAX_TEXT_CHARS = 65_536  # characters of one attribute value


@dataclass
class Prepared:
    """Validated features of one file for one layer (or the districts), and the report."""

    path: str
    layer: str
    checksum: str
    report: Report
    features: gpd.GeoDataFrame | None = None

    @property
    def ok(self) -> bool:
        """Validation passed and there are features to commit."""
        return self.report.ok and self.features is not None


def no_progress(stage: str, done: int, total: int) -> None:
    """A progress callback that shows nothing."""
    return None


def annotate_works(
    works: gpd.GeoDataFrame, layer: Layer, districts: gpd.GeoDataFrame, progress: Progress = no_progress
) -> gpd.GeoDataFrame:
    """Lon/lat ``works`` with district, geodesic ``length_m`` and ``area_m2`` (WGS84), in chunks of CHUNK
    features; conformed to the standard columns, EPSG:4326."""
    parts = []
    for start in range(0, len(works), CHUNK):
        parts.append(annotate(works.iloc[start : start + CHUNK], layer, districts))
        progress("measure", min(start + CHUNK, len(works)), len(works))
    done = conform(pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])
    return gpd.GeoDataFrame(done, geometry="geometry", crs="EPSG:4326")


def district_summary(works: gpd.GeoDataFrame, area: bool = True) -> dict[str, dict]:
    """Annotated works per district: {slug: {"features", "km" (geodesic, 3 decimals), "area_m2" (with ``area``)}}."""
    per = works.groupby("district").agg(
        features=("length_m", "size"), km=("length_m", "sum"), area_m2=("area_m2", "sum")
    )
    out = {}
    for k, r in per.iterrows():
        out[str(k)] = {"features": int(r.features), "km": round(float(r.km) / 1000.0, 3)}
        if area:
            out[str(k)]["area_m2"] = round(float(r.area_m2), 1)
    return out


def _text(values: pd.Series) -> pd.Series:
    """Stripped strings, None for missing or blank (vectorised)."""
    v = values.reset_index(drop=True)
    missing = v.isna().to_numpy()
    text = v.astype(str).str.strip()
    text = text.astype(object)
    text[missing | (text == "").to_numpy()] = None
    return text


def _dates(values: pd.Series, col: str, report: Report, rows: np.ndarray) -> pd.Series:
    """ISO dates (YYYY-MM-DD) from ISO, dd.mm.yyyy or datetime values; errors name the feature."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    else:
        text = _text(values)
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        rest = parsed.isna() & text.notna()
        if rest.any():
            parsed[rest] = pd.to_datetime(text[rest], errors="coerce", format="%d.%m.%Y")
        bad = parsed.isna() & text.notna()
        for i in np.flatnonzero(bad.to_numpy()):
            report.add(
                "error", "bad_date", f"'{text.iloc[i]}' is not a date (YYYY-MM-DD or DD.MM.YYYY)", int(rows[i]) + 1, col
            )
    out = pd.Series(parsed).dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), None)


def _status(raw: pd.Series, col: str, report: Report, rows: np.ndarray) -> pd.Series:
    """Statuses normalised to planned / in_progress / completed / cancelled (kk/ru/en words accepted)."""
    uniques = {v: normalise_status(v) for v in pd.unique(raw.dropna())}
    status = raw.map(uniques)
    given = raw.notna() & (raw.astype(str).str.strip() != "")
    for i in np.flatnonzero((status.isna() & given).to_numpy()):
        report.add(
            "error",
            "bad_status",
            f"'{raw.iloc[i]}' is not a status (planned, in progress, completed, cancelled, in kk/ru/en)",
            int(rows[i]) + 1,
            col,
        )
    missing = int((~given).sum())
    if missing:
        report.add("warning", "no_status", f"{missing} features have no status", None, col)
    return status.astype(object).where(status.notna(), None)


def _year(raw: pd.Series, col: str, report: Report, rows: np.ndarray) -> pd.Series:
    """Whole years 1900..2100 (Int64, missing where blank or bad; bad ones reported)."""
    year = pd.to_numeric(raw, errors="coerce")
    given = raw.notna() & (raw.astype(str).str.strip() != "")
    bad = given & (year.isna() | (year % 1 != 0) | (year < 1900) | (year > 2100))
    for i in np.flatnonzero(bad.to_numpy()):
        report.add("error", "bad_year", f"'{raw.iloc[i]}' is not a year", int(rows[i]) + 1, col)
    return year.where(~bad).astype("Int64")


def _extra_columns(frame: pd.DataFrame, mapped: set, out: pd.DataFrame) -> None:
    """The file's unmapped columns added to ``out``: names cleaned (``src_`` before a reserved one), values
    the store can hold (datetimes as ISO text, other objects as text)."""
    for col in frame.columns:
        if col == frame.geometry.name or col in mapped:
            continue
        name = clean_column(col)
        if name.casefold() in RESERVED:
            name = "src_" + name
        v = frame[col].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(v):
            v = v.dt.strftime("%Y-%m-%dT%H:%M:%S")
        elif v.dtype == object and len(v) and not all(isinstance(x, (str, type(None))) for x in v.iloc[:1000]):
            v = v.map(lambda x: x if x is None or isinstance(x, (str, int, float, bool)) else str(x))
        if name not in out.columns:
            out[name] = v.to_numpy()


def _attributes(frame: pd.DataFrame, mapping: dict, report: Report, rows: np.ndarray) -> pd.DataFrame:
    """The work fields (and cleaned extra columns) of the kept rows; ``rows`` are their positions in the file."""
    out = pd.DataFrame(index=range(len(frame)))
    for fld in ("name", "contractor", "source_id"):
        if mapping.get(fld) is not None:
            out[fld] = _text(frame[mapping[fld]])
    if mapping.get("status") is not None:
        out["status"] = _status(frame[mapping["status"]].reset_index(drop=True), mapping["status"], report, rows)
    for fld in ("start_date", "end_date"):
        col = mapping.get(fld)
        if col is not None:
            out[fld] = _dates(frame[col].reset_index(drop=True), col, report, rows).to_numpy()
    if mapping.get("year") is not None:
        out["year"] = _year(frame[mapping["year"]].reset_index(drop=True), mapping["year"], report, rows)
    else:  # the year the work ended, else began
        for fld in ("end_date", "start_date"):
            if fld in out:
                out["year"] = pd.to_numeric(out[fld].str[:4], errors="coerce").astype("Int64")
                break
    _extra_columns(frame, set(mapping.values()), out)
    return out


def _long_texts(frame: pd.DataFrame, report: Report) -> None:
    """An error for every attribute value longer than MAX_TEXT_CHARS characters (naming feature and field)."""
    for col in frame.columns:
        if col == "geometry" or not (frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col])):
            continue
        lengths = frame[col].map(lambda v: len(v) if isinstance(v, str | bytes) else 0).to_numpy()
        for i in np.flatnonzero(lengths > MAX_TEXT_CHARS):
            report.add(
                "error",
                "text_too_long",
                f"a value of {int(lengths[i]):,} characters, more than {MAX_TEXT_CHARS:,}",
                int(i) + 1,
                str(col),
            )


def _read(path: str | Path, opts: Options, layer: str, report_file: str) -> tuple[Source | None, Report]:
    report = Report(file=report_file, layer=layer)
    try:
        source = read_source(path, opts.source_layer, label=report_file)
    except SourceError as exc:
        report.add("error", "unreadable", exc.problem)
        return None, report
    report.features_read = len(source.frame)
    if len(source.frame) == 0:
        report.add("error", "empty", "contains no features")
        return None, report
    for row, col, problem in source.row_problems:
        report.add("error", "bad_value", problem, row + 1, col)
    _long_texts(source.frame, report)
    return source, report


def prepare(
    path: str | Path,
    layer_id: str,
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame | None,
    opts: Options | None = None,
    progress: Progress = no_progress,
    label: str | None = None,
) -> Prepared:
    """Validate ``path`` for ``layer_id`` (a catalogue layer or 'districts') without writing anything."""
    opts = opts or Options()
    path = Path(path)
    label = label or path.name
    checksum = file_checksum(path) if path.is_file() else ""
    if layer_id == "districts":
        return _prepare_districts(path, catalogue, opts, label, checksum, progress)
    layer = catalogue.layer(layer_id)
    source, report = _read(path, opts, layer_id, label)
    prepared = Prepared(str(path), layer_id, checksum, report)
    if source is None:
        return prepared
    if districts is None or len(districts) == 0:
        report.add(
            "error",
            "no_districts",
            "the store has no districts; import them first (--layer districts) or build the demo set",
        )
        return prepared
    frame = source.frame
    try:
        mapping = resolve_mapping([c for c in frame.columns if c != "geometry"], opts.mapping, label)
    except MappingError as exc:
        report.add("error", "mapping", str(exc).split(": ", 1)[-1])
        return prepared
    report.mapping = mapping
    progress("validate", 0, len(frame))
    lonlat, keep = check_geometry(
        frame, source.crs_declared, source.format, layer.accepted_kinds(), layer_id, catalogue, opts, report
    )
    rows = np.flatnonzero(keep)
    attrs = _attributes(frame.iloc[rows], mapping, report, rows) if len(rows) else pd.DataFrame()
    progress("validate", len(frame), len(frame))
    if not report.ok:
        return prepared
    if not len(rows):
        report.add("error", "nothing_left", "no features left to import")
        return prepared
    works = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(lonlat[rows], crs="EPSG:4326"), crs="EPSG:4326")
    works = annotate_works(works, layer, districts, progress)
    report.features_kept = len(works)
    report.by_district = district_summary(works)
    prepared.features = works
    return prepared


def _prepare_districts(
    path: Path, catalogue: Catalogue, opts: Options, label: str, checksum: str, progress: Progress
) -> Prepared:
    """Validate a district polygon file: each polygon named (a known district, or a new slug), in EPSG:4326."""
    source, report = _read(path, opts, "districts", label)
    prepared = Prepared(str(path), "districts", checksum, report)
    if source is None:
        return prepared
    frame = source.frame
    cols = [c for c in frame.columns if c != "geometry"]
    name_field = opts.name_field or guess_name_field(cols)
    if name_field is None or name_field not in cols:
        report.add(
            "error",
            "no_name_field",
            (f"no column '{opts.name_field}'" if opts.name_field else "no district name column found")
            + f"; use --name-field with one of: {', '.join(map(str, cols))}",
            None,
            opts.name_field,
        )
        return prepared
    report.mapping = {"name": name_field}
    lonlat, keep = check_geometry(
        frame, source.crs_declared, source.format, ("polygon",), "districts", catalogue, opts, report
    )
    if not report.ok:
        return prepared
    records = _district_records(frame, lonlat, np.flatnonzero(keep), name_field, catalogue, report)
    if not report.ok:
        return prepared
    if not records:
        report.add("error", "nothing_left", "no district polygons left to import")
        return prepared
    missing = [s for s in catalogue.districts if s not in records]
    if missing:
        report.add("warning", "missing_districts", f"no polygon for known districts: {', '.join(missing)}")
    rows = [
        {k: v for k, v in r.items() if k != "parts"} | {"geometry": union_all(r["parts"])} for r in records.values()
    ]
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf = gdf[list(DISTRICT_COLUMNS) + ["geometry"]]
    gdf["schematic"] = gdf["schematic"].astype("int64")
    report.features_kept = len(gdf)
    report.by_district = {r["slug"]: {"features": len(r["parts"])} for r in records.values()}
    prepared.features = gdf
    return prepared


def _district_records(
    frame: gpd.GeoDataFrame, lonlat: np.ndarray, rows: np.ndarray, name_field: str, catalogue: Catalogue, report: Report
) -> dict[str, dict]:
    """Slug -> {slug, name_kk, name_ru, name_en, schematic, parts}: the kept polygons by district.

    A polygon whose name (or any other text column) names a catalogue district gets its slug and names;
    another gets a transliterated slug and a warning. Rows without a name are errors.
    """
    text_cols = [name_field] + [
        c
        for c in frame.columns
        if c not in (name_field, "geometry") and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
    ]
    records: dict[str, dict] = {}
    for i in rows:
        name = frame[name_field].iloc[i]
        if name is None or (isinstance(name, float) and np.isnan(name)) or not str(name).strip():
            report.add("error", "no_name", "has no district name", int(i) + 1, name_field)
            continue
        slug = match_district([frame[c].iloc[i] for c in text_cols], catalogue)
        if slug is None:
            slug = slugify(str(name))
            report.add(
                "warning",
                "new_district",
                f"'{name}' matches no known district; stored as '{slug}'",
                int(i) + 1,
                name_field,
            )
            names = {"name_kk": str(name), "name_ru": str(name), "name_en": str(name)}
        else:
            d = catalogue.districts[slug]
            names = {"name_kk": d.names.kk, "name_ru": d.names.ru, "name_en": d.names.en}
        rec = records.setdefault(slug, {"slug": slug, **names, "schematic": 0, "parts": []})
        rec["parts"].append(lonlat[i])
    return records
