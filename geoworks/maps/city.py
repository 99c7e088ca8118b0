"""Folium map builders: the city map and the district maps.

Maps are built from small inputs only: the district polygons (lon/lat,
EPSG:4326, simplified for display) shaded by a value per district, an empty
feature group per layer (toggled in the layer control), a legend and a loader
that fills each group from the features endpoint for the visible area at a
simplification fitting the zoom (``static/map.js``). No layer is ever embedded
whole, so the page stays small whatever the size of the layers.

Every label that comes from data is escaped here (legend, layer control) or
inserted as text by ``static/map.js`` (tooltips, popups).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import escape

from geoworks.catalogue import Catalogue
from geoworks.maps.base import Legend, MapOptions, base_map
from geoworks.maps.requests import add_requests_layer
from geoworks.maps.requests import legend_html as requests_legend_html

BASE_FILL = "#ffffff"
# Display simplification of district outlines (degrees; a display tolerance, not a measure).
DISTRICT_DISPLAY_TOLERANCE = 0.0002


def mix(colour: str, t: float, base: str = BASE_FILL) -> str:
    """``colour`` blended with ``base`` (t=0 base, t=1 colour), as #rrggbb."""
    t = min(max(float(t), 0.0), 1.0)
    c = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(base[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(bv + (cv - bv) * t):02x}" for cv, bv in zip(c, b))


def shade(values: dict[str, float], colour: str) -> dict[str, str]:
    """Fill colour per district: a ramp from white to ``colour`` proportional to value / max."""
    top = max(values.values(), default=0.0)
    return {k: mix(colour, 0.08 + 0.82 * (v / top) if top > 0 else 0.0) for k, v in values.items()}


def districts_geojson(
    districts: gpd.GeoDataFrame, fills: dict[str, str], tolerance: float = DISTRICT_DISPLAY_TOLERANCE
) -> dict:
    """District polygons as a small GeoJSON dict (lon/lat), properties slug and fill only."""
    geoms = shapely.simplify(districts.geometry.values, tolerance, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 1e-6)
    features = []
    for slug, geom in zip(districts["slug"].astype(str), geoms):
        if geom is None or geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"slug": slug, "fill": fills.get(slug, BASE_FILL)},
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


class _Loader(MacroElement):
    """Calls ``geoworks.attach(map, groups)`` once the map and its groups exist."""

    _template = Template("""
{% macro script(this, kwargs) %}
geoworks.attach({{ this._parent.get_name() }}, {
{%- for layer_id, group in this.groups.items() %}{{ layer_id|tojson }}: {{ group.get_name() }},{% endfor -%}
}, {{ this.data_attribution|tojson }});
{% endmacro %}
""")

    def __init__(self, groups: dict[str, folium.FeatureGroup], data_attribution: str):
        super().__init__()
        self._name = "GeoworksLoader"
        self.groups = groups
        self.data_attribution = str(escape(data_attribution))


def legend_html(
    catalogue: Catalogue,
    layer_names: dict[str, str],
    title: str,
    shading_label: str,
    shading_colour: str,
    top_value: str,
) -> str:
    """The legend's HTML; every name is escaped."""
    items = "".join(
        f'<li data-layer="{escape(lid)}"><span class="gw-swatch gw-{escape(lyr.geometry)}" '
        f'style="background:{escape(lyr.colour)}"></span>{escape(layer_names.get(lid, lid))}</li>'
        for lid, lyr in catalogue.layers.items()
    )
    ramp = (
        f'<div class="gw-ramp"><span>{escape(shading_label)}</span>'
        f'<span class="gw-ramp-bar" style="background:linear-gradient(to right,{mix(shading_colour, 0.08)},'
        f'{mix(shading_colour, 0.9)})"></span><span class="gw-ramp-ends"><span>0</span>'
        f"<span>{escape(top_value)}</span></span></div>"
    )
    return f"<strong>{escape(title)}</strong><ul>{items}</ul>{ramp}"


def _base_map(bounds: tuple[float, float, float, float], options: MapOptions) -> folium.Map:
    """The city and district maps: vector layers draw on one canvas (thousands of works draw
    in a fraction of the time SVG takes)."""
    return base_map(options, bounds, min_zoom=8, prefer_canvas=True)


def _works_groups(m: folium.Map, catalogue: Catalogue, options: MapOptions) -> dict[str, folium.FeatureGroup]:
    groups = {}
    shown = set(options.shown_layers) if options.shown_layers is not None else set(catalogue.layers)
    for lid, lyr in catalogue.layers.items():
        label = (
            f'<span class="gw-swatch gw-{escape(lyr.geometry)}" style="background:{escape(lyr.colour)}">'
            f"</span>{escape(options.layer_names.get(lid, lid))}"
        )
        groups[lid] = folium.FeatureGroup(name=label, show=lid in shown)
        groups[lid].add_to(m)
    return groups


def _districts_layer(
    m: folium.Map, districts: gpd.GeoDataFrame, fills: dict[str, str], name: str, highlight: str | None = None
) -> None:
    data = districts_geojson(districts, fills)

    def style(feature):
        slug = feature["properties"]["slug"]
        strong = highlight is None or slug == highlight
        return {
            "fillColor": feature["properties"]["fill"],
            "color": "#1d3557",
            "weight": 2.5 if strong else 1,
            "fillOpacity": 0.55 if strong else 0.15,
            "opacity": 0.9 if strong else 0.5,
            "className": f"gw-district gw-district-{slug}",
        }

    folium.GeoJson(
        data,
        name=str(escape(name)),
        style_function=style,
        control=True,
        zoom_on_click=False,
        on_each_feature=folium.JsCode("function (f, l) { geoworks.bindDistrict(f, l); }"),
    ).add_to(m)


def city_map(
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame,
    values: dict[str, float],
    shading_colour: str,
    options: MapOptions,
    labels: dict[str, str],
) -> folium.Map:
    """The city map: districts shaded by ``values`` (km or count per slug), one toggleable group per layer.

    ``labels`` holds translated 'legend', 'districts', 'shading' and 'top' strings.
    """
    m = _base_map(catalogue.city.bbox, options)
    _districts_layer(m, districts, shade(values, shading_colour), labels.get("districts", "Districts"))
    groups = _works_groups(m, catalogue, options)
    requests = add_requests_layer(m, catalogue, options)  # residents' requests, when the app serves them
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(
        Legend(
            legend_html(
                catalogue,
                options.layer_names,
                labels.get("legend", "Layers"),
                labels.get("shading", ""),
                shading_colour,
                labels.get("top", ""),
            )
            + (requests_legend_html(catalogue, options.lang) if requests is not None else "")
        )
    )
    m.add_child(_Loader(groups, options.data_attribution))
    return m


def district_map(
    catalogue: Catalogue, districts: gpd.GeoDataFrame, slug: str, options: MapOptions, labels: dict[str, str]
) -> folium.Map:
    """A district's map: zoomed to the district, its outline highlighted, every layer's works loadable."""
    row = districts[districts["slug"].astype(str) == slug]
    if len(row) == 0:
        raise KeyError(f"unknown district '{slug}'")
    x0, y0, x1, y1 = (float(v) for v in row.geometry.total_bounds)
    m = _base_map((x0, y0, x1, y1), options)
    fills = {s: ("#fff3b0" if s == slug else BASE_FILL) for s in districts["slug"].astype(str)}
    _districts_layer(m, districts, fills, labels.get("districts", "Districts"), highlight=slug)
    groups = _works_groups(m, catalogue, options)
    add_requests_layer(m, catalogue, options)  # residents' requests, when the app serves them
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(_Loader(groups, options.data_attribution))
    return m
