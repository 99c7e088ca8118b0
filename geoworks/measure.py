"""Measuring per district: split at borders, geodesic km, overlaps counted once.

Input geometries are lon/lat (EPSG:4326; see :mod:`geoworks.geodesy` for
reprojection). Almost every line lies inside one district, so only the lines
that touch a district border are clipped; the rest are assigned with one
point-in-polygon test. Lengths are geodesic metres on WGS84.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from geoworks.geodesy import geodesic_areas_m2, geodesic_lengths_m, segment_lengths_m

OUTSIDE = "outside"
TOLERANCE = 5e-6  # degrees (~0.4-0.55 m): lines closer than this run along the same stretch
MIN_OVERLAP_M = 2.0  # a shared stretch shorter than this is a crossing or a junction, not a duplicate


@dataclass
class Measurement:
    """The result of measuring one set of features against districts.

    ``parts`` has one row per (feature, district): ``feature`` (the feature
    id), ``district`` (slug or "outside"), ``length_m`` and ``area_m2``; for
    polygon and point layers also ``geometry`` (the clipped piece, lon/lat).
    ``overlaps`` lists pairs of features sharing a stretch: ``feature_a``,
    ``feature_b``, ``length_m``, ``geometry``.
    ``network_m`` is the per-district length with overlaps counted once.
    """

    parts: pd.DataFrame
    overlaps: pd.DataFrame
    network_m: dict[str, float] = field(default_factory=dict)

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


def _empty_parts() -> pd.DataFrame:
    return pd.DataFrame({"feature": pd.Series(dtype=object), "district": pd.Series(dtype=object),
                         "length_m": pd.Series(dtype=float), "area_m2": pd.Series(dtype=float),
                         "geometry": pd.Series(dtype=object)})


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


def _border_segments(borders) -> tuple[STRtree | None, np.ndarray, np.ndarray]:
    """The border lines cut into two-point segments: (tree of them, start xy, end xy)."""
    parts = shapely.get_parts(borders)
    pcoords, pidx = shapely.get_coordinates(parts, return_index=True)
    same = pidx[1:] == pidx[:-1]
    a, b = pcoords[:-1][same], pcoords[1:][same]
    if len(a) == 0:
        return None, a, b
    return STRtree(shapely.linestrings(np.stack([a, b], axis=1))), a, b


def _near_borders(geoms: np.ndarray, a: np.ndarray, b: np.ndarray, cells: int = 512) -> np.ndarray:
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


def _touching(geoms: np.ndarray, borders, tree: STRtree | None = None,
              a: np.ndarray | None = None, b: np.ndarray | None = None) -> np.ndarray:
    """Which geometries touch or cross a border line (tested against the border's own segments)."""
    if tree is None:
        tree, a, b = _border_segments(borders)
    touching = np.zeros(len(geoms), dtype=bool)
    if tree is None or len(geoms) == 0:
        return touching
    near = np.flatnonzero(_near_borders(geoms, a, b))
    if len(near):
        touching[near[np.unique(tree.query(geoms[near], predicate="intersects")[0])]] = True
    return touching


def _assign(slugs, polys, x: np.ndarray, y: np.ndarray, on_border: bool = True) -> np.ndarray:
    """The district holding each point, else OUTSIDE; with ``on_border``, points on a border
    that no district contains go to the first district touching them."""
    code = np.full(len(x), -1)
    tests = (shapely.contains_xy, shapely.intersects_xy) if on_border else (shapely.contains_xy,)
    for test in tests:
        for k, poly in enumerate(polys):
            free = np.flatnonzero(code < 0)
            if len(free) == 0:
                break
            code[free[test(poly, x[free], y[free])]] = k
    names = np.append(np.asarray(slugs, dtype=object), OUTSIDE)
    return names[code]  # code -1 picks the last name: OUTSIDE


def _inputs(ids, geoms, slugs, polys) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Object arrays of the inputs, without missing or empty geometries (they measure nothing)."""
    ids, geoms = np.asarray(ids, dtype=object), np.asarray(geoms, dtype=object)
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return ids[valid], geoms[valid], np.asarray(slugs, dtype=object), np.asarray(polys, dtype=object)


def split_line_lengths(ids, geoms, slugs, polys) -> pd.DataFrame:
    """Geodesic metres per (feature, district) of lon/lat lines, without building the pieces.

    Lines that touch no border are measured whole. The others are cut at their exact
    crossings with the border segments, and each sub-segment goes to the district that
    holds its midpoint (a stretch running along a shared border goes to one district).
    """
    ids, geoms, slugs, polys = _inputs(ids, geoms, slugs, polys)
    cols = ["feature", "district", "length_m"]
    if len(geoms) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "length_m" else object) for c in cols})
    if len(polys) == 0:
        return pd.DataFrame({"feature": ids, "district": OUTSIDE, "length_m": geodesic_lengths_m(geoms)})
    shapely.prepare(polys)
    tree, b0, b1 = _border_segments(shapely.boundary(polys))
    touching = _touching(geoms, None, tree, b0, b1)
    whole = np.flatnonzero(~touching)
    x, y = _inner_xy(geoms[whole])
    frames = [pd.DataFrame({"feature": ids[whole], "district": _assign(slugs, polys, x, y, on_border=False),
                            "length_m": geodesic_lengths_m(geoms[whole])})]
    cut = np.flatnonzero(touching)
    if len(cut):
        parts, owner = shapely.get_parts(geoms[cut], return_index=True)
        keep = shapely.get_dimensions(parts) == 1
        parts, owner = parts[keep], owner[keep]
        coords, pidx = shapely.get_coordinates(parts, return_index=True)
        same = pidx[1:] == pidx[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        seg_owner = owner[pidx[:-1][same]]
        si, bi = tree.query(shapely.linestrings(np.stack([a, b], axis=1)), predicate="intersects")
        r, s_, qp = b[si] - a[si], b1[bi] - b0[bi], b0[bi] - a[si]
        denom = r[:, 0] * s_[:, 1] - r[:, 1] * s_[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qp[:, 0] * s_[:, 1] - qp[:, 1] * s_[:, 0]) / denom
        ok = np.isfinite(t) & (t > 0) & (t < 1)
        n = len(a)
        seg = np.concatenate([np.arange(n), np.arange(n), si[ok]])
        ts = np.concatenate([np.zeros(n), np.ones(n), t[ok]])
        order = np.lexsort((ts, seg))
        seg, ts = seg[order], ts[order]
        nxt = (seg[1:] == seg[:-1]) & (ts[1:] > ts[:-1])
        k, t0, t1 = seg[:-1][nxt], ts[:-1][nxt], ts[1:][nxt]
        d = b[k] - a[k]
        start, end = a[k] + d * t0[:, None], a[k] + d * t1[:, None]
        mid = (start + end) / 2
        frames.append(pd.DataFrame({
            "feature": ids[cut][seg_owner[k]], "district": _assign(slugs, polys, mid[:, 0], mid[:, 1]),
            "length_m": segment_lengths_m(start[:, 0], start[:, 1], end[:, 0], end[:, 1])}))
    parts = pd.concat(frames, ignore_index=True)
    return parts.groupby(["feature", "district"], sort=False, as_index=False)["length_m"].sum()


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
    touching = _touching(geoms, shapely.boundary(polys))
    frames = []
    # whole features: one representative point decides the district
    whole = np.flatnonzero(~touching)
    if len(whole):
        x, y = _inner_xy(geoms[whole])
        frames.append(pd.DataFrame({"feature": ids[whole], "district": _assign(slugs, polys, x, y),
                                    "geometry": geoms[whole]}))
    # features on a border: clip against each district, near the feature only
    cut = np.flatnonzero(touching)
    if len(cut):
        g = geoms[cut]
        pairs = STRtree(polys).query(g, predicate="intersects")
        b = shapely.bounds(g[pairs[0]])
        pad = 1e-3
        local = np.array([shapely.clip_by_rect(polys[k], x0 - pad, y0 - pad, x1 + pad, y1 + pad)
                          for k, (x0, y0, x1, y1) in zip(pairs[1], b)], dtype=object)
        inside = shapely.intersection(g[pairs[0]], local)
        frames.append(pd.DataFrame({"feature": ids[cut][pairs[0]], "district": slugs[pairs[1]], "geometry": inside}))
        # only features that cross the city's outer edge have a part outside every district
        city = shapely.union_all(polys)
        leaving = np.flatnonzero(_touching(g, shapely.boundary(city)))
        if len(leaving):
            lb = shapely.bounds(g[leaving])
            near = [shapely.clip_by_rect(city, x0 - pad, y0 - pad, x1 + pad, y1 + pad) for x0, y0, x1, y1 in lb]
            rest = shapely.difference(g[leaving], np.asarray(near, dtype=object))
            frames.append(pd.DataFrame({"feature": ids[cut][leaving], "district": OUTSIDE, "geometry": rest}))
    parts = pd.concat(frames, ignore_index=True)
    keep = ~shapely.is_empty(parts["geometry"].to_numpy())
    return parts[keep].reset_index(drop=True)


def find_overlaps(ids: np.ndarray, geoms: np.ndarray, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """Pairs of line features that share a stretch, with its geodesic length in metres.

    A stretch of one line that runs within ``tolerance`` (degrees, ~0.5 m) of
    another for more than MIN_OVERLAP_M counts as shared, so a copy with
    re-interpolated vertices is found as well as an exact duplicate.
    """
    ids = np.asarray(ids, dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    cols = {"feature_a": [], "feature_b": [], "length_m": [], "geometry": []}
    if len(geoms) < 2:
        return pd.DataFrame(cols)
    i, j = STRtree(geoms).query(geoms, predicate="dwithin", distance=tolerance)
    keep = i < j
    i, j = i[keep], j[keep]
    if len(i) == 0:
        return pd.DataFrame(cols)
    shared = shapely.intersection(geoms[i], shapely.buffer(geoms[j], tolerance, cap_style="flat"))
    shared = np.array([_lines_only(g) for g in shared], dtype=object)
    lengths = geodesic_lengths_m(shared)
    keep = lengths > MIN_OVERLAP_M
    return pd.DataFrame({"feature_a": ids[i][keep], "feature_b": ids[j][keep],
                         "length_m": lengths[keep], "geometry": shared[keep]})


def _lines_only(geom):
    """The linear parts of a geometry (drops the points a crossing leaves)."""
    if geom is None or geom.is_empty:
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == 1]
    if not parts:
        return shapely.LineString()
    return shapely.line_merge(shapely.multilinestrings(parts)) if len(parts) > 1 else parts[0]


def _network_by_district(parts: pd.DataFrame, overlaps: pd.DataFrame, ids, geoms) -> dict[str, float]:
    """Per-district length with shared stretches counted once.

    Features are ranked (longest first, then id); each piece of a feature adds
    only what lies outside the ~0.5 m zones of the higher-ranked features it
    overlaps. Cost grows with the number of overlaps, not with the layer.
    """
    geom_of = dict(zip(np.asarray(ids, dtype=object).tolist(), np.asarray(geoms, dtype=object)))
    whole = parts.groupby("feature")["length_m"].sum()
    rank = {f: r for r, f in enumerate(sorted(whole.index, key=lambda f: (-whole[f], str(f))))}
    earlier: dict = {}
    for a, b in zip(overlaps["feature_a"], overlaps["feature_b"]):
        first, second = (a, b) if rank.get(a, 0) < rank.get(b, 0) else (b, a)
        earlier.setdefault(second, []).append(first)
    length = parts["length_m"].to_numpy().copy()
    rows = np.flatnonzero(parts["feature"].isin(earlier.keys()).to_numpy())
    if len(rows):
        needed = sorted({f for k in rows for f in earlier[parts["feature"].iat[k]]}, key=str)
        zone_of = dict(zip(needed, shapely.buffer([geom_of[f] for f in needed], TOLERANCE, cap_style="flat")))
        features = parts["feature"].to_numpy()[rows]
        zones = [zone_of[earlier[f][0]] if len(earlier[f]) == 1 else shapely.union_all([zone_of[g] for g in earlier[f]])
                 for f in features]
        rest = shapely.difference(parts["geometry"].to_numpy()[rows], np.asarray(zones, dtype=object))
        length[rows] = geodesic_lengths_m(rest)  # points left by the difference measure 0
    return pd.Series(length, index=parts.index).groupby(parts["district"]).sum().to_dict()


def measure(ids, geoms, slugs, polys, kind: str = "line", overlaps: bool = True) -> Measurement:
    """Measure features (lon/lat) per district.

    ``kind`` is line, polygon or point. Lines get geodesic length per piece,
    a network length per district with overlapping stretches counted once,
    and the list of overlaps (when ``overlaps``). Polygons get geodesic area
    per piece. Points are assigned whole.
    """
    if kind != "line":
        parts = split_by_districts(ids, geoms, slugs, polys)
        pg = parts["geometry"].to_numpy()
        parts["length_m"] = 0.0
        parts["area_m2"] = geodesic_areas_m2(pg) if kind == "polygon" else 0.0
        return Measurement(parts, find_overlaps([], []), {})
    parts = split_line_lengths(ids, geoms, slugs, polys)
    parts["area_m2"] = 0.0
    ov = find_overlaps(ids, geoms) if overlaps else find_overlaps([], [])
    network = parts.groupby("district")["length_m"].sum().to_dict() if len(parts) else {}
    if len(ov):
        # only the features linked by overlaps are cut into pieces and merged
        involved = set(ov["feature_a"]) | set(ov["feature_b"])
        mask = pd.Series(np.asarray(ids, dtype=object)).isin(involved).to_numpy()
        inv_ids, inv_geoms = np.asarray(ids, dtype=object)[mask], np.asarray(geoms, dtype=object)[mask]
        pieces = split_by_districts(inv_ids, inv_geoms, slugs, polys)
        pieces["length_m"] = geodesic_lengths_m(pieces["geometry"].to_numpy())
        merged = _network_by_district(pieces, ov, inv_ids, inv_geoms)
        plain = parts[parts["feature"].isin(involved)].groupby("district")["length_m"].sum()
        for district in set(merged) | set(plain.index):
            network[district] = network.get(district, 0.0) - plain.get(district, 0.0) + merged.get(district, 0.0)
    return Measurement(parts, ov, network)
