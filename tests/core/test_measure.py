"""The measuring engine on geometries whose lengths are known by construction."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import LineString

from geoworks.geodesy import CRSProblem, geodesic_lengths_m, to_wgs84
from geoworks.measure import OUTSIDE, measure
from tests.helpers.geometry import LAT, LON0, arrays, geod_length, offset, two_districts


def test_line_crossing_a_border_is_split_into_its_exact_parts():
    west = offset(LON0, LAT, 270, 1200)
    east = offset(LON0, LAT, 90, 800)
    line = LineString([west, east])
    slugs, polys = arrays(two_districts())
    m = measure(["w1"], [line], slugs, polys)
    per = m.by_district()
    # the border point is on the line (same latitude), so each part is a geodesic piece
    assert per.loc["a", "km"] * 1000 == pytest.approx(geod_length([west, (LON0, west[1])]), rel=1e-6)
    assert per.loc["b", "km"] * 1000 == pytest.approx(geod_length([(LON0, east[1]), east]), rel=1e-6)
    assert m.total_km * 1000 == pytest.approx(geod_length([west, (LON0, LAT), east]), rel=1e-6)
    assert set(m.parts["district"]) == {"a", "b"}
    assert m.outside_km == 0


def test_part_outside_every_district_is_reported_as_outside():
    start = offset(76.99, LAT, 0, 0)
    end = (77.01, LAT)
    m = measure(["x"], [LineString([start, end])], *arrays(two_districts()))
    assert m.outside_km * 1000 == pytest.approx(geod_length([(77.0, LAT), end]), rel=1e-6)
    assert m.by_district().loc["b", "km"] * 1000 == pytest.approx(geod_length([start, (77.0, LAT)]), rel=1e-6)


def test_duplicated_stretch_counts_once_in_network_twice_in_sum():
    a0 = offset(76.92, LAT, 0, 0)
    a1 = offset(76.92, LAT, 90, 2000)
    full = LineString([a0, a1])
    dup = LineString([a0, a1])
    half = shapely.ops.substring(full, 0.25, 0.75, normalized=True)  # re-interpolated vertices
    length = geod_length([a0, a1])
    m = measure(["f", "dup", "half"], [full, dup, half], *arrays(two_districts()))
    per = m.by_district()
    assert per.loc["a", "km"] * 1000 == pytest.approx(length * 2.5, rel=1e-4)
    assert per.loc["a", "network_km"] * 1000 == pytest.approx(length, rel=1e-4)
    # each stretch counted twice is listed once, with the first feature it lies under
    pairs = {tuple(sorted(p)) for p in m.overlaps[["feature_a", "feature_b"]].itertuples(index=False)}
    assert pairs == {("dup", "f"), ("f", "half")}
    row = m.overlaps[(m.overlaps.feature_a == "f") & (m.overlaps.feature_b == "half")].iloc[0]
    assert row.length_m == pytest.approx(geod_length(half.coords), rel=1e-9)
    assert row.district == "a"
    assert m.overlaps["length_m"].sum() == pytest.approx((per.loc["a", "km"] - per.loc["a", "network_km"]) * 1000)
    summary = m.overlap_summary()
    assert summary.loc["a", "overlaps"] == 2 and summary.loc["a", "overlap_km"] * 1000 == pytest.approx(length * 1.5)


def test_crossing_and_touching_lines_are_not_overlaps():
    c = (76.92, LAT)
    ns = LineString([offset(*c, 0, 500), offset(*c, 180, 500)])
    ew = LineString([offset(*c, 270, 500), offset(*c, 90, 500)])
    cont = LineString([offset(*c, 90, 500), offset(*c, 90, 900)])  # continues ew end to end
    m = measure([1, 2, 3], [ns, ew, cont], *arrays(two_districts()))
    assert m.overlaps.empty
    assert m.network_km == pytest.approx(m.total_km)


def test_empty_and_zero_length_geometries_do_not_break_totals():
    p = offset(76.92, LAT, 0, 0)
    good = LineString([p, offset(*p, 0, 1000)])
    geoms = [good, LineString(), None, LineString([p, p])]
    m = measure(["g", "e", "n", "z"], geoms, *arrays(two_districts()))
    assert m.total_km * 1000 == pytest.approx(geod_length(good.coords), rel=1e-9)
    assert geodesic_lengths_m(np.array([None, LineString(), shapely.Point(1, 1)], dtype=object)).tolist() == [0, 0, 0]


def test_same_geometry_in_three_crs_gives_the_same_km():
    base = gpd.GeoDataFrame(
        {"id": [1]},
        geometry=[
            LineString([offset(76.91, 43.22, 0, 0), offset(76.91, 43.22, 45, 3000), offset(76.91, 43.22, 80, 5000)])
        ],
        crs=4326,
    )
    ref = geodesic_lengths_m(base.geometry.values)[0]
    for epsg in (4326, 32643, 3857):
        again = to_wgs84(base.to_crs(epsg))
        got = measure([1], again.geometry.values, *arrays(two_districts())).total_km * 1000
        assert got == pytest.approx(ref, rel=1e-4), epsg
    # and the naive way is wrong by ~37 %: that is why nothing measures in EPSG:3857
    assert base.to_crs(3857).length.iloc[0] / ref > 1.3


def test_no_crs_needs_one_declared():
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[LineString([(0, 0), (1, 1)])])
    with pytest.raises(CRSProblem, match="no CRS"):
        to_wgs84(gdf, what="roads.geojson")
    assert to_wgs84(gdf, "EPSG:4326").crs.to_epsg() == 4326


def test_wrong_crs_shows_as_impossible_coordinates():
    utm = gpd.GeoDataFrame({"id": [1]}, geometry=[LineString([(650000, 4790000), (651000, 4791000)])], crs=4326)
    with pytest.raises(CRSProblem, match="outside longitude"):
        to_wgs84(utm, what="x")


def test_polygons_get_area_and_points_are_counted():
    sq = shapely.box(76.91, 43.21, 76.92, 43.22)
    straddle = shapely.box(76.94, 43.21, 76.96, 43.22)
    m = measure(["s", "t"], [sq, straddle], *arrays(two_districts()), kind="polygon")
    per = m.by_district()
    from pyproj import Geod

    g = Geod(ellps="WGS84")
    assert per.loc["a", "area_m2"] == pytest.approx(
        abs(g.geometry_area_perimeter(sq)[0])
        + abs(g.geometry_area_perimeter(shapely.box(76.94, 43.21, 76.95, 43.22))[0]),
        rel=1e-6,
    )
    pts = measure(
        ["p", "q", "r"],
        [shapely.Point(76.91, 43.25), shapely.Point(76.99, 43.25), shapely.Point(78, 43)],
        *arrays(two_districts()),
        kind="point",
    )
    assert pts.parts.set_index("feature")["district"].to_dict() == {"p": "a", "q": "b", "r": OUTSIDE}


@pytest.mark.parametrize("lat0", [43.25, 60.17, -33.9, 0.0])
def test_segment_lengths_agree_with_pyproj_geod(lat0):
    from pyproj import Geod

    from geoworks.geodesy import segment_lengths_m

    g = Geod(ellps="WGS84")
    rng = np.random.default_rng(3)
    n = 5000
    dist = np.concatenate([rng.uniform(0.5, 5000, n), rng.uniform(5000, 200_000, n)])
    lon1 = rng.uniform(-179, 179, 2 * n)
    lat1 = np.clip(lat0 + rng.uniform(-1, 1, 2 * n), -89, 89)
    lon2, lat2, _ = g.fwd(lon1, lat1, rng.uniform(0, 360, 2 * n), dist)
    got = segment_lengths_m(lon1, lat1, lon2, lat2)
    assert np.abs(got / dist - 1).max() < 2e-7


def test_line_along_a_shared_border_counts_once():
    south, north = (LON0, 43.22), (LON0, 43.28)
    m = measure(["edge"], [LineString([south, north])], *arrays(two_districts()))
    assert m.total_km * 1000 == pytest.approx(geod_length([south, north]), rel=1e-9)
    assert len(m.parts) == 1


def test_pieces_add_up_to_the_whole_line_on_a_zigzag():
    pts = [(76.93 + 0.01 * (i % 2) + 0.002 * i, 43.21 + 0.005 * i) for i in range(8)]  # crosses 76.95 several times
    line = LineString(pts)
    m = measure(["z"], [line], *arrays(two_districts()))
    assert set(m.parts["district"]) == {"a", "b"}
    assert m.total_km * 1000 == pytest.approx(geod_length(pts), rel=1e-8)
    clipped = shapely.intersection(line, two_districts().geometry.iloc[0])
    a_ref = sum(geod_length(p.coords) for p in shapely.get_parts(clipped))
    assert m.by_district().loc["a", "km"] * 1000 == pytest.approx(a_ref, rel=1e-7)
