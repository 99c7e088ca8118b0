"""The import's parts without the CLI or Flask: column guesses, district slugs, geometry checks, uploads, batches."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely import Point

from geoworks.importers.batches import UnknownBatch, rollback, rollback_summary
from geoworks.importers.columns import AREA_NAME_COLUMNS, GUESSES, MappingError, guess_mapping, parse_map_options
from geoworks.importers.districts import match_district, slugify
from geoworks.importers.jobs import Jobs, UploadError, receive_upload
from geoworks.importers.validate import Options, Report, check_geometry
from geoworks.names import NAME_COLUMNS, column_key
from tests.helpers.backends import config_for
from tests.helpers.imports import CENTRE, line, works_frame

# the 8 districts' names as the real files spell them (ru: OSM-Boundaries, kk: Nominatim), and their slugs
REAL_NAMES = {
    "Алатауский район": "alatauskiy",
    "Турксибский район": "turksibskiy",
    "Бостандыкский район": "bostandykskiy",
    "Жетысуский район": "zhetysuskiy",
    "Медеуский район": "medeuskiy",
    "Наурызбайский район": "nauryzbayskiy",
    "Ауэзовский район": "auezovskiy",
    "Алмалинский район": "almalinskiy",
    "Алатау ауданы, Алматы, Қазақстан": "alatau",
    "Алмалы ауданы, Алматы, Қазақстан": "almaly",
    "Әуезов ауданы, Алматы, Қазақстан": "auezov",
    "Бостандық ауданы, Алматы, Қазақстан": "bostandyk",
    "Жетісу ауданы, Алматы, Қазақстан": "zhetisu",
    "Медеу ауданы, Алматы, Қазақстан": "medeu",
    "Наурызбай ауданы, Алматы, Қазақстан": "nauryzbay",
    "Түрксіб Ауданы, Алматы, Қазақстан": "turksib",
    "Bostandyq": "bostandyq",
    "Карасайский район": "karasayskiy",
    "12 район": "d_12",
    "Щучье ёлки": "shchuche_elki",
}


@pytest.mark.parametrize("name, slug", REAL_NAMES.items())
def test_slugs_of_real_district_names(name, slug, catalogue):
    assert slugify(name) == slug
    if slug not in ("karasayskiy", "d_12", "shchuche_elki"):
        assert match_district([name], catalogue) in catalogue.districts


def test_one_list_of_name_columns():
    """A work's name is guessed from geoworks.names.NAME_COLUMNS, leaving out the columns that name a district."""
    area = {column_key(c) for c in AREA_NAME_COLUMNS}
    assert GUESSES["name"] == tuple(c for c in NAME_COLUMNS if column_key(c) not in area)
    assert guess_mapping(["District", "Объект", "Статус"]) == {"name": "Объект", "status": "Статус"}
    assert guess_mapping(["Район", "Name:RU", "Год"]) == {"name": "Name:RU", "year": "Год"}
    assert "name" not in guess_mapping(["район", "slug"])
    # a column serves one field
    assert guess_mapping(["id", "code"]) == {"source_id": "id"}


def test_map_options():
    assert parse_map_options(["name = улица", "status=state"]) == {"name": "улица", "status": "state"}
    for bad, words in (
        ("name", "expected field=column"),
        ("colour=x", "unknown field 'colour'"),
        ("name=", "empty column name"),
    ):
        with pytest.raises(MappingError, match=words):
            parse_map_options([bad])


def test_check_geometry_skips_missing_and_far_features(catalogue):
    near, _ = line(CENTRE, 90, 500)
    far, _ = line((24.94, 60.17), 90, 500)  # Helsinki
    frame = gpd.GeoDataFrame({"n": [1, 2, 3]}, geometry=[near, None, far], crs="EPSG:4326")
    report = Report(file="f.geojson", layer="roads")
    lonlat, keep = check_geometry(frame, True, "GeoJSON", ("line",), "roads", catalogue, Options(), report)
    assert list(keep) == [True, False, False] and report.ok and report.skipped == 2
    assert [i.code for i in report.issues] == ["no_geometry", "outside_city"]
    strict = Report(file="f.geojson", layer="roads")
    check_geometry(
        frame, True, "GeoJSON", ("line",), "roads", catalogue, Options(strict=True, outside="reject"), strict
    )
    assert not strict.ok and [i.level for i in strict.issues] == ["error", "error"]


def test_check_geometry_reprojects_and_checks_kind(catalogue):
    pt = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(*CENTRE)], crs="EPSG:4326").to_crs("EPSG:32643")
    report = Report(file="p.gpkg", layer="roads")
    lonlat, keep = check_geometry(pt, True, "GeoPackage", ("line",), "roads", catalogue, Options(), report)
    assert np.allclose(lonlat[0].coords[0], CENTRE) and not keep.any()
    assert report.issues[0].message.startswith("p.gpkg: feature 1: field 'geometry': is a point")
    undeclared = Report(file="p.shp", layer="roads")
    check_geometry(
        pt.set_crs(None, allow_override=True), False, "Shapefile", ("point",), "yards", catalogue, Options(), undeclared
    )
    assert [i.code for i in undeclared.issues] == ["no_crs"]


def _fields(**extra) -> dict:
    return {
        "layer": "roads",
        "crs": "",
        "source_layer": "",
        "maps": "",
        "strict": False,
        "outside": "skip",
        "force": False,
    } | extra


def test_receive_upload(demo_copy, catalogue):
    from geoworks.storage import open_store

    store = open_store(config_for(demo_copy))
    uploads = demo_copy / "uploads"
    body = works_frame(2)[0].to_json().encode()

    def save(path):
        path.write_bytes(body)

    with pytest.raises(UploadError, match="unsupported file type") as info:
        receive_upload(uploads, "works.exe", save, _fields(), "erik", store, catalogue)
    assert info.value.kind == "refused"
    with pytest.raises(UploadError, match="expected field=column"):
        receive_upload(uploads, "works.geojson", save, _fields(maps="name\n"), "erik", store, catalogue)
    received = receive_upload(uploads, "works.geojson", save, _fields(), "erik", store, catalogue)
    assert received.prepared.ok and received.data["user"] == "erik" and (uploads / received.token).is_dir()
    bad = receive_upload(
        uploads, "cut.geojson", lambda p: p.write_bytes(body[:40]), _fields(), "erik", store, catalogue
    )
    assert not bad.prepared.ok and not (uploads / bad.token).exists()  # a failed file is deleted at once
    jobs = Jobs()
    for token, user, kind in (
        ("abc123", "erik", "unknown"),
        ("../x", "erik", "unknown"),
        (received.token, "olga", "forbidden"),
    ):
        with pytest.raises(UploadError) as info:
            jobs.commit_upload(uploads, token, user, store, catalogue, None)
        assert info.value.kind == kind


def test_rollback_of_an_unknown_batch(demo_copy, catalogue):
    from geoworks.storage import open_store

    with pytest.raises(UnknownBatch, match="no batch 'nope'"):
        rollback(open_store(config_for(demo_copy)), catalogue, "nope", "erik")
    assert rollback_summary("b1", {"roads": 3, "water": 0}) == "batch b1 rolled back: roads -3, water -0"


def test_upload_page_routes_only_call_the_importers():
    """The web layer holds no import logic: no reading, validating or committing of its own."""
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "geoworks/web/upload.py").read_text(encoding="utf-8")
    for word in ("read_source", "prepare(", "commit(", "shutil", "parse_map_options", "list_batches"):
        assert word not in source, word
