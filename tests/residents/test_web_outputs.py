"""What the requests show: figures like the report's (page, files, JSON), the open API collection, the maps'
answers; every text a resident wrote escaped wherever shown; the private contact in no public output."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from openpyxl import load_workbook

from tests.residents.conftest import ALMALY, XSS, csrf, login

CONTACT = "+7 (701) 999-12-34 secret@example.kz"


@pytest.fixture
def filed(rq_app):
    """A request whose text tries every trick, with a contact; its id."""
    c = rq_app.test_client()
    data = {"text": XSS + "\n=1+2", "topic": "roads", "contact": CONTACT, "street": "", **ALMALY, "csrf_token": csrf(c)}
    res = c.post("/requests/new", data=data)
    assert res.status_code == 302
    return res.headers["Location"].split("/requests/")[1].split("?")[0]


def test_summary_json_of_the_first_round(client):
    s = client.get("/api/requests/summary?round=1").get_json()
    assert {"total", "by_status", "by_district", "shares", "linked_to_works"} <= set(s)
    assert s["total"] == 880 and s["answered_on_spot"] == 123 and s["in_action_plan"] == 756
    assert s["shares"] == {"satisfied": 0.3977, "explained": 0.4023, "needs_time": 0.2}
    assert set(s["by_district"]) == {
        "alatau",
        "almaly",
        "auezov",
        "bostandyk",
        "zhetysu",
        "medeu",
        "nauryzbay",
        "turksib",
    }
    assert all(set(d) == {"total", "by_status"} for d in s["by_district"].values())
    assert sum(s["by_status"].values()) == 880
    bad = client.get("/api/requests/summary?topic=tram")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "topic"
    assert client.get("/api/requests/summary?round=1").headers["Access-Control-Allow-Origin"] == "*"


def test_summary_page_table_chart_and_files(client):
    html = client.get("/requests/summary?round=1&lang=ru").get_data(as_text=True)
    assert 'data-figure="total">880<' in html and 'data-figure="answered_on_spot">123<' in html
    assert 'data-figure="in_action_plan">756<' in html and 'data-figure="share_explained">40.2 %<' in html
    assert html.count('class="gw-bar-row"') == 8 and 'id="rq-summary-table"' in html
    csv = client.get("/requests/summary?round=1&f=csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["Content-Disposition"]
    assert "round-1" in csv.headers["Content-Disposition"]
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("district,district_name,total,new,in_plan,satisfied")
    assert any(line.startswith("city,Алматы,880,0,0,350,354,176,0") for line in lines)
    wb = load_workbook(io.BytesIO(client.get("/requests/summary?round=1&f=xlsx").data))
    assert {"districts", "figures", "about"} <= set(wb.sheetnames)


def test_the_open_api_collection(client):
    col = client.get("/ogc/collections/requests?f=json").get_json()
    assert col["title"] and col["extent"]["temporal"]["interval"][0][0] == "2019-02-05"
    page = client.get("/ogc/collections/requests/items?f=json&status=needs_time&datetime=2019-01-01/2019-12-31&limit=5")
    data = page.get_json()
    assert data["numberMatched"] == 176 + 130  # rounds 1 and 2 need time
    props = data["features"][0]["properties"]
    assert set(props) >= {"id", "text", "topic", "district", "received", "status", "status_date", "answer", "works"}
    assert data["features"][0]["geometry"]["type"] == "Point"
    assert client.get("/ogc/collections/requests/items?f=json&status=planned").status_code == 400
    one = client.get(f"/ogc/collections/requests/items/{props['id']}?f=json").get_json()
    assert one["properties"]["id"] == props["id"]
    doc = client.get("/ogc/api?f=json").get_json()
    assert "/requests/summary" in doc["paths"] and "requestsSummary" in doc["components"]["schemas"]
    assert "requests" in doc["components"]["parameters"]["collectionId"]["schema"]["enum"]


def test_the_contact_is_in_no_public_output(rq_app, filed):
    c = rq_app.test_client()
    public = [
        f"/requests/{filed}",
        f"/requests/{filed}.atom",
        f"/requests/{filed}/popup.json",
        "/requests",
        "/requests/export.csv",
        "/requests/summary",
        "/api/requests/summary",
        "/requests/map.geojson?bbox=76.9,43.2,77.0,43.3&zoom=18",
        f"/ogc/collections/requests/items/{filed}?f=json",
        "/ogc/collections/requests/items?f=json&limit=10000",
        "/api/features/requests?f=csv",
        "/api/features/requests?f=geojson",
        f"/near?lat={ALMALY['lat']}&lon={ALMALY['lon']}&radius=500",
    ]
    for url in public:
        res = c.get(url)
        assert res.status_code == 200, url
        body = res.get_data(as_text=True)
        assert "secret@example.kz" not in body and "999-12-34" not in body, url
    login(c, "olga")  # officials see it, to answer the resident
    assert "secret@example.kz" in c.get(f"/requests/{filed}").get_data(as_text=True)


def test_residents_text_is_escaped_on_every_page(rq_app, filed):
    c = rq_app.test_client()
    for url in (f"/requests/{filed}", "/requests", f"/near?lat={ALMALY['lat']}&lon={ALMALY['lon']}"):
        html = c.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
    login(c, "olga")  # the officials' page too (not cached)
    html = c.get(f"/requests/{filed}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(2)&gt;" in html and "<img src=x" not in html


def test_residents_text_is_escaped_in_the_feed_and_json(rq_app, filed):
    c = rq_app.test_client()
    login(c, "olga")  # the answer an official writes goes into the feed too
    page = c.get(f"/requests/{filed}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    c.post(f"/requests/{filed}/status", data={"status": "explained", "answer": XSS, "csrf_token": token})
    feed = rq_app.test_client().get(f"/requests/{filed}.atom").data
    root = ET.fromstring(feed)  # well-formed whatever the text
    summaries = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}summary")]
    assert any(XSS in (s or "") for s in summaries)
    assert b"<script>" not in feed
    popup = json.loads(c.get(f"/requests/{filed}/popup.json").data)
    assert popup["text"].startswith("<script>")  # plain text in JSON: the map inserts it with textContent


def test_exports_neutralise_spreadsheet_formulas(rq_app, filed):
    c = rq_app.test_client()
    res = c.get("/requests/export.csv?topic=roads&from=2026-06-15")
    assert res.status_code == 200 and res.headers["Content-Disposition"].endswith('.csv"')
    text = res.get_data(as_text=True)
    assert filed in text and "'=1+2" not in text  # the formula is inside the text, which starts with '<'
    c2 = rq_app.test_client()
    data = {"text": '=HYPERLINK("http://evil","x")', "topic": "roads", **ALMALY, "csrf_token": csrf(c2)}
    assert c2.post("/requests/new", data=data).status_code == 302
    text = c.get("/requests/export.csv?topic=roads&from=2026-06-15").get_data(as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    wb = load_workbook(io.BytesIO(c.get("/requests/export.xlsx?topic=roads&from=2026-06-15").data))
    cells = [cell for row in wb["requests"].iter_rows() for cell in row if str(cell.value).startswith("=HYPERLINK")]
    assert cells and all(cell.data_type == "s" for cell in cells)
    ogc_csv = c.get("/api/features/requests?f=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in ogc_csv


def test_list_filters_and_bad_parameters(client):
    html = client.get("/requests?district=medeu&topic=water&status=needs_time&round=1&lang=en").get_data(as_text=True)
    rows = re.findall(r'<tr data-id="([^"]+)" data-status="([^"]+)"', html)
    assert rows and all(s == "needs_time" and i.startswith("m1-medeu-") for i, s in rows)
    bad = client.get("/requests?topic=tramways&lang=ru")
    assert bad.status_code == 400 and "Неизвестная тема: tramways" in bad.get_data(as_text=True)
    for url, parameter in [
        ("/requests/map.geojson?bbox=1,2,3", "bbox"),
        ("/requests/map.geojson?zoom=40", "zoom"),
        ("/requests/export.csv?from=2020-13-01", "from"),
    ]:
        res = client.get(url)
        assert res.status_code == 400 and res.get_json()["parameter"] == parameter
    assert client.get("/requests/export.pdf").status_code == 404
    assert client.get("/requests/no-such-request").status_code == 404
    assert client.get("/requests/no-such-request.atom").status_code == 404


def test_map_answers_cluster_when_many_and_list_points_when_few(client):
    wide = client.get("/requests/map.geojson?bbox=76.7,43.0,77.2,43.4&zoom=11").get_json()
    assert wide["clustered"] and wide["total"] == 1726
    assert sum(f["properties"]["n"] for f in wide["features"]) == 1726
    assert all(len(f["properties"]["c"]) == 6 for f in wide["features"])
    near = client.get("/requests/map.geojson?bbox=76.92,43.25,76.93,43.26&zoom=16").get_json()
    assert not near["clustered"] and near["total"] == len(near["features"]) > 0
    assert {"s", "t"} == set(near["features"][0]["properties"])
    only = client.get("/requests/map.geojson?bbox=76.7,43.0,77.2,43.4&zoom=11&status=rejected").get_json()
    assert only["total"] == 1 and not only["clustered"]


def test_city_and_district_maps_carry_the_requests_layer(client):
    for url in ("/?lang=en", "/districts/almaly?lang=en"):
        html = client.get(url).get_data(as_text=True)
        assert "geoworks.attachRequests(" in html and "Residents\\u0026#39; requests" in html  # escaped, in JSON
        assert "/requests/map.geojson" in html and "/requests/works/LAYER/ID.json" in html


def test_near_lists_requests_beside_the_works(client):
    html = client.get(f"/near?lat={ALMALY['lat']}&lon={ALMALY['lon']}&radius=1000&lang=ru").get_data(as_text=True)
    m = re.search(r'id="near-requests" data-count="(\d+)"', html)
    assert m and int(m.group(1)) > 0
    distances = [
        int(d) for d in re.findall(r'class="near-request" data-id="[^"]+"><span class="near-dist">(\d+) ', html)
    ]
    assert distances == sorted(distances) and distances[-1] <= 1000
    assert f"/requests/new?lat={float(ALMALY['lat']):.6f}" in html and "near-requests-data" in html
