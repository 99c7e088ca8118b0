"""Uploads and their jobs: an uploaded file waits under ``<data dir>/uploads/<token>/`` with its settings,
is validated (:func:`receive_upload`), then committed in a background thread whose progress a page can
show (:class:`Jobs`). A file that fails validation is deleted at once. Nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from geoworks.catalogue import Catalogue
from geoworks.importers.batches import BatchError, commit
from geoworks.importers.columns import MappingError, parse_map_options
from geoworks.importers.prepare import Prepared, Progress, no_progress, prepare
from geoworks.importers.validate import Options
from geoworks.storage import Store

OPTIONS_FILE = "options.json"
COMMITTING_FILE = "committing.json"
ALLOWED = (".geojson", ".json", ".gpkg", ".zip", ".shp", ".parquet", ".geoparquet", ".csv", ".tsv", ".kml", ".kmz")
log = logging.getLogger(__name__)


class UploadError(ValueError):
    """An upload cannot be checked or committed. ``kind``: refused (bad file type or settings), unknown
    (no such upload waiting), forbidden (another user's upload) or uncheckable (validation itself failed)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Received:
    """A checked upload: its token, its saved settings and the validation outcome (its file is kept only when ok)."""

    token: str
    data: dict
    prepared: Prepared


def options(data: dict) -> Options:
    """The validation options of an upload's saved settings."""
    return Options(
        crs=data.get("crs") or None,
        source_layer=data.get("source_layer") or None,
        mapping=data.get("mapping") or {},
        strict=bool(data.get("strict")),
        outside=data.get("outside") or "skip",
    )


def prepare_upload(
    token_dir: Path, data: dict, store: Store, catalogue: Catalogue, progress: Progress | None = None
) -> Prepared:
    """Validate the uploaded file of ``token_dir`` with its saved settings ``data`` (nothing is written)."""
    districts: gpd.GeoDataFrame | None = None
    if data["layer"] != "districts" and not store.is_empty():
        districts = store.read_layer("districts")
    return prepare(
        token_dir / data["file"],
        data["layer"],
        catalogue,
        districts,
        options(data),
        progress=progress or no_progress,
        label=data["file"],
    )


def save_upload(uploads: Path, name: str, save: Callable[[Path], None], data: dict) -> tuple[str, Path]:
    """A new token folder under ``uploads`` holding the file (``save(path)`` writes it) and its settings."""
    token = secrets.token_hex(12)
    token_dir = uploads / token
    token_dir.mkdir(parents=True)
    save(token_dir / name)
    (token_dir / OPTIONS_FILE).write_text(json.dumps(data))
    return token, token_dir


def pending_upload(uploads: Path, token: str) -> tuple[Path, dict] | None:
    """The token folder and settings of an upload waiting for its commit, or None when unknown or expired."""
    token_dir = uploads / token
    if not token.isalnum() or not (token_dir / OPTIONS_FILE).exists():
        return None
    return token_dir, json.loads((token_dir / OPTIONS_FILE).read_text())


def upload_settings(name: str, fields: dict, user: str) -> dict:
    """The settings saved with upload ``name``: the form's ``fields`` (layer, crs, source_layer, maps as
    ``field=column`` lines, strict, outside, force) and the user; UploadError (refused) when unusable."""
    if not name.lower().endswith(ALLOWED):
        raise UploadError(f"{name}: unsupported file type; use one of {', '.join(ALLOWED)}", "refused")
    try:
        mapping = parse_map_options([ln.strip() for ln in (fields.get("maps") or "").splitlines() if ln.strip()])
    except MappingError as exc:
        raise UploadError(str(exc), "refused") from None
    return {
        "file": name,
        "layer": fields.get("layer"),
        "crs": fields.get("crs"),
        "source_layer": fields.get("source_layer"),
        "mapping": mapping,
        "strict": fields.get("strict"),
        "outside": fields.get("outside"),
        "force": fields.get("force"),
        "user": user,
    }


def receive_upload(
    uploads: Path, name: str, save: Callable[[Path], None], fields: dict, user: str, store: Store, catalogue: Catalogue
) -> Received:
    """Save upload ``name`` (``save(path)`` writes it) with its settings and validate it (nothing is stored).

    UploadError: refused (file type, column mapping) or uncheckable (validation itself failed; the
    file is deleted). A file that fails validation is deleted too; a valid one waits for its commit.
    """
    data = upload_settings(name, fields, user)
    token, token_dir = save_upload(uploads, name, save, data)
    try:
        prepared = prepare_upload(token_dir, data, store, catalogue)
    except Exception as exc:  # an unforeseen reader failure is reported, never a crash
        log.exception("validation failed")
        shutil.rmtree(token_dir, ignore_errors=True)
        raise UploadError(f"{name}: cannot be checked ({type(exc).__name__}: {exc})", "uncheckable") from None
    if not prepared.ok:
        shutil.rmtree(token_dir, ignore_errors=True)
    return Received(token, data, prepared)


@dataclass
class Jobs:
    """The import jobs of one process: id -> a dict with state, stage, done, total, and the outcome."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _jobs: dict[str, dict] = field(default_factory=dict)

    def get(self, job_id: str) -> dict | None:
        """A copy of job ``job_id``'s state, or None."""
        with self._lock:
            job = self._jobs.get(job_id)
            return dict(job) if job is not None else None

    def commit_upload(
        self, uploads: Path, token: str, user: str, store: Store, catalogue: Catalogue, now: dt.datetime
    ) -> str:
        """Start committing ``user``'s upload ``token`` (see :meth:`start_commit`); the job's id.

        UploadError: unknown (no such upload waiting) or forbidden (another user's upload).
        """
        pending = pending_upload(uploads, token)
        if pending is None:
            raise UploadError("unknown or expired upload; upload the file again", "unknown")
        token_dir, data = pending
        if data.get("user") != user:
            raise UploadError("this upload belongs to another user", "forbidden")
        return self.start_commit(token_dir, data, store, catalogue, now)

    def start_commit(self, token_dir: Path, data: dict, store: Store, catalogue: Catalogue, now: dt.datetime) -> str:
        """Commit the validated upload of ``token_dir`` in a background thread; the job's id."""
        job_id = secrets.token_hex(8)
        job = {
            "id": job_id,
            "state": "running",
            "stage": "validate",
            "done": 0,
            "total": 0,
            "file": data["file"],
            "user": data["user"],
            "layer": data["layer"],
        }
        with self._lock:
            self._jobs[job_id] = job
        (token_dir / OPTIONS_FILE).rename(token_dir / COMMITTING_FILE)
        thread = threading.Thread(target=self._run, args=(job, token_dir, data, store, catalogue, now), daemon=True)
        thread.start()
        return job_id

    def _update(self, job: dict, **values) -> None:
        with self._lock:
            job.update(values)

    def _run(
        self, job: dict, token_dir: Path, data: dict, store: Store, catalogue: Catalogue, now: dt.datetime
    ) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            self._update(job, stage=stage, done=int(done), total=int(total))

        try:
            prepared = prepare_upload(token_dir, data, store, catalogue, progress=progress)
            if not prepared.ok:
                self._update(job, state="failed", error="; ".join(prepared.report.lines()[:5]) or "validation failed")
                return
            row = commit(
                store,
                catalogue,
                [prepared],
                data["user"],
                data["file"],
                force=bool(data.get("force")),
                progress=progress,
                now=now,
            )
            self._update(job, state="done", batch=row["id"], features=row["features"])
        except BatchError as exc:
            self._update(job, state="failed", error=str(exc))
        except Exception as exc:  # reported on the job page; the store is unchanged (copy-on-write)
            log.exception("import job failed")
            self._update(job, state="failed", error=f"import failed: {type(exc).__name__}: {exc}")
        finally:
            shutil.rmtree(token_dir, ignore_errors=True)
