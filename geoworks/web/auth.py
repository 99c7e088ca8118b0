"""Login, roles and user administration (the users themselves live in :mod:`geoworks.storage.users`)."""

from __future__ import annotations

import functools
import math
import time
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from geoworks.config import number
from geoworks.storage.users import ROLES, WRITERS, UserError, UserStore
from geoworks.web.limits import RateLimiter, client_address, limiter

__all__ = ["ROLES", "WRITERS", "current_user", "role_required", "EmptyForm", "bp"]

bp = Blueprint("auth", __name__)


@bp.record_once
def _setup(state) -> None:
    app = state.app

    @app.context_processor
    def user_helpers():
        return {"current_user": current_user(), "logout_form": EmptyForm}

    @app.before_request
    def check_session() -> None:
        """A session cookie that was revoked (logout) or has expired is dropped before anything else."""
        if "user" in session:
            current_user()


def users() -> UserStore:
    return UserStore.from_config(current_app.config)


def _session_user() -> dict | None:
    """The session's user when the session is still valid: issued for the user's current session
    generation (a logout moves it on) and less than GEOWORKS_SESSION_HOURS ago. Else the session is cleared."""
    name = session.get("user")
    if not name:
        return None
    user = users().get(name)
    since = session.get("since")
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    fresh = isinstance(since, (int, float)) and 0 <= time.time() - since <= lifetime
    if user is None or session.get("session") != user["session"] or not fresh:
        session.clear()
        return None
    return user


def current_user() -> dict | None:
    """The logged-in user (role and session re-checked on every request), or None."""
    if "geoworks_user" not in g:
        g.geoworks_user = _session_user()
    return g.geoworks_user


def role_required(*roles: str):
    """Anonymous visitors go to the login page (401 for non-GET/JSON); other roles get 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                if request.method == "GET" and not request.path.endswith(".json"):
                    return redirect(url_for("auth.login", next=request.full_path))
                return jsonify(error="login required"), 401
            if user["role"] not in roles:
                if request.method == "GET":
                    abort(403)
                return jsonify(error=f"role '{user['role']}' may not do this; needs one of: {', '.join(roles)}"), 403
            return view(*args, **kwargs)

        return wrapped

    return decorator


class LoginForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired()])


class UserForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(min=8)])
    role = SelectField("role", choices=list(ROLES))


class EmptyForm(FlaskForm):
    """A form with only the CSRF token (logout, delete, rollback)."""


def _same_site_path(text: str) -> bool:
    """True for a path on this site: starts with one "/", no scheme, host, backslash or control character."""
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return False
    parts = urlsplit(text)
    return not (parts.scheme or parts.netloc)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: ``target`` when it is a path on this site, as given and URL-decoded
    up to three times (``/%09/evil.example`` is not: browsers drop the tab and go to ``//evil.example``);
    else the city page."""
    if not target:
        return url_for("pages.city")
    forms, text = [target], target
    for _round in range(3):
        text = unquote(text)
        forms.append(text)
    return target if all(_same_site_path(t) for t in forms) else url_for("pages.city")


def _login_limiter() -> RateLimiter:
    """Failed logins per account and per address: GEOWORKS_LOGIN_FAILURES in GEOWORKS_LOGIN_WAIT_MIN."""
    cfg = current_app.config
    rules = [(int(number(cfg, "GEOWORKS_LOGIN_FAILURES")), number(cfg, "GEOWORKS_LOGIN_WAIT_MIN") * 60)]
    return limiter(current_app, "login", [(n, w) for n, w in rules if n > 0])


def _login_keys(name: str) -> tuple[str, str]:
    return f"name:{name.casefold()}", f"address:{client_address()}"


def _login_wait(name: str) -> float | None:
    """Seconds until this account and address may try again (None: now)."""
    lim = _login_limiter()
    waits = [w for w in (lim.check(key) for key in _login_keys(name)) if w is not None]
    return max(waits) if waits else None


def _too_many(form: LoginForm, wait: float) -> ResponseReturnValue:
    minutes = max(1, math.ceil(wait / 60))
    error = _("Too many failed logins: try again in %(minutes)s minutes.", minutes=minutes)
    headers = {"Retry-After": str(math.ceil(wait))}
    return render_template("auth/login.html", form=form, error=error), 429, headers


def _start_session(user: dict) -> None:
    session.clear()
    session.permanent = True  # the cookie lasts PERMANENT_SESSION_LIFETIME (GEOWORKS_SESSION_HOURS)
    session.update(user=user["name"], session=user["session"], since=int(time.time()))


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        return render_template("auth/login.html", form=form, error=None)
    if not form.validate_on_submit():
        error = "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()) or "invalid form"
        return render_template("auth/login.html", form=form, error=error), 400
    name = form.name.data.strip()
    wait = _login_wait(name)
    if wait is not None:
        return _too_many(form, wait)
    user = users().check(name, form.password.data)
    if user is None:
        for key in _login_keys(name):
            _login_limiter().record(key)
        return render_template("auth/login.html", form=form, error="wrong name or password"), 401
    _login_limiter().reset(_login_keys(name)[0])
    _start_session(user)
    return redirect(safe_next(request.args.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out: this session, and every other one of the same user, is refused from now on."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return jsonify(error="missing or wrong CSRF token"), 400
    user = current_user()
    if user is not None:
        users().end_sessions(user["name"])
    session.clear()
    return redirect(url_for("pages.city"))


@bp.get("/users")
@role_required("admin")
def user_admin():
    return render_template(
        "auth/users.html", users=users().list_users(), form=UserForm(), action_form=EmptyForm(), roles=ROLES, error=None
    )


@bp.post("/users")
@role_required("admin")
def user_save():
    form = UserForm()
    error = None
    if form.validate_on_submit():
        try:
            users().set_user(form.name.data, form.password.data, form.role.data)
            return redirect(url_for("auth.user_admin"))
        except UserError as exc:
            error = str(exc)
    else:
        error = "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())
    return render_template(
        "auth/users.html", users=users().list_users(), form=form, action_form=EmptyForm(), roles=ROLES, error=error
    ), 400


@bp.post("/users/<name>/delete")
@role_required("admin")
def user_delete(name: str):
    form = EmptyForm()
    if not form.validate_on_submit():
        return jsonify(error="missing or wrong CSRF token"), 400
    user = current_user()
    if user is not None and name == user["name"]:
        return jsonify(error="you cannot remove yourself"), 400
    try:
        users().remove_user(name)
    except UserError as exc:
        return jsonify(error=str(exc)), 404
    return redirect(url_for("auth.user_admin"))
