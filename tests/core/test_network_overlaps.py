"""The overlapping stretches behind network km: found in full, summarised per district, listed on request."""

import json

import numpy as np
import pytest
import shapely
from shapely import LineString

from geoworks.measure import OUTSIDE, measure
from geoworks.network import network_by_district
from tests.helpers.geometry import LAT, LON0, arrays, geod_length, offset, two_districts


@pytest.fixture(scope="module")
def demo_2019(catalogue):
    from geoworks.demo import build_demo

    return build_demo(catalogue, 2019)


@pytest.mark.parametrize("layer,planted", [("roads", 3), ("water", 1)])
def test_the_demo_duplicates_are_found_in_full(demo_2019, layer, planted):
    """The demo plants copies of works (whole, partial, reversed; cut in UTM 43N, stored in lon/lat)."""
    works = demo_2019[layer]
    works = works[(works["year"] == 2019) & (works["status"] == "completed")]
    districts = demo_2019["districts"]
    m = measure(
        works["id"].to_numpy(dtype=object),
        works.geometry.values,
        districts["slug"].to_numpy(dtype=object),
        districts.geometry.values,
    )
    pairs = m.overlaps.groupby(["feature_a", "feature_b"])["length_m"].sum()
    assert len(pairs) == planted
    length = m.parts.groupby("feature")["length_m"].sum()
    for (a, b), shared in pairs.items():  # each copy lies wholly on its original
        assert shared == pytest.approx(min(length[a], length[b]), rel=1e-6)
    assert m.total_km - m.network_km == pytest.approx(pairs.sum() / 1000, rel=1e-9)


def test_summary_per_district_and_the_full_list_agree():
    a0, a1 = offset(LON0, LAT, 270, 1500), offset(LON0, LAT, 90, 1000)  # crosses the border a|b
    road = LineString([a0, a1])
    again = LineString([a1, a0])
    part = shapely.ops.substring(road, 0.1, 0.3, normalized=True)
    m = measure(["road", "again", "part"], [road, again, part], *arrays(two_districts()))
    per, summary = m.by_district(), m.overlap_summary()
    assert set(summary.index) == {"a", "b"}
    for district in ("a", "b"):
        assert summary.loc[district, "overlap_km"] == pytest.approx(
            per.loc[district, "km"] - per.loc[district, "network_km"]
        )
        rows = m.overlaps[m.overlaps["district"] == district]
        assert summary.loc[district, "overlaps"] == len(rows)
        assert rows["length_m"].sum() / 1000 == pytest.approx(summary.loc[district, "overlap_km"])
    assert m.network_km * 1000 == pytest.approx(geod_length([a0, a1]), rel=1e-7)  # split at the border
    assert set(zip(m.overlaps["feature_a"], m.overlaps["feature_b"])) == {("road", "again"), ("road", "part")}


def test_the_full_list_streams_to_a_geojson_file(tmp_path):
    start = offset(76.92, LAT, 0, 0)
    lines = [LineString([start, offset(*start, 80 * k, 600)]) for k in range(4)]
    geoms = lines + [shapely.reverse(g) for g in lines]  # every line twice
    m = measure(list(range(len(geoms))), geoms, *arrays(two_districts()))
    chunks = list(m.iter_overlaps(rows=3))
    assert [len(c) for c in chunks] == [3, 1]
    path = tmp_path / "overlaps.geojson"
    assert m.write_overlaps(path) == 4
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert len(doc["features"]) == 4
    listed = sorted((f["properties"]["feature_a"], f["properties"]["feature_b"]) for f in doc["features"])
    assert listed == [(k, k + 4) for k in range(4)]
    assert sum(f["properties"]["length_m"] for f in doc["features"]) == pytest.approx(m.overlaps["length_m"].sum())
    assert {f["geometry"]["type"] for f in doc["features"]} == {"LineString"}


def test_a_line_doubling_back_on_itself_overlaps_itself():
    for k in range(12):  # short folds at several places: some lie within one strip of the plane
        a = offset(76.92, LAT, 90, 37.0 * k)
        b = offset(*a, 30, 120)
        back = shapely.ops.substring(LineString([a, b]), 0.5, 1, normalized=True).coords[0]
        for districts in (arrays(two_districts()), ([], [])):  # near a border, and far from any
            m = measure(["loop"], [LineString([a, b, back])], *districts)
            assert m.overlaps[["feature_a", "feature_b"]].values.tolist() == [["loop", "loop"]]
            assert m.overlaps["length_m"].iloc[0] == pytest.approx(geod_length([b, back]), rel=1e-9)


def test_network_by_district_is_the_additive_api():
    start = offset(76.92, LAT, 0, 0)
    line = LineString([start, offset(*start, 90, 4000)])  # crosses into 'b' and beyond
    got = network_by_district([line, line], *arrays(two_districts()))
    assert list(got.index) == ["a", "b", OUTSIDE]
    assert got.sum() == pytest.approx(geod_length(line.coords), rel=1e-7)
    assert np.all(got >= 0)


@pytest.mark.parametrize("bands", [1, 7, 1000])
def test_sweeping_the_strips_in_bands_changes_nothing(demo_2019, monkeypatch, bands):
    """The overlap sweep takes the strips in network._BANDS bands (32 in use): any number of
    bands gives the same stretches, whatever strips the bands end between."""
    import geoworks.network as network

    works = demo_2019["roads"]
    districts = demo_2019["districts"]
    args = (works["id"].to_numpy(dtype=object), works.geometry.values, *arrays(districts))
    whole = measure(*args)
    monkeypatch.setattr(network, "_BANDS", bands)
    batched = measure(*args)
    assert len(whole.overlaps) >= 3
    assert batched.network_m == pytest.approx(whole.network_m, rel=1e-12)
    cols = ["feature_a", "feature_b", "district", "length_m"]
    key = ["feature_a", "feature_b", "district"]
    got = batched.overlaps[cols].sort_values(key).reset_index(drop=True)
    want = whole.overlaps[cols].sort_values(key).reset_index(drop=True)
    assert got[key].equals(want[key]) and np.allclose(got["length_m"], want["length_m"], rtol=1e-12)
