"""Residents: works near a place. Page /near, feed /near.atom, API /api/near.

The place comes as lat/lon (map click, geolocation, typed coordinates) or as a
chosen street candidate (``pick=<name>|<district>``); ``q`` searches names.
Each route parses the request, calls one view of :mod:`geoworks.near.views` and
renders its answer.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from geoworks import clock
from geoworks.config import flag
from geoworks.near import views
from geoworks.near.index import NearIndex
from geoworks.web.i18n import current_language, work_status_labels
from geoworks.web.services import KEY, map_options, services

bp = Blueprint("near", __name__)


@bp.record_once
def _warm_up(state) -> None:
    """Build the near index in the background at start (GEOWORKS_WARM_CACHE, on unless TESTING);
    a request arriving meanwhile waits for it inside NearCache."""
    app = state.app
    if not flag(app.config, "GEOWORKS_WARM_CACHE", not app.config.get("TESTING")):
        return

    def warm() -> None:
        with app.app_context():
            try:
                if not services().store.is_empty():
                    _index()
            except Exception:  # the first request shows the error instead
                app.logger.exception("building the near index failed")

    thread = threading.Thread(target=warm, name="geoworks-warm-near", daemon=True)
    app.extensions[KEY].warming["near"] = thread
    thread.start()


def _index() -> NearIndex:
    svc = services()
    return svc.near.get(svc.store, svc.catalogue)


def _args() -> dict[str, list[str]]:
    """The query string, every value of each argument."""
    return request.args.to_dict(flat=False)


def _url(view: str, external: bool = False, **args: Any) -> str:
    return url_for(f"near.{view}", _external=external, **args)


def _words() -> views.Words:
    return views.Words(gettext=gettext, statuses=work_status_labels())


@bp.get("/near")
def page() -> ResponseReturnValue:
    svc = services()
    ctx, status = views.page(
        _index(),
        svc.streets,
        svc.catalogue,
        _args(),
        current_language(),
        words=_words(),
        url=_url,
        map_options=map_options(),
    )
    return render_template("near/page.html", **ctx), status


@bp.get("/api/near")
def api() -> ResponseReturnValue:
    svc = services()
    body, status = views.api(_index(), svc.streets, svc.catalogue, _args(), current_language())
    return jsonify(body), status


@bp.get("/near.atom")
def atom() -> ResponseReturnValue:
    svc = services()
    body, status, mimetype = views.atom(
        _index(),
        svc.streets,
        svc.catalogue,
        _args(),
        current_language(),
        words=_words(),
        url=_url,
        self_url=request.url,
        now=clock.now(current_app.config),
        batches=svc.store.read_table("batches"),
    )
    return Response(body, status=status, mimetype=mimetype)
