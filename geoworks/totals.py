"""Totals over the store: km per district x layer, filtered, cached per data version.

Line layers give ``km`` (sum over features), ``network_km`` (overlapping
stretches counted once) and ``count`` (distinct values of the layer's count
field, e.g. streets lit). Point and polygon layers give ``count`` and
``area_m2``. Every figure can be traced to its features with
:meth:`Totals.features_behind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from geoworks.cache import LRUCache
from geoworks.catalogue import Catalogue
from geoworks.measure import OUTSIDE, Measurement, measure
from geoworks.storage import Store
from geoworks.works import districts_arrays

CITY = "city"
COLUMNS = ["layer", "district", "km", "network_km", "features", "count", "area_m2"]


@dataclass(frozen=True)
class Filters:
    layer: str | None = None
    district: str | None = None
    year: int | None = None
    status: str | None = None

    def where(self) -> dict:
        return {k: v for k, v in (("year", self.year), ("status", self.status)) if v is not None}


@dataclass
class Totals:
    """Per (layer, district) rows plus one ``city`` row per layer, and the measurements behind them."""

    table: pd.DataFrame
    measurements: dict[str, Measurement]
    works: dict[str, pd.DataFrame]

    def overlaps(self, layer: str) -> pd.DataFrame:
        m = self.measurements.get(layer)
        return m.overlaps if m is not None else pd.DataFrame()

    def features_behind(self, layer: str, district: str | None = None) -> pd.DataFrame:
        """Feature ids, names and part lengths behind one total (district None = city)."""
        m = self.measurements.get(layer)
        if m is None:
            return pd.DataFrame(columns=["feature", "district", "length_m", "area_m2"])
        parts = m.features_behind(None if district in (None, CITY) else district)
        info = self.works[layer][["id", "name", "status", "year", "contractor"]]
        return parts.merge(info, left_on="feature", right_on="id", how="left").drop(columns="id")


def _count(layer, works: pd.DataFrame, feature_ids) -> int:
    sub = works[works["id"].isin(set(feature_ids))]
    if layer.count_field and layer.count_field in sub.columns:
        return int(sub[layer.count_field].dropna().astype(str).str.strip().str.casefold().nunique())
    return int(len(sub))


def compute_totals(
    store: Store, catalogue: Catalogue, filters: Filters = Filters(), measure_with: Callable[..., Measurement] = measure
) -> Totals:
    """Measure every (or the chosen) layer in the store per district; ``measure_with`` is the engine
    (:func:`geoworks.measure.measure`'s signature; e.g. the Dask engine, :func:`geoworks.scale.engine.measure_dask`)."""
    districts = store.read_layer("districts")
    slugs, polys = districts_arrays(districts)
    rows, measurements, works_by_layer = [], {}, {}
    layers = [catalogue.layer(filters.layer)] if filters.layer else list(catalogue.layers.values())
    for layer in layers:
        works = store.read_layer(layer.id, where=filters.where())
        works_by_layer[layer.id] = pd.DataFrame(works.drop(columns=works.geometry.name))
        m = measure_with(
            works["id"].astype(str).to_numpy(dtype=object), works.geometry.values, slugs, polys, kind=layer.geometry
        )
        measurements[layer.id] = m
        per = m.by_district()
        wanted = [filters.district] if filters.district else list(slugs) + ([OUTSIDE] if OUTSIDE in per.index else [])
        for slug in wanted:
            if slug in per.index:
                r = per.loc[slug]
                ids = m.parts.loc[m.parts["district"] == slug, "feature"]
                rows.append(
                    [
                        layer.id,
                        slug,
                        r["km"],
                        r["network_km"],
                        int(r["features"]),
                        _count(layer, works, ids),
                        r["area_m2"],
                    ]
                )
            else:
                rows.append([layer.id, slug, 0.0, 0.0, 0, 0, 0.0])
        if not filters.district:
            rows.append(
                [
                    layer.id,
                    CITY,
                    m.total_km,
                    m.network_km,
                    int(m.parts["feature"].nunique()) if len(m.parts) else 0,
                    _count(layer, works, works["id"]),
                    float(per["area_m2"].sum()) if len(per) else 0.0,
                ]
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    return Totals(table, measurements, works_by_layer)


class TotalsCache:
    """Totals computed once per data version and filter set."""

    def __init__(self, size: int = 64):
        self._cache = LRUCache(size)

    def get(self, store: Store, catalogue: Catalogue, filters: Filters = Filters()) -> Totals:
        return self._cache.get((store.version(), filters), lambda: compute_totals(store, catalogue, filters))
