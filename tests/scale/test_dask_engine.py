"""The Dask engine (geoworks.scale) gives the in-process engine's km and network km, to 1e-9.

Lines are cut at the edges of lon/lat rectangles, written as a GeoParquet dataset partitioned by
rectangle, measured rectangle by rectangle and summed; copies of lines (whole, reversed, partial,
with other vertices) that cross the rectangles' edges must count once, as they do in process.
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from shapely.ops import substring

from geoworks.cli import main
from geoworks.measure import measure
from geoworks.scale.engine import DaskOptions, dask_engine, measure_dask
from geoworks.scale.grid import Grid, cut_at_grid
from geoworks.totals import compute_totals
from tests.conftest import shared_file
from tests.core.test_network_partition import DISTRICTS, with_copies

REL = 1e-9


def assert_same(local, dask) -> None:
    """Same km, network km and features per district, same overlaps summary."""
    a, b = local.by_district(), dask.by_district()
    assert sorted(a.index) == sorted(b.index)
    b = b.loc[a.index]
    assert b["km"].to_numpy() == pytest.approx(a["km"].to_numpy(), rel=REL, abs=1e-9)
    assert b["network_km"].to_numpy() == pytest.approx(a["network_km"].to_numpy(), rel=REL, abs=1e-9)
    assert (b["features"].to_numpy() == a["features"].to_numpy()).all()
    sa, sb = local.overlap_summary(), dask.overlap_summary()
    assert sb["overlap_km"].to_numpy() == pytest.approx(sa["overlap_km"].to_numpy(), rel=1e-6, abs=1e-9)


def crossing_network(seed: int = 3) -> np.ndarray:
    """Random walks (segments of ~0.5 km: longer ones are measured whole but in pieces when cut, see
    docs/measuring.md) across both districts and the grid's edges, and copies of them crossing those edges."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = shapely.total_bounds(DISTRICTS[1])
    lines = []
    for _ in range(60):
        n = int(rng.integers(3, 16))
        start = rng.uniform([x0 - 0.005, y0 - 0.005], [x1 + 0.005, y1 + 0.005])
        lines.append(shapely.LineString(start + np.cumsum(rng.normal(0, 0.005, (n, 2)), axis=0)))
    copies = []
    for k, g in enumerate(lines[:40]):
        copies.append(
            [g, shapely.reverse(g), substring(g, 0.1, 0.8, normalized=True), shapely.segmentize(g, 0.0007)][k % 4]
        )
    return np.asarray(lines + copies, dtype=object)


def test_cut_at_grid_pieces_add_up_and_a_line_along_an_edge_is_refused():
    grid = Grid.over(shapely.total_bounds(DISTRICTS[1]), 9)
    assert grid.size == 9
    geoms = crossing_network()
    pieces, src, cell = cut_at_grid(geoms, grid)
    assert len(pieces) > len(geoms) and (np.diff(src) >= 0).all() and cell.max() < grid.size
    whole = shapely.length(geoms)
    assert np.bincount(src, weights=shapely.length(pieces)) == pytest.approx(whole, rel=1e-12)
    along = shapely.LineString([(grid.xs[0] - 0.01, 43.25), (grid.xs[0], 43.25), (grid.xs[0], 43.26)])
    with pytest.raises(ValueError, match="partition edge"):
        cut_at_grid(np.array([along]), grid)


@pytest.mark.parametrize("partitions", [4, 9])
def test_copies_across_partition_edges_measure_as_in_process(partitions):
    geoms = crossing_network()
    ids = np.arange(len(geoms))
    local = measure(ids, geoms, *DISTRICTS)
    assert local.overlap_summary()["overlaps"].sum() > 30  # the copies are found ...
    dask = measure_dask(ids, geoms, *DISTRICTS, options=DaskOptions(partitions=partitions, chunk=37))
    assert_same(local, dask)  # ... and count once across the edges too
    assert dask.network_km < dask.total_km


def test_demo_store_totals_on_dask_are_the_in_process_totals(demo_store, catalogue):
    local = compute_totals(demo_store, catalogue).table
    with dask_engine(DaskOptions(partitions=6, chunk=500)) as on_dask:
        dask = compute_totals(demo_store, catalogue, measure_with=on_dask).table
    assert list(dask[["layer", "district"]].itertuples(index=False)) == list(
        local[["layer", "district"]].itertuples(index=False)
    )
    for col in ("km", "network_km", "area_m2"):
        assert dask[col].to_numpy() == pytest.approx(local[col].to_numpy(), rel=REL, abs=1e-9)
    assert (dask[["features", "count"]].to_numpy() == local[["features", "count"]].to_numpy()).all()


def _files(tmp_path, demo_store):
    """The demo's roads (with a point among them and a copy in UTM 43N) and districts as files."""
    roads = demo_store.read_layer("roads")[["id", "geometry"]]
    districts = demo_store.read_layer("districts")
    odd = gpd.GeoDataFrame({"id": ["pt"]}, geometry=[shapely.Point(76.9, 43.25)], crs=4326)
    lines = gpd.GeoDataFrame(gpd.pd.concat([roads.iloc[:50], odd, roads.iloc[50:]], ignore_index=True), crs=4326)
    lines.to_file(tmp_path / "roads.gpkg", engine="pyogrio")
    lines.to_parquet(tmp_path / "roads.parquet", row_group_size=150)
    districts.to_file(tmp_path / "districts.gpkg", engine="pyogrio")
    return tmp_path / "districts.gpkg"


def _measure(*args) -> dict:
    res = CliRunner().invoke(main, ["measure", *map(str, args), "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def assert_same_json(a: dict, b: dict) -> None:
    assert a["districts"].keys() == b["districts"].keys()
    for name, x in a["districts"].items():
        y = b["districts"][name]
        assert y["km"] == pytest.approx(x["km"], rel=REL) and y["features"] == x["features"]
        assert y["network_km"] == pytest.approx(x["network_km"], rel=REL)
        assert y["overlap_km"] == pytest.approx(x["overlap_km"], rel=1e-6, abs=1e-9)
    for key in ("total_km", "network_total_km", "outside_km"):
        assert b[key] == pytest.approx(a[key], rel=REL, abs=1e-9)


def test_measure_command_on_a_two_process_cluster_gives_the_local_figures(tmp_path, demo_store):
    from distributed import LocalCluster

    districts = _files(tmp_path, demo_store)
    local = _measure(tmp_path / "roads.gpkg", "--districts", districts)
    assert local["overlaps"]["count"] > 0  # the demo's duplicated stretches
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        for source in ("roads.gpkg", "roads.parquet"):
            out = _measure(tmp_path / source, "--districts", districts, "--engine", "dask",
                           "--scheduler", cluster.scheduler_address, "--partitions", "5")  # fmt: skip
            assert_same_json(local, out)


def test_measure_command_on_threads_streams_the_same_overlaps(tmp_path, demo_store):
    districts = _files(tmp_path, demo_store)
    a = _measure(tmp_path / "roads.gpkg", "--districts", districts, "--overlaps", tmp_path / "a.geojson")
    b = _measure(tmp_path / "roads.gpkg", "--districts", districts, "--engine", "dask", "--overlaps",
                 tmp_path / "b.geojson")  # fmt: skip
    assert_same_json(a, b)
    rows = [json.loads((tmp_path / f).read_text())["features"] for f in ("a.geojson", "b.geojson")]
    pairs = [sorted((r["properties"]["feature_a"], r["properties"]["feature_b"]) for r in x) for x in rows]
    assert pairs[0] == pairs[1]  # the features are numbered alike (the point among the lines is skipped)


def test_dask_engine_errors_are_clear(tmp_path, demo_store, monkeypatch):
    districts = _files(tmp_path, demo_store)
    res = CliRunner().invoke(main, ["measure", str(tmp_path / "roads.gpkg"), "--districts", str(districts),
                                    "--scheduler", "threads"])  # fmt: skip
    assert res.exit_code == 2 and "need --engine dask" in res.output
    roads = gpd.read_file(tmp_path / "roads.gpkg")
    with warnings.catch_warnings():  # "'crs' was not provided": that is the point
        warnings.simplefilter("ignore", UserWarning)
        roads[roads.geom_type != "Point"].set_crs(None, allow_override=True).to_file(tmp_path / "nocrs.shp")
    args = ["measure", str(tmp_path / "nocrs.shp"), "--districts", str(districts)]
    local, dask = (CliRunner().invoke(main, args + extra) for extra in ([], ["--engine", "dask"]))
    assert local.exit_code == dask.exit_code == 2 and "has no CRS" in dask.output
    assert dask.output == local.output
    monkeypatch.setattr("geoworks.scale.engine.CONNECT_TIMEOUT", "1s")
    res = CliRunner().invoke(main, ["measure", str(tmp_path / "roads.gpkg"), "--districts", str(districts),
                                    "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    assert res.exit_code == 2 and "cannot reach the Dask scheduler" in res.output


def test_real_roads_with_copies_on_dask_measure_as_in_process():
    import pyogrio

    roads = pyogrio.read_dataframe(shared_file("data", "almaty-osm-2013-aliilyas", "almaty_2013_roads.geojson"))
    districts = pyogrio.read_dataframe(shared_file("data", "almaty-districts-akilbekov", "almaty-districts.geojson"))
    slugs, polys = districts["name"].to_numpy(dtype=object), np.asarray(districts.geometry.values)
    geoms = with_copies(np.asarray(roads.geometry.values))
    ids = np.arange(len(geoms))
    assert_same(measure(ids, geoms, slugs, polys), measure_dask(ids, geoms, slugs, polys, options=DaskOptions()))


def test_totals_command_on_dask_prints_the_local_table(monkeypatch, demo_dir):
    from tests.helpers.backends import config_for, setenv_store

    setenv_store(monkeypatch, config_for(demo_dir))
    args = ["totals", "--layer", "water", "--year", "2019", "--format", "json"]
    local, dask = (CliRunner().invoke(main, args + extra) for extra in ([], ["--engine", "dask", "--partitions", "3"]))
    assert local.exit_code == dask.exit_code == 0, dask.output
    assert json.loads(dask.output) == json.loads(local.output)  # rounded to the metre: the same table
