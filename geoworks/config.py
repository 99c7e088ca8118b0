"""Configuration: defaults, overridden by GEOWORKS_* environment variables, then by the caller."""
from __future__ import annotations

import os
from typing import Mapping

DEFAULTS: dict[str, object] = {
    "GEOWORKS_DATA_DIR": "instance",
    "GEOWORKS_STORE": "gpkg",
    "GEOWORKS_TILES": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "GEOWORKS_TILES_ATTRIBUTION": "© OpenStreetMap contributors",
    "GEOWORKS_TOLERANCE_PCT": 2.0,
}


def load_config(overrides: Mapping | None = None) -> dict:
    """DEFAULTS, then every GEOWORKS_* environment variable, then ``overrides``."""
    cfg = dict(DEFAULTS)
    cfg.update({k: v for k, v in os.environ.items() if k.startswith("GEOWORKS_")})
    cfg.update(overrides or {})
    return cfg


def flag(config: Mapping, key: str, default: bool) -> bool:
    """A yes/no setting: True, 1, "1", "true", "yes", "on" are yes; an unset key gives ``default``."""
    value = config.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
