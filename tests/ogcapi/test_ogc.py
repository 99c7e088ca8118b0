"""OGC API – Features under /ogc: documents, filters, paging and errors (Flask test client)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from geoworks.ogcapi import ParamError, parse_bbox, parse_datetime
from geoworks.web import create_app
from tests.helpers.api import EAST, WEST, build_small_store
from tests.helpers.backends import config_for
from tests.helpers.geometry import LAT, LON0, geod_length


@pytest.fixture(scope="module")
def small(tmp_path_factory, stores):
    path = tmp_path_factory.mktemp("small-store")
    store = build_small_store(path, stores.config(path))
    app = create_app({"TESTING": True, **config_for(path)})
    return app.test_client(), store


def get_json(client, url, status=200):
    res = client.get(url)
    assert res.status_code == status, (url, res.status_code, res.get_data(as_text=True)[:300])
    return res.get_json(force=True)


# --- parameter parsing -----------------------------------------------------------------------


def test_parse_bbox():
    b = parse_bbox("76.9,43.2,77.0,43.3")
    assert (b.minx, b.miny, b.maxx, b.maxy) == (76.9, 43.2, 77.0, 43.3)
    assert parse_bbox("76.9,43.2,0,77.0,43.3,100").maxy == 43.3
    assert parse_bbox("170,0,-170,10").boxes() == [(170, 0, 180, 10), (-180, 0, -170, 10)]
    for bad in ("1,2,3", "a,b,c,d", "0,50,10,40", "0,0,200,10", "nan,0,1,1", "1,2,3,4,5"):
        with pytest.raises(ParamError) as exc:
            parse_bbox(bad)
        assert exc.value.parameter == "bbox"


def test_parse_datetime():
    assert parse_datetime("2019-06-01").start == "2019-06-01"
    i = parse_datetime("2019-01-01T00:00:00Z/..")
    assert (i.start, i.end) == ("2019-01-01", None)
    i = parse_datetime("../2019-12-31")
    assert (i.start, i.end) == (None, "2019-12-31")
    assert parse_datetime("2019-06-01T23:30:00-02:00").start == "2019-06-02"  # UTC
    for bad in ("yesterday", "2019-13-01", "2019-02-30", "2020-01-01/2019-01-01", "../..", "a/b/c", ".."):
        with pytest.raises(ParamError) as exc:
            parse_datetime(bad)
        assert exc.value.parameter == "datetime"


# --- documents ---------------------------------------------------------------------------------


def test_landing_conformance_and_collections(client, catalogue, demo_store):
    doc = get_json(client, "/ogc")
    rels = {link["rel"] for link in doc["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conf = get_json(client, "/ogc/conformance")["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf
    cols = get_json(client, "/ogc/collections?lang=en")["collections"]
    assert [c["id"] for c in cols] == list(catalogue.layers) + ["districts", "requests"]
    roads = next(c for c in cols if c["id"] == "roads")
    assert roads["title"] == "Roads"
    assert any(link["rel"] == "items" and link["type"] == "application/geo+json" for link in roads["links"])
    minx, miny, maxx, maxy = roads["extent"]["spatial"]["bbox"][0]
    assert np.allclose([minx, miny, maxx, maxy], demo_store.read_layer("roads").total_bounds)
    one = get_json(client, "/ogc/collections/roads?lang=kk")
    assert one["id"] == "roads" and one["title"] == catalogue.layers["roads"].names.kk


def test_items_numbers_and_paging(client, demo_store):
    want = demo_store.read_layer("lighting")
    got_ids, url, pages = [], "/ogc/collections/lighting/items?limit=300", 0
    while url:
        page = get_json(client, url)
        assert page["type"] == "FeatureCollection" and page["numberMatched"] == len(want)
        assert page["numberReturned"] == len(page["features"]) <= 300
        got_ids += [f["id"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
        pages += 1
    assert pages == -(-len(want) // 300)
    assert got_ids == list(want["id"])
    default = get_json(client, "/ogc/collections/lighting/items")
    assert default["numberReturned"] == 100


def test_items_geojson_rfc7946(client, demo_store):
    want = demo_store.read_layer("roads").set_index("id")
    page = get_json(client, "/ogc/collections/roads/items?limit=10000")
    assert len(page["features"]) == len(want)
    for f in page["features"][:20]:
        geom = shapely.geometry.shape(f["geometry"])
        assert geom.equals_exact(want.loc[f["id"], "geometry"], 1e-12)  # lon/lat order, full precision
        assert f["properties"]["contractor"] == want.loc[f["id"], "contractor"]
        assert f["properties"]["length_m"] == pytest.approx(want.loc[f["id"], "length_m"])
        x, y = shapely.get_coordinates(geom)[0]
        assert 76 < x < 78 and 43 < y < 44


def test_bbox_filter_matches_geopandas(small):
    client, store = small
    gdf = store.read_layer("roads")
    # a box over the east half only, just north of LAT: hits r1/r5 (cross the border) and r2
    bbox = (LON0 + 0.001, LAT - 0.005, 77.0, LAT + 0.015)
    page = get_json(client, "/ogc/collections/roads/items?bbox=" + ",".join(map(str, bbox)))
    want = set(gdf.loc[gdf.intersects(shapely.box(*bbox)), "id"])
    assert {f["id"] for f in page["features"]} == want == {"r1", "r2", "r5"}
    # a box touching nothing
    assert get_json(client, "/ogc/collections/roads/items?bbox=10,10,11,11")["numberMatched"] == 0


def test_bbox_filter_on_demo_matches_geopandas(client, demo_store):
    gdf = demo_store.read_layer("courtyards")
    bbox = (76.88, 43.22, 76.95, 43.27)
    page = get_json(client, "/ogc/collections/courtyards/items?limit=10000&bbox=" + ",".join(map(str, bbox)))
    want = list(gdf.loc[gdf.intersects(shapely.box(*bbox)), "id"])
    assert 0 < len(want) < len(gdf)
    assert [f["id"] for f in page["features"]] == want


def test_datetime_and_attribute_filters(small):
    client, _ = small
    ids = lambda url: {f["id"] for f in get_json(client, url)["features"]}  # noqa: E731
    assert ids("/ogc/collections/roads/items?datetime=2019-05-01") == {"r1", "r5"}
    assert ids("/ogc/collections/roads/items?datetime=2025-01-01") == {"r2"}  # no end date: still going
    assert ids("/ogc/collections/roads/items?datetime=2019-06-30/2019-07-01") == {"r1", "r2", "r5"}
    assert ids("/ogc/collections/roads/items?datetime=../2018-12-31") == {"r4"}
    assert ids("/ogc/collections/roads/items?datetime=2020-01-01T00:00:00Z/..") == {"r2", "r3"}
    west, east = (
        ids(f"/ogc/collections/roads/items?district={WEST}"),
        ids(f"/ogc/collections/roads/items?district={EAST}"),
    )
    assert "r3" in west and {"r2", "r4"} <= east  # r1/r5 lie half and half: either side holds them
    assert west | east == {"r1", "r2", "r3", "r4", "r5"} and not west & east
    assert ids("/ogc/collections/roads/items?district=Медеуский район") == ids(
        f"/ogc/collections/roads/items?district={EAST}"
    )
    assert ids("/ogc/collections/roads/items?status=completed") == {"r1", "r4", "r5"}
    assert ids("/ogc/collections/roads/items?year=2019&status=in_progress") == {"r2"}


def test_filters_match_store(client, demo_store):
    want = demo_store.read_layer("water", where={"year": 2019, "status": "completed", "district": "almaly"})
    page = get_json(client, "/ogc/collections/water/items?limit=10000&year=2019&status=completed&district=almaly")
    assert [f["id"] for f in page["features"]] == list(want["id"]) and len(want) > 0


def test_single_feature_and_districts(small, client, demo_store):
    c, store = small
    f = get_json(c, "/ogc/collections/roads/items/r1")
    coords = shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))
    assert f["properties"]["length_m"] == pytest.approx(geod_length(coords), rel=1e-7)
    assert f["properties"]["length_m"] == pytest.approx(2000.0, abs=0.01)
    d = get_json(client, "/ogc/collections/districts/items/almaly")
    assert d["properties"]["name_en"] == "Almaly" and d["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert get_json(client, "/ogc/collections/districts/items")["numberMatched"] == 8


@pytest.mark.parametrize(
    "url,status,param",
    [
        ("/ogc/collections/nowhere", 404, "collectionId"),
        ("/ogc/collections/nowhere/items", 404, "collectionId"),
        ("/ogc/collections/roads/items/no-such-road", 404, "featureId"),
        ("/ogc/collections/roads/items?bbox=1,2,3", 400, "bbox"),
        ("/ogc/collections/roads/items?bbox=a,b,c,d", 400, "bbox"),
        ("/ogc/collections/roads/items?bbox=76,44,77,43", 400, "bbox"),
        ("/ogc/collections/roads/items?datetime=2019-99-01", 400, "datetime"),
        ("/ogc/collections/roads/items?datetime=2020-01-01/2019-01-01", 400, "datetime"),
        ("/ogc/collections/roads/items?limit=0", 400, "limit"),
        ("/ogc/collections/roads/items?limit=10001", 400, "limit"),
        ("/ogc/collections/roads/items?limit=ten", 400, "limit"),
        ("/ogc/collections/roads/items?offset=-1", 400, "offset"),
        ("/ogc/collections/roads/items?district=atlantis", 400, "district"),
        ("/ogc/collections/roads/items?status=maybe", 400, "status"),
        ("/ogc/collections/roads/items?year=20x9", 400, "year"),
        ("/ogc/collections/roads/items?crs=EPSG:3857", 400, "crs"),
        ("/ogc/collections/roads/items?f=pdf", 400, "f"),
        ("/ogc/collections/districts/items?year=2019", 400, "year"),
    ],
)
def test_errors_name_the_parameter(client, url, status, param):
    res = client.get(url)
    assert res.status_code == status and res.is_json
    body = res.get_json()
    assert body["parameter"] == param and body["description"] and body["code"]


def test_limit_bounds_accepted(client):
    assert get_json(client, "/ogc/collections/courtyards/items?limit=10000")["numberReturned"] == 2486
    assert get_json(client, "/ogc/collections/courtyards/items?limit=1")["numberReturned"] == 1


def test_html_for_browsers_and_escaping(small):
    client, _ = small
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for url in (
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/roads",
        "/ogc/collections/roads/items",
        "/ogc/collections/roads/items/r2",
        "/ogc/api",
        "/ogc/collections/districts/items",
    ):
        res = client.get(url + "?lang=en", headers=browser)
        assert res.status_code == 200 and res.mimetype == "text/html", url
        html = res.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html, url
    html = client.get("/ogc/collections/roads/items?lang=en", headers=browser).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # JSON stays JSON for clients, and carries the raw value
    page = client.get("/ogc/collections/roads/items", headers={"Accept": "application/geo+json"})
    assert page.mimetype == "application/geo+json"
    assert "<script>alert(1)</script>" in {f["properties"]["name"] for f in page.get_json(force=True)["features"]}


def test_html_translated(client):
    html = client.get("/ogc/collections?f=html&lang=ru").get_data(as_text=True)
    assert "Коллекции" in html and "Дороги" in html
    html = client.get("/ogc/collections?f=html&lang=kk").get_data(as_text=True)
    assert "Жинақтар" in html


def test_openapi_is_valid_openapi_30(client):
    validator = pytest.importorskip("openapi_spec_validator")
    res = client.get("/ogc/api")
    assert res.status_code == 200 and res.mimetype == "application/vnd.oai.openapi+json"
    doc = json.loads(res.data)
    assert doc["openapi"].startswith("3.0")
    validator.validate(doc)
    assert "/collections/{collectionId}/items" in doc["paths"] and "/totals" in doc["paths"]


def test_store_change_rebuilds_index(demo_copy, catalogue):
    from geoworks.storage import open_store

    app = create_app({"TESTING": True, **config_for(demo_copy)})
    c = app.test_client()
    before = get_json(c, "/ogc/collections/heating/items")["numberMatched"]
    store = open_store(config_for(demo_copy))
    with store.transaction() as tx:
        tx.delete_where("heating", "id", str(store.read_layer("heating")["id"].iloc[0]))
    assert get_json(c, "/ogc/collections/heating/items")["numberMatched"] == before - 1


def test_errors_as_a_page_for_browsers(client):
    res = client.get("/ogc/collections/roads/items/%3Cscript%3E?f=html")
    html = res.get_data(as_text=True)
    assert res.status_code == 404 and res.mimetype == "text/html"
    assert "<script>" not in html and "&lt;script&gt;" in html
    res = client.get("/ogc/collections/roads/items?bbox=x", headers={"Accept": "text/html"})
    assert res.status_code == 400 and "bbox" in res.get_data(as_text=True)


def test_empty_store_answers(tmp_path, store_config):
    c = create_app({"TESTING": True, **store_config(tmp_path)}).test_client()
    assert get_json(c, "/ogc/collections/roads/items")["numberMatched"] == 0
    assert len(get_json(c, "/ogc/collections")["collections"]) == 11  # 9 layers, districts, requests
    assert get_json(c, "/api/totals")["rows"] == []
    assert c.get("/api/features/roads?f=gpkg").status_code == 200


def test_cors_and_conditional_get(demo_copy):
    from geoworks.storage import open_store

    c = create_app({"TESTING": True, **config_for(demo_copy)}).test_client()
    url = "/ogc/collections/heating/items?limit=5"
    first = c.get(url)
    assert first.headers["Access-Control-Allow-Origin"] == "*" and first.headers.get("ETag")
    again = c.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert c.get("/ogc/collections/nowhere").headers["Access-Control-Allow-Origin"] == "*"
    store = open_store(config_for(demo_copy))
    with store.transaction() as tx:
        tx.delete_where("heating", "id", str(store.read_layer("heating")["id"].iloc[0]))
    changed = c.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    totals = c.get("/api/totals")
    assert c.get("/api/totals", headers={"If-None-Match": totals.headers["ETag"]}).status_code == 304
