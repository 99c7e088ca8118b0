"""The map pages in headless chromium: districts and lines drawn, layer toggle, languages,
district page from the map, table vs API totals, escaping, no tiles, no failed asset request."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import screenshot
from tests.helpers.backends import config_for
from tests.maps.test_map import NASTY, build_store, small_works

# a 1x1 grey PNG: stands in for base-map tiles so the tests never reach a tile server
TILE = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGO4DwAA6ADnvpKYFwAAAABJRU5ErkJggg==")
TILES = "https://tile.openstreetmap.org/**"


def stub_tiles(page):
    page.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE))


def open_map(page, url):
    page.goto(url)
    page.wait_for_selector("html[data-gw-map=ready]", timeout=20_000)


def drawn(page, layer):
    """How many works of ``layer`` are drawn on the map (0 when the layer is switched off)."""
    return page.evaluate("lid => geoworks.drawn(lid)", layer)


def districts_drawn(page):
    return page.evaluate("geoworks.districts()")


def pixels(page, colour):
    """Canvas pixels of exactly ``colour`` (#rrggbb): what is really painted for a layer."""
    return page.evaluate(
        """hex => {
        const [r, g, b] = [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
        let n = 0;
        for (const cv of document.querySelectorAll('.leaflet-overlay-pane canvas')) {
            const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
            for (let i = 0; i < d.length; i += 4) if (d[i] === r && d[i+1] === g && d[i+2] === b && d[i+3] === 255) n++;
        }
        return n; }""",
        colour,
    )


def wait_pixels(page, colour, ok, timeout_ms=5000):
    """Poll the canvas until ``ok(pixel count)`` holds (Leaflet repaints on the next animation frame)."""
    n = pixels(page, colour)
    for _ in range(timeout_ms // 50):
        if ok(n):
            break
        page.wait_for_timeout(50)
        n = pixels(page, colour)
    return n


def only_layers(page, keep=()):
    """Switch every works layer off in the layer control except ``keep`` (labels)."""
    boxes = page.locator(".leaflet-control-layers-overlays label")
    for i in range(boxes.count()):
        label = boxes.nth(i)
        text = label.inner_text().strip()
        if text in ("Districts", "Аудандар", "Районы"):
            continue
        box = label.locator("input")
        if text in keep:
            box.check()
        else:
            box.uncheck()


def click_work(page, layer, index=0, hover=False):
    pt = page.evaluate("([lid, i]) => geoworks.workPoint(lid, i)", [layer, index])
    assert pt is not None, f"no {layer} work drawn"
    if hover:  # Leaflet's canvas throttles hover checks (32 ms): move over the line a few times
        for dx in (-2, 0, 1, 0):
            page.mouse.move(pt["x"] + dx, pt["y"], steps=3)
            page.wait_for_timeout(50)
    else:
        page.mouse.click(pt["x"], pt["y"])


def click_district(page, demo_store, slug):
    d = demo_store.read_layer("districts")
    p = d[d["slug"] == slug].geometry.iloc[0].representative_point()
    pt = page.evaluate("([s, x, y]) => geoworks.districtPoint(s, x, y)", [slug, p.x, p.y])
    page.mouse.click(pt["x"], pt["y"])


def overlay(page, label):
    return page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input")


def test_city_map_draws_districts_and_lines(page, live_server):
    stub_tiles(page)
    open_map(page, live_server.url + "/?lang=en")
    assert districts_drawn(page) == 8
    for layer in ("roads", "water", "gas", "courtyards"):
        assert drawn(page, layer) > 0, layer
    assert wait_pixels(page, "#555555", lambda n: n > 500) > 500  # the roads are painted
    assert page.locator(".leaflet-control-attribution").inner_text().count("OpenStreetMap contributors") == 1
    assert "demo" in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator("#demo-banner").is_visible()
    assert page.locator(".gw-legend").is_visible()
    screenshot(page, "map-city")
    assert page.problems == []


def test_switching_a_layer_off_removes_its_lines(page, live_server):
    stub_tiles(page)
    open_map(page, live_server.url + "/?lang=en")
    assert drawn(page, "roads") == 143  # every demo road is in view at the city's zoom
    painted = wait_pixels(page, "#555555", lambda n: n > 500)
    overlay(page, "Roads").uncheck()
    assert drawn(page, "roads") == 0 and drawn(page, "water") > 0
    assert wait_pixels(page, "#555555", lambda n: n < painted / 20) < painted / 20  # the grey lines are gone
    overlay(page, "Roads").check()
    page.wait_for_function("geoworks.drawn('roads') === 143")
    assert wait_pixels(page, "#555555", lambda n: n > painted / 2) > painted / 2
    assert page.problems == []


def test_language_switch_changes_labels_and_is_remembered(page, live_server):
    stub_tiles(page)
    open_map(page, live_server.url + "/?lang=en")
    assert "Kilometres per district and layer" in page.locator("#km-table caption").inner_text()
    page.click("nav.langs a[data-lang=kk]")
    page.wait_for_selector("html[data-gw-map=ready]")
    assert "Аудандар мен қабаттар бойынша шақырым" in page.locator("#km-table caption").inner_text()
    assert overlay(page, "Жолдар").count() == 1
    assert "Әуезов ауданы" in page.locator("#km-table").inner_text()
    open_map(page, live_server.url + "/")  # remembered
    assert page.locator("html").get_attribute("lang") == "kk"
    page.click("nav.langs a[data-lang=ru]")
    page.wait_for_selector("html[data-gw-map=ready]")
    assert "Километры по районам и слоям" in page.locator("#km-table caption").inner_text()
    assert overlay(page, "Дороги").count() == 1
    screenshot(page, "map-city-ru")
    assert page.problems == []


def test_district_page_opens_from_the_map(page, live_server, demo_store):
    stub_tiles(page)
    open_map(page, live_server.url + "/?lang=en")
    only_layers(page)  # works off, so the click lands on the district
    click_district(page, demo_store, "medeu")
    link = page.locator(".gw-district-popup a.gw-open-district")
    link.wait_for()
    assert "Medeu" in page.locator(".gw-district-popup h3").inner_text()
    link.click()
    page.wait_for_url("**/districts/medeu")
    page.wait_for_selector("html[data-gw-map=ready]", timeout=20_000)
    assert page.locator("h1").inner_text() == "Medeu"
    assert districts_drawn(page) == 8 and drawn(page, "roads") > 0
    assert page.locator(".gw-works-table").count() > 0
    screenshot(page, "map-district-medeu")
    page.click("#back-to-city")
    page.wait_for_selector("html[data-gw-map=ready]", timeout=20_000)
    assert page.url.rstrip("/") == live_server.url
    assert page.problems == []


def test_work_popup_shows_its_details(page, live_server):
    stub_tiles(page)
    open_map(page, live_server.url + "/?lang=en")
    only_layers(page, keep=("Roads",))
    click_work(page, "roads")
    page.wait_for_selector(".gw-work-popup table")
    text = page.locator(".gw-work-popup").inner_text()
    for label in ("Layer", "Status", "Start", "End", "Contractor", "Length", "District", "Roads", "km"):
        assert label in text
    assert page.problems == []


def test_filters_update_map_table_and_chart(page, live_server, demo_store, catalogue):
    from geoworks.totals import Filters, compute_totals

    stub_tiles(page)
    open_map(page, live_server.url + "/?lang=en")
    all_roads = drawn(page, "roads")
    page.select_option("#f-status", "planned")
    page.wait_for_url("**status=planned**")
    page.wait_for_selector("html[data-gw-map=ready]", timeout=20_000)
    t = compute_totals(demo_store, catalogue, Filters(status="planned")).table
    planned = t[(t.layer == "roads") & (t.district == "city")].iloc[0]
    assert drawn(page, "roads") == planned["features"] < all_roads
    cell = page.locator("#km-table td[data-layer=roads][data-district=city]").inner_text()
    assert cell == f"{planned['km']:.2f}"
    assert page.locator(".gw-bar-row").count() == 8
    assert page.problems == []


def test_table_matches_the_api_totals(page, live_server, demo_store, catalogue):
    from geoworks.totals import compute_totals

    stub_tiles(page)
    open_map(page, live_server.url + "/?lang=en")
    cells = page.eval_on_selector_all(
        "#km-table td", "tds => tds.map(td => [td.dataset.layer, td.dataset.district, td.textContent])"
    )
    assert len(cells) == len(catalogue.layers) * (len(catalogue.districts) + 1)
    api = page.request.get(live_server.url + "/api/totals")
    if api.ok:
        ref = {(r["layer"], r["district"]): r for r in api.json()["rows"]}
    else:  # the API part is absent: compare against the core
        ref = {(r.layer, r.district): r._asdict() for r in compute_totals(demo_store, catalogue).table.itertuples()}
    for layer, district, text in cells:
        r = ref[(layer, district)]
        want = f"{r['km']:.2f}" if catalogue.layers[layer].unit == "km" else str(int(r["count"]))
        assert text == want, (layer, district)
    assert page.problems == []


def test_no_tiles_reachable_still_shows_districts_and_works(page, live_server):
    page.route(TILES, lambda route: route.abort())
    open_map(page, live_server.url + "/?lang=en")
    assert districts_drawn(page) == 8 and drawn(page, "roads") > 0
    assert not [p for p in page.problems if not p.startswith("console error: Failed to load resource")]


@pytest.fixture(scope="module")
def nasty_server(tmp_path_factory, stores):
    from geoworks.web import create_app
    from tests.conftest import start_live_server

    works = small_works()
    works["name"] = [NASTY[0], NASTY[1] + NASTY[2], NASTY[3] + NASTY[4]]
    works["contractor"] = [NASTY[4], NASTY[3], NASTY[0]]
    path = tmp_path_factory.mktemp("browser-nasty")
    stores.config(path)
    build_store(path, {"roads": works}, {"dataset": "test", "source": "<b>src</b> & </script>"})
    server = start_live_server(create_app({"TESTING": True, **config_for(path), "GEOWORKS_TILES": "none"}))
    yield server
    server.stop()


def test_values_from_data_show_as_typed_and_never_run(page, nasty_server):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_map(page, nasty_server.url + "/?lang=en&year=2019")
    assert "<b>src</b> & </script>" in page.locator(".leaflet-control-attribution").inner_text()
    assert drawn(page, "roads") == 1  # the 10 m lane is below a pixel at the city's zoom
    click_work(page, "roads", hover=True)
    page.wait_for_selector(".leaflet-tooltip")
    assert page.locator(".leaflet-tooltip").last.inner_text() == NASTY[0]
    click_work(page, "roads")
    page.wait_for_selector(".gw-work-popup table")
    popup = page.locator(".gw-work-popup").inner_text()
    assert NASTY[0] in popup and NASTY[4] in popup  # name and contractor of r-a, as typed
    page.evaluate("geoworks.map.closePopup(); geoworks.map.setView([43.26, 76.9301], 17)")
    page.wait_for_function("document.documentElement.dataset.gwMap === 'ready' && geoworks.drawn('roads') === 1")
    page.mouse.move(5, 5)
    click_work(page, "roads", hover=True)
    page.wait_for_function(
        "[...document.querySelectorAll('.leaflet-tooltip')].some(t => t.textContent.includes('quotes'))"
    )
    assert NASTY[1] + NASTY[2] in page.locator(".leaflet-tooltip").all_inner_texts()
    page.goto(nasty_server.url + "/districts/almaly?lang=en")
    page.wait_for_selector("html[data-gw-map=ready]")
    rows = page.locator(".gw-works-table td").all_inner_texts()
    for text in (NASTY[0], NASTY[1] + NASTY[2], NASTY[3] + NASTY[4], NASTY[3]):
        assert text in rows
    screenshot(page, "map-escaping")
    assert dialogs == [] and page.problems == []
