"""Commands 'geoworks claims FILE' and 'geoworks verify'."""

import json

import pytest
from click.testing import CliRunner

from geoworks.cli import main
from tests.conftest import shared_file
from tests.helpers.backends import config_for, setenv_store


@pytest.fixture
def runner(monkeypatch, demo_dir):
    setenv_store(monkeypatch, config_for(demo_dir))
    return CliRunner()


def test_claims_from_the_real_report_as_json(runner):
    path = shared_file("reports", "almaty-2019-akim-report.kk.txt")
    res = runner.invoke(main, ["claims", str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert len(rows) == 8
    assert set(rows[0]) >= {"layers", "value", "unit", "qualifier", "district", "quote"}
    got = {(",".join(r["layers"]), r["value"], r["unit"], r["qualifier"]) for r in rows}
    assert ("water,sewer", 287.0, "km", "exact") in got and ("courtyards", 670.0, "count", "more_than") in got
    assert all(r["district"] is None for r in rows)
    res = runner.invoke(main, ["claims", str(path), "--year", "2019"])
    assert res.exit_code == 0 and "water,sewer" in res.output and "more_than" in res.output


def test_claims_save_and_csv(monkeypatch, demo_copy, tmp_path):
    setenv_store(monkeypatch, config_for(demo_copy))
    runner = CliRunner()
    report = tmp_path / "r.txt"
    report.write_text("В 2021 году построено 12 км дорог и более 300 дворов.", encoding="utf-8")
    res = runner.invoke(main, ["claims", str(report), "--save"])
    assert res.exit_code == 0, res.output
    assert "2 claims saved" in res.output
    res = runner.invoke(main, ["verify", "--year", "2021", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["tolerance_pct"] == 2.0 and {r["layers"] for r in data["claims"]} == {"roads", "courtyards"}
    bad = tmp_path / "bad.csv"
    bad.write_text("year,layers,value\n2019,tram,5\n", encoding="utf-8")
    res = runner.invoke(main, ["claims", str(bad)])
    assert res.exit_code == 2 and "error:" in res.output and "unknown layer 'tram'" in res.output


def test_verify_table_csv_json(runner):
    res = runner.invoke(main, ["verify", "--year", "2019"])
    assert res.exit_code == 0, res.output
    assert "over_reported" in res.output and "confirmed" in res.output
    res = runner.invoke(main, ["verify", "--year", "2019", "--format", "csv"])
    lines = res.output.strip().splitlines()
    assert lines[0].startswith("claim,year,layers") and len(lines) == 9
    res = runner.invoke(main, ["verify", "--year", "2019", "--format", "json", "--tolerance", "10"])
    statuses = {r["layers"]: r["status"] for r in json.loads(res.output)["claims"]}
    assert statuses["power"] == "confirmed" and statuses["heating"] == "over_reported"
    res = runner.invoke(main, ["verify", "--year", "2019", "--overlaps"])
    assert "overlapping stretches of 2019" in res.output and "roads" in res.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["verify", "--tolerance", "abc"], "tolerance: 'abc' is not a number"),
        (["verify", "--tolerance", "200"], "must be between 0 and 100"),
        (["verify", "--year", "1990"], "no claims for 1990"),
        (["verify", "--district", "Gotham"], "unknown district 'Gotham'"),
        (["claims", "/no/such/file.txt"], "no such file"),
    ],
)
def test_bad_input_exit_2(runner, args, message):
    res = runner.invoke(main, args)
    assert res.exit_code == 2 and "error:" in res.output and message in res.output
