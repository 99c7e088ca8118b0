"""The demo's requests reproduce the report's first round: about 880 questions, 123 answered on the spot,
756 in action plans, 40/40/20 satisfied / explained / needs time; kk and ru texts; linked to works that
answer them; deterministic per seed; the demo's works unchanged."""

from __future__ import annotations

import pytest

from geoworks.demo import STREETS, build_demo
from geoworks.demo.requests import build_demo_requests
from geoworks.residents.index import RequestsIndex
from geoworks.residents.query import RequestFilter
from geoworks.residents.summary import summary
from geoworks.residents.validate import assign_districts


@pytest.fixture(scope="module")
def index(demo_store, catalogue):
    return RequestsIndex.from_store(demo_store, catalogue)


def test_round_one_reproduces_the_report(index, catalogue):
    s = summary(index, catalogue, RequestFilter(round=1))
    assert s["total"] == 880
    assert s["answered_on_spot"] == 123 and s["in_action_plan"] == 756
    assert s["by_status"]["satisfied"] == 350 and s["by_status"]["explained"] == 354
    assert s["by_status"]["needs_time"] == 176
    assert s["shares"] == {
        "satisfied": pytest.approx(0.40, abs=0.005),
        "explained": pytest.approx(0.402, abs=1e-3),
        "needs_time": pytest.approx(0.20, abs=1e-4),
    }
    assert s["shares"]["explained"] > 0.40  # "over 40 %"
    assert sum(d["total"] for d in s["by_district"].values()) == 880 and len(s["by_district"]) == 8
    assert 300 < s["linked_to_works"] < 880 and s["median_days_to_satisfied"] > 0
    # "20 % need time (water supply, road repairs, landscaping, land plots)"
    pos = [p for p in range(len(index)) if index.round[p] == 1 and index.status[p] == "needs_time"]
    assert {str(index.topic[p]) for p in pos} == {"water", "roads", "landscaping", "land"}


def test_second_round_and_online_requests(index, catalogue):
    assert summary(index, catalogue, RequestFilter(round=2))["total"] == 786  # "over 785 questions"
    web = summary(index, catalogue, RequestFilter(source="web"))["total"]
    phone = summary(index, catalogue, RequestFilter(source="phone"))["total"]
    assert web + phone == 60 and len(index) == 880 + 786 + 60
    assert summary(index, catalogue)["by_status"]["new"] > 0  # something left for the officials


def test_texts_are_kazakh_and_russian(index):
    kazakh = sum(any(ch in t for ch in "әғқңөұүһі") for t in index.text)
    assert 0.3 * len(index) < kazakh < 0.6 * len(index)


def test_links_name_stored_works_of_the_topic_nearby(index, demo_store, catalogue):
    from geoworks.geodesy import distances_to_point_m, to_metric

    linked = [(p, pair) for p, pairs in index.links.items() for pair in pairs]
    assert len(linked) > 400
    works = {lid: demo_store.read_layer(lid).set_index("id") for lid in catalogue.layers}
    for p, (layer, work_id) in linked[::37]:
        assert layer in catalogue.requests.topic_layers(str(index.topic[p]), catalogue)
        work = works[layer].loc[[work_id]]
        metric = to_metric(work, catalogue.city.metric_crs).geometry.values
        d = distances_to_point_m(metric, float(index.lon[p]), float(index.lat[p]), catalogue.city.metric_crs)[0]
        assert d < 250, (index.ids[p], layer, work_id, d)
        status = work["status"].iloc[0]
        assert status == "completed" if index.status[p] == "satisfied" else status in ("planned", "in_progress")


def test_every_request_lies_in_its_district_and_its_history_runs_forward(index, demo_store, catalogue):
    slugs = assign_districts(list(zip(index.lon, index.lat)), catalogue, demo_store.read_layer("districts"))
    assert slugs == list(index.district)
    for p in range(0, len(index), 11):
        history = index.history(p)
        assert history[0]["status"] == "new" and history[0]["date"] == index.received[p]
        dates = [h["date"] for h in history]
        assert dates == sorted(dates) and dates[-1] <= "2025-11-30"


def test_deterministic_per_seed_and_works_untouched(catalogue):
    tables = build_demo(catalogue, 2019)
    works = {lid: tables[lid] for lid in catalogue.layers}
    a = build_demo_requests(catalogue, tables["districts"], works, list(STREETS), 2019)
    b = build_demo_requests(catalogue, tables["districts"], works, list(STREETS), 2019)
    for name in a:
        assert a[name].drop(columns="geometry").equals(b[name].drop(columns="geometry")), name
        assert (a[name].geometry.to_wkb() == b[name].geometry.to_wkb()).all()
    again = build_demo(catalogue, 2019)  # building requests draws nothing from the works' random stream
    for lid in catalogue.layers:
        assert again[lid].drop(columns="geometry").equals(tables[lid].drop(columns="geometry"))
    c = build_demo_requests(catalogue, tables["districts"], works, list(STREETS), 7)
    assert set(c["requests"]["text"]) != set(a["requests"]["text"])


def test_demo_contacts_are_kept_private(demo_store):
    contacts = demo_store.read_table("request_contacts")
    assert len(contacts) > 10
    public = demo_store.read_layer("requests").to_json() + demo_store.read_layer("request_events").to_json()
    assert not any(c in public for c in contacts["contact"])
