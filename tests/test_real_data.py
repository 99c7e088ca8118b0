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
    res = CliRunner().invoke(main, ["measure", str(roads_path), "--districts", str(districts_path),
                                    "--name-field", "name", "--format", "json"])
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
