"""The one clock: GEOWORKS_TODAY fixes "now" for the app, the CLI and the library."""

from __future__ import annotations

import datetime as dt

import pytest

from geoworks import clock


def test_a_day_is_noon_utc_and_a_time_is_kept():
    assert clock.now({"GEOWORKS_TODAY": "2031-02-03"}) == dt.datetime(2031, 2, 3, 12, tzinfo=dt.UTC)
    assert clock.now({"GEOWORKS_TODAY": "2031-02-03T05:06:07+06:00"}) == dt.datetime(
        2031, 2, 2, 23, 6, 7, tzinfo=dt.UTC
    )
    assert clock.today({"GEOWORKS_TODAY": "2020-02-29"}) == dt.date(2020, 2, 29)


def test_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("GEOWORKS_TODAY", "2001-01-01")
    assert clock.today() == dt.date(2001, 1, 1)
    assert clock.today({"GEOWORKS_TODAY": "2002-02-02"}) == dt.date(2002, 2, 2)


def test_unset_is_the_system_clock(monkeypatch):
    monkeypatch.delenv("GEOWORKS_TODAY", raising=False)
    before = dt.datetime.now(dt.UTC)
    assert before <= clock.now({}) <= dt.datetime.now(dt.UTC)


def test_a_bad_value_names_the_setting():
    with pytest.raises(ValueError, match="GEOWORKS_TODAY"):
        clock.now({"GEOWORKS_TODAY": "next tuesday"})


def test_the_suite_runs_on_a_fixed_day():
    from tests.conftest import TODAY

    assert clock.today().isoformat() == TODAY
