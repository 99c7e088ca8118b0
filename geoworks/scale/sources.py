"""Line files and in-memory layers as Dask GeoDataFrames read chunk by chunk, each row numbered.

Every partition's index is the global row number of its features in the source (0, 1, ...), so
that the pieces cut from them can be traced back to a feature. Geometries stay in the source's CRS
here; :mod:`geoworks.scale.engine` reprojects each chunk to EPSG:4326 (in the workers).

- GeoPackage, Shapefile, GeoJSON, FlatGeobuf: ``dask_geopandas.read_file`` (pyogrio, a range of
  rows per partition), the first layer, geometry only;
- GeoParquet: its row groups (pyarrow), split in memory to ``chunk`` rows;
- anything else :func:`geoworks.io.readers.read_vector` reads (CSV, zipped Shapefiles, KML, ...):
  read whole by the client, then split into partitions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from geoworks.geodesy import WGS84
from geoworks.io.readers import InputError, SourceError, check_file, read_vector

OGR_CHUNKED = {".gpkg", ".shp", ".geojson", ".json", ".fgb"}
PARQUET = {".parquet", ".geoparquet"}


@dataclass
class Source:
    """A Dask GeoDataFrame of geometries indexed by source row number, their CRS (None: none declared)
    and the number of rows."""

    frame: Any
    crs: Any
    rows: int


def chunk_rows(rows: int, chunk: int) -> int:
    """Rows per source partition: ``chunk`` at most, and at least 4 partitions when there are 40,000 rows."""
    return max(1, min(int(chunk), max(10_000, -(-int(rows) // 4))))


def _meta(crs: Any) -> gpd.GeoDataFrame:
    """An empty frame of geometries in ``crs``: the partitions' schema."""
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs))


def frame_source(geoms: np.ndarray, chunk: int) -> Source:
    """Lon/lat geometries (EPSG:4326) held by the client, split into partitions of at most ``chunk`` rows."""
    import dask_geopandas

    frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=WGS84))
    rows = len(frame)
    return Source(dask_geopandas.from_geopandas(frame, chunksize=chunk_rows(rows, chunk), sort=False), WGS84, rows)


def _parquet_crs(pf: Any) -> Any:
    """The CRS of a GeoParquet file's primary geometry column (GeoParquet: none given means OGC:CRS84)."""
    geo = json.loads((pf.schema_arrow.metadata or {}).get(b"geo", b"{}"))
    column = geo.get("columns", {}).get(geo.get("primary_column", "geometry"), {})
    return column.get("crs", "OGC:CRS84")


def read_parquet_part(part: tuple[str, int, int]) -> gpd.GeoDataFrame:
    """The geometries of one GeoParquet row group, indexed by global row number."""
    import pyarrow.parquet as pq
    from geopandas.io.arrow import _arrow_to_geopandas

    path, rg, first = part
    pf = pq.ParquetFile(path)
    geo = json.loads((pf.schema_arrow.metadata or {}).get(b"geo", b"{}"))
    frame = _arrow_to_geopandas(pf.read_row_group(rg, columns=[geo.get("primary_column", "geometry")]))
    frame.index = np.arange(first, first + len(frame))
    frame = frame[[frame.geometry.name]]
    return frame if frame.geometry.name == "geometry" else frame.rename_geometry("geometry")


def _parquet_source(path: Path, label: str, chunk: int) -> Source:
    """A GeoParquet file, a partition per row group, split further in memory to ``chunk`` rows (a row
    group is read whole: its rows cannot be read apart)."""
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        sizes = [pf.metadata.row_group(rg).num_rows for rg in range(pf.metadata.num_row_groups)]
        crs = _parquet_crs(pf)
    except Exception as exc:  # pyarrow's many error types: one message naming the file
        raise InputError(f"{label}: cannot be read as a vector file ({str(exc).splitlines()[0]})") from None
    rows = sum(sizes)
    if rows == 0:
        raise InputError(f"{label}: contains no features")
    parts = [(str(path), rg, int(first)) for rg, first in enumerate(np.cumsum([0, *sizes[:-1]]))]
    frame = dd.from_map(read_parquet_part, parts, meta=_meta(crs), enforce_metadata=False)
    wanted = -(-rows // chunk_rows(rows, chunk))
    return Source(frame.repartition(npartitions=wanted) if wanted > len(parts) else frame, crs, rows)


def _ogr_source(path: Path, label: str, chunk: int) -> Source:
    """A single-layer GDAL file (its first layer), partition by partition: geometry only."""
    import dask_geopandas
    import pyogrio

    try:
        info = pyogrio.read_info(path)
    except Exception as exc:  # pyogrio's error types: one message naming the file
        raise InputError(f"{label}: cannot be read as a vector file ({str(exc).splitlines()[0]})") from None
    if not info.get("features"):
        raise InputError(f"{label}: contains no features")
    rows = int(info["features"])
    frame = dask_geopandas.read_file(str(path), chunksize=chunk_rows(rows, chunk), columns=["geometry"])
    return Source(frame, info.get("crs"), rows)


def file_source(path: str | Path, chunk: int, assume_crs: str | None = None, what: str | None = None) -> Source:
    """A line file as a :class:`Source` (``assume_crs`` applies, in the workers, when the file declares
    no CRS). InputError naming the file when it is unusable."""
    path = Path(path)
    label = what or path.name
    try:
        check_file(path, label)
    except SourceError:
        read_vector(path, assume_crs, what=label)  # raises the in-process engine's own InputError
    suffix = path.suffix.lower()
    if suffix in PARQUET:
        return _parquet_source(path, label, chunk)
    if suffix in OGR_CHUNKED:
        return _ogr_source(path, label, chunk)
    frame = read_vector(path, assume_crs, what=label)  # the client reads it whole: formats GDAL cannot page
    return frame_source(np.asarray(frame.geometry.values), chunk)
