"""Login and session: same-site redirects only, cookie attributes, lifetime, logout revoking the session
on both user stores, failed logins limited per account and per address, equal work for unknown names."""

from __future__ import annotations

import time

import pytest

from tests.helpers.backends import config_for, install_users, users_of
from tests.web.test_auth_roles import PASSWORD, csrf, login, users_template  # noqa: F401  (fixture)

EVIL = [
    "/%09/evil.example/phish",
    "/\t/evil.example/phish",
    "//evil.example/phish",
    "/%2F/evil.example",
    "/%252F/evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "http:/evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "evil.example",
    "javascript:alert(1)",
    "/%00/evil.example",
]


@pytest.fixture
def sapp(demo_copy, users_template):  # noqa: F811
    from geoworks.web import create_app

    install_users(users_template, demo_copy)
    return create_app({"TESTING": True, **config_for(demo_copy), "GEOWORKS_LOGIN_FAILURES": 3})


def _login_to(client, nxt: str):
    token = csrf(client, "/login")
    return client.post(
        "/login", query_string={"next": nxt}, data={"name": "erik", "password": PASSWORD, "csrf_token": token}
    )


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
@pytest.mark.parametrize("target", EVIL)
def test_login_never_redirects_off_site(sapp, target):
    r = _login_to(sapp.test_client(), target)
    assert r.status_code == 302 and r.headers["Location"] == "/", target


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
def test_login_follows_same_site_paths(sapp):
    r = _login_to(sapp.test_client(), "/verify?year=2019&lang=en")
    assert r.headers["Location"] == "/verify?year=2019&lang=en"


def test_session_cookie_attributes(sapp):
    r = login(sapp.test_client(), "erik")
    cookie = [v for v in r.headers.getlist("Set-Cookie") if v.startswith("session=")][0]
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "samesite=lax" in attrs and "httponly" in attrs and "secure" not in attrs
    assert any(a.startswith("expires=") for a in attrs)  # a lifetime, not a browser session
    assert sapp.permanent_session_lifetime.total_seconds() == 8 * 3600


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
def test_secure_cookies_over_https(demo_copy, users_template):  # noqa: F811
    from geoworks.web import create_app

    install_users(users_template, demo_copy)
    app = create_app({"TESTING": True, **config_for(demo_copy), "GEOWORKS_HTTPS": "true"})
    r = login(app.test_client(), "erik")
    cookie = [v for v in r.headers.getlist("Set-Cookie") if v.startswith("session=")][0]
    assert "Secure" in cookie and "SameSite=Lax" in cookie
    lang = app.test_client().get("/?lang=en").headers.get("Set-Cookie")
    assert "Secure" in lang


def test_a_replayed_cookie_after_logout_is_refused(sapp):
    c = sapp.test_client()
    assert login(c, "erik").status_code == 302
    cookie = c.get_cookie("session").value
    assert c.get("/upload/").status_code == 200
    other = sapp.test_client()  # the same user on another device
    assert login(other, "erik").status_code == 302
    r = c.post("/logout", data={"csrf_token": csrf(c, "/upload/")})
    assert r.status_code == 302
    replay = sapp.test_client()
    replay.set_cookie("session", cookie)
    r = replay.get("/upload/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert other.get("/upload/").status_code == 302  # logout ends every session of the user
    assert login(replay, "erik").status_code == 302 and replay.get("/upload/").status_code == 200


def test_a_session_expires_after_its_lifetime(sapp, monkeypatch):
    c = sapp.test_client()
    login(c, "erik")
    assert c.get("/upload/").status_code == 200
    later = time.time() + 8 * 3600 + 60
    monkeypatch.setattr("geoworks.web.auth.time.time", lambda: later)
    assert c.get("/upload/").status_code == 302


def test_a_removed_user_is_logged_out(sapp):
    c = sapp.test_client()
    login(c, "erik")
    users_of(sapp.config["GEOWORKS_DATA_DIR"]).remove_user("erik")
    assert c.get("/upload/").status_code == 302


def _fail(client, name: str, addr: str = "10.0.0.1"):
    token = csrf(client, "/login")
    return client.post(
        "/login",
        data={"name": name, "password": "wrong password!", "csrf_token": token},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_failed_logins_per_account_wait(sapp):
    c = sapp.test_client()
    for i in range(3):
        assert _fail(c, "erik", f"10.0.0.{i}").status_code == 401
    token = csrf(c, "/login")  # the right password, from a new address: the account waits
    r = c.post(
        "/login",
        data={"name": "erik", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.0.9.9"},
    )
    assert r.status_code == 429
    assert "try again in 15 minutes" in r.get_data(as_text=True)
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    assert login(c, "olga").status_code == 302  # other accounts are not affected


def test_failed_logins_per_address_wait(sapp):
    c = sapp.test_client()
    for name in ("nobody1", "nobody2", "nobody3"):
        assert _fail(c, name).status_code == 401
    r = _fail(c, "nobody4")
    assert r.status_code == 429 and "try again in" in r.get_data(as_text=True)
    assert _fail(c, "nobody4", "10.0.0.2").status_code == 401  # another address still may try


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
def test_unknown_names_cost_a_password_check_too(demo_copy, users_template, monkeypatch):  # noqa: F811
    import geoworks.storage.users as users_module

    install_users(users_template, demo_copy)
    users = users_of(demo_copy)
    checked = []
    real = users_module.check_password_hash
    monkeypatch.setattr(users_module, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    assert users.check("nobody", "some password") is None
    assert users.check("erik", "some password") is None
    assert len(checked) == 2 and checked[0].split("$")[0] == checked[1].split("$")[0]  # the same method, cost

    def timed(name: str) -> float:
        start = time.perf_counter()
        users.check(name, "some password")
        return time.perf_counter() - start

    known = min(timed("erik") for _ in range(3))
    unknown = min(timed("nobody") for _ in range(3))
    assert unknown > 0.5 * known, (unknown, known)
