"""The one file reader: read_source (as read, for the importers) and read_vector (EPSG:4326, for measure and plan)."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
import shapely
from shapely import LineString

from geoworks.geodesy import geodesic_lengths_m
from geoworks.io.readers import InputError, SourceError, file_checksum, read_source, read_vector
from tests.helpers.imports import CENTRE, line


@pytest.fixture
def lines() -> gpd.GeoDataFrame:
    a, _ = line(CENTRE, 90, 1000)
    b, _ = line(CENTRE, 0, 500)
    return gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[a, b], crs="EPSG:4326")


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for member in members:
            zf.write(member, member.name)


def test_read_vector_is_read_source_in_wgs84(tmp_path, lines):
    """A projected file: read_source keeps the file's CRS, read_vector gives lon/lat with the same geodesic lengths."""
    path = tmp_path / "utm.gpkg"
    lines.to_crs("EPSG:32643").to_file(path)
    source = read_source(path)
    assert source.crs_declared and source.frame.crs.to_epsg() == 32643 and source.format == "GeoPackage"
    wgs = read_vector(path)
    assert wgs.crs.to_epsg() == 4326 and list(wgs["name"]) == ["a", "b"]
    assert geodesic_lengths_m(wgs.geometry.values) == pytest.approx(geodesic_lengths_m(lines.geometry.values), rel=1e-6)


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("missing.geojson", None, "lines file: file not found"),
        ("empty.geojson", b"", "lines file: the file is empty"),
        (
            "cut.geojson",
            b'{"type": "FeatureCollection", "features": [',
            "lines file: cannot be read as a vector file (",
        ),
        ("none.geojson", b'{"type": "FeatureCollection", "features": []}', "lines file: contains no features"),
        ("bad.zip", b"PK not a zip", "lines file: cannot be read as a vector file ("),
        ("plain.csv", b"name,size\na,1\n", "lines file: no geometry: expected a WKT column"),
        (
            "wkt.csv",
            b'name,wkt\na,"LINESTRING (76.9 43.2, 76.91 43.2)"\nb,"LINESTRING (76.9"\n',
            "lines file: feature 2: field 'wkt': 'LINESTRING (76.9' is not valid WKT",
        ),
    ],
)
def test_read_vector_messages(tmp_path, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_vector(path, "EPSG:4326", what="lines file")
    assert str(info.value).startswith(words), str(info.value)


def test_read_vector_needs_a_crs_when_the_file_has_none(tmp_path, lines):
    path = tmp_path / "nocrs.shp"
    lines.to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(InputError, match="has no CRS"):
        read_vector(path)
    assert read_vector(path, "EPSG:4326").crs.to_epsg() == 4326
    assert not read_source(path).crs_declared


def test_several_layers(tmp_path, lines):
    """read_vector takes the first layer (as GDAL does); the importers' read_source asks which one."""
    path = tmp_path / "two.gpkg"
    lines.to_file(path, layer="first")
    lines.iloc[:1].to_file(path, layer="second")
    assert len(read_vector(path)) == 2 and len(read_vector(path, layer="second")) == 1
    with pytest.raises(SourceError, match=r"holds 2 layers \(first, second\); choose one with --source-layer"):
        read_source(path)
    assert len(read_source(path, "second").frame) == 1
    with pytest.raises(SourceError, match="no layer 'third'; layers: first, second"):
        read_source(path, "third")


def test_source_error_parts(tmp_path):
    with pytest.raises(SourceError) as info:
        read_source(tmp_path / "x.geojson", label="my file")
    exc = info.value
    assert isinstance(exc, InputError) and str(exc) == "my file: file not found"
    assert (exc.problem, exc.kind) == ("file not found", "missing")


def test_zip_of_shapefiles(tmp_path, lines):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    lines.to_file(shp_dir / "roads.shp")
    lines.iloc[:1].to_file(shp_dir / "more.shp")
    one = tmp_path / "one.zip"
    _zip(one, sorted(shp_dir.glob("roads.*")))
    assert len(read_source(one).frame) == 2 and read_source(one).format == "Shapefile"
    both = tmp_path / "both.zip"
    _zip(both, sorted(shp_dir.iterdir()))
    with pytest.raises(SourceError, match="the archive holds 2 Shapefiles"):
        read_source(both)
    assert len(read_source(both, "more").frame) == 1
    with pytest.raises(SourceError, match="no Shapefile 'nope' in the archive"):
        read_source(both, "nope")
    empty = tmp_path / "empty.zip"
    _zip(empty, [shp_dir / "roads.dbf"])
    with pytest.raises(SourceError, match="the zip archive holds no .shp file"):
        read_source(empty)


def test_incomplete_shapefile(tmp_path, lines):
    path = tmp_path / "roads.shp"
    lines.to_file(path)
    path.with_suffix(".dbf").unlink()
    with pytest.raises(SourceError, match=r"the Shapefile is incomplete: \.dbf missing"):
        read_source(path)


def test_csv_lon_lat_wkt_and_xy(tmp_path):
    lonlat = tmp_path / "yards.csv"
    lonlat.write_text("Name;Долгота;Широта\nA;76,92;43,25\nB;x;43.26\n", encoding="utf-8")
    src = read_source(lonlat)
    assert src.crs_declared and src.frame.crs.to_epsg() == 4326 and list(src.frame.columns) == ["Name", "geometry"]
    assert src.frame.geometry.iloc[0].equals(shapely.Point(76.92, 43.25)) and src.frame.geometry.iloc[1] is None
    assert src.row_problems == [(1, "Долгота", "'x' is not a number")]
    wkt = tmp_path / "lines.tsv"
    wkt.write_text("name\tthe geom\na\tLINESTRING (76.9 43.2, 76.91 43.2)\n", encoding="utf-8")
    src = read_source(wkt)
    assert not src.crs_declared and src.frame.geometry.iloc[0].geom_type == "LineString"
    xy = tmp_path / "xy.csv"
    xy.write_text("x,y\n650000,4790000\n", encoding="utf-8")
    assert not read_source(xy).crs_declared
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("name,lon,lat\ncaf\xe9,76.9,43.2\n".encode("latin-1"))
    with pytest.raises(SourceError, match="not UTF-8 text"):
        read_source(latin1)


def test_z_values_are_dropped(tmp_path):
    path = tmp_path / "z.geojson"
    gpd.GeoDataFrame(
        {"n": [1]}, geometry=[LineString([(76.9, 43.2, 800), (76.91, 43.2, 810)])], crs="EPSG:4326"
    ).to_file(path)
    assert not shapely.has_z(read_source(path).frame.geometry.values).any()
    assert not shapely.has_z(read_vector(path).geometry.values).any()


def test_kml_reads_every_folder(tmp_path, lines):
    path = tmp_path / "two.kml"
    lines.iloc[:1].to_file(path, layer="roads", driver="KML")
    lines.iloc[1:].to_file(path, layer="ditches", driver="KML", mode="a")
    assert len(read_source(path).frame) == 2
    assert len(read_source(path, "ditches").frame) == 1


def test_checksum_covers_every_shapefile_part(tmp_path, lines):
    path = tmp_path / "roads.shp"
    lines.to_file(path)
    before = file_checksum(path)
    assert before.startswith("sha256:") and len(before) == 7 + 64
    lines.assign(name=["c", "d"]).to_file(path)  # same geometry, other attributes: only the .dbf differs
    assert file_checksum(path) != before
