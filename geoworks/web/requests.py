"""Residents' requests: filing (/requests/new, from /near too), a page and an Atom feed per request, the triage
list and map (/requests), status changes and links to works, the summary, imports, and what the maps load. Each
route parses the request, calls one function of :mod:`geoworks.residents` and renders. Anyone may file (anonymous
filing is rate-limited per address); changes need an official or an admin and the form's CSRF token."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from geoworks import clock
from geoworks.config import number
from geoworks.maps.base import map_parts
from geoworks.maps.requests import pick_map, request_map, triage_map
from geoworks.params import ParamError
from geoworks.residents import actions, feed, mapdata, views
from geoworks.residents.exports import EXPORT_FORMATS, list_file, summary_file
from geoworks.residents.importer import import_upload
from geoworks.residents.index import RequestsIndex
from geoworks.residents.query import parse_filter, select
from geoworks.residents.records import contact_of
from geoworks.residents.summary import summary
from geoworks.residents.words import Words, names
from geoworks.web.auth import current_user, role_required
from geoworks.web.i18n import current_language, param_message, work_status_labels
from geoworks.web.limits import RateLimiter, client_address, configured_limiter
from geoworks.web.security import csrf_problem
from geoworks.web.services import map_options, services

bp = Blueprint("requests", __name__)
EDITORS = ("official", "admin")  # may change statuses and links, import, and file for others
PARAMS = param_message  # the app's messages for its common parameters
PAGE_SECONDS = 600  # a signed-in reader's cached page is made again after this many seconds


@bp.errorhandler(ParamError)
def _bad_parameter(exc: ParamError) -> ResponseReturnValue:
    """A bad parameter of a file, map or JSON answer (the pages show theirs in the page)."""
    return jsonify(error=str(exc), parameter=exc.parameter), 400


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"requests_near": _requests_near}  # the /near page lists the requests near its place


def _index() -> RequestsIndex:
    svc = services()
    if svc.catalogue.requests is None:
        abort(404)
    return svc.requests.get(svc.store, svc.catalogue)


def _words() -> Words:
    return Words(gettext=gettext)


def _url(view: str, **args: Any) -> str:
    return url_for(f"requests.{view}", **args)


def _can_edit() -> bool:
    user = current_user()
    return user is not None and user["role"] in EDITORS


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _cached(key: tuple, make):
    svc = services()
    return svc.requests.answer(svc.store, (current_language(), *key), make)


def _whole_page(make):
    """``make()``'s (page, status) cached per data version, language and address. Visitors who are not signed
    in share it; a signed-in reader's copy carries their session's CSRF token, so it is theirs alone (keyed by
    that session's token) and is made again every ten minutes, long before the token expires (a changed role
    shows within those minutes; every change is checked against the role when it is posted)."""
    reader: tuple = ()
    if session.get("user"):
        generate_csrf()  # the session's own token exists before it keys the page
        reader = (session["user"], session["csrf_token"])
        reader += (int(time.monotonic() // PAGE_SECONDS),)
    return _cached(("page", request.full_path, *reader), make)


def map_layer_options() -> dict[str, Any]:
    """The requests map layer for map.js: URLs, status colours and names, topic names, words."""
    urls = {
        "url": url_for("requests.map_data"),
        "popupUrl": url_for("requests.popup", request_id="ID"),
        "forWorkUrl": url_for("requests.for_work", layer="LAYER", work_id="ID"),
    }
    return mapdata.layer_options(services().catalogue, current_language(), _words(), urls)


def _requests_near(lat: float, lon: float, radius_m: float) -> dict[str, Any] | None:
    """The requests near a place, for the /near page (None when requests are not served)."""
    svc = services()
    if svc.catalogue.requests is None:
        return None
    return mapdata.near_requests(_index(), lat, lon, radius_m, svc.catalogue, current_language(), _url)


@bp.get("/requests")
def list_page() -> ResponseReturnValue:
    return _whole_page(_list_page)


def _list_page() -> tuple[str, int]:
    """The triage list and map. Its pieces are cached per data version, language and query (the list also per
    whether the reader may change statuses); the page around them carries the reader's own CSRF token."""
    svc, index, lang, edit = services(), _index(), current_language(), _can_edit()
    query = request.query_string.decode("latin-1")
    view, status = _cached(
        ("list", query),
        lambda: views.list_view(index, svc.catalogue, _args(), lang, words=_words(), url=_url, fallback=PARAMS),
    )
    filters = _cached(("filters", query), lambda: render_template("requests/_filters.html", **view))
    rows = _cached(("rows", query, edit), lambda: render_template("requests/_list.html", can_edit=edit, **view))
    mkey = json.dumps(view["map_filters"], sort_keys=True)
    parts = _cached(("map", mkey), lambda: map_parts(_triage(view["map_filters"])))
    body = render_template(
        "requests/list.html", filters_html=Markup(filters), list_html=Markup(rows), map=parts, can_edit=edit, **view
    )
    return body, status


def _triage(filters: dict) -> Any:
    svc = services()
    district_names = names(svc.catalogue, current_language())["districts"]
    return triage_map(svc.catalogue, svc.requests.districts(svc.store), map_options(), filters, district_names)


@bp.get("/requests/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    """The filtered list as CSV or XLSX (every matching request, no paging; no contacts)."""
    svc, index = services(), _index()
    if fmt not in EXPORT_FORMATS:
        return jsonify(error=f"unknown format '{fmt}'; use csv or xlsx"), 404
    f = parse_filter(_args(), svc.catalogue)
    when = clock.now(current_app.config)
    return _attachment(*list_file(index, select(index, f), svc.catalogue, current_language(), f, fmt, when))


def _attachment(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/requests/map.geojson")
def map_data() -> ResponseReturnValue:
    """Requests in the visible area (bbox, zoom) with the list's filters: points, or clusters when many."""
    svc, index = services(), _index()
    f = parse_filter(_args(), svc.catalogue).without_paging()
    q = mapdata.parse_map_query(request.args)
    body = _cached(("geojson", f, q), lambda: mapdata.map_answer(index, svc.catalogue, f, q))
    return Response(body, mimetype="application/geo+json")


@bp.get("/requests/<request_id>/popup.json")
def popup(request_id: str) -> ResponseReturnValue:
    svc, index = services(), _index()
    pos = index.position(request_id)
    if pos is None:
        return jsonify(error=f"no request '{request_id}'"), 404
    return jsonify(mapdata.popup(index, pos, svc.catalogue, current_language(), _words(), _url))


@bp.get("/requests/works/<layer>/<path:work_id>.json")
def for_work(layer: str, work_id: str) -> ResponseReturnValue:
    """The requests one work answers (for the work's popup on the maps)."""
    svc, index = services(), _index()
    if layer not in svc.catalogue.layers:
        return jsonify(error=f"unknown layer '{layer}'"), 404
    return jsonify(mapdata.for_work(index, layer, work_id, svc.catalogue, current_language(), _words(), _url))


@bp.post("/requests/status")
@role_required(*EDITORS)
def bulk_status() -> ResponseReturnValue:
    """One status (date, answer, note) for every ticked request of the list."""
    back = _back(request.form.get("back"))
    if problem := csrf_problem():
        return render_template("requests/message.html", error=problem, back=back), 400
    svc = services()
    changed, problem = actions.change_from_form(
        svc.store, svc.catalogue, _index(), request.form.getlist("ids"), request.form, **_who()
    )
    if problem:
        return render_template("requests/message.html", error=problem, back=back), 400
    return redirect(f"{back}{'&' if '?' in back else '?'}changed={len(changed)}")


def _back(target: str | None) -> str:
    return target if target and target.startswith("/requests") and not target.startswith("//") else _url("list_page")


def _who() -> dict[str, Any]:
    """Who acts and when (the app's clock), and the words to answer in."""
    user, cfg = current_user(), current_app.config
    name = user["name"] if user else "resident"
    return {"today": clock.today(cfg), "now": clock.now(cfg), "user": name, "words": _words()}


@bp.get("/requests/summary")
def summary_page() -> ResponseReturnValue:
    """Figures like the report's, a table per district and status and a chart; f=csv|xlsx for files."""
    svc, index, lang = services(), _index(), current_language()
    fmt = request.args.get("f")
    if fmt in EXPORT_FORMATS:
        f = parse_filter(_args(), svc.catalogue)
        data = summary(index, svc.catalogue, f)
        return _attachment(*summary_file(data, svc.catalogue, lang, f, fmt, clock.now(current_app.config)))

    def page() -> tuple[str, int]:
        view, status = views.summary_view(index, svc.catalogue, _args(), lang, words=_words(), fallback=PARAMS)
        return render_template("requests/summary.html", **view), status

    return _whole_page(page)


def _form_page(values: dict, status: int = 200, errors=(), candidates=None) -> tuple[str, int]:
    svc = services()
    ctx = views.form_context(svc.catalogue, values, current_language(), clock.today(current_app.config))
    districts = svc.requests.districts(svc.store)
    m = pick_map(svc.catalogue, districts, map_options(), ctx["names"]["districts"], ctx["point"])
    ctx.update(errors=list(errors), candidates=candidates, map=map_parts(m), official=_can_edit())
    return render_template("requests/new.html", **ctx), status


def _limit() -> RateLimiter:
    limits = (("GEOWORKS_REQUESTS_PER_HOUR", 3600), ("GEOWORKS_REQUESTS_PER_DAY", 86400))
    return configured_limiter(current_app, "requests.file", limits)


@bp.get("/requests/new")
def new() -> ResponseReturnValue:
    return _form_page({k: request.args.get(k, "") for k in actions.FORM_FIELDS})


@bp.post("/requests/new")
def file() -> ResponseReturnValue:
    """File a request: no account needed; anonymous visitors and residents are limited per address."""
    values = {k: request.form.get(k, "") for k in actions.FORM_FIELDS}
    if problem := csrf_problem():
        return _form_page(values, 400, [problem])
    official = _can_edit()
    wait = None if official else _limit().check(client_address())
    if wait is not None:
        message = gettext(
            "Too many requests from this address; please try again in %(m)s minutes.", m=int(wait // 60) + 1
        )
        body, _ = _form_page(values, 429, [message])
        return Response(body, status=429, headers={"Retry-After": str(int(wait))})
    svc = services()
    who = _who()
    out = actions.file_from_form(
        svc.store,
        svc.catalogue,
        request.form,
        districts=svc.requests.districts(svc.store),
        streets=_streets() if not request.form.get("lat") else None,
        official=official,
        **who,
    )
    if out.request_id is None:
        return _form_page(out.values, out.status, out.errors, out.candidates)
    if not official:
        _limit().record(client_address())
    return redirect(_url("request_page", request_id=out.request_id, done="filed"))


def _streets():
    svc = services()
    return svc.streets.get(svc.near.get(svc.store, svc.catalogue))


def _request_page(request_id: str, status: int = 200, error: str | None = None) -> ResponseReturnValue:
    svc, index, lang, edit = services(), _index(), current_language(), _can_edit()
    pos = index.position(request_id)
    if pos is None:
        return render_template("requests/request.html", missing=request_id, r=None), 404
    cfg = current_app.config
    near = svc.near.get(svc.store, svc.catalogue)
    opts: dict[str, Any] = {
        "lookup": svc.works_lookup.get(near),
        "today": clock.today(cfg),
        "near": near if edit else None,
    }
    opts.update(radius_m=number(cfg, "GEOWORKS_REQUEST_SUGGEST_M"), all_statuses=request.args.get("works") == "all")
    view = views.request_view(index, pos, svc.catalogue, lang, **opts)
    found = [w for w in view["works"] if w.get("found")]
    view["map"] = map_parts(request_map(view["r"], found, svc.catalogue, map_options()))
    view["contact"] = contact_of(svc.store, request_id) if edit else None
    view["work_statuses"] = work_status_labels()
    return render_template("requests/request.html", missing=None, error=error, can_edit=edit, **view), status


@bp.get("/requests/<request_id>")
def request_page(request_id: str) -> ResponseReturnValue:
    return _whole_page(lambda: _request_page(request_id))


@bp.get("/requests/<request_id>.atom")
def request_feed(request_id: str) -> ResponseReturnValue:
    svc, index = services(), _index()
    pos = index.position(request_id)
    if pos is None:
        abort(404)
    lookup = svc.works_lookup.get(svc.near.get(svc.store, svc.catalogue))
    lang = current_language()
    body = feed.request_feed(
        index,
        pos,
        svc.catalogue,
        current_language(),
        _words(),
        self_url=request.url,
        page_url=url_for("requests.request_page", request_id=request_id, _external=True),
        work_name=lambda layer, work_id: lookup.name(layer, work_id, lang),
    )
    return Response(body, mimetype="application/atom+xml")


def _edit(request_id: str, change, done: str) -> ResponseReturnValue:
    """CSRF, then ``change()`` (a problem or None): the page again with the problem, or back to it."""
    problem = csrf_problem() or change()
    if problem:
        return _request_page(request_id, 400, problem)
    return redirect(_url("request_page", request_id=request_id, done=done))


@bp.post("/requests/<request_id>/status")
@role_required(*EDITORS)
def status_change(request_id: str) -> ResponseReturnValue:
    svc = services()
    act = actions.change_from_form
    return _edit(
        request_id, lambda: act(svc.store, svc.catalogue, _index(), [request_id], request.form, **_who())[1], "status"
    )


@bp.post("/requests/<request_id>/links", defaults={"unlink": False})
@bp.post("/requests/<request_id>/links/delete", defaults={"unlink": True})
@role_required(*EDITORS)
def links(request_id: str, unlink: bool) -> ResponseReturnValue:
    svc, form = services(), request.form
    act = actions.link_from_form
    change = lambda: act(svc.store, svc.catalogue, _index(), request_id, form, unlink=unlink, **_who())  # noqa: E731
    return _edit(request_id, change, "unlink" if unlink else "link")


@bp.route("/requests/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_page() -> ResponseReturnValue:
    """Upload a meeting's questions (CSV/XLSX): every row checked; stored all at once, or nothing."""
    ctx: dict[str, Any] = {"values": {k: request.form.get(k, "") for k in ("round", "meeting_date", "district")}}
    ctx.update(errors=[], stored=None, checked=None)
    if request.method == "GET":
        return render_template("requests/import.html", **ctx)
    upload = request.files.get("file")
    limit = number(current_app.config, "GEOWORKS_MAX_REQUESTS_UPLOAD_MB")
    if problem := csrf_problem():
        ctx["errors"] = [problem]
    elif upload is None or not upload.filename:
        ctx["errors"] = [gettext("Choose a CSV or XLSX file.")]
    elif request.content_length and request.content_length > limit * 1024 * 1024:
        ctx["errors"] = [gettext("The file is larger than %(mb)s MB.", mb=f"{limit:g}")]
    else:
        _import(upload, ctx)
    return render_template("requests/import.html", **ctx), (400 if ctx["errors"] else 200)


def _import(upload, ctx: dict[str, Any]) -> None:
    svc = services()
    defaults = {**ctx["values"], "received": ctx["values"]["meeting_date"], "source": "meeting"}
    ctx.update(
        import_upload(
            svc.store,
            svc.catalogue,
            upload.save,
            upload.filename or "upload",
            districts=svc.requests.districts(svc.store),
            streets=_streets(),
            defaults=defaults,
            check_only=bool(request.form.get("check_only")),
            **_who(),
        )
    )
