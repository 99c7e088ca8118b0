"""The command line: demo, totals, measure; clear errors and non-zero exits."""

import json

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from geoworks.cli import main
from tests.helpers.backends import config_for, setenv_store
from tests.helpers.geometry import LAT, LON0, geod_length, offset, two_districts


@pytest.fixture
def runner(monkeypatch, demo_dir):
    setenv_store(monkeypatch, config_for(demo_dir))
    return CliRunner()


def test_totals_json_and_csv(runner):
    res = runner.invoke(
        main, ["totals", "--layer", "roads", "--year", "2019", "--status", "completed", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    city = next(r for r in rows if r["district"] == "city")
    assert city["network_km"] == pytest.approx(73, rel=0.005)
    res = runner.invoke(main, ["totals", "--district", "Медеуский район", "--format", "csv"])
    assert res.exit_code == 0 and res.output.startswith("layer,district,km,network_km")
    assert {line.split(",")[1] for line in res.output.strip().splitlines()[1:]} == {"medeu"}


@pytest.mark.parametrize(
    "args,message",
    [
        (["totals", "--layer", "tram"], "unknown layer 'tram'"),
        (["totals", "--district", "Gotham"], "unknown district 'Gotham'"),
    ],
)
def test_totals_bad_input(runner, args, message):
    res = runner.invoke(main, args)
    assert res.exit_code != 0 and message in res.output


def test_totals_on_empty_store(monkeypatch, tmp_path, store_config):
    setenv_store(monkeypatch, store_config(tmp_path))
    res = CliRunner().invoke(main, ["totals"])
    assert res.exit_code == 2 and "store is empty" in res.output


def _write_case(tmp_path, crs=4326):
    west, east = offset(LON0, LAT, 270, 1500), offset(LON0, LAT, 90, 500)
    lines = gpd.GeoDataFrame(
        {"id": [1, 2]}, geometry=[shapely.LineString([west, east]), shapely.LineString([west, east])], crs=4326
    ).to_crs(crs)
    lines.to_file(tmp_path / "lines.geojson" if crs == 4326 else tmp_path / "lines.gpkg")
    two_districts().to_file(tmp_path / "districts.gpkg")
    return west, east


def test_measure_json_splits_at_border_and_counts_duplicate_once(tmp_path):
    west, east = _write_case(tmp_path)
    res = CliRunner().invoke(
        main,
        [
            "measure",
            str(tmp_path / "lines.geojson"),
            "--districts",
            str(tmp_path / "districts.gpkg"),
            "--name-field",
            "name",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    a = geod_length([west, (LON0, west[1])])
    assert out["districts"]["West"]["km"] * 1000 == pytest.approx(2 * a, rel=1e-6)
    assert out["districts"]["West"]["network_km"] * 1000 == pytest.approx(a, rel=1e-6)
    assert out["outside_km"] == 0 and out["total_km"] == pytest.approx(2 * geod_length([west, east]) / 1000, rel=1e-6)


def test_measure_summarises_overlaps_and_streams_the_full_list_on_request(tmp_path):
    west, east = _write_case(tmp_path)
    out_file = tmp_path / "overlaps.geojson"
    args = ["measure", str(tmp_path / "lines.geojson"), "--districts", str(tmp_path / "districts.gpkg")]
    res = CliRunner().invoke(main, [*args, "--name-field", "name", "--format", "json", "--overlaps", str(out_file)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    a, b = geod_length([west, (LON0, west[1])]), geod_length([(LON0, west[1]), east])
    # the two identical lines share a stretch in each district: one pair per district, its length once
    assert out["districts"]["West"]["overlaps"] == out["districts"]["East"]["overlaps"] == 1
    assert out["districts"]["West"]["overlap_km"] * 1000 == pytest.approx(a, rel=1e-6)
    assert out["overlaps"]["count"] == 2 and out["overlaps"]["km"] * 1000 == pytest.approx(a + b, rel=1e-6)
    assert out["overlaps"]["rows"] == 2
    written = json.loads(out_file.read_text(encoding="utf-8"))["features"]
    assert sorted(f["properties"]["district"] for f in written) == ["East", "West"]
    assert sum(f["properties"]["length_m"] for f in written) == pytest.approx(a + b, rel=1e-6)
    table = CliRunner().invoke(main, [*args, "--name-field", "name"])
    assert table.exit_code == 0 and "2 pairs of features share stretches" in table.output


def test_measure_reprojects_metric_input(tmp_path):
    _write_case(tmp_path, crs=32643)
    res = CliRunner().invoke(
        main,
        ["measure", str(tmp_path / "lines.gpkg"), "--districts", str(tmp_path / "districts.gpkg"), "--format", "json"],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["districts"]["West"]["km"] + out["districts"]["East"]["km"] == pytest.approx(out["total_km"])


def test_measure_errors(tmp_path):
    _write_case(tmp_path)
    nocrs = tmp_path / "nocrs.geojson"
    nocrs.write_text('{"type":"FeatureCollection","crs":null,"features":[]}')
    empty = tmp_path / "empty.geojson"
    empty.write_text("")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"n": ["p"]}, geometry=[shapely.Point(76.9, 43.2)], crs=4326).to_file(points)
    d = str(tmp_path / "districts.gpkg")
    cases = [
        ([str(empty), "--districts", d], "empty"),
        ([str(broken), "--districts", d], "cannot be read"),
        ([str(tmp_path / "lines.geojson"), "--districts", str(points)], "has no polygons"),
        ([str(tmp_path / "lines.geojson"), "--districts", d, "--name-field", "nope"], "no district name field 'nope'"),
        ([str(points), "--districts", d], "has no line geometries"),
    ]
    for args, message in cases:
        res = CliRunner().invoke(main, ["measure", *args])
        assert res.exit_code == 2, (args, res.output)
        assert message in res.output, (args, res.output)


def test_measure_file_without_crs(tmp_path):
    two_districts().to_file(tmp_path / "districts.gpkg")
    shp = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.LineString([(76.91, 43.25), (76.99, 43.25)])]).to_file(shp)
    res = CliRunner().invoke(main, ["measure", str(shp), "--districts", str(tmp_path / "districts.gpkg")])
    assert res.exit_code == 2 and "has no CRS" in res.output
    res = CliRunner().invoke(
        main,
        ["measure", str(shp), "--districts", str(tmp_path / "districts.gpkg"), "--crs", "EPSG:4326", "--format", "csv"],
    )
    assert res.exit_code == 0 and "total" in res.output


def test_demo_command_builds_a_store(monkeypatch, tmp_path, store_config):
    setenv_store(monkeypatch, store_config(tmp_path))
    res = CliRunner().invoke(main, ["ensure-demo"])
    assert res.exit_code == 0 and "demo data written" in res.output
    res = CliRunner().invoke(main, ["ensure-demo"])
    assert "store has data" in res.output


def test_totals_lists_the_features_behind(runner):
    res = runner.invoke(
        main,
        [
            "totals",
            "--layer",
            "heating",
            "--district",
            "medeu",
            "--year",
            "2019",
            "--status",
            "completed",
            "--features",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert rows and {r["district"] for r in rows} == {"medeu"}
    res2 = runner.invoke(
        main,
        [
            "totals",
            "--layer",
            "heating",
            "--district",
            "medeu",
            "--year",
            "2019",
            "--status",
            "completed",
            "--format",
            "json",
        ],
    )
    total = next(r for r in json.loads(res2.output) if r["district"] == "medeu")
    assert sum(r["length_m"] for r in rows) / 1000 == pytest.approx(total["km"], abs=0.002)
    assert all(r["id"] if "id" in r else r["feature"] for r in rows)
