"""Claims: extraction from report text (kk/ru/en), CSV import, storing."""

import pytest

from geoworks.verify.claims import ClaimError, extract_claims, load_claims, make_claim, read_claims_csv, save_claims
from geoworks.verify.text import parse_number, scan
from tests.conftest import shared_file
from tests.helpers.backends import config_for

EXPECTED_2019 = {
    (("roads",), 73.0, "km", "exact"),
    (("irrigation",), 47.0, "km", "exact"),
    (("water", "sewer"), 287.0, "km", "exact"),
    (("power",), 150.0, "km", "exact"),
    (("heating",), 20.0, "km", "exact"),
    (("gas",), 130.0, "km", "exact"),
    (("lighting",), 320.0, "count", "more_than"),
    (("courtyards",), 670.0, "count", "more_than"),
}


def _keys(claims):
    return [(c.layers, c.value, c.unit, c.qualifier) for c in claims]


def test_real_report_yields_exactly_the_claims(catalogue):
    text = shared_file("reports", "almaty-2019-akim-report.kk.txt").read_text(encoding="utf-8")
    claims = extract_claims(text, catalogue)
    keys = _keys(claims)
    assert len(keys) == len(set(keys)) == 8, keys
    assert set(keys) == EXPECTED_2019
    assert {c.year for c in claims} == {2019}
    assert all(c.district is None for c in claims)
    quotes = {c.layers: c.quote for c in claims}
    assert "73 шақырым жол" in quotes[("roads",)]
    assert "670-тен астам аула" in quotes[("courtyards",)]
    # the report's percentages, money, people, square metres are seen and not taken for claims
    kinds = {(m.kind, m.value) for m in scan(text)}
    assert ("percent", 4.8) in kinds and ("money", 96e9) in kinds and ("area", 2.1e6) in kinds
    assert ("people", 300e3) in kinds and ("year", 2019) in kinds


@pytest.mark.parametrize(
    "sentence",
    [
        "Жолдардың 12% км-ге жуығы жөнделді.",  # a percentage next to km
        "Жол құрылысына 15 млрд теңге бөлінді.",  # money next to жол
        "2019 жылы жол жөндеу жұмыстары жалғасты.",  # a year
        "На ремонт дорог выделено 12,5 млрд тенге, это 15 % км бюджета.",
        "Жол бойында 2 000 адам жұмыс істеді.",  # people
        "2,1 млн шаршы метр жол төселді.",  # square metres
        "Построено 5 кв. км дорожного покрытия.",  # square kilometres
        "Road repairs cost $40 million in 2019.",
        "Жол салуға 300 мың тұрғын дауыс берді.",
        "Газ тарту 40%-ға өсті, 2019 жылы.",
    ],
)
def test_misleading_sentences_give_no_km_claim(catalogue, sentence):
    assert extract_claims(sentence, catalogue, year=2019) == []


@pytest.mark.parametrize(
    "sentence,expected",
    [
        ("построено 73 км дорог", (("roads",), 73.0, "km", "exact")),
        ("проложено более 120 км газопровода", (("gas",), 120.0, "km", "more_than")),
        ("45 km of water mains were laid", (("water",), 45.0, "km", "exact")),
        ("over 12.5 km of sewer pipes", (("sewer",), 12.5, "km", "more_than")),
        ("около 30 км тепловых сетей", (("heating",), 30.0, "km", "about")),
        ("свыше 2,1 км арыков", (("irrigation",), 2.1, "km", "more_than")),
        ("1 250 км дорог отремонтировано", (("roads",), 1250.0, "km", "exact")),
        ("up to 14 km of power lines", (("power",), 14.0, "km", "up_to")),
        ("150 шақырымға дейін электр желісі", (("power",), 150.0, "km", "up_to")),
        ("500-ге жуық шақырым газ құбыры", (("gas",), 500.0, "km", "about")),
        ("освещение более 320 улиц", (("lighting",), 320.0, "count", "more_than")),
        ("more than 670 courtyards renovated", (("courtyards",), 670.0, "count", "more_than")),
        ("отремонтировано 287 км водопровода и канализации", (("water", "sewer"), 287.0, "km", "exact")),
        ("Дороги: 73 км.", (("roads",), 73.0, "km", "exact")),
    ],
)
def test_sentences_in_three_languages(catalogue, sentence, expected):
    claims = extract_claims(sentence, catalogue, year=2019)
    assert _keys(claims) == [expected]


def test_district_and_year_from_text(catalogue):
    claims = extract_claims(
        "В 2021 году в Алатауском районе построено 12 км дорог. Медеу ауданында 3,5 шақырым арық жөнделді.", catalogue
    )
    assert [(c.layers, c.value, c.district, c.year) for c in claims] == [
        (("roads",), 12.0, "alatau", 2021),
        (("irrigation",), 3.5, "medeu", 2021),
    ]
    # a company named after a district is not a district
    assert (
        extract_claims("«Алатау Жарық Компаниясы» 15 шақырым электр желісін салды", catalogue, year=2019)[0].district
        is None
    )


def test_numbers():
    assert parse_number("2,1") == 2.1
    assert parse_number("1 250") == 1250
    assert parse_number("1\u00a0250,5") == 1250.5
    assert parse_number("1,250", english=True) == 1250
    m = [x for x in scan("2,1 млн шаршы метр") if x.text == "2,1"][0]
    assert m.value == pytest.approx(2.1e6) and m.kind == "area"


def test_csv_import(catalogue):
    data = (
        "year,layers,district,value,unit,qualifier,source,quote\n"
        "2019,roads,,73,km,exact,report,73 km of roads\n"
        '2019,water_sewer,Медеуский район,"12,5",km,более,report,\n'
        "2019,lighting,,320,count,more than,report,\n"
    ).encode()
    claims = read_claims_csv(data, catalogue)
    assert [(c.layers, c.value, c.district, c.qualifier) for c in claims] == [
        (("roads",), 73.0, None, "exact"),
        (("water", "sewer"), 12.5, "medeu", "more_than"),
        (("lighting",), 320.0, None, "more_than"),
    ]


@pytest.mark.parametrize(
    "row,message",
    [
        ("2019,tram,,5,km,exact", "line 2: layers: unknown layer 'tram'"),
        ("2019,roads,,lots,km,exact", "line 2: value: 'lots' is not a number"),
        ("2019,roads,Gotham,5,km,exact", "line 2: district: unknown district 'Gotham'"),
        ("2019,roads,,5,miles,exact", "line 2: unit: 'miles'"),
        ("2019,roads,,5,km,roughly", "line 2: qualifier: 'roughly'"),
        ("20x9,roads,,5,km,exact", "line 2: year: '20x9'"),
        ("2019,courtyards,,5,km,exact", "line 2: unit: km cannot be measured on courtyards"),
    ],
)
def test_csv_errors_name_line_and_field(catalogue, row, message):
    with pytest.raises(ClaimError) as err:
        read_claims_csv("year,layers,district,value,unit,qualifier\n" + row + "\n", catalogue)
    assert message in str(err.value)


def test_csv_without_header_columns(catalogue):
    with pytest.raises(ClaimError, match="header"):
        read_claims_csv("a,b\n1,2\n", catalogue)


def test_save_and_load(catalogue, demo_copy):
    from geoworks.storage import open_store

    store = open_store(config_for(demo_copy))
    before = len(load_claims(store))
    claim = make_claim(
        {"year": "2020", "layers": "Дороги", "value": "5,5", "district": "medeu", "quote": "<b>5,5 км</b>"}, catalogue
    )
    saved = save_claims(store, [claim])
    after = load_claims(store)
    assert len(after) == before + 1
    got = next(c for c in after if c.id == saved[0].id)
    assert (got.layers, got.value, got.district, got.year, got.quote) == (
        ("roads",),
        5.5,
        "medeu",
        2020,
        "<b>5,5 км</b>",
    )
    # a bad claim is refused before anything is written
    version = store.version()
    with pytest.raises(ClaimError):
        make_claim({"year": 2020, "layers": "roads", "value": "-3"}, catalogue)
    assert store.version() == version
