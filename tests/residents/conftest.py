"""Fixtures of the residents' requests tests: apps on a private copy of the demo store, users per role,
and helpers to log in and read a form's CSRF token."""

from __future__ import annotations

import re

import pytest

from tests.helpers.backends import config_for, install_users

PASSWORD = "correct horse battery"
XSS = '<script>alert(1)</script> "quotes" `ticks` </div> \'); alert(1);// <img src=x onerror=alert(2)>'


@pytest.fixture(scope="session")
def rq_users(tmp_path_factory):
    """A users.sqlite with a resident, an engineer, an official and an admin (hashing is slow: once)."""
    from geoworks.storage.users import UserStore

    path = tmp_path_factory.mktemp("rq-users") / "users.sqlite"
    users = UserStore(path)
    for name, role in (("rita", "resident"), ("erik", "engineer"), ("olga", "official"), ("adam", "admin")):
        users.set_user(name, PASSWORD, role)
    return path


@pytest.fixture
def rq_app(demo_copy, rq_users):
    """The app on a private copy of the demo store (writes allowed), tiles off."""
    from geoworks.web import create_app

    install_users(rq_users, demo_copy)
    return create_app({"TESTING": True, "GEOWORKS_TILES": "none", **config_for(demo_copy)})


@pytest.fixture
def rq_store(rq_app):
    from geoworks.web.services import KEY

    return rq_app.extensions[KEY].store


def csrf(client, url: str = "/requests/new") -> str:
    html = client.get(url).get_data(as_text=True)
    m = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert m, html[:300]
    return m.group(1)


def login(client, name: str) -> None:
    res = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf(client, "/login")})
    assert res.status_code == 302, res.get_data(as_text=True)[:300]


def index_of(app):
    """The requests index of the app's store (current data version)."""
    from geoworks.web.services import KEY

    svc = app.extensions[KEY]
    return svc.requests.get(svc.store, svc.catalogue)


# a place inside the schematic Almaly district of the demo, and one far outside the city
ALMALY = {"lat": "43.2575", "lon": "76.9250"}
OUTSIDE = {"lat": "43.6000", "lon": "77.5000"}
