"""Residents' requests on the maps: a layer loaded per visible area (points shaded by status, clusters
when many), the triage map, a request's own map, and the map to choose a request's place.

Maps are lon/lat (EPSG:4326) on a Web-map display; nothing is measured here. The layer's data come
from the requests map endpoint (``MapOptions.requests['url']``) for the visible area, drawn by
``static/map.js`` (``geoworks.attachRequests``) on the map's canvas; every text from data is inserted
there with ``textContent``. Names in the layer control and the legend are escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import escape

from geoworks.catalogue import Catalogue
from geoworks.maps.base import Legend, MapOptions, base_map

SHOWN_AT_START = False  # the city and district maps show the layer once ticked in the layer control


class _RequestsLoader(MacroElement):
    """Calls ``geoworks.attachRequests(map, group, options)`` (static/map.js)."""

    _template = Template("""
{% macro script(this, kwargs) %}
geoworks.attachRequests({{ this._parent.get_name() }}, {{ this.group.get_name() }}, {{ this.options|tojson }});
{% endmacro %}
""")

    def __init__(self, group: folium.FeatureGroup, options: dict[str, Any]):
        super().__init__()
        self._name = "GeoworksRequests"
        self.group = group
        self.options = options


def layer_label(catalogue: Catalogue, lang: str) -> str:
    """The layer control's entry: a swatch and the layer's name (escaped)."""
    defs = catalogue.requests
    if defs is None:
        return ""
    return (
        f'<span class="gw-swatch gw-point" style="background:{escape(defs.colour)};border-radius:50%"></span>'
        f"{escape(defs.names.get(lang))}"
    )


def legend_html(catalogue: Catalogue, lang: str) -> str:
    """The status colours of the requests layer for a map legend (escaped)."""
    defs = catalogue.requests
    if defs is None:
        return ""
    items = "".join(
        f'<li data-request-status="{escape(s)}"><span class="gw-swatch gw-point" style="background:{escape(c.colour)};'
        f'border-radius:50%"></span>{escape(c.names.get(lang))}</li>'
        for s, c in defs.statuses.items()
    )
    return f'<strong class="gw-legend-requests">{escape(defs.names.get(lang))}</strong><ul>{items}</ul>'


def add_requests_layer(
    m: folium.Map,
    catalogue: Catalogue,
    options: MapOptions,
    *,
    show: bool = SHOWN_AT_START,
    filters: Mapping[str, Any] | None = None,
) -> folium.FeatureGroup | None:
    """A toggleable group for the requests, filled for the visible area by map.js; None when the app
    serves no requests (``options.requests`` unset)."""
    if not options.requests or catalogue.requests is None:
        return None
    group = folium.FeatureGroup(name=layer_label(catalogue, options.lang), show=show)
    group.add_to(m)
    js = dict(options.requests)
    js["filters"] = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    m.add_child(_RequestsLoader(group, js))
    return group


def _districts(
    m: folium.Map, districts: gpd.GeoDataFrame, names: Mapping[str, str], highlight: str | None = None
) -> None:
    """District outlines (display-simplified lon/lat) with their names as escaped tooltips."""
    if not len(districts):
        return
    geoms = shapely.simplify(districts.geometry.values, 0.0002, preserve_topology=True)
    feats = [
        {
            "type": "Feature",
            "properties": {"slug": str(s), "name": str(escape(names.get(str(s), str(s))))},
            "geometry": shapely.geometry.mapping(g),
        }
        for s, g in zip(districts["slug"], geoms)
        if g is not None and not g.is_empty
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name="districts",
        control=False,
        style_function=lambda f: {
            "color": "#1d3557",
            "weight": 2.5 if f["properties"]["slug"] == highlight else 1,
            "fillOpacity": 0.04,
            "fillColor": "#1d3557",
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(m)


def triage_map(
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame,
    options: MapOptions,
    filters: Mapping[str, Any],
    district_names: Mapping[str, str],
) -> folium.Map:
    """The officials' map of the requests the list shows (same ``filters``), districts outlined."""
    bounds = catalogue.city.bbox
    slug = filters.get("district")
    if slug and len(districts):
        row = districts[districts["slug"].astype(str) == slug]
        if len(row):
            bounds = tuple(float(v) for v in row.geometry.total_bounds)  # type: ignore[assignment]
    m = base_map(options, bounds, min_zoom=8, prefer_canvas=True, width="100%", height="100%")
    _districts(m, districts, district_names, slug)
    add_requests_layer(m, catalogue, options, show=True, filters=filters)
    Legend(legend_html(catalogue, options.lang)).add_to(m)
    return m


def request_map(
    record: Mapping[str, Any], works: Sequence[Mapping[str, Any]], catalogue: Catalogue, options: MapOptions
) -> folium.Map:
    """One request's map: its point (status colour) and the works linked to it (``works``: dicts with
    ``layer``, ``name`` and a lon/lat ``geometry``), names escaped."""
    defs = catalogue.requests
    colour = defs.statuses[record["status"]].colour if defs and record["status"] in defs.statuses else "#555555"
    m = base_map(options, location=[record["lat"], record["lon"]], zoom=16, width="100%", height="100%")
    feats = []
    for w in works:
        geom = w.get("geometry")
        if geom is None or geom.is_empty:
            continue
        layer = catalogue.layers.get(str(w.get("layer")))
        props = {
            "name": str(escape(w.get("label") or w.get("name") or "")),
            "colour": layer.colour if layer else "#555",
        }
        feats.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    if feats:
        layer_group = folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            name="works",
            style_function=lambda f: {"color": f["properties"]["colour"], "weight": 5, "fillOpacity": 0.3},
            marker=folium.CircleMarker(radius=6, fill=True, fill_opacity=0.8),
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        )
        layer_group.add_to(m)
        minx, miny, maxx, maxy = shapely.bounds(
            shapely.union_all(
                [f["geometry"] for f in works if f.get("geometry") is not None]
                + [shapely.Point(record["lon"], record["lat"])]
            )
        )
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(30, 30), max_zoom=17)
    folium.CircleMarker(
        [record["lat"], record["lon"]],
        radius=9,
        color="#ffffff",
        weight=2,
        fill=True,
        fill_color=colour,
        fill_opacity=1,
    ).add_to(m)
    return m


class _ClickToPick(MacroElement):
    """Clicking the map calls ``window.geoworksRequestPick(lat, lon)`` (static/requests.js)."""

    _template = Template("""
{% macro script(this, kwargs) %}
window.geoworksRequestMap = {{ this._parent.get_name() }};
{{ this._parent.get_name() }}.on('click', function (e) {
  if (window.geoworksRequestPick) { window.geoworksRequestPick(e.latlng.lat, e.latlng.lng); }
});
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClickToPick"


def pick_map(
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame,
    options: MapOptions,
    district_names: Mapping[str, str],
    point: tuple[float, float] | None = None,
) -> folium.Map:
    """The map on which a resident clicks the request's place (``point``: lon/lat already chosen)."""
    if point is not None:
        m = base_map(options, location=[point[1], point[0]], zoom=16, width="100%", height="100%")
    else:
        m = base_map(options, catalogue.city.bbox, width="100%", height="100%")
    _districts(m, districts, district_names)
    _ClickToPick().add_to(m)
    return m
