"""Web upload for engineers, officials and admins: file -> validation report -> commit as a batch.

The uploaded file is kept under ``<GEOWORKS_DATA_DIR>/uploads/<token>/`` until
it is committed or discarded; the commit runs in a background thread whose
progress the job page shows. Size limit: GEOWORKS_MAX_UPLOAD_MB (default 100).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.utils import secure_filename
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from geoworks import clock
from geoworks.config import data_dir, number
from geoworks.importers import BatchError, list_batches, rollback
from geoworks.importers.jobs import pending_upload, prepare_upload, save_upload
from geoworks.importers.columns import MappingError, parse_map_options
from geoworks.web import services
from geoworks.web.auth import WRITERS, EmptyForm, current_user, role_required

bp = Blueprint("upload", __name__, url_prefix="/upload")
ALLOWED = (".geojson", ".json", ".gpkg", ".zip", ".shp", ".parquet", ".geoparquet", ".csv", ".tsv", ".kml", ".kmz")


class UploadForm(FlaskForm):
    file = FileField("file", validators=[FileRequired()])
    layer = SelectField("layer", choices=[])
    crs = StringField("crs", validators=[Optional()])
    source_layer = StringField("source_layer", validators=[Optional()])
    maps = TextAreaField("maps", validators=[Optional()])
    strict = BooleanField("strict")
    outside = SelectField("outside", choices=["skip", "reject", "keep"])
    force = BooleanField("force")


class CommitForm(FlaskForm):
    token = HiddenField("token")


def _limit_mb() -> float:
    return number(current_app.config, "GEOWORKS_MAX_UPLOAD_MB")


def _uploads() -> Path:
    return data_dir(current_app.config) / "uploads"


def _form() -> UploadForm:
    form = UploadForm()
    cat = services().catalogue
    form.layer.choices = list(cat.layers) + ["districts"]
    return form


@bp.before_request
def size_limit():
    limit = int(_limit_mb() * 1024 * 1024)
    if request.content_length is not None and request.content_length > limit:
        return jsonify(error=f"the upload is larger than the limit of {_limit_mb():g} MB"), 413
    request.max_content_length = limit
    return None


@bp.errorhandler(413)
def too_large(_exc):
    return jsonify(error=f"the upload is larger than the limit of {_limit_mb():g} MB"), 413


@bp.get("/")
@role_required(*WRITERS)
def form_page():
    return render_template("upload_form.html", form=_form(), limit_mb=_limit_mb(), error=None)


@bp.post("/")
@role_required(*WRITERS)
def validate_upload():
    form = _form()
    if not form.validate_on_submit():
        errors = "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())
        return render_template("upload_form.html", form=form, limit_mb=_limit_mb(), error=errors), 400
    name = secure_filename(form.file.data.filename or "") or "upload"
    if not name.lower().endswith(ALLOWED):
        return render_template("upload_form.html", form=form, limit_mb=_limit_mb(),
                               error=f"{name}: unsupported file type; use one of {', '.join(ALLOWED)}"), 400
    try:
        mapping = parse_map_options([ln.strip() for ln in (form.maps.data or "").splitlines() if ln.strip()])
    except MappingError as exc:
        return render_template("upload_form.html", form=form, limit_mb=_limit_mb(), error=str(exc)), 400
    data = {"file": name, "layer": form.layer.data, "crs": form.crs.data, "source_layer": form.source_layer.data,
            "mapping": mapping, "strict": form.strict.data, "outside": form.outside.data, "force": form.force.data,
            "user": current_user()["name"]}
    token, token_dir = save_upload(_uploads(), name, form.file.data.save, data)
    try:
        svc = services()
        prepared = prepare_upload(token_dir, data, svc.store, svc.catalogue)
    except Exception as exc:  # an unforeseen reader failure is reported, never a 500
        current_app.logger.exception("validation failed")
        shutil.rmtree(token_dir, ignore_errors=True)
        return render_template("upload_form.html", form=form, limit_mb=_limit_mb(),
                               error=f"{name}: cannot be checked ({type(exc).__name__}: {exc})"), 422
    if not prepared.ok:
        shutil.rmtree(token_dir, ignore_errors=True)
    status = 200 if prepared.ok else 422
    return render_template("upload_report.html", report=prepared.report, ok=prepared.ok, token=token,
                           commit_form=CommitForm(token=token), data=data), status


@bp.post("/commit")
@role_required(*WRITERS)
def commit_upload():
    form = CommitForm()
    if not form.validate_on_submit():
        return jsonify(error="missing or wrong CSRF token"), 400
    pending = pending_upload(_uploads(), form.token.data or "")
    if pending is None:
        return jsonify(error="unknown or expired upload; upload the file again"), 404
    token_dir, data = pending
    if data.get("user") != current_user()["name"]:
        return jsonify(error="this upload belongs to another user"), 403
    svc = services()
    job_id = svc.jobs.start_commit(token_dir, data, svc.store, svc.catalogue, clock.now(current_app.config))
    return redirect(url_for("upload.job_page", job_id=job_id))


@bp.get("/jobs/<job_id>")
@role_required(*WRITERS)
def job_page(job_id: str):
    job = services().jobs.get(job_id)
    if job is None:
        return render_template("upload_job.html", job=None), 404
    return render_template("upload_job.html", job=job)


@bp.get("/jobs/<job_id>.json")
@role_required(*WRITERS)
def job_status(job_id: str):
    job = services().jobs.get(job_id)
    if job is None:
        return jsonify(error=f"no import job '{job_id}'"), 404
    return jsonify(job)


@bp.get("/batches")
@role_required(*(("resident",) + WRITERS))
def batches_page():
    df = list_batches(services().store)
    rows = df.astype(object).where(df.notna(), None).to_dict("records")
    return render_template("upload_batches.html", batches=rows, can_write=current_user()["role"] in WRITERS,
                           action_form=EmptyForm(), message=request.args.get("message"))


@bp.post("/batches/<batch_id>/rollback")
@role_required(*WRITERS)
def rollback_batch(batch_id: str):
    form = EmptyForm()
    if not form.validate_on_submit():
        return jsonify(error="missing or wrong CSRF token"), 400
    svc = services()
    try:
        removed = rollback(svc.store, svc.catalogue, batch_id, current_user()["name"], clock.now(current_app.config))
    except BatchError as exc:
        return jsonify(error=str(exc)), 404 if "no batch" in str(exc) else 409
    message = f"batch {batch_id} rolled back: " + ", ".join(f"{k} -{v}" for k, v in removed.items())
    return redirect(url_for("upload.batches_page", message=message))
