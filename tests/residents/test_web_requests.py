"""The requests pages: filing without an account (rate-limited per address), officials changing statuses and
links with CSRF, residents and anonymous visitors kept out of every change, imports from a file."""

from __future__ import annotations

import re

import pytest

from tests.helpers.backends import config_for, install_users
from tests.residents.conftest import ALMALY, OUTSIDE, csrf, index_of, login


def _file(client, **fields):
    data = {"text": "Во дворе темно, нет фонарей", "topic": "lighting", **ALMALY, "csrf_token": csrf(client)}
    data.update(fields)
    return client.post("/requests/new", data=data)


def _filed_id(res) -> str:
    assert res.status_code == 302, res.get_data(as_text=True)[:500]
    m = re.search(r"/requests/([\w-]+)\?done=filed", res.headers["Location"])
    assert m, res.headers["Location"]
    return m.group(1)


def test_anyone_files_a_request_and_gets_its_page_and_feed(rq_app):
    c = rq_app.test_client()
    rid = _filed_id(_file(c, contact="+7 701 555 44 33"))
    page = c.get(f"/requests/{rid}?done=filed&lang=ru").get_data(as_text=True)
    assert "Ваш вопрос принят" in page and "Во дворе темно, нет фонарей" in page
    assert "Новое" in page and "Алмалинский район" in page
    assert "+7 701 555 44 33" not in page  # the contact is private
    assert f'href="/requests/{rid}.atom"' in page
    feed = c.get(f"/requests/{rid}.atom?lang=en")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    assert f"urn:geoworks:request:{rid}" in feed.get_data(as_text=True)
    index = index_of(rq_app)
    assert index.status[index.position(rid)] == "new"


def test_a_form_without_its_csrf_token_stores_nothing(rq_app):
    c = rq_app.test_client()
    before = len(index_of(rq_app))
    res = c.post("/requests/new", data={"text": "x", "topic": "water", **ALMALY})
    assert res.status_code == 400 and "CSRF" in res.get_data(as_text=True)
    assert len(index_of(rq_app)) == before


@pytest.mark.parametrize(
    "fields,message",
    [
        (OUTSIDE, "за пределами города"),
        ({"text": ""}, "Напишите вопрос"),
        ({"text": "я" * 5001}, "Текст слишком длинный: 5001 знаков"),
        ({"topic": "tramways"}, "Неизвестная тема"),
        ({"lat": "", "lon": ""}, "Укажите место"),
        ({"lat": "", "lon": "", "street": "Улица Несуществующая 999"}, "нет улицы или места"),
    ],
)
def test_bad_filings_are_refused_with_a_message_and_nothing_stored(rq_app, fields, message):
    c = rq_app.test_client()
    c.get("/requests/new?lang=ru")
    before = len(index_of(rq_app))
    res = _file(c, **fields)
    assert res.status_code == 400
    assert message in res.get_data(as_text=True)
    assert len(index_of(rq_app)) == before


def test_a_street_name_places_the_request(rq_app):
    from geoworks.web.services import KEY

    svc = rq_app.extensions[KEY]
    streets = svc.streets.get(svc.near.get(svc.store, svc.catalogue))
    c = rq_app.test_client()
    several = next(n for _, n, _, *_ in streets.groups if n and len(streets.search(n)) > 1)
    res = _file(c, lat="", lon="", street=several)
    assert res.status_code == 200 and 'name="pick"' in res.get_data(as_text=True)
    pick = streets.search(several)[0]
    rid = _filed_id(_file(c, lat="", lon="", street=several, pick=pick.key))
    index = index_of(rq_app)
    pos = index.position(rid)
    assert index.district[pos] == pick.district
    assert abs(index.lon[pos] - pick.lon) < 1e-5 and abs(index.lat[pos] - pick.lat) < 1e-5


def test_anonymous_filing_is_rate_limited_per_address(demo_copy, rq_users):
    from geoworks.web import create_app

    install_users(rq_users, demo_copy)
    app = create_app({"TESTING": True, "GEOWORKS_REQUESTS_PER_HOUR": "2", **config_for(demo_copy)})
    c = app.test_client()
    for _ in range(2):
        _filed_id(_file(c))
    res = _file(c)
    assert res.status_code == 429 and int(res.headers["Retry-After"]) > 0
    other = app.test_client()
    res = other.post(
        "/requests/new",
        data={"text": "x", "topic": "water", **ALMALY, "csrf_token": csrf(other)},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert res.status_code == 302  # another address is not limited
    login(c, "olga")  # officials entering phone requests are not limited
    _filed_id(_file(c, source="phone", received="2026-06-01"))


@pytest.mark.parametrize("who,status", [(None, 401), ("rita", 403), ("erik", 403)])
def test_only_officials_and_admins_change_requests(rq_app, who, status):
    c = rq_app.test_client()
    if who:
        login(c, who)
    token = csrf(c, "/requests/new")
    rid = "m1-almaly-001"
    before = index_of(rq_app).history(index_of(rq_app).position(rid))
    for url, data in [
        (f"/requests/{rid}/status", {"status": "rejected"}),
        (f"/requests/{rid}/links", {"work": "roads:roads-00001"}),
        (f"/requests/{rid}/links/delete", {"work": "roads:roads-00001"}),
        ("/requests/status", {"ids": rid, "status": "rejected"}),
    ]:
        assert c.post(url, data={**data, "csrf_token": token}).status_code == status, url
    assert c.post("/requests/import", data={"csrf_token": token}).status_code == status
    index = index_of(rq_app)
    assert index.history(index.position(rid)) == before


def test_an_official_changes_a_status_and_the_history_keeps_every_change(rq_app):
    c = rq_app.test_client()
    rid = _filed_id(_file(c))
    login(c, "olga")
    page = c.get(f"/requests/{rid}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert c.post(f"/requests/{rid}/status", data={"status": "in_plan"}).status_code == 400  # no token
    res = c.post(f"/requests/{rid}/status", data={"status": "in_plan", "date": "2026-06-15", "csrf_token": token})
    assert res.status_code == 302
    res = c.post(
        f"/requests/{rid}/status",
        data={"status": "explained", "answer": "Освещение в плане на 2027 год", "csrf_token": token},
    )
    assert res.status_code == 302
    res = c.post(f"/requests/{rid}/status", data={"status": "satisfied", "date": "2031-01-01", "csrf_token": token})
    assert res.status_code == 400 and "2031-01-01" in res.get_data(as_text=True)
    index = index_of(rq_app)
    pos = index.position(rid)
    assert [h["status"] for h in index.history(pos)] == ["new", "in_plan", "explained"]
    public = rq_app.test_client().get(f"/requests/{rid}?lang=ru").get_data(as_text=True)
    assert "Освещение в плане на 2027 год" in public and "Разъяснено" in public


def test_bulk_status_change_from_the_list(rq_app):
    c = rq_app.test_client()
    login(c, "olga")
    page = c.get("/requests?status=new").get_data(as_text=True)
    ids = re.findall(r'name="ids" value="([^"]+)"', page)[:3]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert len(ids) == 3
    res = c.post(
        "/requests/status",
        data={"ids": ids, "status": "in_plan", "back": "/requests?status=new", "csrf_token": token},
    )
    assert res.status_code == 302 and res.headers["Location"].endswith("/requests?status=new&changed=3")
    index = index_of(rq_app)
    assert [index.status[index.position(i)] for i in ids] == ["in_plan"] * 3
    res = c.post("/requests/status", data={"ids": [], "status": "in_plan", "csrf_token": token})
    assert res.status_code == 400
    res = c.post(
        "/requests/status", data={"ids": ids, "status": "in_plan", "back": "//evil.example", "csrf_token": token}
    )
    assert res.headers["Location"].startswith("/requests?")  # only back to the list


def _distances(page: str, layer: str) -> list[tuple[str, int]]:
    return [(w, int(d)) for w, d in re.findall(rf'<tr data-work="({layer}:[^"]+)"><td>(\d+) ', page)]


def test_suggested_works_are_linked_and_shown_with_their_dates(rq_app):
    store = rq_app.extensions["geoworks"].store
    water = store.read_layer("water")
    work = water[water["status"] == "in_progress"].iloc[0]
    point = work.geometry.interpolate(0.5, normalized=True)
    c = rq_app.test_client()
    rid = _filed_id(_file(c, topic="water", lat=f"{point.y:.6f}", lon=f"{point.x:.6f}"))
    login(c, "olga")
    page = c.get(f"/requests/{rid}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    found = _distances(page, "water")
    assert found[0] == (f"water:{work['id']}", 0)  # the work the request lies on, nearest first
    assert [d for _, d in found] == sorted(d for _, d in found) and all(d <= 300 for _, d in found)
    assert not re.search(r'<tr data-work="(?!water:)', page.split('id="rq-suggestions"')[1].split("</table>")[0])
    statuses = set(water.set_index("id").loc[[w.split(":")[1] for w, _ in found], "status"])
    assert statuses <= {"planned", "in_progress"}
    also = _distances(c.get(f"/requests/{rid}?works=all").get_data(as_text=True), "water")
    assert len(also) >= len(found)
    link = f"water:{work['id']}"
    assert c.post(f"/requests/{rid}/links", data={"work": link, "csrf_token": token}).status_code == 302
    res = c.post(f"/requests/{rid}/links", data={"work": "water:no-such-work", "csrf_token": token})
    assert res.status_code == 400 and "no-such-work" in res.get_data(as_text=True)
    public = rq_app.test_client().get(f"/requests/{rid}").get_data(as_text=True)
    assert f'data-work="{link}"' in public and work["start_date"] in public and work["end_date"] in public
    popup = c.get(f"/requests/works/water/{work['id']}.json").get_json()
    assert rid in [it["id"] for it in popup["items"]]
    res = c.post(f"/requests/{rid}/links/delete", data={"layer": "water", "work_id": work["id"], "csrf_token": token})
    assert res.status_code == 302
    public = rq_app.test_client().get(f"/requests/{rid}").get_data(as_text=True)
    assert f'data-work="{link}"' not in public and 'id="rq-no-works"' in public


def test_an_official_imports_a_meeting_from_the_web(rq_app):
    import io

    c = rq_app.test_client()
    login(c, "olga")
    token = csrf(c, "/requests/import")
    bad = b"text,topic,lat,lon\n,water,43.2575,76.925\nok,tram,43.2575,76.925\n"
    res = c.post(
        "/requests/import",
        data={"file": (io.BytesIO(bad), "bad.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    text = res.get_data(as_text=True)
    assert res.status_code == 400 and "bad.csv: row 2: field &#39;text&#39;" in text and "row 3" in text
    good = "text,topic,lat,lon\nНет воды,water,43.2575,76.925\nЯма,roads,43.232,76.845\n".encode()
    before = len(index_of(rq_app))
    res = c.post(
        "/requests/import",
        data={
            "file": (io.BytesIO(good), "good.csv"),
            "round": "5",
            "meeting_date": "2026-06-01",
            "check_only": "1",
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    assert res.status_code == 200 and 'id="rq-checked"' in res.get_data(as_text=True)
    assert len(index_of(rq_app)) == before
    res = c.post(
        "/requests/import",
        data={"file": (io.BytesIO(good), "good.csv"), "round": "5", "meeting_date": "2026-06-01", "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert res.status_code == 200 and 'id="rq-imported"' in res.get_data(as_text=True)
    index = index_of(rq_app)
    assert len(index) == before + 2 and sorted(set(index.round[index.round == 5].tolist())) == [5]


def test_cached_pages_follow_the_data_and_never_cross_sessions(rq_app):
    a, b = rq_app.test_client(), rq_app.test_client()
    login(a, "olga")
    login(b, "olga")
    url = "/requests?district=medeu&status=new"
    page_a, page_b = a.get(url).get_data(as_text=True), b.get(url).get_data(as_text=True)
    token_a = re.search(r'name="csrf_token" value="([^"]+)"', page_a).group(1)
    token_b = re.search(r'name="csrf_token" value="([^"]+)"', page_b).group(1)
    again = a.get(url).get_data(as_text=True)
    no_nonce = lambda html: re.sub(r' nonce="[^"]+"', "", html)  # noqa: E731  (a script nonce is per response)
    assert token_a != token_b and no_nonce(again) == no_nonce(page_a)  # each session its own copy
    first = re.search(r'name="ids" value="([^"]+)"', page_a).group(1)
    anonymous = rq_app.test_client().get(url).get_data(as_text=True)
    assert 'name="ids"' not in anonymous and "csrf_token" not in anonymous.split("<main>")[1]
    res = a.post("/requests/status", data={"ids": [first], "status": "explained", "back": url, "csrf_token": token_a})
    assert res.status_code == 302
    assert f'data-id="{first}"' not in a.get(url).get_data(as_text=True)  # a commit: new data version
    assert f'data-id="{first}"' not in rq_app.test_client().get(url).get_data(as_text=True)
