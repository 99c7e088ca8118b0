"""Along-road routes on hand-made roads: lengths are sums of geodesic segments (pyproj.Geod)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geoworks.plan.gaps import find_gaps
from geoworks.plan.routing import NO_ROAD_NEARBY, NO_ROAD_PATH, OK, RoadGraph
from tests.helpers.geometry import GEOD, LAT, LON0, offset

A = (LON0, LAT)
B = offset(*A, 90, 300)
C = offset(*B, 0, 400)
D = offset(*A, 90, 2000)
E = offset(*D, 0, 300)


def g(p, q) -> float:
    return GEOD.inv(p[0], p[1], q[0], q[1])[2]


def roads() -> list:
    mid = offset(*A, 90, 150)
    return [
        shapely.LineString([A, B]),
        shapely.LineString([B, C]),
        # a cross street with no shared vertex: noded where it crosses A-B
        shapely.LineString([offset(*mid, 180, 100), offset(*mid, 0, 100)]),
        shapely.LineString([D, E]),  # an island: no road joins it to the rest
    ]


def test_along_road_length_is_sum_of_segments_on_the_only_path():
    graph = RoadGraph(roads())
    r = graph.route(A, C)
    assert r.status == OK
    assert r.road_m == pytest.approx(g(A, B) + g(B, C), abs=0.01)
    assert r.access_m == pytest.approx(0.0, abs=0.01)
    coords = shapely.get_coordinates(r.geometry)
    assert g(coords[0], A) < 0.01 and g(coords[-1], C) < 0.01
    assert any(g(c, B) < 0.01 for c in coords)


def test_route_from_off_road_points_adds_access_legs():
    graph = RoadGraph(roads())
    start = offset(*offset(*A, 90, 100), 180, 30)  # 30 m south of A-B, 100 m from A
    end = offset(*offset(*B, 0, 250), 90, 20)  # 20 m east of B-C, 250 m up
    r = graph.route(start, end)
    assert r.status == OK
    assert r.access_m == pytest.approx(50.0, abs=0.5)
    assert r.road_m == pytest.approx(200.0 + 250.0, abs=0.5)
    assert r.length_m == pytest.approx(500.0, abs=1.0)


def test_same_segment_route():
    graph = RoadGraph(roads())
    r = graph.route(offset(*A, 90, 20), offset(*A, 90, 120))
    assert r.status == OK and r.road_m == pytest.approx(100.0, abs=0.01)


def test_no_road_path_between_islands():
    graph = RoadGraph(roads())
    r = graph.route(A, E)
    assert r.status == NO_ROAD_PATH
    assert r.geometry is None


def test_no_road_nearby_and_no_roads():
    graph = RoadGraph(roads())
    far = offset(*A, 180, 5000)
    assert graph.route(far, C).status == NO_ROAD_NEARBY
    assert RoadGraph([]).route(A, C).status == NO_ROAD_NEARBY


def test_gaps_with_extension_estimates():
    # the network starts at C and runs east; targets at A (reachable by road) and at E (an island)
    net = gpd.GeoDataFrame({"id": ["pipe"]}, geometry=[shapely.LineString([C, offset(*C, 90, 500)])], crs="EPSG:4326")
    targets = gpd.GeoDataFrame(
        {"id": ["at-a", "at-e", "near"]},
        geometry=[shapely.Point(A), shapely.Point(E), shapely.Point(offset(*C, 180, 60))],
        crs="EPSG:4326",
    )
    res = find_gaps(targets, net, 100, roads=RoadGraph(roads()))
    t = res.table.set_index("id")
    assert t["gap"].tolist() == [True, True, False]
    assert t.loc["at-a", "straight_m"] == pytest.approx(g(A, C), abs=0.5)
    assert t.loc["at-a", "route_status"] == OK
    assert t.loc["at-a", "road_m"] == pytest.approx(g(A, B) + g(B, C), abs=0.5)
    assert t.loc["at-e", "route_status"] == NO_ROAD_PATH
    assert t.loc["near", "route_status"] is None
    ext = res.extensions()
    assert sorted(ext["kind"]) == ["road", "straight", "straight"]


def test_route_cap_marks_the_rest_not_routed():
    net = gpd.GeoDataFrame({"id": ["pipe"]}, geometry=[shapely.LineString([C, offset(*C, 90, 500)])], crs="EPSG:4326")
    targets = gpd.GeoDataFrame({"id": ["a", "e"]}, geometry=[shapely.Point(A), shapely.Point(E)], crs="EPSG:4326")
    res = find_gaps(targets, net, 100, roads=RoadGraph(roads()), max_routes=1)
    assert res.table.set_index("id")["route_status"].tolist() == [OK, "not_routed"]
