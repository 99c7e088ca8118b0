"""Benchmark: `geoworks measure` end to end, against reading + geodesic length, and a naive overlay.

Three shapes of input, each at 100k and 1M lines, as GeoPackage files:
  walk  random-walk lines of 2-20 vertices (steps of ~60 m) spread over Almaty, 8 districts with
        836-1,746-vertex wiggly borders (make_lines / make_districts below): lines rarely run together
  grid  ../shared/bench/make_network.py (seed 42): roads along a rotated grid, pipes with right-angle
        turns, long straight power lines, dense in the centre, 8 districts of ~500-560 vertices
  dup   the grid network imported twice over: every second line again, re-interpolated (a vertex
        added every ~25 m), so that a third of the lines run together with another over their whole
        length: many overlaps (``--sizes`` counts the lines before the copies are added)
Every measurement runs in a fresh process, end to end (interpreter start, imports, read, compute,
output), timed by this script; the process reports its own peak resident memory (VmHWM):
  floor     read the lines file (pyogrio) and sum unclipped geodesic lengths (the floor)
  geoworks  `geoworks measure LINES --districts DISTRICTS --format json`: km and network km per
            district, with the overlapping stretches
  naive     read both files, geopandas.overlay(how="intersection") and geodesic length per district
Ratios are against the floor measured in the same run.

Usage: .venv/bin/python bench/bench_measure.py [--sizes 100000,1000000] [--shapes walk,grid,dup] [--runs 1]
       [--data DIR (keep the generated files there)] [--naive-max 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GENERATOR = ROOT.parent / "shared" / "bench" / "make_network.py"
GOALS = "goals: geoworks <= 1.5x floor, naive >= 10x geoworks, peak < 1,500 MB at 1M"


def make_districts():
    """8 districts placed where Almaty's lie, with wiggly borders (~1,000 vertices each)."""
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
    return gpd.GeoDataFrame({"name": [f"d{i}" for i in range(len(polys))]}, geometry=polys, crs=4326)


def make_lines(n: int, seed: int = 42):
    """``n`` random-walk lines of 2-20 vertices over Almaty (lon/lat), and their vertex count."""
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


def make_copies(source: Path, target: Path) -> None:
    """``source``'s lines plus every second one again, re-interpolated (vertices added every ~25 m)."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    lines = pyogrio.read_dataframe(source)
    copies = lines.iloc[::2].copy()
    copies["geometry"] = shapely.segmentize(copies.geometry.values, 0.0003)
    copies["id"] = copies["id"] + len(lines)
    both = gpd.GeoDataFrame(pd.concat([lines, copies], ignore_index=True), crs=lines.crs)
    both.to_file(target, driver="GPKG", engine="pyogrio")


def prepare(shape: str, n: int, data: Path) -> tuple[Path, Path]:
    """The lines and districts files of one shape and size (generated when missing)."""
    if shape == "walk":
        lines, districts = data / f"walk_{n}.gpkg", data / "walk_districts.gpkg"
        if not districts.exists():
            make_districts().to_file(districts, driver="GPKG", engine="pyogrio")
        if not lines.exists():
            make_lines(n)[0].to_file(lines, driver="GPKG", engine="pyogrio")
        return lines, districts
    if shape == "dup":
        grid, districts = prepare("grid", n, data)
        lines = data / f"dup_{n}.gpkg"
        if not lines.exists():
            make_copies(grid, lines)
        return lines, districts
    lines, districts = data / f"lines_{n}.gpkg", data / "districts.gpkg"
    if not lines.exists():
        subprocess.run(
            [sys.executable, str(GENERATOR), "--n", str(n), "--seed", "42", "--format", "gpkg", "--out", str(data)],
            check=True,
            capture_output=True,
        )
    return lines, districts


def vertex_count(path: Path) -> int:
    """The number of vertices of the lines in a file (counted in a child process: this one stays small)."""
    code = (
        "import sys, pyogrio, shapely; g = pyogrio.read_dataframe(sys.argv[1], columns=[]).geometry.values; "
        "print(int(shapely.get_num_coordinates(g).sum()))"
    )
    return int(
        subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True).stdout
    )


def run_case(case: str, lines: str, districts: str) -> dict:
    """One measurement, in this process; returns its results and peak memory."""
    import pyogrio

    from geoworks.geodesy import geodesic_lengths_m

    if case == "floor":
        gdf = pyogrio.read_dataframe(lines)
        t0 = time.perf_counter()
        out = {"total_km": float(geodesic_lengths_m(np.asarray(gdf.geometry.values)).sum() / 1000)}
        out["work_s"] = time.perf_counter() - t0
    elif case == "geoworks":
        import geoworks.measure_files as mf
        from geoworks.cli import main

        work = []  # seconds in the engine (after both files are read)
        engine = mf.measure

        def timed(*a, **k):
            t0 = time.perf_counter()
            result = engine(*a, **k)
            work.append(time.perf_counter() - t0)
            return result

        mf.measure = timed
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            main(
                ["measure", lines, "--districts", districts, "--name-field", "name", "--format", "json"],
                standalone_mode=False,
            )
        res = json.loads(buf.getvalue())
        out = {
            "work_s": work[0],
            "total_km": res["total_km"],
            "network_km": res["network_total_km"],
            "overlaps": res["overlaps"]["count"],
            "overlap_km": res["overlaps"]["km"],
            "per_district": {k: v["km"] for k, v in res["districts"].items()},
        }
    elif case == "naive":
        import geopandas as gpd

        gdf, dist = pyogrio.read_dataframe(lines), pyogrio.read_dataframe(districts)
        t0 = time.perf_counter()
        pieces = gpd.overlay(gdf, dist[["name", "geometry"]], how="intersection", keep_geom_type=True)
        km = geodesic_lengths_m(np.asarray(pieces.geometry.values)) / 1000
        out = {"total_km": float(km.sum()), "per_district": pieces.assign(km=km).groupby("name")["km"].sum().to_dict()}
        out["work_s"] = time.perf_counter() - t0
    else:
        raise ValueError(case)
    out["peak_mb"] = peak_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = usage.ru_utime + usage.ru_stime
    return out


def peak_mb() -> float:
    """This process's peak resident memory, MB: VmHWM, which starts afresh at exec (ru_maxrss
    would carry over the resident size of the parent that forked it)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(case: str, lines: Path, districts: Path) -> dict:
    """One measurement in a fresh process, timed end to end."""
    cmd = [sys.executable, __file__, "--case", case, "--lines", str(lines), "--districts", str(districts)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{case} failed on {lines.name}:\n{proc.stderr[-2000:]}")
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "seconds": seconds}


def report(shape: str, n: int, vertices: int, res: dict) -> None:
    """One row: seconds and peak memory of each case, ratios, and what geoworks found."""
    floor, geo, naive = res["floor"], res["geoworks"], res.get("naive")

    def cell(r: dict) -> str:
        return f"{r['seconds']:7.2f} s {r['peak_mb']:6.0f} MB"

    line = (
        f"{shape:5s} {n:>9,} {vertices:>11,} | {cell(floor)} | {cell(geo)} | "
        + (cell(naive) if naive else f"{'-':>17s}")
        + f" | {geo['seconds'] / floor['seconds']:5.2f}x | "
        + (f"{naive['seconds'] / geo['seconds']:6.1f}x" if naive else f"{'-':>7s}")
        + f" | {geo['overlaps']:>6,} {geo['overlap_km']:8.3f} km"
    )
    print(line, flush=True)
    cpu = f"{'':27s}cpu (all threads, load-proof): floor {floor['cpu_s']:.2f} s, geoworks {geo['cpu_s']:.2f} s"
    if naive:  # the naive overlay double counts lines along shared borders: a few metres
        diff = max(abs(geo["per_district"][k] - naive["per_district"].get(k, 0)) for k in geo["per_district"])
        cpu += f", naive {naive['cpu_s']:.2f} s; km per district vs overlay: largest difference {diff * 1000:.1f} m"
    print(cpu, flush=True)
    work = f"{'':27s}after the read: floor {floor['work_s']:.2f} s, geoworks {geo['work_s']:.2f} s"
    if naive:  # end to end, naive / geoworks cannot exceed naive / floor: this is the work itself
        work += f", naive {naive['work_s']:.2f} s (naive / geoworks {naive['work_s'] / geo['work_s']:.1f}x)"
    print(work, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--shapes", default="walk,grid,dup")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--data", help="directory for the generated files (kept); default a temporary one")
    ap.add_argument("--naive-max", type=int, default=1_000_000, help="run the naive overlay up to this size")
    ap.add_argument("--case")
    ap.add_argument("--lines")
    ap.add_argument("--districts")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.lines, args.districts)))
        return
    shapes = [s for s in args.shapes.split(",") if s not in ("grid", "dup") or GENERATOR.exists()]
    if "grid" in args.shapes and "grid" not in shapes:
        print(f"grid shape skipped: {GENERATOR} is absent")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data or tmp)
        data.mkdir(parents=True, exist_ok=True)
        sizes = [int(s) for s in args.sizes.split(",")]
        files = {(shape, n): prepare(shape, n, data) for shape in shapes for n in sizes}
        vertices = {lines: vertex_count(lines) for lines, _ in files.values()}
        for run in range(1, args.runs + 1):
            load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
            print(f"\nrun {run}, load average {load} ({GOALS})")
            print(
                f"{'shape':5s} {'lines':>9s} {'vertices':>11s} | {'floor':>17s} | {'geoworks':>17s} | "
                f"{'naive overlay':>17s} | {'g/flr':>6s} | {'nv/g':>7s} | overlaps"
            )
            for (shape, n), (lines, districts) in files.items():
                cases = ("floor", "geoworks") + (("naive",) if n <= args.naive_max else ())
                report(shape, n, vertices[lines], {c: measure(c, lines, districts) for c in cases})


if __name__ == "__main__":
    main()
