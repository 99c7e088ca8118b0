"""The plan's request values, read without Flask: form defaults from the config, include/routes,
and the checks built on geoworks.params (threshold, layers, district)."""

from __future__ import annotations

import pytest

from geoworks.plan.gaps import GapsInputError, check_threshold
from geoworks.plan.params import PlanForm, form_values, parse_include, parse_routes
from geoworks.plan.service import check_request


def test_form_defaults_come_from_the_config():
    assert form_values({}, {}) == PlanForm("water", "courtyards", "100", None)
    assert form_values({}, {"GEOWORKS_GAP_THRESHOLD_M": "250"}).threshold == "250"
    assert form_values({}, {"GEOWORKS_GAP_THRESHOLD_M": 37.5}).threshold == "37.5"


def test_form_values_are_stripped_and_blanks_defaulted():
    args = {"network": " gas ", "targets": "", "threshold": " 150 ", "district": "  "}
    assert form_values(args, {}) == PlanForm("gas", "courtyards", "150", None)
    assert form_values({"district": " Almaly "}, {}).district == "Almaly"


def test_include_and_routes():
    assert parse_include(None) is False and parse_include("gaps") is False and parse_include("all") is True
    for bad in ("some", "", "ALL"):
        with pytest.raises(GapsInputError, match=f"include '{bad}' is not one of: gaps, all"):
            parse_include(bad)
    assert parse_routes(None) and parse_routes("1") and parse_routes("yes")
    assert not any(parse_routes(v) for v in ("0", "false", "no"))


def test_threshold_read_by_the_app_parser():
    assert check_threshold("1,5") == 1.5  # a decimal comma, as everywhere in the app
    assert check_threshold(" 250 ") == 250.0
    with pytest.raises(GapsInputError, match="threshold 'abc' is not a number of metres"):
        check_threshold("abc")
    with pytest.raises(GapsInputError, match="threshold 0 m is out of range: give more than 0 and at most 5000"):
        check_threshold("0")
    with pytest.raises(GapsInputError, match="threshold 5000.5 m is out of range"):
        check_threshold(5000.5)


def test_check_request_messages(catalogue):
    assert check_request(catalogue, "water", "courtyards", "Almaly") == ("water", "courtyards", "almaly")
    assert check_request(catalogue, "water", None, None) == ("water", None, None)
    with pytest.raises(GapsInputError, match="unknown network layer 'roads'; choose one of: .*water"):
        check_request(catalogue, "roads", None, None)
    with pytest.raises(GapsInputError, match="unknown network layer 'plumbing'"):
        check_request(catalogue, "plumbing", None, None)
    with pytest.raises(GapsInputError, match="unknown target layer 'water'; choose one of: .*courtyards"):
        check_request(catalogue, "water", "water", None)
    with pytest.raises(GapsInputError, match="unknown district 'atlantis'; known: .*almaly"):
        check_request(catalogue, "water", "courtyards", "atlantis")
