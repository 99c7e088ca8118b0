"""Street and object name search: kk / ru / Latin spellings of the same street."""

from __future__ import annotations

import json

import pytest

from geoworks.near.index import NearIndex
from geoworks.near.streets import StreetIndex, match_score, name_keys
from tests.conftest import shared_file

ABAI = ["Абая", "Абай даңғылы", "пр. Абая", "Abai", "Abay avenue", "проспект Абая", "АБАЯ!", "пр-т Абая"]


@pytest.mark.parametrize("text", ABAI)
def test_abai_variants_share_keys(text):
    assert name_keys(text) == name_keys("Абай даңғылы") == ("ab",)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Райымбек даңғылы", "пр-т Райымбека"),
        ("Raiymbek", "проспект Райымбека"),
        ("Төле би көшесі", "ул. Толе Би"),
        ("Жібек жолы даңғылы", "Zhibek Zholy"),
        ("Шаңырақ-1 ықшамауданы, 5-көше", "мкр. Шанырак-1, улица 5"),
        ("Бауыржан Момышұлы көшесі", "ул. Бауыржана Момышулы"),
        ("Әл-Фараби даңғылы", "al-Farabi ave"),
    ],
)
def test_spelling_variants_match(a, b):
    assert match_score(name_keys(a), name_keys(b)) == pytest.approx(1.0)


def test_near_misses_and_non_matches():
    assert match_score(name_keys("Satpaev"), name_keys("Сәтбаев көшесі")) > 0.5  # t/b, one letter off
    assert match_score(name_keys("Райым"), name_keys("Райымбек даңғылы")) > 0.5  # typed prefix
    assert match_score(name_keys("Абая"), name_keys("Абылай хан даңғылы")) == 0
    assert match_score(name_keys("улица 5"), name_keys("мкр. Шанырак-1, улица 15")) == 0
    assert name_keys("  ,.; ") == () and name_keys("проспект") == ()


def test_search_demo_lists_candidates_with_places(demo_store, catalogue):
    streets = StreetIndex.from_near_index(NearIndex.from_store(demo_store, catalogue))
    for text in ("Абая", "Abai", "пр. Абая", "Абай даңғылы"):
        cands = streets.search(text)
        assert cands, text
        assert all(c.name == "Абай даңғылы" and c.name_ru == "проспект Абая" for c in cands)
        x0, y0, x1, y1 = catalogue.city.bbox
        assert all(x0 <= c.lon <= x1 and y0 <= c.lat <= y1 for c in cands)
    first = streets.search("Abai")[0]
    assert streets.get(first.key) == first.__class__(**{**first.__dict__, "score": 1.0})
    assert streets.get("nowhere|almaly") is None
    assert streets.search("qwertyuiop") == []


def test_real_works_map_names(tmp_path):
    """The city's own works map: its street names are found by a Latin or Kazakh-less spelling."""
    import pandas as pd
    import shapely

    data = json.loads(shared_file("data", "almaty-works-gisclone", "gisData.json").read_text())
    rows = [r for r in data if r.get("address") and r.get("marker")]
    assert rows
    table = pd.DataFrame(
        {
            "name": [r["address"] for r in rows],
            "name_ru": [r["address"] for r in rows],
            "district": ["x"] * len(rows),
            "layer": ["courtyards"] * len(rows),
        }
    )
    geoms = [shapely.geometry.shape(r["marker"]) for r in rows]
    streets = StreetIndex(table, geoms)
    for r in rows[:15]:
        # the exact address, re-punctuated and upper-cased, finds itself
        keys = name_keys(r["address"])
        if not keys:
            continue
        text = " ".join(k for k in r["address"].upper().replace(",", " ").replace(".", " ").split())
        names = [c.name for c in streets.search(text, limit=100)]
        assert r["address"] in names, r["address"]


def test_one_transliteration_table():
    """Street keys use geoworks.names' table: every Cyrillic letter it knows folds to plain Latin."""
    from geoworks.names import CYRILLIC_LATIN
    from geoworks.near import streets

    assert not hasattr(streets, "_CYR")
    for letter in CYRILLIC_LATIN:
        assert streets._fold(letter).isascii(), letter
    assert name_keys("ул. Щепкина") == name_keys("Shchepkina street") == name_keys("Shepkina") == ("shepkin",)
    assert name_keys("Бекхожин") == name_keys("Бехожин")  # кх folds as before: one h
