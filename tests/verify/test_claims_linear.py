"""Claim extraction is linear in the text's length: anonymous visitors paste text into /verify/extract.

A security regression test (a 40 000-character paste once took a minute of CPU): 200 000 characters
(the most accepted, verify.claims.MAX_TEXT) of adversarial shapes each finish well within a loose bound,
and four times the text takes about four times as long (never sixteen).
"""

from __future__ import annotations

import gc
import time

import pytest

from geoworks.verify.claims import MAX_TEXT, extract_claims
from geoworks.verify.text import scan, sentences

BOUND_S = 5.0  # generous: the target is under 2 s, the bound must hold on a loaded machine
RATIO_MAX = 8.0  # 4x the text: linear gives ~4, quadratic ~16


def _fill(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


SHAPES = {
    "water_1": "water 1 ",
    "digits": "7",
    "digits_spaced": "1 ",
    "digit_and_suffix": "1а ",
    "one_word": "a",
    "one_cyrillic_word": "ж",
    "district_names": "Алмалы ауданы Медеуский район Bostandyk district Түрксіб ",
    "newlines": "\n",
    "spaces": " ",
    "spaces_then_newline": " " * 999 + "\n",
    "newline_lower": "\nа",
    "full_stops": ".A",
    "mixed_kk_ru": "Алмалы ауданында 12 шақырым су құбыры, в Медеуском районе более 5 км водопровода. ",
    "km_figures": "1 km water, 2 шақырым жол; ",
    "lit_streets": "жарықтандырылған 5 көше ",
    "qualifier_far": "more" + " " * 40 + "than 5 km water ",
    "years": "2019 жылы ",
}


def _timed(text: str) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one extraction: the bound is on the first, the ratio on the
    second (CPU time does not count the waits of a loaded machine). The objects of the rest of the test
    session are frozen meanwhile: the garbage collector's full passes over them are not the text's cost."""
    gc.collect()
    gc.freeze()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        extract_claims(text, _catalogue())
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        gc.unfreeze()


def _catalogue():
    from geoworks.catalogue import default_catalogue

    return default_catalogue()


@pytest.mark.parametrize("unit", list(SHAPES.values()), ids=list(SHAPES))
def test_200k_characters_are_quick_and_linear(unit):
    _timed(_fill(unit, 1000))  # warm the pattern caches
    small = min(_timed(_fill(unit, MAX_TEXT // 4))[1] for _ in range(3))
    runs = [_timed(_fill(unit, MAX_TEXT)) for _ in range(2)]
    wall, big = min(r[0] for r in runs), min(r[1] for r in runs)
    assert wall < BOUND_S, f"{MAX_TEXT} characters took {wall:.2f} s"
    assert big / max(small, 0.02) < RATIO_MAX, f"CPU 50k: {small:.3f} s, 200k: {big:.3f} s"


def test_long_sentences_are_quoted_around_the_figure():
    text = " ".join(f"water {i} km" for i in range(1, 15000))[:MAX_TEXT]
    claims = extract_claims(text, _catalogue(), year=2019)
    assert len(claims) > 10000
    assert max(len(c.quote) for c in claims) < 1000  # bounded memory: never the whole 200 000-character sentence
    assert all(f" {int(c.value)} km" in f" {c.quote}" for c in claims[:50] + claims[-50:])


def test_sentences_are_cut_as_before():
    assert sentences("Жол салынды. Су тартылды\nсосын\n\nКөше") == ["Жол салынды.", "Су тартылды\nсосын", "Көше"]
    assert sentences("a;B \n c") == ["a;", "B", "c"]
    assert [m.kind for m in scan("more   than 5 km water")] == ["km"]
    assert scan("more   than 5 km water")[0].qualifier == "more_than"


def test_web_form_is_quick(client):
    text = _fill("water 1 ", MAX_TEXT - 10)
    start = time.perf_counter()
    res = client.post("/verify/extract?lang=en", data={"text": text, "action": "extract"})
    took = time.perf_counter() - start
    assert res.status_code in (200, 400), res.status_code
    assert took < BOUND_S, f"/verify/extract took {took:.2f} s"
