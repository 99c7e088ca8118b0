"""The /plan page's view and map, built without Flask; the page's texts are translated."""

from __future__ import annotations

import json
import re
from pathlib import Path

import flask
import geopandas as gpd
import pytest

from geoworks.maps.base import MapOptions
from geoworks.maps.plan import metres_text, plan_map
from geoworks.plan.page import GAP_FIELDS, TEMPLATE, error_page, page_view
from geoworks.plan.params import PlanForm
from geoworks.plan.service import GapsService, UploadedTargets

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = MapOptions(tiles="none")
LABELS = {"network": "Net", "gaps": "Holes", "status_ok": "by road"}
BLOCKS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"ID": "b1", "Name": "<b>Block</b>"},
            "geometry": {"type": "Point", "coordinates": [76.93, 43.25]},
        },
    ],
}


@pytest.fixture(scope="module")
def service():
    return GapsService()


def test_page_view_without_flask(service, demo_store, catalogue):
    assert not flask.has_app_context()
    form = PlanForm("water", "courtyards", "100", "medeu")
    view = page_view(demo_store, catalogue, service, form, OPTIONS, LABELS)
    ctx = view.context
    assert view.status == 200 and ctx["errors"] == [] and ctx["params"] is form and ctx["labels"] is LABELS
    assert ctx["result"] == {"network": "water", "targets": "courtyards", "threshold_m": 100.0}
    assert ctx["query"] == {"network": "water", "targets": "courtyards", "threshold": "100", "district": "medeu"}
    assert "water" in ctx["networks"] and "roads" not in ctx["networks"] and "courtyards" in ctx["target_layers"]
    assert "L.map(" in ctx["map"]["script"] and ctx["map_name"] == ctx["map"]["name"]
    gaps = ctx["gaps"]
    assert gaps and all(set(g) == set(GAP_FIELDS) for g in gaps)
    distances = [g["distance_m"] for g in gaps]
    assert distances == sorted(distances, reverse=True) and min(distances) > 100
    assert {g["district"] for g in gaps} == {"medeu"}
    assert [r["district"] for r in ctx["summary"]] == ["medeu", "city"]
    json.dumps(ctx["summary"])
    assert TEMPLATE == "plan/page.html" and (ROOT / "templates" / TEMPLATE).is_file()


def test_page_view_bad_input_is_400_with_the_message(service, demo_store, catalogue):
    form = PlanForm("plumbing", "courtyards", "100", None)
    view = page_view(demo_store, catalogue, service, form, OPTIONS, LABELS)
    assert view.status == 400 and view.context["result"] is None
    assert view.context["errors"][0].startswith("unknown network layer 'plumbing'")
    view = error_page(catalogue, form, LABELS, ["no file"])
    assert view.status == 400 and view.context["errors"] == ["no file"] and view.context["upload"] is None


def test_page_view_for_an_upload(service, demo_store, catalogue):
    upload = UploadedTargets("<i>blocks</i>.geojson", json.dumps(BLOCKS).encode())
    view = page_view(demo_store, catalogue, service, PlanForm(threshold="100"), OPTIONS, LABELS, upload)
    ctx = view.context
    assert view.status == 200 and ctx["upload"] == upload.name and ctx["query"] is None
    assert ctx["result"]["targets"] == upload.name
    assert [(g["id"], g["name"]) for g in ctx["gaps"]] in ([], [("b1", "<b>Block</b>")])
    # the name reaches the map only as a GeoJSON property, shown with textContent
    assert "<b>Block</b>" not in ctx["map"]["html"] and "textContent" in ctx["map"]["script"]
    bad = page_view(
        demo_store,
        catalogue,
        service,
        PlanForm(),
        OPTIONS,
        LABELS,
        UploadedTargets("blocks.geojson", b'{"type":"FeatureCollection","features":[]}'),
    )
    assert bad.status == 400 and "blocks.geojson" in bad.context["errors"][0]
    assert bad.context["upload"] == "blocks.geojson"


def test_plan_map_falls_back_to_the_city_box(service, demo_store, catalogue):
    full = service.compute(demo_store, catalogue, "water", "courtyards", 100, routes=False)
    empty = type(full)(full.table.iloc[:0], full.summary, 100.0, "water", "courtyards")
    network = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    html = plan_map(empty, network, "#000000", OPTIONS, LABELS, city_bbox=(10.0, 20.0, 11.0, 21.0)).get_root().render()
    assert re.search(r"fitBounds\(\s*\[\[20\.0, 10\.0\], \[21\.0, 11\.0\]\]", html)
    minx, miny, maxx, maxy = catalogue.city.bbox
    html = plan_map(empty, network, "#000000", OPTIONS, LABELS, city_bbox=catalogue.city.bbox).get_root().render()
    assert f"[[{miny}, {minx}], [{maxy}, {maxx}]]" in html


def test_metres_text():
    assert metres_text(1234.4) == "1 234" and metres_text(1234.5, "\u202f") == "1\u202f234"
    assert metres_text(12) == "12"
    assert [metres_text(v) for v in (None, float("nan"), float("inf"), "12")] == ["—"] * 4


def test_every_plan_text_is_translated():
    from babel.messages.pofile import read_po

    sources = [ROOT / "geoworks/web/plan.py", ROOT / "templates" / TEMPLATE]
    pattern = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    msgids = {a or b for src in sources for a, b in pattern.findall(src.read_text(encoding="utf-8"))}
    assert len(msgids) > 30
    for lang in ("kk", "ru"):
        known = {}
        for part in ("plan", "base"):
            with (ROOT / "geoworks/translations" / part / lang / "LC_MESSAGES/messages.po").open("rb") as fh:
                known.update({m.id: m.string for m in read_po(fh) if m.id})
        assert sorted(m for m in msgids if not known.get(m)) == [], lang
