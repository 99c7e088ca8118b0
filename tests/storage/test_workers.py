"""Four worker processes (``geoworks serve --workers 4``) on one PostGIS store: an import or a rollback
through one worker is seen at once in the totals, maps, open API and near results of every other one."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.backends import config_for, install_users
from tests.helpers.imports import works_frame
from tests.web.test_auth_roles import PASSWORD, users_template  # noqa: F401  (fixture)

requests = pytest.importorskip("requests")
ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
HEADER = "X-Geoworks-Worker"
READS = {
    "totals": "/api/totals?layer=roads",
    "items": "/ogc/collections/roads/items?bbox=76.91,43.24,76.95,43.26&limit=1000",
    "map": "/map/features/roads.geojson?bbox=76.91,43.24,76.95,43.26&zoom=14",
    "near": "/api/near?lon=76.925&lat=43.25&radius=400",
}
pytestmark = pytest.mark.postgis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answer(name: str, body: dict) -> object:
    """The part of an answer that an import of three roads near the centre changes."""
    if name == "totals":
        return round(next(r["km"] for r in body["rows"] if r["district"] == "city"), 9)
    if name == "items":
        return body["numberMatched"]
    if name == "map":
        return body["total"]
    return sorted(f["id"] for f in body["features"])


def read_every_worker(base: str, pids: set[str], tries: int = 400) -> dict[str, dict[str, object]]:
    """What each worker answers to every READS url (new connection per request, so that the
    kernel hands them to different workers); {pid: {name: answer}}."""
    seen: dict[str, dict[str, object]] = {}
    for _ in range(tries):
        for name, url in READS.items():
            res = requests.get(base + url, headers={"Connection": "close"}, timeout=30)
            assert res.status_code == 200, (url, res.status_code, res.text[:300])
            seen.setdefault(res.headers[HEADER], {})[name] = _answer(name, res.json())
        if all(len(seen.get(pid, {})) == len(READS) for pid in pids):
            return {pid: seen[pid] for pid in pids}
    missing = {pid for pid in pids if len(seen.get(pid, {})) < len(READS)}
    raise AssertionError(f"workers {missing} never answered every read in {tries} rounds")


@pytest.fixture
def served(demo_copy, users_template):  # noqa: F811
    install_users(users_template, demo_copy)
    port = _free_port()
    env = dict(os.environ, **config_for(demo_copy), GEOWORKS_WARM_CACHE="0", GEOWORKS_WORKER_THREADS="4")
    cmd = [sys.executable, "-m", "geoworks", "serve", "--workers", str(WORKERS), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    pids: set[str] = set()
    deadline = time.monotonic() + 60
    while len(pids) < WORKERS and time.monotonic() < deadline:
        try:
            pids.add(
                requests.get(base + "/ogc/conformance", headers={"Connection": "close"}, timeout=5).headers[HEADER]
            )
        except requests.ConnectionError:
            time.sleep(0.2)
    try:
        assert len(pids) == WORKERS, f"{len(pids)} workers answered: {proc.stdout.read1().decode()[-2000:]}"
        yield base, pids
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _csrf(session, url: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', session.get(url).text).group(1)


def _import_roads(session, base: str) -> str:
    """Upload three roads through the session's worker and commit them; the batch id."""
    gdf, _ = works_frame(3)
    data = gdf.to_json().encode()
    form = {"csrf_token": _csrf(session, base + "/upload/"), "layer": "roads", "outside": "skip"}
    res = session.post(base + "/upload/", data=form, files={"file": ("works.geojson", io.BytesIO(data))})
    assert res.status_code == 200, res.text[:500]
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', res.text).group(1)
    res = session.post(
        base + "/upload/commit",
        data={"csrf_token": _csrf(session, base + "/upload/"), "token": token},
        allow_redirects=False,
    )
    job_url = base + res.headers["Location"]
    for _ in range(300):
        job = session.get(job_url + ".json").json()
        if job["state"] != "running":
            break
        time.sleep(0.05)
    assert job["state"] == "done", job
    return job["batch"]


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_import_and_rollback_through_one_worker_seen_by_all(served):
    base, pids = served
    before = read_every_worker(base, pids)
    first = next(iter(before.values()))
    assert all(seen == first for seen in before.values())  # every worker answers the same
    writer = requests.Session()  # keep-alive: one connection, one worker
    res = writer.post(
        base + "/login", data={"name": "erik", "password": PASSWORD, "csrf_token": _csrf(writer, base + "/login")}
    )
    assert res.status_code == 200 and writer.cookies.get("session")
    batch = _import_roads(writer, base)
    writer_pid = writer.get(base + "/upload/batches").headers[HEADER]
    after = read_every_worker(base, pids - {writer_pid})
    for pid, seen in after.items():
        old = before[pid]
        assert seen["totals"] == pytest.approx(old["totals"] + 3 * 1.0, rel=1e-3), pid  # three 1 km roads
        assert seen["items"] == old["items"] + 3 and seen["map"] == old["map"] + 3, pid
        new = set(seen["near"]) - set(old["near"])
        assert new and new == {i for i in seen["near"] if batch in i} and set(old["near"]) <= set(seen["near"]), pid
    res = writer.post(
        f"{base}/upload/batches/{batch}/rollback",
        data={"csrf_token": _csrf(writer, base + "/upload/")},
        allow_redirects=False,
    )
    assert res.status_code == 302 and res.headers[HEADER] == writer_pid
    assert read_every_worker(base, pids - {writer_pid}) == {pid: before[pid] for pid in pids - {writer_pid}}
