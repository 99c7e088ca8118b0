"""Gaps: distances from hand-made targets to a hand-made network, known by construction (pyproj.Geod)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoworks.plan.gaps import GapsInputError, check_threshold, district_summary, find_gaps, nearest_lines
from geoworks.plan.service import GapsService
from tests.helpers.backends import config_for
from tests.helpers.geometry import GEOD, LAT, offset, two_districts

NET_LON = 76.945  # the network runs north-south along this meridian, inside district 'a'
DISTANCES = (50.0, 150.0, 1000.0)


def meridian_network() -> gpd.GeoDataFrame:
    south, north = offset(NET_LON, LAT, 180, 1500), offset(NET_LON, LAT, 0, 1500)
    return gpd.GeoDataFrame({"id": ["main-1"]}, geometry=[shapely.LineString([south, north])], crs="EPSG:4326")


def point_targets() -> gpd.GeoDataFrame:
    pts = [shapely.Point(offset(NET_LON, LAT, 90, d)) for d in DISTANCES]
    return gpd.GeoDataFrame(
        {"id": [f"t{int(d)}" for d in DISTANCES], "name": ["near", "mid", "far"]}, geometry=pts, crs="EPSG:4326"
    )


def geodesic_line(lon, lat, az, length_m, n=50) -> shapely.LineString:
    """A line following the geodesic from (lon, lat) at azimuth ``az``, ``length_m`` long."""
    end = offset(lon, lat, az, length_m)
    pts = [(lon, lat)] + GEOD.npts(lon, lat, end[0], end[1], n) + [end]
    return shapely.LineString(pts)


@pytest.mark.parametrize("threshold, expected", [(100, [False, True, True]), (200, [False, False, True])])
def test_points_classified_at_threshold(threshold, expected):
    res = find_gaps(point_targets(), meridian_network(), threshold)
    assert res.table["gap"].tolist() == expected
    assert res.table["distance_m"].to_numpy() == pytest.approx(DISTANCES, abs=0.5)
    assert res.table["line_id"].tolist() == ["main-1"] * 3
    # the connection point is the foot of the perpendicular: (NET_LON, LAT)
    for r in res.table.itertuples():
        _, _, d = GEOD.inv(r.conn_lon, r.conn_lat, NET_LON, LAT)
        assert d < 0.5
        _, _, d2 = GEOD.inv(r.from_lon, r.from_lat, r.conn_lon, r.conn_lat)
        assert d2 == pytest.approx(r.distance_m, abs=1e-6)


def test_oblique_geodesic_network_distances_match_geod():
    lon0, lat0 = 76.90, 43.22
    line = geodesic_line(lon0, lat0, 60.0, 3000.0)
    foot = offset(lon0, lat0, 60.0, 1200.0)
    _, back_az, _ = GEOD.inv(lon0, lat0, foot[0], foot[1])
    perp = (back_az + 180.0) + 90.0  # forward azimuth at the foot, turned right
    targets = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]}, geometry=[shapely.Point(offset(*foot, perp, d)) for d in DISTANCES], crs="EPSG:4326"
    )
    net = gpd.GeoDataFrame({"id": ["oblique"]}, geometry=[line], crs="EPSG:4326")
    res = find_gaps(targets, net, 100)
    assert res.table["distance_m"].to_numpy() == pytest.approx(DISTANCES, abs=0.5)
    assert res.table["gap"].tolist() == [False, True, True]
    for r in res.table.itertuples():
        assert GEOD.inv(r.conn_lon, r.conn_lat, *foot)[2] < 0.5


def test_polygon_target_distance_is_from_the_polygon():
    # a 40 m square whose west edge lies 150 m east of the network
    sw = offset(NET_LON, LAT, 90, 150)
    se = offset(*sw, 90, 40)
    square = shapely.Polygon([sw, se, offset(*se, 0, 40), offset(*sw, 0, 40)])
    crossing = shapely.Polygon(
        [
            offset(NET_LON, LAT, 270, 20),
            offset(NET_LON, LAT, 90, 20),
            offset(*offset(NET_LON, LAT, 90, 20), 0, 30),
            offset(*offset(NET_LON, LAT, 270, 20), 0, 30),
        ]
    )
    targets = gpd.GeoDataFrame({"id": ["sq", "crossed"]}, geometry=[square, crossing], crs="EPSG:4326")
    res = find_gaps(targets, meridian_network(), 100)
    assert res.table["distance_m"].tolist() == pytest.approx([150.0, 0.0], abs=0.5)
    assert res.table["gap"].tolist() == [True, False]


def test_nearest_of_several_lines_and_empty_targets():
    far_line = geodesic_line(*offset(NET_LON, LAT, 90, 400), 0.0, 500)
    net = [meridian_network().geometry[0], far_line]
    tgt = [shapely.Point(offset(NET_LON, LAT, 90, 300)), shapely.Point(), None]
    near = nearest_lines(tgt, net)
    assert near["line"].tolist() == [1, -1, -1]
    assert near["distance_m"][0] == pytest.approx(100.0, abs=0.5)
    assert np.isnan(near["distance_m"][1]) and np.isnan(near["distance_m"][2])


def test_district_summary_counts_and_shares():
    districts = two_districts()
    targets = point_targets()  # 50 m and 150 m lie in 'a', 1 km east lies in 'b'
    res = find_gaps(targets, meridian_network(), 100, districts=districts)
    assert res.table["district"].tolist() == ["a", "a", "b"]
    s = res.summary.set_index("district")
    assert s.loc["a", ["targets", "gaps", "covered"]].tolist() == [2, 1, 1]
    assert s.loc["a", "covered_share"] == pytest.approx(0.5)
    assert s.loc["b", ["targets", "gaps", "covered"]].tolist() == [1, 1, 0]
    assert s.loc["city", ["targets", "gaps", "covered"]].tolist() == [3, 2, 1]
    only_a = res.for_district("a")
    assert only_a.summary["district"].tolist() == ["a", "city"]
    assert district_summary(res.table.iloc[:0], ["a"]).loc[0, "targets"] == 0


@pytest.mark.parametrize("bad", [0, -5, 5001, "abc", float("nan"), None, "inf"])
def test_threshold_out_of_range(bad):
    with pytest.raises(GapsInputError, match="threshold"):
        check_threshold(bad)


def test_threshold_in_range():
    assert check_threshold("100") == 100.0
    assert check_threshold(5000) == 5000.0


def test_empty_inputs_are_clear_errors():
    with pytest.raises(GapsInputError, match="target layer has no features"):
        find_gaps(point_targets().iloc[:0], meridian_network(), 100)
    with pytest.raises(GapsInputError, match="network layer has no features"):
        find_gaps(point_targets(), meridian_network().iloc[:0], 100)


def test_store_gaps_on_demo(demo_store, catalogue):
    svc = GapsService()
    res = svc.compute(demo_store, catalogue, "water", "courtyards", 100)
    s = res.summary.set_index("district")
    assert s.loc["city", "targets"] == len(res.table) > 100
    assert s.drop(index="city")["targets"].sum() == s.loc["city", "targets"]
    assert (res.table["gap"] == (res.table["distance_m"] > 100)).all()
    # every reported distance is the geodesic distance between the two reported points
    t = res.table
    _, _, d = GEOD.inv(
        t["from_lon"].to_numpy(), t["from_lat"].to_numpy(), t["conn_lon"].to_numpy(), t["conn_lat"].to_numpy()
    )
    assert np.allclose(d, t["distance_m"].to_numpy(), atol=1e-6)
    gaps = res.gaps
    assert set(gaps["route_status"]) <= {"ok", "no_road_path", "no_road_nearby", "not_routed"}
    ok = gaps[gaps["route_status"] == "ok"]
    assert len(ok) and (ok["route_m"] >= ok["straight_m"] - 0.5).all()
    wider = svc.compute(demo_store, catalogue, "water", "courtyards", 500)
    assert wider.gaps.shape[0] < gaps.shape[0]
    one = svc.compute(demo_store, catalogue, "water", "courtyards", 100, district="Almaly")
    assert set(one.table["district"]) == {"almaly"}
    ext = res.extensions()
    assert set(ext["kind"]) == {"straight", "road"}
    assert (ext["kind"] == "straight").sum() == len(gaps)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"network": "plumbing"}, "unknown network layer 'plumbing'"),
        ({"network": "roads"}, "unknown network layer 'roads'"),
        ({"targets": "water"}, "unknown target layer 'water'"),
        ({"district": "atlantis"}, "unknown district 'atlantis'"),
        ({"threshold_m": 0}, "out of range"),
    ],
)
def test_store_gaps_bad_input(demo_store, catalogue, kwargs, message):
    args = {"network": "water", "targets": "courtyards", "threshold_m": 100, **kwargs}
    with pytest.raises(GapsInputError, match=message):
        GapsService().compute(demo_store, catalogue, **args)


def test_store_gaps_empty_target_layer(demo_copy, catalogue):
    from geoworks.storage import open_store
    from geoworks.storage.base import empty_works

    store = open_store(config_for(demo_copy))
    before = store.count("water")
    with store.transaction() as tx:
        tx.write_layer("courtyards", empty_works())
    with pytest.raises(GapsInputError, match="target layer 'courtyards' has no features"):
        GapsService().compute(store, catalogue, "water", "courtyards", 100)
    assert store.count("water") == before
