"""The requests definition: its own file, loaded into a typed, validated object, never a works layer."""

from __future__ import annotations

import json
import shutil

import pytest

from geoworks.catalogue import REQUEST_STATUSES, CatalogueError, load_catalogue
from geoworks.resources import resource_dir


def test_requests_are_defined_apart_from_the_works_layers(catalogue):
    defs = catalogue.requests
    assert defs is not None and "requests" not in catalogue.layers
    assert tuple(defs.statuses) == REQUEST_STATUSES
    assert list(defs.topics) == [
        "water",
        "sewer",
        "roads",
        "aryks",
        "lighting",
        "power",
        "heating",
        "gas",
        "courtyards",
        "landscaping",
        "land",
        "other",
    ]
    assert list(defs.sources) == ["meeting", "web", "phone"]
    for choice in [*defs.topics.values(), *defs.statuses.values(), *defs.sources.values()]:
        assert all(choice.names.all())
    assert all(c.colour.startswith("#") and len(c.colour) == 7 for c in defs.statuses.values())
    assert defs.topics["aryks"].layers == ("irrigation",)
    assert defs.topic_layers("land", catalogue) == tuple(catalogue.layers)  # no layer named: any layer
    assert defs.topic_id("Су құбыры") == "water" and defs.status_id("в плане мероприятий") == "in_plan"
    assert defs.status_id("nonsense") is None


def test_totals_never_count_requests(demo_store, catalogue):
    from geoworks.totals import compute_totals

    t = compute_totals(demo_store, catalogue).table
    assert "requests" not in set(t["layer"])


@pytest.mark.parametrize(
    "change,field",
    [
        (lambda d: d["statuses"].pop(), "statuses"),
        (lambda d: d["topics"][0].update(layers=["tram"]), "topics[0].layers"),
        (lambda d: d["statuses"][0].update(colour="blue"), "statuses[0].colour"),
        (lambda d: d["topics"][1].update(id="water"), "topics[1].id"),
        (lambda d: d["sources"][0]["names"].pop("kk"), "sources[0].names.kk"),
    ],
)
def test_malformed_requests_definition_names_file_and_field(tmp_path, change, field):
    shutil.copytree(resource_dir("layers"), tmp_path / "layers")
    path = tmp_path / "layers" / "requests.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(tmp_path / "layers")
    assert "requests.json" in str(err.value) and field in str(err.value)


def test_without_the_file_there_are_no_requests(tmp_path):
    shutil.copytree(resource_dir("layers"), tmp_path / "layers")
    (tmp_path / "layers" / "requests.json").unlink()
    cat = load_catalogue(tmp_path / "layers")
    assert cat.requests is None and len(cat.layers) == 9
