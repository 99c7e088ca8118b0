"""The verification page in a real browser: no errors, the overlaps map drawn, print media hides the map."""

from tests.conftest import screenshot


def test_verify_page_in_browser(page, offline_server):
    page.goto(f"{offline_server.url}/verify?year=2019&lang=ru")
    page.wait_for_selector("#overlaps-map .leaflet-container")
    assert page.locator("#verify-table tbody tr").count() == 8
    assert page.locator("#overlaps-map path.leaflet-interactive").count() >= 10
    screenshot(page, "verify")
    page.click("a.gw-works-link >> nth=0")
    page.wait_for_selector("table.gw-works")
    assert page.locator("table.gw-works tbody tr").count() == 42
    page.goto(f"{offline_server.url}/verify/print?year=2019")
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert page.locator("#verify-notes").is_visible()
    screenshot(page, "verify-print")
    problems = [p for p in page.problems if "favicon" not in p and "404" not in p]
    assert problems == []
