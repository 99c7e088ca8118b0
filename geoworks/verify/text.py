"""Finding reported figures (claims) in report text, in Kazakh, Russian and English.

Every number in the text is classified by what follows (and precedes) it:
``km`` (шақырым, км, km, километр), ``count`` of streets lit or courtyards,
``percent``, ``money`` (теңге, тенге, млрд ... ), ``people``, ``area``
(шаршы метр, кв. м, square metres), ``year`` ("2019 жылы", "в 2019 году")
or ``other``. Only km and count figures that name a layer become claims.
Numbers are read as "2,1", "1 250", "2,1 млн", "47 мыңнан"; the qualifier
comes from астам/более/свыше/over (more_than), жуық/около/about
(about) and дейін/до/up to (up_to). A district is named as "<name> ауданы / район / district", its
name's stems coming from the layer catalogue (``stems`` of each district in layers/districts.json).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from geoworks.catalogue import Catalogue, default_catalogue
from geoworks.params import YEAR_MAX, YEAR_MIN

W = r"[0-9A-Za-zА-Яа-яЁёӘәІіҢңҒғҮүҰұҚқӨөҺһ]"  # a word character (no underscore)
_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+)(?:[.,](\d+)(?![.,]?\d))?")
_SENTENCE = re.compile(r"\s*\n\s*(?![a-zа-яёәіңғүұқөһ])|(?<=[.!?;])\s*(?=[A-ZА-ЯЁӘІҢҒҮҰҚӨҺ«\"])")
_CYRILLIC = re.compile(r"[А-Яа-яЁёӘәІіҢңҒғҮүҰұҚқӨөҺһ]")


def _rx(*alternatives: str) -> re.Pattern:
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


# what may follow a number, in order
_SUFFIX = re.compile(r"^-?(?:" + W + r"{1,6})(?!" + W + ")")  # Kazakh case ending: 320-дан, 880-ге
_PERCENT = re.compile(r"^\s*(?:%|пайыз|процент|percent|per\s+cent)", re.IGNORECASE)
_MULTIPLIERS = [
    (re.compile(r"^\s*(?:мың|тыс\.?|тысяч|thousand)" + W + "*\\.?", re.IGNORECASE), 1e3),
    (re.compile(r"^\s*(?:млн|миллион|million|mln)" + W + "*\\.?", re.IGNORECASE), 1e6),
    (re.compile(r"^\s*(?:млрд|миллиард|billion|bn)" + W + "*\\.?", re.IGNORECASE), 1e9),
]
_QUAL_AFTER = [
    (re.compile(r"^\s*(?:астам|асатын|аса)" + W + "*", re.IGNORECASE), "more_than"),
    (re.compile(r"^\s*(?:жуық|шамасында)" + W + "*", re.IGNORECASE), "about"),
    (re.compile(r"^\s*дейін" + W + "*", re.IGNORECASE), "up_to"),
]
_QUAL_BEFORE = [
    (
        re.compile(
            r"(?:more\s+than|over|above|at\s+least|in\s+excess\s+of|более\s+чем|более|свыше|больше|"
            r"не\s+менее|шамамен\s+астам)\s*$",
            re.IGNORECASE,
        ),
        "more_than",
    ),
    (
        re.compile(
            r"(?:about|around|approximately|approx\.|nearly|almost|some|около|порядка|примерно|почти|"
            r"приблизительно|шамамен|шамасы|~)\s*$",
            re.IGNORECASE,
        ),
        "about",
    ),
    (re.compile(r"(?:up\s+to|до)\s*$", re.IGNORECASE), "up_to"),
]
_AREA = re.compile(
    r"^\s*(?:шаршы|кв\.|кв\b|квадрат|square|sq\.?|м2|м²|m2|m²|км2|км²|km2|km²|га\b|гектар|hectare|ha\b)", re.IGNORECASE
)
_KM = re.compile(r"^\s*(?:км|шақырым|километр|km|kilomet(?:re|er))(" + W + r"*)\.?(?![²2])", re.IGNORECASE)
_MONEY = re.compile(r"^\s*(?:теңге|тенге|тг\b|₸|kzt|tenge|доллар|долл|usd|\$|рубл|евро|eur|€)", re.IGNORECASE)
_MONEY_BEFORE = re.compile(r"(?:\$|€|₸|usd|kzt)\s*$", re.IGNORECASE)
_PEOPLE = re.compile(
    r"^\s*(?:адам|тұрғын|кісі|азамат|алматылық|человек|жител|граждан|"
    r"people|residents|persons|citizens)",
    re.IGNORECASE,
)
_YEAR_AFTER = re.compile(r"^\s*(?:-?\s*ж\.|жыл|год|г\.|year)", re.IGNORECASE)
_YEAR_BEFORE = re.compile(r"(?:\bin|\bв|\bво|\bsince|\bс|\bпо|\bby|\bof)\s*$", re.IGNORECASE)

# layer vocabulary (lower-case stems; matched at a word start)
LAYER_WORDS: dict[str, re.Pattern] = {
    "lighting": _rx(r"жарық", r"освещ", r"светильн", r"фонар", r"lighting", r"lit\b", r"lamp", r"streetlight"),
    "irrigation": _rx(
        r"арық", r"арық", r"суару", r"арык", r"арыч", r"ирригац", r"оросит", r"aryk", r"irrigation", r"ditch"
    ),
    "sewer": _rx(r"кәріз", r"канализ", r"sewer", r"sewage", r"wastewater"),
    "water": _rx(r"су(?!" + W + ")", r"сумен", r"сужабд", r"водопровод", r"водовод", r"водоснабж", r"water"),
    "power": _rx(r"электр", r"энергоснабж", r"лэп", r"power", r"electric"),
    "heating": _rx(r"жылу", r"тепло", r"теплосет", r"heating", r"heat\b"),
    "gas": _rx(r"газ(?!ет)", r"gas\b", r"gas(?:line|pipe)"),
    "roads": _rx(r"жол(?!ы\b)", r"дорог", r"автодорог", r"road", r"көше", r"улиц", r"street", r"highway"),
}
# nouns that make a count claim: (pattern, layer); streets count only when lighting is named
_COUNT_NOUNS = [
    (_rx(r"аула", r"двор", r"courtyard", r"yard"), "courtyards"),
    (_rx(r"көше", r"улиц", r"street"), "lighting"),
]
_DISTRICT_WORDS = r"\s+(?:аудан|район|district)"  # what follows a district's name
DistrictPatterns = tuple[tuple[str, re.Pattern], ...]


@dataclass
class Mention:
    """One number found in the text and what it counts."""

    value: float
    kind: str  # km | count | percent | money | people | area | year | other
    qualifier: str
    layers: tuple[str, ...]
    district: str | None
    quote: str
    text: str  # the number as written


def parse_number(text: str, english: bool = False) -> float:
    """'2,1' -> 2.1, '1 250' -> 1250, '2.5' -> 2.5; with ``english`` '1,250' -> 1250."""
    raw = re.sub(r"[ \u00a0\u202f]", "", text.strip())
    if english and re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
        raw = raw.replace(",", "")
    return float(raw.replace(",", "."))


def sentences(text: str) -> list[str]:
    """The text cut into sentences (and lines)."""
    return [s.strip() for s in _SENTENCE.split(text or "") if s and s.strip()]


def _take(pattern: re.Pattern, rest: str) -> tuple[re.Match | None, str]:
    m = pattern.match(rest)
    return (m, rest[m.end() :]) if m else (None, rest)


def layers_in(segment: str) -> tuple[str, ...]:
    """Layer ids named in a piece of text (lighting wins over the street words of roads)."""
    found = [lid for lid, rx in LAYER_WORDS.items() if rx.search(segment)]
    if "lighting" in found:
        return ("lighting",)
    if "irrigation" in found:
        found = [f for f in found if f != "water"]
    return tuple(found)


def district_patterns(catalogue: Catalogue | None = None) -> DistrictPatterns:
    """(slug, pattern) per district with ``stems`` in the catalogue: "<stem>... ауданы / район / district"."""
    cat = catalogue or default_catalogue()
    return _district_patterns(tuple((d.slug, d.stems) for d in cat.districts.values() if d.stems))


@lru_cache(maxsize=8)
def _district_patterns(stems: tuple[tuple[str, tuple[str, ...]], ...]) -> DistrictPatterns:
    return tuple(
        (
            slug,
            re.compile(
                r"(?<![\w])(?:" + "|".join(map(re.escape, words)) + r")" + W + "*" + _DISTRICT_WORDS, re.IGNORECASE
            ),
        )
        for slug, words in stems
    )


def district_in(sentence: str, position: int, catalogue: Catalogue | None = None) -> str | None:
    """The district named in the sentence: the last one before ``position``, else the first after."""
    return _district_at(sentence, position, district_patterns(catalogue))


def _district_at(sentence: str, position: int, districts: DistrictPatterns) -> str | None:
    hits = sorted((m.start(), slug) for slug, rx in districts for m in rx.finditer(sentence))
    before = [slug for pos, slug in hits if pos < position]
    if before:
        return before[-1]
    return hits[0][1] if hits else None


def _take_first(table: list, rest: str) -> tuple:
    """The value paired with the first pattern of ``table`` that matches at the start of ``rest``, and what follows."""
    for rx, what in table:
        hit, after = _take(rx, rest)
        if hit:
            return what, after
    return None, rest


def _value(sentence: str, m: re.Match) -> float:
    """The number as written ("1,250" is 1250 in English text, else 1.25)."""
    text = m.group(0)
    english = not _CYRILLIC.search(sentence)
    return parse_number(text, english=bool(english and m.group(2) and len(m.group(2)) == 3 and "," in text))


def _km_layers(sentence: str, position: int, nxt: int, after_unit: str) -> tuple[str, ...]:
    """Layers of a km figure: named after the unit up to the next number, else before the figure."""
    start = len(sentence) - len(after_unit)
    layers = layers_in(sentence[start : max(nxt, start)])
    if not layers:
        layers = layers_in(sentence[_previous_number_end(sentence, position) : position])
    return tuple(lyr for lyr in layers if lyr != "courtyards")


def _classify(sentence: str, m: re.Match, nxt: int, districts: DistrictPatterns) -> Mention:
    text, value = m.group(0), _value(sentence, m)
    before, rest = sentence[: m.start()], sentence[m.end() :]
    qualifier = next((q for rx, q in _QUAL_BEFORE if rx.search(before)), "exact")
    quote = " ".join(sentence.split())

    def mention(kind: str, layers: tuple[str, ...] = ()) -> Mention:
        district = _district_at(sentence, m.start(), districts) if kind in ("km", "count") else None
        return Mention(value, kind, qualifier, layers, district, quote, text)

    if _PERCENT.match(rest):
        return mention("percent")
    if _MONEY_BEFORE.search(before):
        return mention("money")
    integer = m.group(2) is None and re.fullmatch(r"\d{4}", text) is not None
    if integer and YEAR_MIN <= value <= YEAR_MAX and (_YEAR_AFTER.match(rest) or _YEAR_BEFORE.search(before)):
        return mention("year")
    _, rest = _take(_SUFFIX, rest)
    factor, rest = _take_first(_MULTIPLIERS, rest)
    value = value * factor if factor else value
    after, rest = _take_first(_QUAL_AFTER, rest)
    qualifier = after or qualifier
    for rx, kind in ((_PERCENT, "percent"), (_AREA, "area"), (_MONEY, "money"), (_PEOPLE, "people")):
        if rx.match(rest):
            return mention(kind)
    km, after_unit = _take(_KM, rest)
    if km:
        after, after_unit = _take_first(_QUAL_AFTER, after_unit)  # "500 шақырымнан астам"
        qualifier = after or qualifier
        return mention("km", _km_layers(sentence, m.start(), nxt, after_unit))
    for rx, layer in _COUNT_NOUNS:
        if rx.match(rest.lstrip()):
            if layer == "lighting" and "lighting" not in layers_in(sentence):
                return mention("other")
            return mention("count", (layer,))
    return mention("other")


def _previous_number_end(sentence: str, position: int) -> int:
    ends = [m.end() for m in _NUM.finditer(sentence) if m.end() <= position]
    return ends[-1] if ends else 0


def scan(text: str, catalogue: Catalogue | None = None) -> list[Mention]:
    """Every number in ``text`` with what it counts (km, count, percent, money, ...); districts from ``catalogue``
    (default: the shipped one)."""
    districts = district_patterns(catalogue)
    out = []
    for sentence in sentences(text):
        matches = list(_NUM.finditer(sentence))
        for k, m in enumerate(matches):
            nxt = matches[k + 1].start() if k + 1 < len(matches) else len(sentence)
            out.append(_classify(sentence, m, nxt, districts))
    return out


def detect_year(text: str, catalogue: Catalogue | None = None) -> int | None:
    """The year a report speaks of: the year most often named ("2019 жылы", "в 2019 году", "in 2019")."""
    years = Counter(int(m.value) for m in scan(text, catalogue) if m.kind == "year")
    return years.most_common(1)[0][0] if years else None


def extract_mentions(text: str, catalogue: Catalogue | None = None) -> list[Mention]:
    """The km and count mentions that name a layer, each figure once (first quote kept)."""
    seen, out = set(), []
    for m in scan(text, catalogue):
        if m.kind not in ("km", "count") or not m.layers:
            continue
        key = (m.layers, m.kind, round(m.value, 6), m.qualifier, m.district)
        if key in seen:
            continue
        seen.add(key)
        out.append(m)
    return out
