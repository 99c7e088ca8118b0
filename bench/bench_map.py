"""Benchmark: the city page with the demo set and with a generated 100k-feature layer.

For each data set (demo; demo with 'power' replaced by 100,000 lines):
  serve cold   first GET / after start (totals computed once for this data version)
  serve warm   median GET / afterwards (totals cached)
  html         bytes of the city page
  drawn        headless chromium: navigation start until every visible layer is loaded and drawn
               (html[data-gw-map=ready]); median of 3 after one warm-up
  transferred  bytes of every response the page loaded (HTML, assets, features)
The demo set is the baseline: ratios are 100k / demo, measured in the same run.
Goals: HTML < 500 KB and drawn < 1.5 s in both cases. Tile requests are answered by a stub.

Usage: .venv/bin/python bench/bench_map.py
"""

from __future__ import annotations

import base64
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

TILE = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGO4DwAA6ADnvpKYFwAAAABJRU5ErkJggg==")


def build(base: Path) -> dict[str, Path]:
    from geoworks.catalogue import default_catalogue
    from geoworks.demo import write_demo
    from geoworks.storage import open_store
    from geoworks.works import conform
    from tests.maps.test_map_large import big_layer

    demo = base / "demo"
    write_demo(open_store({"GEOWORKS_DATA_DIR": str(demo)}), default_catalogue(), 2019)
    big = base / "big"
    shutil.copytree(demo, big)
    t = time.perf_counter()
    with open_store({"GEOWORKS_DATA_DIR": str(big)}).transaction() as tx:
        tx.write_layer("power", conform(big_layer()))
    print(f"wrote the 100k-feature layer in {time.perf_counter() - t:.1f} s")
    return {"demo": demo, "100k": big}


def measure(data_dir: Path, browser) -> dict[str, float]:
    from geoworks.web import create_app

    app = create_app({"GEOWORKS_DATA_DIR": str(data_dir)})
    server = LiveServer(app)
    url = server.url + "/?lang=en"
    try:
        t = time.perf_counter()
        res = requests.get(url, timeout=600)
        cold = time.perf_counter() - t
        warm = []
        for _ in range(5):
            t = time.perf_counter()
            res = requests.get(url, timeout=60)
            warm.append(time.perf_counter() - t)
        html = len(res.content)
        drawn, transferred, features = [], [], 0
        for run in range(4):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.route(
                "https://tile.openstreetmap.org/**",
                lambda route: route.fulfill(status=200, content_type="image/png", body=TILE),
            )
            sizes = []
            page.on(
                "response", lambda r, sizes=sizes: sizes.append(len(r.body())) if r.url.startswith(server.url) else None
            )
            page.goto(url, wait_until="commit")
            page.wait_for_selector("html[data-gw-map=ready]", timeout=60_000)
            ms = page.evaluate("performance.now()")
            features = page.evaluate("Object.keys(geoworks.config().layers).reduce((n, k) => n + geoworks.drawn(k), 0)")
            if run:  # the first is a warm-up of the features cache
                drawn.append(ms / 1000)
                transferred.append(sum(sizes))
            context.close()
        return {
            "serve_cold_s": cold,
            "serve_warm_s": statistics.median(warm),
            "html_kb": html / 1024,
            "drawn_s": statistics.median(drawn),
            "transferred_kb": statistics.median(transferred) / 1024,
            "features_drawn": features,
        }
    finally:
        server.stop()


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is needed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        dirs = build(Path(tmp))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            results = {name: measure(path, browser) for name, path in dirs.items()}
            browser.close()
    keys = ["serve_cold_s", "serve_warm_s", "html_kb", "drawn_s", "transferred_kb", "features_drawn"]
    print(f"\n{'':16s}" + "".join(f"{k:>16s}" for k in results) + f"{'100k / demo':>14s}")
    for k in keys:
        a, b = results["demo"][k], results["100k"][k]
        print(f"{k:16s}" + "".join(f"{results[n][k]:16.3f}" for n in results) + f"{(b / a if a else 0):14.2f}")
    ok_html = all(r["html_kb"] < 500 for r in results.values())
    ok_drawn = all(r["drawn_s"] < 1.5 for r in results.values())
    print(
        f"\ngoal HTML < 500 KB: {'met' if ok_html else 'NOT met'}; "
        f"goal drawn < 1.5 s: {'met' if ok_drawn else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
