"""The Flask app factory."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from geoworks.catalogue import Catalogue, default_catalogue
from geoworks.config import load_config
from geoworks.resources import resource_dir
from geoworks.storage import Store, open_store
from geoworks.totals import TotalsCache


@dataclass
class Services:
    """What the blueprints use: the store, the catalogue and the totals cache."""

    store: Store
    catalogue: Catalogue
    totals: TotalsCache


def init_services(app: Flask) -> Services:
    services = Services(open_store(app.config), default_catalogue(), TotalsCache())
    app.extensions["geoworks"] = services
    return services


def create_app(test_config: dict | None = None) -> Flask:
    """Create the geoworks app; ``test_config`` overrides config (e.g. GEOWORKS_DATA_DIR)."""
    app = Flask("geoworks", template_folder=str(resource_dir("templates")),
                static_folder=str(resource_dir("static")), instance_relative_config=False)
    app.config.update(load_config(test_config))
    init_services(app)
    from geoworks.web import pages

    app.register_blueprint(pages.bp)
    return app
