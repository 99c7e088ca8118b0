"""Reading vector files (GeoJSON, GeoPackage, Shapefile, GeoParquet, ...) with clear errors.

Every reader returns a GeoDataFrame in EPSG:4326 (through :mod:`geoworks.geodesy`)
or raises :class:`InputError` naming the file and the problem.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from geoworks.geodesy import CRSProblem, to_wgs84

PARQUET_SUFFIXES = (".parquet", ".geoparquet")


class InputError(ValueError):
    """A file cannot be used; the message names the file and the problem."""


def read_vector(path: str | Path, assume_crs: str | None = None, layer: str | None = None,
                what: str | None = None) -> gpd.GeoDataFrame:
    """Read ``path`` into EPSG:4326. ``assume_crs`` applies only when the file declares no CRS."""
    path = Path(path)
    label = what or path.name
    if not path.exists():
        raise InputError(f"{label}: file not found")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{label}: the file is empty")
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            gdf = gpd.read_parquet(path)
        else:
            gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # GDAL/arrow errors: unreadable, truncated, wrong format
        raise InputError(f"{label}: cannot be read as a vector file ({exc})") from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise InputError(f"{label}: has no geometry column")
    if len(gdf) == 0:
        raise InputError(f"{label}: contains no features")
    try:
        return to_wgs84(gdf, assume_crs, what=label)
    except CRSProblem as exc:
        raise InputError(str(exc)) from None
