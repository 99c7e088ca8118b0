"""The app factory, languages and the demo banner."""

from tests.helpers.backends import config_for


def test_city_page_in_three_languages(client):
    res = client.get("/?lang=kk")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and 'lang="kk"' in html and "Қала картасы" in html and "Жолдар" in html
    assert "demo-banner" in html
    # remembered in a cookie
    assert "lang=kk" in res.headers.get("Set-Cookie", "")
    html = client.get("/").get_data(as_text=True)
    assert 'lang="kk"' in html
    html = client.get("/?lang=ru").get_data(as_text=True)
    assert "Карта города" in html and "Дороги" in html
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "City map" in html and "Roads" in html


def test_accept_language(app):
    c = app.test_client()
    html = c.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in html


def test_warm_cache_flag_reads_words(demo_dir):
    import time

    from geoworks.config import flag
    from geoworks.web import create_app

    assert flag({"K": "0"}, "K", True) is False and flag({"K": "yes"}, "K", False) is True
    assert flag({}, "K", True) is True and flag({"K": False}, "K", True) is False
    app = create_app({**config_for(demo_dir), "GEOWORKS_WARM_CACHE": "1"})
    thread = app.extensions["geoworks"].warming["map"]
    thread.join(60)
    deadline = time.time() + 60
    client = app.test_client()
    assert client.get("/near?lat=43.25&lon=76.92&lang=en").status_code == 200
    assert not thread.is_alive() and time.time() < deadline
    off = create_app({**config_for(demo_dir), "GEOWORKS_WARM_CACHE": "0"})
    assert "map" not in off.extensions["geoworks"].warming
