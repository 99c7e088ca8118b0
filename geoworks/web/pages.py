"""HTML pages: the city map, the district maps, and the map's features endpoint.

Routes only parse the request, call geoworks.maps.city* and render; features
for the map come from ``/map/features/<layer>.geojson`` for the visible area.
"""
from __future__ import annotations

import threading

from flask import Blueprint, Response, jsonify, render_template, request, url_for, session
from flask_babel import gettext as _

from geoworks.web.i18n import current_language, param_message, work_status_labels
from geoworks.maps.base import map_parts
from geoworks.maps.city import city_map, district_map
from geoworks.maps.features import features_geojson, parse_query
from geoworks.maps.view import ALL, bar_chart, km_table, page_config, shading_values
from geoworks.params import ParamError, parse_layer, parse_status, parse_year
from geoworks.totals import Filters
from geoworks.config import flag
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
    return {"name": _("Name"), "layer": _("Layer"), "status": _("Status"), "start": _("Start"), "end": _("End"),
            "contractor": _("Contractor"), "length": _("Length"), "area": _("Area"), "district": _("District"),
            "km": _("km"), "m2": _("m²"), "open_district": _("Open the district page"),
            "truncated": _("%(layer)s: showing %(shown)s of %(total)s works here; zoom in to see all.",
                           layer="{layer}", shown="{shown}", total="{total}"),
            "loading": _("Loading works…"), "failed": _("Could not load the works of %(layer)s.", layer="{layer}"),
            "outside": _("outside every district"), "unknown": _("not given")}


def _filters(args, catalogue) -> tuple[dict, list[str]]:
    """Layer/year/status from the query string; invalid values are dropped and named in the errors."""
    errors, out = [], {"layer": ALL, "year": None, "status": None}
    layer = (args.get("layer") or ALL).strip()
    parsers = (("layer", lambda: ALL if layer == ALL else parse_layer(layer, catalogue)),
               ("year", lambda: parse_year(args.get("year"))), ("status", lambda: parse_status(args.get("status"))))
    for key, parse in parsers:
        try:
            out[key] = parse()
        except ParamError as exc:
            errors.append(param_message(exc))
    return out, errors


def _years(svc) -> list[int]:
    totals = svc.totals.get(svc.store, svc.catalogue)
    years = set()
    for works in totals.works.values():
        if "year" in works.columns:
            years.update(int(y) for y in works["year"].dropna().unique())
    return sorted(years)


def _config(svc, lang, table, filters) -> dict:
    return page_config(svc.catalogue, lang, table,
                       features_url=url_for("pages.features", layer_id="LAYER").replace("LAYER.geojson", ""),
                       detail_url=url_for("pages.work", layer_id="LAYER", work_id="ID"),
                       district_url=url_for("pages.district", slug="SLUG"),
                       filters={"year": filters.get("year"), "status": filters.get("status")},
                       labels=_js_labels(), statuses=work_status_labels())


@bp.get("/")
def city():
    return _cached_page(_city)


def _city():
    svc = services()
    lang = current_language()
    if svc.store.is_empty():
        return render_template("city.html", empty=True, errors=[]), 200
    filters, errors = _filters(request.args, svc.catalogue)
    totals = svc.totals.get(svc.store, svc.catalogue, Filters(year=filters["year"], status=filters["status"]))
    layer = filters["layer"]
    values = shading_values(totals.table, svc.catalogue, layer)
    colour = "#1d3557" if layer == ALL else svc.catalogue.layers[layer].colour
    shading_name = _("all networks, km") if layer == ALL else svc.catalogue.layers[layer].names.get(lang)
    top = max(values.values(), default=0.0)
    unit = "km" if layer == ALL else svc.catalogue.layers[layer].unit
    top_text = f"{top:.1f} {_('km')}" if unit == "km" else f"{int(top)}"
    shown = None if layer == ALL else (layer,)
    m = city_map(svc.catalogue, svc.store.read_layer("districts"), values, colour, map_options(shown),
                 {"legend": _("Layers"), "districts": _("Districts"),
                  "shading": _("District shading: %(what)s", what=shading_name), "top": top_text})
    chart, chart_unit = bar_chart(totals.table, svc.catalogue, layer)
    config = _config(svc, lang, totals.table, filters)
    config["shading"] = layer
    if layer == ALL:
        for slug, v in values.items():
            config["totals"].setdefault(slug, {})[ALL] = f"{v:.2f} {_('km')}"
    return render_template("city.html", empty=False, errors=errors, map=map_parts(m), filters=filters,
                           rows=km_table(totals.table, svc.catalogue), chart=chart, chart_unit=chart_unit,
                           years=_years(svc), statuses=work_status_labels(), config=config), (400 if errors else 200)


@bp.get("/districts/<slug>")
def district(slug: str):
    return _cached_page(lambda: _district(slug))


def _district(slug: str):
    svc = services()
    lang = current_language()
    cat = svc.catalogue
    if slug not in cat.districts:
        return render_template("district.html", missing=slug, district=None), 404
    if svc.store.is_empty():
        return render_template("city.html", empty=True, errors=[]), 200
    filters, errors = _filters(request.args, cat)
    totals = svc.totals.get(svc.store, cat, Filters(year=filters["year"], status=filters["status"]))
    m = district_map(cat, svc.store.read_layer("districts"), slug, map_options(),
                     {"districts": _("Districts")})
    table = totals.table[totals.table["district"] == slug]
    works = {}
    for lid in cat.layers:
        behind = totals.features_behind(lid, slug)
        if len(behind) == 0:
            continue
        extra = totals.works[lid]
        cols = [c for c in ("id", "start_date", "end_date", f"name_{lang}") if c in extra.columns]
        behind = behind.merge(extra[cols], left_on="feature", right_on="id", how="left")
        if f"name_{lang}" in behind.columns:
            behind["name"] = behind[f"name_{lang}"].where(behind[f"name_{lang}"].notna(), behind["name"])
        behind = behind.sort_values("length_m" if cat.layers[lid].unit == "km" else "area_m2", ascending=False)
        top = behind.head(50).astype(object)
        works[lid] = {"rows": top.where(top.notna(), None).to_dict("records"), "total": len(behind)}
    return render_template("district.html", missing=None, district=cat.districts[slug], slug=slug,
                           errors=errors, filters=filters, map=map_parts(m), works=works,
                           rows=table.to_dict("records"), statuses=work_status_labels(), years=_years(svc),
                           config=_config(svc, lang, totals.table, filters)), (400 if errors else 200)


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
    body = svc.map_responses.get((svc.store.version(), layer_id, query, lang),
                                 lambda: features_geojson(svc.map_layers.get(svc.store, layer_id), query, layer_id, lang))
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
