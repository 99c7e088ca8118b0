"""Lon/lat lines as straight segments, cut at district borders and measured geodesically.

Used by :mod:`geoworks.network`. Coordinates are lon/lat (EPSG:4326); lengths are geodesic
metres on WGS84 (:func:`geoworks.geodesy.segment_lengths_m`). A part far from every border goes
whole to the district of its first vertex; near a border, segments that may meet it are cut at
their exact crossings with the border segments, and each piece goes to the district holding its
midpoint (a stretch running along a shared border goes to one district).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geoworks.borders import Borders
from geoworks.geodesy import segment_lengths_m

_LINES = (1, 2)  # shapely type ids: LineString, LinearRing


@dataclass
class Lines:
    """Lon/lat lines as vertices: segment j runs from vertex j to j + 1 where ``valid[j]``."""

    lon: np.ndarray
    lat: np.ndarray
    part: np.ndarray  # line part of each vertex
    owner: np.ndarray  # feature index (within the chunk) of each part
    valid: np.ndarray  # (vertices - 1,) vertex j and j + 1 belong to one part
    cut: np.ndarray  # (vertices - 1,) segment j may meet a border: to cut at its crossings
    code: np.ndarray  # (vertices - 1,) district code of segment j when it is not cut
    near: np.ndarray  # (parts,) the part may meet a border


def read_lines(geoms: np.ndarray, borders: Borders) -> Lines:
    """Lon/lat lines and multilines as vertex arrays (other geometry types measure nothing).

    A part whose bounding box meets no border cell (:class:`~geoworks.borders.BorderGrid`) lies
    in the district of its first vertex; in the others, each segment whose own box meets no
    border cell lies in the district of its midpoint, and the rest are to be cut at the borders.
    """
    geoms = np.asarray(geoms, dtype=object)
    if np.isin(shapely.get_type_id(geoms), _LINES).all():
        parts, owner = geoms, np.arange(len(geoms))
    else:
        parts, owner = shapely.get_parts(geoms, return_index=True)
        keep = np.isin(shapely.get_type_id(parts), _LINES)
        parts, owner = parts[keep], owner[keep]
    filled = shapely.get_num_coordinates(parts) > 0
    if not filled.all():
        parts, owner = parts[filled], owner[filled]
    coords, pidx = shapely.get_coordinates(parts, return_index=True)
    lon, lat = coords[:, 0], coords[:, 1]
    first = np.searchsorted(pidx, np.arange(len(parts)))
    valid = pidx[1:] == pidx[:-1]
    code = borders.assign(lon[first], lat[first], on_border=False)[pidx[:-1]]
    if borders.grid is None or len(coords) == 0:
        return Lines(
            lon, lat, pidx, owner, valid, np.zeros(len(valid), dtype=bool), code, np.zeros(len(parts), dtype=bool)
        )
    near = borders.grid.boxes(
        np.minimum.reduceat(lon, first),
        np.minimum.reduceat(lat, first),
        np.maximum.reduceat(lon, first),
        np.maximum.reduceat(lat, first),
    )
    seg = np.flatnonzero(valid & near[pidx[:-1]])  # segments of parts near a border
    x0, x1 = np.minimum(lon[seg], lon[seg + 1]), np.maximum(lon[seg], lon[seg + 1])
    y0, y1 = np.minimum(lat[seg], lat[seg + 1]), np.maximum(lat[seg], lat[seg + 1])
    cut = np.zeros(len(valid), dtype=bool)
    cut[seg] = borders.grid.boxes(x0, y0, x1, y1)
    free = seg[~cut[seg]]
    code[free] = borders.assign((lon[free] + lon[free + 1]) / 2, (lat[free] + lat[free + 1]) / 2, on_border=False)
    return Lines(lon, lat, pidx, owner, valid, cut, code, near)


@dataclass
class Cut:
    """Sub-segments of the segments that touch a border: fractions t0..t1 of segment ``seg``
    (vertex index), lon/lat ends ``a``, ``b`` of that segment, district code, geodesic metres."""

    seg: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    a: np.ndarray
    b: np.ndarray
    code: np.ndarray
    length_m: np.ndarray


def cut_at_borders(lines: Lines, borders: Borders) -> Cut:
    """The segments that may meet a border, cut at their exact crossings with it (lon/lat)."""
    cut = np.flatnonzero(lines.cut)
    a = np.column_stack([lines.lon[cut], lines.lat[cut]])
    b = np.column_stack([lines.lon[cut + 1], lines.lat[cut + 1]])
    si, t = borders.crossings(a, b)
    n = len(cut)
    s = np.concatenate([np.arange(n), np.arange(n), si])
    ts = np.concatenate([np.zeros(n), np.ones(n), t])
    order = np.lexsort((ts, s))
    s, ts = s[order], ts[order]
    nxt = (s[1:] == s[:-1]) & (ts[1:] > ts[:-1])
    k, t0, t1 = s[:-1][nxt], ts[:-1][nxt], ts[1:][nxt]
    a, b = a[k], b[k]
    p, q = at(a, b, t0), at(a, b, t1)
    mid = (p + q) / 2
    return Cut(
        cut[k],
        t0,
        t1,
        a,
        b,
        borders.assign(mid[:, 0], mid[:, 1]),
        segment_lengths_m(p[:, 0], p[:, 1], q[:, 0], q[:, 1]),
    )


def at(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points at fractions ``t`` of lon/lat segments a->b (interpolated as geoworks cuts lines)."""
    out = np.where((t == 1)[:, None], b, a)
    inner = np.flatnonzero((t != 0) & (t != 1))
    out[inner] = a[inner] + (b[inner] - a[inner]) * t[inner, None]
    return out


def lengths_per_district(lines: Lines, cut: Cut, f0: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geodesic metres per (feature, district code): (feature index + ``f0``, code, metres)."""
    whole = np.flatnonzero(lines.valid & ~lines.cut)
    dist = segment_lengths_m(lines.lon[whole], lines.lat[whole], lines.lon[whole + 1], lines.lat[whole + 1])
    near = lines.near[lines.part[whole]]
    far_part = lines.part[whole[~near]]
    per_part = np.bincount(far_part, weights=dist[~near], minlength=len(lines.near))
    parts = np.flatnonzero(np.bincount(far_part, minlength=len(lines.near)))
    first = np.searchsorted(lines.part, parts)  # a part far from borders: one code, its first segment's
    feat = np.concatenate(
        [lines.owner[parts], lines.owner[lines.part[whole[near]]], lines.owner[lines.part[cut.seg]]]
    ).astype(np.int64)
    code = np.concatenate([lines.code[first], lines.code[whole[near]], cut.code])
    metres = np.concatenate([per_part[parts], dist[near], cut.length_m])
    if len(feat) == len(parts) and (len(feat) < 2 or (feat[1:] > feat[:-1]).all()):
        return feat + f0, code, metres
    key = feat * (int(code.max(initial=0)) + 1) + code
    codes, uniq = pd.factorize(key, sort=True)
    pick = np.empty(len(uniq), dtype=np.int64)
    pick[codes[::-1]] = np.arange(len(codes))[::-1]
    return feat[pick] + f0, code[pick], np.bincount(codes, weights=metres, minlength=len(uniq))
