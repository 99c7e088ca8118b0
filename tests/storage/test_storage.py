"""The embedded store: reads, filters, and all-or-nothing writes."""

import hashlib

import geopandas as gpd
import pytest
import shapely

from geoworks.storage import StoreError, open_store


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


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


def test_missing_layer_reads_empty(tmp_path):
    store = open_store({"GEOWORKS_DATA_DIR": str(tmp_path)})
    assert store.is_empty() and len(store.read_layer("roads")) == 0 and store.version() == "empty"


def test_failed_transaction_leaves_store_byte_for_byte(demo_copy):
    store = open_store({"GEOWORKS_DATA_DIR": str(demo_copy)})
    before, version = digest(store.path), store.version()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.delete_where("roads", "batch_id", "demo")
        tx.write_layer("gas", gpd.GeoDataFrame({"id": ["x"]}, geometry=[shapely.Point(77, 43.2)], crs=4326))
        raise RuntimeError("boom halfway")
    assert digest(store.path) == before and store.version() == version
    assert not list(demo_copy.glob(".tmp-*"))


def test_committed_transaction_changes_version(demo_copy):
    store = open_store({"GEOWORKS_DATA_DIR": str(demo_copy)})
    version = store.version()
    with store.transaction() as tx:
        removed = tx.delete_where("heating", "status", "cancelled")
    assert removed > 0 and store.version() != version
    assert "cancelled" not in set(store.read_layer("heating")["status"])


def test_unknown_backend():
    with pytest.raises(StoreError, match="unknown storage backend 'oracle'"):
        open_store({"GEOWORKS_STORE": "oracle"})


def test_totals_on_an_empty_store(tmp_path, catalogue):
    from geoworks.totals import compute_totals

    store = open_store({"GEOWORKS_DATA_DIR": str(tmp_path)})
    table = compute_totals(store, catalogue).table
    assert set(table["district"]) == {"city"} and (table["km"] == 0).all()
