"""What the map pages show beside the map: the km table, the bar chart, the shading values.

Pure functions over a totals table (columns layer, district, km, network_km,
features, count, area_m2; see :mod:`geoworks.totals`). A layer measured in km
shows km; a layer counted (courtyards) shows its count.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geoworks.catalogue import Catalogue, Layer
from geoworks.measure import OUTSIDE
from geoworks.totals import CITY

ALL = "all"


def value_of(layer: Layer, row) -> float:
    """The figure shown for a totals row: km for km layers, count for counted layers."""
    return float(row["km"]) if layer.unit == "km" else float(row["count"])


@dataclass
class Cell:
    layer: str
    district: str
    value: float
    text: str
    features: int


@dataclass
class TableRow:
    district: str  # slug, 'outside' or 'city'
    cells: list[Cell]


def fmt(layer: Layer, value: float) -> str:
    return f"{value:.2f}" if layer.unit == "km" else f"{int(round(value))}"


def km_table(table: pd.DataFrame, catalogue: Catalogue) -> list[TableRow]:
    """Rows per district (then 'outside' when present, then the city), one cell per layer."""
    index = {(r.layer, r.district): r for r in table.itertuples(index=False)}
    slugs = list(catalogue.districts)
    if any(d == OUTSIDE and (r.km > 0 or r.count > 0) for (_, d), r in index.items()):
        slugs.append(OUTSIDE)
    rows = []
    for slug in slugs + [CITY]:
        cells = []
        for lid, lyr in catalogue.layers.items():
            r = index.get((lid, slug))
            value = value_of(lyr, r._asdict()) if r is not None else 0.0
            cells.append(Cell(lid, slug, value, fmt(lyr, value), int(r.features) if r is not None else 0))
        rows.append(TableRow(slug, cells))
    return rows


def shading_values(table: pd.DataFrame, catalogue: Catalogue, layer: str) -> dict[str, float]:
    """Value per district slug that shades the map: the layer's km (or count); for 'all' the km of every km layer."""
    sub = table[table["district"].isin(list(catalogue.districts))]
    out = dict.fromkeys(catalogue.districts, 0.0)
    for r in sub.itertuples(index=False):
        lyr = catalogue.layers[r.layer]
        if layer == ALL:
            if lyr.unit == "km":
                out[r.district] += float(r.km)
        elif r.layer == layer:
            out[r.district] = value_of(lyr, r._asdict())
    return out


@dataclass
class Bar:
    layer: str
    value: float
    pct: float  # width, % of the longest bar
    colour: str


@dataclass
class ChartRow:
    district: str
    total: float
    bars: list[Bar]


def bar_chart(table: pd.DataFrame, catalogue: Catalogue, layer: str) -> tuple[list[ChartRow], str]:
    """Stacked bars per district (km of every km layer for 'all', else the one layer); and the unit shown."""
    if layer == ALL:
        layers = [lyr for lyr in catalogue.layers.values() if lyr.unit == "km"]
        unit = "km"
    else:
        layers = [catalogue.layer(layer)]
        unit = layers[0].unit
    index = {(r.layer, r.district): r._asdict() for r in table.itertuples(index=False)}
    rows = []
    for slug in catalogue.districts:
        bars = []
        for lyr in layers:
            r = index.get((lyr.id, slug))
            bars.append(Bar(lyr.id, value_of(lyr, r) if r else 0.0, 0.0, lyr.colour))
        rows.append(ChartRow(slug, sum(b.value for b in bars), bars))
    top = max((r.total for r in rows), default=0.0)
    for r in rows:
        for b in r.bars:
            b.pct = round(100.0 * b.value / top, 3) if top > 0 else 0.0
    return rows, unit


def page_config(
    catalogue: Catalogue,
    lang: str,
    table: pd.DataFrame,
    features_url: str,
    detail_url: str,
    district_url: str,
    filters: dict,
    labels: dict[str, str],
    statuses: dict[str, str],
) -> dict:
    """The JSON the page hands to static/map.js: names, colours, per-district figures, URLs, labels."""
    per_district: dict[str, dict[str, str]] = {}
    for r in table.itertuples(index=False):
        lyr = catalogue.layers.get(r.layer)
        if lyr is None:
            continue
        per_district.setdefault(r.district, {})[r.layer] = fmt(lyr, value_of(lyr, r._asdict()))
    return {
        "lang": lang,
        "layers": {
            lid: {"name": lyr.names.get(lang), "colour": lyr.colour, "geometry": lyr.geometry, "unit": lyr.unit}
            for lid, lyr in catalogue.layers.items()
        },
        "districts": {slug: d.names.get(lang) for slug, d in catalogue.districts.items()},
        "totals": per_district,
        "featuresUrl": features_url,
        "detailUrl": detail_url,
        "districtUrl": district_url,
        "filters": {k: v for k, v in filters.items() if v not in (None, "")},
        "labels": labels,
        "statuses": statuses,
    }
