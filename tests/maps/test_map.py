"""The map service: shading, the km table, the features endpoint, escaping, languages, local assets."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from tests.helpers.backends import config_for
from tests.helpers.geometry import LAT, geod_length, offset, two_districts

NASTY = ["<script>alert(1)</script>", '"quotes"', "`backticks`", "</div>", "'); alert(1);//"]
WEST, EAST = "almaly", "medeu"  # catalogue slugs given to the two test districts


def line(lon, lat, az, metres, steps=1):
    pts = [(lon, lat)] + [offset(lon, lat, az, metres * (i + 1) / steps) for i in range(steps)]
    return shapely.LineString(pts)


def small_works():
    """Three roads with lengths known by construction, in the west district (lon < 76.95)."""
    a = line(76.92, LAT, 90, 1000)  # 1 km, 2019 completed
    b = line(76.93, LAT + 0.01, 90, 10)  # 10 m, 2019 completed
    c = line(76.91, LAT - 0.02, 0, 500)  # 500 m, 2020 planned
    return gpd.GeoDataFrame(
        {
            "id": ["r-a", "r-b", "r-c"],
            "name": ["Alpha street", "Beta lane", "Gamma road"],
            "status": ["completed", "completed", "planned"],
            "start_date": ["2019-04-01", "2019-05-01", "2020-03-01"],
            "end_date": ["2019-09-30", "2019-06-01", "2020-11-30"],
            "year": [2019, 2019, 2020],
            "contractor": ["Builder one", "Builder two", "Builder three"],
        },
        geometry=[a, b, c],
        crs="EPSG:4326",
    )


def build_store(path, layers: dict[str, gpd.GeoDataFrame], meta: dict | None = None):
    """A store in ``path`` with the two test districts and the given works layers (annotated, conformed)."""
    from geoworks.catalogue import default_catalogue
    from geoworks.storage import open_store
    from geoworks.works import annotate, conform

    cat = default_catalogue()
    d = two_districts()
    districts = gpd.GeoDataFrame(
        {
            "slug": [WEST, EAST],
            "name_kk": ["W", "E"],
            "name_ru": ["W", "E"],
            "name_en": ["W", "E"],
            "schematic": [1, 1],
        },
        geometry=d.geometry.values,
        crs="EPSG:4326",
    )
    store = open_store(config_for(path))
    with store.transaction() as tx:
        tx.write_layer("districts", districts)
        for lid, works in layers.items():
            tx.write_layer(lid, conform(annotate(works, cat.layer(lid), districts)))
        m = meta or {"dataset": "test", "source": "test works"}
        tx.write_table("meta", pd.DataFrame({"key": list(m), "value": list(m.values())}))
    return store


@pytest.fixture(scope="module")
def small_app(tmp_path_factory, stores):
    from geoworks.web import create_app

    path = tmp_path_factory.mktemp("map-small")
    stores.config(path)
    build_store(path, {"roads": small_works()})
    return create_app({"TESTING": True, **config_for(path), "GEOWORKS_TILES": "none"})


def features(client, **params):
    res = client.get("/map/features/roads.geojson", query_string=params)
    assert res.status_code == 200, res.get_data(as_text=True)
    return res.get_json()


# --- pure functions ---------------------------------------------------------------------------


def test_shade_ramps_from_white_to_the_layer_colour():
    from geoworks.maps.city import mix, shade

    assert mix("#000000", 0) == "#ffffff" and mix("#000000", 1) == "#000000"
    fills = shade({"a": 0.0, "b": 5.0, "c": 10.0}, "#000000")
    assert fills["c"] < fills["b"] < fills["a"]  # darker = larger
    assert shade({"a": 0.0}, "#123456") == {"a": "#ffffff"}


def test_table_and_shading_match_the_totals(demo_store, catalogue):
    from geoworks.maps.view import ALL, km_table, shading_values
    from geoworks.totals import compute_totals

    t = compute_totals(demo_store, catalogue).table
    rows = km_table(t, catalogue)
    assert [r.district for r in rows][-1] == "city"
    for r in rows:
        for c in r.cells:
            ref = t[(t["layer"] == c.layer) & (t["district"] == c.district)].iloc[0]
            want = ref["km"] if catalogue.layers[c.layer].unit == "km" else ref["count"]
            assert c.value == pytest.approx(float(want))
    roads = shading_values(t, catalogue, "roads")
    assert roads["medeu"] == pytest.approx(float(t[(t.layer == "roads") & (t.district == "medeu")]["km"].iloc[0]))
    every = shading_values(t, catalogue, ALL)
    km_layers = [lid for lid, lyr in catalogue.layers.items() if lyr.unit == "km"]
    want = t[(t.district == "medeu") & t.layer.isin(km_layers)]["km"].sum()
    assert every["medeu"] == pytest.approx(float(want))


def test_pixel_degrees_halves_per_zoom():
    from geoworks.maps.features import pixel_degrees

    assert pixel_degrees(0) == pytest.approx(360 / 256)
    assert pixel_degrees(11) == pytest.approx(pixel_degrees(10) / 2)


# --- the features endpoint --------------------------------------------------------------------


def test_features_in_bbox_only(small_app):
    c = small_app.test_client()
    a_end = offset(76.92, LAT, 90, 1000)
    data = features(c, bbox=f"76.915,{LAT - 0.001},{a_end[0] + 0.001},{LAT + 0.001}", zoom=16)
    assert [f["id"] for f in data["features"]] == ["r-a"]
    assert data["features"][0]["properties"]["n"] == "Alpha street"
    data = features(c, zoom=16)  # no bbox: everything
    assert sorted(f["id"] for f in data["features"]) == ["r-a", "r-b", "r-c"] and not data["truncated"]


def test_sub_pixel_works_are_dropped_at_low_zoom_and_said_so(small_app):
    c = small_app.test_client()
    # at zoom 10 a pixel is ~111 m wide here: the 10 m lane is invisible
    low = features(c, zoom=10, year=2019)
    assert [f["id"] for f in low["features"]] == ["r-a"] and low["total"] == 2 and low["truncated"]
    high = features(c, zoom=17, year=2019)
    assert sorted(f["id"] for f in high["features"]) == ["r-a", "r-b"] and not high["truncated"]


def test_limit_keeps_the_largest(small_app):
    data = features(small_app.test_client(), zoom=18, limit=1)
    assert [f["id"] for f in data["features"]] == ["r-a"] and data["total"] == 3 and data["truncated"]


def test_filters(small_app):
    c = small_app.test_client()
    assert [f["id"] for f in features(c, zoom=16, year=2020)["features"]] == ["r-c"]
    assert [f["id"] for f in features(c, zoom=16, status="planned")["features"]] == ["r-c"]
    assert features(c, zoom=16, district=EAST)["features"] == []
    assert len(features(c, zoom=16, district=WEST)["features"]) == 3


def test_simplified_for_the_zoom(tmp_path, store_config):
    from geoworks.web import create_app

    # a 2 km line with 200 vertices on a 1 m zigzag: one pixel hides the zigzag at zoom 10, not at 19
    pts = [offset(76.91, LAT + (1e-5 if i % 2 else 0), 90, 10 * i) for i in range(201)]
    works = small_works().iloc[:1].copy()
    works["geometry"] = [shapely.LineString(pts)]
    store_config(tmp_path)
    build_store(tmp_path, {"roads": works})
    c = create_app({"TESTING": True, **config_for(tmp_path)}).test_client()
    coarse = features(c, zoom=10)["features"][0]["geometry"]["coordinates"]
    fine = features(c, zoom=19)["features"][0]["geometry"]["coordinates"]
    assert len(coarse) == 2 and len(fine) == 201


def test_work_detail_has_geodesic_length(small_app):
    res = small_app.test_client().get("/map/works/roads/r-a.json")
    d = res.get_json()
    assert res.status_code == 200 and d["name"] == "Alpha street" and d["district"] == WEST
    want = geod_length([(76.92, LAT), offset(76.92, LAT, 90, 1000)])
    assert d["length_m"] == pytest.approx(want, rel=1e-6) and d["length_m"] == pytest.approx(1000, rel=1e-6)


@pytest.mark.parametrize(
    "url,status,words",
    [
        ("/map/features/roads.geojson?bbox=1,2,3", 400, "bbox"),
        ("/map/features/roads.geojson?bbox=a,b,c,d", 400, "bbox"),
        ("/map/features/roads.geojson?bbox=0,0,200,10", 400, "outside"),
        ("/map/features/roads.geojson?bbox=10,10,0,0", 400, "min"),
        ("/map/features/roads.geojson?zoom=abc", 400, "zoom"),
        ("/map/features/roads.geojson?zoom=40", 400, "zoom"),
        ("/map/features/roads.geojson?status=bogus", 400, "status"),
        ("/map/features/roads.geojson?district=nowhere", 400, "district"),
        ("/map/features/roads.geojson?year=20x9", 400, "year"),
        ("/map/features/nolayer.geojson", 404, "unknown layer"),
        ("/map/works/roads/none.json", 404, "no work"),
        ("/map/works/nolayer/x.json", 404, "unknown layer"),
    ],
)
def test_bad_requests_are_named(small_app, url, status, words):
    store = small_app.extensions["geoworks"].store
    before = store.version()
    res = small_app.test_client().get(url)
    assert res.status_code == status and words in res.get_json()["error"]
    assert store.version() == before


# --- pages ------------------------------------------------------------------------------------


def test_city_page_is_small_and_uses_only_local_assets(client):
    res = client.get("/?lang=en")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and len(res.data) < 500_000
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any("vendor/leaflet/leaflet.js" in a for a in assets)
    for a in assets:
        if a.startswith("data:"):
            continue
        assert not a.startswith(("http:", "https:", "//")), a
        assert client.get(a).status_code == 200, a
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn"):
        assert cdn not in html
    assert "tile.openstreetmap.org" in html and "OpenStreetMap contributors" in html


def test_city_table_matches_totals(client, demo_store, catalogue):
    from geoworks.totals import Filters, compute_totals

    html = client.get("/?lang=en&year=2019&status=completed").get_data(as_text=True)
    t = compute_totals(demo_store, catalogue, Filters(year=2019, status="completed")).table
    cells = re.findall(r'<td data-layer="(\w+)" data-district="(\w+)" data-value="([-0-9.e]+)">', html)
    assert len(cells) >= len(catalogue.layers) * (len(catalogue.districts) + 1)
    for lid, slug, value in cells:
        ref = t[(t.layer == lid) & (t.district == slug)].iloc[0]
        want = ref["km"] if catalogue.layers[lid].unit == "km" else ref["count"]
        assert float(value) == pytest.approx(float(want), abs=1e-9)


def test_filters_and_layer_choice(client, catalogue):
    html = client.get("/?lang=en&layer=roads&year=2019").get_data(as_text=True)
    assert 'value="roads" selected' in html and '<option value="2019" selected' in html
    bad = client.get("/?lang=en&layer=nope&year=abc&status=zzz")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Unknown layer" in text and "is not a year" in text and "Unknown status" in text


def test_pages_in_three_languages(client):
    kk = client.get("/?lang=kk").get_data(as_text=True)
    assert "Аудандар мен қабаттар бойынша шақырым" in kk and "Әуезов ауданы" in kk and "Жолдар" in kk
    ru = client.get("/districts/medeu?lang=ru").get_data(as_text=True)
    assert "Работы в районе" in ru and "Медеуский район" in ru and "Итоги по району" in ru
    en = client.get("/districts/medeu?lang=en").get_data(as_text=True)
    assert "Works in the district" in en and "<h1>Medeu</h1>" in en and "demo-banner" in en


def test_district_page_links_and_totals(client, demo_store, catalogue):
    from geoworks.totals import compute_totals

    html = client.get("/districts/bostandyk?lang=en").get_data(as_text=True)
    assert 'href="/"' in html and all(f'href="/districts/{s}"' in html for s in catalogue.districts)
    t = compute_totals(demo_store, catalogue).table
    roads = t[(t.layer == "roads") & (t.district == "bostandyk")].iloc[0]
    assert f"{roads['km']:.2f}" in html
    assert client.get("/districts/atlantis").status_code == 404


def test_empty_store_says_so(tmp_path, store_config):
    from geoworks.web import create_app

    res = create_app({"TESTING": True, **store_config(tmp_path)}).test_client().get("/?lang=en")
    assert res.status_code == 200 and "No data is loaded yet" in res.get_data(as_text=True)


def test_plain_background_without_tiles(small_app):
    html = small_app.test_client().get("/?lang=en").get_data(as_text=True)
    assert "tileLayer" not in html and "gw-district" in html


@pytest.fixture(scope="module")
def nasty_app(tmp_path_factory, stores):
    from geoworks.web import create_app

    works = small_works()
    works["name"] = [NASTY[0], NASTY[1] + NASTY[2], NASTY[3] + NASTY[4]]
    works["contractor"] = [NASTY[4], NASTY[3], NASTY[0]]
    path = tmp_path_factory.mktemp("map-nasty")
    stores.config(path)
    build_store(path, {"roads": works}, {"dataset": "test", "source": "<b>src</b> & </script>"})
    return create_app({"TESTING": True, **config_for(path), "GEOWORKS_TILES": "none"})


def test_values_from_data_are_escaped_in_pages(nasty_app):
    c = nasty_app.test_client()
    for url in ("/?lang=en", "/districts/almaly?lang=en"):
        html = c.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<b>src</b>" not in html
        body = html.split("<main>", 1)[1]
        assert body.count("</script>") == body.count("<script")  # nothing closes a script early
    html = c.get("/districts/almaly?lang=en").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&#39;); alert(1);//" in html
    data = c.get("/map/features/roads.geojson?zoom=18").get_json()
    assert sorted(f["properties"]["n"] for f in data["features"]) == sorted(
        [NASTY[0], NASTY[1] + NASTY[2], NASTY[3] + NASTY[4]]
    )
    assert c.get("/map/works/roads/r-a.json").get_json()["contractor"] == NASTY[4]


def test_map_builders_return_folium_maps(demo_store, catalogue):
    import folium

    from geoworks.maps.base import MapOptions, map_parts
    from geoworks.maps.city import city_map, district_map

    districts = demo_store.read_layer("districts")
    opts = MapOptions(layer_names={k: v.names.en for k, v in catalogue.layers.items()})
    m = city_map(catalogue, districts, dict.fromkeys(catalogue.districts, 1.0), "#ff0000", opts, {})
    assert isinstance(m, folium.Map)
    parts = map_parts(m)
    assert "geoworks.attach(" in parts["script"] and "/static/vendor/leaflet/leaflet.js" in parts["header"]
    assert isinstance(district_map(catalogue, districts, "medeu", opts, {}), folium.Map)
    with pytest.raises(KeyError):
        district_map(catalogue, districts, "atlantis", opts, {})


def test_every_map_label_is_translated():
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    sources = [root / "geoworks/web/pages.py"] + [
        root / "templates" / n for n in ("pages/city.html", "pages/district.html", "_map_macros.html")
    ]
    pattern = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    msgids = {a or b for src in sources for a, b in pattern.findall(src.read_text(encoding="utf-8"))}
    msgids = {m.replace('\\"', '"') for m in msgids}
    assert len(msgids) > 40
    for lang in ("kk", "ru"):
        known = {}
        for part in ("map", "base"):
            po = root / "geoworks/translations" / part / lang / "LC_MESSAGES/messages.po"
            with po.open("rb") as fh:
                known.update({m.id: m.string for m in read_po(fh) if m.id})
        missing = sorted(m for m in msgids if not known.get(m))
        assert missing == [], (lang, missing)
