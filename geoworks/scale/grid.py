"""Lon/lat rectangles that partition the plane, and lines cut exactly at their edges.

Network km is additive over such a partition (:func:`geoworks.network.network_by_district`): cut
the lines at the edges of lon/lat rectangles, measure each rectangle's lines with the same
districts and the same local plane, and the per-district sums equal the whole layer's (to ~1e-9).
This module does the cutting (``shapely.clip_by_rect``, which cuts a lon/lat segment at a point
lying on it) and needs no Dask: :mod:`geoworks.scale.engine` runs it per partition.

Everything here is in EPSG:4326 (degrees); lengths are geodesic metres on WGS84.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geoworks.geodesy import LocalPlane, geodesic_lengths_m, local_plane_for
from geoworks.network import OUTSIDE, network_by_district

WORLD = (-180.0, -90.0, 180.0, 90.0)
_LINE_TYPES = (1, 5)  # shapely GeometryType: LINESTRING, MULTILINESTRING
LOST_REL = 1e-6  # a cut line whose pieces measure more than this (relative) off its length lost a stretch


def rectangles(xs: Sequence[float], ys: Sequence[float]) -> list[tuple[float, float, float, float]]:
    """The rectangles between consecutive edges, the outermost ones reaching the ends of the world:
    (lon0, lat0, lon1, lat1) column by column. ``xs`` are longitudes, ``ys`` latitudes (degrees)."""
    ex = [WORLD[0], *sorted(set(xs)), WORLD[2]]
    ey = [WORLD[1], *sorted(set(ys)), WORLD[3]]
    return [(x0, y0, x1, y1) for x0, x1 in zip(ex[:-1], ex[1:]) for y0, y1 in zip(ey[:-1], ey[1:])]


@dataclass(frozen=True)
class Grid:
    """A regular-or-not grid of lon/lat rectangles covering the world: interior edges ``xs``
    (longitudes) and ``ys`` (latitudes), degrees. Cell ``i * (len(ys) + 1) + j`` lies between
    x edges i-1..i and y edges j-1..j (the outermost cells reach -180/180 and -90/90)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    @classmethod
    def over(cls, bounds: Sequence[float], cells: int) -> Grid:
        """About ``cells`` rectangles of similar size in metres over lon/lat ``bounds``
        (lon0, lat0, lon1, lat1): the districts' bounds; what lies beyond goes to the outer cells."""
        x0, y0, x1, y1 = (float(v) for v in bounds)
        aspect = max(x1 - x0, 1e-9) * np.cos(np.radians((y0 + y1) / 2)) / max(y1 - y0, 1e-9)
        nx = int(np.clip(round(np.sqrt(max(cells, 1) * aspect)), 1, max(cells, 1)))
        ny = max(1, round(max(cells, 1) / nx))
        return cls(tuple(np.linspace(x0, x1, nx + 1)[1:-1].tolist()), tuple(np.linspace(y0, y1, ny + 1)[1:-1].tolist()))

    @property
    def size(self) -> int:
        """The number of cells."""
        return (len(self.xs) + 1) * (len(self.ys) + 1)

    def rects(self) -> list[tuple[float, float, float, float]]:
        """Every cell's rectangle (lon0, lat0, lon1, lat1), in cell order."""
        return rectangles(self.xs, self.ys)

    def cells_of(self, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Column and row ranges of the cells that boxes (n, 4: lon0, lat0, lon1, lat1) meet:
        (first column, last column, first row, last row)."""
        xs, ys = np.asarray(self.xs), np.asarray(self.ys)
        return (
            np.searchsorted(xs, bounds[:, 0], side="right"),
            np.searchsorted(xs, bounds[:, 2], side="right"),
            np.searchsorted(ys, bounds[:, 1], side="right"),
            np.searchsorted(ys, bounds[:, 3], side="right"),
        )


def _lines_only(pieces: np.ndarray) -> np.ndarray:
    """Clipped pieces as lines or multilines; None for what has no length (points, empties)."""
    out = np.asarray(pieces, dtype=object).copy()
    other = ~np.isin(shapely.get_type_id(out), _LINE_TYPES)
    for i in np.flatnonzero(other):
        parts = shapely.get_parts(out[i])
        parts = parts[np.isin(shapely.get_type_id(parts), _LINE_TYPES)]
        out[i] = shapely.multilinestrings(shapely.get_parts(parts)) if len(parts) else None
    out[shapely.is_empty(out)] = None
    return out


def cut_at_grid(geoms: np.ndarray, grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut lon/lat lines at the grid's edges: (pieces, source index, cell), one piece per line and
    cell it runs through (a line inside one cell is its own piece). ValueError when a cut line's
    pieces do not add up to it: a stretch lying exactly along an edge, which clip_by_rect drops."""
    geoms = np.asarray(geoms, dtype=object)
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    c0, c1, r0, r1 = grid.cells_of(shapely.bounds(geoms[ok]))
    ny = len(grid.ys) + 1
    one = (c0 == c1) & (r0 == r1)
    src, cell, pieces = [ok[one]], [c0[one] * ny + r0[one]], [geoms[ok[one]]]
    many = np.flatnonzero(~one)
    if len(many):
        count = (c1[many] - c0[many] + 1) * (r1[many] - r0[many] + 1)
        line = np.repeat(many, count)
        k = np.arange(len(line)) - np.repeat(np.cumsum(count) - count, count)
        rows = r1[line] - r0[line] + 1
        ccell = (c0[line] + k // rows) * ny + (r0[line] + k % rows)
        rects, clipped = grid.rects(), np.empty(len(line), dtype=object)
        for c in np.unique(ccell):
            at = np.flatnonzero(ccell == c)
            clipped[at] = shapely.clip_by_rect(geoms[ok[line[at]]], *rects[c])
        clipped = _lines_only(clipped)
        keep = ~shapely.is_missing(clipped)
        _check_cut(geoms[ok[many]], clipped[keep], np.searchsorted(many, line[keep]))
        src.append(ok[line[keep]])
        cell.append(ccell[keep])
        pieces.append(clipped[keep])
    src_all = np.concatenate(src)
    order = np.argsort(src_all, kind="stable")
    return np.concatenate(pieces)[order], src_all[order], np.concatenate(cell).astype(np.int64)[order]


def _check_cut(lines: np.ndarray, pieces: np.ndarray, owner: np.ndarray) -> None:
    """ValueError when the pieces of cut lines do not measure what the lines measure."""
    whole = geodesic_lengths_m(lines)
    parts = np.bincount(owner, weights=geodesic_lengths_m(pieces), minlength=len(lines))
    bad = np.flatnonzero(np.abs(parts - whole) > LOST_REL * whole + 1e-6)
    if len(bad):
        i = bad[0]
        raise ValueError(
            f"a line runs along a partition edge ({whole[i]:.3f} m, its pieces {parts[i]:.3f} m): "
            "measure with another number of partitions, which moves the edges"
        )


def network_by_rectangles(
    geoms, slugs, polys, rects: Sequence[tuple[float, float, float, float]], plane: LocalPlane | None = None
) -> pd.Series:
    """Network metres (geodesic, WGS84) per district slug plus OUTSIDE, measured one lon/lat
    rectangle at a time (the lines clipped to it) and summed; ``plane`` defaults to the districts'."""
    total = pd.Series(0.0, index=pd.Index([*slugs, OUTSIDE], name="district"))
    plane = plane or local_plane_for(polys)
    for rect in rects:
        pieces = shapely.clip_by_rect(np.asarray(geoms, dtype=object), *rect)
        pieces = pieces[~shapely.is_empty(pieces)]
        if len(pieces):
            total += network_by_district(pieces, slugs, polys, plane)
    return total
