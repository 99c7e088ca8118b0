"""Benchmark: near-me queries with 1M works stored.

Writes N works (default 1,000,000: short street-like lines on the line layers,
small courtyards) across the city into a temporary GeoPackage store, loads the
near index from the store (once per data version, as the app does), then times
500 m queries at random places in the city (query + the result rows): the STRtree
index vs the full scan baseline (every geometry tested, vectorised) in the same run.

    .venv/bin/python bench/bench_near.py [--features 1000000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geoworks.catalogue import default_catalogue  # noqa: E402
from geoworks.demo import make_districts  # noqa: E402
from geoworks.geodesy import WGS84, project_xy, to_wgs84  # noqa: E402
from geoworks.near.index import NearIndex, NearQuery  # noqa: E402
from geoworks.storage import open_store  # noqa: E402
from geoworks.works import conform  # noqa: E402

STATUSES = np.array(["planned", "in_progress", "completed", "cancelled"], dtype=object)


def make_layer(rng, n: int, kind: str, bounds, prefix: str, crs: str) -> gpd.GeoDataFrame:
    """n works in ``bounds`` (metres in the metric ``crs``), stored as lon/lat: 2-4 vertex lines of
    50-400 m, or 60 m courtyards."""
    x0, y0, x1, y1 = bounds
    x, y = rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)
    if kind == "polygon":
        geoms = shapely.box(x - 30, y - 25, x + 30, y + 25)
    else:
        k = 3
        steps = rng.uniform(20, 130, (n, k)) * np.where(rng.random((n, 1)) < 0.5, 1, -1)
        horizontal = rng.random(n) < 0.5
        dx = np.cumsum(np.where(horizontal[:, None], steps, 0), axis=1)
        dy = np.cumsum(np.where(horizontal[:, None], 0, steps), axis=1)
        xs = np.concatenate([x[:, None], x[:, None] + dx], axis=1)
        ys = np.concatenate([y[:, None], y[:, None] + dy], axis=1)
        geoms = shapely.linestrings(np.stack([xs, ys], axis=2))
    years = rng.integers(2019, 2027, n)
    status = STATUSES[rng.integers(0, 4, n)]
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"{prefix}-{i:07d}" for i in range(n)],
            "name": "Абай даңғылы",
            "name_ru": "проспект Абая",
            "status": status,
            "start_date": [f"{y}-04-01" for y in years],
            "end_date": [f"{y}-10-31" for y in years],
            "year": years,
            "contractor": "ТОО «Bench»",
            "district": "almaly",
            "batch_id": "bench",
        },
        geometry=gpd.GeoSeries(geoms, crs=crs),
    )
    return conform(to_wgs84(gdf))


def percentile(values, p):
    return float(np.percentile(np.asarray(values) * 1000.0, p))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--scan-queries", type=int, default=30)
    ap.add_argument("--radius", type=float, default=500)
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at start")
    cat = default_catalogue()
    rng = np.random.default_rng(7)
    bx0, by0, bx1, by1 = cat.city.bbox
    crs = cat.city.metric_crs  # the CRS the near index works in
    mx, my = project_xy([bx0, bx1], [by0, by1], WGS84, crs)
    bounds = (min(mx), min(my), max(mx), max(my))
    layers = list(cat.layers)
    per = np.full(len(layers), args.features // len(layers))
    per[: args.features - per.sum()] += 1

    with tempfile.TemporaryDirectory(prefix="bench-near-") as tmp:
        store = open_store({"GEOWORKS_DATA_DIR": tmp})
        t = time.perf_counter()
        with store.transaction() as tx:
            tx.write_layer("districts", make_districts(cat))
            for lid, n in zip(layers, per):
                tx.write_layer(lid, make_layer(rng, int(n), cat.layers[lid].geometry, bounds, lid, crs))
        t_write = time.perf_counter() - t
        stored = sum(store.count(lid) for lid in layers)
        print(f"stored {stored:,} works in {t_write:.1f} s ({Path(store.path).stat().st_size / 1e6:.0f} MB GeoPackage)")

        t = time.perf_counter()
        index = NearIndex.from_store(store, cat)
        t_load = time.perf_counter() - t
        print(f"index built from the store in {t_load:.1f} s (once per data version)")

        qx = rng.uniform(bx0 + 0.03, bx1 - 0.03, args.queries)
        qy = rng.uniform(by0 + 0.03, by1 - 0.03, args.queries)
        for label, statuses in (
            ("default filter (planned, in progress)", ("planned", "in_progress")),
            ("every status", ()),
        ):
            times, cpu, found, cands = [], [], [], []
            for lon, lat in zip(qx, qy):
                q = NearQuery(float(lat), float(lon), args.radius, statuses=statuses)
                t, c = time.perf_counter(), time.thread_time()
                res = index.query(q)
                res.records()  # the rows the API and the page use
                times.append(time.perf_counter() - t)
                cpu.append(time.thread_time() - c)
                found.append(len(res))
                cands.append(res.candidates)
            scan_times, scan_cpu = [], []
            for lon, lat in zip(qx[: args.scan_queries], qy[: args.scan_queries]):
                q = NearQuery(float(lat), float(lon), args.radius, statuses=statuses)
                t, c = time.perf_counter(), time.thread_time()
                res = index.scan(q)
                res.records()
                scan_times.append(time.perf_counter() - t)
                scan_cpu.append(time.thread_time() - c)
                ref = index.query(q)
                assert list(res.columns["id"]) == list(ref.columns["id"]), "index and scan disagree"
            p50, p99 = percentile(times, 50), percentile(times, 99)
            s50, s99 = percentile(scan_times, 50), percentile(scan_times, 99)
            print(f"\n{int(args.radius)} m queries, {label}: {len(times)} indexed, {len(scan_times)} full scans")
            print(
                f"  works found per query: median {int(np.median(found))}, "
                f"index candidates median {int(np.median(cands))}"
            )
            print(f"  index:     p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   max {percentile(times, 100):7.2f} ms")
            print(f"  full scan: p50 {s50:7.2f} ms   p99 {s99:7.2f} ms")
            print(f"  ratio full scan / index: p50 {s50 / p50:.0f}x, p99 {s99 / p99:.0f}x")
            c50, c99, sc50 = percentile(cpu, 50), percentile(cpu, 99), percentile(scan_cpu, 50)
            print(
                f"  CPU time (excludes waiting for a busy machine): index p50 {c50:.2f} ms, p99 {c99:.2f} ms;"
                f" full scan p50 {sc50:.2f} ms; ratio p50 {sc50 / c50:.0f}x"
            )
            print(f"  target p99 < 50 ms: {'MET' if p99 < 50 else 'NOT MET'}")


if __name__ == "__main__":
    main()
