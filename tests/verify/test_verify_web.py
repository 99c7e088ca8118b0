"""The /verify pages: table, works behind a figure, exports, printable page, claim form, paste-a-report."""

import io

import pytest
from openpyxl import load_workbook

from geoworks.storage import open_store
from geoworks.verify.claims import load_claims
from tests.conftest import shared_file
from tests.helpers.backends import config_for, users_of


def test_verify_page_flags_and_confirms(client):
    res = client.get("/verify?year=2019&lang=en")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert html.count('data-status="over_reported"') == 3 and html.count('data-status="confirmed"') == 5
    assert 'data-layers="power" data-status="over_reported"' in html
    assert 'id="overlap-summary"' in html and 'id="overlaps-map"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "cdn.jsdelivr" not in html
    assert "/verify/claims/claim-2019-01/works" in html
    for lang, word in (("kk", "асыра"), ("ru", "завышено")):
        assert word in client.get(f"/verify?year=2019&lang={lang}").get_data(as_text=True)


def test_bad_parameters_are_400_not_500(client):
    for url in ("/verify?year=abc", "/verify?tolerance=lots"):
        res = client.get(url)
        assert res.status_code == 400 and 'class="error"' in res.get_data(as_text=True)
    res = client.get("/verify/export.csv?tolerance=-5")
    assert res.status_code == 400 and "error" in res.get_json()
    assert client.get("/verify/export.pdf").status_code == 404
    assert client.get("/verify/claims/nope/works").status_code == 404


def test_works_behind_a_figure(client, demo_store, catalogue):
    from geoworks.verify.checks import year_totals

    res = client.get("/verify/claims/claim-2019-01/works?lang=en")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    ids = set(year_totals(demo_store, catalogue, 2019).features_behind("roads")["feature"])
    assert len(ids) == 42 and all(f">{i}<" in html for i in ids)
    html = client.get("/verify/claims/claim-2019-03/works").get_data(as_text=True)
    assert 'data-layer="water"' in html and 'data-layer="sewer"' in html


def test_exports(client):
    res = client.get("/verify/export.csv?year=2019")
    assert res.status_code == 200 and "attachment" in res.headers["Content-Disposition"]
    text = res.get_data().decode("utf-8-sig")
    assert text.startswith("claim,year,layers") and "over_reported" in text and "# tolerance_pct: 2" in text
    res = client.get("/verify/export.xlsx?year=2019&tolerance=10")
    wb = load_workbook(io.BytesIO(res.get_data()))
    rows = list(wb["verification"].values)
    head = rows[0]
    statuses = {r[head.index("layers")]: r[head.index("status")] for r in rows[1:]}
    assert statuses["power"] == "confirmed" and statuses["heating"] == "over_reported"
    about = dict(wb["about"].values)
    assert about["tolerance_pct"] == "10" and "demo" in about["data_source"]
    assert len(list(wb["overlaps"].values)) > 4
    data = client.get("/verify/export.json?year=2019").get_json()
    assert len(data["claims"]) == 8 and data["notes"]["year"] == "2019"


def test_printable_page(client):
    html = client.get("/verify/print?year=2019&lang=en").get_data(as_text=True)
    assert "print.css" in html and 'id="verify-notes"' in html
    assert "Tolerance" in html and "2 %" in html and "Data source" in html and "demo" in html
    assert "leaflet" not in html.split("<main>")[1]


PASSWORD = "a long enough password"


class SignedIn:
    """A test client logged in with ``role`` that sends this session's CSRF token with every post."""

    def __init__(self, app, name: str):
        import re

        self.client = app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        res = self.client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
        assert res.status_code == 302
        page = self.client.get("/verify/extract").get_data(as_text=True)  # the session changed at login
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)


@pytest.fixture
def writable_app(demo_copy):
    from geoworks.web import create_app

    users = users_of(demo_copy)
    users.set_user("olga", PASSWORD, "official")
    users.set_user("rita", PASSWORD, "resident")
    return create_app({"TESTING": True, **config_for(demo_copy)}), demo_copy


@pytest.fixture
def writable(writable_app):
    app, path = writable_app
    return SignedIn(app, "olga"), open_store(config_for(path))


def test_only_officials_write_claims_and_csrf_is_checked(writable_app):
    app, path = writable_app
    store = open_store(config_for(path))
    version = store.version()
    data = {"year": "2019", "layers": ["gas"], "value": "5", "unit": "km", "qualifier": "exact"}
    anon = app.test_client()
    assert anon.get("/verify/claims/new").status_code == 302  # to the login page
    assert anon.post("/verify/claims/new", data=data).status_code == 401
    resident = SignedIn(app, "rita")
    assert resident.post("/verify/claims/new", data=data).status_code == 403
    official = SignedIn(app, "olga")
    res = official.client.post("/verify/claims/new", data=data)  # no CSRF token
    assert res.status_code == 400 and "CSRF" in res.get_data(as_text=True)
    res = resident.post("/verify/extract?lang=en", data={"text": "2019 жылы 73 шақырым жол салынды.", "action": "save"})
    assert res.status_code == 400 and "officials" in res.get_data(as_text=True)
    assert store.version() == version


def test_claim_form_saves_and_escapes(writable):
    client, store = writable
    n = len(load_claims(store))
    res = client.post(
        "/verify/claims/new",
        data={
            "year": "2019",
            "layers": ["gas"],
            "district": "medeu",
            "value": "3,5",
            "unit": "km",
            "qualifier": "exact",
            "source": "s",
            "quote": "<script>alert(1)</script>",
        },
    )
    assert res.status_code == 303
    assert len(load_claims(store)) == n + 1
    html = client.get("/verify?year=2019").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_bad_claim_leaves_store_as_it_was(writable):
    client, store = writable
    version = store.version()
    res = client.post("/verify/claims/new", data={"year": "2019", "layers": ["gas"], "value": "many"})
    assert res.status_code == 400 and "value: &#39;many&#39; is not a number" in res.get_data(as_text=True)
    res = client.post(
        "/verify/claims/new",
        data={"file": (io.BytesIO(b"year,layers,value\n2019,tram,5\n"), "c.csv")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 400 and "unknown layer" in res.get_data(as_text=True)
    assert store.version() == version


def test_csv_upload(writable):
    client, store = writable
    n = len(load_claims(store))
    body = "year,layers,district,value,unit,qualifier\n2020,roads,,10,km,exact\n2020,heating,Алмалы ауданы,2,km,about\n"
    res = client.post(
        "/verify/claims/new",
        data={"file": (io.BytesIO(body.encode()), "claims.csv")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 303 and len(load_claims(store)) == n + 2
    html = client.get("/verify?year=2020&lang=en").get_data(as_text=True)
    assert html.count("data-claim=") == 2


def test_paste_a_report(writable):
    client, store = writable
    text = shared_file("reports", "almaty-2019-akim-report.kk.txt").read_text(encoding="utf-8")
    res = client.post("/verify/extract?lang=en", data={"text": text, "action": "extract"})
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and html.count("<tr data-layers=") == 8 and 'data-layers="water,sewer"' in html
    n = len(load_claims(store))
    res = client.post("/verify/extract", data={"text": text, "action": "save", "source": "akim 2019"})
    assert res.status_code == 303 and len(load_claims(store)) == n + 8
    res = client.post("/verify/extract", data={"text": "  ", "action": "extract"})
    assert res.status_code == 400
    res = client.post("/verify/extract", data={"text": "Жол құрылысына 15 млрд теңге бөлінді.", "year": "2019"})
    assert res.status_code == 200 and "No figures found" in res.get_data(as_text=True)
