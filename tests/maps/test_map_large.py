"""A generated 100k-feature layer: the city page stays small, the features answer stays bounded."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from tests.helpers.backends import config_for

N = 100_000


def big_layer(n: int = N) -> gpd.GeoDataFrame:
    """``n`` short lines (about 30-60 m, none touching another) on a grid over Almaty's bbox, lon/lat."""
    side = int(np.ceil(np.sqrt(n)))
    k = np.arange(n)
    row, col = k // side, k % side
    x0 = 76.80 + col * (0.30 / side)
    y0 = 43.10 + row * (0.25 / side)
    x1 = x0 + (0.30 / side) * (0.4 + 0.4 * ((k * 7919) % 100) / 100)
    coords = np.stack([np.stack([x0, y0], 1), np.stack([x1, y0 + 0.0001], 1)], 1)
    geoms = shapely.linestrings(coords)
    ids = np.char.add("big-", k.astype(str))
    return gpd.GeoDataFrame(
        {
            "id": ids,
            "name": np.char.add("Street ", (k % 5000).astype(str)),
            "status": np.where(k % 3 == 0, "planned", "completed"),
            "start_date": "2019-05-01",
            "end_date": "2019-10-01",
            "year": 2019,
            "contractor": "Big builder",
            "district": None,
            "length_m": 0.0,
            "area_m2": 0.0,
            "batch_id": "big",
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def write_big(path, demo_dir, stores, layer_id: str = "power") -> None:
    """Copy the demo store to ``path`` and replace ``layer_id`` with the 100k-feature layer."""
    from geoworks.storage import open_store
    from geoworks.works import conform

    stores.copy(demo_dir, path)
    store = open_store(config_for(path))
    with store.transaction() as tx:
        tx.write_layer(layer_id, conform(big_layer()))


@pytest.fixture(scope="module")
def big_app(tmp_path_factory, demo_dir, stores):
    from geoworks.web import create_app

    path = tmp_path_factory.mktemp("map-big")
    write_big(path, demo_dir, stores)
    return create_app({"TESTING": True, **config_for(path)})


def test_city_page_stays_under_500_kb_with_100k_features(big_app):
    c = big_app.test_client()
    assert big_app.extensions["geoworks"].store.count("power") == N
    for url in ("/?lang=en", "/?lang=en&layer=power", "/districts/medeu?lang=en"):
        res = c.get(url)
        assert res.status_code == 200 and len(res.data) < 500_000, (url, len(res.data))
    assert "Big builder" not in c.get("/?lang=en").get_data(as_text=True)  # no work embedded


def test_features_answer_is_bounded_and_honest(big_app):
    c = big_app.test_client()
    res = c.get("/map/features/power.geojson?bbox=76.7,43.03,77.17,43.4&zoom=11")
    data = res.get_json()
    assert data["total"] == N and data["truncated"] and data["returned"] <= 3000
    assert len(res.data) < 1_000_000
    small = c.get("/map/features/power.geojson?bbox=76.95,43.25,76.96,43.26&zoom=17").get_json()
    assert 0 < small["returned"] == small["total"] < 3000 and not small["truncated"]
