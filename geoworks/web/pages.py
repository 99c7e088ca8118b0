"""HTML pages."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def city():
    services = current_app.extensions["geoworks"]
    totals = services.totals.get(services.store, services.catalogue)
    table = totals.table[totals.table["district"] == "city"]
    return render_template("placeholder.html", rows=table.to_dict("records"), catalogue=services.catalogue)
