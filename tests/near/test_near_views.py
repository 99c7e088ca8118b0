"""Near-me views without Flask: the page's context, the API's GeoJSON and the Atom feed as plain data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import feedparser
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geoworks.maps.base import MapOptions
from geoworks.maps.near import near_map
from geoworks.near import views
from geoworks.near.index import NearCache, NearIndex, NearInputError, parse_query
from geoworks.near.streets import StreetCache
from tests.helpers.geometry import offset

LAT, LON = 43.25, 76.93
NOW = dt.datetime(2026, 6, 15, tzinfo=dt.UTC)
BATCHES = pd.DataFrame([{"id": "t", "created": "2026-01-05T10:00:00+00:00"}])
ROOT = Path(__file__).resolve().parents[2]


def _works(rows) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [
            {
                "id": wid,
                "name": name,
                "name_ru": name_ru,
                "status": status,
                "start_date": start,
                "end_date": end,
                "year": 2026,
                "contractor": contractor,
                "district": district,
                "batch_id": "t",
                "geometry": geom,
            }
            for wid, name, name_ru, status, start, end, contractor, district, geom in rows
        ],
        geometry="geometry",
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def index() -> NearIndex:
    mid = offset(LON, LAT, 180, 50)
    roads = _works(
        [
            (
                "n300",
                "Абай даңғылы",
                "проспект Абая",
                "planned",
                "2026-12-01",
                "2026-12-31",
                "ТОО «Дорстрой»",
                "almaly",
                shapely.Point(offset(LON, LAT, 0, 300)),
            ),
            (
                "e499",
                "Сәтбаев көшесі",
                "улица Сатпаева",
                "in_progress",
                "2026-03-01",
                "2026-12-20",
                "ТОО <b>Evil</b>",
                "almaly",
                shapely.Point(offset(LON, LAT, 90, 499)),
            ),
            (
                "e501",
                "Абай даңғылы",
                "проспект Абая",
                "planned",
                "2026-12-01",
                "2026-12-31",
                "ТОО «Дорстрой»",
                "almaly",
                shapely.Point(offset(LON, LAT, 90, 501)),
            ),
            (
                "b2",
                "Абай даңғылы",
                "проспект Абая",
                "planned",
                "2026-12-01",
                "2026-12-31",
                "ТОО «Дорстрой»",
                "bostandyk",
                shapely.Point(offset(LON, LAT, 180, 3000)),
            ),
        ]
    )
    water = _works(
        [
            (
                "w50",
                "<script>alert(1)</script>",
                "Жандосова",
                "in_progress",
                "2026-01-10",
                "2026-12-25",
                "«Алматы Су»",
                "almaly",
                shapely.LineString([offset(*mid, 270, 3000), mid, offset(*mid, 90, 3000)]),
            ),
        ]
    )
    return NearIndex({"roads": roads, "water": water}, "EPSG:32643")


def url(view: str, external: bool = False, **args) -> str:
    """A stand-in for the blueprint's url_for: /<view>?<args>, lists repeated."""
    return ("http://x" if external else "") + f"/{view}?" + urlencode(args, doseq=True)


def page(index, catalogue, args, lang="ru", words=None):
    return views.page(
        index,
        StreetCache(),
        catalogue,
        args,
        lang,
        words=words or views.Words(),
        url=url,
        map_options=MapOptions(tiles="none", lang=lang),
    )


def test_args_from_strings_or_lists():
    args = {"lat": "43.25", "layer": ["roads", "gas"], "status": []}
    assert views.first(args, "lat") == "43.25" and views.first(args, "layer") == "roads"
    assert views.first(args, "status") is None and views.first(args, "lon") is None
    assert views.every(args, "lat") == ["43.25"] and views.every(args, "layer") == ["roads", "gas"]
    kwargs = views.query_kwargs(args)
    assert kwargs["layers"] == ["roads", "gas"] and kwargs["statuses"] is None and kwargs["date_from"] is None


def test_page_lists_works_nearest_first(index, catalogue):
    ctx, status = page(index, catalogue, {"lat": str(LAT), "lon": str(LON), "layer": ["roads", "water"]})
    assert status == 200 and ctx["error"] is None and ctx["total"] == 3
    assert [r["uid"] for r in ctx["rows"]] == ["water:w50", "roads:n300", "roads:e499"]
    assert [r["name"] for r in ctx["rows"]] == ["Жандосова", "проспект Абая", "улица Сатпаева"]
    assert ctx["lat"] == f"{LAT:.6f}" and ctx["larger"] is None and ctx["larger_url"] is None
    feed = parse_qs(urlsplit(ctx["feed_url"]).query)
    assert ctx["feed_url"].startswith("/atom?") and feed["layer"] == ["roads", "water"]
    assert feed["status"] == ["planned", "in_progress"] and feed["radius"] == ["500"]
    assert ctx["api_url"].startswith("/api?") and ctx["chosen_layers"] == ["roads", "water"]
    assert "leaflet" in ctx["map"]["header"] and ctx["map"]["html"]


def test_page_kazakh_names_and_focus(index, catalogue):
    ctx, _ = page(index, catalogue, {"lat": str(LAT), "lon": str(LON), "focus": "roads:n300"}, lang="kk")
    assert [r["name"] for r in ctx["rows"]] == ["<script>alert(1)</script>", "Абай даңғылы", "Сәтбаев көшесі"]
    script = ctx["map"]["script"]
    assert "<script>alert(1)</script>" not in script and "<b>Evil</b>" not in script  # escaped in the popups


def test_page_without_a_place_is_the_form(index, catalogue):
    ctx, status = page(index, catalogue, {})
    assert status == 200 and ctx["result"] is None and ctx["error"] is None and ctx["rows"] == []
    assert ctx["radius"] == "500" and ctx["chosen_statuses"] == ["planned", "in_progress"]
    assert "leaflet" in ctx["map"]["header"]


def test_page_empty_result_offers_larger_radius(index, catalogue):
    far = offset(LON, LAT, 200, 1500)
    ctx, status = page(index, catalogue, {"lat": str(far[1]), "lon": str(far[0]), "radius": "100"})
    assert status == 200 and ctx["total"] == 0 and ctx["larger"] == 250
    assert "radius=250" in ctx["larger_url"] and ctx["larger_url"].startswith("/page?")


def test_page_street_names(index, catalogue):
    # one place: chosen at once, its works listed, the feed follows the street
    ctx, status = page(index, catalogue, {"q": "Сатпаева"})
    assert status == 200 and ctx["place"].name_ru == "улица Сатпаева" and ctx["total"] >= 1
    assert "pick=" in ctx["feed_url"] and "pick=" not in ctx["api_url"]
    # two places (one name in two districts): candidates to choose from, filters kept for their links
    ctx, status = page(index, catalogue, {"q": "Abai", "radius": "250", "lang": "ru"})
    assert status == 200 and ctx["result"] is None
    assert sorted(c.district for c in ctx["candidates"]) == ["almaly", "bostandyk"]
    assert ctx["pick_args"] == {"radius": ["250"]}
    ctx, status = page(index, catalogue, {"pick": ctx["candidates"][0].key, "q": "Abai"})
    assert status == 200 and ctx["place"] is not None and ctx["result"] is not None


@pytest.mark.parametrize(
    "args, words",
    [
        ({"q": "Nosuchstreet"}, "No street or place with this name in the data: Nosuchstreet."),
        ({"pick": "Nowhere|almaly"}, "No street or place with this name in the data: Nowhere."),
        ({"lat": "51.13", "lon": "71.43"}, "far outside the city"),
        ({"lat": str(LAT), "lon": str(LON), "radius": "20000"}, "between 100 and 5000 metres"),
        ({"lat": str(LAT), "lon": str(LON), "layer": "metro"}, "Unknown layer: metro."),
        ({"lat": "abc", "lon": str(LON)}, "Coordinates must be numbers"),
    ],
)
def test_page_bad_input_400_with_message(index, catalogue, args, words):
    ctx, status = page(index, catalogue, args)
    assert status == 400 and words in ctx["error"] and ctx["result"] is None


def test_error_message_translated():
    tr = {"Unknown status: %(value)s.": "Белгісіз күй: %(value)s."}
    words = views.Words(gettext=lambda s, **kw: tr.get(s, s) % kw if kw else tr.get(s, s))
    assert views.error_message(NearInputError("x", "status", value="dug"), words) == "Белгісіз күй: dug."
    assert views.error_message(NearInputError("something odd", "other"), words) == "something odd"
    labels = views.map_labels(views.Words())
    assert labels["status_in_progress"] == "in progress" and labels["Distance"] == "Distance"


def test_api_feature_collection(index, catalogue):
    body, status = views.api(index, StreetCache(), catalogue, {"lat": str(LAT), "lon": str(LON)}, "en")
    assert status == 200 and body["numberMatched"] == 3
    props = [f["properties"] for f in body["features"]]
    assert [p["id"] for p in props] == ["w50", "n300", "e499"]
    assert props[0]["distance_m"] == pytest.approx(50.0, abs=0.1) and props[0]["layer_name"] == "Water mains"
    assert body["features"][0]["id"] == "water:w50" and body["features"][0]["geometry"]["type"] == "LineString"
    assert body["query"]["statuses"] == ["planned", "in_progress"] and body["query"]["street"] is None
    body, status = views.api(index, StreetCache(), catalogue, {"lat": str(LAT)}, "en")
    assert status == 400 and body["code"] == "missing" and "coordinates are missing" in body["error"]


def test_atom_feed(index, catalogue):
    body, status, mimetype = views.atom(
        index,
        StreetCache(),
        catalogue,
        {"lat": str(LAT), "lon": str(LON)},
        "ru",
        words=views.Words(),
        url=url,
        self_url="http://x/near.atom?a=1",
        now=NOW,
        batches=BATCHES,
    )
    assert status == 200 and mimetype == "application/atom+xml"
    feed = feedparser.parse(body)
    assert not feed.bozo
    assert feed.feed.id == "urn:geoworks:near:lat=43.25000,lon=76.93000;radius=500;layers=*;status=planned,in_progress"
    assert [e.id.rsplit(":", 1)[1] for e in feed.entries] == ["e499", "w50", "n300"]
    assert feed.entries[0].link.startswith("http://x/page?") and "focus=roads%3Ae499" in feed.entries[0].link
    assert feed.entries[1].title == "Водопровод: Жандосова — in progress"  # the layer in ru; words untranslated
    assert b"<script>" not in body
    body, status, mimetype = views.atom(
        index,
        StreetCache(),
        catalogue,
        {"lat": str(LAT)},
        "ru",
        words=views.Words(),
        url=url,
        self_url="",
        now=NOW,
        batches=BATCHES,
    )
    assert status == 400 and mimetype == "text/plain" and body.startswith("error: Choose a place")


def test_near_map_without_and_with_result(index, catalogue):
    m = near_map(None, catalogue, MapOptions(tiles="none"))
    x0, y0, x1, y1 = catalogue.city.bbox
    assert m.location == [(y0 + y1) / 2, (x0 + x1) / 2]
    result = index.query(parse_query(catalogue, lat=str(LAT), lon=str(LON), radius="250", statuses="all"))
    m = near_map(result, catalogue, MapOptions(tiles="none"), focus="water:w50")
    assert m.location == [LAT, LON]
    html = m.get_root().render()
    assert "geoworksNearPick" in html and '"bold": true' in html


def test_metric_crs_comes_from_the_catalogue(demo_store, catalogue):
    assert NearIndex.from_store(demo_store, catalogue).crs == catalogue.city.metric_crs
    # another metric CRS (the neighbouring UTM zone): the index works in it, the distances stay geodesic
    other = dataclasses.replace(catalogue, city=dataclasses.replace(catalogue.city, metric_crs="EPSG:32644"))
    idx = NearCache().get(demo_store, other)
    assert idx.crs == "EPSG:32644"
    q = parse_query(catalogue, lat="43.25", lon="76.93", radius="1000", statuses="all")
    a, b = NearIndex.from_store(demo_store, catalogue).query(q), idx.query(q)
    assert list(a.columns["id"]) == list(b.columns["id"]) and len(a) > 0
    assert b.columns["distance_m"] == pytest.approx(a.columns["distance_m"], abs=0.05)


def test_query_pieces_read_by_the_apps_parser(catalogue):
    """geoworks.params reads the numbers, dates, layers and statuses; near keeps its codes and words."""
    q = parse_query(catalogue, lat=" 43,25 ", lon="76.93", radius="250,5", statuses="в работе,done")
    assert (q.lat, q.radius_m, q.statuses) == (43.25, 250.5, ("in_progress", "completed"))
    with pytest.raises(NearInputError, match="between 100 and 5000") as exc:
        parse_query(catalogue, lat="43.25", lon="76.93", radius="1e9")
    assert exc.value.code == "radius"
    with pytest.raises(NearInputError, match="must be numbers") as exc:
        parse_query(catalogue, lat="inf", lon="76.93")
    assert exc.value.code == "number"
    with pytest.raises(NearInputError, match="from must be a date") as exc:
        parse_query(catalogue, lat="43.25", lon="76.93", date_from="2026-02-30")
    assert exc.value.code == "date" and exc.value.params == {"value": "2026-02-30"}


def test_every_near_word_is_translated():
    from babel.messages.pofile import read_po

    sources = [ROOT / "geoworks/near/views.py", ROOT / "geoworks/near/words.py", ROOT / "templates/near/page.html"]
    pattern = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    msgids = {a or b for src in sources for a, b in pattern.findall(src.read_text(encoding="utf-8"))}
    assert len(msgids) > 40
    for lang in ("kk", "ru"):
        known = {}
        for part in ("near", "base"):
            with (ROOT / "geoworks/translations" / part / lang / "LC_MESSAGES/messages.po").open("rb") as fh:
                known.update({m.id: m.string for m in read_po(fh) if m.id})
        assert sorted(m for m in msgids if not known.get(m)) == [], lang
