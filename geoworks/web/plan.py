"""The engineers' page: network gaps and extension estimates (/plan), its API and exports.

Thin layer: parse the request, call :mod:`geoworks.plan.gaps`, render or jsonify.
Bad input (unknown layer, empty target layer, threshold out of range, an
unreadable upload) gets a 400 with a message; nothing is ever stored.
"""
from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from geoworks.io.exports import export_filename, to_csv, to_geojson
from geoworks.config import number
from geoworks.plan.gaps import MAX_THRESHOLD_M, GapsInputError, GapsResult
from geoworks.plan.service import (NETWORK_STATUSES, GapsService, network_choices, read_targets_file,
                                   target_choices)
from geoworks.maps.base import map_parts
from geoworks.maps.plan import plan_map
from geoworks.web import map_options, services

bp = Blueprint("plan", __name__)

DEFAULT_NETWORK = "water"
DEFAULT_TARGETS = "courtyards"
UPLOAD_SUFFIXES = (".geojson", ".json")
EXPORTS = {"gaps", "extensions"}
EXPORT_FORMATS = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8"}
GAP_COLUMNS = ["id", "name", "district", "distance_m", "line_id", "conn_lon", "conn_lat", "straight_m",
               "road_m", "access_m", "route_m", "route_status"]


def _service() -> GapsService:
    return services().gaps


def _params(args) -> dict:
    default_t = f'{number(current_app.config, "GEOWORKS_GAP_THRESHOLD_M"):g}'
    return {"network": (args.get("network") or DEFAULT_NETWORK).strip(),
            "targets": (args.get("targets") or DEFAULT_TARGETS).strip(),
            "threshold": (args.get("threshold") or str(default_t)).strip(),
            "district": (args.get("district") or "").strip() or None}


def _compute(p: dict, routes: bool = True) -> GapsResult:
    svc = services()
    return _service().compute(svc.store, svc.catalogue, p["network"], p["targets"], p["threshold"], p["district"],
                              routes=routes)


def _round(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in ("distance_m", "straight_m", "road_m", "access_m", "route_m", "length_m"):
        if col in df:
            df[col] = df[col].astype(float).round(1)
    for col in ("conn_lon", "conn_lat"):
        if col in df:
            df[col] = df[col].astype(float).round(7)
    return df


def gaps_frame(result: GapsResult, include_all: bool = False) -> gpd.GeoDataFrame:
    """The gaps (or every target) as a lon/lat GeoDataFrame with the exported columns."""
    t = result.table if include_all else result.gaps
    cols = GAP_COLUMNS[:4] + (["gap"] if include_all else []) + GAP_COLUMNS[4:]
    return _round(gpd.GeoDataFrame(t[cols], geometry=t.geometry.values, crs="EPSG:4326"))


def summary_records(result: GapsResult) -> list[dict]:
    out = []
    for r in result.summary.to_dict("records"):
        share = r["covered_share"]
        out.append({"district": r["district"], "targets": int(r["targets"]), "gaps": int(r["gaps"]),
                    "covered": int(r["covered"]),
                    "covered_share": None if share is None or math.isnan(share) else round(float(share), 4)})
    return out


def _error_json(message: str, status: int = 400):
    return jsonify({"error": message}), status


@bp.get("/api/gaps")
def api_gaps():
    """GeoJSON of the gaps (``include=all``: every target) with parameters and the per-district summary."""
    p = _params(request.args)
    include = request.args.get("include", "gaps")
    if include not in ("gaps", "all"):
        return _error_json(f"include '{include}' is not one of: gaps, all")
    try:
        result = _compute(p, routes=request.args.get("routes", "1") not in ("0", "false", "no"))
    except GapsInputError as exc:
        return _error_json(str(exc))
    body = json.loads(to_geojson(gaps_frame(result, include == "all")))
    body["parameters"] = {"network": result.network, "targets": result.targets, "threshold_m": result.threshold_m,
                          "district": p["district"], "network_statuses": list(NETWORK_STATUSES),
                          "distance": "geodesic metres (WGS84) from the target to the nearest network line"}
    body["summary"] = summary_records(result)
    body["numberReturned"] = len(body["features"])
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")


@bp.get("/plan/export/<what>.<fmt>")
def export(what: str, fmt: str):
    """Gaps or proposed extensions as GeoJSON or CSV (geometry as WKT), lon/lat."""
    if what not in EXPORTS or fmt not in EXPORT_FORMATS:
        return _error_json(f"unknown export '{what}.{fmt}'; known: gaps.geojson, gaps.csv, "
                           "extensions.geojson, extensions.csv", 404)
    p = _params(request.args)
    try:
        result = _compute(p)
    except GapsInputError as exc:
        return _error_json(str(exc))
    frame = gaps_frame(result) if what == "gaps" else _round(result.extensions())
    data = to_geojson(frame) if fmt == "geojson" else to_csv(frame)
    name = export_filename(f"{what}-{result.network}-{result.targets}",
                           {"threshold": f"{result.threshold_m:g}m", "district": p["district"]}, fmt)
    return Response(data, mimetype=EXPORT_FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _labels() -> dict[str, str]:
    return {"network": _("Network"), "covered": _("Reached targets"), "gaps": _("Gaps"),
            "straight": _("Straight extension"), "road": _("Along roads"), "connection": _("Connection point"),
            "distance": _("Distance to the network"), "status_ok": _("road route"),
            "status_no_road_path": _("no road path"), "status_no_road_nearby": _("no road within 1 km"),
            "status_not_routed": _("not routed (too many gaps)")}


def _render(p: dict, result: GapsResult | None, errors: list[str], status: int, upload: str | None = None):
    svc = services()
    cat = svc.catalogue
    ctx = {"params": p, "errors": errors, "networks": network_choices(cat), "target_layers": target_choices(cat),
           "max_threshold": MAX_THRESHOLD_M, "upload": upload, "labels": _labels(), "result": None}
    if result is not None:
        net = svc.store.read_layer(result.network, where={"status": list(NETWORK_STATUSES)})
        m = plan_map(result, net, cat.layer(result.network).colour, map_options(), _labels())
        gaps = result.gaps.sort_values("distance_m", ascending=False, kind="stable")
        query = {k: v for k, v in (("network", result.network), ("targets", result.targets),
                                   ("threshold", f"{result.threshold_m:g}"), ("district", p["district"])) if v}
        ctx.update(result=result, map=map_parts(m), map_name=m.get_name(), gaps=gaps.drop(columns="route"),
                   summary=summary_records(result), query=query if upload is None else None)
    return render_template("plan.html", **ctx), status


@bp.get("/plan")
def page():
    """The page: choose network, targets, threshold and district; map, gaps table, summary, exports."""
    p = _params(request.args)
    try:
        result = _compute(p)
    except GapsInputError as exc:
        return _render(p, None, [str(exc)], 400)
    return _render(p, result, [], 200)


@bp.post("/plan")
def upload():
    """Gaps for an uploaded GeoJSON of targets (points or polygons); nothing is stored."""
    p = _params(request.form)
    f = request.files.get("targets_file")
    if f is None or not f.filename:
        return _render(p, None, [_("Choose a GeoJSON file of targets to upload.")], 400)
    name = Path(f.filename).name
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        return _render(p, None, [_("The target file must be GeoJSON (.geojson or .json): %(name)s", name=name)], 400)
    limit = int(number(current_app.config, "GEOWORKS_MAX_PLAN_UPLOAD_MB") * 2**20)
    data = f.read(limit + 1)
    if len(data) > limit:
        return _render(p, None, [_("The target file is larger than %(mb)d MB.", mb=limit // 2**20)], 400)
    svc = services()
    try:
        with tempfile.TemporaryDirectory(prefix="geoworks-plan-") as tmp:
            path = Path(tmp) / f"targets{Path(name).suffix.lower()}"
            path.write_bytes(data)
            targets = read_targets_file(path)
        targets = targets.rename(columns={c: c.lower() for c in targets.columns if c.lower() in ("id", "name")})
        result = _service().compute_uploaded(svc.store, svc.catalogue, p["network"], targets, p["threshold"],
                                             p["district"], label=name)
    except GapsInputError as exc:
        return _render(p, None, [str(exc).replace("target file", name)], 400, upload=name)
    return _render(p, result, [], 200, upload=name)


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float, np.floating)) and math.isfinite(v)


@bp.app_template_filter("plan_metres")
def metres(value) -> str:
    """A length in metres for display ('—' when missing)."""
    return f"{float(value):,.0f}".replace(",", "\u202f") if _finite(value) else "—"
