"""Network gaps over the store: which layers, which statuses, validation, caching per data version.

Reads lon/lat layers (EPSG:4326) from a :class:`geoworks.storage.Store` and calls
:func:`geoworks.plan.gaps.find_gaps`; distances in geodesic metres (WGS84).
Request values are read by :mod:`geoworks.params` (one parser for the app); a bad
value raises :class:`GapsInputError` naming it, for the page, the API and the CLI alike.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import geopandas as gpd
import numpy as np
import shapely

from geoworks.cache import LRUCache
from geoworks.catalogue import Catalogue
from geoworks.geodesy import WGS84
from geoworks.params import ParamError, parse_district, parse_layer
from geoworks.plan.gaps import (
    DEFAULT_MAX_ROUTES,
    DEFAULT_THRESHOLD_M,
    GapsInputError,
    GapsResult,
    check_threshold,
    find_gaps,
)
from geoworks.plan.params import PlanForm
from geoworks.plan.routing import RoadGraph

if TYPE_CHECKING:
    from geoworks.storage import Store

NETWORK_STATUSES = ("completed",)  # the network that exists
ROAD_STATUSES = ("completed", "in_progress")  # roads one can lay a pipe along
TARGET_STATUSES = ("planned", "in_progress", "completed")  # cancelled targets are not places to reach
ROADS = "roads"
T = TypeVar("T")


def network_choices(catalogue: Catalogue) -> list[str]:
    """Line layers that can serve as a network (every line layer but roads)."""
    return [lyr.id for lyr in catalogue.line_layers() if lyr.id != ROADS]


def target_choices(catalogue: Catalogue) -> list[str]:
    """Layers holding points or polygons (courtyards, ...)."""
    return [lyr.id for lyr in catalogue.layers.values() if set(lyr.accepted_kinds()) & {"point", "polygon"}]


def _choose(value: str, choices: list[str], catalogue: Catalogue, what: str) -> str:
    """``value`` when it is a catalogue layer among ``choices``; GapsInputError naming the kind of layer."""
    try:
        layer = parse_layer(value, catalogue, what)
    except ParamError:
        layer = None
    if layer is None or layer not in choices:
        raise GapsInputError(f"unknown {what} layer '{value}'; choose one of: {', '.join(choices)}")
    return layer


def check_request(
    catalogue: Catalogue, network: str, targets: str | None, district: str | None
) -> tuple[str, str | None, str | None]:
    """Validate layer ids and district; returns (network, targets, district slug) or raises GapsInputError."""
    network = _choose(network, network_choices(catalogue), catalogue, "network")
    if targets is not None:
        targets = _choose(targets, target_choices(catalogue), catalogue, "target")
    try:
        slug = parse_district(district, catalogue)
    except ParamError as exc:
        raise GapsInputError(str(exc)) from None
    return network, targets, slug


def _completed_network(store: Store, network: str) -> gpd.GeoDataFrame:
    """The works of ``network`` that exist (lon/lat); GapsInputError when there are none."""
    net = store.read_layer(network, where={"status": list(NETWORK_STATUSES)})
    if len(net) == 0:
        raise GapsInputError(f"the network layer '{network}' has no completed works to connect to")
    return net


class GapsService:
    """Gaps over a store, cached per data version: distances per (network, targets), the road graph."""

    def __init__(self, max_entries: int = 16) -> None:
        self._cache = LRUCache(max_entries)

    def _cached(self, key: Hashable, make: Callable[[], T]) -> T:
        return self._cache.get(key, make)

    def road_graph(self, store: Store, catalogue: Catalogue) -> RoadGraph:
        """The routable graph of the roads that exist or are being built (built once per data version)."""

        def make() -> RoadGraph:
            roads = (
                store.read_layer(ROADS, where={"status": list(ROAD_STATUSES)})
                if ROADS in catalogue.layers
                else gpd.GeoDataFrame(geometry=[], crs=WGS84)
            )
            return RoadGraph(roads.geometry.values, catalogue.city.metric_crs)

        return self._cached(("roads", store.version()), make)

    def distances(self, store: Store, catalogue: Catalogue, network: str, targets: str) -> GapsResult:
        """Every stored target of ``targets`` with its geodesic distance to ``network`` (threshold not applied)."""

        def make() -> GapsResult:
            tgt = store.read_layer(targets, where={"status": list(TARGET_STATUSES)})
            if len(tgt) == 0:
                raise GapsInputError(f"the target layer '{targets}' has no features")
            net = _completed_network(store, network)
            return find_gaps(
                tgt, net, DEFAULT_THRESHOLD_M, store.read_layer("districts"), metric_crs=catalogue.city.metric_crs
            )

        return self._cached(("dist", store.version(), network, targets), make)

    def compute(
        self,
        store: Store,
        catalogue: Catalogue,
        network: str,
        targets: str = "courtyards",
        threshold_m: float | str = DEFAULT_THRESHOLD_M,
        district: str | None = None,
        routes: bool = True,
        max_routes: int = DEFAULT_MAX_ROUTES,
    ) -> GapsResult:
        """Gaps of ``network`` for stored ``targets`` (threshold in metres), in one district or the city;
        GapsInputError on bad input."""
        threshold_m = check_threshold(threshold_m)
        network, targets_id, slug = check_request(catalogue, network, targets, district)
        base = self.distances(store, catalogue, network, str(targets_id)).for_district(slug)
        if len(base.table) == 0:
            raise GapsInputError(f"the target layer '{targets_id}' has no features in district '{slug}'")
        graph = self.road_graph(store, catalogue) if routes else None
        slugs = [slug] if slug else list(catalogue.districts)
        result = base.with_threshold(threshold_m, graph, max_routes, slugs)
        result.network, result.targets = network, str(targets_id)
        return result

    def compute_uploaded(
        self,
        store: Store,
        catalogue: Catalogue,
        network: str,
        targets: gpd.GeoDataFrame,
        threshold_m: float | str = DEFAULT_THRESHOLD_M,
        district: str | None = None,
        routes: bool = True,
        max_routes: int = DEFAULT_MAX_ROUTES,
        label: str = "uploaded",
    ) -> GapsResult:
        """Gaps of ``network`` for targets given as a lon/lat GeoDataFrame (EPSG:4326; nothing is stored)."""
        threshold_m = check_threshold(threshold_m)
        network, _, slug = check_request(catalogue, network, None, district)
        dims = shapely.get_dimensions(np.asarray(targets.geometry.values, dtype=object)) if len(targets) else []
        targets = targets[np.isin(dims, (0, 2))] if len(targets) else targets
        if len(targets) == 0:
            raise GapsInputError("the uploaded target file has no point or polygon features")
        net = _completed_network(store, network)
        targets = targets.drop(columns=[c for c in ("district",) if c in targets])
        result = find_gaps(
            targets, net, threshold_m, store.read_layer("districts"), metric_crs=catalogue.city.metric_crs
        ).for_district(slug)
        if len(result.table) == 0:
            raise GapsInputError(f"no uploaded target lies in district '{slug}'")
        graph = self.road_graph(store, catalogue) if routes else None
        result = result.with_threshold(threshold_m, graph, max_routes, [slug] if slug else list(catalogue.districts))
        result.network, result.targets = network, label
        return result


def read_targets_file(path: str | Path, assume_crs: str | None = None) -> gpd.GeoDataFrame:
    """A target file (GeoJSON, GeoPackage, ...) in lon/lat (EPSG:4326); GapsInputError naming the problem."""
    from geoworks.io.readers import InputError, read_vector

    try:
        gdf = read_vector(path, assume_crs, what="target file")
    except InputError as exc:
        raise GapsInputError(str(exc)) from None
    return gdf


@dataclass(frozen=True)
class UploadedTargets:
    """A targets file sent to /plan: its name as uploaded (user text: shown escaped), its bytes and the most
    targets one request may hold (GEOWORKS_MAX_PLAN_TARGETS; None: any number)."""

    name: str
    data: bytes
    max_targets: int | None = None

    def read(self) -> gpd.GeoDataFrame:
        """The targets in lon/lat (EPSG:4326), ``id``/``name`` columns found whatever their case;
        GapsInputError naming the limit when there are more than ``max_targets``."""
        with tempfile.TemporaryDirectory(prefix="geoworks-plan-") as tmp:
            path = Path(tmp) / f"targets{Path(self.name).suffix.lower()}"
            path.write_bytes(self.data)
            targets = read_targets_file(path)
        if self.max_targets is not None and len(targets) > self.max_targets:
            raise GapsInputError(
                f"target file: {len(targets)} targets, more than the {self.max_targets} one request may hold; "
                "split the file"
            )
        return targets.rename(columns=_lowered(list(targets.columns), ("id", "name")))


def _lowered(columns: list, names: tuple[str, ...]) -> dict:
    """Renames of ``columns`` to the lower-case ``names`` they match whatever their case; a name already taken
    (``id`` beside ``ID``) keeps its column, and the others keep their own names."""
    taken = {str(c) for c in columns}
    renames = {}
    for c in columns:
        low = str(c).lower()
        if low in names and low not in taken:
            renames[c] = low
            taken.add(low)
    return renames


def compute_form(
    service: GapsService,
    store: Store,
    catalogue: Catalogue,
    form: PlanForm,
    routes: bool = True,
    upload: UploadedTargets | None = None,
) -> GapsResult:
    """Gaps for the values of the plan form (stored targets, or ``upload``); GapsInputError on bad input,
    naming the uploaded file where the message says "target file"."""
    if upload is None:
        return service.compute(
            store, catalogue, form.network, form.targets, form.threshold, form.district, routes=routes
        )
    try:
        return service.compute_uploaded(
            store,
            catalogue,
            form.network,
            upload.read(),
            form.threshold,
            form.district,
            routes=routes,
            label=upload.name,
        )
    except GapsInputError as exc:
        raise GapsInputError(str(exc).replace("target file", upload.name)) from None
