"""Network gaps over the store: which layers, which statuses, validation, caching per data version.

Reads lon/lat layers from a :class:`geoworks.storage.Store` and calls
:func:`geoworks.plan.gaps.find_gaps`; distances in geodesic metres.
"""
from __future__ import annotations


import geopandas as gpd
import numpy as np
import shapely

from geoworks.cache import LRUCache
from geoworks.plan.gaps import (DEFAULT_MAX_ROUTES, DEFAULT_THRESHOLD_M, GapsInputError, GapsResult, check_threshold,
                           find_gaps)
from geoworks.geodesy import WGS84
from geoworks.plan.routing import RoadGraph

NETWORK_STATUSES = ("completed",)  # the network that exists
ROAD_STATUSES = ("completed", "in_progress")  # roads one can lay a pipe along
TARGET_STATUSES = ("planned", "in_progress", "completed")  # cancelled targets are not places to reach
ROADS = "roads"


def network_choices(catalogue) -> list[str]:
    """Line layers that can serve as a network (every line layer but roads)."""
    return [lyr.id for lyr in catalogue.line_layers() if lyr.id != ROADS]


def target_choices(catalogue) -> list[str]:
    """Layers holding points or polygons (courtyards, ...)."""
    return [lyr.id for lyr in catalogue.layers.values()
            if set(lyr.accepted_kinds()) & {"point", "polygon"}]


def check_request(catalogue, network: str, targets: str | None, district: str | None) -> tuple[str, str | None, str | None]:
    """Validate layer ids and district; returns (network, targets, district slug) or raises GapsInputError."""
    nets = network_choices(catalogue)
    if network not in nets:
        raise GapsInputError(f"unknown network layer '{network}'; choose one of: {', '.join(nets)}")
    if targets is not None:
        tchoices = target_choices(catalogue)
        if targets not in tchoices:
            raise GapsInputError(f"unknown target layer '{targets}'; choose one of: {', '.join(tchoices)}")
    slug = None
    if district:
        slug = catalogue.district_slug(district)
        if slug is None:
            raise GapsInputError(f"unknown district '{district}'; known: {', '.join(catalogue.districts)}")
    return network, targets, slug


class GapsService:
    """Gaps over a store, cached per data version: distances per (network, targets), the road graph."""

    def __init__(self, max_entries: int = 16):
        self._cache = LRUCache(max_entries)

    def _cached(self, key, make):
        return self._cache.get(key, make)

    def road_graph(self, store, catalogue) -> RoadGraph:
        def make():
            roads = store.read_layer(ROADS, where={"status": list(ROAD_STATUSES)}) if ROADS in catalogue.layers \
                else gpd.GeoDataFrame(geometry=[], crs=WGS84)
            return RoadGraph(roads.geometry.values, catalogue.city.metric_crs)
        return self._cached(("roads", store.version()), make)

    def distances(self, store, catalogue, network: str, targets: str) -> GapsResult:
        """Every stored target of ``targets`` with its distance to ``network`` (threshold not applied)."""
        def make():
            tgt = store.read_layer(targets, where={"status": list(TARGET_STATUSES)})
            if len(tgt) == 0:
                raise GapsInputError(f"the target layer '{targets}' has no features")
            net = store.read_layer(network, where={"status": list(NETWORK_STATUSES)})
            if len(net) == 0:
                raise GapsInputError(f"the network layer '{network}' has no completed works to connect to")
            return find_gaps(tgt, net, DEFAULT_THRESHOLD_M, store.read_layer("districts"),
                             metric_crs=catalogue.city.metric_crs)
        return self._cached(("dist", store.version(), network, targets), make)

    def compute(self, store, catalogue, network: str, targets: str = "courtyards",
                threshold_m=DEFAULT_THRESHOLD_M, district: str | None = None, routes: bool = True,
                max_routes: int = DEFAULT_MAX_ROUTES) -> GapsResult:
        """Gaps of ``network`` for stored ``targets``, in one district or the city; GapsInputError on bad input."""
        threshold_m = check_threshold(threshold_m)
        network, targets, slug = check_request(catalogue, network, targets, district)
        base = self.distances(store, catalogue, network, targets).for_district(slug)
        if len(base.table) == 0:
            raise GapsInputError(f"the target layer '{targets}' has no features in district '{slug}'")
        graph = self.road_graph(store, catalogue) if routes else None
        slugs = [slug] if slug else list(catalogue.districts)
        result = base.with_threshold(threshold_m, graph, max_routes, slugs)
        result.network, result.targets = network, targets
        return result

    def compute_uploaded(self, store, catalogue, network: str, targets: gpd.GeoDataFrame,
                         threshold_m=DEFAULT_THRESHOLD_M, district: str | None = None, routes: bool = True,
                         max_routes: int = DEFAULT_MAX_ROUTES, label: str = "uploaded") -> GapsResult:
        """Gaps of ``network`` for targets given as a lon/lat GeoDataFrame (nothing is stored)."""
        threshold_m = check_threshold(threshold_m)
        network, _, slug = check_request(catalogue, network, None, district)
        dims = shapely.get_dimensions(np.asarray(targets.geometry.values, dtype=object)) if len(targets) else []
        targets = targets[np.isin(dims, (0, 2))] if len(targets) else targets
        if len(targets) == 0:
            raise GapsInputError("the uploaded target file has no point or polygon features")
        net = store.read_layer(network, where={"status": list(NETWORK_STATUSES)})
        if len(net) == 0:
            raise GapsInputError(f"the network layer '{network}' has no completed works to connect to")
        targets = targets.drop(columns=[c for c in ("district",) if c in targets])
        result = find_gaps(targets, net, threshold_m, store.read_layer("districts"),
                           metric_crs=catalogue.city.metric_crs).for_district(slug)
        if len(result.table) == 0:
            raise GapsInputError(f"no uploaded target lies in district '{slug}'")
        graph = self.road_graph(store, catalogue) if routes else None
        result = result.with_threshold(threshold_m, graph, max_routes, [slug] if slug else list(catalogue.districts))
        result.network, result.targets = network, label
        return result


def read_targets_file(path, assume_crs: str | None = None) -> gpd.GeoDataFrame:
    """A target file (GeoJSON, GeoPackage, ...) in lon/lat; GapsInputError naming the problem."""
    from geoworks.io.readers import InputError, read_vector

    try:
        gdf = read_vector(path, assume_crs, what="target file")
    except InputError as exc:
        raise GapsInputError(str(exc)) from None
    return gdf
