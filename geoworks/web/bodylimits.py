"""Request size limits, checked before a body is read: 413 for a body, 400 for a query string.

Each form that takes a file has its own limit (a GEOWORKS_MAX_*_MB setting); every other request
may send at most GEOWORKS_MAX_BODY_MB. A declared Content-Length above the limit is refused before
anything is read; a body without one (chunked) is cut off at the limit while it is read (werkzeug
raises 413). ``MAX_CONTENT_LENGTH`` of the whole app is the largest limit. The answer is JSON for
the APIs and a page for everything else, and names the limit.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geoworks.config import number

MB = 1024 * 1024
DEFAULT_LIMIT = "GEOWORKS_MAX_BODY_MB"
# endpoint, or blueprint name, -> the setting of its body limit (in MB)
FORM_LIMITS = {
    "upload": "GEOWORKS_MAX_UPLOAD_MB",
    "plan.upload": "GEOWORKS_MAX_PLAN_UPLOAD_MB",
    "verify.new_claim": "GEOWORKS_MAX_CLAIMS_UPLOAD_MB",
    "requests.import_page": "GEOWORKS_MAX_REQUESTS_UPLOAD_MB",
}
JSON_BLUEPRINTS = ("upload",)  # blueprints whose errors are JSON, pages or not


def limit_setting(endpoint: str | None) -> str:
    """The setting that limits the body of a request to ``endpoint``."""
    if endpoint in FORM_LIMITS:
        return FORM_LIMITS[endpoint]
    blueprint = (endpoint or "").partition(".")[0]
    return FORM_LIMITS.get(blueprint, DEFAULT_LIMIT)


def limit_mb(app: Flask, endpoint: str | None) -> float:
    """The largest body, in MB, a request to ``endpoint`` may send."""
    return number(app.config, limit_setting(endpoint))


def body_limit(app: Flask, endpoint: str | None) -> int:
    """The largest body, in bytes, a request to ``endpoint`` may send."""
    return int(limit_mb(app, endpoint) * MB)


def wants_json() -> bool:
    """True for the APIs (and clients asking for JSON): they get errors as JSON, pages get a page."""
    if request.path.startswith("/api/") or request.path.endswith((".json", ".geojson")):
        return True
    if request.blueprint in JSON_BLUEPRINTS:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/geo+json"])
    return best in ("application/json", "application/geo+json")


def refuse(message: str, status: int) -> ResponseReturnValue:
    """``message`` with ``status``: ``{"error", "code", "description"}`` for the APIs (both error shapes of the
    OpenAPI document: the services' ``error`` and the OGC exception's ``code``), a page for the rest."""
    if wants_json():
        code = "InvalidParameterValue" if status == 400 else "RequestTooLarge"
        return jsonify(error=message, code=code, description=message), status
    return render_template("error.html", message=message, status=status), status


def too_large(mb: float) -> ResponseReturnValue:
    return refuse(_("The request is larger than the limit of %(mb)s MB; nothing was read.", mb=f"{mb:g}"), 413)


def check_size() -> ResponseReturnValue | None:
    """Refuse a query string or a declared body over its limit, before anything is read; else cap the
    body at its limit while it is read."""
    from flask import current_app

    max_query = int(number(current_app.config, "GEOWORKS_MAX_QUERY_CHARS"))
    if len(request.query_string) > max_query:
        return refuse(_("The query string is longer than the limit of %(n)s characters.", n=max_query), 400)
    limit = body_limit(current_app, request.endpoint)
    if request.content_length is not None and request.content_length > limit:
        return too_large(limit_mb(current_app, request.endpoint))
    request.max_content_length = limit
    return None


def init_app(app: Flask) -> None:
    """The checks before every request, MAX_CONTENT_LENGTH, and 413 answered with the limit."""
    app.config["MAX_CONTENT_LENGTH"] = max(body_limit(app, e) for e in [*FORM_LIMITS, None])
    app.before_request(check_size)

    @app.errorhandler(413)
    def body_too_large(_exc: Exception) -> ResponseReturnValue:
        return too_large(limit_mb(app, request.endpoint))
