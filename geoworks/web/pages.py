"""HTML pages: the city map, the district maps, and the map's features endpoint.

Routes only parse the request, call geoworks.maps.pages and render; features
for the map come from ``/map/features/<layer>.geojson`` for the visible area.
"""

from __future__ import annotations

import threading

from flask import Blueprint, Response, jsonify, render_template, request, session, url_for
from flask_babel import gettext as _

from geoworks.config import flag
from geoworks.maps.features import features_geojson, parse_query
from geoworks.maps.pages import PageText, city_view, district_view, years_of
from geoworks.maps.view import ALL
from geoworks.params import ParamError, parse_layer, parse_status, parse_year
from geoworks.totals import Filters
from geoworks.web.i18n import current_language, param_message, work_status_labels
from geoworks.web.services import KEY, map_options, services

bp = Blueprint("pages", __name__)


@bp.record_once
def _warm_up(state) -> None:
    """Compute the city totals and read the layers in the background when the app starts,
    so the first visitor does not wait for them (GEOWORKS_WARM_CACHE, on unless TESTING)."""
    app = state.app
    if not flag(app.config, "GEOWORKS_WARM_CACHE", not app.config.get("TESTING")):
        return

    def warm() -> None:
        with app.app_context():
            svc = services()
            try:
                if svc.store.is_empty():
                    return
                svc.totals.get(svc.store, svc.catalogue, Filters())
                for layer_id in svc.catalogue.layers:
                    svc.map_layers.get(svc.store, layer_id)
            except Exception:  # a broken store shows its error on the first request instead
                app.logger.exception("warming the map caches failed")

    thread = threading.Thread(target=warm, name="geoworks-warm-map", daemon=True)
    app.extensions[KEY].warming["map"] = thread
    thread.start()


def _cached_page(make):
    """``make()`` -> (html, status), cached for this data version, language and request.

    Only pages for visitors who are not logged in are cached: a signed-in page carries
    the user's own navigation and CSRF token.
    """
    svc = services()
    svc.wait_for_warm_up("map")
    if session.get("user"):
        return make()
    return svc.pages.get((svc.store.version(), current_language(), request.full_path), make)


def _js_labels() -> dict[str, str]:
    return {
        "name": _("Name"),
        "layer": _("Layer"),
        "status": _("Status"),
        "start": _("Start"),
        "end": _("End"),
        "contractor": _("Contractor"),
        "length": _("Length"),
        "area": _("Area"),
        "district": _("District"),
        "km": _("km"),
        "m2": _("m²"),
        "open_district": _("Open the district page"),
        "truncated": _(
            "%(layer)s: showing %(shown)s of %(total)s works here; zoom in to see all.",
            layer="{layer}",
            shown="{shown}",
            total="{total}",
        ),
        "loading": _("Loading works…"),
        "failed": _("Could not load the works of %(layer)s.", layer="{layer}"),
        "outside": _("outside every district"),
        "unknown": _("not given"),
    }


def _filters(args, catalogue) -> tuple[dict, list[str]]:
    """Layer/year/status from the query string; invalid values are dropped and named in the errors."""
    errors, out = [], {"layer": ALL, "year": None, "status": None}
    layer = (args.get("layer") or ALL).strip()
    parsers = (
        ("layer", lambda: ALL if layer == ALL else parse_layer(layer, catalogue)),
        ("year", lambda: parse_year(args.get("year"))),
        ("status", lambda: parse_status(args.get("status"))),
    )
    for key, parse in parsers:
        try:
            out[key] = parse()  # type: ignore[assignment]  # layer/status: str, year: int
        except ParamError as exc:
            errors.append(param_message(exc))
    return out, errors


def _text() -> PageText:
    return PageText(
        labels={
            "legend": _("Layers"),
            "districts": _("Districts"),
            "km": _("km"),
            "all_networks": _("all networks, km"),
            "shading": _("District shading: %(what)s"),
        },
        statuses=work_status_labels(),
        js=_js_labels(),
    )


def _urls() -> dict[str, str]:
    return {
        "features": url_for("pages.features", layer_id="LAYER").replace("LAYER.geojson", ""),
        "detail": url_for("pages.work", layer_id="LAYER", work_id="ID"),
        "district": url_for("pages.district", slug="SLUG"),
    }


def _inputs():
    """(services, filters, errors, totals for the filters, every year) of this request."""
    svc = services()
    filters, errors = _filters(request.args, svc.catalogue)
    totals = svc.totals.get(svc.store, svc.catalogue, Filters(year=filters["year"], status=filters["status"]))
    return svc, filters, errors, totals, years_of(svc.totals.get(svc.store, svc.catalogue))


@bp.get("/")
def city():
    return _cached_page(_city)


def _city():
    if services().store.is_empty():
        return render_template("pages/city.html", empty=True, errors=[]), 200
    svc, filters, errors, totals, years = _inputs()
    shown = None if filters["layer"] == ALL else (filters["layer"],)
    view = city_view(
        svc.catalogue, svc.store.read_layer("districts"), totals, years, filters, map_options(shown), _urls(), _text()
    )
    return render_template("pages/city.html", empty=False, errors=errors, **view), (400 if errors else 200)


@bp.get("/districts/<slug>")
def district(slug: str):
    return _cached_page(lambda: _district(slug))


def _district(slug: str):
    svc = services()
    if slug not in svc.catalogue.districts:
        return render_template("pages/district.html", missing=slug, district=None), 404
    if svc.store.is_empty():
        return render_template("pages/city.html", empty=True, errors=[]), 200
    svc, filters, errors, totals, years = _inputs()
    view = district_view(
        svc.catalogue, svc.store.read_layer("districts"), totals, years, slug, filters, map_options(), _urls(), _text()
    )
    return render_template("pages/district.html", missing=None, errors=errors, **view), (400 if errors else 200)


def _error(message: str, status: int):
    return jsonify({"error": message}), status


@bp.get("/map/features/<layer_id>.geojson")
def features(layer_id: str):
    """Works of one layer in the visible area (bbox=minlon,minlat,maxlon,maxlat; zoom; year; status; district)."""
    svc = services()
    if layer_id not in svc.catalogue.layers:
        return _error(f"unknown layer '{layer_id}'; known layers: {', '.join(svc.catalogue.layers)}", 404)
    try:
        query = parse_query(request.args, svc.catalogue)
    except ParamError as exc:
        return _error(str(exc), 400)
    lang = current_language()
    body = svc.map_responses.get(
        (svc.store.version(), layer_id, query, lang),
        lambda: features_geojson(svc.map_layers.get(svc.store, layer_id), query, layer_id, lang),
    )
    return Response(body, mimetype="application/geo+json")


@bp.get("/map/works/<layer_id>/<work_id>.json")
def work(layer_id: str, work_id: str):
    """Every attribute of one work, for its popup."""
    svc = services()
    if layer_id not in svc.catalogue.layers:
        return _error(f"unknown layer '{layer_id}'; known layers: {', '.join(svc.catalogue.layers)}", 404)
    detail = svc.map_layers.get(svc.store, layer_id).detail(work_id)
    if detail is None:
        return _error(f"no work '{work_id}' in layer '{layer_id}'", 404)
    return jsonify(detail)
