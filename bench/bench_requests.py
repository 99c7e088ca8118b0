"""Residents' requests at scale: 100 000 requests (about 230 000 events) stored with the demo's works.

    .venv/bin/python bench/bench_requests.py [--requests 100000] [--duration 20] [--connections 32]

In process, each against a full scan measured in the same run:
  - the triage list (one page, several filters) and the summary from the in-memory index (built once per
    data version), against reading the requests and their events from the store and folding them per query;
  - suggesting works for one request (near index), against testing every work's geometry (NearIndex.scan).
Over HTTP (waitress, wrk with --connections clients, else Python threads): the triage list as an official
(logged in: no whole-page cache), the anonymous list and /api/requests/summary, with /ogc/conformance as
the baseline (HTTP + Flask alone). Goals: p99 < 100 ms at 32 clients; < 50 ms per suggestion.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import free_port, run_python, run_wrk, start_server  # noqa: E402

LIST_QUERIES = [
    {},
    {"district": "almaly", "status": "new"},
    {"topic": "water", "status": ["in_plan", "needs_time"], "page": "5"},
    {"round": "1", "linked": "no"},
    {"from": "2025-01-01", "to": "2025-06-30", "district": "medeu"},
]
SUMMARY_QUERIES = [{}, {"round": "1"}, {"district": "turksib", "topic": "roads"}]
GOAL_P99_MS, GOAL_SUGGEST_MS = 100.0, 50.0


def build_store(path: str, n: int, seed: int = 13) -> dict[str, int]:
    """The demo set plus ``n`` generated requests (random places in the city, every topic and status)."""
    from geoworks import clock
    from geoworks.catalogue import default_catalogue
    from geoworks.demo import write_demo
    from geoworks.residents.model import CONTACTS, EVENTS, REQUESTS, Change, NewRequest
    from geoworks.residents.records import filing_frames
    from geoworks.residents.validate import assign_districts
    from geoworks.storage import open_store

    cat, store = default_catalogue(), open_store({"GEOWORKS_DATA_DIR": path})
    write_demo(store, cat, 2019)
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = store.read_layer("districts").total_bounds
    lon, lat = rng.uniform(x0, x1, n * 2), rng.uniform(y0, y1, n * 2)
    slugs = assign_districts(list(zip(lon, lat)), cat, store.read_layer("districts"))
    inside = [i for i, s in enumerate(slugs) if s != "outside"][:n]
    topics, statuses = list(cat.requests.topics), list(cat.requests.statuses)
    works = {lid: store.read_layer(lid)["id"].astype(str).to_numpy() for lid in cat.layers}
    items, histories = [], []
    start = dt.date(2019, 1, 1)
    for k, i in enumerate(inside):
        topic = topics[int(rng.integers(0, len(topics)))]
        received = (start + dt.timedelta(days=int(rng.integers(0, 2500)))).isoformat()
        status = statuses[int(rng.integers(0, len(statuses)))]
        later = min(received, "2025-11-30") if received > "2025-11-30" else received
        history = [Change("status", received, status="new")]
        if status != "new":
            history.append(Change("status", later, status=status, answer=f"answer {k}"))
        layers = cat.requests.topic_layers(topic, cat)
        if rng.random() < 0.25:
            layer = layers[int(rng.integers(0, len(layers)))]
            history.append(Change("link", later, layer=layer, work_id=str(rng.choice(works[layer]))))
        rnd = int(rng.integers(1, 4)) if rng.random() < 0.6 else None
        items.append(
            NewRequest(
                f"Generated question {k}: water, roads, lights near the house",
                topic,
                float(lon[i]),
                float(lat[i]),
                slugs[i],
                received,
                source="meeting" if rnd else "web",
                round=rnd,
                meeting_date=received if rnd else None,
            )  # fmt: skip
        )
        histories.append(history)
    reqs, events, contacts = filing_frames(
        items, [f"b-{k:06d}" for k in range(len(items))], "bench", clock.now(), "bench", histories
    )
    with store.transaction() as tx:
        tx.append_layer(REQUESTS, reqs)
        tx.append_layer(EVENTS, events)
        if len(contacts):
            tx.append_layer(CONTACTS, contacts)
    return {"requests": len(reqs), "events": len(events)}


def _timed(fn, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _scan_frame(store):
    """Without an index: read the requests and their events and fold the events per request (the baseline)."""
    from geoworks.residents.index import RequestsIndex

    return RequestsIndex(store.read_layer("requests"), store.read_layer("request_events"))


def in_process(path: str, suggestions: int) -> list[tuple[str, float, float, str]]:
    """(what, indexed ms, full-scan ms, note) rows."""
    from geoworks.catalogue import default_catalogue
    from geoworks.near.index import NearIndex, NearQuery
    from geoworks.residents.index import RequestsIndex
    from geoworks.residents.query import parse_filter
    from geoworks.residents.suggest import suggest
    from geoworks.residents.summary import summary
    from geoworks.residents.views import list_view
    from geoworks.residents.words import Words
    from geoworks.storage import open_store

    cat, store = default_catalogue(), open_store({"GEOWORKS_DATA_DIR": path})
    t = time.perf_counter()
    index = RequestsIndex.from_store(store, cat)
    build = (time.perf_counter() - t) * 1000
    url = lambda *a, **k: "/requests/x"  # noqa: E731
    rows = [("index build (once per data version)", build, float("nan"), f"{len(index)} requests")]
    lists = [
        m for q in LIST_QUERIES for m in _timed(lambda q=q: list_view(index, cat, q, "ru", words=Words(), url=url), 5)
    ]
    scan = _timed(lambda: list_view(_scan_frame(store), cat, LIST_QUERIES[1], "ru", words=Words(), url=url), 2)
    rows.append(("triage list page (uncached view)", float(np.mean(lists)), float(np.mean(scan)), "mean ms"))
    sums = [m for q in SUMMARY_QUERIES for m in _timed(lambda q=q: summary(index, cat, parse_filter(q, cat)), 5)]
    scan = _timed(lambda: summary(_scan_frame(store), cat, parse_filter({"round": "1"}, cat)), 2)
    rows.append(("summary (uncached)", float(np.mean(sums)), float(np.mean(scan)), "mean ms"))
    near = NearIndex.from_store(store, cat)
    rng = np.random.default_rng(5)
    picks = rng.integers(0, len(index), suggestions)
    per = _timed(lambda: [suggest(near, index, int(p), cat) for p in picks], 1)[0] / len(picks)
    one = [_timed(lambda p=p: suggest(near, index, int(p), cat), 1)[0] for p in picks[:200]]

    def scan_one(p: int) -> None:
        layers = cat.requests.topic_layers(str(index.topic[p]), cat)
        near.scan(NearQuery(float(index.lat[p]), float(index.lon[p]), 300.0, tuple(layers), ("planned", "in_progress")))

    full = _timed(lambda: [scan_one(int(p)) for p in picks[:50]], 1)[0] / 50
    rows.append(("suggest works for one request", per, full, f"p99 {np.percentile(one, 99):.2f} ms, {len(near)} works"))
    return rows


def _login(port: int, name: str, password: str) -> str:
    """The session cookie of a logged-in user (through the login form and its CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    res = conn.getresponse()
    html = res.read().decode()
    cookie = res.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"name": name, "password": password, "csrf_token": token})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/login", body=body, headers=headers)
    res = conn.getresponse()
    res.read()
    assert res.status == 302, res.status
    cookie = res.getheader("Set-Cookie").split(";")[0]
    conn.request("GET", "/requests", headers={"Cookie": cookie})  # the session gets its CSRF token, as a browser's
    res = conn.getresponse()
    res.read()
    fresh = [c.strip() for c in (res.getheader("Set-Cookie") or "").split(",") if c.strip().startswith("session=")]
    return fresh[0].split(";")[0] if fresh else cookie


def over_http(path: str, args) -> list[tuple[str, dict]]:
    from geoworks.storage.users import UserStore

    UserStore(Path(path) / "users.sqlite").set_user("olga", "bench password 1", "official")
    port = free_port()
    proc = start_server(path, port, args.threads)
    try:
        cookie = _login(port, "olga", "bench password 1")
        targets = [
            ("baseline /ogc/conformance", "/ogc/conformance?f=json", None),
            ("triage list, official", "/requests?district=almaly&status=new&lang=ru", cookie),
            ("triage list p.5, official", "/requests?topic=water&status=in_plan&status=needs_time&page=5", cookie),
            ("triage list, anonymous", "/requests?lang=ru", None),
            ("/api/requests/summary", "/api/requests/summary", None),
            ("/api/requests/summary?round=1", "/api/requests/summary?round=1&district=medeu", None),
        ]
        results = []
        for name, target, cook in targets:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", target, headers={"Cookie": cook} if cook else {})
            res = conn.getresponse()
            res.read()
            assert res.status == 200, (target, res.status)
            url = f"http://127.0.0.1:{port}{target}"
            if shutil.which("wrk"):
                r = run_wrk(url, args.connections, args.duration, cookie=cook)
            else:
                r = run_python("127.0.0.1", port, target, args.connections, args.duration)
            results.append((name, r))
        return results
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--duration", type=int, default=20, help="seconds per HTTP target")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    ap.add_argument("--suggestions", type=int, default=1000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="geoworks-bench-requests-")
    try:
        t = time.perf_counter()
        counts = build_store(tmp, args.requests)
        print(f"store: {counts['requests']} requests, {counts['events']} events ({time.perf_counter() - t:.1f} s)")
        _print_in_process(in_process(tmp, args.suggestions))
        results = over_http(tmp, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _print_http(results, args.connections)


def _print_in_process(rows: list[tuple[str, float, float, str]]) -> None:
    print(f"\n{'in process':42} {'indexed ms':>11} {'full scan ms':>13} {'x faster':>9}  note")
    for name, fast, slow, note in rows:
        ratio = "" if np.isnan(slow) else f"{slow / fast:9.1f}"
        print(f"{name:42} {fast:11.2f} {slow:13.1f} {ratio:>9}  {note}")
        if name.startswith("suggest"):
            verdict = "met" if fast < GOAL_SUGGEST_MS else "NOT met"
            print(f"{'':42} goal < {GOAL_SUGGEST_MS:.0f} ms per suggestion: {verdict}")


def _print_http(results: list[tuple[str, dict]], connections: int) -> None:
    base = results[0][1]
    head = f"HTTP, {connections} clients"
    print(f"\n{head:42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'p99/base':>9}  goal")
    for name, r in results:
        ok = r["p99"] < GOAL_P99_MS and r["errors"] == 0
        goal = "" if name.startswith("baseline") else f"p99 < {GOAL_P99_MS:.0f} ms: " + ("met" if ok else "NOT met")
        ratio = r["p99"] / base["p99"]
        print(f"{name:42} {r['rps']:8.1f} {r['p50']:8.2f} {r['p99']:8.2f} {r['errors']:7d} {ratio:9.2f}  {goal}")


if __name__ == "__main__":
    main()
