"""A meeting's questions from CSV or XLSX: every row checked; all stored in one import or, on any problem,
nothing, with messages naming the file, the row and the field."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geoworks.near.index import NearIndex
from geoworks.near.streets import StreetIndex
from geoworks.residents.importer import error_lines, read_requests, store_import
from geoworks.residents.index import RequestsIndex
from geoworks.residents.model import RequestError
from geoworks.residents.records import rollback_import
from geoworks.storage import open_store
from tests.helpers.backends import config_for

TODAY = dt.date(2026, 6, 15)
NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)


@pytest.fixture
def store(demo_copy):
    return open_store(config_for(demo_copy))


@pytest.fixture(scope="module")
def streets(demo_store, catalogue):
    return StreetIndex.from_near_index(NearIndex.from_store(demo_store, catalogue))


def _one_street(streets, district: str):
    """A street of the demo named in one place of ``district`` (kk name, ru name)."""
    for name, name_ru, d, *_ in streets.groups:
        if d == district and name_ru and len(streets.search(name_ru)) >= 1:
            return name, name_ru
    raise AssertionError("no street")


def _read(path, store, catalogue, streets, **defaults):
    return read_requests(
        path, catalogue, store.read_layer("districts"), TODAY, streets=streets, store=store, defaults=defaults
    )


def test_csv_in_russian_with_streets_and_coordinates_is_stored_as_one_import(tmp_path, store, catalogue, streets):
    road = str(store.read_layer("roads")["id"].iloc[0])
    _, street = _one_street(streets, "almaly")
    path = tmp_path / "встреча-алмалы.csv"
    path.write_text(
        "Вопрос;Тема;Улица;Район;Широта;Долгота;Статус;Ответ;Отвечено на месте;Контакт;Работы\n"
        f"Нет освещения во дворе;Освещение;{street};Алмалинский район;;;Новое;;нет;+7 777 000 00 00;\n"
        "Яма на дороге;Дороги;;;43.2575;76.925;Разъяснено;Ремонт в мае;да;;roads:" + road + "\n",
        encoding="utf-8",
    )
    result = _read(
        path, store, catalogue, streets, round="3", meeting_date="2026-06-01", received="2026-06-01", source="meeting"
    )
    assert result.ok, error_lines(result)
    import_id, ids = store_import(store, catalogue, result, "olga", NOW)
    index = RequestsIndex.from_store(store, catalogue)
    a, b = index.position(ids[0]), index.position(ids[1])
    assert index.district[a] == "almaly" and index.round[a] == 3 and index.source[a] == "meeting"
    assert index.status[b] == "explained" and bool(index.on_spot[b]) and index.answer[b] == "Ремонт в мае"
    assert index.links_of(b) == (("roads", road),)
    assert ids[0].startswith(import_id)
    with pytest.raises(RequestError, match="already imported"):
        store_import(store, catalogue, result, "olga", NOW)
    store_import(store, catalogue, result, "olga", NOW, force=True)
    assert rollback_import(store, import_id, "olga", NOW) == 2


def test_xlsx_in_kazakh(tmp_path, store, catalogue, streets):
    path = tmp_path / "кездесу.xlsx"
    pd.DataFrame(
        {
            "Сұрақ": ["Арық бітеліп қалған", "@cmd|' /C calc'!A0"],
            "Тақырып": ["арық", "Басқа"],
            "Ендік": [43.2575, 43.232],
            "Бойлық": [76.925, 76.845],
            "Күні": ["05.02.2019", "2019-02-05"],
        }
    ).to_excel(path, index=False)
    result = _read(path, store, catalogue, streets)
    assert result.ok, error_lines(result)
    assert [r.topic for r in result.requests] == ["aryks", "other"]
    assert [r.district for r in result.requests] == ["almaly", "auezov"]
    assert result.requests[1].text.startswith("@cmd")  # kept as written; neutralised in exports


def test_every_problem_is_named_with_file_row_and_field_and_nothing_is_stored(tmp_path, store, catalogue, streets):
    path = tmp_path / "bad.csv"
    path.write_text(
        "text,topic,lat,lon,status,works,received\n"
        "ok,water,43.2575,76.925,new,,2026-06-01\n"
        ",water,43.2575,76.925,new,,2026-06-01\n"
        f"{'x' * 5001},water,43.2575,76.925,new,,2026-06-01\n"
        "far away,water,43.6,77.5,new,,2026-06-01\n"
        "what,tramways,43.2575,76.925,new,,2026-06-01\n"
        "what,water,43.2575,76.925,closed,,2026-06-01\n"
        "what,water,43.2575,76.925,new,roads:roads-99999,2026-06-01\n"
        "what,water,43.2575,76.925,new,,2030-01-01\n",
        encoding="utf-8",
    )
    version = store.version()
    result = _read(path, store, catalogue, streets)
    lines = error_lines(result)
    assert not result.ok and result.requests == []
    expected = [
        "bad.csv: row 3: field 'text': text is empty",
        "bad.csv: row 4: field 'text': text has 5001 characters; at most 5000 are allowed",
        "bad.csv: row 5: field 'location': lat=43.60000 lon=77.50000 is outside every district",
        "bad.csv: row 6: field 'topic': unknown topic 'tramways'",
        "bad.csv: row 7: field 'status': unknown status 'closed'",
        "bad.csv: row 8: field 'works': no work 'roads-99999' in layer 'roads'",
        "bad.csv: row 9: field 'received': received 2030-01-01 is in the future",
    ]
    for want in expected:
        assert any(line.startswith(want) for line in lines), (want, lines)
    with pytest.raises(RequestError):
        store_import(store, catalogue, result, "olga", NOW)
    assert store.version() == version


@pytest.mark.parametrize(
    "content,problem",
    [
        ("", "the file is empty"),
        ("вопрос;улица\nнет воды;Абая\n", "no column for topic"),
        ("text,topic\n", "no requests in the file"),
        ("text,topic,street\nwhat,water,Nowhere street 99\n", "no street or place 'Nowhere street 99'"),
        ("text,topic\nwhat,water\n", "no place"),
    ],
)
def test_file_level_problems(tmp_path, store, catalogue, streets, content, problem):
    path = tmp_path / "m.csv"
    path.write_bytes(content.encode("utf-8"))
    result = _read(path, store, catalogue, streets)
    assert not result.ok
    assert any(problem in line for line in error_lines(result)), error_lines(result)


def test_a_street_named_in_several_districts_needs_the_district(tmp_path, store, catalogue, streets):
    names: dict[str, set] = {}
    for _name, name_ru, d, *_ in streets.groups:
        names.setdefault(name_ru, set()).add(d)
    street, where = next((n, ds) for n, ds in names.items() if n and len(ds) > 1 and len(streets.search(n)) > 1)
    path = tmp_path / "m.csv"
    path.write_text(f"text,topic,street\nwhat,roads,{street}\n", encoding="utf-8")
    assert any("several places match" in line for line in error_lines(_read(path, store, catalogue, streets)))
    district = sorted(where)[0]
    path.write_text(f"text,topic,street,district\nwhat,roads,{street},{district}\n", encoding="utf-8")
    result = _read(path, store, catalogue, streets)
    assert result.ok, error_lines(result)
    assert result.requests[0].district == district
