"""The app's secret key, session cookie settings and CSRF helpers, set up once in ``create_app``."""

from __future__ import annotations

import os
import secrets

from flask import Flask, request

from geoworks.config import data_dir

SECRET_KEY_FILE = ".secret_key"


def secret_key(app: Flask) -> str:
    """SECRET_KEY from the config, else one kept in ``<data dir>/.secret_key`` (created 0600 on first start)."""
    if app.config.get("SECRET_KEY"):
        return str(app.config["SECRET_KEY"])
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


def init_app(app: Flask) -> None:
    """Secret key, cookie settings and the ``csrf_token()`` template helper."""
    from flask_wtf.csrf import generate_csrf

    app.config["SECRET_KEY"] = secret_key(app)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.jinja_env.globals["csrf_token"] = generate_csrf
