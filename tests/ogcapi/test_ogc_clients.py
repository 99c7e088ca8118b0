"""Real clients: GDAL's OGC API – Features driver (through pyogrio) reads /ogc on a live server.

pyogrio is called with ``use_arrow=True``: that path releases the GIL while GDAL
reads, which the in-process live server (a thread) needs to answer GDAL's requests.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geoworks.web import create_app
from tests.conftest import shared_file, start_live_server
from tests.helpers.backends import config_for

pytestmark = pytest.mark.skipif("OAPIF" not in pyogrio.list_drivers(), reason="GDAL has no OAPIF driver")


def oapif(server) -> str:
    return f"OAPIF:{server.url}/ogc"


def read(server, layer, **kw) -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(oapif(server), layer=layer, use_arrow=True, **kw)


def assert_same_attributes(got: gpd.GeoDataFrame, want: gpd.GeoDataFrame, key: str = "id"):
    got = got.set_index(key).loc[list(want[key].astype(str))]
    want = want.set_index(key)
    for col in want.columns:
        if col == want.geometry.name:
            continue
        a, b = got[col], want[col]
        if pd.api.types.is_float_dtype(b):
            assert np.allclose(a.astype(float), b.astype(float), equal_nan=True), col
        else:
            assert [None if pd.isna(v) else str(v) for v in a] == [None if pd.isna(v) else str(v) for v in b], col
    gg = np.asarray(got.geometry.values, dtype=object)
    wg = np.asarray(want.geometry.values, dtype=object)
    assert shapely.equals_exact(gg, wg, tolerance=1e-9).all()


def test_every_collection_listed(live_server, catalogue):
    layers = pyogrio.list_layers(oapif(live_server))
    assert sorted(str(n) for n in layers[:, 0]) == sorted(list(catalogue.layers) + ["districts", "requests"])
    kinds = dict(zip(layers[:, 0], layers[:, 1]))
    assert kinds["roads"] == "LineString" and kinds["districts"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize("layer", ["roads", "lighting", "courtyards"])
def test_counts_and_attributes_equal_the_store(live_server, demo_store, layer):
    want = demo_store.read_layer(layer)
    got = read(live_server, layer)
    assert len(got) == len(want)  # lighting (1 012) and courtyards (2 486) need GDAL to follow `next` links
    assert_same_attributes(got, want)


def test_every_layer_count(live_server, demo_store, catalogue):
    for layer in list(catalogue.layers) + ["districts"]:
        info = pyogrio.read_info(oapif(live_server), layer=layer)
        got = read(live_server, layer, columns=[])
        assert len(got) == demo_store.count(layer), layer
        assert "CRS84" in info["crs"] or info["crs"] == "EPSG:4326", info["crs"]


def test_bbox_same_as_geopandas(live_server, demo_store):
    bbox = (76.85, 43.20, 76.95, 43.30)
    want = demo_store.read_layer("water")
    want = want[want.intersects(shapely.box(*bbox))]
    got = read(live_server, "water", bbox=bbox)
    assert 0 < len(got) < demo_store.count("water")
    assert sorted(got["id"]) == sorted(want["id"])


def test_attribute_filter_through_gdal(live_server, demo_store):
    want = demo_store.read_layer("gas", where={"status": "completed", "year": 2019})
    got = read(live_server, "gas", where="status = 'completed' AND year = 2019")
    assert sorted(got["id"]) == sorted(want["id"])


@pytest.mark.shared
def test_real_osm_roads_read_back(tmp_path, catalogue, store_config):
    """Real OSM roads of Almaty and the real district polygons, stored, served and read by GDAL."""
    from geoworks.storage import open_store
    from geoworks.works import annotate, conform

    roads = pyogrio.read_dataframe(shared_file("data", "almaty-osm-2013-aliilyas", "almaty_2013_roads.geojson"))
    dist = pyogrio.read_dataframe(shared_file("data", "almaty-districts-akilbekov", "almaty-districts.geojson"))
    dist["slug"] = [
        catalogue.district_slug(n) or catalogue.district_slug(r) for n, r in zip(dist["name"], dist["nameRu"])
    ]
    assert dist["slug"].notna().all()
    for lang in ("kk", "ru", "en"):
        dist[f"name_{lang}"] = [catalogue.districts[s].names.get(lang) for s in dist["slug"]]
    dist = dist[["slug", "name_kk", "name_ru", "name_en", "geometry"]]
    works = roads.head(1500).copy()
    works["id"] = "osm-" + works["osm_id"].astype(str)
    works["status"], works["year"], works["start_date"], works["end_date"] = (
        "completed",
        2013,
        "2013-01-01",
        "2013-12-31",
    )
    works = conform(
        annotate(
            works[["id", "name", "name_ru", "geometry"]].assign(
                status=works["status"], year=works["year"], start_date=works["start_date"], end_date=works["end_date"]
            ),
            catalogue.layer("roads"),
            dist,
        )
    )
    store = open_store(store_config(tmp_path))
    with store.transaction() as tx:
        tx.write_layer("districts", dist)
        tx.write_layer("roads", works)
    server = start_live_server(create_app({"TESTING": True, **config_for(tmp_path)}))
    try:
        stored = store.read_layer("roads")
        got = read(server, "roads")
        assert len(got) == len(stored) == 1500
        assert_same_attributes(got, stored)
        bbox = (76.90, 43.23, 76.95, 43.26)  # central Almaty
        sub = read(server, "roads", bbox=bbox)
        want = stored[stored.intersects(shapely.box(*bbox))]
        assert 0 < len(want) < len(stored) and sorted(sub["id"]) == sorted(want["id"])
    finally:
        server.stop()
