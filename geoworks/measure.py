"""Measuring per district: split at borders, geodesic km, shared stretches counted once.

Input geometries are lon/lat (EPSG:4326; see :mod:`geoworks.geodesy` for reprojection).
Lengths are geodesic metres on WGS84, areas geodesic m². Lines are measured by
:mod:`geoworks.network` (split at borders, network km with overlaps counted once);
polygons and points are split here.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from geoworks.borders import assign_codes, touching
from geoworks.geodesy import geodesic_areas_m2
from geoworks.network import OUTSIDE, measure_lines
from geoworks.overlaps import Stretches


class Measurement:
    """The result of measuring one set of features against districts.

    ``parts`` has one row per (feature, district): ``feature`` (the feature id), ``district``
    (slug or "outside"), ``length_m`` and ``area_m2``; for polygon and point layers also
    ``geometry`` (the clipped piece, lon/lat). ``network_m`` is the per-district length with
    every shared stretch counted once. The overlapping stretches are summarised per district by
    :meth:`overlap_summary`; the full list (``overlaps``) is built only when asked for, or
    streamed to a file by :meth:`write_overlaps`.
    """

    def __init__(
        self,
        parts: pd.DataFrame,
        network_m: dict[str, float] | None = None,
        stretches: Stretches | None = None,
        ids: np.ndarray | None = None,
        names: np.ndarray | None = None,
    ):
        self.parts = parts
        self.network_m = network_m or {}
        self.stretches = stretches if stretches is not None else Stretches.empty()
        self._ids = np.asarray(ids if ids is not None else [], dtype=object)
        self._names = np.asarray(names if names is not None else [OUTSIDE], dtype=object)

    def by_district(self) -> pd.DataFrame:
        """Per district: km (feature sum), network_km, features, area_m2."""
        p = self.parts
        if p.empty:
            agg = pd.DataFrame(columns=["length_m", "area_m2", "features"])
        else:
            agg = p.groupby("district").agg(
                length_m=("length_m", "sum"), area_m2=("area_m2", "sum"), features=("feature", "nunique")
            )
        agg["km"] = agg["length_m"] / 1000.0
        agg["network_km"] = [self.network_m.get(d, 0.0) / 1000.0 for d in agg.index]
        return agg[["km", "network_km", "features", "area_m2"]]

    @property
    def total_km(self) -> float:
        return float(self.parts["length_m"].sum() / 1000.0) if len(self.parts) else 0.0

    @property
    def network_km(self) -> float:
        return sum(self.network_m.values()) / 1000.0

    @property
    def outside_km(self) -> float:
        p = self.parts
        return float(p.loc[p["district"] == OUTSIDE, "length_m"].sum() / 1000.0) if len(p) else 0.0

    def features_behind(self, district: str | None = None) -> pd.DataFrame:
        """The feature ids and part lengths behind a district's total (or all)."""
        p = self.parts if district is None else self.parts[self.parts["district"] == district]
        return p[["feature", "district", "length_m", "area_m2"]].reset_index(drop=True)

    def overlap_summary(self) -> pd.DataFrame:
        """Per district: ``overlaps`` (pairs of features sharing a stretch there) and ``overlap_km``
        (geodesic km the feature sum counts more than once: ``km - network_km``)."""
        return self.stretches.summary(self._names)

    @cached_property
    def overlaps(self) -> pd.DataFrame:
        """Every pair of features sharing a stretch, per district: ``feature_a``, ``feature_b``,
        ``district``, ``length_m`` (geodesic m counted twice) and ``geometry`` (lon/lat); longest
        first. Built on first use; for large layers prefer :meth:`iter_overlaps` or :meth:`write_overlaps`."""
        return self.stretches.table(self._ids, self._names)

    def iter_overlaps(self, rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """The overlaps table in chunks of at most ``rows`` rows (see :attr:`overlaps`)."""
        return self.stretches.tables(self._ids, self._names, rows)

    def write_overlaps(self, path: str | Path) -> int:
        """Stream the overlaps table to a GeoJSON file (EPSG:4326); returns the number of rows."""
        return self.stretches.write_geojson(path, self._ids, self._names)


def _empty_parts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feature": pd.Series(dtype=object),
            "district": pd.Series(dtype=object),
            "length_m": pd.Series(dtype=float),
            "area_m2": pd.Series(dtype=float),
            "geometry": pd.Series(dtype=object),
        }
    )


def _inner_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A point of each geometry: its first vertex for lines and points, a point inside for polygons."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    first = np.searchsorted(idx, np.arange(len(geoms)))
    x, y = coords[first, 0], coords[first, 1]
    areal = np.flatnonzero(shapely.get_dimensions(geoms) == 2)
    if len(areal):
        pts = shapely.point_on_surface(geoms[areal])
        x[areal], y[areal] = shapely.get_x(pts), shapely.get_y(pts)
    return x, y


def _inputs(ids, geoms, slugs, polys) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arrays of the inputs, without missing or empty geometries (they measure nothing)."""
    ids, geoms = np.asarray(ids), np.asarray(geoms, dtype=object)
    ids = ids if ids.ndim == 1 and len(ids) == len(geoms) else np.asarray(list(ids), dtype=object)
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return ids[valid], geoms[valid], np.asarray(slugs, dtype=object), np.asarray(polys, dtype=object)


def _names(slugs: np.ndarray) -> np.ndarray:
    """District names by code: the slugs, then OUTSIDE."""
    return np.append(np.asarray(slugs, dtype=object), OUTSIDE)


def split_by_districts(ids: np.ndarray, geoms: np.ndarray, slugs: np.ndarray, polys: np.ndarray) -> pd.DataFrame:
    """Split lon/lat geometries at district borders.

    Returns one row per piece: feature id, district slug (or "outside"),
    geometry. Geometries that touch no border are kept whole.
    """
    ids, geoms, slugs, polys = _inputs(ids, geoms, slugs, polys)
    if len(geoms) == 0:
        return _empty_parts()
    if len(polys) == 0:
        return pd.DataFrame({"feature": ids, "district": OUTSIDE, "geometry": geoms})
    shapely.prepare(polys)
    hit = touching(geoms, shapely.boundary(polys))
    frames = []
    # whole features: one representative point decides the district
    whole = np.flatnonzero(~hit)
    if len(whole):
        x, y = _inner_xy(geoms[whole])
        frames.append(
            pd.DataFrame(
                {"feature": ids[whole], "district": _names(slugs)[assign_codes(polys, x, y)], "geometry": geoms[whole]}
            )
        )
    # features on a border: clip against each district, near the feature only
    cut = np.flatnonzero(hit)
    if len(cut):
        g = geoms[cut]
        pairs = STRtree(polys).query(g, predicate="intersects")
        b = shapely.bounds(g[pairs[0]])
        pad = 1e-3
        local = np.array(
            [
                shapely.clip_by_rect(polys[k], x0 - pad, y0 - pad, x1 + pad, y1 + pad)
                for k, (x0, y0, x1, y1) in zip(pairs[1], b)
            ],
            dtype=object,
        )
        inside = shapely.intersection(g[pairs[0]], local)
        frames.append(pd.DataFrame({"feature": ids[cut][pairs[0]], "district": slugs[pairs[1]], "geometry": inside}))
        # only features that cross the city's outer edge have a part outside every district
        city = shapely.union_all(polys)
        leaving = np.flatnonzero(touching(g, shapely.boundary(city)))
        if len(leaving):
            lb = shapely.bounds(g[leaving])
            near = [shapely.clip_by_rect(city, x0 - pad, y0 - pad, x1 + pad, y1 + pad) for x0, y0, x1, y1 in lb]
            rest = shapely.difference(g[leaving], np.asarray(near, dtype=object))
            frames.append(pd.DataFrame({"feature": ids[cut][leaving], "district": OUTSIDE, "geometry": rest}))
    parts = pd.concat(frames, ignore_index=True)
    keep = ~shapely.is_empty(parts["geometry"].to_numpy())
    return parts[keep].reset_index(drop=True)


def measure(ids, geoms, slugs, polys, kind: str = "line", overlaps: bool = True) -> Measurement:
    """Measure features (lon/lat) per district.

    ``kind`` is line, polygon or point. Lines get geodesic length per piece and, when
    ``overlaps``, a network length per district with every shared stretch counted once and the
    stretches behind it (without, ``network_m`` is the plain sum). Polygons get geodesic area
    per piece. Points are assigned whole.
    """
    if kind != "line":
        parts = split_by_districts(ids, geoms, slugs, polys)
        parts["length_m"] = 0.0
        parts["area_m2"] = geodesic_areas_m2(parts["geometry"].to_numpy()) if kind == "polygon" else 0.0
        return Measurement(parts)
    ids, geoms, slugs, polys = _inputs(ids, geoms, slugs, polys)
    lm = measure_lines(geoms, polys, overlaps=overlaps)
    names = _names(slugs)
    parts = pd.DataFrame({"feature": ids[lm.feat], "district": names[lm.code], "length_m": lm.length_m, "area_m2": 0.0})
    present = np.unique(lm.code)
    network = {names[c]: float(lm.network_m[c]) for c in present}
    return Measurement(parts, network, lm.stretches, ids, names)
