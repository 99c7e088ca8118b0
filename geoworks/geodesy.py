"""CRS handling and measurement: the one module that reprojects and measures.

Everything geoworks stores and serves is in EPSG:4326 (lon/lat, WGS84).
Lengths and areas are computed on the WGS84 ellipsoid with pyproj.Geod, so
they are exact wherever the city is; a metric CRS (UTM 43N, EPSG:32643, for
Almaty) is used only where planar geometry is needed (distances to lines,
buffers), and agrees with the ellipsoid within 0.01 % in the city.
Never in degrees, never in Web Mercator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError as _ProjCRSError

WGS84 = "EPSG:4326"
UTM43N = "EPSG:32643"
GEOD = Geod(ellps="WGS84")
_LINE_TYPES = (1, 2)  # shapely GeometryType: LINESTRING, LINEARRING
_CHUNK = 100_000  # geometries measured per pass


class CRSProblem(ValueError):
    """Input has no CRS, an unknown CRS, or coordinates impossible for its CRS."""


def parse_crs(value: str | int | CRS) -> CRS:
    """A pyproj CRS from 'EPSG:32643', 32643 or WKT; CRSProblem when unknown."""
    try:
        return CRS.from_user_input(value)
    except _ProjCRSError as exc:
        raise CRSProblem(f"unknown CRS {value!r}: {exc}") from None


def to_wgs84(gdf: gpd.GeoDataFrame, assume_crs: str | int | None = None, what: str = "input") -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326.

    ``assume_crs`` is used when ``gdf`` has none; with neither, CRSProblem
    names ``what``. Coordinates outside lon -180..180 / lat -90..90 after
    reprojection raise CRSProblem (a wrong declared CRS shows up here).
    """
    if gdf.crs is None:
        if assume_crs is None:
            raise CRSProblem(f"{what} has no CRS; declare one (e.g. --crs EPSG:4326)")
        gdf = gdf.set_crs(parse_crs(assume_crs), allow_override=True)
    if not CRS.from_user_input(gdf.crs).equals(CRS.from_epsg(4326)):
        gdf = gdf.to_crs(WGS84)
    check_lonlat(gdf.geometry.values, what)
    return gdf


def check_lonlat(geoms: np.ndarray, what: str = "input") -> None:
    """CRSProblem when any coordinate is not a valid lon/lat."""
    if len(geoms) == 0:
        return
    bounds = shapely.bounds(np.asarray(geoms))
    ok = ~np.isnan(bounds).any(axis=1)
    if not ok.any():
        return
    b = bounds[ok]
    bad = (b[:, 0] < -180) | (b[:, 2] > 180) | (b[:, 1] < -90) | (b[:, 3] > 90)
    if bad.any():
        i = int(np.flatnonzero(ok)[np.argmax(bad)])
        raise CRSProblem(
            f"{what}: feature {i} has coordinates outside longitude -180..180 / latitude -90..90 "
            "(is the declared CRS right?)"
        )


def to_metric(gdf: gpd.GeoDataFrame, crs: str = UTM43N) -> gpd.GeoDataFrame:
    """Project ``gdf`` to a metric CRS (default UTM 43N) for planar distances."""
    return gdf.to_crs(crs)


def from_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Project back to EPSG:4326."""
    return gdf.to_crs(WGS84)


def project_xy(
    x: np.ndarray, y: np.ndarray, src: str | CRS = WGS84, dst: str | CRS = UTM43N
) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays (always_xy: lon/lat order for geographic CRSs)."""
    t = Transformer.from_crs(src, dst, always_xy=True)
    return t.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def geodesic_lengths_m(geoms: Iterable | np.ndarray) -> np.ndarray:
    """Geodesic length in metres (WGS84) of each lon/lat geometry.

    Lines and multilines are measured along their vertices; points and
    empty or missing geometries measure 0; polygons measure 0 (use
    :func:`geodesic_areas_m2`). Vectorised: one pyproj call for all segments.
    """
    arr = np.asarray(geoms, dtype=object)
    n = len(arr)
    if n > _CHUNK:  # bounded memory: the per-segment arrays of one chunk at a time
        return np.concatenate([geodesic_lengths_m(arr[i : i + _CHUNK]) for i in range(0, n, _CHUNK)])
    out = np.zeros(n, dtype=float)
    if n == 0:
        return out
    types = shapely.get_type_id(arr)
    if np.isin(types, _LINE_TYPES).all():  # plain lines: no parts to unpack
        parts, owner = arr, np.arange(n)
    else:
        parts, owner = shapely.get_parts(arr, return_index=True)
        if len(parts) == 0:
            return out
        keep = np.isin(shapely.get_type_id(parts), _LINE_TYPES)
        parts, owner = parts[keep], owner[keep]
    if len(parts) == 0:
        return out
    coords, pidx = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 2:
        return out
    same = pidx[1:] == pidx[:-1]
    lon1, lat1 = coords[:-1, 0][same], coords[:-1, 1][same]
    lon2, lat2 = coords[1:, 0][same], coords[1:, 1][same]
    dist = segment_lengths_m(lon1, lat1, lon2, lat2)
    seg_owner = owner[pidx[:-1][same]]
    out += np.bincount(seg_owner, weights=dist, minlength=n)
    return out


_A = 6378137.0  # WGS84 semi-major axis, m
_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)  # WGS84 first eccentricity squared
SHORT_SEGMENT_M = 5000.0


def segment_lengths_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic length in metres (WGS84) of each segment between lon/lat arrays.

    Segments under 5 km use the ellipsoid's radii of curvature at their mid-latitude
    (relative error below 1e-7 against pyproj.Geod, checked in the tests); longer
    ones are solved exactly with pyproj.Geod.inv.
    """
    lon1, lat1, lon2, lat2 = (np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    phi = np.radians((lat1 + lat2) / 2)
    sin = np.sin(phi)
    w = np.sqrt(1 - _E2 * sin * sin)
    dlon = lon2 - lon1
    dlon = np.where(np.abs(dlon) > 180, (dlon + 180) % 360 - 180, dlon)  # wrapped only across the antimeridian:
    east = _A / w * np.cos(phi) * np.radians(dlon)  # "+ 180" would round a short segment's dlon to 180's ulp
    north = _A * (1 - _E2) / w**3 * np.radians(lat2 - lat1)
    dist = np.hypot(east, north)
    long = dist > SHORT_SEGMENT_M * 0.999
    if long.any():
        dist[long] = GEOD.inv(lon1[long], lat1[long], lon2[long], lat2[long])[2]
    return dist


def geodesic_areas_m2(geoms: Iterable | np.ndarray) -> np.ndarray:
    """Geodesic area in square metres (WGS84) of each lon/lat geometry; 0 for non-areal."""
    arr = np.asarray(geoms, dtype=object)
    out = np.zeros(len(arr), dtype=float)
    for i, g in enumerate(arr):
        if g is None or g.is_empty or shapely.get_dimensions(g) < 2:
            continue
        polys = [p for p in shapely.get_parts(g) if shapely.get_dimensions(p) == 2]
        out[i] = sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in polys)
    return out


def geodesic_distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres between lon/lat point arrays."""
    _, _, dist = GEOD.inv(
        np.asarray(lon1, float), np.asarray(lat1, float), np.asarray(lon2, float), np.asarray(lat2, float)
    )
    return np.asarray(dist)


# --- distances from a place to works (used by geoworks.near.index) --------------------------------


@lru_cache(maxsize=16)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_metric(lon: float, lat: float, crs: str = UTM43N) -> tuple[float, float]:
    """One lon/lat point (EPSG:4326) in the metric CRS (default UTM 43N), metres."""
    x, y = _transformer(WGS84, crs).transform(float(lon), float(lat))
    return float(x), float(y)


def distances_to_point_m(metric_geoms: np.ndarray, lon: float, lat: float, crs: str = UTM43N) -> np.ndarray:
    """Distance in metres from (lon, lat) to the NEAREST POINT of each geometry (not its centroid).

    ``metric_geoms`` are in ``crs`` (default UTM 43N). The nearest point is found in
    that plane, then both ends are taken back to lon/lat and the distance is measured
    on the WGS84 ellipsoid (pyproj.Geod). 0 when the point lies on or inside a geometry;
    NaN for empty or missing geometries.
    """
    geoms = np.asarray(metric_geoms, dtype=object)
    out = np.full(len(geoms), np.nan)
    if len(geoms) == 0:
        return out
    px, py = lonlat_to_metric(lon, lat, crs)
    target = shapely.Point(px, py)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not ok.any():
        return out
    lines = shapely.shortest_line(geoms[ok], target)
    coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)
    nx, ny = _transformer(crs, WGS84).transform(coords[:, 0, 0], coords[:, 0, 1])
    d = geodesic_distance_m(nx, ny, np.full(len(nx), float(lon)), np.full(len(nx), float(lat)))
    inside = shapely.intersects(geoms[ok], target)
    out[ok] = np.where(inside, 0.0, d)
    return out


def metric_tolerance_m(radius_m: float) -> float:
    """Slack to add to a radius when pre-selecting in UTM 43N, so the ellipsoidal check misses nothing.

    UTM's scale error across Almaty is below 0.05 %; this allows 0.5 % plus 1 m.
    """
    return float(radius_m) * 0.005 + 1.0


def utm_crs_for(lon: float, lat: float) -> str:
    """The UTM zone CRS ('EPSG:326zz' north, 'EPSG:327zz' south) holding lon/lat; UTM 43N for Almaty."""
    zone = int(np.clip(np.floor((float(lon) + 180.0) / 6.0) + 1, 1, 60))
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def metric_crs_for(geoms: Iterable | np.ndarray, default: str = UTM43N) -> str:
    """A metric CRS fit for lon/lat ``geoms``: the UTM zone at the centre of their bounds (``default`` if empty)."""
    arr = np.asarray(geoms, dtype=object)
    if len(arr) == 0:
        return default
    b = shapely.bounds(arr)
    b = b[~np.isnan(b).any(axis=1)]
    if len(b) == 0:
        return default
    return utm_crs_for((b[:, 0].min() + b[:, 2].max()) / 2, (b[:, 1].min() + b[:, 3].max()) / 2)


# --- a local plane for deciding which stretches of lines coincide (used by geoworks.network) -----


@dataclass(frozen=True)
class LocalPlane:
    """Lon/lat mapped to metres by an affine map around (lon0, lat0): x east, y north.

    ``x = (lon - lon0) * kx``, ``y = (lat - lat0) * ky``, with kx, ky the WGS84 radii of
    curvature at lat0 (metres per degree): the equidistant cylindrical projection with standard
    parallel lat0. Being affine in lon/lat, it keeps straight every lon/lat segment (the way
    geoworks clips, cuts and interpolates lines), so a copy re-interpolated in lon/lat stays
    exactly collinear with its original and fractions along a segment are exact. Its east
    scale drifts by tan(lat0) * (lat - lat0) (0.15 % 10 km north or south of Almaty's centre),
    so it is used to decide which stretches coincide and where along a segment they start,
    never to measure a length.
    """

    lon0: float
    lat0: float
    kx: float
    ky: float

    def xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Plane metres (x east, y north) of lon/lat arrays."""
        return (np.asarray(lon, dtype=float) - self.lon0) * self.kx, (
            np.asarray(lat, dtype=float) - self.lat0
        ) * self.ky

    def lonlat(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat (EPSG:4326) of plane-metre arrays."""
        return np.asarray(x, dtype=float) / self.kx + self.lon0, np.asarray(y, dtype=float) / self.ky + self.lat0


def local_plane(lon0: float, lat0: float) -> LocalPlane:
    """The :class:`LocalPlane` around (lon0, lat0), degrees."""
    phi = np.radians(lat0)
    w = np.sqrt(1 - _E2 * np.sin(phi) ** 2)
    kx = float(np.radians(1.0) * _A / w * np.cos(phi))
    ky = float(np.radians(1.0) * _A * (1 - _E2) / w**3)
    return LocalPlane(float(lon0), float(lat0), kx, ky)


def local_plane_for(geoms: Iterable | np.ndarray, default: tuple[float, float] = (76.9, 43.25)) -> LocalPlane:
    """The :class:`LocalPlane` centred on the bounds of lon/lat ``geoms``, rounded to 0.01°
    (``default``, Almaty, when they are empty). Give it the districts to get the same plane
    for every part of a layer measured piece by piece."""
    arr = np.asarray(geoms, dtype=object)
    b = shapely.bounds(arr) if len(arr) else np.empty((0, 4))
    b = b[~np.isnan(b).any(axis=1)]
    if len(b) == 0:
        return local_plane(*default)
    lon0 = round((b[:, 0].min() + b[:, 2].max()) / 2, 2)
    lat0 = round((b[:, 1].min() + b[:, 3].max()) / 2, 2)
    return local_plane(lon0, lat0)
