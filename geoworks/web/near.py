"""Residents: works near a place. Page /near, feed /near.atom, API /api/near.

The place comes as lat/lon (map click, geolocation, typed coordinates) or as a
chosen street candidate (``pick=<name>|<district>``); ``q`` searches names.
"""
from __future__ import annotations

import threading

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from geoworks import clock
from geoworks.catalogue import STATUSES
from geoworks.config import flag
from geoworks.near.feeds import atom_feed, batch_times, near_entries
from geoworks.web.i18n import current_language, work_status_labels
from geoworks.maps.base import map_parts
from geoworks.maps.near import near_map
from geoworks.near.index import (
    DEFAULT_STATUSES,
    MAX_RADIUS_M,
    MIN_RADIUS_M,
    RADII_M,
    NearIndex,
    NearInputError,
    NearResult,
    larger_radius,
    parse_query,
)
from geoworks.near.streets import Candidate, StreetIndex
from geoworks.web.services import KEY, map_options, services

bp = Blueprint("near", __name__)
PAGE_LIMIT = 300


@bp.record_once
def _warm_up(state) -> None:
    """Build the near index in the background at start (GEOWORKS_WARM_CACHE, on unless TESTING);
    a request arriving meanwhile waits for it inside NearCache."""
    app = state.app
    if not flag(app.config, "GEOWORKS_WARM_CACHE", not app.config.get("TESTING")):
        return

    def warm() -> None:
        with app.app_context():
            try:
                if not services().store.is_empty():
                    _index()
            except Exception:  # the first request shows the error instead
                app.logger.exception("building the near index failed")

    thread = threading.Thread(target=warm, name="geoworks-warm-near", daemon=True)
    app.extensions[KEY].warming["near"] = thread
    thread.start()


def _index() -> NearIndex:
    svc = services()
    return svc.near.get(svc.store, svc.catalogue)


def _streets(index: NearIndex) -> StreetIndex:
    return services().streets.get(index)


def _message(exc: NearInputError) -> str:
    """The problem in the resident's language."""
    p = exc.params
    return {
        "missing": _("Choose a place: click on the map, use your location, type coordinates or a street."),
        "number": _("Coordinates must be numbers, e.g. 43.2383 and 76.9453."),
        "earth": _("These coordinates are not a place on Earth."),
        "outside": _("These coordinates are far outside the city. Did you swap latitude and longitude?"),
        "radius": _("The radius must be between %(lo)s and %(hi)s metres.", lo=MIN_RADIUS_M, hi=MAX_RADIUS_M),
        "layer": _("Unknown layer: %(value)s.", value=p.get("value", "")),
        "status": _("Unknown status: %(value)s.", value=p.get("value", "")),
        "date": _("Dates must be given as YYYY-MM-DD, got %(value)s.", value=p.get("value", "")),
        "range": _("The date range is empty: the start is after the end."),
        "street": _("No street or place with this name in the data: %(value)s.", value=p.get("value", "")),
    }.get(exc.code, str(exc))


def _args() -> dict:
    a = request.args
    statuses = a.getlist("status") or None
    return {"lat": a.get("lat"), "lon": a.get("lon"), "radius": a.get("radius"),
            "layers": a.getlist("layer"), "statuses": statuses,
            "date_from": a.get("from"), "date_to": a.get("to")}


def _resolve(index: NearIndex) -> tuple[dict, Candidate | None]:
    """Request args with lat/lon filled from a picked street; NearInputError for an unknown pick."""
    args = _args()
    pick = request.args.get("pick")
    cand = None
    if pick and not (args["lat"] or args["lon"]):
        cand = _streets(index).get(pick)
        if cand is None:
            raise NearInputError(f"no street or place '{pick}' in the data", "street", value=pick.partition("|")[0])
        args["lat"], args["lon"] = str(cand.lat), str(cand.lon)
    return args, cand


def _query_args(result: NearResult, cand: Candidate | None, **extra) -> dict:
    """URL args that repeat a query (a chosen street is repeated as pick=, so a feed follows the street)."""
    q = result.query
    out: dict = {"pick": cand.key} if cand else {"lat": f"{q.lat:.6f}", "lon": f"{q.lon:.6f}"}
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


def _work_name(w, lang: str) -> str:
    ru, kk = w.get("name_ru"), w.get("name")
    ru = ru if isinstance(ru, str) and ru else None
    kk = kk if isinstance(kk, str) and kk else None
    return (kk or ru or "") if lang == "kk" else (ru or kk or "")


def _map_labels() -> dict[str, str]:
    labels = {f"status_{k}": v for k, v in work_status_labels().items()}
    labels.update({"Name": _("Name"), "Layer": _("Layer"), "Status": _("Status"), "Dates": _("Dates"),
                   "Contractor": _("Contractor"), "Distance": _("Distance"), "radius": _("Radius"),
                   "here": _("The chosen place")})
    return labels


def _map(result: NearResult | None, focus: str | None = None) -> dict[str, str]:
    svc = services()
    m = near_map(result, svc.catalogue, map_options(), labels=_map_labels(), focus=focus, max_works=PAGE_LIMIT)
    return map_parts(m)


@bp.get("/near")
def page():
    svc = services()
    index = _index()
    text = (request.args.get("q") or "").strip()
    ctx = {"q": text, "radii": RADII_M, "statuses": STATUSES, "status_names": work_status_labels(),
           "default_statuses": DEFAULT_STATUSES, "chosen_layers": request.args.getlist("layer"),
           "chosen_statuses": request.args.getlist("status") or list(DEFAULT_STATUSES),
           "radius": request.args.get("radius") or "500", "date_from": request.args.get("from") or "",
           "date_to": request.args.get("to") or "", "lat": request.args.get("lat") or "",
           "lon": request.args.get("lon") or "", "candidates": None, "result": None, "error": None,
           "place": None, "rows": [], "larger": None, "feed_url": None, "api_url": None, "total": 0,
           "pick_args": {k: v for k, v in request.args.lists() if k in ("radius", "layer", "status", "from", "to")}}
    status = 200
    result = None
    try:
        if text and not (ctx["lat"] or ctx["lon"] or request.args.get("pick")):
            cands = _streets(index).search(text)
            if not cands:
                raise NearInputError(f"nothing named '{text}'", "street", value=text)
            if len(cands) > 1:
                ctx["candidates"] = cands
            else:
                ctx["lat"], ctx["lon"] = str(cands[0].lat), str(cands[0].lon)
        if ctx["candidates"] is None and (ctx["lat"] or ctx["lon"] or request.args.get("pick")):
            args, cand = _resolve(index)
            if cand is None and text and not request.args.get("lat"):
                cand = _streets(index).search(text)[0]
            args["lat"], args["lon"] = args["lat"] or ctx["lat"], args["lon"] or ctx["lon"]
            result = index.query(parse_query(svc.catalogue, **args))
            ctx["lat"], ctx["lon"] = f"{result.query.lat:.6f}", f"{result.query.lon:.6f}"
            ctx["place"] = cand
            ctx["result"] = result
            ctx["total"] = len(result)
            lang = current_language()
            ctx["rows"] = [{"w": w, "name": _work_name(w, lang), "uid": f"{w['layer']}:{w['id']}",
                            "layer": svc.catalogue.layers.get(w["layer"])}
                           for w in result.records(PAGE_LIMIT)]
            ctx["larger"] = larger_radius(result.query.radius_m) if len(result) == 0 else None
            ctx["feed_url"] = url_for("near.atom", **_query_args(result, cand))
            ctx["api_url"] = url_for("near.api", **_query_args(result, None))
            ctx["larger_url"] = url_for("near.page", **_query_args(result, cand, radius=ctx["larger"])) if ctx["larger"] else None
    except NearInputError as exc:
        ctx["error"] = _message(exc)
        status = 400
    ctx["map"] = _map(result, request.args.get("focus"))
    return render_template("near.html", **ctx), status


def _feature(w: dict, catalogue) -> dict:
    layer = catalogue.layers.get(w["layer"])
    props = {k: v for k, v in w.items() if k != "geometry"}
    props["year"] = None if props.get("year") is None else int(props["year"])
    props["distance_m"] = round(float(w["distance_m"]), 1)
    props["layer_name"] = layer.names.get(current_language()) if layer else w["layer"]
    return {"type": "Feature", "id": f"{w['layer']}:{w['id']}", "properties": props,
            "geometry": None if w["geometry"] is None else w["geometry"].__geo_interface__}


def _run_query():
    """The request's query answered: (result, street candidate or None); NearInputError on bad input."""
    index = _index()
    args, cand = _resolve(index)
    return index.query(parse_query(services().catalogue, **args)), cand


@bp.get("/api/near")
def api():
    svc = services()
    try:
        result, cand = _run_query()
    except NearInputError as exc:
        return jsonify({"error": str(exc), "code": exc.code}), 400
    q = result.query
    body = {"type": "FeatureCollection",
            "query": {"lat": q.lat, "lon": q.lon, "radius_m": q.radius_m, "layers": list(q.layers),
                      "statuses": list(q.statuses), "from": q.date_from, "to": q.date_to,
                      "street": cand.key if cand else None},
            "numberMatched": len(result), "distance": "metres on the WGS84 ellipsoid to the nearest point of each work",
            "features": [_feature(w, svc.catalogue) for w in result.records()]}
    return jsonify(body)


@bp.get("/near.atom")
def atom():
    svc = services()
    try:
        result, cand = _run_query()
    except NearInputError as exc:
        return Response(f"error: {_message(exc)}\n", status=400, mimetype="text/plain")
    lang = current_language()
    statuses = work_status_labels()
    q = result.query

    def describe(w):
        layer = svc.catalogue.layers.get(w["layer"])
        lname = layer.names.get(lang) if layer else w["layer"]
        title = f"{lname}: {_work_name(w, lang)} — {statuses.get(w['status'], w['status'])}"
        summary = _("%(layer)s, %(status)s, %(start)s – %(end)s, contractor: %(contractor)s, %(distance)s m away",
                    layer=lname, status=statuses.get(w["status"], w["status"]), start=w["start_date"] or "?",
                    end=w["end_date"] or "?", contractor=w["contractor"] or "?", distance=f"{w['distance_m']:.0f}")
        return title, summary, str(w["layer"])

    def link(w):
        return url_for("near.page", _external=True, **_query_args(result, cand, focus=f"{w['layer']}:{w['id']}"))

    entries = near_entries(result.records(), describe=describe, link=link, now=clock.now(current_app.config),
                           imported=batch_times(svc.store.read_table("batches")))
    where = (cand.name_ru if lang != "kk" and cand.name_ru else cand.name) if cand else f"{q.lat:.5f}, {q.lon:.5f}"
    area = f"pick={cand.key}" if cand else f"lat={q.lat:.5f},lon={q.lon:.5f}"
    filters = f"radius={int(q.radius_m)};layers={','.join(q.layers) or '*'};status={','.join(q.statuses) or '*'}"
    body = atom_feed(feed_id=f"urn:geoworks:near:{area};{filters}",
                     title=_("Works within %(radius)s m of %(place)s", radius=int(q.radius_m), place=where),
                     self_url=request.url, alternate_url=url_for("near.page", _external=True, **_query_args(result, cand)),
                     entries=entries, lang=lang)
    return Response(body, mimetype="application/atom+xml")
