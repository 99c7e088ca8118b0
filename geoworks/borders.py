"""District borders as two-point segments: which lon/lat lines touch them, where they cross them,
and which district holds a point. Used by :mod:`geoworks.measure` and :mod:`geoworks.segments`.

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


class BorderGrid:
    """A lon/lat grid (``cells`` along the longer side of the borders' extent) over border
    segments: which cells a border passes through (a summed-area table, for O(1) tests of boxes)."""

    def __init__(self, a: np.ndarray, b: np.ndarray, cells: int = 512):
        self.lo = np.minimum(a, b).min(axis=0)
        hi = np.maximum(a, b).max(axis=0)
        self.size = max((hi - self.lo).max() / cells, 1e-9)
        self.shape = (int((hi[1] - self.lo[1]) / self.size) + 1, int((hi[0] - self.lo[0]) / self.size) + 1)
        mask = np.zeros(self.shape, dtype=np.int32)
        c0 = ((np.minimum(a, b) - self.lo) / self.size).astype(int)
        c1 = ((np.maximum(a, b) - self.lo) / self.size).astype(int)
        for (x0, y0), (x1, y1) in zip(c0, c1):
            mask[y0 : y1 + 1, x0 : x1 + 1] = 1
        self.mask = mask.astype(bool)
        self.table = np.zeros((self.shape[0] + 1, self.shape[1] + 1), dtype=np.int64)
        self.table[1:, 1:] = mask.cumsum(0).cumsum(1)

    def cells(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Column and row (floats; outside the grid when < 0 or >= its shape) of lon/lat points."""
        return np.floor((x - self.lo[0]) / self.size), np.floor((y - self.lo[1]) / self.size)

    def centres(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat centres of cells given by flat index (row * columns + column)."""
        rows, cols = np.divmod(flat, self.shape[1])
        return self.lo[0] + (cols + 0.5) * self.size, self.lo[1] + (rows + 0.5) * self.size

    def boxes(self, x0, y0, x1, y1) -> np.ndarray:
        """Which lon/lat boxes meet a border cell (exact in one direction: a box it rules out
        cannot touch a border)."""
        gx0, gy0 = self.cells(x0, y0)
        gx1, gy1 = self.cells(x1, y1)
        inside = ~np.isnan(gx0) & (gx1 >= 0) & (gy1 >= 0) & (gx0 < self.shape[1]) & (gy0 < self.shape[0])
        cx0 = np.clip(gx0, 0, self.shape[1] - 1).astype(int)
        cy0 = np.clip(gy0, 0, self.shape[0] - 1).astype(int)
        cx1 = np.clip(gx1, 0, self.shape[1] - 1).astype(int)
        cy1 = np.clip(gy1, 0, self.shape[0] - 1).astype(int)
        t = self.table
        count = t[cy1 + 1, cx1 + 1] - t[cy0, cx1 + 1] - t[cy1 + 1, cx0] + t[cy0, cx0]
        return inside & (count > 0)


def near_borders(geoms: np.ndarray, a: np.ndarray, b: np.ndarray, cells: int = 512) -> np.ndarray:
    """Which geometries' bounding boxes meet a grid cell that a border segment passes through."""
    return BorderGrid(a, b, cells).boxes(*shapely.bounds(geoms).T)


def touching(
    geoms: np.ndarray, borders, tree: STRtree | None = None, a: np.ndarray | None = None, b: np.ndarray | None = None
) -> np.ndarray:
    """Which geometries touch or cross a border line (tested against the border's own segments)."""
    if tree is None or a is None or b is None:
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
    """The borders of lon/lat district polygons, ready for many line tests (``cells``: resolution
    of the :class:`BorderGrid` that speeds them up; results do not depend on it)."""

    def __init__(self, polys: np.ndarray, cells: int = 512):
        self.polys = np.asarray(polys, dtype=object)
        shapely.prepare(self.polys)
        self.tree: STRtree | None = None
        self.a, self.b = np.empty((0, 2)), np.empty((0, 2))
        self.grid: BorderGrid | None = None
        if len(self.polys):
            self.tree, self.a, self.b = border_segments(shapely.boundary(self.polys))
        if self.tree is not None:
            # GEOS builds some indexes on first use: build them now, before passes share them across threads,
            # and the district of every grid cell, so that nothing shared is written during the passes
            self.tree.query(shapely.linestrings([self.a[0], self.b[0]]), predicate="intersects")
            for poly in self.polys:
                shapely.contains_xy(poly, self.a[:1, 0], self.a[:1, 1])
                shapely.intersects_xy(poly, self.a[:1, 0], self.a[:1, 1])
            self.grid = BorderGrid(self.a, self.b, cells)
            self.cell_code = self._cell_codes(self.grid)

    def _cell_codes(self, grid: BorderGrid) -> np.ndarray:
        """District of each grid cell no border passes through (-1 where one does), flat. A run of
        such cells along a row lies in one district: one point-in-polygon test per run."""
        mask = grid.mask
        starts = ~mask & np.concatenate([np.ones((mask.shape[0], 1), dtype=bool), mask[:, :-1]], axis=1)
        run = np.flatnonzero(starts.ravel())
        first = np.full(mask.shape, -1)
        first.ravel()[run] = run
        first = np.maximum.accumulate(np.where(mask, -1, first), axis=1)  # the run start of each free cell
        codes = np.full(mask.size, -1)
        x, y = grid.centres(run)
        codes[run] = assign_codes(self.polys, x, y, on_border=False)
        return np.where(mask.ravel(), -1, codes[np.maximum(first.ravel(), 0)])

    def assign(self, x: np.ndarray, y: np.ndarray, on_border: bool = True) -> np.ndarray:
        """District index of each lon/lat point (``len(polys)`` = outside); see :func:`assign_codes`.
        Points in a cell no border passes through take the cell's district."""
        if self.grid is None:
            return np.full(len(x), len(self.polys))
        gx, gy = self.grid.cells(x, y)
        inside = (gx >= 0) & (gy >= 0) & (gx < self.grid.shape[1]) & (gy < self.grid.shape[0])
        code = np.full(len(x), len(self.polys))  # a cell with no border lies in one district
        code[inside] = self.cell_code[gy[inside].astype(np.int64) * self.grid.shape[1] + gx[inside].astype(np.int64)]
        rest = np.flatnonzero(code < 0)
        if len(rest):
            code[rest] = assign_codes(self.polys, x[rest], y[rest], on_border)
        return code

    def crossings(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where lon/lat segments a->b cross a border segment: (segment index, fraction 0 < t < 1 along it)."""
        if self.tree is None or len(a) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        si, bi = self.tree.query(shapely.linestrings(np.stack([a, b], axis=1)))  # boxes that meet
        r, s_, qp = b[si] - a[si], self.b[bi] - self.a[bi], self.a[bi] - a[si]
        denom = r[:, 0] * s_[:, 1] - r[:, 1] * s_[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qp[:, 0] * s_[:, 1] - qp[:, 1] * s_[:, 0]) / denom  # along the segment
            u = (qp[:, 0] * r[:, 1] - qp[:, 1] * r[:, 0]) / denom  # along the border segment
        ok = np.isfinite(t) & (t > 0) & (t < 1) & (u >= 0) & (u <= 1)
        return si[ok], t[ok]
