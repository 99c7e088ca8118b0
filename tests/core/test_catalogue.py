import json
import shutil

import pytest

from geoworks.catalogue import CatalogueError, load_catalogue
from geoworks.resources import resource_dir


def test_catalogue_has_all_layers_and_districts(catalogue):
    assert list(catalogue.layers) == [
        "roads",
        "irrigation",
        "lighting",
        "water",
        "sewer",
        "power",
        "heating",
        "gas",
        "courtyards",
    ]
    assert len(catalogue.districts) == 8
    for layer in catalogue.layers.values():
        assert all(layer.names.all()) and layer.colour.startswith("#")
    assert catalogue.layer("courtyards").geometry == "polygon"
    assert catalogue.districts["auezov"].names.kk == "Әуезов ауданы"
    assert catalogue.district_slug("Медеуский район") == "medeu"
    assert catalogue.groups["water_sewer"].layers == ("water", "sewer")


def test_unknown_layer_names_the_known_ones(catalogue):
    with pytest.raises(KeyError, match="roads"):
        catalogue.layer("tram")


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("colour", "red", "colour"),
        ("geometry", "curve", "geometry"),
        ("names", {"kk": "Жолдар", "ru": "Дороги"}, "names.en"),
        ("unit", 5, "unit"),
    ],
)
def test_malformed_definition_names_file_and_field(tmp_path, field, value, expected):
    shutil.copytree(resource_dir("layers"), tmp_path / "layers")
    path = tmp_path / "layers" / "roads.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data[field] = value
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(tmp_path / "layers")
    assert "roads.json" in str(err.value) and expected in str(err.value)


def test_missing_field_and_broken_json(tmp_path):
    shutil.copytree(resource_dir("layers"), tmp_path / "layers")
    (tmp_path / "layers" / "gas.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogueError, match="gas.json.*not valid JSON"):
        load_catalogue(tmp_path / "layers")
    data = {"id": "gas", "names": {"kk": "a", "ru": "b", "en": "c"}, "geometry": "line", "unit": "km"}
    (tmp_path / "layers" / "gas.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogueError, match="gas.json: field 'colour': missing"):
        load_catalogue(tmp_path / "layers")
