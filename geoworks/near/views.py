"""The near-me views as plain data: the page's context, the API's GeoJSON and the Atom feed.

Testable without Flask. Each view takes the near index, the street cache, the catalogue,
the request's arguments (a mapping of name -> value or list of values, as repeated in a
query string), the language and the callables that know the app: ``url(view, external,
**args)`` for the blueprint's URLs and :class:`Words` for translated words. The blueprint
(:mod:`geoworks.web.near`) only parses the request, calls one view and renders.

Coordinates are lon/lat (EPSG:4326); distances are metres on the WGS84 ellipsoid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import pandas as pd

from geoworks.catalogue import STATUSES, Catalogue
from geoworks.maps.base import MapOptions, map_parts
from geoworks.maps.near import near_map
from geoworks.near.feeds import atom_feed, batch_times, near_entries
from geoworks.near.index import (
    DEFAULT_STATUSES,
    RADII_M,
    NearIndex,
    NearInputError,
    NearResult,
    larger_radius,
    parse_query,
)
from geoworks.near.streets import Candidate, StreetCache
from geoworks.near.words import Words, check_name, error_message, map_labels

Args = Mapping[str, "str | Sequence[str]"]
PAGE_LIMIT = 300  # works listed on the page and drawn on its map
PICK_KEYS = ("radius", "layer", "status", "from", "to")  # filters a street candidate's link keeps
DISTANCE_NOTE = "metres on the WGS84 ellipsoid to the nearest point of each work"


class Url(Protocol):
    """Builds the URL of one of the blueprint's views ("page", "atom", "api") with query ``args``."""

    def __call__(self, view: str, external: bool = False, **args: Any) -> str: ...


# --- the request's arguments -------------------------------------------------------------------


def first(args: Args, name: str) -> str | None:
    """The first value of argument ``name``, or None."""
    value = args.get(name)
    if value is None or isinstance(value, str):
        return value
    return value[0] if len(value) else None


def every(args: Args, name: str) -> list[str]:
    """Every value of argument ``name`` ([] when absent)."""
    value = args.get(name)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def query_kwargs(args: Args) -> dict[str, Any]:
    """The arguments of :func:`geoworks.near.index.parse_query` from the request's arguments."""
    return {
        "lat": first(args, "lat"),
        "lon": first(args, "lon"),
        "radius": first(args, "radius"),
        "layers": every(args, "layer"),
        "statuses": every(args, "status") or None,
        "date_from": first(args, "from"),
        "date_to": first(args, "to"),
    }


def resolve(index: NearIndex, streets: StreetCache, args: Args) -> tuple[dict[str, Any], Candidate | None]:
    """parse_query arguments with lat/lon filled from a picked street (``pick=<name>|<district>``,
    used when no lat/lon is given); NearInputError for an unknown pick or a name too long."""
    check_name(first(args, "q"))
    kwargs = query_kwargs(args)
    pick = first(args, "pick")
    check_name(pick, "pick")
    cand = None
    if pick and not (kwargs["lat"] or kwargs["lon"]):
        cand = streets.get(index).get(pick)
        if cand is None:
            raise NearInputError(f"no street or place '{pick}' in the data", "street", value=pick.partition("|")[0])
        kwargs["lat"], kwargs["lon"] = str(cand.lat), str(cand.lon)
    return kwargs, cand


def run_query(
    index: NearIndex, streets: StreetCache, catalogue: Catalogue, args: Args
) -> tuple[NearResult, Candidate | None]:
    """The request's query answered: (result, picked street or None); NearInputError on bad input."""
    kwargs, cand = resolve(index, streets, args)
    return index.query(parse_query(catalogue, **kwargs)), cand


def query_args(result: NearResult, cand: Candidate | None, **extra: Any) -> dict[str, Any]:
    """URL args that repeat a query (a chosen street is repeated as pick=, so a feed follows the street)."""
    q = result.query
    out: dict[str, Any] = {"pick": cand.key} if cand else {"lat": f"{q.lat:.6f}", "lon": f"{q.lon:.6f}"}
    out["radius"] = int(q.radius_m)
    if q.layers:
        out["layer"] = list(q.layers)
    out["status"] = list(q.statuses) if q.statuses else ["all"]
    if q.date_from:
        out["from"] = q.date_from
    if q.date_to:
        out["to"] = q.date_to
    out.update(extra)
    return out


# --- words ---------------------------------------------------------------------------------------
def work_name(w: Mapping[str, Any], lang: str) -> str:
    """A work's name in ``lang``: Kazakh ``name`` for kk, else Russian ``name_ru``; either when one is missing."""
    ru, kk = w.get("name_ru"), w.get("name")
    ru = ru if isinstance(ru, str) and ru else None
    kk = kk if isinstance(kk, str) and kk else None
    return (kk or ru or "") if lang == "kk" else (ru or kk or "")


def _layer_name(catalogue: Catalogue, layer_id: str, lang: str) -> str:
    layer = catalogue.layers.get(layer_id)
    return layer.names.get(lang) if layer else layer_id


# --- the page /near ------------------------------------------------------------------------------


def _form(args: Args, words: Words) -> dict[str, Any]:
    """The page's context before any search: the form's values as given, nothing found yet."""
    return {
        "q": (first(args, "q") or "").strip(),
        "radii": RADII_M,
        "statuses": STATUSES,
        "status_names": words.statuses,
        "default_statuses": DEFAULT_STATUSES,
        "chosen_layers": every(args, "layer"),
        "chosen_statuses": every(args, "status") or list(DEFAULT_STATUSES),
        "radius": first(args, "radius") or "500",
        "date_from": first(args, "from") or "",
        "date_to": first(args, "to") or "",
        "lat": first(args, "lat") or "",
        "lon": first(args, "lon") or "",
        "candidates": None,
        "result": None,
        "error": None,
        "place": None,
        "rows": [],
        "larger": None,
        "feed_url": None,
        "api_url": None,
        "larger_url": None,
        "total": 0,
        "pick_args": {k: every(args, k) for k in args if k in PICK_KEYS},
    }


def _search_text(ctx: dict[str, Any], index: NearIndex, streets: StreetCache, args: Args) -> None:
    """A typed name without a place: several candidates to choose from, or the one place it names."""
    text = ctx["q"]
    check_name(text)
    if not text or ctx["lat"] or ctx["lon"] or first(args, "pick"):
        return
    cands = streets.get(index).search(text)
    if not cands:
        raise NearInputError(f"nothing named '{text}'", "street", value=text)
    if len(cands) > 1:
        ctx["candidates"] = cands
    else:
        ctx["lat"], ctx["lon"] = str(cands[0].lat), str(cands[0].lon)


def _answer(
    ctx: dict[str, Any], index: NearIndex, streets: StreetCache, catalogue: Catalogue, args: Args, lang: str, url: Url
) -> NearResult:
    """Query the chosen place and fill the page's result: rows, links, a larger radius when empty."""
    kwargs, cand = resolve(index, streets, args)
    if cand is None and ctx["q"] and not first(args, "lat"):
        cand = streets.get(index).search(ctx["q"])[0]
    kwargs["lat"], kwargs["lon"] = kwargs["lat"] or ctx["lat"], kwargs["lon"] or ctx["lon"]
    result = index.query(parse_query(catalogue, **kwargs))
    larger = larger_radius(result.query.radius_m) if len(result) == 0 else None
    ctx.update(
        {
            "lat": f"{result.query.lat:.6f}",
            "lon": f"{result.query.lon:.6f}",
            "place": cand,
            "result": result,
            "total": len(result),
            "larger": larger,
            "rows": [
                {
                    "w": w,
                    "name": work_name(w, lang),
                    "uid": f"{w['layer']}:{w['id']}",
                    "layer": catalogue.layers.get(w["layer"]),
                }
                for w in result.records(PAGE_LIMIT)
            ],
            "feed_url": url("atom", **query_args(result, cand)),
            "api_url": url("api", **query_args(result, None)),
            "larger_url": url("page", **query_args(result, cand, radius=larger)) if larger else None,
        }
    )
    return result


def page(
    index: NearIndex,
    streets: StreetCache,
    catalogue: Catalogue,
    args: Args,
    lang: str,
    *,
    words: Words,
    url: Url,
    map_options: MapOptions,
) -> tuple[dict[str, Any], int]:
    """The context of templates/near/page.html and the HTTP status (400 for bad input).

    A place comes as lat/lon, as a picked street (``pick=``) or as a typed name (``q=``)
    naming one place; a name naming several lists them as candidates instead.
    """
    ctx = _form(args, words)
    status, result = 200, None
    try:
        _search_text(ctx, index, streets, args)
        if ctx["candidates"] is None and (ctx["lat"] or ctx["lon"] or first(args, "pick")):
            result = _answer(ctx, index, streets, catalogue, args, lang, url)
    except NearInputError as exc:
        ctx["error"] = error_message(exc, words)
        status = 400
    m = near_map(
        result, catalogue, map_options, labels=map_labels(words), focus=first(args, "focus"), max_works=PAGE_LIMIT
    )
    ctx["map"] = map_parts(m)
    return ctx, status


# --- the API /api/near ---------------------------------------------------------------------------


def _feature(w: Mapping[str, Any], catalogue: Catalogue, lang: str) -> dict[str, Any]:
    """One work as a GeoJSON feature (lon/lat), ``distance_m`` rounded to 0.1 m."""
    props = {k: v for k, v in w.items() if k != "geometry"}
    props["year"] = None if props.get("year") is None else int(props["year"])
    props["distance_m"] = round(float(w["distance_m"]), 1)
    props["layer_name"] = _layer_name(catalogue, w["layer"], lang)
    return {
        "type": "Feature",
        "id": f"{w['layer']}:{w['id']}",
        "properties": props,
        "geometry": None if w["geometry"] is None else w["geometry"].__geo_interface__,
    }


def api(
    index: NearIndex, streets: StreetCache, catalogue: Catalogue, args: Args, lang: str
) -> tuple[dict[str, Any], int]:
    """The GeoJSON FeatureCollection of the works near the place, nearest first, and the HTTP status;
    ``{"error", "code"}`` with 400 for bad input."""
    try:
        result, cand = run_query(index, streets, catalogue, args)
    except NearInputError as exc:
        return {"error": str(exc), "code": exc.code}, 400
    q = result.query
    return {
        "type": "FeatureCollection",
        "query": {
            "lat": q.lat,
            "lon": q.lon,
            "radius_m": q.radius_m,
            "layers": list(q.layers),
            "statuses": list(q.statuses),
            "from": q.date_from,
            "to": q.date_to,
            "street": cand.key if cand else None,
        },
        "numberMatched": len(result),
        "distance": DISTANCE_NOTE,
        "features": [_feature(w, catalogue, lang) for w in result.records()],
    }, 200


# --- the feed /near.atom -------------------------------------------------------------------------


def _describe(catalogue: Catalogue, lang: str, words: Words) -> Callable[[Mapping[str, Any]], tuple[str, str, str]]:
    """A feed entry's (title, summary, category) for a work, in ``lang``."""
    _ = words.gettext

    def describe(w: Mapping[str, Any]) -> tuple[str, str, str]:
        lname = _layer_name(catalogue, w["layer"], lang)
        status = words.statuses.get(w["status"], w["status"])
        title = f"{lname}: {work_name(w, lang)} — {status}"
        summary = _(
            "%(layer)s, %(status)s, %(start)s – %(end)s, contractor: %(contractor)s, %(distance)s m away",
            layer=lname,
            status=status,
            start=w["start_date"] or "?",
            end=w["end_date"] or "?",
            contractor=w["contractor"] or "?",
            distance=f"{w['distance_m']:.0f}",
        )
        return title, summary, str(w["layer"])

    return describe


def _feed_id(result: NearResult, cand: Candidate | None) -> str:
    """The feed's stable id: the place (a street or lon/lat to 5 decimals) and the filters."""
    q = result.query
    area = f"pick={cand.key}" if cand else f"lat={q.lat:.5f},lon={q.lon:.5f}"
    filters = f"radius={int(q.radius_m)};layers={','.join(q.layers) or '*'};status={','.join(q.statuses) or '*'}"
    return f"urn:geoworks:near:{area};{filters}"


def atom(
    index: NearIndex,
    streets: StreetCache,
    catalogue: Catalogue,
    args: Args,
    lang: str,
    *,
    words: Words,
    url: Url,
    self_url: str,
    now: dt.datetime,
    batches: pd.DataFrame,
) -> tuple[bytes | str, int, str]:
    """The Atom feed of the works near the place: (body, HTTP status, mimetype); a plain-text
    error with 400 for bad input. ``now`` (UTC) is the app's clock; ``batches`` the store's
    batches table (when each work was imported)."""
    _ = words.gettext
    try:
        result, cand = run_query(index, streets, catalogue, args)
    except NearInputError as exc:
        return f"error: {error_message(exc, words)}\n", 400, "text/plain"
    q = result.query

    def link(w: Mapping[str, Any]) -> str:
        return url("page", external=True, **query_args(result, cand, focus=f"{w['layer']}:{w['id']}"))

    entries = near_entries(
        result.records(), describe=_describe(catalogue, lang, words), link=link, now=now, imported=batch_times(batches)
    )
    where = (cand.name_ru if lang != "kk" and cand.name_ru else cand.name) if cand else f"{q.lat:.5f}, {q.lon:.5f}"
    body = atom_feed(
        feed_id=_feed_id(result, cand),
        title=_("Works within %(radius)s m of %(place)s", radius=int(q.radius_m), place=where),
        self_url=self_url,
        alternate_url=url("page", external=True, **query_args(result, cand)),
        entries=entries,
        lang=lang,
    )
    return body, 200, "application/atom+xml"
