"""Importing files: every format, mapping, validation messages, atomicity, duplicates, rollback."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely import Polygon

from geoworks.cli import main
from tests.helpers.backends import config_for
from tests.helpers.imports import CENTRE, line, polygon_around, store_fingerprint, works_frame


def run(data_dir, *args):
    result = CliRunner().invoke(main, list(map(str, args)), env={**config_for(data_dir), "GEOWORKS_USER": "tester"})
    return result


def roads(data_dir, where=None):
    from geoworks.storage import open_store

    return open_store(config_for(data_dir)).read_layer("roads", where=where)


def batches(data_dir):
    from geoworks.storage import open_store

    return open_store(config_for(data_dir)).read_table("batches")


def _write(gdf, path):
    suffix = path.suffix
    if suffix in (".parquet",):
        gdf.to_parquet(path)
    elif suffix == ".csv":
        df = pd.DataFrame(gdf.drop(columns="geometry"))
        df["WKT"] = gdf.geometry.to_wkt(rounding_precision=-1)
        df.to_csv(path, index=False)
    elif suffix == ".kml":
        gdf[["Наименование", "geometry"]].rename(columns={"Наименование": "Name"}).to_file(path, driver="KML")
    elif suffix == ".zip":
        shp = path.with_suffix(".shp")
        gdf.to_file(shp)
        with zipfile.ZipFile(path, "w") as zf:
            for part in path.parent.glob(shp.stem + ".*"):
                if part.suffix != ".zip":
                    zf.write(part, part.name)
    elif suffix == ".gpkg":
        gdf.to_file(path, layer="works", driver="GPKG")
        gdf.iloc[:1].to_file(path, layer="other", driver="GPKG")
    else:
        gdf.to_file(path)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp", ".zip", ".parquet", ".csv", ".kml"])
def test_each_format_imports_with_geodesic_lengths(demo_copy, tmp_path, suffix):
    gdf, total = works_frame(3, 1000.0)
    if suffix in (".shp", ".zip"):  # dBase field names are 10 bytes: Cyrillic names get cut
        gdf = gdf.rename(columns={"Наименование": "name", "Статус": "status", "Подрядчик": "contractor"})
    path = tmp_path / f"works{suffix}"
    _write(gdf, path)
    args = ["import", path, "--layer", "roads"]
    if suffix == ".gpkg":
        args += ["--source-layer", "works"]
    if suffix == ".csv":
        args += ["--crs", "EPSG:4326"]
    before = len(roads(demo_copy))
    result = run(demo_copy, *args)
    assert result.exit_code == 0, result.output
    stored = roads(demo_copy)
    assert len(stored) == before + 3
    batch = batches(demo_copy).iloc[-1]
    assert batch["file"] == path.name and batch["user"] == "tester" and int(batch["features"]) == 3
    assert str(batch["checksum"]).startswith("sha256:")
    mine = stored[stored["batch_id"] == batch["id"]]
    assert mine["length_m"].sum() == pytest.approx(total, rel=1e-9)
    assert set(mine["district"]) <= set(roads(demo_copy)["district"]) | {"outside"}
    if suffix != ".kml":  # KML keeps only name/description
        assert sorted(mine["status"]) == ["completed", "in_progress", "planned"]
        assert set(mine["start_date"]) == {"2019-04-01"} and set(mine["end_date"]) == {"2019-09-15"}
        assert set(mine["year"]) == {2019}
        assert set(mine["contractor"]) == {"ТОО Құрылыс"}
    assert set(mine["name"]) == {"көше 0", "көше 1", "көше 2"}


def test_projected_file_is_reprojected_and_measured_geodesically(demo_copy, tmp_path):
    gdf, total = works_frame(2, 2500.0)
    utm = gdf.to_crs("EPSG:32643")  # test data only; the importer reprojects through geoworks.geodesy
    path = tmp_path / "utm.gpkg"
    utm.to_file(path)
    assert run(demo_copy, "import", path, "--layer", "roads").exit_code == 0
    b = batches(demo_copy).iloc[-1]["id"]
    assert roads(demo_copy, where={"batch_id": b})["length_m"].sum() == pytest.approx(total, rel=1e-6)


def test_csv_with_lon_lat_points(demo_copy, tmp_path):
    path = tmp_path / "yards.csv"
    path.write_text("name;lon;lat;status\nАула 1;76,92;43,25;завершено\nАула 2;76.93;43.26;planned\n", encoding="utf-8")
    result = run(demo_copy, "import", path, "--layer", "courtyards")
    assert result.exit_code == 0, result.output
    from geoworks.storage import open_store

    yards = open_store(config_for(demo_copy)).read_layer(
        "courtyards", where={"batch_id": batches(demo_copy).iloc[-1]["id"]}
    )
    assert sorted(yards["status"]) == ["completed", "planned"]
    assert set(yards.geom_type) == {"Point"}


def _broken_files(tmp_path):
    gdf, _ = works_frame(3)
    out = {}
    for suffix in (".geojson", ".gpkg", ".zip", ".parquet", ".kml"):
        p = tmp_path / f"good{suffix}"
        _write(gdf, p)
        data = p.read_bytes()
        bad = tmp_path / f"broken{suffix}"
        bad.write_bytes(data[: len(data) // 2])
        out[suffix] = bad
    csv = tmp_path / "broken.csv"
    csv.write_text("name,wkt\na,LINESTRING (76.9 43.2, 76.91 43.2)\nb,LINESTRING (76.9 43.2, \n", encoding="utf-8")
    out[".csv"] = csv
    shp = tmp_path / "shp" / "broken.shp"
    shp.parent.mkdir()
    gdf.to_file(shp)
    shp.with_suffix(".dbf").unlink()
    out[".shp"] = shp
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    out["empty"] = empty
    nofeat = tmp_path / "nofeatures.geojson"
    nofeat.write_text('{"type": "FeatureCollection", "features": []}')
    out["no features"] = nofeat
    return out


def test_broken_file_of_each_kind_is_rejected_and_store_unchanged(demo_copy, tmp_path):
    before = store_fingerprint(demo_copy)
    for kind, path in _broken_files(tmp_path).items():
        args = ["import", path, "--layer", "roads"] + (["--crs", "EPSG:4326"] if kind == ".csv" else [])
        result = run(demo_copy, *args)
        assert result.exit_code == 2, (kind, result.output)
        assert "error:" in result.output and path.name in result.output, (kind, result.output)
        assert store_fingerprint(demo_copy) == before, kind


def test_messages_name_file_feature_and_field(demo_copy, tmp_path):
    gdf, _ = works_frame(3)
    gdf.loc[1, "Статус"] = "непонятно"
    gdf.loc[2, "start"] = "32.13.2019"
    p = tmp_path / "fields.geojson"
    gdf.to_file(p)
    before = store_fingerprint(demo_copy)
    result = run(demo_copy, "import", p, "--layer", "roads")
    assert result.exit_code == 2
    assert "fields.geojson: feature 2: field 'Статус': 'непонятно' is not a status" in result.output
    assert "fields.geojson: feature 3: field 'start': '32.13.2019' is not a date" in result.output
    assert store_fingerprint(demo_copy) == before


def test_no_crs_needs_crs_option(demo_copy, tmp_path):
    gdf, total = works_frame(2)
    p = tmp_path / "nocrs.shp"
    gdf.to_file(p)
    p.with_suffix(".prj").unlink()
    before = store_fingerprint(demo_copy)
    result = run(demo_copy, "import", p, "--layer", "roads")
    assert result.exit_code == 2 and "nocrs.shp: no CRS declared" in result.output and "--crs" in result.output
    assert store_fingerprint(demo_copy) == before
    assert run(demo_copy, "import", p, "--layer", "roads", "--crs", "EPSG:4326").exit_code == 0


def test_impossible_coordinates_for_declared_crs(demo_copy, tmp_path):
    gdf, _ = works_frame(2)
    utm = gdf.to_crs("EPSG:32643").set_crs("EPSG:4326", allow_override=True)  # metres declared as degrees
    p = tmp_path / "wrongcrs.geojson"
    utm.to_file(p)
    result = run(demo_copy, "import", p, "--layer", "roads")
    assert result.exit_code == 2
    assert "wrongcrs.geojson: feature 1: field 'geometry': coordinates" in result.output
    assert "impossible for EPSG:4326" in result.output


def test_far_outside_skipped_or_rejected(demo_copy, tmp_path):
    gdf, total = works_frame(2)
    far, _ = line((24.94, 60.17), 90, 500)  # Helsinki
    gdf = pd.concat(
        [gdf, gpd.GeoDataFrame({"Наименование": ["far"]}, geometry=[far], crs="EPSG:4326")], ignore_index=True
    )
    p = tmp_path / "outside.geojson"
    gdf.to_file(p)
    before = store_fingerprint(demo_copy)
    rejected = run(demo_copy, "import", p, "--layer", "roads", "--outside", "reject")
    assert rejected.exit_code == 2 and "feature 3: field 'geometry': lies far outside Almaty" in rejected.output
    assert store_fingerprint(demo_copy) == before
    skipped = run(demo_copy, "import", p, "--layer", "roads")
    assert skipped.exit_code == 0 and "feature 3" in skipped.output and "skipped" in skipped.output
    row = batches(demo_copy).iloc[-1]
    assert int(row["features"]) == 2 and int(row["skipped"]) == 1


def test_all_features_far_away_is_an_error(demo_copy, tmp_path):
    g, _ = line((24.94, 60.17), 90, 500)
    p = tmp_path / "helsinki.geojson"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[g], crs="EPSG:4326").to_file(p)
    result = run(demo_copy, "import", p, "--layer", "roads")
    assert result.exit_code == 2 and "all 1 features lie far outside Almaty" in result.output


def test_invalid_polygon_repaired_or_rejected_with_strict(demo_copy, tmp_path):
    lon, lat = CENTRE
    bowtie = Polygon([(lon, lat), (lon + 0.002, lat + 0.002), (lon + 0.002, lat), (lon, lat + 0.002)])
    good = polygon_around(lon + 0.01, lat)
    p = tmp_path / "yards.geojson"
    gpd.GeoDataFrame({"name": ["bow", "ok"]}, geometry=[bowtie, good], crs="EPSG:4326").to_file(p)
    before = store_fingerprint(demo_copy)
    strict = run(demo_copy, "import", p, "--layer", "courtyards", "--strict")
    assert strict.exit_code == 2 and "feature 1: field 'geometry': invalid geometry (Self-intersection" in strict.output
    assert store_fingerprint(demo_copy) == before
    repaired = run(demo_copy, "import", p, "--layer", "courtyards")
    assert repaired.exit_code == 0 and "repaired with make_valid" in repaired.output
    from geoworks.storage import open_store

    yards = open_store(config_for(demo_copy)).read_layer(
        "courtyards", where={"batch_id": batches(demo_copy).iloc[-1]["id"]}
    )
    assert shapely.is_valid(np.asarray(yards.geometry.values)).all()
    assert int(batches(demo_copy).iloc[-1]["repaired"]) == 1


def test_wrong_geometry_kind(demo_copy, tmp_path):
    p = tmp_path / "poly.geojson"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[polygon_around(*CENTRE)], crs="EPSG:4326").to_file(p)
    result = run(demo_copy, "import", p, "--layer", "roads")
    assert result.exit_code == 2
    assert "poly.geojson: feature 1: field 'geometry': is a polygon" in result.output and "line" in result.output


def test_map_option_and_unknown_column(demo_copy, tmp_path):
    gdf, _ = works_frame(2)
    gdf = gdf.rename(columns={"Наименование": "улица_объекта", "Подрядчик": "firm"})
    p = tmp_path / "mapped.geojson"
    gdf.to_file(p)
    bad = run(demo_copy, "import", p, "--layer", "roads", "--map", "contractor=nope")
    assert bad.exit_code == 2 and "no column 'nope'" in bad.output
    bad_field = run(demo_copy, "import", p, "--layer", "roads", "--map", "colour=firm")
    assert bad_field.exit_code == 2 and "unknown field 'colour'" in bad_field.output
    ok = run(demo_copy, "import", p, "--layer", "roads", "--map", "name=улица_объекта", "--map", "contractor=firm")
    assert ok.exit_code == 0, ok.output
    mine = roads(demo_copy, where={"batch_id": batches(demo_copy).iloc[-1]["id"]})
    assert set(mine["name"]) == {"көше 0", "көше 1"} and set(mine["contractor"]) == {"ТОО Құрылыс"}
    assert set(mine["source_id"]) == {"src0", "src1"}


def test_reimport_needs_force(demo_copy, tmp_path):
    gdf, _ = works_frame(2)
    p = tmp_path / "twice.geojson"
    gdf.to_file(p)
    assert run(demo_copy, "import", p, "--layer", "roads").exit_code == 0
    before = store_fingerprint(demo_copy)
    again = run(demo_copy, "import", p, "--layer", "roads")
    assert again.exit_code == 2 and "already imported" in again.output and "--force" in again.output
    assert store_fingerprint(demo_copy) == before
    assert run(demo_copy, "import", p, "--layer", "roads", "--force").exit_code == 0


def test_rollback_restores_totals(demo_copy, tmp_path):
    from geoworks.catalogue import default_catalogue
    from geoworks.storage import open_store
    from geoworks.totals import Filters, TotalsCache

    store = open_store(config_for(demo_copy))
    cache = TotalsCache()
    before = cache.get(store, default_catalogue(), Filters(layer="roads")).table.copy()
    gdf, total = works_frame(3, 1500.0)
    p = tmp_path / "batch.geojson"
    gdf.to_file(p)
    assert run(demo_copy, "import", p, "--layer", "roads").exit_code == 0
    during = cache.get(store, default_catalogue(), Filters(layer="roads")).table
    city = lambda t: float(t[(t.layer == "roads") & (t.district == "city")]["km"].iloc[0])
    assert city(during) - city(before) == pytest.approx(total / 1000, rel=1e-9)
    batch_id = batches(demo_copy).iloc[-1]["id"]
    result = run(demo_copy, "rollback", batch_id)
    assert result.exit_code == 0 and "roads -3" in result.output
    after = cache.get(store, default_catalogue(), Filters(layer="roads")).table
    pd.testing.assert_frame_equal(after, before)
    row = batches(demo_copy).set_index("id").loc[batch_id]
    assert row["status"] == "rolled_back"
    assert run(demo_copy, "rollback", batch_id).exit_code == 2
    missing = run(demo_copy, "rollback", "no-such-batch")
    assert missing.exit_code == 2 and "no batch 'no-such-batch'" in missing.output


def test_batches_command_lists(demo_copy):
    result = run(demo_copy, "batches", "--format", "json")
    assert result.exit_code == 0 and '"id":"demo"' in result.output.replace(" ", "")


def test_dry_run_writes_nothing(demo_copy, tmp_path):
    gdf, _ = works_frame(2)
    p = tmp_path / "dry.geojson"
    gdf.to_file(p)
    before = store_fingerprint(demo_copy)
    result = run(demo_copy, "import", p, "--layer", "roads", "--dry-run")
    assert result.exit_code == 0 and "nothing written" in result.output
    assert store_fingerprint(demo_copy) == before


def test_unknown_layer_and_missing_file(demo_copy, tmp_path):
    assert "unknown layer 'trams'" in run(demo_copy, "import", tmp_path / "x.geojson", "--layer", "trams").output
    r = run(demo_copy, "import", tmp_path / "x.geojson", "--layer", "roads")
    assert r.exit_code == 2 and "file not found" in r.output
