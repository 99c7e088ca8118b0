"""The app factory, languages and the demo banner."""


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
