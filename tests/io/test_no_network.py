"""No input file makes geoworks open a connection or read another file (geoworks.io.safety).

A local HTTP server counts every request it gets; files pointing at it (a GeoJSON ``crs`` link or URL, at
the top or in a geometry, a KML NetworkLink, a VRT, a zip member named like /vsicurl/, a GeoPackage with a
VirtualOGR table over a URL) go through the three ways in: ``geoworks import``, the web upload and
``POST /plan``. Each is refused, naming the file, and the server is never called.
"""

from __future__ import annotations

import html
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from geoworks.cli import main
from geoworks.io.readers import SourceError, read_source
from geoworks.io.safety import GDAL_OFFLINE, gdal_offline
from tests.helpers.backends import config_for, install_users
from tests.helpers.imports import CENTRE, line
from tests.helpers.listener import Listener
from tests.web.test_auth_roles import csrf, login, users_template  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.stop()


def _coords() -> list:
    g, _ = line(CENTRE, 90, 400)
    return [list(c) for c in g.coords]


def _geojson(crs: dict | None = None, geometry_crs: dict | None = None) -> bytes:
    geometry: dict = {"type": "LineString", "coordinates": _coords()}
    if geometry_crs:
        geometry["crs"] = geometry_crs
    doc: dict = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": geometry}]}
    if crs:
        doc["crs"] = crs
    return json.dumps(doc).encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _gpkg(tmp: Path, url: str) -> bytes:
    import geopandas as gpd

    path = tmp / "virtual.gpkg"
    g, _ = line(CENTRE, 90, 400)
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[g], crs="EPSG:4326").to_file(path, driver="GPKG")
    con = sqlite3.connect(path)
    con.execute("PRAGMA writable_schema=ON")
    sql = f"CREATE VIRTUAL TABLE remote USING VirtualOGR('/vsicurl/{url}/remote.geojson')"
    con.execute("INSERT INTO sqlite_master VALUES ('table', 'remote', 'remote', 0, ?)", (sql,))
    con.commit()
    con.close()
    return path.read_bytes()


@pytest.fixture(scope="module")
def files(listener, tmp_path_factory) -> dict[str, bytes]:
    """name -> bytes of every file that would make GDAL call the listener."""
    url = listener.url
    vrt = (
        f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/{url}/v.geojson</SrcDataSource>'
        "</OGRVRTLayer></OGRVRTDataSource>"
    ).encode()
    kml = (
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><NetworkLink>'
        f"<Link><href>{url}/n.kml</href></Link></NetworkLink></Document></kml>"
    ).encode()
    return {
        "crs_link.geojson": _geojson({"type": "link", "properties": {"href": f"{url}/link", "type": "ogcwkt"}}),
        "crs_url.json": _geojson({"type": "url", "properties": {"url": f"{url}/url"}}),
        "crs_proj4.geojson": _geojson({"type": "link", "properties": {"href": f"{url}/p4", "type": "proj4"}}),
        "geometry_crs.geojson": _geojson(geometry_crs={"type": "link", "properties": {"href": f"{url}/g"}}),
        "crs_name_url.geojson": _geojson({"type": "name", "properties": {"name": f"{url}/name"}}),
        "vrt.geojson": vrt,
        "network_link.kml": kml,
        "vsicurl_member.zip": _zip({f"x/vsicurl/{url}/roads.shp": b"\x00\x00\x27\x0a" + bytes(96)}),
        "vrt_member.zip": _zip({"roads.shp": vrt, "roads.shx": vrt, "roads.dbf": vrt}),
        "virtual.gpkg": _gpkg(tmp_path_factory.mktemp("gpkg"), url),
    }


GEOJSON_ONLY = ("crs_link.geojson", "crs_url.json", "crs_proj4.geojson", "geometry_crs.geojson", "vrt.geojson")


def test_the_listener_counts(files, listener, tmp_path):
    """The proof works: GDAL alone (without geoworks' checks and offline options) does fetch a crs link."""
    path = tmp_path / "crs_link.geojson"
    path.write_bytes(files["crs_link.geojson"])
    pyogrio.read_dataframe(path)
    assert listener.hits == ["/link"]
    listener.hits.clear()


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
def test_cli_import(files, listener, demo_copy, tmp_path):
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        layer = "lighting" if name.endswith(".kml") else "roads"
        result = CliRunner().invoke(main, ["import", str(path), "--layer", layer], env=config_for(demo_copy))
        assert result.exit_code == 2 and f"error: {name}: " in result.output, result.output
    assert listener.hits == []


def test_cli_import_of_virtual_paths(listener, demo_dir, tmp_path):
    for target in (f"/vsicurl/{listener.url}/x.geojson", f"{listener.url}/x.geojson"):
        result = CliRunner().invoke(main, ["import", target, "--layer", "roads"], env=config_for(demo_dir))
        assert result.exit_code == 2, result.output
    with pytest.raises(SourceError, match="virtual paths"):
        read_source(f"/vsicurl/{listener.url}/x.geojson")
    assert listener.hits == []


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)
def test_web_upload(files, listener, demo_copy, users_template):  # noqa: F811
    from geoworks.web import create_app

    install_users(users_template, demo_copy)
    client = create_app({"TESTING": True, **config_for(demo_copy)}).test_client()
    assert login(client, "erik").status_code == 302
    for name, data in files.items():
        form = {
            "csrf_token": csrf(client, "/upload/"),
            "layer": "lighting" if name.endswith(".kml") else "roads",
            "outside": "skip",
            "file": (io.BytesIO(data), name),
        }
        res = client.post("/upload/", data=form, content_type="multipart/form-data")
        text = html.unescape(res.get_data(as_text=True))
        assert 400 <= res.status_code < 500 and f"{name}: " in text, (name, res.status_code)
    assert listener.hits == []


def test_post_plan(files, listener, client):
    for name in GEOJSON_ONLY:
        data = {"network": "water", "threshold": "100", "targets_file": (io.BytesIO(files[name]), name)}
        res = client.post("/plan?lang=en", data=data, content_type="multipart/form-data")
        text = html.unescape(res.get_data(as_text=True))
        assert res.status_code == 400 and name in text, (name, res.status_code)
    assert listener.hits == []


def test_gdal_reads_offline_even_without_the_checks(files, listener, tmp_path):
    """Defence in depth: were a link to slip past the checks, GDAL still reaches nothing while geoworks reads."""
    path = tmp_path / "crs_link.geojson"
    path.write_bytes(files["crs_link.geojson"])
    with gdal_offline():
        assert len(pyogrio.read_dataframe(path)) == 1
        assert pyogrio.get_gdal_config_option("GDAL_HTTP_PROXY") == GDAL_OFFLINE["GDAL_HTTP_PROXY"]
    assert listener.hits == []
    assert pyogrio.get_gdal_config_option("GDAL_HTTP_PROXY") is None  # restored after the read


def test_named_crs_is_still_read(tmp_path):
    path = tmp_path / "named.geojson"
    path.write_bytes(_geojson({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}))
    assert len(read_source(path).frame) == 1
    path.write_bytes(_geojson({"type": "name", "properties": {"name": "EPSG:4326"}}))
    assert read_source(path).frame.crs.to_epsg() == 4326
