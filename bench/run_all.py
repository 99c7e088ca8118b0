"""Run every benchmark under bench/ and print one table (``make bench``; ``--quick`` for small inputs).

Each benchmark runs in its own process with the arguments below; its whole output is kept in
``bench/out/<name>.txt`` and the table shows its wall time, peak memory, exit status and the
lines that state its ratios and goals. Figures are ratios against baselines measured in the same
run, inside each benchmark; nothing here compares with numbers from another machine.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "out"
# name -> (quick arguments, full arguments)
BENCHES: dict[str, tuple[list[str], list[str]]] = {
    "bench_measure.py": (["--sizes", "20000"], []),
    "bench_dask.py": (["--quick", "--shapes", "grid"], []),  # needs the extra geoworks[dask]
    "bench_import.py": (["--n", "50000"], []),
    "bench_near.py": (["--features", "50000", "--queries", "200", "--scan-queries", "10"], []),
    "bench_gaps.py": (["--targets", "5000", "--segments", "20000", "--routes", "50"], []),
    "bench_verify.py": ([], []),
    "bench_api.py": (["--duration", "5"], []),
    "bench_load.py": (["--duration", "5"], []),
    "bench_map.py": ([], []),
    # these two need a PostgreSQL/PostGIS server (GEOWORKS_TEST_DATABASE_URL); without one they say so and skip
    "bench_store.py": (["--segments", "100000", "--repeat", "1"], []),
    "bench_workers.py": (["--duration", "5"], []),
    "bench_requests.py": (["--requests", "20000", "--duration", "5", "--suggestions", "200"], []),
}
HEADLINE = re.compile(r"(goal|ratio|\bx\b|p99|/base|floor)", re.IGNORECASE)


def run(name: str, args: list[str], timeout: float) -> dict:
    """Run one benchmark; its wall seconds, peak RSS (MB), exit status and headline lines."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(HERE / name), *args], capture_output=True, text=True, timeout=timeout, cwd=HERE.parent
        )
        out, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out, code = f"{exc.stdout or ''}\ntimed out after {timeout:.0f} s", -1
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / f"{Path(name).stem}.txt").write_text(out)
    lines = [ln.strip() for ln in str(out).splitlines() if HEADLINE.search(ln)]
    return {
        "name": name,
        "args": " ".join(args) or "(defaults)",
        "seconds": seconds,
        "peak_mb": max(peak, before) / 1024,
        "status": "ok" if code == 0 else f"exit {code}",
        "lines": lines,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small inputs: every benchmark in a few minutes")
    ap.add_argument("--only", nargs="*", help="benchmark file names to run (default: all)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per benchmark")
    args = ap.parse_args()
    names = args.only or [n for n in BENCHES if (HERE / n).exists()]
    results = []
    for name in names:
        quick, full = BENCHES.get(name, ([], []))
        print(f"running {name} {' '.join(quick if args.quick else full)}", flush=True)
        results.append(run(name, quick if args.quick else full, args.timeout))
    print(f"\n{'benchmark':18s} {'arguments':42s} {'wall s':>8s} {'peak MB*':>9s} {'status':>8s}")
    for r in results:
        print(f"{r['name']:18s} {r['args'][:42]:42s} {r['seconds']:8.1f} {r['peak_mb']:9.0f} {r['status']:>8s}")
    print("* the largest child process so far (a benchmark's own per-case peaks are in its output)")
    for r in results:
        print(f"\n== {r['name']} (full output: bench/out/{Path(r['name']).stem}.txt)")
        for line in r["lines"][-12:]:
            print(f"  {line}")
    if any(r["status"] != "ok" for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
