"""The map service on real data: Almaty's 8 district polygons and the 2013 OSM roads (© OpenStreetMap contributors)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from tests.conftest import shared_file
from tests.helpers.backends import config_for


@pytest.fixture(scope="module")
def real_app(tmp_path_factory, catalogue, stores):
    from geoworks.io.readers import read_vector
    from geoworks.storage import open_store
    from geoworks.web import create_app
    from geoworks.works import annotate, conform

    dpath = shared_file("data", "almaty-districts-akilbekov", "almaty-districts.geojson")
    rpath = shared_file("data", "almaty-osm-2013-aliilyas", "almaty_2013_roads.geojson")
    raw = read_vector(dpath, None, None)
    districts = gpd.GeoDataFrame(
        {"slug": [catalogue.district_slug(n) for n in raw["nameRu"]]}, geometry=raw.geometry.values, crs="EPSG:4326"
    )
    assert districts["slug"].notna().all()
    for lang in ("kk", "ru", "en"):
        districts[f"name_{lang}"] = [catalogue.districts[s].names.get(lang) for s in districts["slug"]]
    districts["schematic"] = 0
    roads = read_vector(rpath, None, None)
    works = gpd.GeoDataFrame(
        {
            "id": "osm-" + roads["osm_id"].astype(str),
            "name": roads["name"].fillna(""),
            "status": "completed",
            "start_date": None,
            "end_date": None,
            "year": 2013,
            "contractor": None,
        },
        geometry=roads.geometry.values,
        crs="EPSG:4326",
    )
    path = tmp_path_factory.mktemp("map-real")
    store = open_store(stores.config(path))
    with store.transaction() as tx:
        tx.write_layer("districts", districts)
        tx.write_layer("roads", conform(annotate(works, catalogue.layer("roads"), districts)))
        tx.write_table(
            "meta", pd.DataFrame({"key": ["dataset", "source"], "value": ["osm-2013", "© OpenStreetMap contributors"]})
        )
    return create_app({"TESTING": True, **config_for(path), "GEOWORKS_TILES": "none"})


def test_real_city_page_is_small_and_matches_totals(real_app, catalogue):
    import re

    from geoworks.totals import compute_totals

    c = real_app.test_client()
    res = c.get("/?lang=en&layer=roads")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and len(res.data) < 500_000 and "demo-banner" not in html
    t = compute_totals(
        real_app.extensions["geoworks"].store,
        catalogue,
    ).table
    city = float(t[(t.layer == "roads") & (t.district == "city")]["km"].iloc[0])
    assert city > 100  # thousands of real streets
    cell = re.search(r'<td data-layer="roads" data-district="city" data-value="([0-9.e-]+)">', html)
    assert float(cell.group(1)) == pytest.approx(city)


def test_real_roads_load_for_the_view(real_app):
    c = real_app.test_client()
    whole = c.get("/map/features/roads.geojson?bbox=76.7,43.0,77.2,43.4&zoom=11").get_json()
    assert whole["total"] > 3000 and whole["returned"] <= 3000
    # a 1 km box in the centre (Abay / Dostyk) at street zoom: every road there, none elsewhere
    box = (76.94, 43.235, 76.955, 43.245)
    near = c.get("/map/features/roads.geojson", query_string={"bbox": ",".join(map(str, box)), "zoom": 17}).get_json()
    assert 0 < near["returned"] == near["total"] < whole["total"]
    import shapely

    for f in near["features"]:
        assert shapely.geometry.shape(f["geometry"]).intersects(shapely.box(*box).buffer(1e-4))


def test_real_district_page(real_app):
    html = real_app.test_client().get("/districts/medeu?lang=ru").get_data(as_text=True)
    assert "Медеуский район" in html and "gw-works-table" in html and len(html) < 500_000
