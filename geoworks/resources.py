"""Where the shipped folders layers/, templates/ and static/ live.

In a source checkout (or an editable install) they sit beside the package;
an installed wheel carries them under ``<prefix>/share/geoworks/``.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

_NAMES = ("layers", "templates", "static")


def resource_dir(name: str) -> Path:
    """Absolute path of the shipped folder ``name`` (layers, templates or static)."""
    if name not in _NAMES:
        raise ValueError(f"unknown resource folder {name!r}")
    here = Path(__file__).resolve().parent.parent / name
    if here.is_dir():
        return here
    for prefix in (sys.prefix, sysconfig.get_paths()["data"]):
        candidate = Path(prefix) / "share" / "geoworks" / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"geoworks resource folder '{name}' not found (looked beside the package and in share/geoworks)"
    )
