"""Frames, records, the API document and the export files of the plan, on the demo store, without Flask."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from geoworks.cli.plan import COLUMNS as CLI_COLUMNS
from geoworks.plan.export import (
    GAP_COLUMNS,
    export_file,
    gaps_document,
    gaps_frame,
    is_export,
    rounded,
    summary_frame,
    summary_records,
    unknown_export,
)
from geoworks.plan.gaps import GapsInputError
from geoworks.plan.params import PlanForm
from geoworks.plan.service import GapsService

FORM = PlanForm("water", "courtyards", "150", "turksib")


@pytest.fixture(scope="module")
def service():
    return GapsService()


@pytest.fixture(scope="module")
def result(service, demo_store, catalogue):
    return service.compute(demo_store, catalogue, "water", "courtyards", 150, "turksib")


def test_gaps_frame_columns_and_rounding(result):
    frame = gaps_frame(result)
    assert list(frame.columns) == GAP_COLUMNS + ["geometry"] and len(frame) == len(result.gaps)
    assert str(frame.crs) == "EPSG:4326"
    assert np.allclose(frame["distance_m"], frame["distance_m"].round(1))
    assert np.allclose(frame["conn_lon"], frame["conn_lon"].round(7))
    every = gaps_frame(result, include_all=True)
    assert list(every.columns) == GAP_COLUMNS[:4] + ["gap"] + GAP_COLUMNS[4:] + ["geometry"]
    assert len(every) == len(result.table)


def test_command_columns_are_the_web_columns_without_access_legs(result):
    assert [c for c in GAP_COLUMNS if c != "access_m"] == CLI_COLUMNS
    frame = gaps_frame(result, columns=CLI_COLUMNS, farthest_first=True, coordinates=False)
    assert list(frame.columns) == CLI_COLUMNS + ["geometry"]
    assert frame["distance_m"].is_monotonic_decreasing
    assert frame["conn_lon"].tolist() == result.gaps.loc[frame.index, "conn_lon"].tolist()  # not rounded


def test_rounded_leaves_the_input_alone(result):
    ext = result.extensions()
    out = rounded(ext)
    assert np.allclose(out["length_m"], ext["length_m"].round(1)) and out is not ext
    assert not np.allclose(ext["length_m"], ext["length_m"].round(1))


def test_summary_records_are_json_ready(result):
    records = summary_records(result)
    assert [r["district"] for r in records] == ["turksib", "city"]
    frame = summary_frame(result)
    assert frame["covered_share"].tolist() == [r["covered_share"] for r in records]
    for r in records:
        assert all(type(r[k]) is int for k in ("targets", "gaps", "covered"))
        assert r["targets"] == r["gaps"] + r["covered"]
        assert r["covered_share"] is None or round(r["covered_share"], 4) == r["covered_share"]
    json.dumps(records)


def test_gaps_document(service, demo_store, catalogue):
    form = PlanForm("water", "courtyards", "100", "Almaly")
    body = gaps_document(service, demo_store, catalogue, form, routes=False)
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == len(body["features"]) > 0
    assert body["parameters"]["district"] == "Almaly"  # as asked
    assert {f["properties"]["district"] for f in body["features"]} == {"almaly"}
    assert {f["properties"]["route_status"] for f in body["features"]} == {None}  # routes=False
    every = gaps_document(service, demo_store, catalogue, form, include_all=True, routes=False)
    assert every["numberReturned"] == body["summary"][0]["targets"]
    with pytest.raises(GapsInputError, match="unknown network layer 'nope'"):
        gaps_document(service, demo_store, catalogue, PlanForm("nope", "courtyards", "100"))


def test_export_files(service, demo_store, catalogue, result):
    gaps_csv = export_file(service, demo_store, catalogue, FORM, "gaps", "csv")
    assert gaps_csv.mimetype == "text/csv; charset=utf-8" and gaps_csv.data.startswith("\ufeff".encode())
    assert gaps_csv.filename.startswith("geoworks_gaps-water-courtyards_threshold-150m_district-turksib_")
    rows = list(csv.DictReader(io.StringIO(gaps_csv.data.decode("utf-8-sig"))))
    assert list(rows[0]) == GAP_COLUMNS + ["wkt"] and len(rows) == len(result.gaps)
    ext = export_file(service, demo_store, catalogue, FORM, "extensions", "geojson")
    assert ext.mimetype == "application/geo+json" and ext.filename.endswith(".geojson")
    kinds = [f["properties"]["kind"] for f in json.loads(ext.data)["features"]]
    assert kinds.count("straight") == len(result.gaps)


def test_unknown_export():
    assert is_export("gaps", "csv") and not is_export("other", "csv") and not is_export("gaps", "xlsx")
    assert unknown_export("other", "csv") == (
        "unknown export 'other.csv'; known: gaps.geojson, gaps.csv, extensions.geojson, extensions.csv"
    )
    with pytest.raises(ValueError, match="unknown export 'gaps.xlsx'"):
        export_file(GapsService(), None, None, FORM, "gaps", "xlsx")
