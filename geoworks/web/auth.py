"""Login, roles and user administration.

Users live in a small SQLite file, ``<GEOWORKS_DATA_DIR>/users.sqlite``
(not in the data store, so logins never touch the stored data). Passwords
are stored hashed (werkzeug.security). Roles: resident (read only),
engineer and official (upload, rollback), admin (all, and manage users).
"""
from __future__ import annotations

import functools
import os
import secrets
import sqlite3
from pathlib import Path
from typing import Mapping

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
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from geoworks import clock
from geoworks.config import data_dir

ROLES = ("resident", "engineer", "official", "admin")
WRITERS = ("engineer", "official", "admin")
DB_NAME = "users.sqlite"


class UserError(ValueError):
    """A user cannot be created, changed or removed."""


class UserStore:
    """Users and hashed passwords in ``<data_dir>/users.sqlite``."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @classmethod
    def from_config(cls, config: Mapping) -> "UserStore":
        return cls(data_dir(config) / DB_NAME)

    def _db(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        con.execute("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
                    "role TEXT NOT NULL, created TEXT NOT NULL)")
        return con

    def set_user(self, name: str, password: str, role: str) -> None:
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise UserError("a user name must have 1 to 64 characters")
        if role not in ROLES:
            raise UserError(f"unknown role '{role}'; roles: {', '.join(ROLES)}")
        if len(password or "") < 8:
            raise UserError("a password must have at least 8 characters")
        now = clock.stamp()
        with self._db() as con:
            con.execute("INSERT INTO users VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                        "password_hash = excluded.password_hash, role = excluded.role",
                        (name, generate_password_hash(password), role, now))

    def remove_user(self, name: str) -> None:
        with self._db() as con:
            if con.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise UserError(f"no user '{name}'")

    def get(self, name: str) -> dict | None:
        with self._db() as con:
            row = con.execute("SELECT name, role, created FROM users WHERE name = ?", (name,)).fetchone()
        return {"name": row[0], "role": row[1], "created": row[2]} if row else None

    def check(self, name: str, password: str) -> dict | None:
        """The user when ``password`` is right, else None."""
        with self._db() as con:
            row = con.execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()
        if row is None or not check_password_hash(row[0], password or ""):
            return None
        return self.get(name)

    def list_users(self) -> list[dict]:
        with self._db() as con:
            rows = con.execute("SELECT name, role, created FROM users ORDER BY name").fetchall()
        return [{"name": r[0], "role": r[1], "created": r[2]} for r in rows]


bp = Blueprint("auth", __name__)


@bp.record_once
def _setup(state) -> None:
    app = state.app
    if not app.config.get("SECRET_KEY"):
        key_file = data_dir(app.config) / ".secret_key"
        try:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            if not key_file.exists():
                fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32))
            app.config["SECRET_KEY"] = key_file.read_text().strip()
        except OSError:
            app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")

    @app.context_processor
    def user_helpers():
        return {"current_user": current_user(), "logout_form": EmptyForm}


def users() -> UserStore:
    return UserStore.from_config(current_app.config)


def current_user() -> dict | None:
    """The logged-in user (role re-read on every request), or None."""
    if "geoworks_user" not in g:
        name = session.get("user")
        g.geoworks_user = users().get(name) if name else None
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


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.city")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if request.method == "POST":
        if form.validate_on_submit():
            user = users().check(form.name.data.strip(), form.password.data)
            if user is not None:
                session.clear()
                session["user"] = user["name"]
                return redirect(_safe_next(request.args.get("next")))
            error = "wrong name or password"
        else:
            error = "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()) or "invalid form"
        return render_template("auth_login.html", form=form, error=error), 400 if error != "wrong name or password" else 401
    return render_template("auth_login.html", form=form, error=None)


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        return jsonify(error="missing or wrong CSRF token"), 400
    session.clear()
    return redirect(url_for("pages.city"))


@bp.get("/users")
@role_required("admin")
def user_admin():
    return render_template("auth_users.html", users=users().list_users(), form=UserForm(), action_form=EmptyForm(),
                           roles=ROLES, error=None)


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
    return render_template("auth_users.html", users=users().list_users(), form=form, action_form=EmptyForm(),
                           roles=ROLES, error=error), 400


@bp.post("/users/<name>/delete")
@role_required("admin")
def user_delete(name: str):
    form = EmptyForm()
    if not form.validate_on_submit():
        return jsonify(error="missing or wrong CSRF token"), 400
    if name == current_user()["name"]:
        return jsonify(error="you cannot remove yourself"), 400
    try:
        users().remove_user(name)
    except UserError as exc:
        return jsonify(error=str(exc)), 404
    return redirect(url_for("auth.user_admin"))
