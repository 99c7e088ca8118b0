"""Uploads and stores: private files, stale uploads removed, archives bounded, no server path in messages,
plan targets with both ``ID`` and ``id``."""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from geoworks.importers.jobs import COMMITTING_FILE, OPTIONS_FILE, save_upload, sweep_uploads
from geoworks.io.readers import SourceError, read_source
from geoworks.io.safety import UnsafeInput, check_zip, scrub
from tests.helpers.backends import config_for
from tests.helpers.imports import CENTRE, line


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_gpkg_store_and_users_are_private(tmp_path, catalogue):
    from geoworks.demo import write_demo
    from geoworks.storage import open_store
    from geoworks.storage.users import UserStore

    data_dir = tmp_path / "new" / "data"
    write_demo(open_store({"GEOWORKS_DATA_DIR": str(data_dir)}), catalogue, 2019)
    assert _mode(data_dir) == 0o700 and _mode(data_dir / "geoworks.gpkg") == 0o600
    assert _mode(data_dir / ".geoworks.lock") == 0o600
    users = UserStore(tmp_path / "u" / "users.sqlite")
    users.set_user("zed", "long enough password", "engineer")
    assert _mode(tmp_path / "u") == 0o700 and _mode(tmp_path / "u" / "users.sqlite") == 0o600


def test_uploads_are_private_and_stale_ones_swept(tmp_path, monkeypatch):
    uploads = tmp_path / "uploads"
    monkeypatch.setenv("GEOWORKS_TODAY", "2026-06-15T12:00:00Z")
    token, token_dir = save_upload(uploads, "a.geojson", lambda p: p.write_text("{}"), {"file": "a.geojson"})
    assert _mode(uploads) == 0o700 and _mode(token_dir) == 0o700
    assert _mode(token_dir / "a.geojson") == 0o600 and _mode(token_dir / OPTIONS_FILE) == 0o600
    _, busy = save_upload(uploads, "b.geojson", lambda p: p.write_text("{}"), {"file": "b.geojson"})
    (busy / OPTIONS_FILE).rename(busy / COMMITTING_FILE)  # being committed: never swept
    noon = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
    assert sweep_uploads(uploads, noon + dt.timedelta(hours=23), 24) == []
    assert sweep_uploads(uploads, noon + dt.timedelta(hours=25), 24) == [token]
    assert not token_dir.exists() and busy.exists()


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
def test_app_start_sweeps_old_uploads(demo_copy, monkeypatch):
    from geoworks.web import create_app

    monkeypatch.setenv("GEOWORKS_TODAY", "2026-06-01")
    _, old = save_upload(demo_copy / "uploads", "a.geojson", lambda p: p.write_text("{}"), {"file": "a.geojson"})
    saved = json.loads((old / OPTIONS_FILE).read_text())["saved"]
    assert saved.startswith("2026-06-01")
    create_app({"TESTING": True, **config_for(demo_copy), "GEOWORKS_TODAY": "2026-06-03"})
    assert not old.exists()


def _shapefile_zip(tmp_path: Path, dbf_extra: int = 0) -> Path:
    import geopandas as gpd

    g, _ = line(CENTRE, 90, 300)
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[g], crs="EPSG:4326").to_file(tmp_path / "roads.shp")
    path = tmp_path / "roads.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(tmp_path.glob("roads.*")):
            if part.suffix != ".zip":
                data = part.read_bytes() + (bytes(dbf_extra) if part.suffix == ".dbf" else b"")
                zf.writestr(part.name, data)
    return path


def test_zip_inflating_past_the_limit_is_refused_before_reading(tmp_path):
    path = _shapefile_zip(tmp_path, dbf_extra=3 * 2**20)  # 3 MB of zeros: a few kB packed
    assert path.stat().st_size < 100_000
    with pytest.raises(UnsafeInput, match="inflates to 3 MB, more than the limit of 2 MB"):
        check_zip(path, "Shapefile", 2 * 2**20)
    with pytest.raises(SourceError, match="inflates"):
        read_source(path, max_unpacked=2 * 2**20)
    assert len(read_source(path, max_unpacked=8 * 2**20).frame) == 1


def test_zip_lying_about_its_sizes_is_refused(tmp_path):
    """Declared sizes patched down to 1 byte: the streamed check stops at them (bad CRC), never trusts them."""
    path = _shapefile_zip(tmp_path, dbf_extra=3 * 2**20)
    data = bytearray(path.read_bytes())
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory entry
        start = 0
        while (start := data.find(sig, start)) >= 0:
            name_len = struct.unpack("<H", data[start + (26 if sig == b"PK\x03\x04" else 28) :][:2])[0]
            name_at = start + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(data[name_at : name_at + name_len]).endswith(b".dbf"):
                data[start + size_at : start + size_at + 4] = struct.pack("<I", 1)
            start += 4
    path.write_bytes(bytes(data))
    with pytest.raises(UnsafeInput):
        check_zip(path, "Shapefile", 2 * 2**20)


def test_messages_never_show_server_paths(tmp_path):
    secret = tmp_path / "srv" / "data" / "uploads" / "abc123"
    secret.mkdir(parents=True)
    path = secret / "array.geojson"
    path.write_text("[1, 2, 3]")
    with pytest.raises(SourceError) as info:
        read_source(path, label="array.geojson")
    assert str(tmp_path) not in str(info.value) and "array.geojson" in str(info.value)
    text = f"'/vsizip/{secret}/x.zip/roads.shp' and {secret}/array.geojson: not recognized"
    assert scrub(text, "x.zip", path) == "'x.zip' and x.zip: not recognized"


def test_plan_upload_with_id_and_ID(client):
    features = [
        {
            "type": "Feature",
            "properties": {"ID": i, "id": f"t{i}", "Name": f"block {i}"},
            "geometry": {"type": "Point", "coordinates": [CENTRE[0] + i * 0.01, CENTRE[1]]},
        }
        for i in range(3)
    ]
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    data = {"network": "water", "threshold": "100", "targets_file": (io.BytesIO(body), "ids.geojson")}
    res = client.post("/plan?lang=en", data=data, content_type="multipart/form-data")
    assert res.status_code == 200, res.get_data(as_text=True)[-1500:]
    assert "ids.geojson" in res.get_data(as_text=True)
