"""Web upload: validation report before commit, commit as a batch with progress, history, rollback, limits."""

from __future__ import annotations

import io
import re
import time

import pytest

from tests.helpers.backends import config_for, install_users
from tests.helpers.imports import store_fingerprint, works_frame
from tests.web.test_auth_roles import csrf, login, users_template  # noqa: F401  (fixture)


@pytest.fixture
def engineer(demo_copy, users_template):  # noqa: F811
    from geoworks.web import create_app

    install_users(users_template, demo_copy)
    app = create_app({"TESTING": True, **config_for(demo_copy), "GEOWORKS_MAX_UPLOAD_MB": 0.05})
    c = app.test_client()
    assert login(c, "erik").status_code == 302
    return app, c


def _geojson_bytes(n=3, changes=None) -> bytes:
    gdf, _ = works_frame(n)
    for (row, col), value in (changes or {}).items():
        gdf.loc[row, col] = value
    return gdf.to_json().encode()


def _upload(c, data: bytes, name="works.geojson", layer="roads", **extra):
    token = csrf(c, "/upload/")
    form = {"csrf_token": token, "layer": layer, "outside": "skip", "file": (io.BytesIO(data), name)}
    form.update(extra)
    return c.post("/upload/", data=form, content_type="multipart/form-data")


def _wait(c, job_url: str) -> dict:
    for _ in range(300):
        job = c.get(job_url + ".json").get_json()
        if job["state"] != "running":
            return job
        time.sleep(0.05)
    raise AssertionError("import job did not finish")


def test_report_then_commit_then_rollback(engineer):
    app, c = engineer
    data_dir = app.config["GEOWORKS_DATA_DIR"]
    before = store_fingerprint(data_dir)
    r = _upload(c, _geojson_bytes(3))
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html
    assert "works.geojson -&gt; roads: 3 read, 3 to import" in html and 'id="commit-form"' in html
    assert store_fingerprint(data_dir) == before  # nothing written before the commit
    token = re.search(r'id="token" name="token" type="hidden" value="([0-9a-f]+)"', html).group(1)
    r = c.post("/upload/commit", data={"csrf_token": csrf(c, "/upload/"), "token": token})
    assert r.status_code == 302
    job = _wait(c, r.headers["Location"])
    assert job["state"] == "done" and job["features"] == 3, job
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert job["batch"] in page
    history = c.get("/upload/batches").get_data(as_text=True)
    assert job["batch"] in history and "works.geojson" in history and "erik" in history
    r = c.post(f"/upload/batches/{job['batch']}/rollback", data={"csrf_token": csrf(c, "/upload/")})
    assert r.status_code == 302
    assert "rolled back" in c.get(r.headers["Location"]).get_data(as_text=True)
    from geoworks.storage import open_store

    assert len(open_store(config_for(data_dir)).read_layer("roads", where={"batch_id": job["batch"]})) == 0


def test_bad_file_shows_messages_and_offers_no_commit(engineer):
    app, c = engineer
    before = store_fingerprint(app.config["GEOWORKS_DATA_DIR"])
    r = _upload(c, _geojson_bytes(3, {(1, "Статус"): "<b>непонятно</b>"}))
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "feature 2: field &#39;Статус&#39;: &#39;&lt;b&gt;непонятно&lt;/b&gt;&#39; is not a status" in html
    assert 'id="commit-form"' not in html
    r = _upload(c, b'{"type": "FeatureCollection", "features": [', name="cut.geojson")
    assert r.status_code == 422 and "unreadable or truncated" in r.get_data(as_text=True)
    assert store_fingerprint(app.config["GEOWORKS_DATA_DIR"]) == before


def test_upload_size_limit(engineer):
    app, c = engineer
    r = _upload(c, b" " * 200_000 + _geojson_bytes(2))  # limit is 0.05 MB in this app
    assert r.status_code == 413 and "0.05 MB" in r.get_json()["error"]


def test_upload_without_csrf_is_refused(engineer):
    app, c = engineer
    r = c.post(
        "/upload/",
        data={"layer": "roads", "file": (io.BytesIO(_geojson_bytes(2)), "x.geojson")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "csrf" in r.get_data(as_text=True).lower()


def test_commit_unknown_token_and_duplicate(engineer):
    app, c = engineer
    r = c.post("/upload/commit", data={"csrf_token": csrf(c, "/upload/"), "token": "abc123"})
    assert r.status_code == 404
    data = _geojson_bytes(2)
    for expected in ("done", "failed"):
        html = _upload(c, data).get_data(as_text=True)
        token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', html).group(1)
        r = c.post("/upload/commit", data={"csrf_token": csrf(c, "/upload/"), "token": token})
        job = _wait(c, r.headers["Location"])
        assert job["state"] == expected, job
    assert "already imported" in job["error"]


def test_error_statuses(engineer):
    """Unsupported type and bad --map lines: 400; another user's upload or batch: 403; unknown job or batch: 404;
    a batch that cannot be rolled back: 409."""
    app, c = engineer
    assert _upload(c, _geojson_bytes(2), name="works.exe").status_code == 400
    r = _upload(c, _geojson_bytes(2), maps="colour=x")
    assert r.status_code == 400 and "unknown field &#39;colour&#39;" in r.get_data(as_text=True)
    html = _upload(c, _geojson_bytes(2)).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', html).group(1)
    other = app.test_client()
    assert login(other, "olga").status_code == 302
    r = other.post("/upload/commit", data={"csrf_token": csrf(other, "/upload/"), "token": token})
    assert r.status_code == 403 and "another user" in r.get_json()["error"]
    assert c.get("/upload/jobs/nope").status_code == 404 and c.get("/upload/jobs/nope.json").status_code == 404
    r = c.post("/upload/batches/nope/rollback", data={"csrf_token": csrf(c, "/upload/")})
    assert r.status_code == 404 and "no batch 'nope'" in r.get_json()["error"]
    r = c.post("/upload/batches/demo/rollback", data={"csrf_token": csrf(c, "/upload/")})
    assert r.status_code == 403  # not erik's batch: only an admin may roll it back
    admin = app.test_client()
    assert login(admin, "adam").status_code == 302
    for status in (302, 409):  # the demo batch rolls back once; a second time it is refused
        r = admin.post("/upload/batches/demo/rollback", data={"csrf_token": csrf(admin, "/upload/")})
        assert r.status_code == status
    assert "only committed batches" in r.get_json()["error"]
