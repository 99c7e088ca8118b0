"""Names in any script: one Cyrillic (Russian and Kazakh) to Latin table, and one way to guess
which column of a file holds a name.

Used by street search (near), district matching and slugs (importers) and ad-hoc
measuring; each caller applies its own folding on top of :func:`to_latin`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Russian and Kazakh Cyrillic letters (lower case) in Latin, close to the BGN/PCGN romanisation.
CYRILLIC_LATIN: dict[str, str] = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "a",
            "g",
            "k",
            "n",
            "o",
            "u",
            "u",
            "h",
            "i",
        ],
    )
)

# Columns that hold a feature's or a district's name, most specific first (matched ignoring case,
# spaces, dots, colons, dashes and underscores).
NAME_COLUMNS: tuple[str, ...] = (
    "name",
    "title",
    "street",
    "street_name",
    "object",
    "name_ru",
    "name:ru",
    "name_kk",
    "name:kk",
    "name_en",
    "name:en",
    "district",
    "slug",
    "name_1",
    "наименование",
    "название",
    "имя",
    "улица",
    "объект",
    "район",
    "атауы",
    "аты",
    "көше",
    "нысан",
    "аудан",
)


def to_latin(text: str) -> str:
    """``text`` (lower case) with every Cyrillic letter written in Latin; other characters kept."""
    return "".join(CYRILLIC_LATIN.get(ch, ch) for ch in text)


def column_key(name) -> str:
    """A column name reduced for comparison: lower case, runs of space . : - _ as one _."""
    return re.sub(r"[\s\-_.:]+", "_", str(name).strip().casefold())


def guess_column(columns: Iterable, guesses: Iterable[str], exclude: Iterable = ()) -> str | None:
    """The first column of ``columns`` matching one of ``guesses`` in their order (see :func:`column_key`)."""
    skip = set(exclude)
    by_key: dict[str, object] = {}
    for col in columns:
        if col not in skip:
            by_key.setdefault(column_key(col), col)
    for guess in guesses:
        col = by_key.get(column_key(guess))
        if col is not None:
            return str(col)
    return None


def guess_name_field(columns: Iterable) -> str | None:
    """The column of ``columns`` most likely to hold a name (see NAME_COLUMNS), or None."""
    return guess_column(columns, NAME_COLUMNS)
