"""Validation before anything is written: CRS, coordinates, place, geometry, kind, fields.

Every problem becomes an :class:`Issue` naming the file, the feature (its
1-based position in the file) and the field. Errors refuse the import;
warnings are reported and the import goes on (repaired geometries, skipped
features far outside the city). Geometries come out in EPSG:4326.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geoworks.catalogue import Catalogue
from geoworks.geodesy import WGS84, CRSProblem, parse_crs, project_xy

MAX_DETAILS = 20  # detailed messages per kind of problem; the rest are counted
DIMS = {"point": 0, "line": 1, "polygon": 2}
KIND_WORDS = {0: "a point", 1: "a line", 2: "a polygon"}
MARGIN_DEG = (0.27, 0.2)  # lon, lat: about 20 km around the city's bbox
MAX_VERTICES = 200_000  # vertices of one feature (a district boundary has tens of thousands; more is an error)


@dataclass
class Issue:
    """One problem: its level, its kind (``code``) and a message naming the file, the feature and the field."""

    level: str  # error | warning
    code: str
    message: str
    feature: int | None = None  # 1-based position in the file
    field: str | None = None


@dataclass
class Options:
    """How to treat a file: CRS to assume, column mapping, strictness, features far outside the city."""

    crs: str | None = None
    source_layer: str | None = None
    mapping: dict = field(default_factory=dict)
    strict: bool = False
    outside: str = "skip"  # skip | reject | keep
    name_field: str | None = None


@dataclass
class Report:
    """What validation found in one file."""

    file: str
    layer: str
    features_read: int = 0
    features_kept: int = 0
    skipped: int = 0
    repaired: int = 0
    mapping: dict = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    by_district: dict = field(default_factory=dict)  # slug -> {"features", "km" (geodesic), "area_m2"}

    def add(self, level: str, code: str, message: str, feature: int | None = None, fld: str | None = None) -> None:
        """Record a problem; past MAX_DETAILS of one kind it is only counted."""
        self.counts[(level, code)] += 1
        if self.counts[(level, code)] <= MAX_DETAILS:
            where = f"feature {feature}: " if feature is not None else ""
            what = f"field '{fld}': " if fld else ""
            self.issues.append(Issue(level, code, f"{self.file}: {where}{what}{message}", feature, fld))

    @property
    def ok(self) -> bool:
        """No error was found."""
        return not any(level == "error" for level, _ in self.counts)

    def omitted(self) -> list[str]:
        """One line per kind of problem with more than MAX_DETAILS occurrences: how many were not listed."""
        return [
            f"{self.file}: ... and {n - MAX_DETAILS} more {level}s of the same kind ({code})"
            for (level, code), n in self.counts.items()
            if n > MAX_DETAILS
        ]

    def lines(self) -> list[str]:
        """Every listed problem as '<level>: <message>', then the omitted counts."""
        return [f"{i.level}: {i.message}" for i in self.issues] + self.omitted()

    def summary(self) -> str:
        """'<file> -> <layer>: N read, N to import, N skipped, N repaired; N errors, N warnings'."""
        n_err = sum(n for (lvl, _), n in self.counts.items() if lvl == "error")
        n_warn = sum(n for (lvl, _), n in self.counts.items() if lvl == "warning")
        return (
            f"{self.file} -> {self.layer}: {self.features_read} read, {self.features_kept} to import, "
            f"{self.skipped} skipped, {self.repaired} repaired; {n_err} errors, {n_warn} warnings"
        )


def _to_lonlat(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """Reproject geometries from ``crs`` to EPSG:4326 through geodesy.project_xy (non-finite when impossible)."""

    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = project_xy(xy[:, 0], xy[:, 1], src=crs, dst=WGS84)
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


def _impossible(bounds: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(bounds).all(axis=1)
        out = (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
    return ~finite | out


def _keep_dim(geom: shapely.Geometry | None, dim: int) -> shapely.Geometry | None:
    """The parts of ``geom`` of dimension ``dim`` (after make_valid a polygon may gain stray lines)."""
    if geom is None or shapely.get_dimensions(geom) == dim and shapely.get_type_id(geom) != 7:
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dim and not p.is_empty]
    if not parts:
        return geom
    if len(parts) == 1:
        return parts[0]
    if dim == 2:
        return shapely.union_all(parts)
    if dim == 1:
        return shapely.line_merge(shapely.multilinestrings(parts))
    return shapely.multipoints(parts)


def _source_crs(frame: gpd.GeoDataFrame, declared: bool, fmt: str, opts: Options, report: Report) -> CRS | None:
    """The CRS the file's coordinates are in: declared by the file, else ``--crs``; None (reported) without one."""
    if declared:
        crs = CRS.from_user_input(frame.crs)
        if opts.crs and not parse_crs(opts.crs).equals(crs):
            report.add("warning", "crs_ignored", f"the file declares {crs.to_string()}; --crs {opts.crs} is ignored")
        return crs
    if opts.crs:
        try:
            return parse_crs(opts.crs)
        except CRSProblem as exc:
            report.add("error", "crs_unknown", str(exc))
            return None
    report.add("error", "no_crs", f"no CRS declared ({fmt}); give the file's CRS with --crs EPSG:XXXX")
    return None


def _missing(geoms: np.ndarray, opts: Options, report: Report) -> np.ndarray:
    """Mask of the features without geometry: a warning each (an error with --strict)."""
    missing = pd.isna(geoms) | shapely.is_empty(geoms)
    for i in np.flatnonzero(missing):
        report.add(
            "error" if opts.strict else "warning",
            "no_geometry",
            "no geometry" + ("" if opts.strict else "; skipped"),
            int(i) + 1,
            "geometry",
        )
    return missing


def _not_numbers(geoms: np.ndarray, keep: np.ndarray, report: Report) -> np.ndarray:
    """Mask of the kept features with a coordinate that is not a number (NaN, infinite): an error each, never
    a repair (GEOS would make such a geometry "valid" by dropping the point)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    with np.errstate(invalid="ignore"):
        rows = np.unique(index[~np.isfinite(coords).all(axis=1)])
    bad = np.zeros(len(geoms), dtype=bool)
    bad[rows] = True
    bad &= keep
    for i in np.flatnonzero(bad):
        xy = shapely.get_coordinates(geoms[i])
        x0, y0 = xy[~np.isfinite(xy).all(axis=1)][0]
        report.add("error", "not_a_number", f"coordinate ({x0:.6g}, {y0:.6g}) is not a number", int(i) + 1, "geometry")
    return bad


def _too_many_vertices(geoms: np.ndarray, keep: np.ndarray, report: Report) -> np.ndarray:
    """Mask of the kept features with more than MAX_VERTICES vertices: an error each."""
    counts = shapely.get_num_coordinates(geoms)
    bad = keep & (counts > MAX_VERTICES)
    for i in np.flatnonzero(bad):
        report.add(
            "error",
            "too_many_vertices",
            f"has {int(counts[i]):,} vertices, more than {MAX_VERTICES:,} in one feature; split it",
            int(i) + 1,
            "geometry",
        )
    return bad


def _first_impossible(geom: shapely.Geometry, lonlat: shapely.Geometry) -> tuple[float, float]:
    """The first coordinate of ``geom`` (as in the file) whose lon/lat is impossible (else its first one)."""
    xy = shapely.get_coordinates(geom)
    if not len(xy):
        return np.nan, np.nan
    ll = shapely.get_coordinates(lonlat) if lonlat is not None else xy
    with np.errstate(invalid="ignore"):
        out = ~np.isfinite(ll).all(axis=1) | (np.abs(ll[:, 0]) > 180) | (np.abs(ll[:, 1]) > 90)
    rows = np.flatnonzero(out) if len(ll) == len(xy) else np.zeros(0, dtype=int)
    x0, y0 = xy[rows[0]] if len(rows) else xy[0]
    return float(x0), float(y0)


def _reproject(geoms: np.ndarray, crs: CRS, keep: np.ndarray, report: Report) -> tuple[np.ndarray, np.ndarray]:
    """(geometries in EPSG:4326, mask of the kept ones whose coordinates are impossible for ``crs``, reported)."""
    if crs.is_geographic:
        bad = keep & _impossible(shapely.bounds(geoms))
        lonlat = geoms if crs.equals(CRS.from_epsg(4326)) else None
    else:
        bad = np.zeros(len(geoms), dtype=bool)
        lonlat = None
    if lonlat is None:
        lonlat = geoms.copy()
        ok = keep & ~bad
        lonlat[ok] = _to_lonlat(geoms[ok], crs)
        bad |= keep & _impossible(shapely.bounds(lonlat))
    for i in np.flatnonzero(bad):
        x0, y0 = _first_impossible(geoms[i], lonlat[i])
        report.add(
            "error",
            "impossible_coordinates",
            f"coordinates ({x0:.6g}, {y0:.6g}) are impossible for {crs.to_string()}; is the CRS right?",
            int(i) + 1,
            "geometry",
        )
    return lonlat, bad


def _outside(
    lonlat: np.ndarray, keep: np.ndarray, catalogue: Catalogue, opts: Options, report: Report
) -> tuple[np.ndarray, bool]:
    """(``keep`` without the features far outside the city, True when all of them are: usually a wrong CRS).

    Far means more than MARGIN_DEG (about 20 km) outside the city's lon/lat bbox. They are skipped with a
    warning, rejected (``--outside reject``) or kept (``--outside keep``).
    """
    minx, miny, maxx, maxy = catalogue.city.bbox
    b = shapely.bounds(lonlat)
    with np.errstate(invalid="ignore"):
        far = keep & (
            (b[:, 2] < minx - MARGIN_DEG[0])
            | (b[:, 0] > maxx + MARGIN_DEG[0])
            | (b[:, 3] < miny - MARGIN_DEG[1])
            | (b[:, 1] > maxy + MARGIN_DEG[1])
        )
    if opts.outside == "keep":
        return keep, False
    city = catalogue.city.names.en
    if far.any() and far.sum() == keep.sum():
        report.add(
            "error",
            "all_outside",
            f"all {int(far.sum())} features lie far outside {city} "
            f"(more than ~20 km from its bbox {list(catalogue.city.bbox)}); is the CRS right? "
            "(--outside keep imports them anyway)",
        )
        return keep & ~far, True
    level = "error" if opts.outside == "reject" else "warning"
    for i in np.flatnonzero(far):
        report.add(
            level,
            "outside_city",
            f"lies far outside {city}" + ("; skipped" if level == "warning" else " (rejected with --outside reject)"),
            int(i) + 1,
            "geometry",
        )
    report.skipped += int(far.sum()) if level == "warning" else 0
    return keep & ~far, False


def _repair(lonlat: np.ndarray, keep: np.ndarray, dim: int, opts: Options, report: Report) -> None:
    """Invalid geometries among the kept: repaired in place with make_valid (to dimension ``dim``), or
    dropped from ``keep`` with --strict; reported either way."""
    idx = np.flatnonzero(keep)
    invalid = idx[~shapely.is_valid(lonlat[idx])]
    if not len(invalid):
        return
    for i in invalid:
        reason = f"invalid geometry ({shapely.is_valid_reason(lonlat[i])}); "
        if opts.strict:
            report.add("error", "invalid_geometry", reason + "rejected with --strict", int(i) + 1, "geometry")
        else:
            report.add("warning", "repaired_geometry", reason + "repaired with make_valid", int(i) + 1, "geometry")
    if opts.strict:
        keep[invalid] = False
        return
    fixed = shapely.make_valid(lonlat[invalid])
    lonlat[invalid] = [_keep_dim(g, dim) for g in fixed]
    report.repaired += len(invalid)


def _wrong_kind(lonlat: np.ndarray, keep: np.ndarray, kinds: tuple[str, ...], layer_label: str, report: Report) -> None:
    """Kept geometries of a kind the layer does not take: reported as errors and dropped from ``keep``."""
    idx = np.flatnonzero(keep)
    wrong = idx[~np.isin(shapely.get_dimensions(lonlat[idx]), [DIMS[k] for k in kinds])]
    for i in wrong:
        got = KIND_WORDS.get(int(shapely.get_dimensions(lonlat[i])), "an unknown geometry")
        report.add(
            "error",
            "wrong_kind",
            f"is {got} ({shapely.get_type_id(lonlat[i]) and lonlat[i].geom_type}); "
            f"layer '{layer_label}' takes {' or '.join(kinds)} geometries",
            int(i) + 1,
            "geometry",
        )
    keep[wrong] = False


def check_geometry(
    frame: gpd.GeoDataFrame,
    declared: bool,
    fmt: str,
    kinds: tuple[str, ...],
    layer_label: str,
    catalogue: Catalogue,
    opts: Options,
    report: Report,
) -> tuple[np.ndarray, np.ndarray]:
    """(geometries in EPSG:4326 (lon/lat), mask of the features to keep); problems go into ``report``.

    The file's geometries are in its declared CRS (``declared``), else in ``opts.crs``. Checked in
    order: CRS, missing geometry, coordinates that are not numbers, too many vertices, coordinates
    impossible for the CRS, place (far outside the city),
    validity (repaired with make_valid unless --strict), kind (``kinds`` of point, line, polygon).
    """
    geoms = np.asarray(frame.geometry.values, dtype=object)
    crs = _source_crs(frame, declared, fmt, opts, report)
    if crs is None:
        return geoms, np.zeros(len(frame), dtype=bool)
    missing = _missing(geoms, opts, report)
    broken = _not_numbers(geoms, ~missing, report) | _too_many_vertices(geoms, ~missing, report)
    lonlat, bad = _reproject(geoms, crs, ~missing & ~broken, report)
    keep = ~missing & ~bad & ~broken
    if not keep.any():
        return lonlat, keep
    keep, all_far = _outside(lonlat, keep, catalogue, opts, report)
    if all_far:
        return lonlat, keep
    report.skipped += int(missing.sum()) if not opts.strict else 0
    _repair(lonlat, keep, max(DIMS[k] for k in kinds), opts, report)
    _wrong_kind(lonlat, keep, kinds, layer_label, report)
    return lonlat, keep
