"""The requests pages in headless chromium: the triage map draws clusters and points, popups open, a resident
files a request by clicking on the map, residents' texts show as typed and never run, the city map's requests
layer and a work's popup list the requests it answers. No console errors anywhere."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot, start_live_server
from tests.residents.conftest import XSS


@pytest.fixture
def writable_server(rq_app):
    server = start_live_server(rq_app)
    yield server
    server.stop()


def _watch_dialogs(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(d):
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def test_triage_list_and_map(page, offline_server):
    page.goto(offline_server.url + "/requests?lang=ru")
    page.wait_for_function("document.documentElement.getAttribute('data-gw-requests') === 'ready'")
    assert page.evaluate("geoworks.drawnRequests()") > 5  # clusters over the whole city
    assert page.locator("#rq-list tbody tr").count() == 50
    page.wait_for_function("document.getElementById('gw-requests-notice').textContent.includes('сгруппированы')")
    assert page.locator(".gw-rq-cluster").count() > 5
    screenshot(page, "requests-list")
    page.locator(".gw-rq-cluster").first.click()  # a cluster zooms in
    page.wait_for_function("document.documentElement.getAttribute('data-gw-requests') === 'ready'")
    page.goto(offline_server.url + "/requests?lang=ru&district=almaly&status=needs_time&round=1")
    page.wait_for_function("document.documentElement.getAttribute('data-gw-requests') === 'ready'")
    n = page.evaluate("geoworks.drawnRequests()")
    assert n == page.locator("#rq-list tbody tr").count() > 0  # few: every one as a point
    pt = page.evaluate("geoworks.requestPoint(0)")
    page.mouse.click(pt["x"], pt["y"])
    page.wait_for_selector(".gw-request-popup a.gw-open-request")
    assert "/requests/m1-almaly-" in page.locator(".gw-request-popup a.gw-open-request").get_attribute("href")
    screenshot(page, "requests-list-popup")
    assert page.problems == []


def test_request_page_and_summary(page, offline_server):
    page.goto(offline_server.url + "/requests/m1-almaly-001?lang=kk")
    page.wait_for_selector("#rq-request-map .leaflet-container")
    assert page.locator("#rq-request-map path.leaflet-interactive").count() >= 1  # the request and its work
    assert page.locator("#rq-history li").count() >= 2
    screenshot(page, "request-page")
    page.goto(offline_server.url + "/requests/summary?round=1&lang=en")
    assert page.locator('[data-figure="total"]').inner_text() == "880"
    assert page.locator("#rq-chart .gw-bar-row").count() == 8
    screenshot(page, "requests-summary")
    assert page.problems == []


def test_a_resident_files_a_request_by_clicking_on_the_map(page, writable_server):
    dialogs = _watch_dialogs(page)
    page.goto(writable_server.url + "/requests/new?lang=ru")
    page.wait_for_selector("#rq-pick-map .leaflet-container")
    box = page.locator("#rq-pick-map .leaflet-container").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    assert page.locator("#rq-lat").input_value() and page.locator("#rq-lon").input_value()
    page.select_option("#rq-topic", "roads")
    page.fill("#rq-text", XSS)
    page.fill("#rq-contact", "+7 700 111 22 33")
    assert page.locator("#rq-count").inner_text() == str(len(XSS))
    page.click("#rq-submit")
    page.wait_for_selector("#rq-filed")
    assert page.locator("#rq-text").inner_text() == XSS  # shown as typed
    assert "+7 700 111 22 33" not in page.content()
    screenshot(page, "request-filed")
    page.goto(writable_server.url + "/requests?lang=ru&topic=roads&from=2026-06-15")
    assert XSS.split(" <img")[0] in page.locator("#rq-list").inner_text()
    page.wait_for_function("document.documentElement.getAttribute('data-gw-requests') === 'ready'")
    pt = page.evaluate("geoworks.requestPoint(0)")
    page.mouse.click(pt["x"], pt["y"])
    page.wait_for_selector(".gw-request-popup .gw-request-text")
    assert page.locator(".gw-request-popup .gw-request-text").inner_text().startswith("<script>alert(1)</script>")
    assert dialogs == [] and page.problems == []


def test_city_map_requests_layer_and_work_popup(page, offline_server):
    page.goto(offline_server.url + "/?lang=en&layer=roads")
    page.wait_for_function("document.documentElement.getAttribute('data-gw-map') === 'ready'")
    assert page.evaluate("geoworks.drawnRequests()") == 0  # off until ticked
    page.locator(".leaflet-control-layers-overlays label", has_text="Residents' requests").locator("input").check()
    page.wait_for_function("document.documentElement.getAttribute('data-gw-requests') === 'ready'")
    assert page.evaluate("geoworks.drawnRequests()") > 0
    screenshot(page, "city-requests-layer")
    page.locator(".leaflet-control-layers-overlays label", has_text="Residents' requests").locator("input").uncheck()
    found = False
    for i in range(40):
        pt = page.evaluate(f"geoworks.workPoint('roads', {i})")
        if pt is None:
            break
        page.mouse.click(pt["x"], pt["y"])
        page.wait_for_selector(".gw-work-popup table, .gw-district-popup", timeout=10000)
        if page.locator(".gw-work-popup table").count():
            try:
                page.wait_for_selector(".gw-work-popup .gw-work-requests li", timeout=1500)
                found = True
                break
            except Exception:  # this road answers no request: the next one
                pass
        page.keyboard.press("Escape")
        page.evaluate("() => { geoworks.map.closePopup(); }")
    assert found, "no road of the demo drawn here answers a request"
    assert page.locator(".gw-work-popup .gw-work-requests a").first.get_attribute("href").startswith("/requests/")
    screenshot(page, "work-popup-requests")
    assert page.problems == []
