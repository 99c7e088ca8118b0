"""Network gaps: how far each target (courtyard, building, ...) is from a network, and what reaching it takes.

Input and output geometries are lon/lat (EPSG:4326). The nearest line is
found in a metric CRS (UTM 43N for Almaty, through :mod:`geoworks.geodesy`)
and every distance reported is the geodesic distance in metres (WGS84)
between the target's nearest point and the connection point on the
network; for a polygon target that is the distance from the polygon (0 when
the network crosses it). A target farther than the threshold is a gap.
Extension estimates for the gaps come from :mod:`geoworks.plan.routing`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from geoworks.config import DEFAULTS
from geoworks.geodesy import WGS84, geodesic_distance_m, metric_crs_for, project_xy
from geoworks.measure import OUTSIDE
from geoworks.params import ParamError, parse_number
from geoworks.plan.routing import NOT_ROUTED, RoadGraph

DEFAULT_THRESHOLD_M = float(DEFAULTS["GEOWORKS_GAP_THRESHOLD_M"])  # type: ignore[arg-type]
MIN_THRESHOLD_M = 0.0  # exclusive
MAX_THRESHOLD_M = 5000.0
DEFAULT_MAX_ROUTES = 3000
CITY = "city"
RESULT_COLUMNS = [
    "id",
    "name",
    "district",
    "distance_m",
    "gap",
    "line_id",
    "from_lon",
    "from_lat",
    "conn_lon",
    "conn_lat",
    "straight_m",
    "road_m",
    "access_m",
    "route_m",
    "route_status",
]
SUMMARY_COLUMNS = ["district", "targets", "gaps", "covered", "covered_share"]


class GapsInputError(ValueError):
    """The request cannot be computed (unknown layer, no features, threshold out of range); names the problem."""


def check_threshold(value: object) -> float:
    """The gap threshold in metres as a float; GapsInputError unless 0 < value <= MAX_THRESHOLD_M.

    ``value`` is a number or the text of a request parameter (read by :func:`geoworks.params.parse_number`).
    """
    try:
        t = parse_number(None if value is None else str(value), "threshold")
    except ParamError:
        t = None
    if t is None:
        raise GapsInputError(f"threshold '{value}' is not a number of metres")
    if t <= MIN_THRESHOLD_M or t > MAX_THRESHOLD_M:
        raise GapsInputError(
            f"threshold {value} m is out of range: give more than {MIN_THRESHOLD_M:g} "
            f"and at most {MAX_THRESHOLD_M:g} metres"
        )
    return t


def nearest_lines(
    targets: gpd.GeoSeries | np.ndarray, network: gpd.GeoSeries | np.ndarray, metric_crs: str | None = None
) -> pd.DataFrame:
    """For each lon/lat target geometry, the nearest network line and the connection point on it.

    Returns one row per target (same order): ``line`` (index into ``network``,
    -1 when the target is empty), ``distance_m`` (geodesic metres),
    ``from_lon``/``from_lat`` (the target's point nearest the network) and
    ``conn_lon``/``conn_lat`` (the connection point on the network).
    """
    t = np.asarray(getattr(targets, "values", targets), dtype=object)
    net = np.asarray(getattr(network, "values", network), dtype=object)
    n = len(t)
    out = pd.DataFrame(
        {
            "line": np.full(n, -1, dtype=int),
            "distance_m": np.full(n, np.nan),
            "from_lon": np.nan,
            "from_lat": np.nan,
            "conn_lon": np.nan,
            "conn_lat": np.nan,
        }
    )
    if n == 0:
        return out
    net_ok = np.flatnonzero(~(shapely.is_missing(net) | shapely.is_empty(net))) if len(net) else np.zeros(0, int)
    if len(net_ok) == 0:
        raise GapsInputError("the network has no lines")
    t_ok = np.flatnonzero(~(shapely.is_missing(t) | shapely.is_empty(t)))
    if len(t_ok) == 0:
        return out
    crs = metric_crs or metric_crs_for(net[net_ok])
    t_m = _project(t[t_ok], crs)
    n_m = _project(net[net_ok], crs)
    segs, owner = _segments(n_m)
    # query in spatial order (1 km cells): neighbouring queries walk the same tree nodes, ~2x faster
    b = shapely.bounds(t_m)
    cell = np.floor(b[:, :2] / 1000.0)
    order = np.lexsort((b[:, 0], cell[:, 0], cell[:, 1]))
    pairs = STRtree(segs).query_nearest(t_m[order], all_matches=False)
    ti, si = order[pairs[0]], pairs[1]
    ni = owner[si]
    ends = shapely.get_coordinates(shapely.shortest_line(t_m[ti], segs[si])).reshape(-1, 2, 2)
    flon, flat = project_xy(ends[:, 0, 0], ends[:, 0, 1], crs, WGS84)
    clon, clat = project_xy(ends[:, 1, 0], ends[:, 1, 1], crs, WGS84)
    rows = t_ok[ti]
    out.loc[rows, "line"] = net_ok[ni]
    out.loc[rows, "distance_m"] = geodesic_distance_m(flon, flat, clon, clat)
    out.loc[rows, "from_lon"], out.loc[rows, "from_lat"] = flon, flat
    out.loc[rows, "conn_lon"], out.loc[rows, "conn_lat"] = clon, clat
    return out


def _segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every two-point segment of ``lines`` (polygons: their rings) and the index of the line it belongs to.

    A tree of short segments has tight boxes, so the nearest search is much
    faster than over whole polylines; the nearest segment's line is the nearest line.
    """
    lines = np.where(shapely.get_dimensions(lines) == 2, shapely.boundary(lines), lines)
    parts, part_owner = shapely.get_parts(lines, return_index=True)
    coords, pidx = shapely.get_coordinates(parts, return_index=True)
    same = pidx[1:] == pidx[:-1]
    segs = shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))
    owner = part_owner[pidx[:-1][same]]
    # single points in a network (no segment) still count as places to connect to
    lone = np.setdiff1d(np.arange(len(parts)), pidx[:-1][same])
    if len(lone):
        segs = np.concatenate([segs, parts[lone]])
        owner = np.concatenate([owner, part_owner[lone]])
    return segs, owner


def _project(geoms: np.ndarray, crs: str) -> np.ndarray:
    """Lon/lat geometries to ``crs`` (coordinates through geodesy.project_xy)."""
    xy = shapely.get_coordinates(geoms)
    x, y = project_xy(xy[:, 0], xy[:, 1], WGS84, crs)
    return shapely.set_coordinates(geoms.copy(), np.column_stack([x, y]))


def assign_districts(geoms: gpd.GeoSeries | np.ndarray, districts: gpd.GeoDataFrame | None) -> np.ndarray:
    """The district slug holding each lon/lat geometry's representative point ("outside" if none)."""
    geoms = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    out = np.full(len(geoms), OUTSIDE, dtype=object)
    if districts is None or len(districts) == 0 or len(geoms) == 0:
        return out
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    pts = shapely.point_on_surface(geoms[ok])
    polys = np.asarray(districts.geometry.values, dtype=object)
    hit = STRtree(polys).query(pts, predicate="intersects")
    first = pd.Series(hit[1]).groupby(hit[0]).first()
    out[ok[first.index.to_numpy()]] = districts["slug"].astype(str).to_numpy(dtype=object)[first.to_numpy()]
    return out


def district_summary(table: pd.DataFrame, districts: list[str] | None = None) -> pd.DataFrame:
    """Per district: targets, gaps, covered and the share covered (0..1); a last ``city`` row sums them."""
    t = table[table["distance_m"].notna()]
    grouped = t.groupby("district").agg(targets=("id", "size"), gaps=("gap", "sum"))
    order = list(districts or []) + [d for d in grouped.index if d not in (districts or [])]
    grouped = grouped.reindex(order).fillna(0).astype(int)
    grouped.loc[CITY] = grouped.sum()
    grouped["covered"] = grouped["targets"] - grouped["gaps"]
    share = grouped["covered"] / grouped["targets"].where(grouped["targets"] > 0)
    grouped["covered_share"] = share.astype(float)
    out = grouped.reset_index(names="district")
    return out[SUMMARY_COLUMNS]


@dataclass
class GapsResult:
    """Targets with their distance to a network, gaps flagged, extension estimates and a per-district summary.

    ``table``: one row per target (RESULT_COLUMNS, geometry = the target,
    lon/lat, plus a ``route`` column of lon/lat LineStrings for routed gaps).
    Lengths in geodesic metres.
    """

    table: gpd.GeoDataFrame
    summary: pd.DataFrame
    threshold_m: float
    network: str = ""
    targets: str = ""

    @property
    def gaps(self) -> gpd.GeoDataFrame:
        """The targets farther than the threshold (rows of ``table``)."""
        return self.table[self.table["gap"].astype(bool)]

    def extensions(self) -> gpd.GeoDataFrame:
        """Proposed extensions, lon/lat lines: per gap a ``straight`` line to the connection point
        and, where a road path exists, the ``road`` route."""
        g = self.gaps
        rows = []
        for r in g.itertuples(index=False):
            straight = shapely.linestrings([(r.from_lon, r.from_lat), (r.conn_lon, r.conn_lat)])
            common = {"target_id": r.id, "target_name": r.name, "district": r.district, "route_status": r.route_status}
            rows.append({**common, "kind": "straight", "length_m": r.straight_m, "geometry": straight})
            if r.route is not None:
                rows.append({**common, "kind": "road", "length_m": r.route_m, "geometry": r.route})
        cols = ["target_id", "target_name", "district", "kind", "length_m", "route_status", "geometry"]
        if not rows:
            return gpd.GeoDataFrame({c: [] for c in cols}, geometry="geometry", crs=WGS84)
        return gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=WGS84)

    def for_district(self, slug: str | None) -> GapsResult:
        """The same result restricted to one district's targets (None: unchanged)."""
        if not slug:
            return self
        table = self.table[self.table["district"] == slug]
        return GapsResult(table, district_summary(table, [slug]), self.threshold_m, self.network, self.targets)

    def with_threshold(
        self,
        threshold_m: float,
        roads: RoadGraph | None = None,
        max_routes: int = DEFAULT_MAX_ROUTES,
        districts: list[str] | None = None,
    ) -> GapsResult:
        """Reclassify at another threshold (distances are kept), routing the new gaps when ``roads``."""
        table = classify(self.table.copy(), threshold_m)
        if roads is not None:
            table = estimate_extensions(table, roads, max_routes)
        return GapsResult(table, district_summary(table, districts), threshold_m, self.network, self.targets)


def classify(table: pd.DataFrame, threshold_m: float) -> pd.DataFrame:
    """Flag ``gap`` where distance_m > threshold_m; reset the extension columns."""
    table["gap"] = (table["distance_m"] > threshold_m).to_numpy()
    table["straight_m"] = table["distance_m"].where(table["gap"])
    for col in ("road_m", "access_m", "route_m"):
        table[col] = np.nan
    table["route_status"] = None
    table["route"] = None
    return table


def estimate_extensions(table: pd.DataFrame, roads: RoadGraph, max_routes: int = DEFAULT_MAX_ROUTES) -> pd.DataFrame:
    """Route each gap (nearest first, at most ``max_routes``) from the target to its connection point."""
    gaps = table.index[table["gap"].astype(bool)]
    order = table.loc[gaps, "distance_m"].sort_values(kind="stable").index
    routed, skipped = order[:max_routes], order[max_routes:]
    start = table.loc[routed, ["from_lon", "from_lat"]].to_numpy(float)
    end = table.loc[routed, ["conn_lon", "conn_lat"]].to_numpy(float)
    routes = roads.route_many(start, end)
    table.loc[routed, "route_status"] = [r.status for r in routes]
    table.loc[routed, "road_m"] = [r.road_m for r in routes]
    table.loc[routed, "access_m"] = [r.access_m for r in routes]
    table.loc[routed, "route_m"] = [r.length_m for r in routes]
    route_col = table["route"].astype(object).to_numpy().copy()
    route_col[table.index.get_indexer(routed)] = np.array([r.geometry for r in routes] + [None], dtype=object)[:-1]
    table["route"] = route_col
    table.loc[skipped, "route_status"] = NOT_ROUTED
    return table


def find_gaps(
    targets: gpd.GeoDataFrame,
    network: gpd.GeoDataFrame,
    threshold_m: float = DEFAULT_THRESHOLD_M,
    districts: gpd.GeoDataFrame | None = None,
    roads: RoadGraph | None = None,
    max_routes: int = DEFAULT_MAX_ROUTES,
    metric_crs: str | None = None,
) -> GapsResult:
    """Distances from every target to ``network``, gaps over ``threshold_m`` and, with ``roads``, routes.

    ``targets`` and ``network`` are lon/lat GeoDataFrames (EPSG:4326). Targets
    keep their ``id``/``name``/``district`` columns when present; a missing
    district is computed from ``districts`` (slug, geometry).
    """
    threshold_m = check_threshold(threshold_m)
    if len(targets) == 0:
        raise GapsInputError("the target layer has no features")
    if len(network) == 0:
        raise GapsInputError("the network layer has no features")
    near = nearest_lines(targets.geometry.values, network.geometry.values, metric_crs)
    n = len(targets)
    ids = (
        targets["id"].astype(str).to_numpy(dtype=object)
        if "id" in targets
        else np.array([f"target-{i + 1}" for i in range(n)], dtype=object)
    )
    names = (
        targets["name"].astype(object).where(targets["name"].notna(), "").to_numpy(dtype=object)
        if "name" in targets
        else np.full(n, "", dtype=object)
    )
    if "district" in targets and targets["district"].notna().all():
        district = targets["district"].astype(str).to_numpy(dtype=object)
    else:
        district = assign_districts(targets.geometry.values, districts)
    net_ids = (
        network["id"].astype(str).to_numpy(dtype=object)
        if "id" in network
        else np.arange(len(network)).astype(str).astype(object)
    )
    line_id = np.where(near["line"].to_numpy() >= 0, net_ids[np.maximum(near["line"].to_numpy(), 0)], None)
    table = gpd.GeoDataFrame(
        {
            "id": ids,
            "name": names,
            "district": district,
            "distance_m": near["distance_m"].to_numpy(),
            "line_id": line_id,
            **{c: near[c].to_numpy() for c in ("from_lon", "from_lat", "conn_lon", "conn_lat")},
        },
        geometry=np.asarray(targets.geometry.values, dtype=object),
        crs=WGS84,
    )
    table = classify(table, threshold_m)
    if roads is not None:
        table = estimate_extensions(table, roads, max_routes)
    table = table[RESULT_COLUMNS + ["route", "geometry"]]
    slugs = list(districts["slug"].astype(str)) if districts is not None and "slug" in districts else None
    return GapsResult(table, district_summary(table, slugs), threshold_m)
