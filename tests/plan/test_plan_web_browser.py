"""/plan in a real browser: the map draws, gaps and extensions show, the table sorts, no page errors."""

from __future__ import annotations

from tests.conftest import screenshot


def test_plan_page_in_browser(offline_server, page):
    bad = []
    page.on(
        "response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None
    )
    page.goto(f"{offline_server.url}/plan?network=water&threshold=100&district=almaly&lang=en")
    page.wait_for_selector("#gw-map .leaflet-container")
    assert page.locator("#gw-map path.leaflet-interactive").count() > 50
    rows = page.locator("#gaps-table tbody tr")
    n = rows.count()
    assert n > 10
    first = float(rows.nth(0).locator("td").nth(2).get_attribute("data-value"))
    last = float(rows.nth(n - 1).locator("td").nth(2).get_attribute("data-value"))
    assert first >= last
    page.click("#gaps-table th:nth-child(3)")  # sort ascending by distance
    first_asc = float(rows.nth(0).locator("td").nth(2).get_attribute("data-value"))
    assert first_asc == last
    rows.nth(0).click()  # zoom the map to that target
    page.wait_for_timeout(300)
    screenshot(page, "plan-almaly")
    assert bad == []
    # the only console 404 allowed is the browser's own favicon request (checked above)
    problems = [p for p in page.problems if "404 (NOT FOUND)" not in p]
    assert problems == [], problems
