"""Configuration: every default in one place, overridden by GEOWORKS_* environment variables, then by the caller.

``load_config(overrides)`` gives DEFAULTS, then the environment, then ``overrides``
(``create_app({...})`` passes its test config here). Values from the environment are
strings; read them with :func:`setting`, :func:`number` or :func:`flag`, which apply
the default's type.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEFAULTS: dict[str, object] = {
    # where the data lives
    "GEOWORKS_DATA_DIR": "instance",  # the store, users, uploads and the secret key
    "GEOWORKS_STORE": "gpkg",  # storage backend (geoworks.storage.BACKENDS)
    # the shared PostGIS store: postgresql://user[:password]@host[:port]/database; when set, the store,
    # import batches, claims and users live in that database (run `geoworks db init` once) instead of the
    # GeoPackage under GEOWORKS_DATA_DIR, which then keeps only uploads waiting for their commit and the secret key
    "GEOWORKS_DATABASE_URL": None,
    "GEOWORKS_DATABASE_POOL": 16,  # idle database connections kept per process for reuse
    # the map's base layer
    "GEOWORKS_TILES": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",  # "none" for a plain background
    "GEOWORKS_TILES_ATTRIBUTION": "© OpenStreetMap contributors",
    # verification and planning
    "GEOWORKS_TOLERANCE_PCT": 2.0,  # reported vs measured: differences within this many percent are confirmed
    "GEOWORKS_GAP_THRESHOLD_M": 100.0,  # a target farther than this from a network line is a gap
    # uploads and requests
    "GEOWORKS_MAX_UPLOAD_MB": 100.0,  # an uploaded file (import) larger than this is refused
    "GEOWORKS_MAX_PLAN_UPLOAD_MB": 10.0,  # a targets file uploaded to /plan
    "GEOWORKS_MAX_CLAIMS_UPLOAD_MB": 2.0,  # a claims CSV uploaded to /verify/claims/new
    "GEOWORKS_UPLOAD_MAX_AGE_H": 24.0,  # an upload validated but never committed is removed after this many hours
    # any other request body (forms, JSON): larger ones get 413 before they are read; MAX_CONTENT_LENGTH
    # (the whole app) is the largest of the GEOWORKS_MAX_*_MB settings
    "GEOWORKS_MAX_BODY_MB": 1.0,
    "GEOWORKS_MAX_QUERY_CHARS": 4000,  # a longer query string (after ?) is refused with 400
    "GEOWORKS_MAX_PLAN_TARGETS": 5000,  # targets one /plan upload may hold (more: 400 naming the limit)
    # residents' requests
    "GEOWORKS_REQUESTS_PER_HOUR": 5,  # requests one address may file in an hour without logging in (0: no limit)
    "GEOWORKS_REQUESTS_PER_DAY": 20,  # ... and in a day
    "GEOWORKS_REQUEST_SUGGEST_M": 300.0,  # works suggested to answer a request lie within this many metres
    "GEOWORKS_MAX_REQUESTS_UPLOAD_MB": 10.0,  # a meeting's questions (CSV/XLSX) uploaded to /requests/import
    # the server
    "GEOWORKS_THREADS": 8,  # waitress threads of `geoworks serve` in one process
    "GEOWORKS_WORKERS": 1,  # worker processes of `geoworks serve` (more than 1 needs the PostGIS store)
    # threads per worker process when there are several: few threads per process keep the tail short (each
    # process has one GIL; 4 workers x 2 threads: p99 of /api/totals 46 ms against 55 ms with 8 threads each)
    "GEOWORKS_WORKER_THREADS": 2,
    # the Dask engine of `geoworks measure/totals --engine dask` (geoworks.scale; the extra geoworks[dask])
    "GEOWORKS_DASK_SCHEDULER": "threads",  # threads, processes, synchronous, or a dask.distributed address tcp://host:8786
    "GEOWORKS_DASK_PARTITIONS": 0,  # lon/lat rectangles (spatial partitions) over the districts; 0: ~60,000 lines each
    "GEOWORKS_DASK_CHUNK": 100_000,  # features read per partition of the source file
    "GEOWORKS_DASK_WORKDIR": None,  # the temporary partitioned GeoParquet (default: system temp; shared by workers)
    "GEOWORKS_WARM_CACHE": None,  # compute totals and indexes at start (default: on, off when TESTING)
    "GEOWORKS_TODAY": None,  # fixes the clock to a day (YYYY-MM-DD), for tests and demos; unset: the system clock
    "GEOWORKS_USER": None,  # the name the command line records on import batches (default: the login name)
    # security (docs/deploy.md, "Security settings")
    "GEOWORKS_SECRET_KEY": None,  # signs the session cookies (also SECRET_KEY); unset: <data dir>/.secret_key
    "GEOWORKS_HTTPS": False,  # served over https (directly or behind a TLS proxy): https URLs, HSTS, Secure cookies
    "GEOWORKS_SECURE_COOKIES": None,  # session and language cookies only over https (default: GEOWORKS_HTTPS)
    "GEOWORKS_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-For/-Proto/-Host are trusted (ProxyFix)
    "GEOWORKS_SESSION_HOURS": 8.0,  # a login lasts this long at most (then log in again)
    "GEOWORKS_LOGIN_FAILURES": 10,  # failed logins per account, and per address, before a wait (429)
    "GEOWORKS_LOGIN_WAIT_MIN": 15.0,  # ... counted over this many minutes; the wait ends as the oldest expires
}


def load_config(overrides: Mapping | None = None) -> dict:
    """DEFAULTS, then every GEOWORKS_* environment variable, then ``overrides``."""
    cfg = dict(DEFAULTS)
    cfg.update({k: v for k, v in os.environ.items() if k.startswith("GEOWORKS_")})
    cfg.update(overrides or {})
    return cfg


def setting(config: Mapping, key: str):
    """The value of ``key``: the config's, else the default (a blank value counts as unset)."""
    value = config.get(key)
    return DEFAULTS.get(key) if value is None or value == "" else value


def number(config: Mapping, key: str) -> float:
    """A numeric setting; ValueError naming the setting when it is not a number."""
    value = setting(config, key)
    try:
        return float(str(value))
    except (TypeError, ValueError):
        raise ValueError(f"setting {key} must be a number, got {value!r}") from None


def data_dir(config: Mapping) -> Path:
    """The data directory (GEOWORKS_DATA_DIR)."""
    return Path(str(setting(config, "GEOWORKS_DATA_DIR")))


def flag(config: Mapping, key: str, default: bool) -> bool:
    """A yes/no setting: True, 1, "1", "true", "yes", "on" are yes; an unset key gives ``default``."""
    value = config.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
