"""Load test of the open API on loopback: 32 concurrent clients against waitress serving the demo store.

    .venv/bin/python bench/bench_api.py [--duration 30] [--connections 32]

Targets: /api/totals, /ogc/collections/roads/items?bbox=..., and a 1 000-feature
items page (courtyards). The baseline, measured in the same run, is
/ogc/conformance (a constant JSON document: the cost of HTTP + Flask alone).
Uses wrk when installed (apt-get install wrk), else a Python thread pool.
Prints throughput, p50, p99 and errors per target, and p99 ratios to the baseline.
Bounded: (number of targets + 1) x duration, plus a few seconds of set-up.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BBOX = "76.80,43.15,77.10,43.40"
TARGETS = [
    ("baseline /ogc/conformance", "/ogc/conformance?f=json", None),
    ("/api/totals", "/api/totals", 50.0),
    ("/api/totals?year=2019&status=completed", "/api/totals?year=2019&status=completed", 50.0),
    ("roads items bbox", f"/ogc/collections/roads/items?bbox={BBOX}&limit=1000", 150.0),
    ("courtyards items, 1000-feature page", f"/ogc/collections/courtyards/items?bbox={BBOX}&limit=1000", 150.0),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(proc: subprocess.Popen, port: int, what: str = "server", tries: int = 300) -> subprocess.Popen:
    """``proc`` once 127.0.0.1:``port`` accepts connections (killed, and the run stopped, if it never does)."""
    for _ in range(tries):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{what} did not start")


def start_server(data_dir: str, port: int, threads: int, config: dict | None = None) -> subprocess.Popen:
    """One waitress process serving ``create_app`` on the store under ``data_dir`` (plus ``config``)."""
    settings = {"GEOWORKS_DATA_DIR": data_dir, **(config or {})}
    code = (
        "import logging; logging.getLogger('waitress.queue').setLevel(logging.ERROR); "
        "from waitress import serve; from geoworks.web import create_app; "
        f"serve(create_app({settings!r}), host='127.0.0.1', port={port}, "
        f"threads={threads}, connection_limit=256, backlog=1024, _quiet=True)"
    )
    return wait_for_port(subprocess.Popen([sys.executable, "-c", code], cwd=str(ROOT)), port)


def _ms(value: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)", value)
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n if unit == "ms" else n * 1000 if unit == "s" else n * 60000


class NoMeasurement(RuntimeError):
    """wrk printed no latency distribution: not one request completed."""


def run_wrk(url: str, connections: int, duration: int, threads: int | None = None, cookie: str | None = None) -> dict:
    """wrk's req/s, completed requests, p50 and p99 (ms) and errors (non-2xx and socket errors) for ``url``,
    with the session ``cookie`` when given. NoMeasurement when no request completed."""
    cmd = ["wrk", "-t", str(threads or min(4, os.cpu_count() or 2)), "-c", str(connections), "-d", f"{duration}s"]
    cmd += ["--latency", "--timeout", "10s"] + (["-H", f"Cookie: {cookie}"] if cookie else []) + [url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    dist = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", out, re.M))  # "1.15s " ends in a space
    if "99" not in dist:
        raise NoMeasurement(f"wrk measured nothing on {url}: {out[-300:]}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": _ms(dist["50"]),
        "p99": _ms(dist["99"]),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0),
    }


def run_python(host: str, port: int, path: str, connections: int, duration: int) -> dict:
    """Fallback: keep-alive clients in threads (client overhead is included in the latency)."""
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + duration

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=10)
        mine = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                conn.request("GET", path)
                res = conn.getresponse()
                res.read()
                ok = res.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
            mine.append((time.perf_counter() - t) * 1000)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    return {"rps": len(lat) / duration, "requests": len(lat), "p50": pick(0.5), "p99": pick(0.99), "errors": errors[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=30, help="seconds per target (default 30)")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = ap.parse_args()

    from geoworks.catalogue import default_catalogue
    from geoworks.demo import write_demo
    from geoworks.storage import open_store

    tmp = tempfile.mkdtemp(prefix="geoworks-bench-")
    write_demo(open_store({"GEOWORKS_DATA_DIR": tmp}), default_catalogue(), 2019)
    port = free_port()
    proc = start_server(tmp, port, args.threads)
    use_wrk = shutil.which("wrk") is not None
    print(
        f"waitress ({args.threads} threads) on 127.0.0.1:{port}, demo store; {args.connections} clients x "
        f"{args.duration} s per target; client: {'wrk' if use_wrk else 'Python threads'}"
    )
    results = []
    try:
        for _, path, _ in TARGETS:  # warm-up: build indexes and caches, check the answer
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            res = conn.getresponse()
            body = res.read()
            assert res.status == 200, (path, res.status, body[:200])
            if b"numberReturned" in body:
                n = re.search(rb'"numberReturned":(\d+)', body).group(1).decode()
                print(f"  {path}: {n} features, {len(body) / 1024:.0f} KiB")
        for name, path, goal in TARGETS:
            url = f"http://127.0.0.1:{port}{path}"
            r = (
                run_wrk(url, args.connections, args.duration)
                if use_wrk
                else run_python("127.0.0.1", port, path, args.connections, args.duration)
            )
            results.append((name, goal, r))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    base = results[0][2]
    print(f"\n{'target':42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'p99/base':>9}  goal")
    for name, goal, r in results:
        verdict = (
            ""
            if goal is None
            else (f"p99 < {goal:.0f} ms: " + ("met" if r["p99"] < goal and r["errors"] == 0 else "NOT met"))
        )
        print(
            f"{name:42} {r['rps']:8.1f} {r['p50']:8.2f} {r['p99']:8.2f} {r['errors']:7d} "
            f"{r['p99'] / base['p99']:9.2f}  {verdict}"
        )


if __name__ == "__main__":
    main()
