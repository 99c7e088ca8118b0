"""Requests in the store: filing, status changes recorded as events (never overwritten), links to works,
contacts kept apart; every refused input stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from geoworks.residents.index import RequestsIndex
from geoworks.residents.model import CONTACTS, EVENTS, MAX_TEXT, REQUESTS, Change, RequestError
from geoworks.residents.records import file_requests, record_changes, rollback_import
from geoworks.residents.validate import assign_districts, new_request
from geoworks.storage import open_store
from tests.helpers.backends import config_for

TODAY = dt.date(2026, 6, 15)
NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)


@pytest.fixture
def store(demo_copy):
    return open_store(config_for(demo_copy))


def _raw(**changes):
    raw = {"text": "Во дворе нет освещения", "topic": "lighting", "lat": "43.2575", "lon": "76.9250"}
    return {**raw, **changes}


def _file(store, catalogue, **changes):
    districts = store.read_layer("districts")
    return file_requests(store, catalogue, [new_request(_raw(**changes), catalogue, districts, TODAY)], "rita", NOW)[0]


def test_filing_stores_the_request_its_first_event_and_the_private_contact_apart(store, catalogue):
    before = len(store.read_layer(REQUESTS))
    rid = _file(store, catalogue, contact="+7 701 123 45 67", street="проспект Абая")
    reqs = store.read_layer(REQUESTS)
    assert len(reqs) == before + 1
    row = reqs[reqs["id"] == rid].iloc[0]
    assert row["district"] == "almaly" and row["source"] == "web" and row["received"] == "2026-06-15"
    assert "contact" not in reqs.columns and "+7 701" not in reqs.to_json()
    events = store.read_layer(EVENTS)
    mine = events[events["request_id"] == rid]
    assert list(mine["kind"]) == ["status"] and list(mine["status"]) == ["new"]
    assert "+7 701" not in events.to_json()
    contacts = store.read_table(CONTACTS)
    assert contacts.loc[contacts["request_id"] == rid, "contact"].tolist() == ["+7 701 123 45 67"]
    assert reqs.crs.to_epsg() == 4326


def test_district_comes_from_the_point_by_the_measuring_assignment(store, catalogue):
    districts = store.read_layer("districts")
    slugs = assign_districts([(76.925, 43.2575), (76.845, 43.232), (77.045, 43.215)], catalogue, districts)
    assert slugs == ["almaly", "auezov", "medeu"]


def test_a_status_change_is_a_new_event_and_the_old_one_stays(store, catalogue):
    rid = _file(store, catalogue)
    index = RequestsIndex.from_store(store, catalogue)
    record_changes(store, catalogue, index, [rid], Change("status", "2026-06-15", status="in_plan"), "olga", NOW)
    index = RequestsIndex.from_store(store, catalogue)
    change = Change("status", "2026-06-15", status="satisfied", answer="Фонари установлены")
    record_changes(store, catalogue, index, [rid], change, "olga", NOW)
    index = RequestsIndex.from_store(store, catalogue)
    pos = index.position(rid)
    assert index.status[pos] == "satisfied" and index.answer[pos] == "Фонари установлены"
    assert [h["status"] for h in index.history(pos)] == ["new", "in_plan", "satisfied"]
    assert bool(index.in_plan[pos]) and index.satisfied_date[pos] == "2026-06-15"


def test_links_to_works_and_unlinks_are_events(store, catalogue, demo_store):
    rid = _file(store, catalogue)
    work = str(demo_store.read_layer("lighting")["id"].iloc[0])
    index = RequestsIndex.from_store(store, catalogue)
    record_changes(
        store, catalogue, index, [rid], Change("link", "2026-06-15", layer="lighting", work_id=work), "o", NOW
    )
    index = RequestsIndex.from_store(store, catalogue)
    assert index.links_of(index.position(rid)) == (("lighting", work),)
    assert rid in [index.ids[p] for p in index.answering("lighting", work)]
    with pytest.raises(RequestError) as err:  # twice: refused
        record_changes(
            store, catalogue, index, [rid], Change("link", "2026-06-15", layer="lighting", work_id=work), "o", NOW
        )
    assert err.value.code == "linked"
    record_changes(
        store, catalogue, index, [rid], Change("unlink", "2026-06-15", layer="lighting", work_id=work), "o", NOW
    )
    index = RequestsIndex.from_store(store, catalogue)
    assert index.links_of(index.position(rid)) == ()
    kinds = [h["kind"] for h in index.history(index.position(rid))]
    assert kinds == ["status", "link", "unlink"]


@pytest.mark.parametrize(
    "change,code",
    [
        (Change("link", "2026-06-15", layer="lighting", work_id="no-such-work"), "work"),
        (Change("link", "2026-06-15", layer="tram", work_id="x"), "layer"),
        (Change("status", "2026-06-15", status="done-ish"), "status"),
        (Change("status", "2020-01-01", status="explained"), "date_order"),
        (Change("unlink", "2026-06-15", layer="roads", work_id="roads-00001"), "not_linked"),
        (Change("status", "2026-06-15", status="explained", answer="x" * (MAX_TEXT + 1)), "answer_long"),
    ],
)
def test_refused_changes_store_nothing(store, catalogue, change, code):
    rid = _file(store, catalogue)
    index = RequestsIndex.from_store(store, catalogue)
    version = store.version()
    with pytest.raises(RequestError) as err:
        record_changes(store, catalogue, index, [rid], change, "olga", NOW)
    assert err.value.code == code
    assert store.version() == version


def test_unknown_request_in_a_bulk_change_stores_nothing_for_the_others(store, catalogue):
    a, b = _file(store, catalogue), _file(store, catalogue, topic="roads")
    index = RequestsIndex.from_store(store, catalogue)
    version = store.version()
    with pytest.raises(RequestError, match="no request 'nope'"):
        record_changes(
            store, catalogue, index, [a, "nope", b], Change("status", "2026-06-15", status="explained"), "o", NOW
        )
    assert store.version() == version
    changed = record_changes(
        store, catalogue, index, [a, b], Change("status", "2026-06-15", status="explained"), "o", NOW
    )
    assert changed == [a, b]
    index = RequestsIndex.from_store(store, catalogue)
    # the same status again, without a new answer, changes nothing
    assert (
        record_changes(store, catalogue, index, [a], Change("status", "2026-06-15", status="explained"), "o", NOW) == []
    )


def test_a_link_to_a_missing_work_refuses_the_whole_filing(store, catalogue):
    from dataclasses import replace

    districts = store.read_layer("districts")
    ok = new_request(_raw(), catalogue, districts, TODAY)
    bad = replace(ok, links=(("roads", "roads-99999"),))
    version = store.version()
    with pytest.raises(RequestError, match="no work 'roads-99999'"):
        file_requests(store, catalogue, [ok, bad], "olga", NOW)
    assert store.version() == version


def test_rollback_of_an_import_refuses_when_officials_changed_its_requests(store, catalogue):
    import pandas as pd

    from geoworks.residents.model import IMPORT_COLUMNS, IMPORTS

    districts = store.read_layer("districts")
    items = [
        new_request(_raw(), catalogue, districts, TODAY),
        new_request(_raw(topic="roads"), catalogue, districts, TODAY),
    ]
    row = dict.fromkeys(IMPORT_COLUMNS) | {"id": "i1", "created": NOW.isoformat(), "status": "committed", "requests": 2}
    ids = file_requests(store, catalogue, items, "olga", NOW, batch_id="i1", import_row=row)
    index = RequestsIndex.from_store(store, catalogue)
    record_changes(store, catalogue, index, [ids[0]], Change("status", "2026-06-15", status="explained"), "o", NOW)
    with pytest.raises(RequestError, match="changed since"):
        rollback_import(store, "i1", "olga", NOW)
    assert rollback_import(store, "i1", "olga", NOW, force=True) == 2
    assert not set(ids) & set(store.read_layer(REQUESTS)["id"])
    imports = store.read_table(IMPORTS)
    assert imports.loc[imports["id"] == "i1", "status"].tolist() == ["rolled_back"]
    with pytest.raises(RequestError, match="rolled_back"):
        rollback_import(store, "i1", "olga", NOW)
    assert isinstance(imports, pd.DataFrame)
