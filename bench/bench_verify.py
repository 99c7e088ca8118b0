"""Benchmark: claim extraction and verification.

  extract   geoworks.verify.claims.extract_claims on report text of ~200 KB (the largest paste accepted),
            against a baseline of one plain regex pass finding the numbers in the same text
  verify    verify_claims on the demo 2019 claims, cold (measuring every layer of the year) and warm
            (TotalsCache hit), against the baseline of compute_totals alone for the same filter
  page      GET /verify warm (test client), against GET / (the city page) warm

The demo store is built in a temporary directory (seed 2019). Prints seconds and ratios.
Usage: .venv/bin/python bench/bench_verify.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = (
    "73 шақырым жол құрылысы аяқталып, 47 шақырым суару арықтары қайта жөндеуден өтті. "
    "2019 жылдың 9 айында ЖАӨ 4,8%-ға өсті. Құны 96 млрд теңге болатын жаңа 88 бизнес нысаны ашылды. "
    "построено более 120 км газопровода, 2,1 млн квадратных метров жилья. "
    "over 45 km of water mains and more than 670 courtyards.\n"
)


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    from geoworks.catalogue import default_catalogue
    from geoworks.demo import write_demo
    from geoworks.storage import open_store
    from geoworks.totals import Filters, TotalsCache, compute_totals
    from geoworks.verify.checks import verify_claims
    from geoworks.verify.claims import MAX_TEXT, extract_claims, load_claims
    from geoworks.web import create_app

    cat = default_catalogue()
    text = (SAMPLE * (MAX_TEXT // len(SAMPLE)))[:MAX_TEXT]
    num = re.compile(r"\d+(?:[.,]\d+)?")
    t_base = best(lambda: num.findall(text))
    t_ext = best(lambda: extract_claims(text, cat, year=2019), 3)
    n_claims = len(extract_claims(text, cat, year=2019))
    print(
        f"extract  {len(text) / 1000:.0f} KB text: {t_ext:.3f} s ({n_claims} distinct claims); "
        f"plain number regex {t_base:.4f} s; ratio {t_ext / t_base:.0f}x; {len(text) / t_ext / 1e6:.2f} MB/s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store({"GEOWORKS_DATA_DIR": tmp})
        write_demo(store, cat, 2019)
        claims = load_claims(store, 2019)
        t_tot = best(lambda: compute_totals(store, cat, Filters(year=2019, status="completed")), 3)
        t_cold = best(lambda: verify_claims(store, cat, claims), 3)
        cache = TotalsCache()
        verify_claims(store, cat, claims, cache=cache)
        t_warm = best(lambda: verify_claims(store, cat, claims, cache=cache))
        print(
            f"verify   {len(claims)} claims: cold {t_cold:.3f} s, warm {t_warm:.4f} s; "
            f"compute_totals alone {t_tot:.3f} s; cold/totals {t_cold / t_tot:.2f}x, "
            f"warm/totals {t_warm / t_tot:.3f}x"
        )
        app = create_app({"TESTING": True, "GEOWORKS_DATA_DIR": tmp, "GEOWORKS_TILES": "none"})
        client = app.test_client()
        client.get("/verify?year=2019")
        client.get("/")
        t_page = best(lambda: client.get("/verify?year=2019"))
        t_city = best(lambda: client.get("/"))
        print(f"page     /verify warm {t_page:.3f} s; city page warm {t_city:.3f} s; ratio {t_page / t_city:.2f}x")


if __name__ == "__main__":
    main()
