"""HTML pages: the city page (placeholder until the map lands)."""
from __future__ import annotations

from flask import Blueprint, render_template

from geoworks.web import services

bp = Blueprint("pages", __name__)


@bp.get("/")
def city():
    svc = services()
    totals = svc.totals.get(svc.store, svc.catalogue)
    table = totals.table[totals.table["district"] == "city"]
    return render_template("placeholder.html", rows=table.to_dict("records"))
