"""Benchmark: km per district on Dask (geoworks.scale) against the in-process engine, at 1M and 5M segments.

Two shapes of input, as GeoParquet files, sized in line segments (vertex pairs; lines of 2-20 vertices,
~10.5 segments each, so 1M segments are ~95,000 lines):
  grid  ../shared/bench/make_network.py (seed 42): roads along a rotated grid, pipes, power lines,
        dense in the centre, 8 districts of ~500-560 vertices
  walk  random-walk lines over Almaty, 8 districts with wiggly borders (bench_measure.make_lines/make_districts)
Every case runs `geoworks measure LINES --districts D --format json` in a fresh process, end to end
(interpreter start, imports, read, compute, output), timed by this script; the process reports its own
peak resident memory (VmHWM, "client"):
  local     the in-process engine (the baseline of the ratios)
  threads   --engine dask: Dask's local threaded scheduler, in the client process
  cluster   --engine dask --scheduler ADDRESS: a dask.distributed LocalCluster of 2 worker processes
            (1 thread each) started by this script before the case, as a running cluster would be (its
            start-up and the workers' imports are not timed); the workers' CPU seconds and peak memory too
CPU seconds (user + system, all threads) tell the work done whatever else runs on the machine.
Each Dask answer is checked against the local one (km and network km per district, largest relative
difference). Goals: Dask at 5M within 1.2x of linear scaling from 1M (t5M / t1M <= 6), client peak < 4 GB.
The same km computed inside PostGIS by SQL is bench_store.py's `sql` case (needs a PostGIS server).

Usage: .venv/bin/python bench/bench_dask.py [--sizes 1000000,5000000 | --quick] [--shapes grid,walk]
       [--partitions 16] [--data DIR (keep the generated files there)]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
GENERATOR = ROOT.parent / "shared" / "bench" / "make_network.py"
SEGMENTS_PER_LINE = 10.5  # lines of 2-20 vertices (uniform): 10.5 segments on average
GOALS = "goals: Dask at 5M within 1.2x of linear scaling from 1M (t5M/t1M <= 6.0), client peak < 4,000 MB"


def prepare(shape: str, segments: int, data: Path) -> tuple[Path, Path]:
    """The lines and districts files (GeoParquet) of one shape and size, generated when missing."""
    n = round(segments / SEGMENTS_PER_LINE)
    if shape == "walk":
        from bench_measure import make_districts, make_lines

        lines, districts = data / f"walk_{n}.parquet", data / "walk_districts.parquet"
        if not districts.exists():
            make_districts().to_parquet(districts)
        if not lines.exists():
            make_lines(n)[0].to_parquet(lines)
        return lines, districts
    lines, districts = data / f"lines_{n}.parquet", data / "districts.parquet"
    if not lines.exists():
        cmd = [sys.executable, str(GENERATOR), "--n", str(n), "--seed", "42", "--format", "parquet", "--out", str(data)]
        subprocess.run(cmd, check=True, capture_output=True)
    return lines, districts


def count_segments(path: Path) -> int:
    """Line segments in a file (counted in a child process: this one stays small)."""
    code = (
        "import sys, geopandas, shapely; g = geopandas.read_parquet(sys.argv[1]).geometry.values; "
        "print(int(shapely.get_num_coordinates(g).sum() - len(g)))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout)


def peak_mb() -> float:
    """This process's peak resident memory, MB (VmHWM: starts afresh at exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(lines: str, districts: str, extra: list[str]) -> dict:
    """One `geoworks measure`, in this process: its answer per district, peak memory and CPU seconds."""
    from geoworks.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["measure", lines, "--districts", districts, "--name-field", "name", "--format", "json", *extra],
             standalone_mode=False)  # fmt: skip
    res = json.loads(buf.getvalue())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "km": {k: v["km"] for k, v in res["districts"].items()} | {"outside": res["outside_km"]},
        "network_km": {k: v["network_km"] for k, v in res["districts"].items()},
        "total_km": res["total_km"],
        "network_total_km": res["network_total_km"],
        "peak_mb": peak_mb(),
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def _worker_state() -> tuple[float, float]:
    """A worker's CPU seconds so far and peak resident memory (MB); imports what the tasks use."""
    import geoworks.scale.engine  # noqa: F401  (a running cluster has imported it already)

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, peak_mb()


def measure(case: str, lines: Path, districts: Path, partitions: int) -> dict:
    """One case in a fresh process, timed end to end; for 'cluster', a LocalCluster started (and its
    workers' imports done) before, and the workers' CPU seconds and peak memory during the case."""
    extra = [] if case == "local" else ["--engine", "dask", "--partitions", str(partitions)]
    with contextlib.ExitStack() as stack:
        client = None
        if case == "cluster":
            from distributed import Client, LocalCluster

            cluster = stack.enter_context(
                LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
            )
            client = stack.enter_context(Client(cluster))
            before = client.run(_worker_state)
            extra += ["--scheduler", cluster.scheduler_address]
        cmd = [sys.executable, __file__, "--case", json.dumps(extra), "--lines", str(lines), "--districts",
               str(districts)]  # fmt: skip
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{case} failed on {lines.name}:\n{proc.stderr[-3000:]}")
        out = {**json.loads(proc.stdout.strip().splitlines()[-1]), "seconds": seconds}
        if client is not None:
            after = client.run(_worker_state)
            out["workers_cpu_s"] = sum(after[w][0] - before[w][0] for w in after)
            out["workers_mb"] = sorted(v[1] for v in after.values())
    return out


def largest_difference(a: dict, b: dict) -> float:
    """The largest relative difference of km and network km per district between two answers."""
    diffs = [abs(b[key][k] - v) / max(abs(v), 1e-12) for key in ("km", "network_km") for k, v in a[key].items() if v]
    return max(diffs, default=0.0)


def report(shape: str, size: int, segments: int, res: dict) -> None:
    """One row per case: seconds, client peak, ratio against local, and the agreement with local."""
    local = res["local"]
    for case, r in res.items():
        ratio = r["seconds"] / local["seconds"]
        workers = ""
        if "workers_mb" in r:
            peaks = "/".join(f"{w:,.0f}" for w in r["workers_mb"])
            workers = f" | workers cpu {r['workers_cpu_s']:6.2f} s, peak {peaks} MB"
        agree = "" if case == "local" else f" | vs local: {largest_difference(local, r):.1e} rel"
        print(f"{shape:5s} {segments:>10,} {case:8s} {r['seconds']:8.2f} s cpu {r['cpu_s']:7.2f} s "
              f"client {r['peak_mb']:7,.0f} MB{workers} | {ratio:5.2f}x local{agree}", flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,5000000", help="line segments, comma-separated")
    ap.add_argument("--quick", action="store_true", help="sizes 100,000 and 500,000 segments")
    ap.add_argument("--shapes", default="grid,walk")
    ap.add_argument("--cases", default="local,threads,cluster")
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--data", help="keep the generated files in this folder")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--lines", help=argparse.SUPPRESS)
    ap.add_argument("--districts", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case is not None:  # one measurement, in this (fresh) process
        print(json.dumps(run_case(args.lines, args.districts, json.loads(args.case))))
        return
    sizes = [100_000, 500_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    with contextlib.ExitStack() as stack:
        data = Path(args.data) if args.data else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        data.mkdir(parents=True, exist_ok=True)
        print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; {os.cpu_count()} cores")
        print(GOALS)
        seconds: dict[tuple[str, str], list[float]] = {}
        for shape in args.shapes.split(","):
            for size in sizes:
                lines, districts = prepare(shape, size, data)
                segments = count_segments(lines)
                res = {case: measure(case, lines, districts, args.partitions) for case in args.cases.split(",")}
                report(shape, size, segments, res)
                for case, r in res.items():
                    seconds.setdefault((shape, case), []).append(r["seconds"] / segments)
        scaling(seconds, sizes)
        print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def scaling(per_segment: dict[tuple[str, str], list[float]], sizes: list[int]) -> None:
    """The largest size's time over the smallest's, against linear (1.0x: time per segment unchanged)."""
    if len(sizes) < 2:
        return
    for (shape, case), v in per_segment.items():
        print(f"scaling {shape:5s} {case:8s} {sizes[-1] // sizes[0]}x the segments: time per segment "
              f"{v[-1] / v[0]:.2f}x linear (goal <= 1.2x for Dask)")  # fmt: skip


if __name__ == "__main__":
    main()
