"""Near-me core: distances on the ellipsoid to the nearest point of each work, radius, filters."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geoworks.near.index import NearIndex, NearInputError, NearQuery, find_near, larger_radius, parse_query
from tests.helpers.geometry import GEOD, LAT, LON0, offset

LON, LATQ = LON0, LAT  # the resident's courtyard


def works(rows, layer="roads"):
    return gpd.GeoDataFrame(
        [
            {
                "id": r[0],
                "name": r[0],
                "name_ru": r[0],
                "status": r[2] if len(r) > 2 else "planned",
                "start_date": "2026-05-01",
                "end_date": "2026-09-30",
                "year": 2026,
                "contractor": "ТОО «X»",
                "district": "almaly",
                "geometry": r[1],
            }
            for r in rows
        ],
        geometry="geometry",
        crs="EPSG:4326",
    )


def ring_of_works():
    north = shapely.Point(offset(LON, LATQ, 0, 300))
    east499 = shapely.Point(offset(LON, LATQ, 90, 499))
    east501 = shapely.Point(offset(LON, LATQ, 90, 501))
    return works([("north-300", north), ("east-499", east499), ("east-501", east501)])


def test_300_north_and_499_east_listed_501_east_not():
    res = find_near({"roads": ring_of_works()}, NearQuery(LATQ, LON, 500))
    assert list(res.works["id"]) == ["north-300", "east-499"]
    for wid, ref in zip(res.works["id"], (300.0, 499.0)):
        d = float(res.works.loc[res.works["id"] == wid, "distance_m"].iloc[0])
        assert d == pytest.approx(ref, abs=0.01)


def test_distance_matches_pyproj_geod():
    pts = [offset(LON, LATQ, az, dist) for az, dist in [(17, 120.0), (133, 433.3), (251, 77.7), (300, 4999.0)]]
    gdf = works([(f"p{i}", shapely.Point(p)) for i, p in enumerate(pts)])
    res = find_near({"roads": gdf}, NearQuery(LATQ, LON, 5000))
    assert len(res) == 4
    for _, row in res.works.iterrows():
        _, _, ref = GEOD.inv(LON, LATQ, row.geometry.x, row.geometry.y)
        assert row["distance_m"] == pytest.approx(ref, abs=0.01)
    assert list(res.works["distance_m"]) == sorted(res.works["distance_m"])


def test_line_passing_50m_reports_50m_not_its_centroid():
    # an east-west line 4 km long whose closest point is 50 m north of the courtyard
    mid = offset(LON, LATQ, 0, 50)
    west, east = offset(*mid, 270, 2000), offset(*mid, 90, 2000)
    line = shapely.LineString([west, mid, east])
    far_centroid = shapely.LineString([mid, offset(*mid, 90, 4000)])  # starts 50 m away, centroid ~2 km away
    res = find_near({"water": works([("through", line), ("starts-near", far_centroid)])}, NearQuery(LATQ, LON, 100))
    assert set(res.works["id"]) == {"through", "starts-near"}
    for d in res.works["distance_m"]:
        assert d == pytest.approx(50.0, abs=0.05)
    _, _, centroid_d = GEOD.inv(LON, LATQ, far_centroid.centroid.x, far_centroid.centroid.y)
    assert centroid_d > 1900


def test_polygon_containing_point_is_at_zero():
    a, b = offset(LON, LATQ, 225, 40), offset(LON, LATQ, 45, 40)
    res = find_near({"courtyards": works([("yard", shapely.box(a[0], a[1], b[0], b[1]))])}, NearQuery(LATQ, LON, 100))
    assert list(res.works["distance_m"]) == [0.0]


def test_filters_layer_status_dates():
    p = shapely.Point(offset(LON, LATQ, 0, 100))
    layers = {
        "roads": works([("r-planned", p, "planned"), ("r-done", p, "completed")]),
        "gas": works([("g-progress", p, "in_progress")]),
    }
    idx = NearIndex(layers)
    assert set(idx.query(NearQuery(LATQ, LON, 500)).works["id"]) == {"r-planned", "g-progress"}
    assert set(idx.query(NearQuery(LATQ, LON, 500, layers=("gas",))).works["id"]) == {"g-progress"}
    assert set(idx.query(NearQuery(LATQ, LON, 500, statuses=())).works["id"]) == {"r-planned", "r-done", "g-progress"}
    assert len(idx.query(NearQuery(LATQ, LON, 500, date_from="2026-10-01"))) == 0
    assert len(idx.query(NearQuery(LATQ, LON, 500, date_to="2026-04-30"))) == 0
    assert len(idx.query(NearQuery(LATQ, LON, 500, date_from="2026-09-01", date_to="2026-09-02"))) == 2


def test_index_agrees_with_full_scan_on_demo(demo_store, catalogue):
    idx = NearIndex.from_store(demo_store, catalogue)
    assert len(idx) > 1000
    for lat, lon in [(43.25, 76.93), (43.33, 77.04), (43.19, 76.91)]:
        q = NearQuery(lat, lon, 1000, statuses=())
        a, b = idx.query(q), idx.scan(q)
        assert list(a.works["id"]) == list(b.works["id"]) and len(a) > 0
        assert a.candidates < len(idx) / 10


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({}, "coordinates are missing"),
        ({"lat": "x", "lon": "76.9"}, "must be numbers"),
        ({"lat": "51.1", "lon": "71.4"}, "far outside"),
        ({"lat": "76.9", "lon": "43.25"}, "far outside"),
        ({"lat": "43.25", "lon": "76.9", "radius": "50"}, "between 100 and 5000"),
        ({"lat": "43.25", "lon": "76.9", "radius": "5001"}, "between 100 and 5000"),
        ({"lat": "43.25", "lon": "76.9", "layers": "roads,tramways"}, "unknown layer 'tramways'"),
        ({"lat": "43.25", "lon": "76.9", "statuses": "dug"}, "unknown status 'dug'"),
        ({"lat": "43.25", "lon": "76.9", "date_from": "01.02.2026"}, "YYYY-MM-DD"),
    ],
)
def test_bad_input_named(catalogue, kwargs, words):
    with pytest.raises(NearInputError, match=words):
        parse_query(catalogue, **kwargs)


def test_parse_defaults(catalogue):
    q = parse_query(catalogue, lat="43.25", lon="76.95")
    assert q.radius_m == 500 and q.statuses == ("planned", "in_progress") and q.layers == ()
    q = parse_query(catalogue, lat="43.25", lon="76.95", radius="5000", layers=["roads", "gas"], statuses="all")
    assert q.radius_m == 5000 and q.layers == ("roads", "gas") and q.statuses == ()
    assert larger_radius(500) == 1000 and larger_radius(5000) is None
