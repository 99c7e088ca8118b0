"""Verification: measured vs claimed with tolerance and qualifier; duplicated stretches counted once."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geoworks.storage import open_store
from geoworks.verify.checks import (
    VerifyError,
    check_tolerance,
    checks_frame,
    judge,
    overlaps_summary,
    overlaps_table,
    verify_claims,
    year_totals,
)
from geoworks.verify.claims import Claim, load_claims
from geoworks.works import annotate, conform
from tests.helpers.geometry import LAT, geod_length, offset, two_districts

EXPECTED_DEMO = {
    "roads": "confirmed",
    "irrigation": "confirmed",
    "water,sewer": "confirmed",
    "gas": "confirmed",
    "lighting": "confirmed",
    "power": "over_reported",
    "heating": "over_reported",
    "courtyards": "over_reported",
}


@pytest.fixture(scope="module")
def demo_checks(demo_store, catalogue):
    checks = verify_claims(demo_store, catalogue, load_claims(demo_store, 2019))
    return {",".join(c.claim.layers): c for c in checks}


def test_demo_mismatches_flagged_and_matches_confirmed(demo_checks):
    assert {k: c.status for k, c in demo_checks.items()} == EXPECTED_DEMO
    assert demo_checks["power"].measured == pytest.approx(141.2, abs=0.3)
    assert demo_checks["heating"].measured == pytest.approx(16.4, abs=0.1)
    assert demo_checks["courtyards"].measured == 655
    assert demo_checks["lighting"].measured == 334
    assert demo_checks["gas"].measured == pytest.approx(131.1, abs=0.2)
    assert demo_checks["water,sewer"].measured == pytest.approx(287.2, abs=0.3)


def test_demo_roads_duplicates_inflate_the_feature_sum_only(demo_checks):
    roads = demo_checks["roads"]
    assert roads.measured == pytest.approx(73.0, abs=0.1)
    assert roads.feature_km > roads.measured + 3  # three duplicated stretches
    assert roads.overlaps == 3 and roads.overlap_km == pytest.approx(roads.feature_km - roads.measured, abs=0.05)
    # the feature sum alone would have called the 73 km claim under-reported
    assert judge(73.0, roads.feature_km) == "under_reported"


def test_demo_overlaps_listed_per_layer(demo_store, catalogue):
    ov = overlaps_table(year_totals(demo_store, catalogue, 2019), catalogue)
    summary = overlaps_summary(ov).set_index("layer")
    assert summary.loc["roads", "stretches"] == 3 and summary.loc["water", "stretches"] == 1
    assert summary.loc["water", "km"] > 1.0
    assert ov.crs.to_epsg() == 4326 and ov.geometry.geom_type.isin(["LineString", "MultiLineString"]).all()


@pytest.mark.parametrize(
    "claimed,measured,qualifier,tol,status",
    [
        (100, 101.9, "exact", 2, "confirmed"),
        (100, 98.1, "exact", 2, "confirmed"),
        (100, 97.9, "exact", 2, "over_reported"),
        (100, 102.1, "exact", 2, "under_reported"),
        (100, 250, "more_than", 2, "confirmed"),
        (100, 98.5, "more_than", 2, "confirmed"),
        (100, 97, "more_than", 2, "over_reported"),
        (100, 50, "up_to", 2, "confirmed"),
        (100, 103, "up_to", 2, "under_reported"),
        (100, 104, "about", 2, "confirmed"),
        (100, 94, "about", 2, "over_reported"),
        (150, 141.2, "exact", 10, "confirmed"),
    ],
)
def test_judge(claimed, measured, qualifier, tol, status):
    assert judge(claimed, measured, qualifier, tol) == status


def test_tolerance_is_configurable(demo_store, catalogue):
    power = [c for c in load_claims(demo_store, 2019) if c.layers == ("power",)]
    assert verify_claims(demo_store, catalogue, power, 10)[0].status == "confirmed"
    with pytest.raises(VerifyError):
        check_tolerance("lots")
    with pytest.raises(VerifyError):
        check_tolerance(-1)


def test_not_measurable(demo_store, catalogue):
    checks = verify_claims(demo_store, catalogue, [Claim(("roads",), 10, year=1990, id="x")])
    assert checks[0].status == "not_measurable" and checks[0].measured is None
    table = checks_frame(checks)
    assert table.loc[0, "status"] == "not_measurable" and pd.isna(table.loc[0, "measured"])


def test_district_claim(demo_store, catalogue):
    totals = year_totals(demo_store, catalogue, 2019)
    t = totals.table
    want = float(t[(t["layer"] == "gas") & (t["district"] == "medeu")]["network_km"].iloc[0])
    check = verify_claims(demo_store, catalogue, [Claim(("gas",), round(want, 1), district="medeu", year=2019)])[0]
    assert check.measured == pytest.approx(want) and check.status == "confirmed"


@pytest.fixture
def small_store(tmp_path, catalogue, store_config):
    """Two districts; one 2 km road in 'a', entered twice (once whole, once its first half), completed in 2019."""
    districts = two_districts().rename(columns={"name": "name_en"})
    start = offset(76.91, LAT, 90, 0)
    mid = offset(*start, 90, 1000)
    end = offset(*mid, 90, 1000)
    road = shapely.LineString([start, mid, end])
    half = shapely.LineString([start, mid])
    works = gpd.GeoDataFrame(
        {
            "id": ["r1", "r2"],
            "name": ["Street", "Street (again)"],
            "status": "completed",
            "year": 2019,
            "start_date": "2019-04-01",
            "end_date": "2019-09-01",
            "contractor": "X",
        },
        geometry=[road, half],
        crs="EPSG:4326",
    )
    works = conform(annotate(works, catalogue.layer("roads"), districts))
    store = open_store(store_config(tmp_path / "small"))
    with store.transaction() as tx:
        tx.write_layer("districts", districts)
        tx.write_layer("roads", works)
    return store, geod_length([start, mid, end]), geod_length([start, mid])


def test_duplicated_stretch_counted_once(small_store, catalogue):
    store, full_m, half_m = small_store
    check = verify_claims(store, catalogue, [Claim(("roads",), 2.0, year=2019)])[0]
    assert check.measured == pytest.approx(full_m / 1000, rel=1e-4)
    assert check.feature_km == pytest.approx((full_m + half_m) / 1000, rel=1e-4)
    assert check.overlaps == 1 and check.overlap_km == pytest.approx(half_m / 1000, rel=1e-3)
    assert check.status == "confirmed"
    # a 3 km claim (the feature sum) is over-reported against the network
    assert verify_claims(store, catalogue, [Claim(("roads",), 3.0, year=2019)])[0].status == "over_reported"
    # no works on gas in 2019: not measurable
    assert verify_claims(store, catalogue, [Claim(("gas",), 3.0, year=2019)])[0].status == "not_measurable"


def test_exports_never_hold_formulas():
    import io

    from openpyxl import load_workbook

    from geoworks.io.exports import to_csv, to_xlsx

    table = pd.DataFrame({"quote": ['=HYPERLINK("http://x")', "fine"], "claimed": [1.0, 2.0]})
    assert "'=HYPERLINK" in to_csv(table).decode("utf-8-sig")
    ws = load_workbook(io.BytesIO(to_xlsx({"verification": table}, {"tolerance_pct": "2"})))["verification"]
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK") and ws["B3"].value == 2.0
