"""Importing district polygons: known slugs kept by name in any language, works re-annotated."""

from __future__ import annotations

import geopandas as gpd
import pytest
from click.testing import CliRunner

from geoworks.cli import main
from tests.conftest import shared_file
from tests.helpers.backends import config_for
from tests.helpers.imports import polygon_around, store_fingerprint

SLUGS = ["alatau", "almaly", "auezov", "bostandyk", "medeu", "nauryzbay", "turksib", "zhetysu"]


def run(data_dir, *args):
    return CliRunner().invoke(main, list(map(str, args)), env=config_for(data_dir))


def _districts(data_dir):
    from geoworks.storage import open_store

    return open_store(config_for(data_dir)).read_layer("districts")


@pytest.mark.parametrize(
    "parts,name_field",
    [
        (("almaty-districts-akilbekov", "almaty-districts.geojson"), None),  # en names, Bostandyq spelling
        (("almaty-districts-osmb-ruthamey", "almaty_districts_merged.shp"), None),  # ru names, Medeu in 2 rows
        (("almaty-districts-nominatim-kalmenov", "almaty_districts.geojson"), "osm_name"),  # kk names
        (("almaty-gis-almatyhood", "gis_districts.geojson"), None),  # short ru names
    ],
)
def test_real_district_files_keep_the_eight_slugs(tmp_path, parts, name_field, store_config):
    demo_copy = tmp_path / "fresh"  # an empty store: the districts import creates it
    store_config(demo_copy)
    path = shared_file("data", *parts)
    args = ["import", path, "--layer", "districts"] + (["--name-field", name_field] if name_field else [])
    r = run(demo_copy, *args)
    assert r.exit_code == 0, r.output
    d = _districts(demo_copy)
    assert sorted(d["slug"]) == SLUGS
    assert set(d["schematic"]) == {0}
    assert d.set_index("slug").loc["auezov", "name_kk"] == "Әуезов ауданы"


def test_districts_import_reannotates_works(demo_copy):
    path = shared_file("data", "almaty-districts-akilbekov", "almaty-districts.geojson")
    from geoworks.catalogue import default_catalogue
    from geoworks.storage import open_store
    from geoworks.works import annotate

    assert run(demo_copy, "import", path, "--layer", "districts").exit_code == 0
    store = open_store(config_for(demo_copy))
    roads = store.read_layer("roads")
    expected = annotate(roads, default_catalogue().layer("roads"), store.read_layer("districts"))
    assert list(roads["district"]) == list(expected["district"])
    meta = store.read_table("meta").set_index("key")["value"]
    assert meta["districts"] == "imported"


def test_unknown_district_gets_a_slug_and_a_warning(tmp_path, store_config):
    demo_copy = tmp_path / "fresh"
    store_config(demo_copy)
    p = tmp_path / "d.geojson"
    gpd.GeoDataFrame(
        {"name": ["Карасайский район"]}, geometry=[polygon_around(76.8, 43.2, 3000)], crs="EPSG:4326"
    ).to_file(p)
    r = run(demo_copy, "import", p, "--layer", "districts")
    assert r.exit_code == 0 and "matches no known district; stored as 'karasayskiy'" in r.output
    assert "no polygon for known districts" in r.output


def test_districts_need_polygons_and_a_name(demo_copy, tmp_path):
    from shapely import Point

    before = store_fingerprint(demo_copy)
    p = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"name": ["Medeu"]}, geometry=[Point(76.95, 43.2)], crs="EPSG:4326").to_file(p)
    r = run(demo_copy, "import", p, "--layer", "districts")
    assert r.exit_code == 2 and "feature 1: field 'geometry': is a point" in r.output
    q = tmp_path / "noname.geojson"
    gpd.GeoDataFrame({"area": [1]}, geometry=[polygon_around(76.9, 43.2)], crs="EPSG:4326").to_file(q)
    r = run(demo_copy, "import", q, "--layer", "districts")
    assert r.exit_code == 2 and "--name-field" in r.output
    assert store_fingerprint(demo_copy) == before
