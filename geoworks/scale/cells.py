"""The partitioned dataset: line pieces of each lon/lat cell as GeoParquet, one folder per cell.

``<dataset>/cell=K/part-<first row>.parquet`` holds the pieces that the source chunk starting at
that row has in cell K (columns ``feature``, the source row number, and ``geometry``, WKB): a
hive-partitioned GeoParquet dataset (GeoParquet 1.1 metadata, no ``crs``: OGC:CRS84, lon/lat on
WGS84, what geoworks stores). Written and read with pyarrow directly: cheap per file, so that many
small cells cost little.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from pyproj import CRS


@lru_cache(maxsize=1)
def wgs84() -> CRS:
    """EPSG:4326, built once per process (building a CRS costs milliseconds)."""
    return CRS.from_epsg(4326)


def _geo_metadata(geoms: np.ndarray) -> bytes:
    """GeoParquet 1.1 metadata of a WKB geometry column in OGC:CRS84 (lon/lat), with its bbox."""
    x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(geoms))
    column = {"encoding": "WKB", "geometry_types": ["LineString", "MultiLineString"], "bbox": [x0, y0, x1, y1]}
    return json.dumps({"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": column}}).encode()


def write_part(dataset: str | Path, cell: int, first_row: int, feature: np.ndarray, pieces: np.ndarray) -> None:
    """Write the pieces (lon/lat lines) one source chunk has in ``cell``, with their source row numbers."""
    folder = Path(dataset) / f"cell={cell}"
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {"feature": pa.array(np.asarray(feature, dtype=np.int64)), "geometry": pa.array(shapely.to_wkb(pieces))}
    )
    pq.write_table(table.replace_schema_metadata({b"geo": _geo_metadata(pieces)}), folder / f"part-{first_row}.parquet")


def read_cell(spec: tuple[str, int]) -> gpd.GeoDataFrame:
    """The pieces of one cell, ordered by source row number (as the in-process engine meets them)."""
    dataset, cell = spec
    table = pq.read_table(Path(dataset) / f"cell={cell}", columns=["feature", "geometry"])
    feature = table["feature"].to_numpy()
    order = np.argsort(feature, kind="stable")
    geoms = shapely.from_wkb(np.asarray(table["geometry"].to_numpy(zero_copy_only=False), dtype=object)[order])
    return gpd.GeoDataFrame({"feature": feature[order]}, geometry=gpd.GeoSeries(geoms, crs=wgs84()))


def empty_cell() -> gpd.GeoDataFrame:
    """A cell with no pieces: the partitions' schema."""
    return gpd.GeoDataFrame({"feature": np.empty(0, dtype=np.int64)}, geometry=gpd.GeoSeries([], crs=wgs84()))
