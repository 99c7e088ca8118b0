"""The city and district pages' views: the map, the km table, the chart and the works behind a
district's figures, as plain data for a template. No Flask here: translated text and URLs come in.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.maps.base import MapOptions, map_parts
from geoworks.maps.city import city_map, district_map
from geoworks.maps.view import ALL, bar_chart, km_table, page_config, shading_values
from geoworks.totals import Totals

SHOWN_WORKS = 50  # works listed per layer on a district page (largest first)
CITY_COLOUR = "#1d3557"


@dataclass(frozen=True)
class PageText:
    """What the pages show in the visitor's language: labels, work statuses and the JS strings."""

    labels: dict[str, str]  # legend, districts, km, all_networks, shading (with %(what)s)
    statuses: dict[str, str]
    js: dict[str, str]


def years_of(totals: Totals) -> list[int]:
    """The years that occur in the works of ``totals`` (for the year filter)."""
    years: set[int] = set()
    for works in totals.works.values():
        if "year" in works.columns:
            years.update(int(y) for y in works["year"].dropna().unique())
    return sorted(years)


def _config(
    catalogue: Catalogue, lang: str, table: pd.DataFrame, filters: dict, urls: dict[str, str], text: PageText
) -> dict:
    return page_config(
        catalogue,
        lang,
        table,
        features_url=urls["features"],
        detail_url=urls["detail"],
        district_url=urls["district"],
        filters={"year": filters.get("year"), "status": filters.get("status")},
        labels=text.js,
        statuses=text.statuses,
    )


def city_view(
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame,
    totals: Totals,
    all_years: list[int],
    filters: dict,
    options: MapOptions,
    urls: dict[str, str],
    text: PageText,
) -> dict:
    """The city page: districts shaded by ``filters['layer']`` (km, or count), the km table and the chart."""
    layer, lang, km = filters["layer"], options.lang, text.labels["km"]
    values = shading_values(totals.table, catalogue, layer)
    lyr = None if layer == ALL else catalogue.layers[layer]
    top = max(values.values(), default=0.0)
    top_text = f"{top:.1f} {km}" if lyr is None or lyr.unit == "km" else f"{int(top)}"
    what = text.labels["all_networks"] if lyr is None else lyr.names.get(lang)
    m = city_map(
        catalogue,
        districts,
        values,
        CITY_COLOUR if lyr is None else lyr.colour,
        options,
        {
            "legend": text.labels["legend"],
            "districts": text.labels["districts"],
            "shading": text.labels["shading"] % {"what": what},
            "top": top_text,
        },
    )
    chart, chart_unit = bar_chart(totals.table, catalogue, layer)
    config = _config(catalogue, lang, totals.table, filters, urls, text)
    config["shading"] = layer
    if lyr is None:
        for slug, v in values.items():
            config["totals"].setdefault(slug, {})[ALL] = f"{v:.2f} {km}"
    return {
        "map": map_parts(m),
        "filters": filters,
        "rows": km_table(totals.table, catalogue),
        "chart": chart,
        "chart_unit": chart_unit,
        "years": all_years,
        "statuses": text.statuses,
        "config": config,
    }


def works_behind_district(
    catalogue: Catalogue, totals: Totals, slug: str, lang: str, limit: int = SHOWN_WORKS
) -> dict[str, dict]:
    """Per layer, the largest works behind the district's figure (name in ``lang`` when known) and their count."""
    works = {}
    for lid in catalogue.layers:
        behind = totals.features_behind(lid, slug)
        if len(behind) == 0:
            continue
        extra = totals.works[lid]
        cols = [c for c in ("id", "start_date", "end_date", f"name_{lang}") if c in extra.columns]
        behind = behind.merge(extra[cols], left_on="feature", right_on="id", how="left")
        if f"name_{lang}" in behind.columns:
            behind["name"] = behind[f"name_{lang}"].where(behind[f"name_{lang}"].notna(), behind["name"])
        behind = behind.sort_values("length_m" if catalogue.layers[lid].unit == "km" else "area_m2", ascending=False)
        top = behind.head(limit).astype(object)
        works[lid] = {"rows": top.where(top.notna(), None).to_dict("records"), "total": len(behind)}
    return works


def district_view(
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame,
    totals: Totals,
    all_years: list[int],
    slug: str,
    filters: dict,
    options: MapOptions,
    urls: dict[str, str],
    text: PageText,
) -> dict:
    """A district's page: its map, its figures per layer and the works behind them."""
    m = district_map(catalogue, districts, slug, options, {"districts": text.labels["districts"]})
    table = totals.table[totals.table["district"] == slug]
    return {
        "district": catalogue.districts[slug],
        "slug": slug,
        "filters": filters,
        "map": map_parts(m),
        "works": works_behind_district(catalogue, totals, slug, options.lang),
        "rows": table.to_dict("records"),
        "statuses": text.statuses,
        "years": all_years,
        "config": _config(catalogue, options.lang, totals.table, filters, urls, text),
    }
