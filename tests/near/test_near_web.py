"""Near-me page, API and Atom feed on a small store of hand-made works at known distances."""

from __future__ import annotations

import feedparser
import geopandas as gpd
import pytest
import shapely

from geoworks.storage import open_store
from geoworks.works import conform
from tests.helpers.backends import config_for
from tests.helpers.geometry import GEOD, offset

LAT, LON = 43.25, 76.93  # inside the city


def _works(rows):
    return conform(
        gpd.GeoDataFrame(
            [
                {
                    "id": wid,
                    "name": name,
                    "name_ru": name_ru,
                    "status": status,
                    "start_date": start,
                    "end_date": end,
                    "year": 2026,
                    "contractor": contractor,
                    "district": "almaly",
                    "batch_id": "t",
                    "geometry": geom,
                }
                for wid, name, name_ru, status, start, end, contractor, geom in rows
            ],
            geometry="geometry",
            crs="EPSG:4326",
        )
    )


@pytest.fixture(scope="module")
def near_app(tmp_path_factory, catalogue, stores):
    from geoworks.demo import make_districts
    from geoworks.web import create_app

    path = tmp_path_factory.mktemp("near-store")
    store = open_store(stores.config(path))
    mid = offset(LON, LAT, 180, 50)
    roads = _works(
        [
            (
                "n300",
                "Абай даңғылы",
                "проспект Абая",
                "planned",
                "2026-12-01",
                "2026-12-31",
                "ТОО «Дорстрой»",
                shapely.Point(offset(LON, LAT, 0, 300)),
            ),
            (
                "e499",
                "Сәтбаев көшесі",
                "улица Сатпаева",
                "in_progress",
                "2026-03-01",
                "2026-12-20",
                "ТОО <b>Evil</b>",
                shapely.Point(offset(LON, LAT, 90, 499)),
            ),
            (
                "e501",
                "Абай даңғылы",
                "проспект Абая",
                "planned",
                "2026-12-01",
                "2026-12-31",
                "ТОО «Дорстрой»",
                shapely.Point(offset(LON, LAT, 90, 501)),
            ),
            (
                "done",
                "Абай даңғылы",
                "проспект Абая",
                "completed",
                "2024-03-01",
                "2024-09-01",
                "ТОО «Дорстрой»",
                shapely.Point(offset(LON, LAT, 0, 100)),
            ),
        ]
    )
    water = _works(
        [
            (
                "w50",
                "<script>alert(1)</script>",
                "Жандосова",
                "in_progress",
                "2026-01-10",
                "2026-12-25",
                "«Алматы Су»",
                shapely.LineString([offset(*mid, 270, 3000), mid, offset(*mid, 90, 3000)]),
            ),
        ]
    )
    with store.transaction() as tx:
        tx.write_layer("districts", make_districts(catalogue))
        tx.write_layer("roads", roads)
        tx.write_layer("water", water)
        import pandas as pd

        tx.write_table("batches", pd.DataFrame([{"id": "t", "created": "2026-01-05T10:00:00+00:00"}]))
    return create_app({"TESTING": True, **config_for(path), "GEOWORKS_TODAY": "2026-06-15"})


@pytest.fixture
def nc(near_app):
    return near_app.test_client()


def test_api_nearest_first_with_distances(nc):
    res = nc.get(f"/api/near?lat={LAT}&lon={LON}&radius=500")
    assert res.status_code == 200
    body = res.get_json()
    ids = [f["properties"]["id"] for f in body["features"]]
    assert ids == ["w50", "n300", "e499"]  # e501 is outside, 'done' is filtered by status
    d = {f["properties"]["id"]: f["properties"]["distance_m"] for f in body["features"]}
    assert d["w50"] == pytest.approx(50.0, abs=0.1)  # nearest point of a 6 km line, not its centroid
    assert d["n300"] == pytest.approx(300.0, abs=0.1) and d["e499"] == pytest.approx(499.0, abs=0.1)
    assert body["features"][0]["geometry"]["type"] == "LineString"


def test_api_filters(nc):
    ids = lambda url: [f["properties"]["id"] for f in nc.get(url).get_json()["features"]]
    assert ids(f"/api/near?lat={LAT}&lon={LON}&layer=roads") == ["n300", "e499"]
    assert ids(f"/api/near?lat={LAT}&lon={LON}&status=completed") == ["done"]
    assert ids(f"/api/near?lat={LAT}&lon={LON}&status=all&radius=1000") == ["w50", "done", "n300", "e499", "e501"]
    assert ids(f"/api/near?lat={LAT}&lon={LON}&to=2026-06-30") == ["w50", "e499"]


@pytest.mark.parametrize(
    "query, words",
    [
        ("", "coordinates are missing"),
        ("lat=43.25", "coordinates are missing"),
        ("lat=51.13&lon=71.43", "far outside"),
        ("lat=43.25&lon=76.93&radius=99", "between 100 and 5000"),
        ("lat=43.25&lon=76.93&radius=6000", "between 100 and 5000"),
        ("lat=43.25&lon=76.93&layer=metro", "unknown layer"),
        ("lat=abc&lon=76.93", "numbers"),
        ("pick=Nowhere|almaly", "no street"),
    ],
)
def test_api_bad_input_400(nc, near_app, query, words):
    before = open_store(config_for(near_app.config["GEOWORKS_DATA_DIR"])).version()
    res = nc.get(f"/api/near?{query}")
    assert res.status_code == 400 and words in res.get_json()["error"]
    assert open_store(config_for(near_app.config["GEOWORKS_DATA_DIR"])).version() == before


def test_page_lists_works_escaped(nc):
    res = nc.get(f"/near?lat={LAT}&lon={LON}&lang=ru")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    listing = html[html.index('class="near-list"') :]
    assert listing.index("Жандосова") < listing.index("проспект Абая") < listing.index("улица Сатпаева")
    assert "Работ в радиусе 500 м: 3" in html, html[html.index("near-summary") :][:200]
    assert "в работе" in listing
    assert "<script>alert(1)</script>" not in html and "<b>Evil</b>" not in html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html  # the contractor, escaped in the list
    assert 'type="application/atom+xml"' in html and "/near.atom?" in html
    assert "leaflet.js" in html and "cdn.jsdelivr" not in html and "code.jquery" not in html


def test_page_bad_input_message(nc):
    res = nc.get("/near?lat=51.13&lon=71.43&lang=en")
    assert res.status_code == 400
    assert "far outside the city" in res.get_data(as_text=True)
    res = nc.get(f"/near?lat={LAT}&lon={LON}&radius=20000&lang=en")
    assert res.status_code == 400 and "between 100 and 5000" in res.get_data(as_text=True)
    res = nc.get("/near?lang=en")  # nothing chosen yet: the form and the map, no error
    assert res.status_code == 200 and 'id="near-error"' not in res.get_data(as_text=True)


def test_empty_result_offers_larger_radius(nc):
    far = offset(LON, LAT, 200, 3000)
    html = nc.get(f"/near?lat={far[1]}&lon={far[0]}&radius=100&lang=en").get_data(as_text=True)
    assert 'id="near-empty"' in html and "radius=250" in html


def test_street_search_candidates_and_pick(nc):
    html = nc.get("/near?q=Abai&lang=ru").get_data(as_text=True)
    # one name in one district: chosen directly, its works listed
    assert 'id="near-result"' in html and "проспект Абая" in html
    html = nc.get("/near?q=Сатпаева&lang=ru").get_data(as_text=True)
    assert 'id="near-result"' in html
    html = nc.get("/near?q=Nosuchstreet&lang=en").get_data(as_text=True)
    assert 'id="near-error"' in html


def test_feed_parses_and_lists_entries(nc):
    res = nc.get(f"/near.atom?lat={LAT}&lon={LON}&radius=500")
    assert res.status_code == 200 and res.mimetype == "application/atom+xml"
    feed = feedparser.parse(res.data)
    assert not feed.bozo, feed.get("bozo_exception")
    ids = [e.id for e in feed.entries]
    assert sorted(ids) == sorted(
        ["urn:geoworks:work:water:w50", "urn:geoworks:work:roads:n300", "urn:geoworks:work:roads:e499"]
    )
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)  # newest first
    # on the app's day (2026-06-15) e499 and w50 have started (2026-03 and 2026-01, after the batch import);
    # n300 is planned for December, so its last known change is the import
    assert [e.id.rsplit(":", 1)[1] for e in feed.entries] == ["e499", "w50", "n300"]
    assert [e.updated for e in feed.entries] == ["2026-03-01T00:00:00Z", "2026-01-10T00:00:00Z", "2026-01-05T10:00:00Z"]
    for e in feed.entries:
        assert "/near?" in e.link and "focus=" in e.link
    assert "<script>" not in res.get_data(as_text=True)
    # the same ids on every fetch: a feed reader sees no duplicates
    again = feedparser.parse(nc.get(f"/near.atom?lat={LAT}&lon={LON}&radius=500").data)
    assert [e.id for e in again.entries] == ids
    link = feed.entries[0].link.replace("http://localhost", "")
    assert nc.get(link).status_code == 200


def test_feed_follows_the_apps_clock(near_app):
    """The same store on a later day: n300 has started, so it moves to the top of the feed."""
    from geoworks.web import create_app

    later = create_app(
        {"TESTING": True, **config_for(near_app.config["GEOWORKS_DATA_DIR"]), "GEOWORKS_TODAY": "2026-12-05"}
    )
    feed = feedparser.parse(later.test_client().get(f"/near.atom?lat={LAT}&lon={LON}&radius=500").data)
    assert [(e.id.rsplit(":", 1)[1], e.updated) for e in feed.entries] == [
        ("n300", "2026-12-01T00:00:00Z"),
        ("e499", "2026-03-01T00:00:00Z"),
        ("w50", "2026-01-10T00:00:00Z"),
    ]


def test_feed_for_a_street_and_bad_input(nc):
    html = nc.get("/near?q=Сатпаева&lang=ru").get_data(as_text=True)
    import re

    feed_url = re.search(r'id="near-feed" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "pick=" in feed_url
    feed = feedparser.parse(nc.get(feed_url).data)
    assert "urn:geoworks:work:roads:e499" in [e.id for e in feed.entries]
    assert nc.get("/near.atom?lat=43.25").status_code == 400


def test_demo_page_and_api(client):
    res = client.get("/api/near?lat=43.25&lon=76.93&radius=2000&status=all")
    feats = res.get_json()["features"]
    assert res.status_code == 200 and len(feats) > 10
    dists = [f["properties"]["distance_m"] for f in feats]
    assert dists == sorted(dists) and dists[-1] <= 2000
    f = feats[0]
    g = shapely.geometry.shape(f["geometry"])
    # the reported distance is the distance to the nearest vertex or beyond, never more than to any vertex
    _, _, dv = GEOD.inv(
        [76.93] * len(g.exterior.coords if g.geom_type == "Polygon" else shapely.get_coordinates(g)),
        [43.25] * len(g.exterior.coords if g.geom_type == "Polygon" else shapely.get_coordinates(g)),
        shapely.get_coordinates(g)[:, 0],
        shapely.get_coordinates(g)[:, 1],
    )
    assert f["properties"]["distance_m"] <= min(dv) + 0.01
    assert client.get("/near?lat=43.25&lon=76.93&lang=kk").status_code == 200


def test_plain_background_when_tiles_are_off(demo_dir):
    from geoworks.web import create_app

    app = create_app({"TESTING": True, **config_for(demo_dir), "GEOWORKS_TILES": "none"})
    html = app.test_client().get("/near?lat=43.25&lon=76.92").get_data(as_text=True)
    assert "tile.openstreetmap.org" not in html and "{z}" not in html
    assert "/static/vendor/leaflet/leaflet.js" in html
