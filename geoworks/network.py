"""Network length per district: every stretch of line counted once, however often it was entered.

Input lines are lon/lat (EPSG:4326); lengths are geodesic metres on WGS84. The definition
(docs/measuring.md has pictures):

1. Lines are cut into straight segments, and segments at district borders
   (:mod:`geoworks.segments`); each sub-segment belongs to one district.
2. In a :class:`~geoworks.geodesy.LocalPlane` (metres, affine in lon/lat, so that lon/lat
   segments stay straight), a segment is *flat* when ``|dy| <= FLAT_SLOPE * |dx|``, else
   *steep*; flat ones are cut at ``x = k * STRIP_M``, steep ones at ``y = k * STRIP_M``. Each
   piece lies in one strip and is an interval of the coordinate along it (x for flat, y for steep).
3. Two pieces of the same strip lie *on one line* when their supporting lines cross the strip's
   centre line within TOLERANCE_M of each other and their slopes differ by at most ANGLE: they
   then stay within TOLERANCE_M + ANGLE * STRIP_M / 2 (7 cm) of each other across the whole
   strip. Lines that cross, or meet at a vertex, at an angle above ANGLE (0.006°) never lie on
   one line; a copy re-interpolated at other vertices does.
4. Pieces on one line (directly or through others) form a group; a stretch that lies under more
   than one piece of a group is an *overlap*, counted once, in the district of the piece that
   enters it again: ``network = feature sum - overlaps``, per district.

Candidates are found in O(n log n) whatever the overlaps: one sort of all pieces by (strip,
crossing of the strip's centre line), then a look at the next few pieces in that order. Only
the features with candidates are measured a second time in detail.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import shapely

from geoworks.borders import Borders
from geoworks.geodesy import LocalPlane, local_plane_for, segment_lengths_m
from geoworks.overlaps import Stretches
from geoworks.segments import at, cut_at_borders, lengths_per_district, read_lines
from geoworks.strips import TOLERANCE_M, KeySpace, Pieces, strip_pieces

OUTSIDE = "outside"  # the district code of what lies in no district
ANGLE = 1e-4  # largest slope difference of stretches that run together (0.003-0.006°)
_WINDOW = 4  # how many following pieces (in key order) each piece is compared with
_CHUNK = 10_000  # features per pass: small arrays (fast, cache-sized), bounded memory
_WORKERS = min(2, os.cpu_count() or 1)  # passes run side by side (numpy and GEOS release the GIL)


@dataclass
class _Detail:
    """Strip pieces with what the overlap sweep needs of them: the interval along the strip
    (``lo``..``hi``), the along coordinates of the segment's ends (``s_a``, ``s_b``) and its lon/lat
    ends (``a``, ``b``), feature (layer index), district code and run; and per run (pieces that
    continue one another on one line) its sort key, slope and centre-line crossing."""

    lo: np.ndarray
    hi: np.ndarray
    s_a: np.ndarray
    s_b: np.ndarray
    a: np.ndarray
    b: np.ndarray
    feat: np.ndarray
    code: np.ndarray
    run: np.ndarray
    run_key: np.ndarray
    run_slope: np.ndarray
    run_cm: np.ndarray


def _runs(p: Pieces, seg: np.ndarray, part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of consecutive pieces that continue one another on one line (one segment cut at a
    border, or consecutive segments of a part; same key, slopes within ANGLE, same direction: a
    line folding back on itself is no run): (first piece, last piece) of each run."""
    if len(seg) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    forward = p.s_b > p.s_a
    step = seg[1:] - seg[:-1]
    cont = (
        ((step == 0) | (step == 1))
        & (part[seg[1:]] == part[seg[:-1]])
        & (p.key[1:] == p.key[:-1])
        & (np.abs(p.slope[1:] - p.slope[:-1]) <= ANGLE)
        & (forward[1:] == forward[:-1])
    )
    first = np.flatnonzero(np.concatenate([[True], ~cont]))
    return first, np.append(first[1:], len(seg)) - 1


def _pass(geoms: np.ndarray, engine: _Engine, f0: int, detail: bool = False):
    """Cut a chunk of lines at district borders and into strip pieces, a straight run of segments
    being one piece. Returns (metres per feature and district, (sort keys, slopes as float32,
    features) of the pieces), or with ``detail`` a _Detail of the pieces."""
    lines = read_lines(geoms, engine.borders)
    cut = cut_at_borders(lines, engine.borders)
    rows = None if detail else lengths_per_district(lines, cut, f0)
    if engine.space is None:
        return rows, None
    plane = engine.space.plane
    x, y = plane.xy(lines.lon, lines.lat)
    w = np.flatnonzero(lines.valid & ~lines.cut)
    pw = strip_pieces(x[w], y[w], x[w + 1], y[w + 1], engine.space)
    del x, y
    (ax, ay), (bx, by) = plane.xy(cut.a[:, 0], cut.a[:, 1]), plane.xy(cut.b[:, 0], cut.b[:, 1])
    pc = strip_pieces(ax, ay, bx, by, engine.space, cut.t0, cut.t1)
    pc.src += len(w)  # one numbering for both: whole segments, then border-cut ones
    p = Pieces(*(np.concatenate([getattr(pw, f.name), getattr(pc, f.name)]) for f in fields(Pieces)))
    seg = np.concatenate([w, cut.seg])[p.src]
    nw = len(pw.key)
    (fw, lw), (fc, lc) = _runs(pw, seg[:nw], lines.part), _runs(pc, seg[nw:], lines.part)
    first, last = np.concatenate([fw, fc + nw]), np.concatenate([lw, lc + nw])
    feat = lines.owner[lines.part[seg]].astype(np.int64) + f0
    if not detail:
        return rows, (p.key[first], p.slope[first].astype(np.float32), feat[first].astype(np.int32)
                      if f0 + len(geoms) < 2**31 else feat[first])  # fmt: skip
    code = np.concatenate([lines.code[w], cut.code])[p.src].astype(np.int32)
    return _Detail(
        p.lo, p.hi, p.s_a, p.s_b, np.column_stack([lines.lon[seg], lines.lat[seg]]),
        np.column_stack([lines.lon[seg + 1], lines.lat[seg + 1]]), (feat - f0).astype(np.int32), code,
        np.repeat(np.arange(len(first)), last - first + 1), p.key[first], p.slope[first], p.cm[first],
    )  # fmt: skip


def _sorted_keys(keys: list[np.ndarray], space: KeySpace) -> tuple[np.ndarray, int]:
    """All pieces' sort keys, sorted, each with its piece index in the low ``shift`` bits (when
    they fit, else the index alone after an argsort): (array, shift)."""
    n = sum(len(k) for k in keys)
    shift = max(int(n).bit_length(), 1)
    if space.bits + shift > 63:
        key = np.concatenate(keys)
        keys.clear()
        order = np.argsort(key)
        return np.stack([key[order], order], axis=1), 0
    comb, o = np.empty(n, dtype=np.int64), 0
    while keys:  # chunk by chunk, each freed once copied: never all keys twice
        k = keys.pop(0)
        np.left_shift(k, shift, out=comb[o : o + len(k)])
        comb[o : o + len(k)] |= np.arange(o, o + len(k), dtype=np.int64)
        o += len(k)
    comb.sort()
    return comb, shift


def _close_pairs(keys: list[np.ndarray], slope: np.ndarray, space: KeySpace) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of pieces, j among the next _WINDOW after i in key order, whose keys and
    slopes are close enough for them to lie on one line: one sort, then linear passes in blocks.
    Pieces with equal keys are ordered by slope, so that two lines through one point sit apart."""
    comb, shift = _sorted_keys(keys, space)
    if shift:
        key_at, piece_at = (lambda p: comb[p] >> shift), (lambda p: comb[p] & ((1 << shift) - 1))
    else:
        key_at, piece_at = (lambda p: comb[p, 0]), (lambda p: comb[p, 1])
    n, block, none = len(comb), 1 << 20, np.empty(0, dtype=np.int64)
    blocks = [(b, min(b + block, n - 1)) for b in range(0, max(n - 1, 0), block)]
    same = np.concatenate([none] + [b + np.flatnonzero(key_at(slice(b + 1, e + 1)) == key_at(slice(b, e)))
                                    for b, e in blocks])  # fmt: skip
    if len(same):  # runs of equal keys, by slope
        # ``same`` rises strictly: its runs of consecutive positions are the runs of equal keys
        gap = same[1:] - same[:-1] != 1
        run_start = same[np.concatenate([[True], gap])]
        members = np.sort(np.concatenate([same, same[np.concatenate([gap, [True]])] + 1]))
        run = np.searchsorted(run_start, members, side="right")
        comb[members] = comb[members[np.lexsort((slope[piece_at(members)], run))]]
    first, second = [none], [none]
    for b, e in blocks:  # in blocks: small temporaries
        pos = b + np.flatnonzero(key_at(slice(b + 1, e + 1)) - key_at(slice(b, e)) <= space.radius)
        for j in range(1, _WINDOW + 1):  # a piece with no close next one has no close later one
            p = pos[pos + j < n]
            p = p[key_at(p + j) - key_at(p) <= space.radius]
            i1, i2 = piece_at(p), piece_at(p + j)
            keep = np.abs(slope[i1] - slope[i2]) <= ANGLE
            first.append(i1[keep])
            second.append(i2[keep])
    return np.concatenate(first), np.concatenate(second)


def _links(d: _Detail, space: KeySpace) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of runs on one line (the test of the module docstring, step 3)."""
    i, j = _close_pairs([d.run_key.copy()], d.run_slope, space)
    same = d.run_key[i] // space.nq == d.run_key[j] // space.nq
    ok = same & (np.abs(d.run_cm[i] - d.run_cm[j]) <= TOLERANCE_M)
    return i[ok], j[ok]


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected components of n pieces linked by pairs (i, j): the smallest piece index in each."""
    label = np.arange(n)
    while True:
        low = np.minimum(label[i], label[j])
        new = label.copy()
        np.minimum.at(new, i, low)
        np.minimum.at(new, j, low)
        new = new[new]
        if np.array_equal(new, label):
            return label
        label = new


def _sweep(group: np.ndarray, lo: np.ndarray, hi: np.ndarray, feat: np.ndarray) -> tuple[np.ndarray, ...]:
    """Interval unions per group: for each piece, the stretch already under an earlier one.

    Pieces are sorted by group, start, longest first, then feature. Returns (piece, covering
    piece, start, end) of every covered stretch, in plane metres along the strip.
    """
    n = len(lo)
    order = np.lexsort((feat, -hi, lo, group))
    g, lo, hi = group[order], lo[order], hi[order]
    start = np.ones(n, dtype=bool)
    start[1:] = g[1:] != g[:-1]
    reach = pd.Series(hi).groupby(np.cumsum(start)).cummax().to_numpy()
    prev = np.full(n, -np.inf)
    prev[1:] = reach[:-1]
    prev[start] = -np.inf
    leader = np.maximum.accumulate(np.where(start | (hi > prev), np.arange(n), 0))
    end = np.minimum(hi, prev)
    covered = np.flatnonzero(end > lo)
    return order[covered], order[leader[covered - 1]], lo[covered], end[covered]


def _concat(details: list[_Detail]) -> _Detail:
    """The details of several passes as one (run indices offset), each chunk's arrays freed as soon
    as they are copied: never two copies of every piece at once."""
    offsets = np.cumsum([0] + [len(x.run_key) for x in details[:-1]])
    for x, o in zip(details, offsets):
        x.run = x.run + o
    out = {}
    for f in fields(_Detail):
        out[f.name] = np.concatenate([getattr(x, f.name) for x in details])
        for x in details:
            setattr(x, f.name, None)
    details.clear()
    return _Detail(**out)


_BANDS = 32  # the strips are swept in this many bands: the sweep's temporaries stay small


def _bands(d: _Detail, space: KeySpace) -> list[_Detail]:
    """A chunk's detail split into _BANDS bands of whole strips (pieces of different strips never
    run together), each with its own run numbering."""
    band = (d.run_key // space.nq) * _BANDS // (2 * space.nk)
    runs = np.argsort(band, kind="stable")
    local = np.empty_like(runs)
    rb = np.searchsorted(band[runs], np.arange(_BANDS + 1))
    for k in range(_BANDS):
        local[runs[rb[k] : rb[k + 1]]] = np.arange(rb[k + 1] - rb[k])
    pieces = np.argsort(band[d.run], kind="stable")
    pb = np.searchsorted(band[d.run][pieces], np.arange(_BANDS + 1))
    out = []
    for k in range(_BANDS):
        r, p = runs[rb[k] : rb[k + 1]], pieces[pb[k] : pb[k + 1]]
        out.append(
            _Detail(
                d.lo[p],
                d.hi[p],
                d.s_a[p],
                d.s_b[p],
                d.a[p],
                d.b[p],
                d.feat[p],
                d.code[p],
                local[d.run[p]],
                d.run_key[r],
                d.run_slope[r],
                d.run_cm[r],
            )  # fmt: skip
        )
    return out


def _stretches(banded: list[list[_Detail]], space: KeySpace) -> Stretches:
    """The overlapping stretches among the detailed pieces (per chunk, per band), with lon/lat ends
    and geodesic metres; band by band, each band's pieces freed once swept."""
    found = []
    for k in range(_BANDS):
        parts = [chunk[k] for chunk in banded]
        for chunk in banded:
            chunk[k] = None  # type: ignore[call-overload]
        found.append(_stretches_of(_concat(parts), space))
    return Stretches.concat(found)


def _stretches_of(d: _Detail, space: KeySpace) -> Stretches:
    """The overlapping stretches among the pieces of ``d`` (whole strips)."""
    i, j = _links(d, space)
    if len(i) == 0:
        return Stretches.empty()
    group = _components(len(d.run_key), i, j)[d.run]
    linked = np.flatnonzero(np.bincount(group, minlength=len(group))[group] > 1)
    piece, cover, s0, s1 = _sweep(group[linked], d.lo[linked], d.hi[linked], d.feat[linked])
    piece, cover = linked[piece], linked[cover]
    span = d.s_b[piece] - d.s_a[piece]
    p = at(d.a[piece], d.b[piece], (s0 - d.s_a[piece]) / span)
    q = at(d.a[piece], d.b[piece], (s1 - d.s_a[piece]) / span)
    fa, fb = d.feat[cover].astype(np.int64), d.feat[piece].astype(np.int64)
    length = segment_lengths_m(p[:, 0], p[:, 1], q[:, 0], q[:, 1])
    return Stretches(np.minimum(fa, fb), np.maximum(fa, fb), d.code[piece], length, p, q)


@dataclass
class LineMeasure:
    """Lines measured per district: geodesic metres per (feature index, district code), network
    metres per district code (``len(polys)`` = outside) and the overlapping stretches."""

    feat: np.ndarray
    code: np.ndarray
    length_m: np.ndarray
    network_m: np.ndarray
    stretches: Stretches


class _Engine:
    """What every pass over a layer shares: the districts' borders, the plane and the key space."""

    def __init__(self, geoms: np.ndarray, polys: np.ndarray, plane: LocalPlane | None, overlaps: bool):
        self.borders = Borders(polys, cells=int(np.clip(2 * np.sqrt(len(geoms)), 16, 1024)))
        self.space = None
        if overlaps and len(geoms):
            plane = plane or local_plane_for(polys if len(polys) else geoms)
            self.space = KeySpace(plane, shapely.total_bounds(geoms))


def _trim() -> None:
    """Hand memory freed by the passes back to the system (glibc keeps it, per thread, otherwise)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _candidates(engine: _Engine, geoms: np.ndarray) -> tuple[list, np.ndarray]:
    """First pass, chunk by chunk: metres per (feature, district), and the features with pieces
    that may run together with another piece."""
    starts = range(0, len(geoms), _CHUNK)
    out: list[tuple] = []
    with ThreadPoolExecutor(_WORKERS) as pool:
        for batch in range(0, len(starts), 16):  # memory the passes freed goes back every 16 chunks
            out += pool.map(lambda f0: _pass(geoms[f0 : f0 + _CHUNK], engine, f0), starts[batch : batch + 16])
            _trim()
    rows = [o[0] for o in out]
    if engine.space is None or not out:
        return rows, np.empty(0, dtype=np.int64)
    keys = [o[1][0] for o in out]
    slope = np.concatenate([o[1][1] for o in out])
    feat = np.concatenate([o[1][2] for o in out])
    del out
    _trim()
    i, j = _close_pairs(keys, slope, engine.space)
    involved = np.zeros(len(geoms), dtype=bool)
    involved[feat[i]] = involved[feat[j]] = True
    return rows, np.flatnonzero(involved)


def _details(engine: _Engine, geoms: np.ndarray, involved: np.ndarray) -> list[list[_Detail]]:
    """Second pass, over the features with candidates only: their pieces in detail, per band."""

    def one(i: int) -> list[_Detail]:
        idx = involved[i : i + _CHUNK]
        d = _pass(geoms[idx], engine, 0, detail=True)
        d.feat = idx[d.feat].astype(np.int32 if len(geoms) < 2**31 else np.int64)
        assert engine.space is not None  # features with candidates: only when overlaps are searched
        return _bands(d, engine.space)

    with ThreadPoolExecutor(_WORKERS) as pool:
        return list(pool.map(one, range(0, len(involved), _CHUNK)))


def measure_lines(geoms, polys, plane: LocalPlane | None = None, overlaps: bool = True) -> LineMeasure:
    """Measure lon/lat lines per lon/lat district polygon (see the module docstring).

    Returns geodesic metres per (feature, district) and, with ``overlaps``, network metres per
    district with every shared stretch counted once and the stretches behind them (without, the
    network is the feature sum). ``plane`` defaults to the districts' (:func:`local_plane_for`).
    """
    geoms, polys = np.asarray(geoms, dtype=object), np.asarray(polys, dtype=object)
    engine, nc = _Engine(geoms, polys, plane, overlaps), len(polys) + 1
    rows, involved = _candidates(engine, geoms)
    rows = rows or [(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0))]
    feat, code, length = (np.concatenate(c) for c in zip(*rows))
    network = np.bincount(code, weights=length, minlength=nc)
    details = _details(engine, geoms, involved)
    stretches = _stretches(details, engine.space) if details and engine.space else Stretches.empty()
    network -= np.bincount(stretches.code, weights=stretches.length_m, minlength=nc)
    return LineMeasure(feat, code, length, network, stretches)


def network_by_district(geoms, slugs, polys, plane: LocalPlane | None = None) -> pd.Series:
    """Network metres (geodesic, WGS84) of lon/lat lines per district slug, plus OUTSIDE.

    Additive over a spatial partition: cut the lines at the edges of any lon/lat rectangles,
    measure each rectangle's lines with the same districts, and the sums per district equal the
    whole layer's (to ~1e-9). ``plane`` defaults to the districts' own, the same for every part.
    """
    lm = measure_lines(geoms, polys, plane)
    names = np.append(np.asarray(slugs, dtype=object), OUTSIDE)
    return pd.Series(lm.network_m, index=pd.Index(names, name="district"), name="network_m")
