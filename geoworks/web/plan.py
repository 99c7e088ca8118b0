"""The engineers' page: network gaps and extension estimates (/plan), its API and exports.

Thin routes: read the request (:mod:`geoworks.plan.params`), call one function of the plan
package (:mod:`geoworks.plan.page`, :mod:`geoworks.plan.export`), render or jsonify.
Bad input (unknown layer, empty target layer, threshold out of range, an unreadable
upload) gets a 400 with a message; nothing is ever stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geoworks.config import number
from geoworks.maps.plan import metres_text
from geoworks.plan.export import export_file, gaps_document, is_export, unknown_export
from geoworks.plan.gaps import GapsInputError
from geoworks.plan.page import TEMPLATE, PlanPage, error_page, page_view
from geoworks.plan.params import PlanForm, form_values, parse_include, parse_routes
from geoworks.plan.service import UploadedTargets
from geoworks.web.services import map_options, services

bp = Blueprint("plan", __name__)

UPLOAD_SUFFIXES = (".geojson", ".json")


def _form(args: Mapping) -> PlanForm:
    return form_values(args, current_app.config)


def _error_json(message: str, status: int = 400) -> ResponseReturnValue:
    return jsonify({"error": message}), status


@bp.get("/api/gaps")
def api_gaps() -> ResponseReturnValue:
    """GeoJSON of the gaps (``include=all``: every target) with parameters and the per-district summary."""
    svc = services()
    try:
        include_all = parse_include(request.args.get("include"))
        body = gaps_document(
            svc.gaps,
            svc.store,
            svc.catalogue,
            _form(request.args),
            include_all,
            routes=parse_routes(request.args.get("routes")),
        )
    except GapsInputError as exc:
        return _error_json(str(exc))
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")


@bp.get("/plan/export/<what>.<fmt>")
def export(what: str, fmt: str) -> ResponseReturnValue:
    """Gaps or proposed extensions as GeoJSON or CSV (geometry as WKT), lon/lat."""
    if not is_export(what, fmt):
        return _error_json(unknown_export(what, fmt), 404)
    svc = services()
    try:
        out = export_file(svc.gaps, svc.store, svc.catalogue, _form(request.args), what, fmt)
    except GapsInputError as exc:
        return _error_json(str(exc))
    return Response(
        out.data, mimetype=out.mimetype, headers={"Content-Disposition": f'attachment; filename="{out.filename}"'}
    )


def _labels() -> dict[str, str]:
    return {
        "network": _("Network"),
        "covered": _("Reached targets"),
        "gaps": _("Gaps"),
        "straight": _("Straight extension"),
        "road": _("Along roads"),
        "connection": _("Connection point"),
        "distance": _("Distance to the network"),
        "status_ok": _("road route"),
        "status_no_road_path": _("no road path"),
        "status_no_road_nearby": _("no road within 1 km"),
        "status_not_routed": _("not routed (too many gaps)"),
    }


def _render(view: PlanPage) -> ResponseReturnValue:
    return render_template(TEMPLATE, **view.context), view.status


def _page(form: PlanForm, upload: UploadedTargets | None = None) -> ResponseReturnValue:
    svc = services()
    return _render(page_view(svc.store, svc.catalogue, svc.gaps, form, map_options(), _labels(), upload))


@bp.get("/plan")
def page() -> ResponseReturnValue:
    """The page: choose network, targets, threshold and district; map, gaps table, summary, exports."""
    return _page(_form(request.args))


def _upload() -> UploadedTargets | str:
    """The uploaded targets file, or the (translated) reason it cannot be used."""
    f = request.files.get("targets_file")
    if f is None or not f.filename:
        return _("Choose a GeoJSON file of targets to upload.")
    name = Path(f.filename).name
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        return _("The target file must be GeoJSON (.geojson or .json): %(name)s", name=name)
    limit = int(number(current_app.config, "GEOWORKS_MAX_PLAN_UPLOAD_MB") * 2**20)
    data = f.read(limit + 1)
    if len(data) > limit:
        return _("The target file is larger than %(mb)d MB.", mb=limit // 2**20)
    return UploadedTargets(name, data, int(number(current_app.config, "GEOWORKS_MAX_PLAN_TARGETS")))


@bp.post("/plan")
def upload() -> ResponseReturnValue:
    """Gaps for an uploaded GeoJSON of targets (points or polygons); nothing is stored."""
    form = _form(request.form)
    got = _upload()
    if isinstance(got, str):
        return _render(error_page(services().catalogue, form, _labels(), [got]))
    return _page(form, got)


@bp.app_template_filter("plan_metres")
def metres(value: object) -> str:
    """A length in metres for display, thin spaces between thousands ('—' when missing)."""
    return metres_text(value, "\u202f")
