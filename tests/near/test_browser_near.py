"""Near-me page in a real browser: click on the map to search; a 360-px-wide phone screen."""

from __future__ import annotations

from tests.conftest import screenshot


def _problems(pg):
    # map tiles come from the tile server on the Internet, unreachable here: not a page problem
    return [
        p
        for p in pg.problems
        if "tile.openstreetmap" not in p and "ERR_" not in p and "favicon" not in p and "404 (NOT FOUND)" not in p
    ]


def test_click_on_map_searches(page, live_server):
    page.goto(f"{live_server.url}/near?lang=en")
    page.wait_for_selector(".leaflet-container")
    box = page.locator(".near-map .folium-map").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert "lat=" in page.url and "lon=" in page.url
    page.wait_for_selector("#near-result")
    count = int(page.locator("#near-result").get_attribute("data-count"))
    assert count == page.locator(".near-work").count() or count > 300
    # the radius circle and the chosen place are drawn
    assert page.locator("path.leaflet-interactive").count() >= 1
    assert page.locator("#near-feed").get_attribute("href").startswith("/near.atom?")
    screenshot(page, "near-desktop-click")
    assert _problems(page) == []


def test_phone_viewport(browser, live_server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    pg = context.new_page()
    problems = []
    pg.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        pg.goto(f"{live_server.url}/near?lat=43.25&lon=76.93&radius=2000&status=all&lang=ru")
        pg.wait_for_selector("#near-result")
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"page is {width}px wide on a 360px screen"
        mbox = pg.locator(".near-map .folium-map").bounding_box()
        assert mbox["width"] <= 360 and mbox["height"] >= 250
        assert pg.locator(".near-work").count() > 5
        first = pg.locator(".near-work").first.bounding_box()
        assert first["x"] >= 0 and first["x"] + first["width"] <= 360
        assert pg.locator("#near-q").is_visible() and pg.locator("#near-locate").is_visible()
        screenshot(pg, "near-phone")
        # a tap on the map searches there
        with pg.expect_navigation():
            pg.locator(".near-map .folium-map").tap(position={"x": mbox["width"] / 3, "y": mbox["height"] / 3})
        assert "lat=" in pg.url and "lat=43.250000" not in pg.url
        assert problems == []
    finally:
        context.close()


def test_use_my_location(browser, live_server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        geolocation={"latitude": 43.2383, "longitude": 76.9453},
        permissions=["geolocation"],
    )
    pg = context.new_page()
    try:
        pg.goto(f"{live_server.url}/near?lang=en")
        with pg.expect_navigation():
            pg.click("#near-locate")
        assert "lat=43.238300" in pg.url and "lon=76.945300" in pg.url
        pg.wait_for_selector("#near-result")
    finally:
        context.close()
