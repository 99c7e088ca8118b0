"""Geometries with lengths known by construction (pyproj.Geod is the reference)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
LAT = 43.25
LON0 = 76.95


def offset(lon: float, lat: float, az: float, dist_m: float) -> tuple[float, float]:
    """The point ``dist_m`` metres from (lon, lat) at azimuth ``az`` degrees."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, az, dist_m)
    return float(lon2), float(lat2)


def geod_length(coords) -> float:
    """Reference geodesic length of a polyline given as (lon, lat) pairs."""
    lons, lats = zip(*coords)
    return float(GEOD.line_length(lons, lats))


def two_districts() -> gpd.GeoDataFrame:
    """West 'a' and east 'b', sharing the meridian 76.95 as border."""
    a = shapely.box(76.90, 43.20, LON0, 43.30)
    b = shapely.box(LON0, 43.20, 77.00, 43.30)
    return gpd.GeoDataFrame({"slug": ["a", "b"], "name": ["West", "East"]}, geometry=[a, b], crs="EPSG:4326")


def arrays(gdf: gpd.GeoDataFrame, field: str = "slug"):
    return gdf[field].to_numpy(dtype=object), np.asarray(gdf.geometry.values, dtype=object)
