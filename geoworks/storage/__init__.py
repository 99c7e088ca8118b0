"""Storage backends behind one small interface, chosen by name from config.

``open_store(config)`` returns a :class:`Store`. The embedded GeoPackage
backend ("gpkg") is the default; a backend registers itself in
``BACKENDS`` under its name, the way a provider registry works.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from geoworks.config import data_dir, setting
from geoworks.storage.base import WORK_COLUMNS, Store, StoreError, Transaction, empty_works
from geoworks.storage.gpkg import GeoPackageStore

BACKENDS: dict[str, Callable[[Mapping], Store]] = {
    "gpkg": lambda cfg: GeoPackageStore(data_dir(cfg)),
}


def open_store(config: Mapping | None = None) -> Store:
    """The store named by ``config['GEOWORKS_STORE']`` (default "gpkg")."""
    cfg = dict(config or {})
    name = str(setting(cfg, "GEOWORKS_STORE"))
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise StoreError(f"unknown storage backend '{name}'; known: {', '.join(BACKENDS)}") from None
    return factory(cfg)


__all__ = ["Store", "StoreError", "Transaction", "open_store", "BACKENDS", "WORK_COLUMNS", "empty_works"]
