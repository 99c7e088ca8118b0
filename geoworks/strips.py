"""Strip pieces: lon/lat segments in a local plane, cut into strips and keyed for one sort.

Used by :mod:`geoworks.network` (steps 2 and 3 of its definition). Coordinates are plane metres
(:class:`~geoworks.geodesy.LocalPlane`, affine in lon/lat); a segment is *flat* when
``|dy| <= FLAT_SLOPE * |dx|``, else *steep*; flat ones are cut at ``x = k * STRIP_M``, steep ones at
``y = k * STRIP_M``. Each piece lies in one strip, is an interval of the coordinate along it, and
gets a sort key (flat or steep, strip, crossing of the strip's centre line at a step of ``Q`` metres).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geoworks.geodesy import LocalPlane

TOLERANCE_M = 0.05  # stretches within 5 cm of each other (and near-parallel) run together
STRIP_M = 400.0  # width of the strips pieces are compared in, metres
FLAT_SLOPE = 1.0905  # flat below ~47.5°: off the diagonal, so that 45° lines sit well inside one class
Q = 0.005  # sort-key step across the strip, metres


class KeySpace:
    """Sort keys of pieces: (flat or steep, strip, crossing of the strip's centre line), one int64."""

    def __init__(self, plane: LocalPlane, bounds: np.ndarray):
        x0, y0 = plane.xy(bounds[0], bounds[1])
        x1, y1 = plane.xy(bounds[2], bounds[3])
        lo, hi = float(min(x0, y0)), float(max(x1, y1))
        reach = FLAT_SLOPE * STRIP_M
        self.plane = plane
        self.kmin = int(np.floor(lo / STRIP_M)) - 1
        self.nk = int(np.floor(hi / STRIP_M)) + 2 - self.kmin
        self.qmin = int(np.floor((lo - reach) / Q)) - 1
        self.radius = int(np.ceil(TOLERANCE_M / Q)) + 1
        self.nq = int(np.floor((hi + reach) / Q)) + 2 - self.qmin + self.radius  # + a gap between groups
        self.bits = int(2 * self.nk * self.nq).bit_length()
        if self.bits > 63:
            raise ValueError("lines spread too far for one measurement: measure them in parts")

    def pack(self, flat: np.ndarray, k: np.ndarray, cm: np.ndarray) -> np.ndarray:
        """The sort key of pieces (see the class docstring)."""
        group = k - self.kmin
        group += flat * self.nk
        group *= self.nq
        q = np.floor(cm * (1 / Q)).astype(np.int64)
        q += group - self.qmin
        return q


@dataclass
class Pieces:
    """Segments cut at strip edges: source row, sort key, strip, slope, crossing of the strip's
    centre line (``cm``), interval along the strip, and the along coordinates of the segment's ends."""

    src: np.ndarray
    key: np.ndarray
    k: np.ndarray
    slope: np.ndarray
    cm: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    s_a: np.ndarray
    s_b: np.ndarray


def strip_pieces(xa, ya, xb, yb, space: KeySpace, t0=None, t1=None) -> Pieces:
    """Cut segments a->b (plane metres; fractions t0..t1 of them when given) into strip pieces."""
    flat = np.abs(yb - ya) <= FLAT_SLOPE * np.abs(xb - xa)
    sa, sb = np.where(flat, xa, ya), np.where(flat, xb, yb)
    ca, cb = np.where(flat, ya, xa), np.where(flat, yb, xb)
    ds = sb - sa
    s0 = sa if t0 is None else np.where(t0 == 0, sa, sa + t0 * ds)
    s1 = sb if t1 is None else np.where(t1 == 1, sb, sa + t1 * ds)
    lo, hi = np.minimum(s0, s1), np.maximum(s0, s1)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (cb - ca) / ds
    k0 = np.floor(lo / STRIP_M)
    count = np.where(hi > lo, np.maximum(np.ceil(hi / STRIP_M) - k0, 1), 0).astype(np.int64)
    if (count == 1).all():
        src, k = np.arange(len(lo)), k0.astype(np.int64)
    else:  # one piece per strip a segment runs through; none for points
        src = np.repeat(np.arange(len(lo)), count)
        k = k0[src].astype(np.int64) + np.arange(len(src)) - np.repeat(np.cumsum(count) - count, count)
        flat, sa, sb, ca, lo, hi, slope = (v[src] for v in (flat, sa, sb, ca, lo, hi, slope))
    edge = k * STRIP_M
    cm = ca + (edge + STRIP_M / 2 - sa) * slope
    return Pieces(
        src, space.pack(flat, k, cm), k, slope, cm, np.maximum(lo, edge), np.minimum(hi, edge + STRIP_M), sa, sb
    )
