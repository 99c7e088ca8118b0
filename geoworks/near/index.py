"""Works near a place: a spatial index over every layer's works, queried by point and radius.

Geometries are indexed in the city's metric CRS (``catalogue.city.metric_crs``,
UTM 43N for Almaty; metres, projected by :mod:`geoworks.geodesy`) in a shapely
STRtree; a query pre-selects the works whose geometry comes within the radius
(plus a small slack for the projection's scale error), then measures the distance
from the point to the NEAREST POINT of each candidate's geometry on the WGS84
ellipsoid and keeps those within the radius, nearest first.

The index is built once per data version (``NearCache``), so a query costs an
index look-up and a handful of distance computations, not a scan of the store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoworks.cache import PerVersion
from geoworks.catalogue import STATUSES, Catalogue
from geoworks.geodesy import (
    WGS84,
    distances_to_point_m,
    lonlat_to_metric,
    metric_crs_for,
    metric_tolerance_m,
    to_metric,
    to_wgs84,
)
from geoworks.params import ParamError, parse_date, parse_layer, parse_number, parse_status

if TYPE_CHECKING:
    from geoworks.storage import Store

DEFAULT_RADIUS_M = 500
MIN_RADIUS_M = 100
MAX_RADIUS_M = 5000
RADII_M = (100, 250, 500, 1000, 2000, 5000)
DEFAULT_STATUSES = ("planned", "in_progress")
CITY_MARGIN_DEG = 0.05  # about 4-5 km around the city's bbox still counts as "in the city"
ATTRIBUTES = ("id", "name", "name_ru", "status", "start_date", "end_date", "year", "contractor", "district", "batch_id")


class NearInputError(ValueError):
    """A near query is malformed (missing or impossible coordinates, radius, layer, status, date).

    ``code`` names the kind of problem (missing, number, earth, outside, radius, layer,
    status, date, range) and ``params`` its values, for translated messages.
    """

    def __init__(self, message: str, code: str = "invalid", **params: Any):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class NearQuery:
    """A validated query: a point (lon/lat, EPSG:4326), a radius in metres and filters."""

    lat: float
    lon: float
    radius_m: float = DEFAULT_RADIUS_M
    layers: tuple[str, ...] = ()  # empty: every layer
    statuses: tuple[str, ...] = DEFAULT_STATUSES  # empty: every status
    date_from: str | None = None  # ISO dates; a work is kept when [start, end] meets [from, to]
    date_to: str | None = None


@dataclass
class NearResult:
    """Works within ``query.radius_m`` of the point, nearest first.

    ``columns`` holds one numpy array per attribute (ATTRIBUTES, ``layer`` and
    ``distance_m``: metres on the ellipsoid to the nearest point) and ``geometry``
    the lon/lat geometries (EPSG:4326), all in the same order.
    """

    query: NearQuery
    columns: dict[str, np.ndarray]
    geometry: np.ndarray
    candidates: int = 0  # how many the index pre-selected

    def __len__(self) -> int:
        return len(self.geometry)

    def records(self, limit: int | None = None) -> list[dict]:
        """The works as dicts (attributes, ``distance_m`` and ``geometry``), nearest first."""
        n = len(self) if limit is None else min(limit, len(self))
        names = list(self.columns)
        cols = [self.columns[c][:n].tolist() for c in names]
        geoms = self.geometry[:n]
        return [dict(zip(names, vals), geometry=g) for vals, g in zip(zip(*cols), geoms)]

    @cached_property
    def works(self) -> gpd.GeoDataFrame:
        """The works as a GeoDataFrame (EPSG:4326), nearest first."""
        return gpd.GeoDataFrame(dict(self.columns), geometry=gpd.GeoSeries(self.geometry, crs=WGS84), crs=WGS84)


def _split(values: Any) -> list[str]:
    """Values from a list and/or comma-separated strings, stripped, blanks dropped."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        out += [p.strip() for p in str(v).split(",") if p.strip()]
    return out


def _coordinates(catalogue: Catalogue, lat, lon) -> tuple[float, float]:
    """lat, lon (degrees, EPSG:4326) parsed and checked to lie on Earth and near the city."""
    values: list[float | None] = []
    for name, raw in (("lat", lat), ("lon", lon)):
        try:
            values.append(parse_number(raw, name))
        except ParamError:
            values.append(math.nan)  # not a number: reported once both are known to be given
    flat, flon = values
    if flat is None or flon is None:
        raise NearInputError("coordinates are missing: give lat and lon (or pick a place on the map)", "missing")
    if math.isnan(flat) or math.isnan(flon):
        raise NearInputError(f"coordinates must be numbers, got lat={lat!r}, lon={lon!r}", "number")
    if not (-90 <= flat <= 90 and -180 <= flon <= 180):
        raise NearInputError(f"lat={lat} lon={lon} is not a place on Earth (lat -90..90, lon -180..180)", "earth")
    x0, y0, x1, y1 = catalogue.city.bbox
    m = CITY_MARGIN_DEG
    if not (x0 - m <= flon <= x1 + m and y0 - m <= flat <= y1 + m):
        raise NearInputError(
            f"lat={flat:.5f} lon={flon:.5f} is far outside {catalogue.city.names.en} "
            f"(lat {y0}..{y1}, lon {x0}..{x1}); did you swap lat and lon?",
            "outside",
        )
    return flat, flon


def _radius(radius) -> float:
    """The radius in metres, MIN_RADIUS_M..MAX_RADIUS_M (DEFAULT_RADIUS_M when absent)."""
    try:
        r = parse_number(radius, "radius", float(DEFAULT_RADIUS_M), MIN_RADIUS_M, MAX_RADIUS_M)
    except ParamError as exc:
        if exc.code != "range":
            raise NearInputError(f"radius must be a number of metres, got {radius!r}", "radius") from None
        raise NearInputError(
            f"radius must be between {MIN_RADIUS_M} and {MAX_RADIUS_M} metres, got {radius}", "radius"
        ) from None
    return float(DEFAULT_RADIUS_M) if r is None else r


def _layers(catalogue: Catalogue, layers) -> tuple[str, ...]:
    """Layer ids of the catalogue, in the order given, without repeats; () for every layer."""
    out: list[str] = []
    for lid in _split(layers):
        try:
            out.append(parse_layer(lid, catalogue) or lid)  # never blank: _split drops blanks
        except ParamError:
            known = ", ".join(catalogue.layers)
            raise NearInputError(
                f"unknown layer '{lid}'; known layers: {known}", "layer", value=lid, known=known
            ) from None
    return tuple(dict.fromkeys(out))


def _statuses(statuses) -> tuple[str, ...]:
    """Work statuses; None: DEFAULT_STATUSES; 'all' (or nothing): () for every status."""
    if statuses is None:
        return DEFAULT_STATUSES
    given = _split(statuses)
    if "all" in given or not given:
        return ()
    out: list[str] = []
    for s in given:
        try:
            out.append(parse_status(s) or s)  # never blank: _split drops blanks
        except ParamError:
            raise NearInputError(
                f"unknown status '{s}'; known: {', '.join(STATUSES)}, all", "status", value=s
            ) from None
    return tuple(dict.fromkeys(out))


def _date(value, what: str) -> str | None:
    try:
        return parse_date(value, what)
    except ParamError:
        raise NearInputError(f"{what} must be a date as YYYY-MM-DD, got {value!r}", "date", value=str(value)) from None


def parse_query(
    catalogue: Catalogue, lat=None, lon=None, radius=None, layers=None, statuses=None, date_from=None, date_to=None
) -> NearQuery:
    """A NearQuery from raw strings (request args); NearInputError naming the problem.

    lat/lon in degrees (EPSG:4326), radius in metres; the pieces are read by the app's one
    parameter parser (:mod:`geoworks.params`). ``layers``/``statuses`` are lists or
    comma-separated strings; ``statuses=['all']`` means every status; None means the
    defaults (every layer; planned and in progress).
    """
    flat, flon = _coordinates(catalogue, lat, lon)
    r = _radius(radius)
    lyrs = _layers(catalogue, layers)
    sts = _statuses(statuses)
    d0, d1 = _date(date_from, "from"), _date(date_to, "to")
    if d0 and d1 and d0 > d1:
        raise NearInputError(f"the date range is empty: from {d0} is after to {d1}", "range")
    return NearQuery(flat, flon, r, lyrs, sts, d0, d1)


def _columns(layers: dict[str, gpd.GeoDataFrame]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The attributes (ATTRIBUTES + layer, missing values as None) and lon/lat geometries of every work."""
    cols: dict[str, list[np.ndarray]] = {c: [] for c in (*ATTRIBUTES, "layer")}
    geoms: list[np.ndarray] = []
    for lid, gdf in layers.items():
        if gdf is None or len(gdf) == 0:
            continue
        n = len(gdf)
        for c in ATTRIBUTES:  # plain numpy object arrays: taking a few rows costs O(rows), not O(table)
            cols[c].append(
                gdf[c].astype(object).to_numpy(dtype=object) if c in gdf.columns else np.full(n, None, dtype=object)
            )
        cols["layer"].append(np.full(n, lid, dtype=object))
        g = to_wgs84(gdf, WGS84, what=f"layer {lid}").geometry
        geoms.append(np.asarray(g.to_numpy(), dtype=object))
    columns = {c: (np.concatenate(v) if v else np.zeros(0, dtype=object)) for c, v in cols.items()}
    for v in columns.values():  # object arrays of their own (concatenate copies)
        v[pd.isna(v)] = None  # missing values as None
    return columns, (np.concatenate(geoms) if geoms else np.zeros(0, dtype=object))


class NearIndex:
    """Every work of every layer in one STRtree over geometries in a metric CRS (metres).

    Built from ``{layer id: works GeoDataFrame (EPSG:4326)}`` and the metric CRS to index
    in: the catalogue's ``city.metric_crs`` (:meth:`from_store`); without one, the UTM zone
    of the works (:func:`geoworks.geodesy.metric_crs_for`). Keeps the lon/lat geometries
    for output and the attributes in ATTRIBUTES.
    """

    def __init__(self, layers: dict[str, gpd.GeoDataFrame], crs: str | None = None):
        self.columns, self.lonlat = _columns(layers)
        self.crs = crs or metric_crs_for(self.lonlat)
        metric = (
            to_metric(gpd.GeoSeries(self.lonlat, crs=WGS84), self.crs)
            if len(self.lonlat)
            else gpd.GeoSeries([], crs=self.crs)
        )
        self.metric = np.asarray(metric.to_numpy(), dtype=object)
        self.tree = shapely.STRtree(self.metric)
        self.layer = self.columns["layer"]
        self.status = self.columns["status"]
        self.start = self.columns["start_date"]
        self.end = self.columns["end_date"]
        self.ids = np.array([str(v) for v in self.columns["id"]], dtype=object)

    @property
    def table(self) -> pd.DataFrame:
        """The attributes (ATTRIBUTES + layer) and lon/lat geometry of every indexed work."""
        return pd.DataFrame({**self.columns, "geometry": self.lonlat})

    def __len__(self) -> int:
        return len(self.lonlat)

    @classmethod
    def from_store(cls, store: Store, catalogue: Catalogue) -> NearIndex:
        """An index over every layer of ``store``, in the catalogue's metric CRS."""
        return cls({lid: store.read_layer(lid) for lid in catalogue.layers}, catalogue.city.metric_crs)

    def candidates(self, lon: float, lat: float, radius_m: float) -> np.ndarray:
        """Positions of works whose geometry comes within ``radius_m`` metres (+ slack) of the lon/lat point,
        by the index (in ``self.crs``)."""
        if len(self) == 0:
            return np.zeros(0, dtype=int)
        x, y = lonlat_to_metric(lon, lat, self.crs)
        return np.sort(
            self.tree.query(shapely.Point(x, y), predicate="dwithin", distance=radius_m + metric_tolerance_m(radius_m))
        )

    def _keep(self, idx: np.ndarray, q: NearQuery) -> np.ndarray:
        mask = np.ones(len(idx), dtype=bool)
        if q.layers:
            mask &= np.isin(self.layer[idx], q.layers)
        if q.statuses:
            mask &= np.isin(self.status[idx], q.statuses)
        if q.date_from:  # still going on (or not yet ended) on date_from
            end = self.end[idx]
            mask &= np.array([not e or str(e) >= q.date_from for e in end], dtype=bool)
        if q.date_to:  # started by date_to
            start = self.start[idx]
            mask &= np.array([not s or str(s) <= q.date_to for s in start], dtype=bool)
        return idx[mask]

    def query(self, q: NearQuery) -> NearResult:
        """The works within ``q.radius_m`` of (q.lon, q.lat) that pass the filters, nearest first."""
        idx = self.candidates(q.lon, q.lat, q.radius_m)
        return self._finish(q, idx, len(idx))

    def scan(self, q: NearQuery) -> NearResult:
        """The same answer as :meth:`query` without the index: every work is tested (the baseline)."""
        x, y = lonlat_to_metric(q.lon, q.lat, self.crs)
        near = shapely.dwithin(self.metric, shapely.Point(x, y), q.radius_m + metric_tolerance_m(q.radius_m))
        return self._finish(q, np.flatnonzero(near), len(self))

    def _finish(self, q: NearQuery, idx: np.ndarray, n_candidates: int) -> NearResult:
        idx = self._keep(idx, q)
        dist = distances_to_point_m(self.metric[idx], q.lon, q.lat, self.crs)
        inside = dist <= q.radius_m
        idx, dist = idx[inside], dist[inside]
        order = np.lexsort((self.ids[idx], dist))
        take = idx[order]
        rows = {c: v[take] for c, v in self.columns.items()}
        rows["distance_m"] = dist[order]
        return NearResult(q, rows, self.lonlat[take], n_candidates)


def find_near(layers: dict[str, gpd.GeoDataFrame], q: NearQuery, crs: str | None = None) -> NearResult:
    """One-off query over ``{layer id: works}`` (EPSG:4326; a throwaway index in metric ``crs``, see NearIndex)."""
    return NearIndex(layers, crs).query(q)


def larger_radius(radius_m: float) -> int | None:
    """The next radius to offer when nothing was found; None at the maximum."""
    for r in RADII_M:
        if r > radius_m:
            return r
    return None


@dataclass
class NearCache:
    """One NearIndex per store data version (thread-safe; rebuilt after a commit).

    The index is built with the catalogue passed to :meth:`get`, so in its metric CRS."""

    _held: PerVersion = field(default_factory=PerVersion)

    def get(self, store: Store, catalogue: Catalogue) -> NearIndex:
        """The index of ``store``'s current data, in ``catalogue.city.metric_crs`` (built on first use)."""
        return self._held.get(store.version(), lambda: NearIndex.from_store(store, catalogue))
