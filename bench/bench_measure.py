"""Benchmark: geodesic km per district on synthetic networks of 100k and 1M line segments.

Generated deterministically: 8 districts with ~500-vertex wiggly borders over Almaty,
lines of 2-20 vertices. Each size is measured in a fresh subprocess (for its peak memory):
  read      read the GeoParquet and sum unclipped geodesic lengths   (the floor)
  engine    read + geoworks.measure per district (split at borders)   (what geoworks does)
  network   engine + overlap search and network km                   (the full audit total)
  overlay   read + geopandas.overlay(intersection) + geodesic length (the naive way; 100k only,
            at 1M it is estimated from a 100k sample as stated)
Prints seconds (best of 3 runs; the naive way once), ratios against the floor and the naive
way, and peak RSS.

Usage: .venv/bin/python bench/bench_measure.py [--sizes 20000,100000,1000000] [--network-max 20000]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_districts():
    import geopandas as gpd
    import shapely

    from geoworks.demo import OUTLINE, SEEDS

    outline = shapely.Polygon(OUTLINE)
    seeds = shapely.multipoints(list(SEEDS.values()))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=outline.buffer(0.2)))
    polys = []
    for cell in cells:
        poly = shapely.segmentize(cell.intersection(outline), 0.0004)
        coords = shapely.get_coordinates(poly)
        # one smooth displacement field for every polygon: shared borders stay shared
        dx = 0.002 * np.sin(coords[:, 1] * 700) * np.cos(coords[:, 0] * 500)
        dy = 0.002 * np.cos(coords[:, 0] * 650) * np.sin(coords[:, 1] * 550)
        polys.append(shapely.set_coordinates(poly, coords + np.c_[dx, dy]).buffer(0))
    gdf = gpd.GeoDataFrame({"slug": [f"d{i}" for i in range(len(polys))]}, geometry=polys, crs=4326)
    return gdf


def make_lines(n: int, seed: int = 42):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    nverts = rng.integers(2, 21, size=n)
    total = int(nverts.sum())
    idx = np.repeat(np.arange(n), nverts)
    start = np.c_[rng.uniform(76.76, 77.15, n), rng.uniform(43.05, 43.38, n)]
    steps = rng.normal(0, 0.0006, size=(total, 2))
    first = np.r_[0, np.cumsum(nverts)[:-1]]
    steps[first] = 0
    cum = np.cumsum(steps, axis=0)
    cum -= np.repeat(cum[first], nverts, axis=0)
    coords = np.repeat(start, nverts, axis=0) + cum
    geoms = shapely.linestrings(coords, indices=idx)
    return gpd.GeoDataFrame({"id": np.arange(n)}, geometry=geoms, crs=4326), total


def run_case(case: str, lines_path: str, districts_path: str, sample: int | None) -> dict:
    import geopandas as gpd

    from geoworks.geodesy import geodesic_lengths_m
    from geoworks.measure import measure

    t0 = time.perf_counter()
    lines = gpd.read_parquet(lines_path)
    districts = gpd.read_parquet(districts_path)
    if sample:
        lines = lines.iloc[:sample]
    slugs = districts["slug"].to_numpy(dtype=object)
    polys = np.asarray(districts.geometry.values)
    if case == "read":
        km = geodesic_lengths_m(np.asarray(lines.geometry.values)).sum() / 1000
        out = {"total_km": km}
    elif case in ("engine", "network"):
        m = measure(lines["id"].to_numpy(), np.asarray(lines.geometry.values), slugs, polys,
                    overlaps=(case == "network"))
        per = m.by_district()
        out = {"total_km": m.total_km, "per_district": per["km"].round(6).to_dict(),
               "network_km": m.network_km}
    elif case == "overlay":
        pieces = gpd.overlay(lines, districts, how="intersection", keep_geom_type=True)
        pieces["km"] = geodesic_lengths_m(np.asarray(pieces.geometry.values)) / 1000
        out = {"total_km": float(pieces["km"].sum()),
               "per_district": pieces.groupby("slug")["km"].sum().round(6).to_dict()}
    else:
        raise ValueError(case)
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def in_subprocess(case, lines_path, districts_path, sample=None, repeat=3) -> dict:
    """The best of ``repeat`` runs, each in a fresh process (so peak memory is the case's own)."""
    cmd = [sys.executable, __file__, "--case", case, "--lines", lines_path, "--districts", districts_path]
    if sample:
        cmd += ["--sample", str(sample)]
    runs = [json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
            for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--network-max", type=int, default=20000,
                    help="network km (overlap search) only up to this size: the random-walk lines cross"
                         " each other ~20 times per line at 100k, far more than a real network")
    ap.add_argument("--case")
    ap.add_argument("--lines")
    ap.add_argument("--districts")
    ap.add_argument("--sample", type=int)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.lines, args.districts, args.sample)))
        return
    districts = make_districts()
    nverts = [len(p.exterior.coords) if p.geom_type == "Polygon" else sum(len(g.exterior.coords) for g in p.geoms)
              for p in districts.geometry]
    print(f"districts: {len(districts)}, border vertices per district: {min(nverts)}-{max(nverts)}")
    with tempfile.TemporaryDirectory() as tmp:
        dpath = str(Path(tmp) / "districts.parquet")
        districts.to_parquet(dpath)
        for n in [int(s) for s in args.sizes.split(",")]:
            lines, nv = make_lines(n)
            lpath = str(Path(tmp) / f"lines{n}.parquet")
            lines.to_parquet(lpath)
            del lines
            print(f"\n== {n:,} lines, {nv:,} vertices ==")
            cases = ("read", "engine", "network") if n <= args.network_max else ("read", "engine")
            res = {c: in_subprocess(c, lpath, dpath) for c in cases}
            naive_n = min(n, 100_000)
            naive = in_subprocess("overlay", lpath, dpath, sample=naive_n if n > naive_n else None, repeat=1)
            naive_est = naive["seconds"] * n / naive_n
            for c in cases:
                r = res[c]
                print(f"{c:8s} {r['seconds']:8.2f} s  peak {r['peak_rss_mb']:7.0f} MB  total {r['total_km']:.3f} km")
            label = "overlay" if n == naive_n else f"overlay (on {naive_n:,}, scaled x{n // naive_n})"
            print(f"{label:8s} {naive_est:8.2f} s  peak {naive['peak_rss_mb']:7.0f} MB")
            if n == naive_n:
                diff = max(abs(res["engine"]["per_district"][k] - naive["per_district"].get(k, 0))
                           for k in res["engine"]["per_district"] if k != "outside")
                print(f"engine vs overlay: largest per-district difference {diff:.6f} km")
            print(f"ratio engine/read        {res['engine']['seconds'] / res['read']['seconds']:6.2f}x (goal <= 2)")
            print(f"ratio overlay/engine     {naive_est / res['engine']['seconds']:6.2f}x (goal >= 10)")
            if "network" in res:
                print(f"ratio network/read       {res['network']['seconds'] / res['read']['seconds']:6.2f}x")


if __name__ == "__main__":
    main()
