"""The Flask app factory and the services the blueprints share."""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field

from flask import Flask, current_app

from geoworks.catalogue import Catalogue, default_catalogue
from geoworks.config import load_config, setting
from geoworks.resources import resource_dir
from geoworks.storage import Store, open_store
from geoworks.totals import TotalsCache

# Blueprint modules under geoworks.web, registered in this order when present.
BLUEPRINTS = ("pages", "api", "ogc", "near", "verify", "plan", "auth", "upload")


@dataclass
class Services:
    """What the blueprints use: the store, the catalogue and the caches."""

    store: Store
    catalogue: Catalogue
    totals: TotalsCache
    _meta: dict = field(default_factory=dict)

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


def services() -> Services:
    """The current app's services."""
    return current_app.extensions["geoworks"]


def map_options(shown_layers: tuple[str, ...] | None = None):
    """MapOptions for this request: configured tiles, the app's own assets, the request's language."""
    from flask import url_for

    from geoworks.web.i18n import current_language
    from geoworks.maps.city import MapOptions

    cfg, svc, lang = current_app.config, services(), current_language()
    meta = svc.meta()
    return MapOptions(tiles=str(setting(cfg, "GEOWORKS_TILES") or ""),
                      tiles_attribution=str(setting(cfg, "GEOWORKS_TILES_ATTRIBUTION") or ""),
                      data_attribution=str(meta.get("attribution") or meta.get("source") or ""),
                      asset_base=url_for("static", filename="vendor"), lang=lang,
                      layer_names={lid: lyr.names.get(lang) for lid, lyr in svc.catalogue.layers.items()},
                      shown_layers=shown_layers)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the geoworks app; ``test_config`` overrides config (e.g. GEOWORKS_DATA_DIR)."""
    app = Flask("geoworks", template_folder=str(resource_dir("templates")),
                static_folder=str(resource_dir("static")))
    app.config.update(load_config(test_config))
    app.extensions["geoworks"] = Services(open_store(app.config), default_catalogue(), TotalsCache())
    from geoworks.web import i18n

    i18n.init_app(app)

    @app.context_processor
    def data_helpers():
        svc = services()
        return {"catalogue": svc.catalogue, "is_demo": svc.is_demo(),
                "tiles_attribution": setting(app.config, "GEOWORKS_TILES_ATTRIBUTION"),
                "has_endpoint": lambda endpoint: endpoint in app.view_functions}

    for name in BLUEPRINTS:
        module_name = f"geoworks.web.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        app.register_blueprint(importlib.import_module(module_name).bp)
    return app
