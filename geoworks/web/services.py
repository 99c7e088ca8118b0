"""What the blueprints share: one :class:`Services` object per app, holding the store,
the catalogue and every cache, index and job table the app keeps between requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import cast

from flask import current_app, g, has_request_context

from geoworks.cache import LRUCache
from geoworks.catalogue import Catalogue
from geoworks.importers.jobs import Jobs
from geoworks.maps.base import MapOptions
from geoworks.maps.features import PreparedCache, ResponseCache
from geoworks.near.index import NearCache
from geoworks.near.streets import StreetCache
from geoworks.ogcapi import IndexCache
from geoworks.plan.service import GapsService
from geoworks.residents.index import RequestsCache
from geoworks.residents.suggest import WorkLookupCache
from geoworks.storage import Store, Transaction
from geoworks.totals import TotalsCache

KEY = "geoworks"
_VERSION = "_geoworks_data_version"


class RequestStore:
    """The app's store, with the data version read once per request: every cache one request
    consults keys on the same version (one round trip to a database store per request), and a
    write made by the request itself is seen by it afterwards. Everything else is the store's."""

    def __init__(self, store: Store):
        self._store = store

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def version(self) -> str:
        if not has_request_context():
            return self._store.version()
        version = g.get(_VERSION)
        if version is None:
            version = self._store.version()
            setattr(g, _VERSION, version)
        return version

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        try:
            with self._store.transaction() as tx:
                yield tx
        finally:
            if has_request_context():
                g.pop(_VERSION, None)


@dataclass
class Services:
    """The app's state. Every cache keys on the store's data version, so a commit is seen at once."""

    store: Store
    catalogue: Catalogue
    totals: TotalsCache = field(default_factory=TotalsCache)
    pages: LRUCache = field(default_factory=lambda: LRUCache(128))  # rendered pages for anonymous visitors
    map_layers: PreparedCache = field(default_factory=PreparedCache)  # layers prepared for the map
    map_responses: ResponseCache = field(default_factory=ResponseCache)  # features endpoint answers
    api_responses: LRUCache = field(default_factory=lambda: LRUCache(128))  # /api/totals answers
    ogc_indexes: IndexCache = field(default_factory=IndexCache)  # OGC API collection indexes
    near: NearCache = field(default_factory=NearCache)  # the near-me index
    streets: StreetCache = field(default_factory=StreetCache)  # street search over the near index
    gaps: GapsService = field(default_factory=GapsService)  # network gaps per request
    requests: RequestsCache = field(default_factory=RequestsCache)  # residents' requests index and answers
    works_lookup: WorkLookupCache = field(default_factory=WorkLookupCache)  # works by (layer, id), for requests
    jobs: Jobs = field(default_factory=Jobs)  # background import jobs
    warming: dict[str, threading.Thread] = field(default_factory=dict)  # caches being filled at start, by name
    _meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.store, RequestStore):
            self.store = cast(Store, RequestStore(self.store))

    def meta(self) -> dict[str, str]:
        """The store's ``meta`` table as a dict (dataset, source, ...), cached per data version."""
        version = self.store.version()
        if self._meta.get("version") != version:
            table = self.store.read_table("meta")
            values = dict(zip(table["key"], table["value"])) if len(table) else {}
            self._meta = {"version": version, "values": values}
        return self._meta["values"]

    def is_demo(self) -> bool:
        return self.meta().get("dataset") == "demo"

    def wait_for_warm_up(self, name: str) -> None:
        """A request arriving while cache ``name`` is being filled waits rather than computing the same twice."""
        thread = self.warming.get(name)
        if thread is not None and thread.is_alive():
            thread.join()


def services() -> Services:
    """The current app's services."""
    return current_app.extensions[KEY]


def map_options(shown_layers: tuple[str, ...] | None = None) -> MapOptions:
    """MapOptions for this request: configured tiles, the app's own assets, the request's language."""
    from flask import url_for

    from geoworks.config import setting
    from geoworks.web.i18n import current_language

    cfg, svc, lang = current_app.config, services(), current_language()
    meta = svc.meta()
    return MapOptions(
        tiles=str(setting(cfg, "GEOWORKS_TILES") or ""),
        tiles_attribution=str(setting(cfg, "GEOWORKS_TILES_ATTRIBUTION") or ""),
        data_attribution=str(meta.get("attribution") or meta.get("source") or ""),
        asset_base=url_for("static", filename="vendor"),
        lang=lang,
        layer_names={lid: lyr.names.get(lang) for lid, lyr in svc.catalogue.layers.items()},
        shown_layers=shown_layers,
        requests=_requests_layer(),
    )


def _requests_layer() -> dict | None:
    """The residents' requests layer's URLs and words (None when the app does not serve requests)."""
    if "requests.map_data" not in current_app.view_functions:
        return None
    from geoworks.web.requests import map_layer_options

    return map_layer_options()
