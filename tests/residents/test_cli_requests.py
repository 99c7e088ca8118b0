"""``geoworks requests summary|import|imports|rollback``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from geoworks.cli import main
from tests.helpers.backends import config_for, setenv_store


def test_summary_of_the_first_round_as_json_and_table(demo_dir, monkeypatch):
    setenv_store(monkeypatch, config_for(demo_dir))
    res = CliRunner().invoke(main, ["requests", "summary", "--round", "1", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["total"] == 880 and data["by_status"]["needs_time"] == 176
    assert data["shares"] == {"satisfied": 0.3977, "explained": 0.4023, "needs_time": 0.2}
    assert set(data["by_district"]["almaly"]) == {"total", "by_status"}
    table = CliRunner().invoke(main, ["requests", "summary", "--round", "1"])
    assert table.exit_code == 0 and "answered_on_spot" in table.output and "20.0 %" in table.output
    bad = CliRunner().invoke(main, ["requests", "summary", "--topic", "tram"])
    assert bad.exit_code == 2 and "unknown topic 'tram'" in bad.output


def test_import_checks_every_row_then_stores_and_rolls_back(demo_copy, monkeypatch, tmp_path):
    setenv_store(monkeypatch, config_for(demo_copy))
    monkeypatch.setenv("GEOWORKS_USER", "olga")
    bad = tmp_path / "meeting.csv"
    bad.write_text("text;topic;lat;lon\n;water;43.2575;76.925\nНет газа;gas;43.6;77.5\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["requests", "import", str(bad), "--round", "3", "--meeting-date", "2026-06-01"])
    assert res.exit_code == 2
    assert "meeting.csv: row 2: field 'text': text is empty" in res.output
    assert "meeting.csv: row 3: field 'location'" in res.output and "nothing stored" in res.output
    good = tmp_path / "ok.csv"
    good.write_text("text;topic;lat;lon\nНет воды;water;43.2575;76.925\n", encoding="utf-8")
    dry = CliRunner().invoke(main, ["requests", "import", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "1 requests checked, nothing stored" in dry.output
    res = CliRunner().invoke(main, ["requests", "import", str(good), "--round", "3", "--meeting-date", "2026-06-01"])
    assert res.exit_code == 0, res.output
    import_id = res.output.split()[1].rstrip(":")
    again = CliRunner().invoke(main, ["requests", "import", str(good)])
    assert again.exit_code == 2 and "already imported" in again.output
    listed = CliRunner().invoke(main, ["requests", "imports", "--format", "json"])
    assert import_id in listed.output
    summary = json.loads(CliRunner().invoke(main, ["requests", "summary", "--round", "3", "--format", "json"]).output)
    assert summary["total"] == 1 and summary["by_district"]["almaly"]["total"] == 1
    res = CliRunner().invoke(main, ["requests", "rollback", import_id])
    assert res.exit_code == 0 and "1 requests removed" in res.output
    summary = json.loads(CliRunner().invoke(main, ["requests", "summary", "--round", "3", "--format", "json"]).output)
    assert summary["total"] == 0
