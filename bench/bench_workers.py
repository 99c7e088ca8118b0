"""The open API under 4 gunicorn workers on one PostGIS store, against one waitress process on the
GeoPackage store (the set-up of bench_api.py), measured in the same run at 32 concurrent clients.

    GEOWORKS_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bench_workers.py [--duration 10] [--rounds 3] [--workers 4]

Both serve the demo store (seed 2019) with GEOWORKS_WARM_CACHE=0; before measuring, every target is
asked on new connections until every worker has answered it (each fills its caches for the data
version) and for a few seconds more. Targets are bench_api.py's: /api/totals (plain and filtered),
roads items in a bbox and a 1,000-feature courtyards page; the baseline is /ogc/conformance (HTTP and
Flask alone). Both servers run at once and take turns on each target, ``--rounds`` times (the machine's
load, which moves, falls on both alike); medians are reported. Goal: p99 under 4 workers on PostGIS
below the single-process GeoPackage p99 of the same target. The server URL is an administrator's: a
scratch database is created and dropped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import bench_api  # noqa: E402
from bench_api import TARGETS, free_port, run_python, run_wrk  # noqa: E402
from bench_store import drop_database, scratch_database  # noqa: E402

GOALS = {"/api/totals", "/api/totals?year=2019&status=completed", "courtyards items, 1000-feature page"}


def start_server(data_dir: str, port: int, threads: int) -> subprocess.Popen:
    """One waitress process on the GeoPackage store (as bench_api.py), caches filled by the warm-up requests."""
    return bench_api.start_server(data_dir, port, threads, {"GEOWORKS_WARM_CACHE": "0"})


def start_workers(config: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    """``geoworks serve --workers N`` on ``config``'s store; returns when the port answers."""
    env = dict(os.environ, **config, GEOWORKS_WORKER_THREADS=str(threads), GEOWORKS_WARM_CACHE="0")
    cmd = [sys.executable, "-m", "geoworks", "serve", "--workers", str(workers), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return bench_api.wait_for_port(proc, port, "the workers")


def warm_up(port: int, path: str, workers: int, seconds: int) -> None:
    """Ask ``path`` on new connections until every worker has answered it (each fills its caches for the
    data version), then keep asking for ``seconds``."""
    seen: set[str] = set()
    stop = time.monotonic() + 120
    while time.monotonic() < stop and (len(seen) < workers or time.monotonic() < stop - 120 + seconds):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers={"Connection": "close"})
        res = conn.getresponse()
        res.read()
        assert res.status == 200, (path, res.status)
        seen.add(res.getheader("X-Geoworks-Worker") or "single")
        conn.close()


def load(port: int, path: str, args: argparse.Namespace) -> dict:
    """``args.connections`` clients on ``path`` for ``args.duration`` seconds (wrk, else Python threads)."""
    if shutil.which("wrk"):
        return run_wrk(f"http://127.0.0.1:{port}{path}", args.connections, args.duration)
    return run_python("127.0.0.1", port, path, args.connections, args.duration)


def measure(servers: dict[str, tuple[int, int]], args: argparse.Namespace) -> dict[str, dict[str, list[dict]]]:
    """Every target on every server, ``args.rounds`` times, the servers taking turns (so that a change in
    the machine's load falls on both); {server: {target: [run, ...]}}."""
    runs: dict[str, dict[str, list[dict]]] = {name: {t: [] for t, _, _ in TARGETS} for name in servers}
    for _target, path, _ in TARGETS:
        for port, workers in servers.values():
            warm_up(port, path, workers, args.warm)
    for i in range(args.rounds):
        for target, path, _ in TARGETS:
            for name, (port, _) in servers.items():
                r = load(port, path, args)
                runs[name][target].append(r)
                print(
                    f"  round {i + 1} {name:10} {target:42} p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
                    f"{r['rps']:7.1f} req/s",
                    flush=True,
                )
    return runs


def _median(runs: list[dict], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def report(runs: dict[str, dict[str, list[dict]]], workers: int) -> None:
    single, multi = runs["gpkg"], runs["postgis"]
    print(f"\nmedians of {len(single[TARGETS[0][0]])} rounds (p99 range over the rounds in brackets)")
    print(f"{'target':42} {'GeoPackage, 1 process':>30} {f'PostGIS, {workers} workers':>30} {'p99 ratio':>10}  goal")
    print(f"{'':42} {'req/s  p50  p99 (ms)':>30} {'req/s  p50  p99 (ms)':>30}")
    for name, _, _ in TARGETS:
        a, b = single[name], multi[name]
        row = []
        for r in (a, b):
            lo, hi = min(x["p99"] for x in r), max(x["p99"] for x in r)
            row.append(
                f"{_median(r, 'rps'):6.0f} {_median(r, 'p50'):5.1f} {_median(r, 'p99'):6.1f} [{lo:.0f}-{hi:.0f}]"
            )
        ratio = _median(b, "p99") / _median(a, "p99")
        goal = ""
        if name in GOALS:
            ok = ratio < 1 and sum(x["errors"] for x in b) == 0
            goal = f"p99 below the GeoPackage's: {'met' if ok else 'NOT met'}"
        print(f"{name:42} {row[0]:>30} {row[1]:>30} {ratio:9.2f}x  {goal}")
    errors = sum(x["errors"] for r in runs.values() for rs in r.values() for x in rs)
    print(f"errors: {errors}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds per target and round (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds; the servers take turns on each target")
    ap.add_argument("--warm", type=int, default=3, help="warm-up seconds per target")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=8, help="threads of the single waitress process")
    ap.add_argument("--worker-threads", type=int, default=2, help="threads per worker (GEOWORKS_WORKER_THREADS)")
    ap.add_argument("--database-url", default=os.environ.get("GEOWORKS_TEST_DATABASE_URL"))
    args = ap.parse_args()
    if not args.database_url:
        print("skipped: needs a PostgreSQL/PostGIS server (--database-url or GEOWORKS_TEST_DATABASE_URL)")
        return
    from geoworks.catalogue import default_catalogue
    from geoworks.demo import write_demo
    from geoworks.storage import open_store

    name, url = scratch_database(args.database_url)
    tmp, pg_dir = tempfile.mkdtemp(prefix="geoworks-bench-"), tempfile.mkdtemp(prefix="geoworks-bench-pg-")
    pg = {"GEOWORKS_DATA_DIR": pg_dir, "GEOWORKS_DATABASE_URL": url}
    try:
        for cfg in ({"GEOWORKS_DATA_DIR": tmp}, pg):
            write_demo(open_store(cfg), default_catalogue(), 2019)
        print(
            f"{args.connections} clients x {args.duration} s per target and round, {args.rounds} rounds (after "
            f"{args.warm} s warm-up); client: {'wrk' if shutil.which('wrk') else 'Python threads'}"
        )
        procs = []
        try:
            gpkg_port, pg_port = free_port(), free_port()
            procs.append(start_server(tmp, gpkg_port, args.threads))
            worker_threads = args.worker_threads
            procs.append(start_workers(pg, pg_port, args.workers, worker_threads))
            print(
                f"gpkg: waitress, 1 process x {args.threads} threads; postgis: gunicorn, {args.workers} workers x "
                f"{worker_threads} threads"
            )
            runs = measure({"gpkg": (gpkg_port, 1), "postgis": (pg_port, args.workers)}, args)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
        report(runs, args.workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(pg_dir, ignore_errors=True)
        drop_database(args.database_url, name)


if __name__ == "__main__":
    main()
