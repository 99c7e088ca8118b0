"""Filters over the requests (district, topic, status, round, source, received dates, text, links),
parsed from a query string by the app's one parameter parser (:mod:`geoworks.params`).

A filter selects positions of a :class:`RequestsIndex` by array masks; the list order is newest
received first (``sort=oldest`` reverses it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from geoworks.catalogue import Catalogue
from geoworks.params import ParamError, parse_date, parse_district, parse_int, parse_text
from geoworks.residents.index import RequestsIndex
from geoworks.residents.validate import definitions

Args = Mapping[str, "str | Sequence[str]"]
PER_PAGE = 50
MAX_PER_PAGE = 500
SORTS = ("newest", "oldest")
FILTER_KEYS = ("district", "topic", "status", "round", "source", "from", "to", "q", "linked", "sort")


@dataclass(frozen=True)
class RequestFilter:
    """A parsed filter: None / () for 'any'. Dates are YYYY-MM-DD (received)."""

    district: str | None = None
    topic: str | None = None
    statuses: tuple[str, ...] = ()
    round: int | None = None
    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    q: str = ""
    linked: bool | None = None
    sort: str = "newest"
    page: int = 1
    per_page: int = PER_PAGE

    def args(self, **changes: object) -> dict[str, object]:
        """Query-string arguments that give this filter back (with ``changes``), for links."""
        f = replace(self, **changes) if changes else self  # type: ignore[arg-type]
        out: dict[str, object] = {
            "district": f.district,
            "topic": f.topic,
            "status": list(f.statuses) or None,
            "round": f.round,
            "source": f.source,
            "from": f.date_from,
            "to": f.date_to,
            "q": f.q or None,
            "linked": None if f.linked is None else ("yes" if f.linked else "no"),
            "sort": None if f.sort == "newest" else f.sort,
            "page": None if f.page == 1 else f.page,
            "per_page": None if f.per_page == PER_PAGE else f.per_page,
        }
        return {k: v for k, v in out.items() if v is not None}

    def without_paging(self) -> RequestFilter:
        return replace(self, page=1, per_page=PER_PAGE, sort="newest")


def first(args: Args, name: str) -> str | None:
    """The first value of ``name`` as text (None when absent)."""
    value = args.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return str(value[0]) if len(value) else None
    return str(value)


def every(args: Args, name: str) -> list[str]:
    """Every value of ``name``, comma-separated values split, blanks dropped."""
    value = args.get(name)
    values = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
    return [p.strip() for v in values for p in str(v).split(",") if p.strip()]


def _vocabulary(value: str | None, find, known: Sequence[str], parameter: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    found = find(value)
    if found is None:
        raise ParamError(
            parameter,
            f"unknown {parameter} '{str(value)[:40]}'; known: {', '.join(known)}",
            parameter,
            value=str(value)[:40],
        )
    return found


def _linked(value: str | None) -> bool | None:
    text = (value or "").strip().casefold()
    if text in ("", "any", "all"):
        return None
    if text in ("yes", "1", "true", "linked"):
        return True
    if text in ("no", "0", "false", "unlinked"):
        return False
    raise ParamError("linked", f"linked must be yes or no, got '{text[:20]}'", "linked", value=text[:20])


def parse_filter(args: Args, catalogue: Catalogue) -> RequestFilter:
    """A RequestFilter from a query string's arguments; ParamError naming the bad parameter."""
    defs = definitions(catalogue)
    statuses = tuple(
        dict.fromkeys(_vocabulary(s, defs.status_id, list(defs.statuses), "status") or s for s in every(args, "status"))
    )
    d0, d1 = parse_date(first(args, "from"), "from"), parse_date(first(args, "to"), "to")
    if d0 and d1 and d0 > d1:
        raise ParamError("from", f"the date range is empty: from {d0} is after to {d1}", "date_range")
    sort = (first(args, "sort") or "newest").strip()
    if sort not in SORTS:
        raise ParamError("sort", f"sort must be one of {', '.join(SORTS)}", "sort", value=sort[:20])
    return RequestFilter(
        district=parse_district(first(args, "district"), catalogue),
        topic=_vocabulary(first(args, "topic"), defs.topic_id, list(defs.topics), "topic"),
        statuses=statuses,
        round=parse_int(first(args, "round"), "round", None, 1, 1000),
        source=_vocabulary(first(args, "source"), defs.source_id, list(defs.sources), "source"),
        date_from=d0,
        date_to=d1,
        q=parse_text(first(args, "q"), "q", 200),
        linked=_linked(first(args, "linked")),
        sort=sort,
        page=parse_int(first(args, "page"), "page", 1, 1, 1_000_000),
        per_page=parse_int(first(args, "per_page"), "per_page", PER_PAGE, 1, MAX_PER_PAGE),
    )


def mask(index: RequestsIndex, f: RequestFilter) -> np.ndarray:
    """A boolean mask over the index's positions: the requests the filter keeps."""
    m = np.ones(len(index), dtype=bool)
    for value, column in ((f.district, index.district), (f.topic, index.topic), (f.source, index.source)):
        if value is not None:
            m &= column == value
    if f.statuses:
        m &= np.isin(index.status, f.statuses)
    if f.round is not None:
        m &= index.round == f.round
    if f.date_from:
        m &= index.received >= f.date_from
    if f.date_to:
        m &= index.received <= f.date_to
    if f.linked is not None:
        m &= (index.n_links > 0) == f.linked
    if f.q:
        words = f.q.casefold().split()
        idx = np.flatnonzero(m)
        texts = index.folded_text[idx]
        keep = np.array([all(w in t for w in words) for t in texts], dtype=bool)
        m = np.zeros(len(index), dtype=bool)
        m[idx[keep]] = True
    return m


def select(index: RequestsIndex, f: RequestFilter) -> np.ndarray:
    """Positions of the requests the filter keeps, in list order (newest received first, or oldest)."""
    pos = np.flatnonzero(mask(index, f))
    return pos[::-1] if f.sort == "oldest" else pos


@dataclass(frozen=True)
class Page:
    """One page of a selection: its positions, how many matched, the page number and the page count."""

    positions: np.ndarray
    total: int
    page: int
    pages: int


def page_of(positions: np.ndarray, f: RequestFilter) -> Page:
    """The filter's page of ``positions`` (the last page when the number is past the end)."""
    total = len(positions)
    pages = max(1, -(-total // f.per_page))
    page = min(f.page, pages)
    start = (page - 1) * f.per_page
    return Page(positions[start : start + f.per_page], total, page, pages)
