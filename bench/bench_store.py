"""geoworks' totals over a PostGIS store against the same over the GeoPackage store, and the same km
computed inside PostGIS by SQL, at 1M line segments.

    GEOWORKS_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bench_store.py [--segments 1000000] [--repeat 2]

The server URL is an administrator's (it creates a scratch database and drops it at the end;
``--database-url`` or GEOWORKS_TEST_DATABASE_URL). The 1M segments (two vertices, ~100 m, random
over the demo's 8 districts) are written once into each store; then every case runs in a fresh
process (no caches; peak memory is that process's), best of ``--repeat``:

  read     the whole layer from the store (GeoDataFrame, lon/lat)
  totals   geoworks.totals.compute_totals for the layer: read, split at district borders, geodesic km
           per district, network km (the baseline is the GeoPackage's)
  sql      km per district in PostGIS: ST_Intersection with each district, ST_Length on the WGS84
           spheroid (geography), for reference; no network km

Goal: totals over PostGIS no more than 1.5x the same over the GeoPackage. Prints seconds, peak memory,
ratios, and checks that both stores give the same km to 1e-9 (and how far SQL's km are from them).
"""

from __future__ import annotations

import argparse
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
LAYER = "power"
SQL_KM = """
SELECT d.slug, sum(ST_Length(ST_Intersection(w._geom, d._geom)::geography)) / 1000
FROM geoworks_data.{layer} w JOIN geoworks_data.districts d ON ST_Intersects(w._geom, d._geom)
GROUP BY d.slug ORDER BY d.slug
"""


def segments(n: int, seed: int = 1):
    """``n`` two-vertex lines (~100 m) over the demo districts, as a works layer (lon/lat)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from geoworks.catalogue import default_catalogue
    from geoworks.demo import make_districts
    from geoworks.works import conform

    districts = make_districts(default_catalogue())
    minx, miny, maxx, maxy = districts.total_bounds
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    geoms = shapely.linestrings(np.stack([np.stack([x, y], 1), np.stack([x + 0.001, y + 0.0005], 1)], 1))
    works = gpd.GeoDataFrame(
        {
            "id": np.char.add("p", np.arange(n).astype(str)),
            "name": np.char.add("line ", (np.arange(n) % 997).astype(str)),
            "status": np.where(np.arange(n) % 3, "completed", "planned"),
            "year": 2019,
            "contractor": "bench",
            "batch_id": "bench",
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    return districts, conform(works)


def grid_network(n: int):
    """``n`` lines of ../shared/bench/make_network.py (seed 42: roads along a rotated grid, right-angle pipes,
    power lines; 2-20 vertices, dense in the centre) over the demo districts, as a works layer (lon/lat)."""
    import subprocess
    import sys

    import numpy as np
    import pyogrio

    from geoworks.catalogue import default_catalogue
    from geoworks.demo import make_districts
    from geoworks.works import conform

    generator = Path(__file__).resolve().parents[2] / "shared" / "bench" / "make_network.py"
    if not generator.exists():
        raise SystemExit(f"--shape grid needs {generator}")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, str(generator), "--n", str(n), "--seed", "42", "--format", "gpkg", "--out", tmp],
            check=True,
            capture_output=True,
        )
        lines = pyogrio.read_dataframe(Path(tmp) / f"lines_{n}.gpkg")
    works = lines[["geometry"]].assign(
        id=np.char.add("g", np.arange(n).astype(str)),
        name=lines["kind"].to_numpy(),
        status=np.where(np.arange(n) % 3, "completed", "planned"),
        year=2019,
        contractor="bench",
        batch_id="bench",
    )
    return make_districts(default_catalogue()), conform(works)


def write(config: dict, districts, works) -> float:
    """Write the districts and the layer in one transaction; seconds."""
    from geoworks.storage import open_store

    start = time.perf_counter()
    with open_store(config).transaction() as tx:
        tx.write_layer("districts", districts)
        tx.write_layer(LAYER, works)
    return time.perf_counter() - start


def run_case(case: str, config: dict) -> dict:
    """One case in this process: seconds and the figures it computed."""
    from geoworks.catalogue import default_catalogue
    from geoworks.storage import open_store
    from geoworks.totals import Filters, compute_totals

    store = open_store(config)
    start = time.perf_counter()
    if case == "read":
        n = len(store.read_layer(LAYER))
        return {"seconds": time.perf_counter() - start, "rows": n}
    if case == "totals":
        table = compute_totals(store, default_catalogue(), Filters(layer=LAYER)).table
        seconds = time.perf_counter() - start
        rows = {r["district"]: [r["km"], r["network_km"]] for r in table.to_dict("records")}
        return {"seconds": seconds, "km": rows}
    import psycopg

    with psycopg.connect(config["GEOWORKS_DATABASE_URL"]) as conn:
        rows = conn.execute(SQL_KM.format(layer=LAYER)).fetchall()  # type: ignore[arg-type]
    return {"seconds": time.perf_counter() - start, "km": {slug: [float(km), None] for slug, km in rows}}


def peak_mb() -> float:
    """This process's peak resident memory, MB (VmHWM: ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_process(case: str, config: dict) -> dict:
    """Run ``case`` in a fresh Python process; its result and peak memory (MB)."""
    out = subprocess.run(
        [sys.executable, __file__, "--case", case, "--config", json.dumps(config)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def best(case: str, config: dict, repeat: int) -> dict:
    runs = [in_process(case, config) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def scratch_database(admin_url: str) -> tuple[str, str]:
    import psycopg
    from psycopg import sql

    name = f"geoworks_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def report(cases: dict[tuple[str, str], dict], n: int) -> None:
    base = cases[("gpkg", "totals")]
    print(f"\n{'case':28} {'seconds':>8} {'peak MB':>8} {'ratio':>7}")
    for (store, case), r in cases.items():
        ratio = r["seconds"] / base["seconds"]
        print(f"{store + ' ' + case:28} {r['seconds']:8.2f} {r['peak_mb']:8.0f} {ratio:6.2f}x")
    ratio = cases[("postgis", "totals")]["seconds"] / base["seconds"]
    print(
        f"\ntotals over PostGIS / over GeoPackage at {n:,} segments: {ratio:.2f}x (goal <= 1.5x: "
        f"{'met' if ratio <= 1.5 else 'NOT met'})"
    )
    a, b = base["km"], cases[("postgis", "totals")]["km"]
    worst = max(abs(b[k][i] - a[k][i]) / max(abs(a[k][i]), 1e-12) for k in a for i in (0, 1))
    print(
        f"same km and network km on both stores: max relative difference {worst:.1e} "
        f"({'within' if worst <= 1e-9 else 'NOT within'} 1e-9)"
    )
    sql_km = cases[("postgis", "sql")]["km"]
    diffs = {k: sql_km[k][0] - a[k][0] for k in sql_km}
    print(
        "SQL km - geoworks km per district (SQL counts a segment along a border in both districts): "
        + ", ".join(f"{k} {v * 1000:+.1f} m" for k, v in diffs.items())
    )
    inside = sum(v[0] for k, v in a.items() if k not in ("city", "outside"))
    print(
        f"km inside the districts: geoworks {inside:,.3f}, SQL {sum(v[0] for v in sql_km.values()):,.3f}; "
        f"city (with parts outside every district) {a['city'][0]:,.3f}, network {a['city'][1]:,.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=1_000_000)
    ap.add_argument(
        "--shape",
        choices=["segments", "grid"],
        default="segments",
        help="segments: two-vertex ~100 m lines at random; grid: --segments lines of ../shared/bench/make_network.py",
    )
    ap.add_argument("--repeat", type=int, default=2, help="runs per case; the best is kept")
    ap.add_argument("--database-url", default=os.environ.get("GEOWORKS_TEST_DATABASE_URL"))
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:  # a child process: one case
        result = run_case(args.case, json.loads(args.config))
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
        return
    if not args.database_url:
        print("skipped: needs a PostgreSQL/PostGIS server (--database-url or GEOWORKS_TEST_DATABASE_URL)")
        return
    districts, works = (grid_network if args.shape == "grid" else segments)(args.segments)
    name, url = scratch_database(args.database_url)
    try:
        with tempfile.TemporaryDirectory(prefix="geoworks-bench-") as tmp:
            configs = {
                "gpkg": {"GEOWORKS_DATA_DIR": tmp},
                "postgis": {"GEOWORKS_DATA_DIR": tmp, "GEOWORKS_DATABASE_URL": url},
            }
            for store, cfg in configs.items():
                print(
                    f"writing {args.segments:,} segments into {store}: {write(cfg, districts, works):.1f} s", flush=True
                )
            del works
            cases: dict[tuple[str, str], dict] = {}
            for store, case in (
                ("gpkg", "read"),
                ("postgis", "read"),
                ("gpkg", "totals"),
                ("postgis", "totals"),
                ("postgis", "sql"),
            ):
                cases[(store, case)] = best(case, configs[store], args.repeat)
                print(f"  {store} {case}: {cases[(store, case)]['seconds']:.2f} s", flush=True)
            report(cases, args.segments)
    finally:
        drop_database(args.database_url, name)


if __name__ == "__main__":
    main()
