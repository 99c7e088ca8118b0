"""Web upload for engineers, officials and admins: file -> validation report -> commit as a batch.

The routes only parse the request, call :mod:`geoworks.importers` (uploads and jobs in
``importers/jobs.py``, batches in ``importers/batches.py``) and render. The size limit is
GEOWORKS_MAX_UPLOAD_MB (:mod:`geoworks.config`).
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
from geoworks.importers.batches import BatchError, UnknownBatch, batch_records, rollback, rollback_summary
from geoworks.importers.jobs import UploadError, receive_upload
from geoworks.web.auth import WRITERS, EmptyForm, current_user, role_required
from geoworks.web.services import services

bp = Blueprint("upload", __name__, url_prefix="/upload")
STATUS = {"refused": 400, "forbidden": 403, "unknown": 404, "uncheckable": 422}  # UploadError kind -> HTTP


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


def _form() -> UploadForm:
    form = UploadForm()
    form.layer.choices = list(services().catalogue.layers) + ["districts"]
    return form


def _form_page(form: UploadForm, error: str | None = None) -> str:
    return render_template("upload/form.html", form=form, limit_mb=_limit_mb(), error=error)


def _too_large() -> ResponseReturnValue:
    return jsonify(error=f"the upload is larger than the limit of {_limit_mb():g} MB"), 413


@bp.before_request
def size_limit() -> ResponseReturnValue | None:
    """413 before reading a body larger than GEOWORKS_MAX_UPLOAD_MB."""
    limit = int(_limit_mb() * 1024 * 1024)
    if request.content_length is not None and request.content_length > limit:
        return _too_large()
    request.max_content_length = limit
    return None


@bp.errorhandler(413)
def too_large(_exc: Exception) -> ResponseReturnValue:
    """413 for a body found too large while reading it."""
    return _too_large()


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
    try:
        removed = rollback(svc.store, svc.catalogue, batch_id, _user()["name"], clock.now(current_app.config))
    except BatchError as exc:
        return jsonify(error=str(exc)), 404 if isinstance(exc, UnknownBatch) else 409
    return redirect(url_for("upload.batches_page", message=rollback_summary(batch_id, removed)))
