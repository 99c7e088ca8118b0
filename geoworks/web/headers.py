"""Security headers on every response, and the per-request nonce that lets the pages' own scripts run.

The Content-Security-Policy allows scripts from the app itself and inline scripts carrying this
response's nonce, never ``'unsafe-inline'`` scripts nor inline event handlers (``onclick=``);
styles may be inline (Leaflet positions its panes with style attributes); images come from the
app, ``data:`` URLs and the origin of GEOWORKS_TILES (none for a plain background); fetches go
to the app only; no page may be framed.

The nonce is given in ONE place: :func:`add_nonce` writes it into every ``<script`` tag of an HTML
response as it leaves the app. The pages are Jinja templates with autoescaping on, so a ``<script``
tag in their output comes from a template or from a folium map (never from data, which is escaped);
pages cached for anonymous visitors are stored without a nonce and get the response's own.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g

from geoworks.config import setting
from geoworks.maps.base import PLAIN_TILES

_NONCE = "_geoworks_csp_nonce"
_SCRIPT_TAG = re.compile(rb"<script(?=[\s>/])", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def csp_nonce() -> str:
    """This request's script nonce (made on first use)."""
    nonce = g.get(_NONCE)
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        setattr(g, _NONCE, nonce)
    return nonce


def tile_source(tiles: str) -> str | None:
    """The CSP source of a tile URL template: its scheme and host, a ``{s}`` subdomain as ``*``
    (``https://*.tile.example.org``); None for a plain background or a URL that is not http(s)."""
    text = (tiles or "").strip()
    if text.lower() in PLAIN_TILES:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    labels = parts.netloc.split(".")
    if any(_PLACEHOLDER.search(label) for label in labels[1:]):
        return f"{parts.scheme}:"  # a placeholder inside the host: CSP can only say "this scheme"
    if _PLACEHOLDER.search(labels[0]):
        labels[0] = "*"
    return f"{parts.scheme}://{'.'.join(labels)}"


def policy(app: Flask, nonce: str) -> str:
    """The Content-Security-Policy of a response with script nonce ``nonce``."""
    tiles = tile_source(str(setting(app.config, "GEOWORKS_TILES") or ""))
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:" + (f" {tiles}" if tiles else ""),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def add_nonce(response: Response, nonce: str) -> None:
    """Give every ``<script`` tag of an HTML response the nonce (other responses are left alone)."""
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return
    body = response.get_data()
    if _SCRIPT_TAG.search(body):
        response.set_data(_SCRIPT_TAG.sub(b'<script nonce="' + nonce.encode() + b'"', body))


def secure_headers(response: Response) -> Response:
    """The security headers of every response (and the nonce in an HTML page's scripts)."""
    from geoworks.web.security import https

    nonce = csp_nonce()
    add_nonce(response, nonce)
    headers = response.headers
    headers["Content-Security-Policy"] = policy(current_app, nonce)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
    if https(current_app):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def init_app(app: Flask) -> None:
    """Every response gets the headers; templates may read the nonce as ``csp_nonce()``."""
    app.after_request(secure_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
