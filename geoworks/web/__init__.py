"""The Flask app factory: config, services, languages, security, then the blueprints, registered explicitly."""

from __future__ import annotations

from flask import Flask

from geoworks.catalogue import default_catalogue
from geoworks.config import load_config, setting
from geoworks.resources import resource_dir
from geoworks.storage import open_store
from geoworks.web.services import KEY, Services, services

__all__ = ["create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Create the geoworks app; ``test_config`` overrides config (e.g. GEOWORKS_DATA_DIR)."""
    app = Flask("geoworks", template_folder=str(resource_dir("templates")), static_folder=str(resource_dir("static")))
    app.config.update(load_config(test_config))
    app.extensions[KEY] = Services(open_store(app.config), default_catalogue())

    from geoworks.web import i18n, security

    i18n.init_app(app)
    security.init_app(app)

    @app.context_processor
    def data_helpers():
        svc = services()
        return {
            "catalogue": svc.catalogue,
            "is_demo": svc.is_demo(),
            "tiles_attribution": setting(app.config, "GEOWORKS_TILES_ATTRIBUTION"),
            "has_endpoint": lambda endpoint: endpoint in app.view_functions,
        }

    from geoworks.web import api, auth, near, ogc, pages, plan, requests, upload, verify

    for module in (pages, api, ogc, near, verify, plan, auth, upload, requests):
        app.register_blueprint(module.bp)
    return app
