"""Smaller findings: a year like 1e400 is a 400 not a 500; only admins replace the districts; a writer rolls
back only their own batches unless an admin (both backends)."""

from __future__ import annotations

import io
import re

import pytest

from tests.helpers.backends import config_for, install_users
from tests.web.test_auth_roles import csrf, login, users_template  # noqa: F401  (fixture)
from tests.web.test_upload_web import _geojson_bytes, _upload, _wait


@pytest.fixture
def rapp(demo_copy, users_template):  # noqa: F811
    from geoworks.web import create_app

    install_users(users_template, demo_copy)
    return create_app({"TESTING": True, **config_for(demo_copy)})


def _as(app, name: str):
    c = app.test_client()
    assert login(c, name).status_code == 302
    return c


@pytest.mark.parametrize("year", ["1e400", "-1e400", "nan", "2019.5"])
def test_a_claim_with_an_impossible_year_is_refused(rapp, year):
    c = _as(rapp, "olga")
    form = {"csrf_token": csrf(c, "/verify/claims/new"), "layers": "roads", "value": "12.5", "unit": "km"}
    r = c.post("/verify/claims/new", data={**form, "year": year})
    assert r.status_code == 400 and "is not a year" in r.get_data(as_text=True)
    csv = f"year,layers,value\n{year},roads,3\n".encode()
    r = c.post(
        "/verify/claims/new",
        data={"csrf_token": form["csrf_token"], "file": (io.BytesIO(csv), "claims.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "is not a year" in r.get_data(as_text=True)


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/districts/medeu",
        "/verify",
        "/verify/print",
        "/verify/export.csv",
        "/api/totals",
        "/map/features/roads.geojson",
        "/ogc/collections/roads/items",
        "/requests",
        "/api/requests/summary",
        "/requests/summary",
    ],
)
def test_a_year_query_like_1e400_is_not_a_server_error(client, path):
    for value in ("1e400", "99999999999999999999999999", "nan"):
        r = client.get(f"{path}?year={value}")
        assert r.status_code < 500, (path, value, r.status_code)


@pytest.mark.parametrize("who", ["erik", "olga"])
def test_only_admins_replace_the_districts(rapp, who):
    c = _as(rapp, who)
    r = _upload(c, b'{"type": "FeatureCollection", "features": []}', name="districts.geojson", layer="districts")
    assert r.status_code == 403 and "only admins may replace the districts" in r.get_data(as_text=True)
    assert 'value="districts"' not in c.get("/upload/").get_data(as_text=True)


def test_a_districts_upload_waiting_is_committed_by_an_admin_only(rapp):
    from geoworks.config import data_dir
    from geoworks.importers.jobs import save_upload

    token, _ = save_upload(
        data_dir(rapp.config) / "uploads",
        "d.geojson",
        lambda p: p.write_text("{}"),
        {"layer": "districts", "user": "erik"},
    )
    c = _as(rapp, "erik")
    r = c.post("/upload/commit", data={"csrf_token": csrf(c, "/upload/"), "token": token})
    assert r.status_code == 403 and "only admins" in r.get_json()["error"]
    admin = _as(rapp, "adam")
    assert 'value="districts"' in admin.get("/upload/").get_data(as_text=True)


def _commit(c) -> str:
    html = _upload(c, _geojson_bytes(3)).get_data(as_text=True)
    token = re.search(r'id="token" name="token" type="hidden" value="([0-9a-f]+)"', html).group(1)
    r = c.post("/upload/commit", data={"csrf_token": csrf(c, "/upload/"), "token": token})
    job = _wait(c, r.headers["Location"])
    assert job["state"] == "done", job
    return job["batch"]


def test_writers_roll_back_only_their_own_batches(rapp):
    erik, olga = _as(rapp, "erik"), _as(rapp, "olga")
    batch = _commit(erik)
    history = olga.get("/upload/batches").get_data(as_text=True)
    assert batch in history and f"/upload/batches/{batch}/rollback" not in history  # no button for olga
    r = olga.post(f"/upload/batches/{batch}/rollback", data={"csrf_token": csrf(olga, "/upload/")})
    assert r.status_code == 403 and "imported by erik" in r.get_json()["error"]
    assert f"/upload/batches/{batch}/rollback" in erik.get("/upload/batches").get_data(as_text=True)
    admin = _as(rapp, "adam")
    r = admin.post(f"/upload/batches/{batch}/rollback", data={"csrf_token": csrf(admin, "/upload/")})
    assert r.status_code == 302
    assert "rolled back" in admin.get(r.headers["Location"]).get_data(as_text=True)


def test_one_year_parser_takes_a_spreadsheets_whole_number_and_refuses_the_rest():
    from geoworks.params import ParamError, parse_year

    assert parse_year("2019.0") == parse_year(" 2019 ") == 2019
    for value in ("2019.5", "1e400", "nan", ".0", "20x9", "2300"):
        with pytest.raises(ParamError):
            parse_year(value)
