"""A corpus of malformed input files, made by code: each one must be refused by ``geoworks import`` and by
the web upload, with a message naming the file (and the feature and field where there is one).

:data:`CASES` lists them; :func:`build_corpus` writes every file into a directory (the big ones too: a
1 000 000-vertex line, 10 MB of properties, a zip bomb), once per test session.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
from shapely import Point

from tests.helpers.imports import CENTRE, line, polygon_around

BOMB_MB = 150  # a zip member inflating to this much (the upload limit is 100 MB by default)


@dataclass(frozen=True)
class Case:
    """One malformed file: its name, the layer it is imported into, what the refusal must say (besides the
    file's name), and the import options (``strict``, ``crs``) it is tried with."""

    name: str
    layer: str
    words: tuple[str, ...]
    build: Callable[[Path], None]
    options: dict = field(default_factory=dict)
    web: bool = True  # False: a file type the web upload refuses by its name (400 naming the file)


def _fc(*features: dict, **extra) -> dict:
    return {"type": "FeatureCollection", **extra, "features": list(features)}


def _feature(geometry: dict | None, **props) -> dict:
    return {"type": "Feature", "properties": {"name": "works", **props}, "geometry": geometry}


def _line_coords() -> list[list[float]]:
    g, _ = line(CENTRE, 90, 500)
    return [list(c) for c in g.coords]


def _json(obj: dict) -> Callable[[Path], None]:
    return lambda path: path.write_text(json.dumps(obj), encoding="utf-8")


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _with_coord(x: float, y: float) -> Callable[[Path], None]:
    coords = _line_coords()
    coords[1] = [x, y]
    return _json(_fc(_feature({"type": "LineString", "coordinates": coords})))


def _good_geojson() -> bytes:
    return json.dumps(_fc(_feature({"type": "LineString", "coordinates": _line_coords()}))).encode()


def _frame(geoms: list, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"w{i}" for i in range(len(geoms))], **cols}, geometry=geoms, crs="EPSG:4326")


def _shapefile_parts(tmp: Path, crs: bool = True) -> dict[str, bytes]:
    g, _ = line(CENTRE, 90, 500)
    frame = _frame([g])
    if not crs:
        frame = frame.set_crs(None, allow_override=True)
    frame.to_file(tmp / "roads.shp")
    return {p.name: p.read_bytes() for p in sorted(tmp.glob("roads.*"))}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _shp_zip(drop: str | None = None, crs: bool = True) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        tmp = path.parent / f".{path.stem}-parts"
        tmp.mkdir(exist_ok=True)
        parts = _shapefile_parts(tmp, crs=crs)
        path.write_bytes(_zip({k: v for k, v in parts.items() if not (drop and k.endswith(drop))}))

    return build


def _truncated_zip(path: Path) -> None:
    _shp_zip()(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _bomb(path: Path) -> None:
    """A Shapefile zip whose .dbf inflates to BOMB_MB MB of zeros (written in pieces: little memory)."""
    tmp = path.parent / ".bomb-parts"
    tmp.mkdir(exist_ok=True)
    parts = _shapefile_parts(tmp)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            if not name.endswith(".dbf"):
                zf.writestr(name, data)
        with zf.open("roads.dbf", "w", force_zip64=True) as fh:
            block = bytes(1 << 20)
            for _ in range(BOMB_MB):
                fh.write(block)


def _slip(path: Path) -> None:
    tmp = path.parent / ".slip-parts"
    tmp.mkdir(exist_ok=True)
    parts = _shapefile_parts(tmp)
    path.write_bytes(_zip({f"../../{k}": v for k, v in parts.items()}))


def _vsi_member(path: Path) -> None:
    path.write_bytes(_zip({"data/vsicurl/http:/127.0.0.1/roads.shp": b"\x00\x00\x27\x0a" + bytes(96)}))


def _vrt_in_zip(path: Path) -> None:
    vrt = (
        b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>'
        b"</OGRVRTLayer></OGRVRTDataSource>"
    )
    path.write_bytes(_zip({"roads.vrt": vrt, "roads.shp": vrt}))


def _fake_shp_in_zip(path: Path) -> None:
    path.write_bytes(_zip({"roads.shp": b"hello, not a shapefile", "roads.shx": b"x", "roads.dbf": b"x"}))


def _broken_wkt(path: Path) -> None:
    path.write_text('name,wkt\na,"LINESTRING (76.92 43.25, 76.93 43.25)"\nb,"LINESTRING (76.9"\n', encoding="utf-8")


def _csv_latin1(path: Path) -> None:
    path.write_bytes("name,lon,lat\nк\xf6\xdf,76.92,43.25\n".encode("latin-1", errors="replace"))


def _csv_bad_lat(path: Path) -> None:
    path.write_text("name,lon,lat\na,76.92,abc\n", encoding="utf-8")


def _csv_lat_95(path: Path) -> None:
    path.write_text("name,lon,lat\na,76.92,95\n", encoding="utf-8")


def _million_vertices(path: Path) -> None:
    n = 1_000_000
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"long"},')
        fh.write('"geometry":{"type":"LineString","coordinates":[')
        fh.write(",".join(f"[{76.9 + i * 1e-7:.7f},43.25]" for i in range(n)))
        fh.write("]}}]}")


def _big_properties(path: Path) -> None:
    """10 MB of properties: twenty of 512 KB each."""
    props = {f"note{i}": chr(ord("a") + i) * (2**19) for i in range(20)}
    _json(_fc(_feature({"type": "LineString", "coordinates": _line_coords()}, **props)))(path)


def _non_utf8(path: Path) -> None:
    path.write_bytes(_good_geojson().replace(b'"works"', b'"\xe9\xe8\xff"'))


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"this is not a GeoPackage\n" * 10)


def _truncated_gpkg(path: Path) -> None:
    g, _ = line(CENTRE, 90, 500)
    _frame([g]).to_file(path, driver="GPKG")
    data = path.read_bytes()
    path.write_bytes(data[:2048])


def _virtual_ogr_gpkg(path: Path) -> None:
    g, _ = line(CENTRE, 90, 500)
    _frame([g]).to_file(path, driver="GPKG", layer="roads")
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA writable_schema=ON")
        con.execute(
            "INSERT INTO sqlite_master VALUES ('table', 'evil', 'evil', 0, "
            "'CREATE VIRTUAL TABLE evil USING VirtualOGR(''/etc/passwd'')')"
        )
        con.commit()
    finally:
        con.close()


def _kml_network_link(path: Path) -> None:
    path.write_text(
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><NetworkLink>'
        "<Link><href>http://127.0.0.1:9/x.kml</href></Link></NetworkLink></Document></kml>",
        encoding="utf-8",
    )


def _kml_entity(path: Path) -> None:
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&e;</name></Document></kml>',
        encoding="utf-8",
    )


def _kmz_vrt(path: Path) -> None:
    path.write_bytes(_zip({"doc.kml": b"<OGRVRTDataSource></OGRVRTDataSource>"}))


def _vrt_named_geojson(path: Path) -> None:
    path.write_text(
        '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>'
        "</OGRVRTLayer></OGRVRTDataSource>",
        encoding="utf-8",
    )


def _crs(crs: dict) -> Callable[[Path], None]:
    return _json(_fc(_feature({"type": "LineString", "coordinates": _line_coords()}), crs=crs))


def _geometry_crs(path: Path) -> None:
    geom = {
        "type": "LineString",
        "coordinates": _line_coords(),
        "CRS": {"type": "url", "properties": {"url": "http://127.0.0.1:9/crs"}},
    }
    _json(_fc(_feature(geom)))(path)


def _escaped_crs(path: Path) -> None:
    text = json.dumps(_fc(_feature({"type": "LineString", "coordinates": _line_coords()})))
    link = '"\\u0063rs": {"type": "link", "properties": {"href": "http://127.0.0.1:9/x", "type": "ogcwkt"}}, '
    path.write_text(text.replace('{"type": "FeatureCollection", ', '{"type": "FeatureCollection", ' + link, 1))


def _not_pbf(path: Path) -> None:
    path.write_bytes(b"<osm version='0.6'></osm>" + bytes(100))


def _not_parquet(path: Path) -> None:
    path.write_bytes(b"PAR2 this is no parquet file" * 20)


def _points(path: Path) -> None:
    pts = [Point(CENTRE), Point(CENTRE[0] + 0.001, CENTRE[1])]
    _frame(pts).to_file(path, driver="GeoJSON")


def _polygons(path: Path) -> None:
    _frame([polygon_around(*CENTRE)]).to_file(path, driver="GeoJSON")


def _lines_into_courtyards(path: Path) -> None:
    g, _ = line(CENTRE, 90, 500)
    _frame([g]).to_file(path, driver="GeoJSON")


def _attr(**props) -> Callable[[Path], None]:
    return _json(_fc(_feature({"type": "LineString", "coordinates": _line_coords()}, **props)))


def _ring(coords: list) -> Callable[[Path], None]:
    return _json(_fc(_feature({"type": "Polygon", "coordinates": [coords]})))


def _bowtie() -> list:
    x, y = CENTRE
    d = 0.002
    return [[x, y], [x + d, y + d], [x + d, y], [x, y + d], [x, y]]


def _unclosed() -> list:
    x, y = CENTRE
    d = 0.002
    return [[x, y], [x + d, y], [x + d, y + d], [x, y + d]]


def _geometry(geom: dict) -> Callable[[Path], None]:
    return _json(_fc(_feature(geom)))


F1, GEOM = "feature 1", "field 'geometry'"
STRICT = {"strict": True}  # invalid geometries are repaired unless --strict (docs/import.md)
CASES: list[Case] = [
    Case("broken.geojson", "roads", (), _bytes(b'{"type": "FeatureCollection", "features": [{"type": ')),
    Case("truncated.geojson", "roads", (), lambda p: p.write_bytes(_good_geojson()[:150])),
    Case("not_json.geojson", "roads", ("not a GeoJSON file",), _bytes(b"hello, world\n")),
    Case("html_page.json", "roads", ("not a GeoJSON file",), _bytes(b"<!DOCTYPE html><html><body>404</body></html>")),
    Case("array.geojson", "roads", (), _bytes(b"[1, 2, 3]")),
    Case("wrong_type.geojson", "roads", (), _json({"type": "Banana", "features": []})),
    Case("unknown_geometry.geojson", "roads", (), _geometry({"type": "Circle", "coordinates": [76.92, 43.25]})),
    Case("text_coordinates.geojson", "roads", (), _geometry({"type": "LineString", "coordinates": [["a", "b"]]})),
    Case("nan.geojson", "roads", (F1, GEOM, "not a number"), _with_coord(float("nan"), 43.25)),
    Case("inf.geojson", "roads", (F1, GEOM, "not a number"), _with_coord(float("inf"), 43.25)),
    Case("minus_inf.geojson", "roads", (F1, GEOM, "not a number"), _with_coord(76.92, float("-inf"))),
    Case("1e308.geojson", "roads", (F1, GEOM, "impossible"), _with_coord(1e308, 43.25)),
    Case("lon500.geojson", "roads", (F1, GEOM, "impossible"), _with_coord(500.0, 43.25)),
    Case("lat_minus_95.geojson", "roads", (F1, GEOM, "impossible"), _with_coord(76.92, -95.0)),
    Case("unclosed_ring.geojson", "courtyards", (), _ring(_unclosed())),
    Case(
        "self_intersecting.geojson", "courtyards", (F1, GEOM, "Self-intersection"), _ring(_bowtie()), {"strict": True}
    ),
    Case("million_vertices.geojson", "roads", (F1, GEOM, "1,000,000 vertices"), _million_vertices),
    Case("big_properties.geojson", "roads", (F1, "field 'note0'", "524,288 characters"), _big_properties),
    Case("non_utf8.geojson", "roads", ("not UTF-8",), _non_utf8),
    Case("no_features.geojson", "roads", ("no features",), _json(_fc())),
    Case("empty.geojson", "roads", ("empty",), _bytes(b"")),
    Case("empty.csv", "roads", ("empty",), _bytes(b"")),
    Case("empty.zip", "roads", ("empty",), _bytes(b"")),
    Case("empty.gpkg", "roads", ("empty",), _bytes(b"")),
    Case("truncated.zip", "roads", ("zip",), _truncated_zip),
    Case("no_shx.zip", "roads", (), _shp_zip(drop=".shx")),
    Case("no_prj.zip", "roads", ("no CRS",), _shp_zip(crs=False)),
    Case("no_shp.zip", "roads", ("no .shp",), _shp_zip(drop=".shp")),
    Case("zip_bomb.zip", "roads", ("inflates", "limit"), _bomb),
    Case("zip_slip.zip", "roads", ("outside the archive",), _slip),
    Case("vsi_member.zip", "roads", ("virtual path",), _vsi_member),
    Case("vrt_member.zip", "roads", ("VRT",), _vrt_in_zip),
    Case("fake_shapefile.zip", "roads", ("not a Shapefile",), _fake_shp_in_zip),
    Case("broken_wkt.csv", "roads", ("feature 2", "field 'wkt'", "not valid WKT"), _broken_wkt, {"crs": "EPSG:4326"}),
    Case("latin1.csv", "roads", ("not UTF-8",), _csv_latin1),
    Case("text_latitude.csv", "roads", (F1, "field 'lat'", "not a number"), _csv_bad_lat),
    Case("latitude_95.csv", "roads", (F1, GEOM, "impossible"), _csv_lat_95),
    Case("not_sqlite.gpkg", "roads", ("not a GeoPackage",), _not_sqlite),
    Case("truncated.gpkg", "roads", (), _truncated_gpkg),
    Case("virtual_table.gpkg", "roads", ("virtual table",), _virtual_ogr_gpkg),
    Case("not_pbf.osm.pbf", "roads", ("not an OSM PBF",), _not_pbf, web=False),
    Case("not_parquet.parquet", "roads", (), _not_parquet),
    Case("network_link.kml", "lighting", ("NetworkLink",), _kml_network_link),
    Case("entity.kml", "lighting", ("entity",), _kml_entity),
    Case("vrt.kmz", "lighting", ("VRT",), _kmz_vrt),
    Case("vrt_inside.geojson", "roads", ("VRT",), _vrt_named_geojson),
    Case("points_into_roads.geojson", "roads", (F1, GEOM, "takes line"), _points),
    Case("polygons_into_roads.geojson", "roads", (F1, GEOM, "takes line"), _polygons),
    Case("lines_into_courtyards.geojson", "courtyards", (F1, GEOM, "a line"), _lines_into_courtyards),
    Case("text_year.geojson", "roads", (F1, "field 'year'", "not a year"), _attr(year="nineteen")),
    Case("bad_date.geojson", "roads", (F1, "field 'end_date'", "not a date"), _attr(end_date="31.02.2019x")),
    Case("bad_status.geojson", "roads", (F1, "field 'status'", "not a status"), _attr(status="maybe")),
    Case(
        "crs_link.geojson",
        "roads",
        ("crs member of type 'link'",),
        _crs({"type": "link", "properties": {"href": "http://127.0.0.1:9/crs", "type": "ogcwkt"}}),
    ),
    Case(
        "crs_url.geojson",
        "roads",
        ("crs member of type 'url'",),
        _crs({"type": "url", "properties": {"url": "http://127.0.0.1:9/crs"}}),
    ),
    Case(
        "crs_file.geojson",
        "roads",
        ("crs member of type 'name'",),
        _crs({"type": "name", "properties": {"name": "/etc/passwd"}}),
    ),
    Case("crs_escaped.geojson", "roads", ("crs member of type 'link'",), _escaped_crs),
    Case("geometry_crs.geojson", "roads", ("crs member of type 'url'",), _geometry_crs),
]


def build_corpus(directory: Path, cases: list[Case] = CASES) -> dict[str, Path]:
    """Every case's file written into ``directory``; name -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for case in cases:
        path = directory / case.name
        case.build(path)
        out[case.name] = path
    return out
