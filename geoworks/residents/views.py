"""The requests pages as plain data for their templates, built without Flask: the triage list, the
summary, one request's page and the form to file one.

Each view takes the index, the catalogue, the request's arguments, the language and the callables
that know the app (``url(view, **args)`` for the blueprint's URLs, :class:`Words` for messages).
Texts residents wrote stay plain text here; the templates escape them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from geoworks.catalogue import Catalogue
from geoworks.near.index import NearIndex
from geoworks.params import ParamError
from geoworks.residents.index import RequestsIndex
from geoworks.residents.mapdata import excerpt
from geoworks.residents.query import FILTER_KEYS, RequestFilter, mask, page_of, parse_filter, select
from geoworks.residents.suggest import WorkLookup, suggest
from geoworks.residents.summary import SHARES, district_rows, rounds, summary
from geoworks.residents.words import Words, colours, names, param_error

Args = Mapping[str, "str | Sequence[str]"]
Url = Callable[..., str]


def _filter(args: Args, catalogue: Catalogue, words: Words, fallback) -> tuple[RequestFilter, str | None]:
    try:
        return parse_filter(args, catalogue), None
    except ParamError as exc:
        return RequestFilter(), param_error(exc, words, fallback)


def list_row(index: RequestsIndex, pos: int, n: dict[str, dict[str, str]], colour: dict[str, str], url: Url) -> dict:
    """One request as a row of the triage list (plain text; the template escapes it)."""
    status, rid = str(index.status[pos]), str(index.ids[pos])
    rnd = int(index.round[pos])
    return {
        "id": rid,
        "url": url("request_page", request_id=rid),
        "received": index.received[pos],
        "district": n["districts"].get(str(index.district[pos]), str(index.district[pos])),
        "topic": n["topics"].get(str(index.topic[pos]), str(index.topic[pos])),
        "status": status,
        "status_name": n["statuses"].get(status, status),
        "status_date": index.status_date[pos],
        "colour": colour.get(status, "#555555"),
        "text": excerpt(index.text[pos]),
        "place": index.place[pos],
        "source": n["sources"].get(str(index.source[pos]), str(index.source[pos])),
        "round": rnd if rnd >= 0 else None,
        "links": int(index.n_links[pos]),
        "on_spot": bool(index.on_spot[pos]),
    }


def status_counts(index: RequestsIndex, f: RequestFilter, statuses: Sequence[str]) -> dict[str, int]:
    """Requests per status under the filter's other conditions (the quick links above the list)."""
    pos = np.flatnonzero(mask(index, replace(f, statuses=())))
    got: dict[str, int] = {}
    if len(pos):
        found, counts = np.unique(index.status[pos].astype(str), return_counts=True)
        got = {str(k): int(c) for k, c in zip(found, counts)}
    return {s: int(got.get(s, 0)) for s in statuses}


def list_view(
    index: RequestsIndex, catalogue: Catalogue, args: Args, lang: str, *, words: Words, url: Url, fallback=None
) -> tuple[dict[str, Any], int]:
    """The triage list's context: the filter, one page of rows, counts per status, and links; 400 for a bad filter."""
    f, error = _filter(args, catalogue, words, fallback)
    n, colour = names(catalogue, lang), colours(catalogue)
    positions = select(index, f)
    page = page_of(positions, f)
    statuses = list(n["statuses"])
    return {
        "filter": f,
        "filter_args": f.args(page=1),
        "map_filters": {k: v for k, v in f.args().items() if k in FILTER_KEYS and k != "sort"},
        "error": error,
        "rows": [list_row(index, int(p), n, colour, url) for p in page.positions],
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "counts": status_counts(index, f, statuses),
        "names": n,
        "colours": colour,
        "rounds": rounds(index),
        "all": len(index),
    }, (400 if error else 200)


def chart(data: dict[str, Any], catalogue: Catalogue, lang: str) -> list[dict[str, Any]]:
    """Bars per district: the requests per status as shares of the largest district's total (percent)."""
    colour, n = colours(catalogue), names(catalogue, lang)
    top = max((d["total"] for d in data["by_district"].values()), default=0) or 1
    return [
        {
            "district": slug,
            "name": n["districts"].get(slug, slug),
            "total": d["total"],
            "bars": [
                {
                    "status": s,
                    "name": n["statuses"].get(s, s),
                    "count": k,
                    "pct": round(100 * k / top, 2),
                    "colour": colour.get(s),
                }
                for s, k in d["by_status"].items()
                if k
            ],
        }
        for slug, d in data["by_district"].items()
    ]


def summary_view(
    index: RequestsIndex, catalogue: Catalogue, args: Args, lang: str, *, words: Words, fallback=None
) -> tuple[dict[str, Any], int]:
    """The summary page's context: the figures, the district table and the chart; 400 for a bad filter."""
    f, error = _filter(args, catalogue, words, fallback)
    data = summary(index, catalogue, f)
    return {
        "filter": f,
        "filter_args": {k: v for k, v in f.args().items() if k not in ("page", "per_page", "sort")},
        "error": error,
        "data": data,
        "rows": district_rows(data, catalogue, lang),
        "chart": chart(data, catalogue, lang),
        "shares": SHARES,
        "names": names(catalogue, lang),
        "colours": colours(catalogue),
        "rounds": rounds(index),
    }, (400 if error else 200)


def _work(lookup: WorkLookup, layer: str, work_id: str, catalogue: Catalogue, lang: str) -> dict[str, Any]:
    w = lookup.get(layer, work_id)
    lyr = catalogue.layers.get(layer)
    out = {"layer": layer, "id": work_id, "layer_name": lyr.names.get(lang) if lyr else layer, "found": w is not None}
    out["colour"] = lyr.colour if lyr else "#555555"
    if w is not None:
        name = w.get("name_ru") if lang != "kk" and w.get("name_ru") else w.get("name")
        out.update(
            {k: w.get(k) for k in ("status", "start_date", "end_date", "contractor", "geometry")}, name=name or ""
        )
        out["label"] = f"{out['layer_name']}: {name or work_id}"
    return out


def _history(index: RequestsIndex, pos: int, lookup: WorkLookup, catalogue: Catalogue, lang: str) -> list[dict]:
    n, colour = names(catalogue, lang), colours(catalogue)
    rows = []
    for ev in index.history(pos):
        row = dict(ev)
        if ev["kind"] == "status":
            row["status_name"] = n["statuses"].get(str(ev["status"]), str(ev["status"]))
            row["colour"] = colour.get(str(ev["status"]), "#555555")
        if ev["kind"] in ("link", "unlink"):
            row["work"] = _work(lookup, str(ev["layer"]), str(ev["work_id"]), catalogue, lang)
        rows.append(row)
    return rows


def request_view(
    index: RequestsIndex,
    pos: int,
    catalogue: Catalogue,
    lang: str,
    *,
    lookup: WorkLookup,
    today: dt.date,
    near: NearIndex | None = None,
    radius_m: float = 300.0,
    all_statuses: bool = False,
) -> dict[str, Any]:
    """One request's page: what was asked, its status and history, the works linked to it with their dates;
    with ``near`` (officials), the works suggested to answer it (``all_statuses``: completed ones too)."""
    rec = index.record(pos)
    n, colour = names(catalogue, lang), colours(catalogue)
    works = [_work(lookup, layer, wid, catalogue, lang) for layer, wid in rec["links"]]
    ctx: dict[str, Any] = {
        "r": rec,
        "names": n,
        "colours": colour,
        "status_name": n["statuses"].get(rec["status"], rec["status"]),
        "colour": colour.get(rec["status"], "#555555"),
        "history": _history(index, pos, lookup, catalogue, lang),
        "works": works,
        "suggestions": None,
        "radius_m": radius_m,
        "all_statuses": all_statuses,
        "today": today.isoformat(),
    }
    if near is not None:
        statuses = () if all_statuses else ("planned", "in_progress")
        found = suggest(near, index, pos, catalogue, radius_m, statuses)
        ctx["suggestions"] = [
            {
                **_work(lookup, str(w["layer"]), str(w["id"]), catalogue, lang),
                "distance_m": round(float(w["distance_m"])),
            }
            for w in found
        ]
    return ctx


def form_context(catalogue: Catalogue, values: Mapping[str, Any], lang: str, today: dt.date) -> dict[str, Any]:
    """The filing form's context: the values given so far, the chosen point (lon, lat) if any, the names of
    topics, sources and districts in ``lang``."""
    point = None
    with contextlib.suppress(TypeError, ValueError):
        point = (float(values.get("lon") or ""), float(values.get("lat") or ""))
    return {
        "values": {k: ("" if v is None else v) for k, v in values.items()},
        "point": point,
        "names": names(catalogue, lang),
        "today": today.isoformat(),
        "errors": [],
        "candidates": None,
    }
