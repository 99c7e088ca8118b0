"""The store on each backend: reads, filters, and all-or-nothing writes."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geoworks.storage import StoreError, backend_name, open_store
from tests.helpers.backends import config_for
from tests.helpers.imports import store_fingerprint


def test_read_filters_and_bbox(demo_store):
    roads = demo_store.read_layer("roads")
    assert len(roads) > 100 and roads.crs.to_epsg() == 4326
    done = demo_store.read_layer("roads", where={"year": 2019, "status": "completed"})
    assert set(done["status"]) == {"completed"} and set(done["year"]) == {2019}
    bbox = (76.85, 43.20, 76.95, 43.28)
    inside = demo_store.read_layer("roads", bbox=bbox)
    expected = roads[roads.intersects(shapely.box(*bbox))]
    assert set(inside["id"]) == set(expected["id"])
    assert demo_store.count("roads") == len(roads)
    with pytest.raises(StoreError):
        demo_store.read_layer("roads", where={"no_such_column": 1})


def test_missing_layer_reads_empty(tmp_path, store_config):
    store = open_store(store_config(tmp_path))
    assert store.is_empty() and len(store.read_layer("roads")) == 0 and store.version() == "empty"


def test_failed_transaction_leaves_store_as_it_was(demo_copy):
    store = open_store(config_for(demo_copy))
    before, version = store_fingerprint(demo_copy), store.version()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.delete_where("roads", "batch_id", "demo")
        tx.write_layer("gas", gpd.GeoDataFrame({"id": ["x"]}, geometry=[shapely.Point(77, 43.2)], crs=4326))
        tx.append_layer("water", gpd.GeoDataFrame({"id": ["y"]}, geometry=[shapely.Point(77, 43.2)], crs=4326))
        tx.write_table("claims", pd.DataFrame({"id": ["z"]}))
        raise RuntimeError("boom halfway")
    assert store_fingerprint(demo_copy) == before and store.version() == version
    assert not list(demo_copy.glob(".tmp-*"))


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
def test_failed_transaction_leaves_the_geopackage_byte_for_byte(demo_copy):
    import hashlib

    store = open_store(config_for(demo_copy))
    digest = lambda: hashlib.sha256(store.path.read_bytes()).hexdigest()  # noqa: E731
    before = digest()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.delete_where("roads", "batch_id", "demo")
        raise RuntimeError("boom halfway")
    assert digest() == before


def test_committed_transaction_changes_version(demo_copy):
    store = open_store(config_for(demo_copy))
    version = store.version()
    with store.transaction() as tx:
        removed = tx.delete_where("heating", "status", "cancelled")
    assert removed > 0 and store.version() != version
    assert "cancelled" not in set(store.read_layer("heating")["status"])


def test_transaction_reads_its_own_writes(demo_copy):
    store = open_store(config_for(demo_copy))
    n = store.count("gas")
    extra = gpd.GeoDataFrame(
        {"id": ["g1", "g2"], "status": ["planned", "planned"], "year": [2030, 2030]},
        geometry=[shapely.LineString([(76.9, 43.2), (76.91, 43.21)])] * 2,
        crs="EPSG:4326",
    )
    with store.transaction() as tx:
        tx.append_layer("gas", extra)
        assert tx.count("gas") == n + 2 and "status" in tx.columns("gas")
        assert tx.columns("no_such_table") is None and tx.count("no_such_table") == 0
        assert list(tx.read_layer("gas")["id"])[-2:] == ["g1", "g2"]
        tx.write_table("notes", pd.DataFrame({"key": ["a"], "value": ["b"]}))
        assert tx.read_table("notes").to_dict("records") == [{"key": "a", "value": "b"}]
    assert store.count("gas") == n + 2 and list(store.read_layer("gas")["id"])[-2:] == ["g1", "g2"]
    assert store.read_table("notes").to_dict("records") == [{"key": "a", "value": "b"}]


def test_any_table_and_columns_round_trip(tmp_path, store_config):
    """Tables written through the interface come back as written: names, order, types, missing values."""
    store = open_store(store_config(tmp_path))
    long = "Наименование_объекта_строительства_и_реконструкции"  # longer than 63 bytes in UTF-8
    gdf = gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c"],
            long: ["x", None, ""],
            "n": [1, 2, 3],
            "f": [0.1 + 0.2, float("nan"), 1e-300],
            "flag": [True, False, True],
            "_fid": ["clash", "with", "internal"],
        },
        geometry=[shapely.Point(76.9, 43.2), None, shapely.LineString([(76.9, 43.2), (77.0, 43.3)])],
        crs="EPSG:4326",
    )
    with store.transaction() as tx:
        tx.write_layer("requests_test", gdf)
    back = store.read_layer("requests_test")
    assert list(back.columns) == ["id", long, "n", "f", "flag", "_fid", "geometry"]
    assert back[long].tolist()[0] == "x" and pd.isna(back[long].tolist()[1]) and back[long].tolist()[2] == ""
    assert back["n"].tolist() == [1, 2, 3] and back["flag"].tolist() == [True, False, True]
    assert back["f"].tolist()[0] == 0.1 + 0.2 and back["f"].tolist()[2] == 1e-300 and pd.isna(back["f"].tolist()[1])
    assert back.geometry.iloc[1] is None and back.geometry.iloc[2].equals(gdf.geometry.iloc[2])


def test_unknown_backend():
    with pytest.raises(StoreError, match="unknown storage backend 'oracle'"):
        open_store({"GEOWORKS_STORE": "oracle"})


def test_database_url_selects_postgis_without_connecting():
    assert backend_name({"GEOWORKS_DATABASE_URL": "postgresql://u@127.0.0.1:1/x"}) == "postgis"
    assert backend_name({}) == "gpkg"
    with pytest.raises(StoreError, match="GEOWORKS_DATABASE_URL"):
        open_store({"GEOWORKS_STORE": "postgis"})
    store = open_store({"GEOWORKS_DATABASE_URL": "postgresql://u:secret@127.0.0.1:1/x"})
    assert "secret" not in store.describe() and "127.0.0.1:1/x" in store.describe()
    with pytest.raises(StoreError, match="cannot reach the database"):
        store.version()


def test_totals_on_an_empty_store(tmp_path, catalogue, store_config):
    from geoworks.totals import compute_totals

    store = open_store(store_config(tmp_path))
    table = compute_totals(store, catalogue).table
    assert set(table["district"]) == {"city"} and (table["km"] == 0).all()
