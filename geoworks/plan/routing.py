"""Along-road routes: a graph built from a road layer, shortest paths with networkx.

Roads (lon/lat, EPSG:4326) are projected to a metric CRS (UTM 43N for
Almaty, see :mod:`geoworks.geodesy`), noded where they cross, and every
segment between two vertices becomes an edge weighted by its geodesic
length in metres (WGS84). A route from a place A to a place B walks from A
to the nearest point of a road, along the roads (shortest path), and from
the road to B. When A's and B's roads are not connected, the route says
"no road path"; when no road is near, "no road nearby".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely import STRtree

from geoworks.geodesy import WGS84, geodesic_distance_m, metric_crs_for, project_xy

OK = "ok"
NO_ROAD_PATH = "no_road_path"
NO_ROAD_NEARBY = "no_road_nearby"
NOT_ROUTED = "not_routed"
DEFAULT_MAX_SNAP_M = 1000.0
_SNAP_DIGITS = 3  # metric vertices equal to the millimetre are one node


@dataclass
class Route:
    """One route. Lengths in geodesic metres; ``geometry`` a lon/lat LineString or None.

    ``road_m`` is the length along the roads; ``access_m`` the two short legs
    from the places to the roads; ``length_m`` their sum. ``status`` is one
    of ok, no_road_path, no_road_nearby, not_routed.
    """

    status: str
    road_m: float = float("nan")
    access_m: float = float("nan")
    geometry: object = None

    @property
    def length_m(self) -> float:
        """The whole route in geodesic metres (road plus access legs); NaN when not routed."""
        return self.road_m + self.access_m


class RoadGraph:
    """A routable graph of roads; build once, route many times (thread-safe)."""

    def __init__(self, roads: np.ndarray | gpd.GeoSeries, metric_crs: str | None = None) -> None:
        """``roads``: lon/lat line geometries (EPSG:4326); ``metric_crs`` the projected CRS for noding and
        snapping (default: the UTM zone of the roads)."""
        geoms = np.asarray(getattr(roads, "values", roads), dtype=object)
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))] if len(geoms) else geoms
        geoms = geoms[shapely.get_dimensions(geoms) == 1] if len(geoms) else geoms
        self.metric_crs = metric_crs or metric_crs_for(geoms)
        self.graph = nx.Graph()
        self._lock = threading.Lock()
        self.node_lonlat = np.zeros((0, 2))
        self.edges = np.zeros((0, 2), dtype=int)
        self.edge_m = np.zeros(0)
        self.component = np.zeros(0, dtype=int)
        self._tree: STRtree | None = None
        self._segments = np.zeros(0, dtype=object)
        if len(geoms):
            self._build(geoms)

    def _build(self, geoms: np.ndarray) -> None:
        xy = shapely.get_coordinates(geoms)
        mx, my = project_xy(xy[:, 0], xy[:, 1], WGS84, self.metric_crs)
        metric = shapely.set_coordinates(geoms.copy(), np.column_stack([mx, my]))
        # node the roads where they cross (duplicated stretches merge into one)
        noded = shapely.get_parts(shapely.node(shapely.multilinestrings(shapely.get_parts(metric))))
        coords, part = shapely.get_coordinates(noded, return_index=True)
        key = np.round(coords, _SNAP_DIGITS)
        uniq, node_of = np.unique(key, axis=0, return_inverse=True)
        node_of = node_of.ravel()
        same = part[1:] == part[:-1]
        u, v = node_of[:-1][same], node_of[1:][same]
        keep = u != v
        u, v = u[keep], v[keep]
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        pairs = np.unique(np.column_stack([lo, hi]), axis=0)
        lon, lat = project_xy(uniq[:, 0], uniq[:, 1], self.metric_crs, WGS84)
        self.node_lonlat = np.column_stack([lon, lat])
        a, b = pairs[:, 0], pairs[:, 1]
        self.edges = pairs
        self.edge_m = geodesic_distance_m(lon[a], lat[a], lon[b], lat[b])
        self.graph.add_weighted_edges_from(zip(a.tolist(), b.tolist(), self.edge_m.tolist()))
        self.component = np.full(len(uniq), -1, dtype=int)
        for k, comp in enumerate(nx.connected_components(self.graph)):
            self.component[list(comp)] = k
        segs = shapely.linestrings(np.stack([uniq[a], uniq[b]], axis=1))
        self._segments = segs
        self._tree = STRtree(segs)

    def snap(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For points in the graph's metric CRS: the nearest edge index and the nearest point on it (metric x, y)."""
        if self._tree is None:
            raise ValueError("the road graph has no roads to snap to")
        pts = shapely.points(np.column_stack([x, y]))
        idx = self._tree.query_nearest(pts, all_matches=False)
        edge = np.full(len(pts), -1, dtype=int)
        edge[idx[0]] = idx[1]
        on = shapely.get_coordinates(shapely.shortest_line(pts, self._segments[edge]))[1::2]
        return edge, on

    def route_many(
        self, start_lonlat: np.ndarray, end_lonlat: np.ndarray, max_snap_m: float = DEFAULT_MAX_SNAP_M
    ) -> list[Route]:
        """Routes from each start to each end (lon/lat arrays of shape (n, 2), EPSG:4326); lengths in
        geodesic metres; an end farther than ``max_snap_m`` from every road gets ``no_road_nearby``."""
        start_lonlat = np.asarray(start_lonlat, dtype=float).reshape(-1, 2)
        end_lonlat = np.asarray(end_lonlat, dtype=float).reshape(-1, 2)
        n = len(start_lonlat)
        if n == 0:
            return []
        if self._tree is None:
            return [Route(NO_ROAD_NEARBY) for _ in range(n)]
        both = np.vstack([start_lonlat, end_lonlat])
        mx, my = project_xy(both[:, 0], both[:, 1], WGS84, self.metric_crs)
        edge, on = self.snap(mx, my)
        qlon, qlat = project_xy(on[:, 0], on[:, 1], self.metric_crs, WGS84)
        access = geodesic_distance_m(both[:, 0], both[:, 1], qlon, qlat)
        q = np.column_stack([qlon, qlat])
        routes = []
        for i in range(n):
            j = i + n
            if access[i] > max_snap_m or access[j] > max_snap_m:
                routes.append(Route(NO_ROAD_NEARBY))
                continue
            e1, e2 = edge[i], edge[j]
            if self.component[self.edges[e1, 0]] != self.component[self.edges[e2, 0]]:
                routes.append(Route(NO_ROAD_PATH))
                continue
            road_m, path = self._path(e1, q[i], e2, q[j])
            line = (
                np.vstack([start_lonlat[i], q[i], self.node_lonlat[path], q[j], end_lonlat[i]])
                if path
                else np.vstack([start_lonlat[i], q[i], q[j], end_lonlat[i]])
            )
            keep = np.r_[True, (np.abs(np.diff(line, axis=0)) > 1e-12).any(axis=1)]
            line = line[keep]
            geom = shapely.linestrings(line) if len(line) >= 2 else None
            routes.append(Route(OK, road_m, float(access[i] + access[j]), geom))
        return routes

    def route(
        self, start_lonlat: tuple[float, float], end_lonlat: tuple[float, float], max_snap_m: float = DEFAULT_MAX_SNAP_M
    ) -> Route:
        """One route from ``start_lonlat`` to ``end_lonlat`` ((lon, lat) pairs, EPSG:4326)."""
        return self.route_many(np.asarray([start_lonlat]), np.asarray([end_lonlat]), max_snap_m)[0]

    def _leg(self, node: int, q) -> float:
        lon, lat = self.node_lonlat[node]
        return float(geodesic_distance_m(q[0], q[1], lon, lat))

    def _path(self, e1: int, q1, e2: int, q2) -> tuple[float, list[int]]:
        """Geodesic metres and interior node list from point q1 on edge e1 to q2 on edge e2."""
        if e1 == e2:
            return float(geodesic_distance_m(q1[0], q1[1], q2[0], q2[1])), []
        s, t = ("_start",), ("_end",)
        with self._lock:
            g = self.graph
            try:
                for node in self.edges[e1]:
                    g.add_edge(s, int(node), weight=self._leg(int(node), q1))
                for node in self.edges[e2]:
                    g.add_edge(t, int(node), weight=self._leg(int(node), q2))
                length, path = nx.bidirectional_dijkstra(g, s, t, weight="weight")
            finally:
                if s in g:
                    g.remove_node(s)
                if t in g:
                    g.remove_node(t)
        return float(length), [int(p) for p in path[1:-1]]
