"""Benchmark: importing N line features (default 1M) from GeoPackage and GeoParquet.

Each measurement runs in its own process; the figures are wall seconds and
peak resident memory (ru_maxrss of that process). The baseline, measured in
the same run on the same file, is a plain ``pyogrio.read_dataframe`` (or
``geopandas.read_parquet``) followed by ``to_file`` to a GeoPackage.
The geoworks import adds validation, district/length annotation
(geodesic, split at borders), the copy-on-write transaction and the batch record.

    .venv/bin/python bench/bench_import.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(mode: str, src: str, work: str) -> None:
    """One measurement (runs in a child process)."""
    if mode == "plain":
        import geopandas as gpd
        import pyogrio

        gdf = gpd.read_parquet(src) if src.endswith(".parquet") else pyogrio.read_dataframe(src)
        gdf.to_file(Path(work) / "copy.gpkg", driver="GPKG")
        return
    from geoworks.catalogue import default_catalogue
    from geoworks.importers import commit, prepare
    from geoworks.storage import open_store

    cat = default_catalogue()
    store = open_store({"GEOWORKS_DATA_DIR": work})
    p = prepare(src, "gas", cat, store.read_layer("districts"))
    assert p.ok, p.report.lines()[:5]
    commit(store, cat, [p], "bench", Path(src).name)


def measure(mode: str, src: Path, work: Path) -> tuple[float, float]:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", mode, str(src), str(work)])
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"{mode} on {src.name} failed (status {status})")
    return elapsed, usage.ru_maxrss / 1024.0  # MB (Linux reports kB)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    from geoworks.catalogue import default_catalogue
    from geoworks.demo import write_demo
    from geoworks.storage import open_store
    from tests.helpers.imports import many_lines

    tmp = Path(tempfile.mkdtemp(prefix="geoworks-bench-"))
    try:
        t = time.perf_counter()
        gdf = many_lines(args.n)
        files = {"GeoParquet": tmp / "lines.parquet", "GeoPackage": tmp / "lines.gpkg"}
        gdf.to_parquet(files["GeoParquet"])
        gdf.to_file(files["GeoPackage"], driver="GPKG")
        del gdf
        demo = tmp / "demo"
        write_demo(open_store({"GEOWORKS_DATA_DIR": str(demo)}), default_catalogue(), 2019)
        print(f"prepared {args.n:,} lines and a demo store in {time.perf_counter() - t:.1f} s")
        print(f"{'format':12s} {'step':16s} {'seconds':>8s} {'peak MB':>8s}")
        for fmt, src in files.items():
            plain_dir = tmp / f"plain-{fmt}"
            plain_dir.mkdir()
            ps, pm = measure("plain", src, plain_dir)
            store_dir = tmp / f"store-{fmt}"
            shutil.copytree(demo, store_dir)
            gs, gm = measure("import", src, store_dir)
            print(f"{fmt:12s} {'plain copy':16s} {ps:8.1f} {pm:8.0f}")
            print(f"{fmt:12s} {'geoworks import':16s} {gs:8.1f} {gm:8.0f}")
            print(f"{fmt:12s} {'ratio':16s} {gs / ps:8.2f}x {gm / pm:7.2f}x  (goal: under 2x in time)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
