"""The verification views and claim entry without Flask: plain data from store, catalogue, inputs and labels."""

import io
import json
import shutil
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from geoworks.catalogue import CatalogueError, load_catalogue
from geoworks.maps.base import MapOptions
from geoworks.resources import resource_dir
from geoworks.storage import open_store
from geoworks.totals import TotalsCache
from geoworks.verify.claims import Claim, ClaimError, load_claims
from geoworks.verify.service import (
    Labels,
    Query,
    check_rows,
    claim_record,
    claim_rows,
    data_source,
    district_label,
    enter_claim,
    export_view,
    extract_report,
    import_claims,
    layers_label,
    page_params,
    save_problem,
    select_claims,
    verification_view,
    works_view,
    year_checks,
    year_overlaps,
)
from geoworks.verify.text import district_in, extract_mentions
from tests.helpers.backends import config_for

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
RU = Labels(
    statuses={
        "confirmed": "подтверждено",
        "over_reported": "завышено",
        "under_reported": "занижено",
        "not_measurable": "не измеримо",
    },
    qualifiers={"exact": "ровно", "more_than": "более", "about": "около", "up_to": "до"},
    units={"km": "км", "count": "шт."},
    whole_city="весь город",
)


def test_labels(catalogue):
    assert layers_label(catalogue, ["water", "sewer"], "en") == "Water and sewer"
    assert layers_label(catalogue, ["roads"], "ru") == catalogue.layers["roads"].names.ru
    assert layers_label(catalogue, ["tram"], "en") == "tram"
    assert district_label(catalogue, None, "en") == "whole city"
    assert district_label(catalogue, "city", "kk", "бүкіл қала") == "бүкіл қала"
    assert district_label(catalogue, "medeu", "ru") == "Медеуский район"
    assert district_label(catalogue, "gotham", "en") == "gotham"


def test_page_view_in_the_visitors_words(demo_store, catalogue):
    view = verification_view(
        demo_store,
        catalogue,
        TotalsCache(),
        Query(None, 2.0),
        lang="ru",
        labels=RU,
        source=data_source(demo_store, {}),
        now=NOW,
    )
    assert view["params"] == {"year": 2019, "tolerance": 2.0, "years": [2019]}
    assert "map" not in view  # no map options: the printable page
    rows = {r["layers"]: r for r in view["rows"]}
    assert len(rows) == 8 and rows["power"]["status_text"] == "завышено"
    assert rows["water,sewer"]["layers_text"] == "Водопровод и канализация"
    assert rows["lighting"]["unit_text"] == "шт." and rows["lighting"]["qualifier_text"] == "более"
    assert rows["roads"]["district_text"] == "весь город" and rows["roads"]["id"] == "claim-2019-01"
    summary = {s["layer"]: s for s in view["summary"]}
    assert summary["roads"]["stretches"] == 3 and summary["roads"]["name"] == catalogue.layers["roads"].names.ru
    assert view["notes"] == {
        "date": "2026-06-15 12:00 UTC",
        "year": "2019",
        "tolerance_pct": "2",
        "data_source": demo_store.describe(),
        "measured": view["notes"]["measured"],
    }


def test_page_view_with_the_map(demo_store, catalogue):
    view = verification_view(
        demo_store,
        catalogue,
        None,
        Query(2019, 10.0),
        lang="en",
        labels=Labels(),
        source="s",
        now=NOW,
        options=MapOptions(tiles="none"),
    )
    assert view["overlap_count"] == len(view["overlaps"]) > 3
    assert set(view["map"]) >= {"header", "html", "script"} and "Overlapping stretches" in view["map"]["script"]
    assert {r["layers"]: r["status"] for r in view["rows"]}["power"] == "confirmed"  # 10 % tolerance


def test_no_year_no_checks(demo_store, catalogue):
    assert year_checks(demo_store, catalogue, None, 2.0) == []
    assert len(year_overlaps(demo_store, catalogue, None)) == 0
    assert page_params(demo_store, Query(1990, 2.0))["year"] == 1990
    assert year_checks(demo_store, catalogue, 1990, 2.0) == []


def test_select_claims_by_year_and_district(demo_store):
    assert len(select_claims(demo_store)) == len(select_claims(demo_store, 2019)) == 8
    assert len(select_claims(demo_store, 2019, "city")) == 8
    assert select_claims(demo_store, 2019, "medeu") == [] and select_claims(demo_store, 1990) == []


def test_exports(demo_store, catalogue):
    query = Query(2019, 2.0)
    data = export_view(demo_store, catalogue, None, query, "json", source="demo", now=NOW).data
    assert data["notes"]["tolerance_pct"] == "2" and len(data["claims"]) == 8
    json.dumps(data)  # plain values only
    csv = export_view(demo_store, catalogue, None, query, "csv", source="demo", now=NOW)
    assert csv.name == "geoworks_verification_2019_20260615T1200Z.csv" and csv.mimetype.startswith("text/csv")
    assert csv.body.decode("utf-8-sig").startswith("claim,year,layers") and b"# data_source: demo" in csv.body
    xlsx = export_view(demo_store, catalogue, None, query, "xlsx", source="demo", now=NOW)
    assert load_workbook(io.BytesIO(xlsx.body)).sheetnames == ["verification", "overlaps", "about"]
    with pytest.raises(ValueError, match="unknown format"):
        export_view(demo_store, catalogue, None, query, "pdf", source="demo", now=NOW)


def test_works_behind_a_claim(demo_store, catalogue):
    view = works_view(demo_store, catalogue, None, "claim-2019-03", 2.0, lang="en", labels=Labels())
    assert [g["layer"] for g in view["groups"]] == ["water", "sewer"]
    assert all(g["count"] == len(g["rows"]) > 0 and g["km"] > 0 for g in view["groups"])
    assert view["row"]["status"] == "confirmed" and view["row"]["layers_text"] == "Water and sewer"
    assert works_view(demo_store, catalogue, None, "nope", 2.0, lang="en", labels=Labels()) is None


def test_claim_rows_and_records(catalogue):
    claim = Claim(("water", "sewer"), 12.5, "km", "more_than", "medeu", 2021, "s", "<b>q</b>")
    assert claim_record(claim) == {
        "layers": ["water", "sewer"],
        "value": 12.5,
        "unit": "km",
        "qualifier": "more_than",
        "district": "medeu",
        "year": 2021,
        "quote": "<b>q</b>",
    }
    row = claim_rows([claim], catalogue, "ru", RU)[0]
    assert row["layers"] == "water,sewer" and row["qualifier_text"] == "более" and row["unit_text"] == "км"
    assert row["district_text"] == "Медеуский район" and row["quote"] == "<b>q</b>"  # escaped by the template


def test_check_rows_carry_ids_and_words(demo_store, catalogue):
    checks = year_checks(demo_store, catalogue, 2019, 2.0)
    rows = check_rows(checks, catalogue, "en", Labels())
    assert [r["id"] for r in rows] == [c.claim.id for c in checks]
    assert {r["status_text"] for r in rows} <= {"confirmed", "over-reported"}


def test_save_problem():
    assert save_problem([]) == "no_claims"
    assert save_problem([Claim(("roads",), 1.0)]) == "no_year"
    assert save_problem([Claim(("roads",), 1.0, year=2019)]) is None


def test_extract_report_saves_only_when_allowed_and_dated(catalogue, demo_copy):
    store = open_store(config_for(demo_copy))
    text = "В Алмалинском районе построено 12 км дорог и более 300 дворов."
    version = store.version()
    found = extract_report(store, catalogue, text, None, "r")
    assert [(c.layers, c.district, c.year) for c in found.claims] == [
        (("roads",), "almaly", None),
        (("courtyards",), "almaly", None),
    ]
    assert found.saved == [] and found.problem is None
    assert extract_report(store, catalogue, text, None, "r", save=True, may_save=False).problem == "not_allowed"
    assert extract_report(store, catalogue, text, None, "r", save=True).problem == "no_year"
    assert store.version() == version
    done = extract_report(store, catalogue, text, 2021, "r", save=True)
    assert len(done.saved) == 2 and all(c.id for c in done.saved)
    assert len(load_claims(store, 2021)) == 2
    with pytest.raises(ClaimError, match="longer than"):
        extract_report(store, catalogue, "x" * 200_001, 2021, "r")


def test_enter_and_import_claims(catalogue, demo_copy):
    store = open_store(config_for(demo_copy))
    saved = enter_claim(store, catalogue, {"year": "2020", "layers": "gas", "value": "3,5", "district": "medeu"})
    assert [(c.layers, c.value, c.district) for c in saved] == [(("gas",), 3.5, "medeu")]
    version = store.version()
    with pytest.raises(ClaimError, match="value"):
        enter_claim(store, catalogue, {"year": "2020", "layers": "gas", "value": "many"})
    with pytest.raises(ClaimError, match="file: larger than"):
        import_claims(store, catalogue, b"year,layers,value\n" * 100, 104)
    with pytest.raises(ClaimError, match="line 2: layers"):
        import_claims(store, catalogue, b"year,layers,value\n2019,tram,5\n", 1000)
    assert store.version() == version
    assert len(import_claims(store, catalogue, b"year,layers,value\n2020,roads,5\n2020,gas,1\n", 1000)) == 2


def _catalogue_with_stems(tmp_path, stems):
    shutil.copytree(resource_dir("layers"), tmp_path / "layers")
    path = tmp_path / "layers" / "districts.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["districts"][0]["stems"] = stems
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return load_catalogue(tmp_path / "layers")


def test_district_stems_come_from_the_catalogue(catalogue, tmp_path):
    assert catalogue.districts["almaly"].stems == ("алмалы", "алмалин", "almaly")
    sentence = "В Алатауском районе построено 12 км дорог."
    assert district_in(sentence, 30, catalogue) == "alatau"
    other = _catalogue_with_stems(tmp_path, ["гвине"])  # the first district now goes by another name
    assert district_in(sentence, 30, other) is None
    assert district_in("В Гвинейском районе 5 км дорог.", 25, other) == "alatau"
    assert [m.district for m in extract_mentions("Гвинея ауданында 5 шақырым жол салынды.", other)] == ["alatau"]


@pytest.mark.parametrize("stems", ["алатау", ["алатау", ""], [3]])
def test_malformed_stems_name_file_and_field(tmp_path, stems):
    with pytest.raises(CatalogueError) as err:
        _catalogue_with_stems(tmp_path, stems)
    assert "districts.json" in str(err.value) and "districts[0].stems" in str(err.value)
