"""Security headers on every response; the script nonce in every script of a page, fresh per response."""

from __future__ import annotations

import re

import pytest

from geoworks.web.headers import tile_source

PAGES = ["/", "/districts/medeu", "/near", "/verify", "/plan", "/requests", "/requests/new", "/login", "/verify/print"]


def _script_tags(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE)


@pytest.mark.parametrize("path", PAGES + ["/api/totals", "/static/map.js", "/no/such/page", "/ogc"])
def test_every_response_carries_the_headers(client, path):
    r = client.get(path)
    assert r.status_code < 500
    h = r.headers
    csp = dict(d.strip().split(" ", 1) for d in h["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{20,}'", csp["script-src"])  # never 'unsafe-inline'
    assert csp["img-src"] == "'self' data: https://tile.openstreetmap.org"  # the demo app's GEOWORKS_TILES
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in h  # plain http: no HSTS


@pytest.mark.parametrize("path", PAGES)
def test_every_script_of_a_page_carries_the_nonce(client, path):
    r = client.get(path)
    html = r.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
    tags = _script_tags(html)
    assert all(f'nonce="{nonce}"' in t for t in tags), [t for t in tags if nonce not in t]
    assert not re.search(r"\son[a-z]+\s*=", html.replace(">", "> ")), "inline event handler"


def test_a_cached_page_gets_a_new_nonce_each_time(client):
    first, second = client.get("/"), client.get("/")  # the second comes from the page cache
    n1 = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1)
    n2 = re.search(r"'nonce-([^']+)'", second.headers["Content-Security-Policy"]).group(1)
    assert n1 != n2
    assert _script_tags(second.get_data(as_text=True))
    assert all(f'nonce="{n2}"' in t for t in _script_tags(second.get_data(as_text=True)))


def test_data_never_gets_a_nonce(client):
    """Text from the visitor is escaped, so no <script> tag of theirs reaches the page to be given one."""
    html = client.get("/near?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize(
    "tiles,source",
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://tiles.local:8080/{z}/{x}/{y}.png", "http://tiles.local:8080"),
        ("https://a.b{s}.example.org/{z}/{x}/{y}.png", "https:"),
        ("none", None),
        ("", None),
        ("javascript:alert(1)", None),
    ],
)
def test_tile_source(tiles, source):
    assert tile_source(tiles) == source


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
def test_plain_background_allows_only_own_images_and_https_adds_hsts(demo_dir):
    from geoworks.web import create_app
    from tests.helpers.backends import config_for

    app = create_app({"TESTING": True, **config_for(demo_dir), "GEOWORKS_TILES": "none", "GEOWORKS_HTTPS": "1"})
    r = app.test_client().get("/login")
    assert "img-src 'self' data:;" in r.headers["Content-Security-Policy"]
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
