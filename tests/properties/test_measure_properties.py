"""Properties of the measuring engine (geoworks.measure) not covered by tests/core/test_network_properties.py
(which has: network km never exceeds the feature sum, splitting a line into pieces changes nothing):

- district km plus outside equals the total, and each line's parts add up to its own geodesic length;
- reprojecting the lines (to their UTM zone and back, or through a file in another CRS that geoworks
  reprojects itself on reading) changes no total beyond 1e-9 relative;
- on the served totals (/api/totals), the districts plus outside make the city, for any filter.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from geoworks.geodesy import geodesic_lengths_m, utm_crs_for
from geoworks.measure import measure
from geoworks.measure_files import measure_files
from geoworks.network import OUTSIDE
from tests.core.test_network_partition import DISTRICTS as PARTITION_DISTRICTS
from tests.core.test_network_properties import SETTINGS, networks
from tests.helpers.geometry import geod_length

# 'a' west and 'b' east of 76.9517: borders off the round values the random lines start from (a line lying
# along a border within float noise, 1e-14 degree, falls on either side by that noise; see test_network_partition)
DISTRICTS = PARTITION_DISTRICTS
REL = 1e-9
NOISE_KM = 1e-11  # 10 nm: a cut at a border puts a vertex within float noise (1e-14 degree) of it
# the random lines start anywhere in the two districts and run up to ~5 km: some leave them (outside)
FILE_SETTINGS = settings(SETTINGS, max_examples=20)  # each example writes two files


def measured(geoms: list) -> tuple[dict[str, float], dict[str, float]]:
    """km and network km per district (and outside) of lon/lat lines."""
    per = measure(np.arange(len(geoms)), geoms, *DISTRICTS).by_district()
    return per["km"].to_dict(), per["network_km"].to_dict()


def assert_same(a: dict[str, float], b: dict[str, float], what: str) -> None:
    keys = {k for k in a.keys() | b.keys() if max(a.get(k, 0.0), b.get(k, 0.0)) > 1e-12}
    for k in keys:
        assert a.get(k, 0.0) == pytest.approx(b.get(k, 0.0), rel=REL, abs=1e-12), (what, k)


def reprojected(geoms: list, crs: str) -> list:
    """The lines' vertices transformed to ``crs`` and back (pyproj, always_xy)."""
    there = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def both(xy: np.ndarray) -> np.ndarray:
        x, y = there.transform(xy[:, 0], xy[:, 1])
        return np.column_stack(back.transform(x, y))

    return [shapely.transform(g, both) for g in geoms]


@SETTINGS
@given(networks())
def test_districts_plus_outside_make_the_total_and_every_line_its_length(geoms):
    m = measure(np.arange(len(geoms)), geoms, *DISTRICTS)
    per = m.by_district()
    whole_km = geodesic_lengths_m(np.asarray(geoms, dtype=object)) / 1000  # each line measured uncut
    assert per["km"].sum() == pytest.approx(m.total_km, rel=1e-12)
    inside = per.loc[per.index != OUTSIDE, "km"].sum()
    assert inside + m.outside_km == pytest.approx(whole_km.sum(), rel=REL)
    behind = m.features_behind().groupby("feature")["length_m"].sum() / 1000
    assert behind.to_numpy() == pytest.approx(whole_km, rel=REL, abs=NOISE_KM)
    assert per["network_km"].sum() == pytest.approx(m.network_km, rel=1e-12)
    # and geoworks' geodesic lengths are pyproj.Geod's within the documented 1e-7 (docs/measuring.md)
    reference_km = [geod_length(shapely.get_coordinates(g)) / 1000 for g in geoms]
    assert whole_km == pytest.approx(np.asarray(reference_km), rel=1e-7, abs=NOISE_KM)


@SETTINGS
@given(networks(), st.sampled_from(["utm", "EPSG:32643", "EPSG:3857", "EPSG:32642"]))
def test_reprojecting_to_another_crs_and_back_changes_nothing(geoms, crs):
    if crs == "utm":  # the line's own UTM zone, as geoworks picks it
        x, y = shapely.get_coordinates(geoms[0])[0]
        crs = utm_crs_for(x, y)
    km, net = measured(geoms)
    km2, net2 = measured(reprojected(geoms, crs))
    assert_same(km, km2, "km")
    assert_same(net, net2, "network_km")


@FILE_SETTINGS
@given(networks(), st.sampled_from(["EPSG:32643", "EPSG:3857"]))
def test_a_file_in_another_crs_measures_the_same_through_geoworks_reprojection(geoms, crs):
    """The lines written to a GeoPackage in ``crs`` (the districts stay in lon/lat): geoworks reads and
    reprojects the file itself (geoworks.io.readers -> geoworks.geodesy.to_wgs84)."""
    km, net = measured(geoms)
    with tempfile.TemporaryDirectory() as tmp:
        lines = Path(tmp) / "lines.gpkg"
        districts = Path(tmp) / "districts.gpkg"
        gpd.GeoDataFrame({"n": range(len(geoms))}, geometry=geoms, crs="EPSG:4326").to_crs(crs).to_file(lines)
        gpd.GeoDataFrame({"slug": DISTRICTS[0]}, geometry=list(DISTRICTS[1]), crs="EPSG:4326").to_file(districts)
        out = measure_files(str(lines), str(districts), name_field="slug")
    km2 = {k: v["km"] for k, v in out["districts"].items()} | {OUTSIDE: out["outside_km"]}
    net2 = {k: v["network_km"] for k, v in out["districts"].items()}
    assert_same(km, km2, "km")
    assert_same({k: v for k, v in net.items() if k != OUTSIDE}, net2, "network_km")
    assert out["total_km"] == pytest.approx(sum(km.values()), rel=REL)


@settings(SETTINGS, max_examples=12)  # each filter measures the demo store's layers again
@given(
    st.sampled_from([None, 2018, 2019, 2020, 2025]),
    st.sampled_from([None, "completed", "planned", "in_progress"]),
    st.sampled_from([None, "roads", "water", "gas", "courtyards"]),
)
def test_served_totals_districts_plus_outside_make_the_city(app, year, status, layer):
    args = {k: v for k, v in (("year", year), ("status", status), ("layer", layer)) if v is not None}
    res = app.test_client().get("/api/totals", query_string=args)
    assert res.status_code == 200
    rows = res.get_json()["rows"]
    for lid in {r["layer"] for r in rows}:
        mine = [r for r in rows if r["layer"] == lid]
        city = [r for r in mine if r["district"] == "city"]
        assert len(city) == 1, lid
        parts = [r for r in mine if r["district"] != "city"]
        for key in ("km", "network_km"):
            rounding = 0.5e-6 * len(parts)  # the API rounds km to the millimetre, row by row
            assert sum(r[key] for r in parts) == pytest.approx(city[0][key], rel=REL, abs=rounding), (lid, key)
        assert sum(r["features"] for r in parts) >= city[0]["features"]  # a feature may lie in two districts
