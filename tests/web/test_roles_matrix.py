"""Every write endpoint × every role: who is let in (the view runs), who is refused (401 anonymous, 403 for a
role without the right), and that none of these requests changes the store (the requests carry a valid CSRF
token but name nothing that exists, so even an allowed role only gets a 4xx or a redirect from the view).

The per-endpoint tests of what an allowed write does are in test_auth_roles.py, test_upload_web.py,
tests/residents and tests/verify; docs/reliability.md has this matrix as a table.
"""

from __future__ import annotations

import pytest

from tests.helpers.backends import config_for, install_users, users_of
from tests.helpers.imports import store_fingerprint
from tests.web.test_auth_roles import csrf, login, users_template  # noqa: F401 (a fixture)

ROLES = ("anonymous", "resident", "engineer", "official", "admin")
USERS = {"resident": "rita", "engineer": "erik", "official": "olga", "admin": "adam"}
WRITERS = ("engineer", "official", "admin")
EDITORS = ("official", "admin")
ADMINS = ("admin",)
# (url, roles let in); every one is a POST
MATRIX = [
    ("/upload/", WRITERS),
    ("/upload/commit", WRITERS),
    ("/upload/batches/no-such-batch/rollback", WRITERS),
    ("/users", ADMINS),
    ("/users/no-such-user/delete", ADMINS),
    ("/requests/status", EDITORS),
    ("/requests/no-such-request/status", EDITORS),
    ("/requests/no-such-request/links", EDITORS),
    ("/requests/no-such-request/links/delete", EDITORS),
    ("/requests/import", EDITORS),
    ("/verify/claims/new", EDITORS),
]


@pytest.fixture(scope="module")
def matrix_app(demo_dir, users_template, tmp_path_factory, stores):  # noqa: F811
    from geoworks.web import create_app

    d = tmp_path_factory.mktemp("roles-store")
    stores.copy(demo_dir, d)
    install_users(users_template, d)
    app = create_app({"TESTING": True, **config_for(d)})
    yield app
    stores.release(d)


@pytest.fixture(scope="module")
def clients(matrix_app):
    """A logged-in client per role (and one anonymous), with a CSRF token of its session."""
    out = {}
    for role in ROLES:
        c = matrix_app.test_client()
        if role != "anonymous":
            assert login(c, USERS[role]).status_code == 302, role
        out[role] = (c, csrf(c, "/login"))
    return out


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url,allowed", MATRIX, ids=[u for u, _ in MATRIX])
def test_write_endpoint_by_role(matrix_app, clients, url, allowed, role):
    data_dir = matrix_app.config["GEOWORKS_DATA_DIR"]
    before = store_fingerprint(data_dir)
    users_before = sorted(u["name"] for u in users_of(data_dir).list_users())
    client, token = clients[role]
    res = client.post(url, data={"csrf_token": token, "token": "no-such-upload", "ids": "no-such-request"})
    if role == "anonymous":
        assert res.status_code == 401, (url, res.status_code)
    elif role not in allowed:
        assert res.status_code == 403, (url, role, res.status_code)
    else:
        assert res.status_code not in (401, 403), (url, role, res.status_code)
        assert res.status_code < 500, (url, role, res.status_code)
    assert store_fingerprint(data_dir) == before, (url, role)
    assert sorted(u["name"] for u in users_of(data_dir).list_users()) == users_before, (url, role)
