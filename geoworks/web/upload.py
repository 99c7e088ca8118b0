"""Web upload for engineers, officials and admins: file -> validation report -> commit as a batch.

The routes only parse the request, call :mod:`geoworks.importers` (uploads and jobs in
``importers/jobs.py``, batches in ``importers/batches.py``) and render. The size limit is
GEOWORKS_MAX_UPLOAD_MB (:mod:`geoworks.config`), checked before the body is read by
:mod:`geoworks.web.bodylimits` (a 413 in JSON, as every error of this blueprint).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.utils import secure_filename
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from geoworks import clock
from geoworks.config import data_dir, number
from geoworks.importers.batches import (
    BatchError,
    NotYourBatch,
    UnknownBatch,
    batch_records,
    rollback,
    rollback_summary,
)
from geoworks.importers.jobs import UploadError, pending_upload, receive_upload, sweep_configured
from geoworks.web.auth import WRITERS, EmptyForm, current_user, role_required
from geoworks.web.services import services

bp = Blueprint("upload", __name__, url_prefix="/upload")
STATUS = {"refused": 400, "forbidden": 403, "unknown": 404, "uncheckable": 422}  # UploadError kind -> HTTP
DISTRICTS = "districts"  # the layer only admins may replace


@bp.record_once
def _sweep_at_start(state) -> None:  # noqa: ANN001 (flask's BlueprintSetupState)
    """Uploads never committed and older than GEOWORKS_UPLOAD_MAX_AGE_H are removed when the app starts."""
    sweep_configured(data_dir(state.app.config) / "uploads", state.app.config)


class UploadForm(FlaskForm):
    """The upload form: the file and the settings ``geoworks import`` takes as options."""

    file = FileField("file", validators=[FileRequired()])
    layer = SelectField("layer", choices=[])
    crs = StringField("crs", validators=[Optional()])
    source_layer = StringField("source_layer", validators=[Optional()])
    maps = TextAreaField("maps", validators=[Optional()])
    strict = BooleanField("strict")
    outside = SelectField("outside", choices=["skip", "reject", "keep"])
    force = BooleanField("force")


class CommitForm(FlaskForm):
    """Commit a checked upload, by its token."""

    token = HiddenField("token")


def _user() -> dict:
    """The logged-in user (role_required let only them in)."""
    user = current_user()
    assert user is not None
    return user


def _limit_mb() -> float:
    return number(current_app.config, "GEOWORKS_MAX_UPLOAD_MB")


def _uploads() -> Path:
    return data_dir(current_app.config) / "uploads"


def _is_admin() -> bool:
    return _user()["role"] == "admin"


def _form() -> UploadForm:
    form = UploadForm()
    form.layer.choices = list(services().catalogue.layers) + ([DISTRICTS] if _is_admin() else [])
    return form


def _districts_refused() -> str:
    return "only admins may replace the districts"


def _form_page(form: UploadForm, error: str | None = None) -> str:
    return render_template("upload/form.html", form=form, limit_mb=_limit_mb(), error=error)


@bp.get("/")
@role_required(*WRITERS)
def form_page() -> ResponseReturnValue:
    """The upload form."""
    return _form_page(_form())


@bp.post("/")
@role_required(*WRITERS)
def validate_upload() -> ResponseReturnValue:
    """Check an uploaded file: the validation report, with an Import button when it passed."""
    form = _form()
    if request.form.get("layer") == DISTRICTS and not _is_admin():
        return _form_page(form, _districts_refused()), 403
    if not form.validate_on_submit():
        return _form_page(form, "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())), 400
    fields = {name: form[name].data for name in ("layer", "crs", "source_layer", "maps", "strict", "outside", "force")}
    svc = services()
    try:
        received = receive_upload(
            _uploads(),
            secure_filename(form.file.data.filename or "") or "upload",
            form.file.data.save,
            fields,
            _user()["name"],
            svc.store,
            svc.catalogue,
        )
    except UploadError as exc:
        return _form_page(form, str(exc)), STATUS[exc.kind]
    ok = received.prepared.ok
    return render_template(
        "upload/report.html",
        report=received.prepared.report,
        ok=ok,
        token=received.token,
        commit_form=CommitForm(token=received.token),
        data=received.data,
    ), 200 if ok else 422


@bp.post("/commit")
@role_required(*WRITERS)
def commit_upload() -> ResponseReturnValue:
    """Start committing a checked upload; redirects to its job page."""
    form = CommitForm()
    if not form.validate_on_submit():
        return jsonify(error="missing or wrong CSRF token"), 400
    waiting = pending_upload(_uploads(), form.token.data or "")
    if waiting is not None and waiting[1].get("layer") == DISTRICTS and not _is_admin():
        return jsonify(error=_districts_refused()), 403
    svc = services()
    try:
        job_id = svc.jobs.commit_upload(
            _uploads(), form.token.data or "", _user()["name"], svc.store, svc.catalogue, clock.now(current_app.config)
        )
    except UploadError as exc:
        return jsonify(error=str(exc)), STATUS[exc.kind]
    return redirect(url_for("upload.job_page", job_id=job_id))


@bp.get("/jobs/<job_id>")
@role_required(*WRITERS)
def job_page(job_id: str) -> ResponseReturnValue:
    """An import job's progress and outcome."""
    job = services().jobs.get(job_id)
    return render_template("upload/job.html", job=job), 200 if job is not None else 404


@bp.get("/jobs/<job_id>.json")
@role_required(*WRITERS)
def job_status(job_id: str) -> ResponseReturnValue:
    """An import job's state as JSON."""
    job = services().jobs.get(job_id)
    if job is None:
        return jsonify(error=f"no import job '{job_id}'"), 404
    return jsonify(job)


@bp.get("/batches")
@role_required(*(("resident",) + WRITERS))
def batches_page() -> ResponseReturnValue:
    """Every import batch, newest first, with Roll back for writers."""
    return render_template(
        "upload/batches.html",
        batches=batch_records(services().store),
        can_write=_user()["role"] in WRITERS,
        user=_user()["name"],
        is_admin=_is_admin(),
        action_form=EmptyForm(),
        message=request.args.get("message"),
    )


@bp.post("/batches/<batch_id>/rollback")
@role_required(*WRITERS)
def rollback_batch(batch_id: str) -> ResponseReturnValue:
    """Roll back one batch; redirects to the history with what was removed."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return jsonify(error="missing or wrong CSRF token"), 400
    svc = services()
    now = clock.now(current_app.config)
    try:
        removed = rollback(svc.store, svc.catalogue, batch_id, _user()["name"], now, own_only=not _is_admin())
    except BatchError as exc:
        status = 404 if isinstance(exc, UnknownBatch) else 403 if isinstance(exc, NotYourBatch) else 409
        return jsonify(error=str(exc)), status
    return redirect(url_for("upload.batches_page", message=rollback_summary(batch_id, removed)))
