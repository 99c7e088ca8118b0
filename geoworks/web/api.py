"""The totals and export API: /api/totals (JSON, CSV, XLSX) and /api/features/<collection> (files).

Thin layer over geoworks.totals, geoworks.ogcapi and geoworks.io.exports. Bad
parameters answer 400 with ``{"code", "description", "parameter"}``.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request, url_for

from geoworks import clock
from geoworks import params as P
from geoworks.io import exports
from geoworks.ogcapi import NotFound, ParamError, collection_ids, parse_query
from geoworks.ogcapi.totals import filters_dict, totals_frame, totals_records
from geoworks.totals import Filters
from geoworks.web.i18n import current_language
from geoworks.web.ogc import (
    get_index,
    handle_not_found,
    handle_param_error,
    open_and_versioned,
)
from geoworks.web.services import services

bp = Blueprint("api", __name__, url_prefix="/api")
bp.register_error_handler(ParamError, handle_param_error)
bp.register_error_handler(NotFound, handle_not_found)
bp.after_request(open_and_versioned)


def _fmt(allowed: tuple[str, ...], default: str) -> str:
    f = request.args.get("f") or default
    if f not in allowed:
        raise ParamError("f", f"unknown format f={f}; use one of {', '.join(allowed)}")
    return f


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    res = Response(body, mimetype=mimetype)
    res.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return res


def _totals_filters() -> Filters:
    svc = services()
    return Filters(
        layer=P.parse_layer(request.args.get("layer"), svc.catalogue),
        district=P.parse_district(request.args.get("district"), svc.catalogue),
        year=P.parse_year(request.args.get("year")),
        status=P.parse_status(request.args.get("status")),
    )


def _cached(key, make):
    return services().api_responses.get(key, make)


@bp.get("/totals")
def totals():
    """Totals per district and for the city; ``f=json`` (default), ``csv`` or ``xlsx``."""
    svc = services()
    fmt = _fmt(("json", "csv", "xlsx"), "json")
    filters = _totals_filters()
    lang = current_language()
    version = svc.store.version()

    def records():
        if svc.store.is_empty():  # no districts yet: nothing to measure
            return []
        t = svc.totals.get(svc.store, svc.catalogue, filters)
        return totals_records(t.table, svc.catalogue, lang)

    if fmt == "json":

        def make():
            recs = records()
            for r in recs:
                args = {
                    k: v
                    for k, v in (
                        ("district", None if r["district"] in ("city", "outside") else r["district"]),
                        ("year", filters.year),
                        ("status", filters.status),
                    )
                    if v is not None
                }
                r["items"] = url_for("ogc.items", collection_id=r["layer"], _external=True, **args)
            meta = svc.meta()
            return json.dumps(
                {
                    "filters": filters_dict(filters),
                    "language": lang,
                    "dataset": meta.get("dataset"),
                    "source": meta.get("source"),
                    "rows": recs,
                },
                ensure_ascii=False,
            )

        body = _cached((version, filters, lang, "json", request.host_url), make)
        return Response(body, mimetype="application/json")
    when = clock.now(current_app.config)
    name = exports.export_filename("totals", filters_dict(filters), fmt, when)
    frame = totals_frame(records())
    if fmt == "csv":
        return _attachment(exports.to_csv(frame), exports.FORMATS["csv"][0], name)
    notes = {
        "exported": when.isoformat(timespec="seconds"),
        "filters": json.dumps(filters_dict(filters)),
        "dataset": svc.meta().get("dataset", ""),
        "lengths": "geodesic, WGS84; km = sum over features, network_km = overlapping stretches counted once",
    }
    return _attachment(exports.to_xlsx({"totals": frame}, notes), exports.FORMATS["xlsx"][0], name)


@bp.get("/features")
def features_index():
    """Links to every collection's export."""
    svc = services()
    return Response(
        json.dumps(
            {
                "collections": [
                    {
                        "id": cid,
                        "formats": {
                            f: url_for("api.features", collection_id=cid, f=f, _external=True) for f in exports.FORMATS
                        },
                    }
                    for cid in collection_ids(svc.catalogue)
                ]
            }
        ),
        mimetype="application/json",
    )


@bp.get("/features/<collection_id>")
def features(collection_id: str):
    """A layer or a filtered selection (bbox, datetime, district, status, year) as a file."""
    svc = services()
    fmt = _fmt(tuple(exports.FORMATS), "geojson")
    index = get_index(collection_id)
    q = parse_query(request.args, svc.catalogue)
    gdf = index.records(index.select(q))
    when = clock.now(current_app.config)
    what = dict(q.filters())
    if q.bbox is not None:
        what["bbox"] = "-".join(f"{v:.4f}" for v in (q.bbox.minx, q.bbox.miny, q.bbox.maxx, q.bbox.maxy))
    if q.interval is not None:
        what["dates"] = f"{q.interval.start or 'open'}--{q.interval.end or 'open'}"
    notes = {
        "exported": when.isoformat(timespec="seconds"),
        "collection": collection_id,
        "filters": json.dumps(what, ensure_ascii=False),
        "features": str(len(gdf)),
        "crs": "EPSG:4326 (lon/lat)",
    }
    body = exports.export_features(gdf, fmt, collection_id, notes)
    mimetype, ext = exports.FORMATS[fmt]
    return _attachment(body, mimetype, exports.export_filename(collection_id, what, ext, when))


@bp.get("/requests/summary")
def requests_summary():
    """Residents' requests: counts per district and status, shares, on the spot, in action plans, linked to works
    (filters: round, district, topic, status, source, from, to). Cached per data version and filter."""
    from geoworks.residents.query import parse_filter
    from geoworks.residents.summary import summary

    svc = services()
    if svc.catalogue.requests is None:
        raise NotFound("collectionId", "residents' requests are not defined here")
    f = parse_filter(request.args.to_dict(flat=False), svc.catalogue).without_paging()

    def make() -> str:
        index = svc.requests.get(svc.store, svc.catalogue)
        return json.dumps(summary(index, svc.catalogue, f), ensure_ascii=False)

    return Response(svc.requests.answer(svc.store, ("api-summary", f), make), mimetype="application/json")
