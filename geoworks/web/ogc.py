"""OGC API – Features under /ogc: landing page, conformance, collections, items, one feature, OpenAPI.

Thin layer: parse the request, call geoworks.ogcapi, answer JSON (GeoJSON for
features) for clients and HTML for browsers (``f=json|html`` or the Accept header).
Bad parameters answer 400 and unknown collections/features 404, with a JSON body
``{"code", "description", "parameter"}``.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request, url_for

from geoworks import clock
from geoworks.ogcapi import (
    DISTRICTS,
    IndexCache,
    NotFound,
    ParamError,
    collection_ids,
    parse_query,
)
from geoworks.ogcapi import documents as docs
from geoworks.ogcapi.openapi import openapi_document
from geoworks.web.i18n import current_language
from geoworks.web.services import services

bp = Blueprint("ogc", __name__, url_prefix="/ogc")


def index_cache() -> IndexCache:
    """The app's collection indexes (one per data version)."""
    return services().ogc_indexes


def get_index(collection_id: str):
    svc = services()
    return index_cache().get(svc.store, svc.catalogue, collection_id)


def error_response(status: int, code: str, description: str, parameter: str | None = None) -> Response:
    """An OGC exception as JSON ``{"code", "description", "parameter"}``; a page when a browser asked for HTML."""
    body = {"code": code, "description": description}
    if parameter:
        body["parameter"] = parameter
    if _browser_asked():
        return Response(
            render_template("ogc/error.html", error=body, status=status), status=status, mimetype="text/html"
        )
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _browser_asked() -> bool:
    f = request.args.get("f")
    if f:
        return f in ("html", "text/html")
    return request.accept_mimetypes.best_match(["application/json", "application/geo+json", "text/html"]) == "text/html"


def handle_param_error(exc: ParamError) -> Response:
    return error_response(400, "InvalidParameterValue", exc.message, exc.parameter)


def handle_not_found(exc: NotFound) -> Response:
    return error_response(404, "NotFound", exc.message, exc.what)


bp.register_error_handler(ParamError, handle_param_error)
bp.register_error_handler(NotFound, handle_not_found)


def open_and_versioned(response: Response) -> Response:
    """Any origin may read the API (CORS); 200 answers carry an ETag of the data version and request,
    so a client holding it gets 304 Not Modified until the data changes."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        import hashlib

        key = "|".join(
            (services().store.version(), request.full_path, current_language(), response.mimetype or "", request.host)
        )
        response.set_etag(hashlib.sha1(key.encode("utf-8")).hexdigest()[:32])
        response.headers.setdefault("Cache-Control", "no-cache")
        response.make_conditional(request)
    return response


bp.after_request(open_and_versioned)


def wants_html() -> bool:
    """``f=html`` or a browser's Accept header; ParamError for an unknown ``f``."""
    f = request.args.get("f")
    if f:
        if f in ("json", "geojson", "application/json", "application/geo+json"):
            return False
        if f in ("html", "text/html"):
            return True
        raise ParamError("f", f"unknown format f={f}; use json or html")
    best = request.accept_mimetypes.best_match(["application/json", "application/geo+json", "text/html"])
    return best == "text/html"


def base_url() -> str:
    """The API's absolute base URL, e.g. http://host:port/ogc."""
    return url_for("ogc.landing", _external=True).rstrip("/")


def json_response(payload, mimetype: str = "application/json") -> Response:
    text = payload if isinstance(payload, (str, bytes)) else json.dumps(payload, ensure_ascii=False)
    return Response(text, mimetype=mimetype)


@bp.get("", strict_slashes=False)
@bp.get("/")
def landing():
    svc = services()
    lang = current_language()
    title = f"geoworks · {svc.catalogue.city.names.get(lang)}"
    doc = docs.landing(base_url(), title, "Infrastructure works per layer and district: OGC API – Features.")
    if wants_html():
        return render_template("ogc/landing.html", doc=doc, base=base_url())
    return json_response(doc)


@bp.get("/conformance")
def conformance():
    doc = docs.conformance()
    if wants_html():
        return render_template("ogc/conformance.html", doc=doc)
    return json_response(doc)


@bp.get("/api")
def api_document():
    svc = services()
    doc = openapi_document(
        base_url(), svc.catalogue, api_root=url_for("ogc.landing", _external=True).rsplit("/ogc", 1)[0] + "/api"
    )
    if request.args.get("f") == "html" or (not request.args.get("f") and wants_html()):
        return render_template("ogc/api.html", doc=doc)
    return json_response(doc, docs.OPENAPI)


@bp.get("/collections")
def collections():
    svc = services()
    indexes = [get_index(cid) for cid in collection_ids(svc.catalogue)]
    doc = docs.collections(base_url(), svc.catalogue, indexes, current_language())
    if wants_html():
        return render_template("ogc/collections.html", doc=doc)
    return json_response(doc)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    svc = services()
    index = get_index(collection_id)
    doc = docs.collection(base_url(), svc.catalogue, index, current_language())
    if wants_html():
        return render_template("ogc/collection.html", doc=doc, count=len(index))
    return json_response(doc)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    svc = services()
    index = get_index(collection_id)
    html = wants_html()
    q = parse_query(request.args, svc.catalogue)
    positions = index.select(q)
    text, matched, returned = docs.items_page(base_url(), index, q, positions, clock.now(current_app.config))
    if html:
        page = json.loads(text)
        return render_template(
            "ogc/items.html",
            collection_id=collection_id,
            page=page,
            q=q,
            title=docs.collection_title(svc.catalogue, collection_id, current_language()),
            is_districts=collection_id == DISTRICTS,
        )
    return json_response(text, docs.GEOJSON)


@bp.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str):
    svc = services()
    index = get_index(collection_id)
    html = wants_html()
    text = docs.feature_document(base_url(), index, feature_id)
    if html:
        return render_template(
            "ogc/item.html",
            collection_id=collection_id,
            feature=json.loads(text),
            title=docs.collection_title(svc.catalogue, collection_id, current_language()),
        )
    return json_response(text, docs.GEOJSON)
