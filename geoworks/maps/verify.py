"""A folium map of the overlapping (duplicated) stretches that would inflate a total.

Input is lon/lat (EPSG:4326): the overlaps table of :func:`geoworks.verify.checks.overlaps_table`
(layer, feature_a, feature_b, length_m, geometry) and the district polygons.
Every label from data is escaped here before it reaches the map.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import shapely
from markupsafe import escape

from geoworks.catalogue import Catalogue
from geoworks.io.exports import feature_collection
from geoworks.maps.base import MapOptions, base_map

OVERLAP_COLOUR = "#d62828"
MAX_SHOWN = 5000  # overlapping stretches drawn at most (the table lists them all)


def overlaps_map(
    overlaps: gpd.GeoDataFrame,
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame | None = None,
    *,
    options: MapOptions,
    labels: dict[str, str] | None = None,
) -> folium.Map:
    """Districts in outline and each overlapping stretch in red, with a tooltip naming the two works.

    ``labels``: translated 'districts', 'overlaps' and 'km' strings.
    """
    labels = labels or {}
    minx, miny, maxx, maxy = catalogue.city.bbox
    if len(overlaps):
        bx = overlaps.geometry.total_bounds
        if all(v == v for v in bx):
            minx, miny, maxx, maxy = (float(v) for v in bx)
    m = base_map(options, location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom=11, min_zoom=8)
    lang = options.lang
    if districts is not None and len(districts):
        names = [
            {"label": str(escape(catalogue.districts[s].names.get(lang) if s in catalogue.districts else s))}
            for s in districts["slug"].astype(str)
        ]
        folium.GeoJson(
            feature_collection(shapely.simplify(districts.geometry.values, 0.0002), names),
            name=str(escape(labels.get("districts", "Districts"))),
            style_function=lambda f: {"color": "#1d3557", "weight": 1, "fillOpacity": 0.03},
            tooltip=folium.GeoJsonTooltip(["label"], labels=False),
        ).add_to(m)
    props = []
    km = labels.get("km", "km")
    shown = overlaps.head(MAX_SHOWN)
    for row in shown.itertuples(index=False):
        lyr = catalogue.layers.get(str(row.layer))
        lname = lyr.names.get(lang) if lyr else str(row.layer)
        label = f"{lname}: {row.feature_a} = {row.feature_b}, {row.length_m / 1000:.3f} {km}"
        props.append({"label": str(escape(label)), "layer": str(escape(row.layer))})
    feats = feature_collection(shown.geometry.values, props)["features"]
    group = folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=str(escape(labels.get("overlaps", "Overlapping stretches"))),
        style_function=lambda f: {"color": OVERLAP_COLOUR, "weight": 6, "opacity": 0.85},
        tooltip=folium.GeoJsonTooltip(["label"], labels=False) if feats else None,
    )
    group.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m
