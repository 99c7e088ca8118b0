"""The /plan page, /api/gaps and the exports, on the demo store; and the gaps command."""

from __future__ import annotations

import csv
import io
import json

import pytest
import shapely
from click.testing import CliRunner

from tests.helpers.backends import config_for, setenv_store
from tests.helpers.geometry import GEOD


def test_api_gaps_geojson(client):
    r = client.get("/api/gaps?network=water&targets=courtyards&threshold=100&district=almaly")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    body = r.get_json(force=True)
    assert body["type"] == "FeatureCollection"
    assert body["parameters"]["threshold_m"] == 100.0 and body["parameters"]["network"] == "water"
    feats = body["features"]
    assert feats and all(f["properties"]["district"] == "almaly" for f in feats)
    assert all(f["properties"]["distance_m"] > 100 for f in feats)
    assert {f["properties"]["route_status"] for f in feats} <= {"ok", "no_road_path", "no_road_nearby", "not_routed"}
    summary = {s["district"]: s for s in body["summary"]}
    assert summary["almaly"]["gaps"] == len(feats) == body["numberReturned"]
    assert summary["almaly"]["targets"] == summary["almaly"]["gaps"] + summary["almaly"]["covered"]
    # the reported distance is the geodesic distance from the target to the connection point
    f = feats[0]["properties"]
    target = shapely.geometry.shape(feats[0]["geometry"])
    assert shapely.distance(target, shapely.Point(f["conn_lon"], f["conn_lat"])) > 0
    everyone = client.get("/api/gaps?network=water&district=almaly&include=all").get_json(force=True)
    assert len(everyone["features"]) == summary["almaly"]["targets"]


def test_api_threshold_changes_gaps(client):
    near = client.get("/api/gaps?network=gas&threshold=100&routes=0").get_json(force=True)
    far = client.get("/api/gaps?network=gas&threshold=1000&routes=0").get_json(force=True)
    assert 0 < len(far["features"]) < len(near["features"])


@pytest.mark.parametrize(
    "query, word",
    [
        ("network=plumbing", "unknown network layer 'plumbing'"),
        ("network=water&targets=roads", "unknown target layer 'roads'"),
        ("network=water&threshold=0", "out of range"),
        ("network=water&threshold=99999", "out of range"),
        ("network=water&threshold=abc", "not a number"),
        ("network=water&district=atlantis", "unknown district"),
        ("network=water&include=some", "include"),
    ],
)
def test_api_bad_input_is_400_json(client, query, word):
    r = client.get(f"/api/gaps?{query}")
    assert r.status_code == 400
    assert word in r.get_json()["error"]


def test_page_renders_map_table_summary(client):
    r = client.get("/plan?network=water&threshold=100&district=medeu&lang=en")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'id="gaps-table"' in html and 'id="plan-summary"' in html and "L.map(" in html
    assert "cdn.jsdelivr" not in html and "/static/vendor/leaflet/leaflet.js" in html
    assert "Medeu" in html and "Connection point" in html
    assert "/plan/export/gaps.csv?" in html and "/plan/export/extensions.geojson?" in html
    # rows are sorted by distance, farthest first
    import re

    row = (
        r'<tr data-id="[^"]+">\s*<td class="gw-text">.*?</td>\s*<td class="gw-text">.*?</td>'
        r'\s*<td data-value="([0-9.]+)">'
    )
    dist = [float(v) for v in re.findall(row, html, re.DOTALL)]
    assert dist and dist == sorted(dist, reverse=True)


def test_page_bad_input_shows_message(client):
    r = client.get("/plan?network=plumbing&lang=en")
    assert r.status_code == 400
    assert "unknown network layer" in r.get_data(as_text=True)
    r = client.get("/plan?threshold=-3&lang=ru")
    assert r.status_code == 400 and "out of range" in r.get_data(as_text=True)
    assert "Пробелы в сетях и оценка продления" in r.get_data(as_text=True)


def test_exports(client):
    q = "network=water&threshold=150&district=turksib"
    gj = client.get(f"/plan/export/gaps.geojson?{q}")
    assert gj.status_code == 200 and "attachment" in gj.headers["Content-Disposition"]
    gaps = json.loads(gj.data)["features"]
    api = client.get(f"/api/gaps?{q}").get_json(force=True)["features"]
    assert [f["id"] for f in gaps] == [f["id"] for f in api]
    rows = list(csv.DictReader(io.StringIO(client.get(f"/plan/export/gaps.csv?{q}").data.decode("utf-8-sig"))))
    assert len(rows) == len(gaps) and float(rows[0]["distance_m"]) > 150 and rows[0]["wkt"].startswith("POLYGON")
    ext = json.loads(client.get(f"/plan/export/extensions.geojson?{q}").data)["features"]
    kinds = [f["properties"]["kind"] for f in ext]
    assert kinds.count("straight") == len(gaps)
    for f in ext:
        if f["properties"]["kind"] == "straight":
            (lon1, lat1), (lon2, lat2) = f["geometry"]["coordinates"]
            assert GEOD.inv(lon1, lat1, lon2, lat2)[2] == pytest.approx(f["properties"]["length_m"], abs=0.1)
    ecsv = client.get(f"/plan/export/extensions.csv?{q}").data.decode("utf-8-sig")
    assert "LINESTRING" in ecsv
    assert client.get(f"/plan/export/other.csv?{q}").status_code == 404
    assert client.get("/plan/export/gaps.csv?network=nope").status_code == 400


GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"id": "b1", "name": "<script>alert(1)</script>"},
            "geometry": {"type": "Point", "coordinates": [76.93, 43.25]},
        },
        {
            "type": "Feature",
            "properties": {"id": "b2", "name": "Block 2"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[76.95, 43.30], [76.951, 43.30], [76.951, 43.301], [76.95, 43.301], [76.95, 43.30]]],
            },
        },
    ],
}


def test_upload_targets(client, demo_store):
    before = demo_store.version()
    data = {
        "network": "water",
        "threshold": "100",
        "district": "",
        "targets_file": (io.BytesIO(json.dumps(GEOJSON).encode()), "blocks.geojson"),
    }
    r = client.post("/plan?lang=en", data=data, content_type="multipart/form-data")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "blocks.geojson" in html and "<script>alert(1)</script>" not in html
    assert demo_store.version() == before


@pytest.mark.parametrize(
    "name, payload, word",
    [
        ("blocks.txt", b"{}", "must be GeoJSON"),
        ("blocks.geojson", b"not json at all", "cannot be read"),
        ("blocks.geojson", b'{"type":"FeatureCollection","features":[]}', "blocks.geojson"),
    ],
)
def test_upload_bad_files(client, name, payload, word):
    r = client.post(
        "/plan?lang=en",
        data={"network": "water", "threshold": "100", "targets_file": (io.BytesIO(payload), name)},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and word in r.get_data(as_text=True)


def test_cli_gaps(demo_dir, monkeypatch):
    from geoworks.cli import main

    setenv_store(monkeypatch, config_for(demo_dir))
    runner = CliRunner()
    r = runner.invoke(main, ["gaps", "--network", "water", "--district", "almaly", "--format", "json", "--no-routes"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert rows and all(x["distance_m"] > 100 for x in rows)
    r = runner.invoke(main, ["gaps", "--network", "water", "--summary", "--format", "csv"])
    assert r.exit_code == 0 and r.output.splitlines()[0].startswith("district,targets,gaps")
    r = runner.invoke(main, ["gaps", "--network", "nope"])
    assert r.exit_code == 2 and "error: unknown network layer" in r.output
    r = runner.invoke(main, ["gaps", "--network", "water", "--threshold", "0"])
    assert r.exit_code == 2 and "out of range" in r.output
