"""Finding reported figures (claims) in report text, in Kazakh, Russian and English.

Every number in the text is classified by what follows (and precedes) it:
``km`` (шақырым, км, km, километр), ``count`` of streets lit or courtyards,
``percent``, ``money`` (теңге, тенге, млрд ... ), ``people``, ``area``
(шаршы метр, кв. м, square metres), ``year`` ("2019 жылы", "в 2019 году")
or ``other``. Only km and count figures that name a layer become claims.
Numbers are read as "2,1", "1 250", "2,1 млн", "47 мыңнан"; the qualifier
comes from астам/более/свыше/over (more_than), жуық/около/about
(about) and дейін/до/up to (up_to).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

W = r"[0-9A-Za-zА-Яа-яЁёӘәІіҢңҒғҮүҰұҚқӨөҺһ]"  # a word character (no underscore)
_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+)(?:[.,](\d+)(?![.,]?\d))?")
_SENTENCE = re.compile(r"\s*\n\s*(?![a-zа-яёәіңғүұқөһ])|(?<=[.!?;])\s*(?=[A-ZА-ЯЁӘІҢҒҮҰҚӨҺ«\"])")
_CYRILLIC = re.compile(r"[А-Яа-яЁёӘәІіҢңҒғҮүҰұҚқӨөҺһ]")


def _rx(*alternatives: str) -> re.Pattern:
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


# what may follow a number, in order
_SUFFIX = re.compile(r"^-?(?:" + W + r"{1,6})(?!" + W + ")")  # Kazakh case ending: 320-дан, 880-ге
_PERCENT = re.compile(r"^\s*(?:%|пайыз|процент|percent|per\s+cent)", re.IGNORECASE)
_MULTIPLIERS = [(re.compile(r"^\s*(?:мың|тыс\.?|тысяч|thousand)" + W + "*\\.?", re.IGNORECASE), 1e3),
                (re.compile(r"^\s*(?:млн|миллион|million|mln)" + W + "*\\.?", re.IGNORECASE), 1e6),
                (re.compile(r"^\s*(?:млрд|миллиард|billion|bn)" + W + "*\\.?", re.IGNORECASE), 1e9)]
_QUAL_AFTER = [(re.compile(r"^\s*(?:астам|асатын|аса)" + W + "*", re.IGNORECASE), "more_than"),
               (re.compile(r"^\s*(?:жуық|шамасында)" + W + "*", re.IGNORECASE), "about"),
               (re.compile(r"^\s*дейін" + W + "*", re.IGNORECASE), "up_to")]
_QUAL_BEFORE = [
    (re.compile(r"(?:more\s+than|over|above|at\s+least|in\s+excess\s+of|более\s+чем|более|свыше|больше|"
                r"не\s+менее|шамамен\s+астам)\s*$", re.IGNORECASE), "more_than"),
    (re.compile(r"(?:about|around|approximately|approx\.|nearly|almost|some|около|порядка|примерно|почти|"
                r"приблизительно|шамамен|шамасы|~)\s*$", re.IGNORECASE), "about"),
    (re.compile(r"(?:up\s+to|до)\s*$", re.IGNORECASE), "up_to"),
]
_AREA = re.compile(r"^\s*(?:шаршы|кв\.|кв\b|квадрат|square|sq\.?|м2|м²|m2|m²|км2|км²|km2|km²|га\b|гектар|hectare|ha\b)",
                   re.IGNORECASE)
_KM = re.compile(r"^\s*(?:км|шақырым|километр|km|kilomet(?:re|er))(" + W + r"*)\.?(?![²2])", re.IGNORECASE)
_MONEY = re.compile(r"^\s*(?:теңге|тенге|тг\b|₸|kzt|tenge|доллар|долл|usd|\$|рубл|евро|eur|€)", re.IGNORECASE)
_MONEY_BEFORE = re.compile(r"(?:\$|€|₸|usd|kzt)\s*$", re.IGNORECASE)
_PEOPLE = re.compile(r"^\s*(?:адам|тұрғын|кісі|азамат|алматылық|человек|жител|граждан|people|residents|persons|citizens)",
                     re.IGNORECASE)
_YEAR_AFTER = re.compile(r"^\s*(?:-?\s*ж\.|жыл|год|г\.|year)", re.IGNORECASE)
_YEAR_BEFORE = re.compile(r"(?:\bin|\bв|\bво|\bsince|\bс|\bпо|\bby|\bof)\s*$", re.IGNORECASE)

# layer vocabulary (lower-case stems; matched at a word start)
LAYER_WORDS: dict[str, re.Pattern] = {
    "lighting": _rx(r"жарық", r"освещ", r"светильн", r"фонар", r"lighting", r"lit\b", r"lamp", r"streetlight"),
    "irrigation": _rx(r"арық", r"арық", r"суару", r"арык", r"арыч", r"ирригац", r"оросит", r"aryk", r"irrigation",
                      r"ditch"),
    "sewer": _rx(r"кәріз", r"канализ", r"sewer", r"sewage", r"wastewater"),
    "water": _rx(r"су(?!" + W + ")", r"сумен", r"сужабд", r"водопровод", r"водовод", r"водоснабж", r"water"),
    "power": _rx(r"электр", r"энергоснабж", r"лэп", r"power", r"electric"),
    "heating": _rx(r"жылу", r"тепло", r"теплосет", r"heating", r"heat\b"),
    "gas": _rx(r"газ(?!ет)", r"gas\b", r"gas(?:line|pipe)"),
    "roads": _rx(r"жол(?!ы\b)", r"дорог", r"автодорог", r"road", r"көше", r"улиц", r"street", r"highway"),
}
# nouns that make a count claim: (pattern, layer); streets count only when lighting is named
_COUNT_NOUNS = [(_rx(r"аула", r"двор", r"courtyard", r"yard"), "courtyards"),
                (_rx(r"көше", r"улиц", r"street"), "lighting")]
_DISTRICT_STEMS = {
    "alatau": ["алатау", "alatau"], "almaly": ["алмалы", "алмалин", "almaly"],
    "auezov": ["әуезов", "ауэзов", "auezov"], "bostandyk": ["бостандық", "бостандык", "bostandyk"],
    "zhetysu": ["жетісу", "жетысу", "zhetysu"], "medeu": ["медеу", "medeu"],
    "nauryzbay": ["наурызбай", "nauryzbay", "nauryzbai"], "turksib": ["түрксіб", "турксиб", "turksib"],
}
_DISTRICTS = {slug: re.compile(r"(?<![\w])(?:" + "|".join(stems) + r")" + W + r"*\s+(?:аудан|район|district)",
                               re.IGNORECASE) for slug, stems in _DISTRICT_STEMS.items()}


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
    return (m, rest[m.end():]) if m else (None, rest)


def layers_in(segment: str) -> tuple[str, ...]:
    """Layer ids named in a piece of text (lighting wins over the street words of roads)."""
    found = [lid for lid, rx in LAYER_WORDS.items() if rx.search(segment)]
    if "lighting" in found:
        return ("lighting",)
    if "irrigation" in found:
        found = [f for f in found if f != "water"]
    return tuple(found)


def district_in(sentence: str, position: int) -> str | None:
    """The district named in the sentence: the last one before ``position``, else the first after."""
    hits = sorted((m.start(), slug) for slug, rx in _DISTRICTS.items() for m in rx.finditer(sentence))
    before = [slug for pos, slug in hits if pos < position]
    if before:
        return before[-1]
    return hits[0][1] if hits else None


def _classify(sentence: str, m: re.Match, nxt: int) -> Mention:
    english = not _CYRILLIC.search(sentence)
    text = m.group(0)
    if english and m.group(2) and len(m.group(2)) == 3 and "," in text:
        value = parse_number(text, english=True)
    else:
        value = parse_number(text)
    before, rest = sentence[:m.start()], sentence[m.end():]
    qualifier = next((q for rx, q in _QUAL_BEFORE if rx.search(before)), "exact")
    quote = " ".join(sentence.split())

    def mention(kind: str, layers: tuple[str, ...] = ()) -> Mention:
        district = district_in(sentence, m.start()) if kind in ("km", "count") else None
        return Mention(value, kind, qualifier, layers, district, quote, text)

    if _PERCENT.match(rest):
        return mention("percent")
    if _MONEY_BEFORE.search(before):
        return mention("money")
    integer = m.group(2) is None and re.fullmatch(r"\d{4}", text) is not None
    if integer and 1900 <= value <= 2100 and (_YEAR_AFTER.match(rest) or _YEAR_BEFORE.search(before)):
        return mention("year")
    _, rest = _take(_SUFFIX, rest)
    for rx, factor in _MULTIPLIERS:
        hit, rest2 = _take(rx, rest)
        if hit:
            value, rest = value * factor, rest2
            break
    for rx, q in _QUAL_AFTER:
        hit, rest2 = _take(rx, rest)
        if hit:
            qualifier, rest = q, rest2
            break
    if _PERCENT.match(rest):
        return mention("percent")
    if _AREA.match(rest):
        return mention("area")
    if _MONEY.match(rest):
        return mention("money")
    if _PEOPLE.match(rest):
        return mention("people")
    km, after_unit = _take(_KM, rest)
    if km:
        for rx, q in _QUAL_AFTER:  # "500 шақырымнан астам"
            hit, after2 = _take(rx, after_unit)
            if hit:
                qualifier, after_unit = q, after2
                break
        start = len(sentence) - len(after_unit)
        segment = sentence[start:max(nxt, start)]
        layers = layers_in(segment)
        if not layers:
            start = _previous_number_end(sentence, m.start())
            layers = layers_in(sentence[start:m.start()])
        layers = tuple(lyr for lyr in layers if lyr != "courtyards")
        return mention("km", layers)
    for rx, layer in _COUNT_NOUNS:
        if rx.match(rest.lstrip()):
            if layer == "lighting" and "lighting" not in layers_in(sentence):
                return mention("other")
            return mention("count", (layer,))
    return mention("other")


def _previous_number_end(sentence: str, position: int) -> int:
    ends = [m.end() for m in _NUM.finditer(sentence) if m.end() <= position]
    return ends[-1] if ends else 0


def scan(text: str) -> list[Mention]:
    """Every number in ``text`` with what it counts (km, count, percent, money, ...)."""
    out = []
    for sentence in sentences(text):
        matches = list(_NUM.finditer(sentence))
        for k, m in enumerate(matches):
            nxt = matches[k + 1].start() if k + 1 < len(matches) else len(sentence)
            out.append(_classify(sentence, m, nxt))
    return out


def detect_year(text: str) -> int | None:
    """The year a report speaks of: the year most often named ("2019 жылы", "в 2019 году", "in 2019")."""
    years = Counter(int(m.value) for m in scan(text) if m.kind == "year")
    return years.most_common(1)[0][0] if years else None


def extract_mentions(text: str) -> list[Mention]:
    """The km and count mentions that name a layer, each figure once (first quote kept)."""
    seen, out = set(), []
    for m in scan(text):
        if m.kind not in ("km", "count") or not m.layers:
            continue
        key = (m.layers, m.kind, round(m.value, 6), m.qualifier, m.district)
        if key in seen:
            continue
        seen.add(key)
        out.append(m)
    return out
