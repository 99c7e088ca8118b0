"""Login, hashed passwords, roles: residents and anonymous visitors reach no write endpoint."""

from __future__ import annotations

import re
import sqlite3

import pytest
from click.testing import CliRunner

from geoworks.storage.users import UserError, UserStore
from tests.helpers.backends import config_for, install_users, users_of

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def users_template(tmp_path_factory):
    """A users.sqlite with one user per role (hashing is deliberately slow: done once)."""
    path = tmp_path_factory.mktemp("users") / "users.sqlite"
    users = UserStore(path)
    for name, role in (("rita", "resident"), ("erik", "engineer"), ("olga", "official"), ("adam", "admin")):
        users.set_user(name, PASSWORD, role)
    return path


@pytest.fixture
def wapp(demo_copy, users_template):
    from geoworks.web import create_app

    install_users(users_template, demo_copy)
    return create_app({"TESTING": True, **config_for(demo_copy)})


@pytest.fixture(scope="module")
def ro_app(demo_dir, users_template, tmp_path_factory, stores):
    """One app for the tests that must not change anything (anonymous and resident requests)."""
    from geoworks.web import create_app

    d = tmp_path_factory.mktemp("ro-store")
    stores.copy(demo_dir, d)
    install_users(users_template, d)
    return create_app({"TESTING": True, **config_for(d)})


@pytest.fixture(scope="module")
def resident_client(ro_app):
    c = ro_app.test_client()
    assert login(c, "rita").status_code == 302
    return c


def csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def login(client, name: str, password: str = PASSWORD):
    token = csrf(client, "/login")
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token})


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)  # PostGIS: tests/storage/test_postgis.py
def test_passwords_are_hashed(demo_copy):
    users = users_of(demo_copy)
    users.set_user("zed", PASSWORD, "engineer")
    stored = sqlite3.connect(demo_copy / "users.sqlite").execute("SELECT password_hash FROM users").fetchone()[0]
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    assert users.check("zed", PASSWORD)["role"] == "engineer"
    assert users.check("zed", "wrong password") is None
    with pytest.raises(UserError, match="unknown role"):
        users.set_user("x", PASSWORD, "mayor")
    with pytest.raises(UserError, match="at least 8"):
        users.set_user("x", "short", "admin")


def test_cli_user_add(demo_copy):
    from geoworks.cli import main

    env = {**config_for(demo_copy), "GEOWORKS_NEW_PASSWORD": PASSWORD}
    r = CliRunner().invoke(main, ["user", "add", "boss", "--role", "admin"], env=env)
    assert r.exit_code == 0, r.output
    assert users_of(demo_copy).check("boss", PASSWORD)["role"] == "admin"
    bad = CliRunner().invoke(main, ["user", "add", "x", "--role", "admin", "--password", "123"], env=env)
    assert bad.exit_code == 2 and "error: a password must have at least 8 characters" in bad.output
    listed = CliRunner().invoke(main, ["user", "list"], env=env)
    assert "boss" in listed.output and "admin" in listed.output


def test_login_logout_and_wrong_password(wapp):
    c = wapp.test_client()
    bad = login(c, "erik", "nope nope nope")
    assert bad.status_code == 401 and "wrong name or password" in bad.get_data(as_text=True)
    ok = login(c, "erik")
    assert ok.status_code == 302
    assert c.get("/upload/").status_code == 200
    token = csrf(c, "/upload/")
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302
    assert c.get("/upload/").status_code == 302  # back to the login page


def test_login_without_csrf_token_is_refused(wapp):
    c = wapp.test_client()
    r = c.post("/login", data={"name": "erik", "password": PASSWORD})
    assert r.status_code == 400
    assert c.get("/upload/").status_code == 302


WRITE_ENDPOINTS = [
    ("POST", "/upload/"),
    ("POST", "/upload/commit"),
    ("POST", "/upload/batches/demo/rollback"),
    ("POST", "/users"),
    ("POST", "/users/erik/delete"),
]
WRITER_PAGES = ["/upload/", "/upload/jobs/x", "/users"]


@pytest.mark.parametrize("method,url", WRITE_ENDPOINTS)
def test_anonymous_cannot_write(ro_app, method, url):
    from tests.helpers.imports import store_fingerprint

    before = store_fingerprint(ro_app.config["GEOWORKS_DATA_DIR"])
    r = ro_app.test_client().open(url, method=method, data={})
    assert r.status_code == 401
    assert store_fingerprint(ro_app.config["GEOWORKS_DATA_DIR"]) == before


@pytest.mark.parametrize("method,url", WRITE_ENDPOINTS)
def test_resident_cannot_write(ro_app, resident_client, method, url):
    from tests.helpers.imports import store_fingerprint

    c = resident_client
    token = csrf(c, "/login")
    before = store_fingerprint(ro_app.config["GEOWORKS_DATA_DIR"])
    r = c.open(url, method=method, data={"csrf_token": token, "token": "x"})
    assert r.status_code == 403, url
    assert store_fingerprint(ro_app.config["GEOWORKS_DATA_DIR"]) == before
    assert users_of(ro_app.config["GEOWORKS_DATA_DIR"]).get("erik") is not None


@pytest.mark.parametrize("url", WRITER_PAGES)
def test_resident_and_anonymous_cannot_open_write_pages(ro_app, resident_client, url):
    assert ro_app.test_client().get(url).status_code == 302
    assert resident_client.get(url).status_code == 403


def test_engineer_cannot_manage_users_admin_can(wapp):
    c = wapp.test_client()
    login(c, "olga")
    assert c.get("/users").status_code == 403
    a = wapp.test_client()
    login(a, "adam")
    page = a.get("/users").get_data(as_text=True)
    assert "rita" in page and "resident" in page
    token = csrf(a, "/users")
    r = a.post(
        "/users", data={"name": "<script>x</script>", "password": PASSWORD, "role": "engineer", "csrf_token": token}
    )
    assert r.status_code == 302
    page = a.get("/users").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    r = a.post("/users/rita/delete", data={"csrf_token": token})
    assert r.status_code == 302
    assert users_of(wapp.config["GEOWORKS_DATA_DIR"]).get("rita") is None
    assert a.post("/users/adam/delete", data={"csrf_token": token}).status_code == 400


def test_role_change_applies_at_once(wapp):
    c = wapp.test_client()
    login(c, "erik")
    assert c.get("/upload/").status_code == 200
    users_of(wapp.config["GEOWORKS_DATA_DIR"]).set_user("erik", PASSWORD, "resident")
    assert c.get("/upload/").status_code == 403


def test_navigation_follows_the_role(wapp, ro_app, resident_client):
    anon = ro_app.test_client().get("/?lang=en").get_data(as_text=True)
    assert 'href="/login"' in anon and "/upload/" not in anon
    resident = resident_client.get("/?lang=en").get_data(as_text=True)
    assert "Log out (rita)" in resident and 'href="/upload/"' not in resident and "/upload/batches" in resident
    c = wapp.test_client()
    login(c, "adam")
    admin = c.get("/?lang=en").get_data(as_text=True)
    assert 'href="/upload/"' in admin and 'href="/users"' in admin
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', admin).group(1)
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302
    assert 'href="/login"' in c.get("/").get_data(as_text=True)
