"""/api/totals (JSON, CSV, XLSX) and /api/features/<collection> exports over HTTP."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pyogrio
import pytest

from geoworks.totals import Filters, compute_totals
from geoworks.web import create_app
from tests.helpers.api import EAST, WEST, build_small_store
from tests.helpers.backends import config_for

FILENAME_RE = r'attachment; filename="geoworks_{what}_\d{{8}}T\d{{4}}Z\.{ext}"'


@pytest.fixture(scope="module")
def small(tmp_path_factory, stores):
    path = tmp_path_factory.mktemp("small-api")
    store = build_small_store(path, stores.config(path))
    return create_app({"TESTING": True, **config_for(path)}).test_client(), store


def rows_by(body, layer):
    return {r["district"]: r for r in body["rows"] if r["layer"] == layer}


def test_totals_known_by_construction(small):
    client, _ = small
    body = client.get("/api/totals?layer=roads&year=2019&status=completed&lang=en").get_json()
    assert body["filters"] == {"layer": "roads", "year": 2019, "status": "completed"} and body["language"] == "en"
    rows = rows_by(body, "roads")
    # r1 and its duplicate r5 run 1 000 m either side of the border: 2 km per district, 1 km once
    for slug in (WEST, EAST):
        assert rows[slug]["km"] == pytest.approx(2.0, abs=1e-6)
        assert rows[slug]["network_km"] == pytest.approx(1.0, abs=1e-4)
        assert rows[slug]["features"] == 2
    assert rows["city"]["km"] == pytest.approx(4.0, abs=1e-6) and rows["city"]["network_km"] == pytest.approx(
        2.0, abs=2e-4
    )
    assert rows[WEST]["district_name"] == "Almaly" and rows["city"]["district_name"] == "Almaty"
    assert rows[WEST]["layer_name"] == "Roads" and rows[WEST]["area_m2"] is None
    ru = rows_by(client.get("/api/totals?layer=roads&lang=ru").get_json(), "roads")
    assert ru[WEST]["district_name"] == "Алмалинский район" and ru[WEST]["layer_name"] == "Дороги"
    # every total links to the features behind it
    assert "/ogc/collections/roads/items?district=almaly" in ru[WEST]["items"]


def test_totals_match_core_on_demo(client, demo_store, catalogue):
    body = client.get("/api/totals?year=2019&status=completed").get_json()
    table = compute_totals(demo_store, catalogue, Filters(year=2019, status="completed")).table
    assert len(body["rows"]) == len(table)
    for r, (_, t) in zip(body["rows"], table.iterrows()):
        assert (r["layer"], r["district"]) == (t["layer"], t["district"])
        assert r["km"] == pytest.approx(t["km"], abs=1e-6) and r["network_km"] == pytest.approx(
            t["network_km"], abs=1e-6
        )
        assert r["features"] == t["features"] and r["count"] == t["count"]
    court = rows_by(body, "courtyards")["city"]
    assert court["area_m2"] > 0 and court["count"] > 0
    one = client.get("/api/totals?district=Алмалинский район&layer=water").get_json()
    assert {r["district"] for r in one["rows"]} == {"almaly"}


def test_totals_csv_and_xlsx(client):
    js = client.get("/api/totals?year=2019&lang=en").get_json()["rows"]
    res = client.get("/api/totals?year=2019&f=csv&lang=en")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert re.fullmatch(FILENAME_RE.format(what="totals_year-2019", ext="csv"), res.headers["Content-Disposition"])
    rows = list(csv.DictReader(io.StringIO(res.data.decode("utf-8-sig"))))
    assert len(rows) == len(js)
    assert [(r["layer"], r["district"]) for r in rows] == [(r["layer"], r["district"]) for r in js]
    assert float(rows[0]["km"]) == pytest.approx(js[0]["km"])
    res = client.get("/api/totals?year=2019&f=xlsx&lang=ru")
    assert res.status_code == 200
    assert re.fullmatch(FILENAME_RE.format(what="totals_year-2019", ext="xlsx"), res.headers["Content-Disposition"])
    ws = openpyxl.load_workbook(io.BytesIO(res.data))["totals"]
    values = list(ws.values)
    header = values[0]
    assert header[:4] == ("layer", "layer_name", "district", "district_name")
    assert len(values) - 1 == len(js)
    assert values[1][header.index("km")] == pytest.approx(js[0]["km"]) and values[1][1] == "Дороги"


@pytest.mark.parametrize(
    "url,param",
    [
        ("/api/totals?layer=bridges", "layer"),
        ("/api/totals?district=atlantis", "district"),
        ("/api/totals?year=two", "year"),
        ("/api/totals?status=soon", "status"),
        ("/api/totals?f=pdf", "f"),
        ("/api/features/roads?f=shp", "f"),
        ("/api/features/roads?bbox=1,2", "bbox"),
        ("/api/features/roads?datetime=2019-02-31", "datetime"),
    ],
)
def test_bad_parameters_answer_400(client, url, param):
    res = client.get(url)
    assert res.status_code == 400 and res.get_json()["parameter"] == param


def test_unknown_collection_export_404(client):
    res = client.get("/api/features/bridges?f=gpkg")
    assert res.status_code == 404 and res.get_json()["parameter"] == "collectionId"


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "xlsx"])
def test_feature_exports_read_back(client, demo_store, tmp_path, fmt):
    want = demo_store.read_layer("water", where={"district": "almaly", "year": 2019})
    res = client.get(f"/api/features/water?f={fmt}&district=almaly&year=2019")
    assert res.status_code == 200
    assert re.fullmatch(
        FILENAME_RE.format(what="water_district-almaly_year-2019", ext=fmt), res.headers["Content-Disposition"]
    )
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(res.data)
    if fmt == "xlsx":
        rows = list(openpyxl.load_workbook(path)["water"].values)
        ids = [r[0] for r in rows[1:]]
        assert rows[0][0] == "id" and rows[0][-1] == "wkt"
    else:
        got = pyogrio.read_dataframe(path)
        ids = list(got["id"])
        if fmt != "csv":
            assert got.crs.to_epsg() == 4326
    assert ids == list(want["id"]) and len(ids) > 0


def test_export_bbox_selection(small):
    client, store = small
    res = client.get("/api/features/roads?f=geojson&bbox=76.9,43.2,76.93,43.3")
    got = pyogrio.read_dataframe(io.BytesIO(res.data))
    assert sorted(got["id"]) == ["r3"]
    assert "bbox-76.9000-43.2000-76.9300-43.3000" in res.headers["Content-Disposition"]
