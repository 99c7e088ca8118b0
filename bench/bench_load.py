"""Mixed load on loopback: 32 concurrent clients for 60 s against ``geoworks serve`` on the demo store.

    .venv/bin/python bench/bench_load.py [--duration 60] [--clients 32]

The clients are spread over the city page ``/``, ``/api/totals``, an OGC items page with a bbox,
``/api/near`` and ``/api/gaps``, all at once, plus the baseline ``/ogc/conformance`` (a constant
document: the cost of HTTP + Flask alone) measured in the same run under the same load. Uses wrk
(one instance per endpoint) when installed, else keep-alive clients in Python threads. Prints, per
endpoint, requests, errors (non-2xx and socket errors), p50 and p99 and their ratios to the baseline;
then the server's RSS at the end against its RSS 10 s into the run (goal: under 1.2x) and the load
average. Goals: 0 errors, RSS ratio < 1.2.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_api import NoMeasurement, free_port, run_python, run_wrk  # noqa: E402

BBOX = "76.80,43.15,77.10,43.40"
TARGETS = [  # (name, path); the first is the baseline
    ("baseline /ogc/conformance", "/ogc/conformance?f=json"),
    ("city page /", "/?lang=en"),
    ("/api/totals", "/api/totals"),
    ("roads items bbox, limit 100", f"/ogc/collections/roads/items?limit=100&bbox={BBOX}"),
    ("/api/near", "/api/near?lat=43.25&lon=76.93&radius=1000&status=all"),
    ("/api/gaps, one district", "/api/gaps?network=water&targets=courtyards&threshold=100&district=almaly"),
]
RSS_GOAL = 1.2


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its children (gunicorn workers), MB."""
    import psutil

    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)]
    return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20


def start_server(data_dir: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, GEOWORKS_DATA_DIR=data_dir)
    env.pop("GEOWORKS_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "geoworks", "serve", "--host", "127.0.0.1", "--port", str(port)]
    # the server's messages go to a file: a pipe nobody reads fills up under load and stalls the server
    log = open(Path(data_dir) / "server.log", "w+b")  # noqa: SIM115  (open as long as the server runs)
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/ogc/conformance?f=json")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    log.seek(0)
    raise SystemExit("geoworks serve did not start: " + log.read().decode(errors="replace"))


def warm_up(port: int) -> None:
    """One request per target: builds the caches, and checks each answers 200."""
    for _, path in TARGETS:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", path)
        res = conn.getresponse()
        body = res.read()
        assert res.status == 200, (path, res.status, body[:300])
        print(f"  {path}: {len(body) / 1024:.0f} KiB")


def spread(clients: int, n: int) -> list[int]:
    """``clients`` connections over ``n`` targets, at least one each."""
    return [max(1, clients // n + (1 if i < clients % n else 0)) for i in range(n)]


def load(port: int, clients: int, duration: int, use_wrk: bool) -> list[dict]:
    """Every target loaded at once for ``duration`` seconds; one result per target, in TARGETS order."""
    results: list[dict] = [{} for _ in TARGETS]

    def one(i: int, path: str, conns: int) -> None:
        if use_wrk:
            try:
                results[i] = run_wrk(f"http://127.0.0.1:{port}{path}", conns, duration, threads=1)
            except NoMeasurement:  # not one request completed
                results[i] = {"requests": 0, "errors": conns, "p50": float("nan"), "p99": float("nan")}
        else:
            results[i] = run_python("127.0.0.1", port, path, conns, duration)

    threads = [
        threading.Thread(target=one, args=(i, path, conns))
        for i, ((_, path), conns) in enumerate(zip(TARGETS, spread(clients, len(TARGETS))))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def report(results: list[dict], clients: int, rss: dict[str, float], loadavg: tuple) -> bool:
    base = results[0]
    conns = spread(clients, len(TARGETS))
    print(f"\n{'endpoint':30} {'clients':>7} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'p50/base':>9} {'p99/base':>9}")  # fmt: skip
    for (name, _), r, c in zip(TARGETS, results, conns):
        print(
            f"{name:30} {c:7d} {r['requests']:9d} {r['errors']:7d} {r['p50']:8.2f} {r['p99']:8.2f} "
            f"{r['p50'] / base['p50']:9.2f} {r['p99'] / base['p99']:9.2f}"
        )
    errors = sum(r["errors"] for r in results)
    rss10, rss_end = rss["early"], rss["end"]
    ratio = rss_end / rss10 if rss10 else float("nan")
    print(f"\nerrors: {errors} (goal 0: {'met' if errors == 0 else 'NOT met'})")
    print(
        f"server RSS: {rss10:.0f} MB at {rss['at']:.0f} s, {rss_end:.0f} MB at the end: ratio {ratio:.2f} "
        f"(goal < {RSS_GOAL}: {'met' if ratio < RSS_GOAL else 'NOT met'})"
    )
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.2f}" for x in loadavg))
    return errors == 0 and ratio < RSS_GOAL


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    ap.add_argument("--clients", type=int, default=32, help="concurrent clients over all endpoints (default 32)")
    args = ap.parse_args()

    from geoworks.catalogue import default_catalogue
    from geoworks.demo import write_demo
    from geoworks.storage import open_store

    tmp = tempfile.mkdtemp(prefix="geoworks-load-")
    write_demo(open_store({"GEOWORKS_DATA_DIR": tmp}), default_catalogue(), 2019)
    port = free_port()
    proc = start_server(tmp, port)
    use_wrk = shutil.which("wrk") is not None
    print(
        f"geoworks serve on 127.0.0.1:{port}, demo store; {args.clients} clients over {len(TARGETS)} endpoints "
        f"for {args.duration} s; client: {'wrk' if use_wrk else 'Python threads'}; load average before: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    rss: dict[str, float] = {}
    try:
        warm_up(port)
        rss["at"] = min(10.0, args.duration / 2)  # 10 s into the run (half of a shorter run)
        sampler = threading.Timer(rss["at"], lambda: rss.setdefault("early", rss_mb(proc.pid)))
        sampler.start()
        results = load(port, args.clients, args.duration, use_wrk)
        sampler.join()
        rss["end"] = rss_mb(proc.pid)
        ok = report(results, args.clients, rss, os.getloadavg())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
