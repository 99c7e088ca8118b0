"""Totals as API records: stable ids plus names in one language.

``km`` is the sum over features, ``network_km`` counts overlapping stretches
once (both geodesic, WGS84); ``area_m2`` is given for polygon layers only.
"""

from __future__ import annotations

import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.measure import OUTSIDE
from geoworks.totals import CITY, Filters

OUTSIDE_NAMES = {"kk": "Аудандардан тыс", "ru": "Вне районов", "en": "Outside the districts"}
RECORD_COLUMNS = [
    "layer",
    "layer_name",
    "district",
    "district_name",
    "unit",
    "geometry",
    "km",
    "network_km",
    "features",
    "count",
    "area_m2",
]


def district_name(catalogue: Catalogue, slug: str, lang: str) -> str:
    """The district's name in ``lang``; the city's name for ``city``."""
    if slug == CITY:
        return catalogue.city.names.get(lang)
    if slug == OUTSIDE:
        return OUTSIDE_NAMES.get(lang, OUTSIDE_NAMES["en"])
    d = catalogue.districts.get(slug)
    return d.names.get(lang) if d else slug


def totals_records(table: pd.DataFrame, catalogue: Catalogue, lang: str) -> list[dict]:
    """One dict per (layer, district) row of a totals table, city rows included."""
    out = []
    for r in table.itertuples(index=False):
        layer = catalogue.layers[r.layer]
        polygon = layer.geometry == "polygon"
        out.append(
            {
                "layer": r.layer,
                "layer_name": layer.names.get(lang),
                "district": r.district,
                "district_name": district_name(catalogue, r.district, lang),
                "unit": layer.unit,
                "geometry": layer.geometry,
                "km": round(float(r.km), 6),
                "network_km": round(float(r.network_km), 6),
                "features": int(r.features),
                "count": int(r.count),
                "area_m2": round(float(r.area_m2), 2) if polygon else None,
            }
        )
    return out


def totals_frame(records: list[dict]) -> pd.DataFrame:
    """The records as a table with the standard column order (for CSV and XLSX)."""
    return pd.DataFrame(records, columns=RECORD_COLUMNS)


def filters_dict(f: Filters) -> dict:
    return {
        k: v
        for k, v in (("layer", f.layer), ("district", f.district), ("year", f.year), ("status", f.status))
        if v is not None
    }
