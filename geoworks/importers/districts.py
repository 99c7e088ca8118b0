"""Matching district polygons from a file to the catalogue's districts by any language's name."""

from __future__ import annotations

import re
from collections.abc import Iterable

from geoworks.catalogue import Catalogue
from geoworks.names import to_latin

_KK_FOLD = str.maketrans(
    {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и", "ё": "е", "й": "и"}
)
_DROP = re.compile(r"\b(district|rayon|raion|audany|ауданы|район|р-н|region)\b")


def _norm(name: object) -> str:
    text = str(name or "").split(",")[0].strip().casefold()
    text = _DROP.sub(" ", text)
    return " ".join(text.split())


def _latin_key(text: str) -> str:
    """A loose spelling key: Kazakh letters folded, q->k, j->zh, -ai->-ay."""
    t = text.translate(_KK_FOLD)
    t = t.replace("q", "k").replace("j", "zh").replace("zhh", "zh")
    return re.sub(r"ai\b", "ay", t)


_SUFFIXES = {_latin_key(s) for s in ("ский", "инский", "skiy", "sky")}


def match_district(values: Iterable, catalogue: Catalogue) -> str | None:
    """The slug of the catalogue district named by any of ``values`` (kk, ru or en, loosely spelt), or None."""
    keys: dict[str, set[str]] = {}
    for d in catalogue.districts.values():
        for n in (*d.names.all(), d.slug):
            keys.setdefault(_latin_key(_norm(n)), set()).add(d.slug)
    for value in values:
        if not isinstance(value, str) or not value.strip():
            continue
        key = _latin_key(_norm(value))
        if not key:
            continue
        if key in keys and len(keys[key]) == 1:
            return next(iter(keys[key]))
        if len(key) >= 5:  # "Жетысу" against "Жетысуский": a stem of a Russian adjective name
            hits = {s for k, slugs in keys.items() if k.startswith(key) and k[len(key) :] in _SUFFIXES for s in slugs}
            if len(hits) == 1:
                return hits.pop()
    return None


def slugify(name: str) -> str:
    """A catalogue-style slug (a-z, 0-9, _) from a name in any script."""
    text = to_latin(_norm(name))
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    if not text or not text[0].isalpha():
        text = "d_" + text
    return text[:32]
