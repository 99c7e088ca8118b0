"""Real data from ../shared: the 2013 Almaty OSM roads against the 8 real district polygons."""

import json

import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

from geoworks.cli import main
from tests.conftest import shared_file

pytestmark = pytest.mark.shared


def reference_km(roads, districts, field):
    """Independent per-district geodesic km: shapely clip, then pyproj.Geod on every piece."""
    geod = Geod(ellps="WGS84")
    out = {}
    for name, poly in zip(districts[field], districts.geometry):
        total = 0.0
        for line in roads.geometry:
            if not line.intersects(poly):
                continue
            for piece in shapely.get_parts(line.intersection(poly)):
                if piece.geom_type == "LineString":
                    total += geod.geometry_length(piece)
        out[name] = total / 1000
    return out


def test_2013_roads_per_district_match_independent_geodesic():
    roads_path = shared_file("data", "almaty-osm-2013-aliilyas", "almaty_2013_roads.geojson")
    districts_path = shared_file("data", "almaty-districts-akilbekov", "almaty-districts.geojson")
    res = CliRunner().invoke(
        main,
        ["measure", str(roads_path), "--districts", str(districts_path), "--name-field", "name", "--format", "json"],
    )
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    roads = pyogrio.read_dataframe(roads_path)
    districts = pyogrio.read_dataframe(districts_path)
    ref = reference_km(roads, districts, "name")
    assert len(got["districts"]) == 8
    for name, km in ref.items():
        assert km > 10, name
        assert got["districts"][name]["km"] == pytest.approx(km, rel=1e-4), name
    total_ref = sum(Geod(ellps="WGS84").geometry_length(g) for g in roads.geometry) / 1000
    assert got["total_km"] == pytest.approx(total_ref, rel=1e-6)
    assert got["total_km"] == pytest.approx(sum(ref.values()) + got["outside_km"], rel=1e-4)


def test_shapefile_districts_with_prj():
    roads_path = shared_file("data", "almaty-osm-2013-aliilyas", "almaty_2013_waterways.geojson")
    shp = shared_file("data", "almaty-districts-osmb-ruthamey", "almaty_districts_merged.shp")
    res = CliRunner().invoke(main, ["measure", str(roads_path), "--districts", str(shp), "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["total_km"] > 0 and np.isfinite(out["outside_km"])


# --- network km against the auditors' reference: the union of all lines, snap-rounded -----------

ALMATY_2013 = ("data", "almaty-osm-2013-aliilyas")
LAYERS = {
    "roads": ("almaty_2013_roads.geojson", None),
    "lit roads": ("almaty_2013_roads.geojson", "yes"),
    "waterways": ("almaty_2013_waterways.geojson", None),
}


def snap_rounded_union_km(lines, districts, field, shift_m=0.0):
    """Independent network km per district: the union of all lines snap-rounded to a 1 mm grid in
    UTM 43N (its origin moved by ``shift_m``), back to lon/lat, clipped per district, geodesic."""
    from pyproj import Transformer

    to, back = (Transformer.from_crs(a, b, always_xy=True) for a, b in ((4326, 32643), (32643, 4326)))
    utm = shapely.transform(np.asarray(lines), lambda c: np.column_stack(to.transform(*c.T)) + shift_m)
    union = shapely.union_all(utm, grid_size=0.001)
    union = shapely.transform(union, lambda c: np.column_stack(back.transform(*(c - shift_m).T)))
    geod = Geod(ellps="WGS84")
    return {
        name: sum(
            geod.geometry_length(p)
            for p in shapely.get_parts(shapely.intersection(union, poly))
            if p.geom_type == "LineString"
        )
        / 1000
        for name, poly in zip(districts[field], districts.geometry)
    }


@pytest.mark.parametrize("layer", LAYERS)
def test_network_km_match_the_snap_rounded_union_of_real_lines(layer):
    from geoworks.measure import measure

    file, lit = LAYERS[layer]
    lines = pyogrio.read_dataframe(shared_file(*ALMATY_2013, file))
    districts = pyogrio.read_dataframe(shared_file("data", "almaty-districts-akilbekov", "almaty-districts.geojson"))
    if lit:
        lines = lines[lines["lit"] == lit]
    m = measure(
        np.arange(len(lines)),
        lines.geometry.values,
        districts["name"].to_numpy(dtype=object),
        districts.geometry.values,
    )
    got = m.by_district()["network_km"]
    ref = snap_rounded_union_km(lines.geometry.values, districts, "name")
    moved = snap_rounded_union_km(lines.geometry.values, districts, "name", shift_m=0.0005)
    unstable = {d for d in ref if abs(ref[d] - moved[d]) > 1e-4 * ref[d]}
    # the reference itself depends on where its 1 mm grid lies only where a line follows a border
    # within millimetres: a canal along the Turksib border for 5 km; there geoworks lies in its spread
    assert unstable <= ({"Turksib"} if layer == "waterways" else set())
    for district, km in ref.items():
        if km == 0:
            assert got.get(district, 0.0) == 0
        elif district in unstable:
            assert min(ref[district], moved[district]) <= got[district] <= max(ref[district], moved[district])
        else:
            assert got[district] == pytest.approx(km, rel=1e-4), district
