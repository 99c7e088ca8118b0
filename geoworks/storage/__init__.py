"""Storage backends behind one small interface, chosen by name from config.

``open_store(config)`` returns a :class:`Store`. The embedded GeoPackage backend ("gpkg") is
the default; ``GEOWORKS_DATABASE_URL=postgresql://...`` selects the shared PostGIS backend
("postgis"). A backend registers itself in ``BACKENDS`` under its name, the way a provider
registry works; nothing outside this package knows which one is in use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from geoworks.config import data_dir, setting
from geoworks.storage.base import (
    WORK_COLUMNS,
    LayerQuery,
    LayerSummary,
    QueryResult,
    Store,
    StoreError,
    Transaction,
    empty_works,
)
from geoworks.storage.gpkg import GeoPackageStore


def _postgis(cfg: Mapping) -> Store:
    url = str(setting(cfg, "GEOWORKS_DATABASE_URL") or "")
    if not url.startswith(("postgresql://", "postgres://")):
        raise StoreError(
            "the postgis backend needs GEOWORKS_DATABASE_URL=postgresql://user[:password]@host[:port]/database"
        )
    from geoworks.storage.postgis import PostGISStore  # psycopg is imported only when it is used

    return PostGISStore(url, max_idle=int(float(str(setting(cfg, "GEOWORKS_DATABASE_POOL")))))


BACKENDS: dict[str, Callable[[Mapping], Store]] = {
    "gpkg": lambda cfg: GeoPackageStore(data_dir(cfg)),
    "postgis": _postgis,
}


def backend_name(config: Mapping | None = None) -> str:
    """The backend ``config`` selects: "postgis" when GEOWORKS_DATABASE_URL is set (and GEOWORKS_STORE
    names no other backend than the default), else GEOWORKS_STORE (default "gpkg")."""
    cfg = dict(config or {})
    name = str(setting(cfg, "GEOWORKS_STORE"))
    if setting(cfg, "GEOWORKS_DATABASE_URL") and name == "gpkg":
        return "postgis"
    return name


def open_store(config: Mapping | None = None) -> Store:
    """The store ``config`` selects (see :func:`backend_name`)."""
    cfg = dict(config or {})
    name = backend_name(cfg)
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise StoreError(f"unknown storage backend '{name}'; known: {', '.join(BACKENDS)}") from None
    return factory(cfg)


__all__ = [
    "Store",
    "StoreError",
    "Transaction",
    "LayerQuery",
    "LayerSummary",
    "QueryResult",
    "open_store",
    "backend_name",
    "BACKENDS",
    "WORK_COLUMNS",
    "empty_works",
]
