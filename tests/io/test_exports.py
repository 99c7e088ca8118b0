"""geoworks.io.exports: files written from GeoDataFrames and read back."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely

from geoworks.io import exports
from tests.helpers.api import roads


@pytest.fixture
def works() -> gpd.GeoDataFrame:
    gdf = roads()
    gdf["name_ru"] = "улица Абая"
    return gdf


def test_filename_says_what_and_when():
    when = datetime(2019, 12, 31, 23, 5, tzinfo=UTC)
    name = exports.export_filename("roads", {"district": "almaly", "year": 2019, "status": None}, "gpkg", when)
    assert name == "geoworks_roads_district-almaly_year-2019_20191231T2305Z.gpkg"
    assert (
        exports.export_filename("roads", {"district": "../../etc passwd"}, "csv", when)
        == "geoworks_roads_district-..-..-etc-passwd_20191231T2305Z.csv"
    )


def test_gpkg_round_trip(works, tmp_path):
    path = tmp_path / "x.gpkg"
    path.write_bytes(exports.to_gpkg(works, "roads"))
    got = pyogrio.read_dataframe(path, layer="roads")
    assert got.crs.to_epsg() == 4326 and list(got["id"]) == list(works["id"])
    assert shapely.equals_exact(got.geometry.values, works.geometry.values, tolerance=0).all()
    assert list(got["name_ru"]) == list(works["name_ru"])


def test_geojson_round_trip(works):
    got = pyogrio.read_dataframe(io.BytesIO(exports.to_geojson(works)))
    assert list(got["id"]) == list(works["id"]) and list(got["name"]) == list(works["name"])
    assert shapely.equals_exact(got.geometry.values, works.geometry.values, tolerance=1e-12).all()


def test_csv_wkt_round_trip(works, tmp_path):
    data = exports.to_csv(works)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read Cyrillic
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    got = pyogrio.read_dataframe(path)
    assert list(got["id"]) == list(works["id"]) and list(got["name_ru"]) == list(works["name_ru"])
    assert shapely.equals_exact(got.geometry.values, works.geometry.values, tolerance=1e-12).all()
    # a value that a spreadsheet would run as a formula is neutralised
    assert "'=HYPERLINK" in data.decode("utf-8")


def test_xlsx_round_trip_and_no_formulas(works):
    data = exports.to_xlsx({"roads": works}, {"exported": "now"})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(wb["roads"].values)
    header = rows[0]
    assert [r[header.index("id")] for r in rows[1:]] == list(works["id"])
    wkts = [r[header.index("wkt")] for r in rows[1:]]
    assert shapely.equals_exact(shapely.from_wkt(wkts), works.geometry.values, tolerance=1e-12).all()
    col = header.index("contractor") + 1
    cell = [row[0] for row in wb["roads"].iter_rows(min_col=col, max_col=col) if str(row[0].value).startswith("=")]
    assert cell and all(c.data_type == "s" for c in cell)  # stored as text, not a formula
    assert list(wb["about"].values) == [("exported", "now")]


def test_unknown_format(works):
    with pytest.raises(ValueError, match="unknown export format"):
        exports.export_features(works, "shp", "roads")
