"""The same data on both backends gives the same answers: totals to 1e-9 relative, and the same bytes
from the open API, the map data, near me, verification and planning (the PostGIS store filters in SQL,
the GeoPackage path keeps its in-memory indexes)."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
import shapely

from geoworks.storage import open_store
from geoworks.totals import Filters, compute_totals

pytestmark = pytest.mark.postgis
BBOX = "76.80,43.15,77.10,43.40"
URLS = [
    "/api/totals",
    "/api/totals?year=2019&status=completed",
    "/api/totals?layer=water&district=almaly&f=csv",
    "/ogc/collections",
    "/ogc/collections/roads",
    "/ogc/collections/roads/items?limit=1000",
    f"/ogc/collections/courtyards/items?bbox={BBOX}&limit=1000",
    "/ogc/collections/courtyards/items?bbox=76.9,43.2,76.95,43.25&limit=7&offset=3",
    "/ogc/collections/water/items?datetime=2019-01-01/2019-06-30&limit=50&offset=10",
    "/ogc/collections/water/items?datetime=../2018-12-31",
    "/ogc/collections/gas/items?status=completed&year=2019",
    "/ogc/collections/roads/items?district=almaly&limit=5",
    "/ogc/collections/lighting/items?bbox=179,-10,-179,10",
    "/ogc/collections/roads/items/roads-00002",
    "/ogc/collections/roads/items/nope",
    "/ogc/collections/heating/items?limit=500",
    "/ogc/collections/heating/items/x-2",
    "/ogc/collections/heating/items?year=2020",
    "/api/features/roads?f=geojson&bbox=76.8,43.2,76.9,43.3",
    "/api/features/water?f=csv&year=2019",
    f"/map/features/roads.geojson?bbox={BBOX}&zoom=12",
    f"/map/features/courtyards.geojson?bbox={BBOX}&zoom=11&limit=100",
    "/map/features/lighting.geojson?bbox=76.85,43.2,76.95,43.3&zoom=15&year=2019",
    "/map/features/water.geojson?zoom=9&status=completed&district=medeu",
    "/map/works/roads/roads-00002.json",
    "/map/works/heating/x-2.json",
    "/map/works/heating/x-1.json",
    "/api/near?lon=76.92&lat=43.25&radius=1000",
    "/api/near?lon=76.95&lat=43.27&radius=3000&status=completed",
    "/api/gaps?network=water&targets=courtyards&threshold=150",
    "/verify/export.csv?year=2019",
]
STAMP = re.compile(rb'"timeStamp":"[^"]+"|\d{8}T\d{4}Z')


def _extra_layer() -> gpd.GeoDataFrame:
    """Works with missing years and dates (stored as NULL): the dtypes of a full read must be kept."""
    pts = [shapely.Point(76.9 + i / 100, 43.25) for i in range(4)]
    return gpd.GeoDataFrame(
        {
            "id": [f"x-{i}" for i in range(4)],
            "name": ["a", None, "", "d"],
            "status": ["planned", "completed", None, "planned"],
            "year": [2019, None, 2020, None],
            "start_date": ["2019-01-01", None, "", "2020-02-02"],
            "end_date": [None, "2019-12-31", None, ""],
        },
        geometry=pts,
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def two_stores(tmp_path_factory, pg_server, catalogue):
    """The demo set, with works of missing values added to heating, once in a GeoPackage and once in PostGIS."""
    from geoworks.demo import write_demo
    from geoworks.works import conform
    from tests.helpers.backends import Stores

    stores = Stores("postgis", pg_server, session=False)
    gpkg_dir, pg_dir = tmp_path_factory.mktemp("same-gpkg"), tmp_path_factory.mktemp("same-pg")
    configs = [{"GEOWORKS_DATA_DIR": str(gpkg_dir)}, stores.config(pg_dir)]
    for cfg in configs:
        store = open_store(cfg)
        write_demo(store, catalogue, 2019)
        with store.transaction() as tx:
            tx.append_layer("heating", conform(_extra_layer()))
    yield configs
    stores.release(pg_dir)


def _clients(configs):
    from geoworks.web import create_app

    return [create_app({"TESTING": True, **cfg}).test_client() for cfg in configs]


def test_totals_agree_to_1e9(two_stores, catalogue):
    gpkg, pg = (open_store(cfg) for cfg in two_stores)
    for filters in (Filters(), Filters(year=2019, status="completed"), Filters(layer="water", district="almaly")):
        a, b = compute_totals(gpkg, catalogue, filters).table, compute_totals(pg, catalogue, filters).table
        assert list(a["layer"] + a["district"]) == list(b["layer"] + b["district"])
        for col in ("km", "network_km", "area_m2"):
            assert b[col].to_numpy() == pytest.approx(a[col].to_numpy(), rel=1e-9, abs=1e-12), col
        assert (a[["features", "count"]].to_numpy() == b[["features", "count"]].to_numpy()).all()


def test_every_answer_is_the_same_bytes(two_stores):
    a, b = _clients(two_stores)
    for url in URLS:
        ra, rb = a.get(url), b.get(url)
        assert ra.status_code == rb.status_code, url
        assert STAMP.sub(b"", ra.get_data()) == STAMP.sub(b"", rb.get_data()), url


def test_reads_agree_frame_for_frame(two_stores):
    import pandas as pd

    gpkg, pg = (open_store(cfg) for cfg in two_stores)
    assert sorted(gpkg.layer_names()) == sorted(pg.layer_names())
    for name in gpkg.layer_names():
        pd.testing.assert_frame_equal(pd.DataFrame(gpkg.read_table(name)), pd.DataFrame(pg.read_table(name)))
    for name, kw in (("heating", {}), ("water", {"where": {"year": 2019}})):
        pd.testing.assert_frame_equal(pg.read_layer(name, **kw), gpkg.read_layer(name, **kw))
    bbox = (76.85, 43.2, 76.95, 43.28)  # the GeoPackage answers in its R-tree's order, PostGIS in stored order
    got, want = pg.read_layer("roads", bbox=bbox), gpkg.read_layer("roads", bbox=bbox).sort_values("id")
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True))
    assert pg.summary("heating") == gpkg.summary("heating") and pg.summary("courtyards") == gpkg.summary("courtyards")
