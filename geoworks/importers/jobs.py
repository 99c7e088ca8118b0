"""Uploads and their jobs: an uploaded file waits under ``<data dir>/uploads/<token>/`` with its settings,
is validated (:func:`receive_upload`), then committed in a background thread whose progress a page can
show (:class:`Jobs`). A file that fails validation is deleted at once; one never committed is removed
after GEOWORKS_UPLOAD_MAX_AGE_H hours (:func:`sweep_uploads`, at app start and on every new upload).
Folders are 0700 and files 0600. Messages name the uploaded file, never a path of the server.
Nothing here knows about HTTP.
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

from geoworks import clock
from geoworks.catalogue import Catalogue
from geoworks.config import load_config, number
from geoworks.importers.batches import BatchError, commit
from geoworks.importers.columns import MappingError, parse_map_options
from geoworks.importers.prepare import Prepared, Progress, no_progress, prepare
from geoworks.importers.validate import Options
from geoworks.io.safety import scrub
from geoworks.storage import Store
from geoworks.storage.private import make_private, private_dir

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
    """A new token folder (0700) under ``uploads`` holding the file (``save(path)`` writes it) and its settings,
    both 0600; the settings record when it was saved (``saved``, by :mod:`geoworks.clock`)."""
    token = secrets.token_hex(12)
    token_dir = private_dir(uploads) / token
    token_dir.mkdir(mode=0o700)
    save(token_dir / name)
    make_private(token_dir / name)
    (token_dir / OPTIONS_FILE).touch(mode=0o600)
    (token_dir / OPTIONS_FILE).write_text(json.dumps({"saved": clock.stamp(), **data}))
    return token, token_dir


def sweep_uploads(uploads: Path, now: dt.datetime, max_age_hours: float) -> list[str]:
    """Remove the uploads never committed that were saved more than ``max_age_hours`` before ``now``; their
    tokens. An upload being committed is left alone; one whose settings cannot be read counts from its
    folder's time."""
    removed: list[str] = []
    if not uploads.is_dir():
        return removed
    cutoff = now - dt.timedelta(hours=max_age_hours)
    for token_dir in uploads.iterdir():
        options_file = token_dir / OPTIONS_FILE
        if not token_dir.is_dir() or (token_dir / COMMITTING_FILE).exists() or not options_file.exists():
            continue
        if _saved(options_file) < cutoff:
            shutil.rmtree(token_dir, ignore_errors=True)
            removed.append(token_dir.name)
    return removed


def _saved(options_file: Path) -> dt.datetime:
    try:
        return clock.parse_moment(json.loads(options_file.read_text())["saved"])
    except (OSError, ValueError, KeyError, TypeError):
        return dt.datetime.fromtimestamp(options_file.stat().st_mtime, dt.UTC)


def sweep_configured(uploads: Path, config: dict | None = None) -> list[str]:
    """:func:`sweep_uploads` with the clock and GEOWORKS_UPLOAD_MAX_AGE_H of ``config`` (default: the
    environment's); a failed sweep is logged, never raised."""
    config = config if config is not None else load_config()
    try:
        return sweep_uploads(uploads, clock.now(config), number(config, "GEOWORKS_UPLOAD_MAX_AGE_H"))
    except OSError:
        log.exception("sweeping old uploads failed")
        return []


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
    sweep_configured(uploads)
    token, token_dir = save_upload(uploads, name, save, data)
    try:
        prepared = prepare_upload(token_dir, data, store, catalogue)
    except Exception as exc:  # an unforeseen reader failure is reported, never a crash
        log.exception("validation failed")
        shutil.rmtree(token_dir, ignore_errors=True)
        detail = scrub(f"{type(exc).__name__}: {exc}", name, token_dir / name)
        raise UploadError(f"{name}: cannot be checked ({detail[:300]})", "uncheckable") from None
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
            detail = scrub(f"{type(exc).__name__}: {exc}", data["file"], token_dir / data["file"])
            self._update(job, state="failed", error=f"import failed: {detail[:300]}")
        finally:
            shutil.rmtree(token_dir, ignore_errors=True)
