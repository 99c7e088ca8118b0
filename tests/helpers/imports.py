"""Helpers for the import tests: small files with lengths known by construction, store checksums."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import geopandas as gpd
from shapely import LineString, Point, Polygon

from tests.helpers.geometry import geod_length, offset

CENTRE = (76.92, 43.25)


def line(start, az: float, metres: float, steps: int = 4) -> tuple[LineString, float]:
    """A polyline from ``start`` heading ``az``, ``steps`` vertices; (line, geodesic length in m)."""
    pts = [start]
    for _ in range(steps):
        pts.append(offset(*pts[-1], az, metres / steps))
    return LineString(pts), geod_length(pts)


def works_frame(n: int = 3, metres: float = 1000.0) -> tuple[gpd.GeoDataFrame, float]:
    """``n`` lines of ``metres`` each near the centre of Almaty, with kk/ru/en-ish attributes."""
    geoms, total = [], 0.0
    for i in range(n):
        g, length = line(offset(*CENTRE, 0, 300 * i), 90, metres)
        geoms.append(g)
        total += length
    gdf = gpd.GeoDataFrame(
        {
            "Наименование": [f"көше {i}" for i in range(n)],
            "Статус": ["completed", "в работе", "planned"][:n] + ["completed"] * max(0, n - 3),
            "start": ["2019-04-01"] * n,
            "end": ["15.09.2019"] * n,
            "Подрядчик": ["ТОО Құрылыс"] * n,
            "id": [f"src{i}" for i in range(n)],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    return gdf, total


def store_fingerprint(data_dir: Path) -> dict[str, str]:
    """sha256 of the store file and of every table's rows (read through SQLite, in rowid order); for a
    PostGIS test store, of every table's rows in stored order and the data version."""
    from tests.helpers.backends import database_for, pg_fingerprint

    url = database_for(data_dir)
    if url:
        return pg_fingerprint(url)
    path = Path(data_dir) / "geoworks.gpkg"
    out = {"file": hashlib.sha256(path.read_bytes()).hexdigest()}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for (name,) in con.execute("SELECT table_name FROM gpkg_contents ORDER BY table_name"):
            h = hashlib.sha256()
            for row in con.execute(f'SELECT * FROM "{name}" ORDER BY rowid'):
                h.update(repr(row).encode())
            out[name] = h.hexdigest()
    finally:
        con.close()
    return out


def polygon_around(lon: float, lat: float, metres: float = 200.0) -> Polygon:
    return Polygon([offset(lon, lat, az, metres) for az in (0, 90, 180, 270)])


def point(lon: float, lat: float) -> Point:
    return Point(lon, lat)


def many_lines(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` short two-vertex lines scattered over central Almaty (lon/lat), with a few attributes."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    x0 = rng.uniform(76.85, 77.05, n)
    y0 = rng.uniform(43.20, 43.32, n)
    coords = np.stack([np.stack([x0, y0], 1), np.stack([x0 + 0.001, y0 + 0.0005], 1)], 1)
    geoms = shapely.linestrings(coords)
    return gpd.GeoDataFrame(
        {
            "name": np.char.add("street ", (np.arange(n) % 997).astype(str)),
            "status": np.where(np.arange(n) % 2, "completed", "planned"),
            "year": 2019,
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
