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
The scan is linear in the text's length (anonymous visitors paste text): see :class:`_Sentence`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

from geoworks.catalogue import Catalogue, default_catalogue
from geoworks.params import YEAR_MAX, YEAR_MIN

W = r"[0-9A-Za-zА-Яа-яЁёӘәІіҢңҒғҮүҰұҚқӨөҺһ]"  # a word character (no underscore)
_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+)(?:[.,](\d+)(?![.,]?\d))?")
# where sentences may end: a run of white space, or between ".!?;" and a capital letter or a quote
_BREAK = re.compile(r"\s+|(?<=[.!?;])(?=[A-ZА-ЯЁӘІҢҒҮҰҚӨҺ«\"])")
_STARTS_LOWER = re.compile(r"[a-zа-яёәіңғүұқөһ]")
_STARTS_UPPER = re.compile(r"[A-ZА-ЯЁӘІҢҒҮҰҚӨҺ«\"]")
_SPACE = re.compile(r"\s*")
_NOTHING_AFTER = re.compile(r"\s+(?=\d)|\Z")  # white space, then a digit; or the end of the sentence
_GROUP_SPACE = re.compile(r"[ \u00a0\u202f]")
_ENGLISH_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FOUR_DIGITS = re.compile(r"\d{4}")
BEFORE_WINDOW = 64  # characters before a number (after its white space) where a qualifier or "in" may stand
QUOTE_MAX = 1000  # a longer sentence is quoted around the number: QUOTE_CONTEXT characters either side
QUOTE_CONTEXT = 200
_CYRILLIC = re.compile(r"[А-Яа-яЁёӘәІіҢңҒғҮүҰұҚқӨөҺһ]")


def _rx(*alternatives: str) -> re.Pattern:
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


# what may follow a number, in order
_SUFFIX = re.compile(r"-?(?:" + W + r"{1,6})(?!" + W + ")")  # Kazakh case ending: 320-дан, 880-ге
_PERCENT = re.compile(r"\s*(?:%|пайыз|процент|percent|per\s+cent)", re.IGNORECASE)
_MULTIPLIERS = [
    (re.compile(r"\s*(?:мың|тыс\.?|тысяч|thousand)" + W + "*\\.?", re.IGNORECASE), 1e3),
    (re.compile(r"\s*(?:млн|миллион|million|mln)" + W + "*\\.?", re.IGNORECASE), 1e6),
    (re.compile(r"\s*(?:млрд|миллиард|billion|bn)" + W + "*\\.?", re.IGNORECASE), 1e9),
]
_QUAL_AFTER = [
    (re.compile(r"\s*(?:астам|асатын|аса)" + W + "*", re.IGNORECASE), "more_than"),
    (re.compile(r"\s*(?:жуық|шамасында)" + W + "*", re.IGNORECASE), "about"),
    (re.compile(r"\s*дейін" + W + "*", re.IGNORECASE), "up_to"),
]


def _ending(phrases: str, word_start: bool = False) -> re.Pattern:
    """What may stand just before a number, matched at the start of the *reversed* text before it (white
    space left out), so that only one position is tried: one of ``phrases`` ("|" between phrases, white
    space between their words; ``word_start``: the phrase starts a word)."""
    alts = [r"\s+".join(re.escape(w[::-1]) for w in reversed(p.split())) for p in phrases.split("|")]
    return re.compile("(?:" + "|".join(alts) + ")" + (r"\b" if word_start else ""), re.IGNORECASE)


_QUAL_BEFORE = [
    (
        _ending("more than|over|above|at least|in excess of|более чем|более|свыше|больше|не менее|шамамен астам"),
        "more_than",
    ),
    (
        _ending(
            "about|around|approximately|approx.|nearly|almost|some|около|порядка|примерно|почти|приблизительно|"
            "шамамен|шамасы|~"
        ),
        "about",
    ),
    (_ending("up to|до"), "up_to"),
]
_AREA = re.compile(
    r"\s*(?:шаршы|кв\.|кв\b|квадрат|square|sq\.?|м2|м²|m2|m²|км2|км²|km2|km²|га\b|гектар|hectare|ha\b)", re.IGNORECASE
)
_KM = re.compile(r"\s*(?:км|шақырым|километр|km|kilomet(?:re|er))(" + W + r"*)\.?(?![²2])", re.IGNORECASE)
_MONEY = re.compile(r"\s*(?:теңге|тенге|тг\b|₸|kzt|tenge|доллар|долл|usd|\$|рубл|евро|eur|€)", re.IGNORECASE)
_MONEY_BEFORE = _ending("$|€|₸|usd|kzt")
_PEOPLE = re.compile(
    r"\s*(?:адам|тұрғын|кісі|азамат|алматылық|человек|жител|граждан|"
    r"people|residents|persons|citizens)",
    re.IGNORECASE,
)
_YEAR_AFTER = re.compile(r"\s*(?:-?\s*ж\.|жыл|год|г\.|year)", re.IGNORECASE)
_YEAR_BEFORE = _ending("in|в|во|since|с|по|by|of", word_start=True)

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
# (matched where the white space after a number ends, as at the start of a text: no look-behind)
_COUNT_NOUNS = [
    (re.compile(r"(?:аула|двор|courtyard|yard)", re.IGNORECASE), "courtyards"),
    (re.compile(r"(?:көше|улиц|street)", re.IGNORECASE), "lighting"),
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
    raw = _GROUP_SPACE.sub("", text.strip())
    if english and _ENGLISH_THOUSANDS.fullmatch(raw):
        raw = raw.replace(",", "")
    return float(raw.replace(",", "."))


def _breaks(text: str, run: re.Match) -> bool:
    """Whether a sentence ends at ``run`` (a match of _BREAK): a line break not followed by a lower-case
    letter (one break at the very end of the run followed by one ends nothing), or ".!?;" followed
    by a capital letter or a quote."""
    start, end = run.span()
    if start == end:
        return True
    nxt = text[end : end + 1]
    breaks = text.count("\n", start, end)
    if breaks and not (breaks == 1 and text[end - 1] == "\n" and _STARTS_LOWER.match(nxt)):
        return True
    return start > 0 and text[start - 1] in ".!?;" and _STARTS_UPPER.match(nxt) is not None


def sentences(text: str) -> list[str]:
    """The text cut into sentences (and lines)."""
    text = text or ""
    out, start = [], 0
    for run in _BREAK.finditer(text):
        if _breaks(text, run):
            out.append(text[start : run.start()])
            start = run.end()
    out.append(text[start:])
    return [s.strip() for s in out if s and s.strip()]


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
    return _Sentence(sentence, district_patterns(catalogue)).district(position)


class _Sentence:
    """One sentence, its numbers, and what is computed once for all of them. Patterns run at a position of
    the sentence (never on a copy of what follows a number); what precedes one is seen through a window."""

    def __init__(self, text: str, districts: DistrictPatterns) -> None:
        self.text = text
        self.districts = districts
        self.numbers = list(_NUM.finditer(text))
        self._excerpts: dict[tuple[int, int], str] = {}

    @cached_property
    def quote(self) -> str:
        return " ".join(self.text.split())

    @cached_property
    def english(self) -> bool:
        return not _CYRILLIC.search(self.text)

    @cached_property
    def layers(self) -> tuple[str, ...]:
        return layers_in(self.text)

    @cached_property
    def _hits(self) -> tuple[list[int], list[str]]:
        hits = sorted((m.start(), slug) for slug, rx in self.districts for m in rx.finditer(self.text))
        return [pos for pos, _ in hits], [slug for _, slug in hits]

    def district(self, position: int) -> str | None:
        """The district named last before ``position``, else the first named after it."""
        starts, slugs = self._hits
        before = bisect_left(starts, position)
        if before:
            return slugs[before - 1]
        return slugs[0] if slugs else None

    def quote_at(self, m: re.Match) -> str:
        """The sentence, white space collapsed; when long, a stretch around the number (cut once per block)."""
        if len(self.text) <= QUOTE_MAX or len(self.quote) <= QUOTE_MAX:
            return self.quote
        start = max(0, (m.start() // QUOTE_CONTEXT - 1) * QUOTE_CONTEXT)
        end = max(start + 3 * QUOTE_CONTEXT, m.end() + QUOTE_CONTEXT)
        if (start, end) not in self._excerpts:
            excerpt = " ".join(self.text[start:end].split())
            self._excerpts[(start, end)] = ("… " if start else "") + excerpt + (" …" if end < len(self.text) else "")
        return self._excerpts[(start, end)]

    def before(self, position: int) -> str:
        """The BEFORE_WINDOW characters before ``position``, white space just before it left out, reversed
        (for the patterns of :func:`_ending`)."""
        end = position
        while end > 0 and self.text[end - 1].isspace():  # the runs before two numbers never overlap: linear
            end -= 1
        return self.text[max(0, end - BEFORE_WINDOW) : end][::-1]

    def value(self, m: re.Match) -> float:
        """The number as written ("1,250" is 1250 in English text, else 1.25)."""
        text = m.group(0)
        return parse_number(text, english=bool(self.english and m.group(2) and len(m.group(2)) == 3 and "," in text))


def _take(pattern: re.Pattern, text: str, pos: int) -> tuple[re.Match | None, int]:
    """The match of ``pattern`` at ``pos`` and where it ends (``pos`` without one)."""
    m = pattern.match(text, pos)
    return (m, m.end()) if m else (None, pos)


def _take_first(table: list, text: str, pos: int) -> tuple:
    """The value paired with the first pattern of ``table`` that matches at ``pos``, and where it ends."""
    for rx, what in table:
        hit, after = _take(rx, text, pos)
        if hit:
            return what, after
    return None, pos


def _km_layers(sent: _Sentence, k: int, after_unit: int) -> tuple[str, ...]:
    """Layers of km figure ``k``: named after the unit up to the next number, else before the figure."""
    numbers, text = sent.numbers, sent.text
    nxt = numbers[k + 1].start() if k + 1 < len(numbers) else len(text)
    layers = layers_in(text[after_unit : max(nxt, after_unit)])
    if not layers:
        previous_end = numbers[k - 1].end() if k else 0
        layers = layers_in(text[previous_end : numbers[k].start()])
    return tuple(lyr for lyr in layers if lyr != "courtyards")


def _kind_before_unit(sent: _Sentence, m: re.Match, value: float, before: str) -> str | None:
    """percent, money or year when the number's neighbours say so at once; else None."""
    text = sent.text
    if _PERCENT.match(text, m.end()):
        return "percent"
    if _MONEY_BEFORE.match(before):
        return "money"
    integer = m.group(2) is None and _FOUR_DIGITS.fullmatch(m.group(0)) is not None
    if integer and YEAR_MIN <= value <= YEAR_MAX and (_YEAR_AFTER.match(text, m.end()) or _YEAR_BEFORE.match(before)):
        return "year"
    return None


def _unit(sent: _Sentence, k: int, pos: int) -> tuple[str, tuple[str, ...], float | None, str | None]:
    """(kind, layers, multiplier, qualifier after the number) from what follows number ``k`` (from ``pos``)."""
    text = sent.text
    if _NOTHING_AFTER.match(text, pos):  # the next number, or the end: nothing below can match
        return "other", (), None, None
    pos = _take(_SUFFIX, text, pos)[1]
    factor, pos = _take_first(_MULTIPLIERS, text, pos)
    after, pos = _take_first(_QUAL_AFTER, text, pos)
    for rx, kind in ((_PERCENT, "percent"), (_AREA, "area"), (_MONEY, "money"), (_PEOPLE, "people")):
        if rx.match(text, pos):
            return kind, (), factor, after
    km, after_unit = _take(_KM, text, pos)
    if km:
        after_km, after_unit = _take_first(_QUAL_AFTER, text, after_unit)  # "500 шақырымнан астам"
        return "km", _km_layers(sent, k, after_unit), factor, after_km or after
    space = _SPACE.match(text, pos)  # always matches (maybe empty)
    word = space.end() if space else pos
    for rx, layer in _COUNT_NOUNS:
        if rx.match(text, word):
            if layer == "lighting" and "lighting" not in sent.layers:
                return "other", (), factor, after
            return "count", (layer,), factor, after
    return "other", (), factor, after


def _classify(sent: _Sentence, k: int) -> Mention:
    m = sent.numbers[k]
    value = sent.value(m)
    before = sent.before(m.start())
    qualifier = next((q for rx, q in _QUAL_BEFORE if rx.match(before)), "exact")
    kind = _kind_before_unit(sent, m, value, before)
    layers: tuple[str, ...] = ()
    if kind is None:
        kind, layers, factor, after = _unit(sent, k, m.end())
        value = value * factor if factor else value
        qualifier = after or qualifier
    district = sent.district(m.start()) if kind in ("km", "count") else None
    return Mention(value, kind, qualifier, layers, district, sent.quote_at(m), m.group(0))


def scan(text: str, catalogue: Catalogue | None = None) -> list[Mention]:
    """Every number in ``text`` with what it counts (km, count, percent, money, ...); districts from ``catalogue``
    (default: the shipped one)."""
    districts = district_patterns(catalogue)
    out: list[Mention] = []
    for piece in sentences(text):
        sent = _Sentence(piece, districts)
        out.extend(_classify(sent, k) for k in range(len(sent.numbers)))
    return out


def year_of(mentions: list[Mention]) -> int | None:
    """The year named most often among ``mentions`` (of :func:`scan`)."""
    years = Counter(int(m.value) for m in mentions if m.kind == "year")
    return years.most_common(1)[0][0] if years else None


def claimed(mentions: list[Mention]) -> list[Mention]:
    """The km and count mentions among ``mentions`` that name a layer, each figure once (first quote kept)."""
    seen, out = set(), []
    for m in mentions:
        if m.kind not in ("km", "count") or not m.layers:
            continue
        key = (m.layers, m.kind, round(m.value, 6), m.qualifier, m.district)
        if key in seen:
            continue
        seen.add(key)
        out.append(m)
    return out


def extract_mentions(text: str, catalogue: Catalogue | None = None) -> list[Mention]:
    """The km and count mentions that name a layer, each figure once (first quote kept)."""
    return claimed(scan(text, catalogue))
