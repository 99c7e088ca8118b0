"""Works suggested for a request: the topic's layers, within 300 m, planned or in progress, nearest first,
without those already linked; fast enough to show on the request's page."""

from __future__ import annotations

import time

import numpy as np

from geoworks.near.index import NearIndex
from geoworks.residents.index import RequestsIndex
from geoworks.residents.suggest import WorkLookup, suggest


def test_suggestions(demo_store, catalogue):
    near = NearIndex.from_store(demo_store, catalogue)
    index = RequestsIndex.from_store(demo_store, catalogue)
    checked = 0
    for pos in range(0, len(index), 7):
        found = suggest(near, index, pos, catalogue)
        layers = catalogue.requests.topic_layers(str(index.topic[pos]), catalogue)
        d = [w["distance_m"] for w in found]
        assert d == sorted(d) and all(x <= 300 for x in d)
        assert all(w["layer"] in layers and w["status"] in ("planned", "in_progress") for w in found)
        assert not {(w["layer"], str(w["id"])) for w in found} & set(index.links_of(pos))
        checked += bool(found)
    assert checked > 20
    lit = next(p for p in range(len(index)) if index.topic[p] == "lighting")
    everything = suggest(near, index, lit, catalogue, radius_m=2000, statuses=())
    assert {w["status"] for w in everything} - {"planned", "in_progress"}  # completed ones when asked


def test_one_suggestion_takes_well_under_50_ms(demo_store, catalogue):
    near = NearIndex.from_store(demo_store, catalogue)
    index = RequestsIndex.from_store(demo_store, catalogue)
    positions = np.arange(0, len(index), max(1, len(index) // 200))
    start = time.perf_counter()
    for pos in positions:
        suggest(near, index, int(pos), catalogue)
    per = (time.perf_counter() - start) / len(positions) * 1000
    assert per < 50, per


def test_work_lookup_names_works_in_the_readers_language(demo_store, catalogue):
    near = NearIndex.from_store(demo_store, catalogue)
    lookup = WorkLookup(near)
    roads = demo_store.read_layer("roads").iloc[0]
    assert lookup.name("roads", roads["id"], "kk") == roads["name"]
    assert lookup.name("roads", roads["id"], "ru") == roads["name_ru"]
    assert lookup.get("roads", "no-such") is None and lookup.name("roads", "no-such", "ru") == "no-such"
