"""The app's secret key, session cookie settings, proxies and CSRF helpers, set up once in ``create_app``;
then the response headers (:mod:`geoworks.web.headers`) and the request size limits
(:mod:`geoworks.web.bodylimits`). The settings are described in docs/deploy.md, "Security settings".
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from geoworks.config import data_dir, flag, number

SECRET_KEY_FILE = ".secret_key"


def secret_key(app: Flask) -> str:
    """SECRET_KEY from the config (or the GEOWORKS_SECRET_KEY or SECRET_KEY environment variable), else one
    kept in ``<data dir>/.secret_key`` (created 0600 on first start)."""
    given = app.config.get("SECRET_KEY") or app.config.get("GEOWORKS_SECRET_KEY") or os.environ.get("SECRET_KEY")
    if given:
        return str(given)
    key_file = data_dir(app.config) / SECRET_KEY_FILE
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return key_file.read_text().strip()
    except OSError:  # a read-only data directory: sessions last as long as the process
        return secrets.token_hex(32)


def csrf_problem() -> str | None:
    """None when the posted form carries this session's CSRF token, else the message to show."""
    from flask_babel import gettext as _
    from flask_wtf.csrf import validate_csrf
    from wtforms.validators import ValidationError

    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return _(
            "The form has expired or was not sent from this site (missing or wrong CSRF token); "
            "reload the page and send it again."
        )
    return None


def https(app: Flask) -> bool:
    """True when the app is served over https (GEOWORKS_HTTPS)."""
    return flag(app.config, "GEOWORKS_HTTPS", False)


def secure_cookies(app: Flask) -> bool:
    """True when cookies are sent over https only (GEOWORKS_SECURE_COOKIES, default: GEOWORKS_HTTPS)."""
    return flag(app.config, "GEOWORKS_SECURE_COOKIES", https(app))


def configure_session(app: Flask) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure over https, a login lasting GEOWORKS_SESSION_HOURS.
    Flask defines every one of these keys, so they are set, not defaulted."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = secure_cookies(app)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=number(app.config, "GEOWORKS_SESSION_HOURS"))
    if https(app):
        app.config["PREFERRED_URL_SCHEME"] = "https"


def trust_proxies(app: Flask) -> None:
    """Behind GEOWORKS_PROXIES reverse proxies, take the client's address, scheme and host from their
    X-Forwarded-For/-Proto/-Host headers (werkzeug's ProxyFix); with 0 (the default) they are ignored."""
    count = int(number(app.config, "GEOWORKS_PROXIES"))
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    """Secret key, cookie settings, proxies, response headers, size limits and the ``csrf_token()`` helper."""
    from flask_wtf.csrf import generate_csrf

    from geoworks.web import bodylimits, headers

    app.config["SECRET_KEY"] = secret_key(app)
    configure_session(app)
    trust_proxies(app)
    bodylimits.init_app(app)
    headers.init_app(app)
    app.jinja_env.globals["csrf_token"] = generate_csrf
