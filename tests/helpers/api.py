"""A tiny store built in code for the open API tests: lengths and positions known by construction."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString

from geoworks.catalogue import default_catalogue
from geoworks.storage import open_store
from geoworks.works import annotate, conform
from tests.helpers.backends import config_for
from tests.helpers.geometry import LAT, LON0, offset

# West district "almaly" and east district "medeu", sharing the meridian LON0 as border.
WEST, EAST = "almaly", "medeu"


def districts() -> gpd.GeoDataFrame:
    cat = default_catalogue()
    rows = []
    for slug, box in ((WEST, shapely.box(76.90, 43.20, LON0, 43.30)), (EAST, shapely.box(LON0, 43.20, 77.00, 43.30))):
        n = cat.districts[slug].names
        rows.append({"slug": slug, "name_kk": n.kk, "name_ru": n.ru, "name_en": n.en, "schematic": 1, "geometry": box})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def east_west_line(start_m: float, end_m: float, lat: float = LAT) -> LineString:
    """A line along ``lat`` from ``start_m`` to ``end_m`` metres east of the border (negative = west)."""
    a = offset(LON0, lat, 90 if start_m >= 0 else 270, abs(start_m))
    b = offset(LON0, lat, 90 if end_m >= 0 else 270, abs(end_m))
    return LineString([(a[0], lat), (b[0], lat)])


ROADS = [
    # id, geometry, name, status, start, end, year, contractor
    ("r1", east_west_line(-1000, 1000), "Crossing the border", "completed", "2019-03-01", "2019-06-30", 2019, "A"),
    (
        "r2",
        east_west_line(200, 700, LAT + 0.01),
        "<script>alert(1)</script>",
        "in_progress",
        "2019-07-01",
        None,
        2019,
        '=HYPERLINK("x")',
    ),
    ("r3", east_west_line(-3000, -2000, LAT - 0.02), "West only", "planned", "2020-05-01", "2020-09-30", 2020, "B"),
    ("r4", east_west_line(1500, 2500, LAT + 0.03), "East only", "completed", "2018-04-01", "2018-05-15", 2018, "C"),
    ("r5", east_west_line(-1000, 1000), "Duplicate of r1", "completed", "2019-03-01", "2019-06-30", 2019, "A"),
]


def roads() -> gpd.GeoDataFrame:
    cols = ["id", "geometry", "name", "status", "start_date", "end_date", "year", "contractor"]
    gdf = gpd.GeoDataFrame(pd.DataFrame(ROADS, columns=cols), geometry="geometry", crs="EPSG:4326")
    gdf["batch_id"] = "test"
    return gdf


def build_small_store(path, config: dict | None = None) -> object:
    """A store with the two districts and ROADS (annotated), nothing else (``config``: the test store's, see
    tests.helpers.backends; default: the GeoPackage at ``path``)."""
    cat = default_catalogue()
    store = open_store(config or config_for(path))
    d = districts()
    works = conform(annotate(roads(), cat.layer("roads"), d))
    with store.transaction() as tx:
        tx.write_layer("districts", d)
        tx.write_layer("roads", works)
        tx.write_table("meta", pd.DataFrame([{"key": "dataset", "value": "test"}]))
    return store
