"""Login, roles and user administration (the users themselves live in :mod:`geoworks.storage.users`)."""

from __future__ import annotations

import functools

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
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from geoworks.storage.users import ROLES, WRITERS, UserError, UserStore

__all__ = ["ROLES", "WRITERS", "current_user", "role_required", "EmptyForm", "bp"]

bp = Blueprint("auth", __name__)


@bp.record_once
def _setup(state) -> None:
    app = state.app

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
        return render_template(
            "auth/login.html", form=form, error=error
        ), 400 if error != "wrong name or password" else 401
    return render_template("auth/login.html", form=form, error=None)


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
