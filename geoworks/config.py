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
    # residents' requests
    "GEOWORKS_REQUESTS_PER_HOUR": 5,  # requests one address may file in an hour without logging in (0: no limit)
    "GEOWORKS_REQUESTS_PER_DAY": 20,  # ... and in a day
    "GEOWORKS_REQUEST_SUGGEST_M": 300.0,  # works suggested to answer a request lie within this many metres
    "GEOWORKS_MAX_REQUESTS_UPLOAD_MB": 10.0,  # a meeting's questions (CSV/XLSX) uploaded to /requests/import
    # the server
    "GEOWORKS_THREADS": 8,  # waitress threads of `geoworks serve` (per worker process)
    "GEOWORKS_WORKERS": 1,  # worker processes of `geoworks serve` (more than 1 needs the PostGIS store)
    "GEOWORKS_WARM_CACHE": None,  # compute totals and indexes at start (default: on, off when TESTING)
    "GEOWORKS_TODAY": None,  # fixes the clock to a day (YYYY-MM-DD), for tests and demos; unset: the system clock
    "GEOWORKS_USER": None,  # the name the command line records on import batches (default: the login name)
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
