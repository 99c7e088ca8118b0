"""Street and object name search over the works' names, in Kazakh, Russian and Latin spelling.

A name is reduced to *keys*, one per word: Cyrillic (Russian and Kazakh)
transliterated to Latin by the app's one table (:func:`geoworks.names.to_latin`),
Kazakh letters thereby meeting their Russian neighbours, Latin spelling variants
folded (y/j -> i, kh/x -> h, q -> k, w -> u ...), trailing vowels (Russian
case endings: "Абая" / "Абай" / "Abai") dropped, and street-type words
("даңғылы", "проспект", "пр.", "улица", "көшесі", "street" ...) ignored.
A query matches a name when each of its keys equals one of the name's keys,
is a prefix of one (from 3 letters), or is one letter away from one (from 5).

Candidates are grouped by (name, district): the resident picks one, and its
place is the point of those works nearest their middle (EPSG:4326).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from geoworks.names import to_latin

if TYPE_CHECKING:
    from geoworks.near.index import NearIndex

# Latin spelling variants folded, in this order ("shch": Russian щ as sh; "kkh": кх as one h).
_LATIN_FOLDS = (
    ("shch", "sh"),
    ("kkh", "kh"),
    ("kh", "h"),
    ("x", "h"),
    ("q", "k"),
    ("w", "u"),
    ("j", "i"),
    ("y", "i"),
    ("c", "ts"),
    ("ph", "f"),
    ("ee", "i"),
)
STREET_WORDS = (
    "даңғылы",
    "даңғ",
    "көшесі",
    "көше",
    "көш",
    "тұйық",
    "шағын",
    "ықшамауданы",
    "ықшам",
    "аудан",
    "ауданы",
    "проспект",
    "просп",
    "пр",
    "пр-т",
    "улица",
    "ул",
    "переулок",
    "пер",
    "бульвар",
    "б-р",
    "шоссе",
    "площадь",
    "пл",
    "микрорайон",
    "мкр",
    "мкрн",
    "район",
    "сквер",
    "парк",
    "жк",
    "street",
    "st",
    "str",
    "avenue",
    "ave",
    "av",
    "prospekt",
    "prospect",
    "pr-t",
    "ulitsa",
    "ul",
    "koshesi",
    "kosh",
    "dangyly",
    "dangily",
    "lane",
    "boulevard",
    "blvd",
    "microdistrict",
    "mkr",
    "district",
    "park",
    "square",
    "sq",
    "the",
)
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def _fold(word: str) -> str:
    """One word (lower case) to its Latin folded form, before ending removal."""
    word = to_latin(word)
    word = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
    for a, b in _LATIN_FOLDS:
        word = word.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", word)  # doubled letters: "Аккент"/"Akent"


def _stem(folded: str) -> str:
    if folded.isdigit():
        return folded
    for end in ("skaia", "skoi", "skii", "ovoi", "evoi", "oi", "ii"):  # Russian adjective / case endings
        if folded.endswith(end) and len(folded) - len(end) >= 3:
            folded = folded[: -len(end)] + ("sk" if end.startswith("sk") else "")
            break
    stem = folded.rstrip("aeiou")
    return stem if len(stem) >= 2 else folded


@lru_cache(maxsize=1)
def _street_keys() -> frozenset[str]:
    return frozenset(_fold(w) for ws in STREET_WORDS for w in _WORD_RE.findall(ws.lower())) | frozenset(
        _stem(_fold(w)) for ws in STREET_WORDS for w in _WORD_RE.findall(ws.lower())
    )


def name_keys(text: str | None) -> tuple[str, ...]:
    """The comparable keys of a street or object name (see the module doc); () for nothing."""
    if not text:
        return ()
    words = _WORD_RE.findall(unicodedata.normalize("NFKC", str(text)).lower())
    keys = []
    stop = _street_keys()
    for w in words:
        f = _fold(w)
        if not f or f in stop:
            continue
        k = _stem(f)
        if k in stop:
            continue
        keys.append(k)
    return tuple(keys)


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _key_score(q: str, keys: tuple[str, ...]) -> float:
    best = 0.0
    for k in keys:
        if q == k:
            return 1.0
        if q.isdigit() or k.isdigit():
            continue
        if len(q) >= 3 and k.startswith(q):
            best = max(best, 0.8)
        elif len(q) >= 5 and len(k) >= 5 and _one_edit(q, k):
            best = max(best, 0.7)
    return best


def match_score(query_keys: tuple[str, ...], keys: tuple[str, ...]) -> float:
    """0 when some query key matches no key of the name; else 0..1 (1: every key equal, same count)."""
    if not query_keys or not keys:
        return 0.0
    scores = [_key_score(q, keys) for q in query_keys]
    if min(scores) == 0:
        return 0.0
    return sum(scores) / len(scores) - 0.01 * max(0, len(keys) - len(query_keys))


@dataclass(frozen=True)
class Candidate:
    """One named place a query matched: a name in a district, its works and a point (lon/lat)."""

    key: str  # stable: "<name>|<district>"
    name: str
    name_ru: str
    district: str
    works: int
    layers: tuple[str, ...]
    lon: float
    lat: float
    score: float


class StreetIndex:
    """Distinct (name, name_ru, district) groups of the works, searchable by :func:`name_keys`."""

    def __init__(self, table: pd.DataFrame, geoms: np.ndarray | Sequence) -> None:
        """``table`` has columns name, name_ru, district, layer; ``geoms`` lon/lat geometries (EPSG:4326),
        same order."""
        t = pd.DataFrame(
            {
                "name": table["name"].fillna("").astype(str).to_numpy(),
                "name_ru": (table["name_ru"] if "name_ru" in table else pd.Series([""] * len(table)))
                .fillna("")
                .astype(str)
                .to_numpy(),
                "district": table["district"].fillna("").astype(str).to_numpy(),
                "layer": table["layer"].astype(str).to_numpy(),
            }
        )
        t["pos"] = np.arange(len(t))
        t = t[(t["name"] != "") | (t["name_ru"] != "")]
        self.groups = []
        for (name, name_ru, district), g in t.groupby(["name", "name_ru", "district"], sort=True):
            keys = tuple(dict.fromkeys(name_keys(name) + name_keys(name_ru)))
            self.groups.append((name, name_ru, district, keys, g["pos"].to_numpy(), tuple(sorted(set(g["layer"])))))
        self.geoms = np.asarray(geoms, dtype=object)

    @classmethod
    def from_near_index(cls, index: NearIndex) -> StreetIndex:
        """Built from a :class:`geoworks.near.index.NearIndex` (its attribute table and lon/lat geometries)."""
        return cls(index.table, index.lonlat)

    def _place(self, positions: np.ndarray) -> tuple[float, float]:
        """(lon, lat) of the vertex of these works nearest the median of their vertices (EPSG:4326)."""
        geoms = self.geoms[positions]
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        if len(geoms) == 0:
            return float("nan"), float("nan")
        # nearest vertex to the middle of all vertices: a point that lies on one of the works
        coords = shapely.get_coordinates(geoms)
        mid = np.median(coords, axis=0)
        i = int(np.argmin(((coords - mid) ** 2).sum(axis=1)))
        return float(coords[i, 0]), float(coords[i, 1])

    def search(self, query: str, limit: int = 20) -> list[Candidate]:
        """Candidates for ``query``, best first (then by name), places in lon/lat; [] when nothing matches."""
        qk = name_keys(query)
        if not qk:
            return []
        hits = []
        for name, name_ru, district, keys, pos, layers in self.groups:
            s = match_score(qk, keys)
            if s > 0:
                hits.append((s, name, name_ru, district, pos, layers))
        hits.sort(key=lambda h: (-h[0], h[2] or h[1], h[3]))
        out = []
        for s, name, name_ru, district, pos, layers in hits[:limit]:
            lon, lat = self._place(pos)
            out.append(
                Candidate(f"{name}|{district}", name, name_ru, district, len(pos), layers, lon, lat, round(s, 3))
            )
        return out

    def get(self, key: str) -> Candidate | None:
        """The candidate with this stable key ("<name>|<district>"), or None."""
        name, _, district = str(key).rpartition("|")
        for gname, name_ru, gdistrict, _keys, pos, layers in self.groups:
            if gname == name and gdistrict == district:
                lon, lat = self._place(pos)
                return Candidate(key, gname, name_ru, gdistrict, len(pos), layers, lon, lat, 1.0)
        return None


class StreetCache:
    """The street index of the current near index (rebuilt when the near index changes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[int, StreetIndex] | None = None

    def get(self, index: NearIndex) -> StreetIndex:
        """The :class:`StreetIndex` of ``index`` (a :class:`geoworks.near.index.NearIndex`)."""
        with self._lock:
            if self._entry is None or self._entry[0] != id(index):
                self._entry = (id(index), StreetIndex.from_near_index(index))
            return self._entry[1]
