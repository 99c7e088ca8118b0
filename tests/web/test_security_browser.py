"""Every page draws in chromium under the Content-Security-Policy: no violation, no console error,
and the map (where there is one) has drawn its Leaflet panes."""

from __future__ import annotations

import pytest

from tests.maps.test_browser_map import stub_tiles

WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push([e.violatedDirective, e.blockedURI || 'inline', e.sourceFile, e.lineNumber].join(' ')));
"""
PAGES = [
    ("/?lang=en", True),
    ("/districts/medeu?lang=en", True),
    ("/near?lang=en", True),
    ("/near?lat=43.2383&lon=76.9453&radius=1000&lang=en", True),
    ("/verify?lang=en", True),
    ("/plan?lang=en", True),
    ("/requests?lang=en", True),
    ("/requests/new?lang=en", True),
    ("/login?lang=en", False),
]


@pytest.mark.parametrize("path,has_map", PAGES)
def test_pages_draw_under_the_csp(page, live_server, path, has_map):
    page.add_init_script(WATCH_CSP)
    stub_tiles(page)
    response = page.goto(live_server.url + path)
    assert response is not None and response.ok
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    if has_map:  # Leaflet has drawn: the container has a size, the (stubbed) tiles loaded under img-src
        page.wait_for_selector(".leaflet-container img.leaflet-tile-loaded", state="attached", timeout=20_000)
        box = page.locator(".leaflet-container").first.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__csp") == []
    assert page.problems == []


def test_an_injected_inline_script_is_blocked(page, live_server):
    """The policy is really enforced: a script without the nonce does not run."""
    page.add_init_script(WATCH_CSP)
    page.goto(live_server.url + "/login?lang=en")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.append(s); }"
    )
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
