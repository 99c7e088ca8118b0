"""District borders as two-point segments: which lon/lat lines touch them, where they cross them,
and which district holds a point. Used by :mod:`geoworks.measure` and :mod:`geoworks.network`.

Everything here is lon/lat (EPSG:4326); nothing is measured.
"""
from __future__ import annotations

import numpy as np
import shapely
from shapely import STRtree


def border_segments(borders) -> tuple[STRtree | None, np.ndarray, np.ndarray]:
    """The border lines cut into two-point segments: (tree of them, start xy, end xy), lon/lat."""
    parts = shapely.get_parts(borders)
    pcoords, pidx = shapely.get_coordinates(parts, return_index=True)
    same = pidx[1:] == pidx[:-1]
    a, b = pcoords[:-1][same], pcoords[1:][same]
    if len(a) == 0:
        return None, a, b
    return STRtree(shapely.linestrings(np.stack([a, b], axis=1))), a, b


def near_borders(geoms: np.ndarray, a: np.ndarray, b: np.ndarray, cells: int = 512) -> np.ndarray:
    """Which geometries' bounding boxes meet a grid cell that a border segment passes through.

    A cheap, exact-in-one-direction filter: a geometry it rules out cannot touch a border.
    Uses a summed-area table of the border cells, one O(1) look-up per geometry.
    """
    lo = np.minimum(a, b).min(axis=0)
    hi = np.maximum(a, b).max(axis=0)
    size = max((hi - lo).max() / cells, 1e-9)
    shape = (int((hi[1] - lo[1]) / size) + 1, int((hi[0] - lo[0]) / size) + 1)
    mask = np.zeros(shape, dtype=np.int32)
    c0 = ((np.minimum(a, b) - lo) / size).astype(int)
    c1 = ((np.maximum(a, b) - lo) / size).astype(int)
    for (x0, y0), (x1, y1) in zip(c0, c1):
        mask[y0:y1 + 1, x0:x1 + 1] = 1
    table = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.int64)
    table[1:, 1:] = mask.cumsum(0).cumsum(1)
    bounds = shapely.bounds(geoms)
    gx0 = np.floor((bounds[:, 0] - lo[0]) / size)
    gy0 = np.floor((bounds[:, 1] - lo[1]) / size)
    gx1 = np.floor((bounds[:, 2] - lo[0]) / size)
    gy1 = np.floor((bounds[:, 3] - lo[1]) / size)
    inside = ~np.isnan(gx0) & (gx1 >= 0) & (gy1 >= 0) & (gx0 < shape[1]) & (gy0 < shape[0])
    x0 = np.clip(gx0, 0, shape[1] - 1).astype(int)
    y0 = np.clip(gy0, 0, shape[0] - 1).astype(int)
    x1 = np.clip(gx1, 0, shape[1] - 1).astype(int)
    y1 = np.clip(gy1, 0, shape[0] - 1).astype(int)
    count = table[y1 + 1, x1 + 1] - table[y0, x1 + 1] - table[y1 + 1, x0] + table[y0, x0]
    return inside & (count > 0)


def touching(geoms: np.ndarray, borders, tree: STRtree | None = None,
             a: np.ndarray | None = None, b: np.ndarray | None = None) -> np.ndarray:
    """Which geometries touch or cross a border line (tested against the border's own segments)."""
    if tree is None:
        tree, a, b = border_segments(borders)
    hit = np.zeros(len(geoms), dtype=bool)
    if tree is None or len(geoms) == 0:
        return hit
    near = np.flatnonzero(near_borders(geoms, a, b))
    if len(near):
        hit[near[np.unique(tree.query(geoms[near], predicate="intersects")[0])]] = True
    return hit


def assign_codes(polys: np.ndarray, x: np.ndarray, y: np.ndarray, on_border: bool = True) -> np.ndarray:
    """Index of the district holding each lon/lat point, else ``len(polys)`` (outside); with
    ``on_border``, a point on a border that no district contains goes to the first district touching it."""
    code = np.full(len(x), -1)
    tests = (shapely.contains_xy, shapely.intersects_xy) if on_border else (shapely.contains_xy,)
    for test in tests:
        for k, poly in enumerate(polys):
            free = np.flatnonzero(code < 0)
            if len(free) == 0:
                break
            code[free[test(poly, x[free], y[free])]] = k
    code[code < 0] = len(polys)
    return code


class Borders:
    """The borders of lon/lat district polygons, ready for many line tests."""

    def __init__(self, polys: np.ndarray):
        self.polys = np.asarray(polys, dtype=object)
        shapely.prepare(self.polys)
        if len(self.polys):
            self.tree, self.a, self.b = border_segments(shapely.boundary(self.polys))
        else:
            self.tree, self.a, self.b = None, np.empty((0, 2)), np.empty((0, 2))

    def touching(self, geoms: np.ndarray) -> np.ndarray:
        """Which lon/lat geometries touch or cross a border."""
        return touching(geoms, None, self.tree, self.a, self.b)

    def assign(self, x: np.ndarray, y: np.ndarray, on_border: bool = True) -> np.ndarray:
        """District index of each lon/lat point (``len(polys)`` = outside); see :func:`assign_codes`."""
        return assign_codes(self.polys, x, y, on_border)

    def crossings(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where lon/lat segments a->b cross a border segment: (segment index, fraction 0 < t < 1 along it)."""
        if self.tree is None or len(a) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        si, bi = self.tree.query(shapely.linestrings(np.stack([a, b], axis=1)), predicate="intersects")
        r, s_, qp = b[si] - a[si], self.b[bi] - self.a[bi], self.a[bi] - a[si]
        denom = r[:, 0] * s_[:, 1] - r[:, 1] * s_[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qp[:, 0] * s_[:, 1] - qp[:, 1] * s_[:, 0]) / denom
        ok = np.isfinite(t) & (t > 0) & (t < 1)
        return si[ok], t[ok]
