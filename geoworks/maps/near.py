"""The folium map of a near-me result: the point, the radius circle and the works.

Every value from data is HTML-escaped before it reaches a tooltip or popup.
Only Leaflet is loaded, from the app's own static files (no CDN).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import escape

from geoworks.catalogue import Catalogue
from geoworks.maps.base import MapOptions, base_map
from geoworks.near.index import NearResult

_DASH = {"planned": "6 6", "in_progress": None, "completed": None, "cancelled": "2 6"}


class _ClickToSearch(MacroElement):
    """Clicking the map calls ``window.geoworksNearPick(lat, lon)`` (static/near.js)."""

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.on('click', function (e) {
  if (window.geoworksNearPick) { window.geoworksNearPick(e.latlng.lat, e.latlng.lng); }
});
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClickToSearch"


def _label(value: Any) -> str:
    """``value`` as escaped text ('' for None or NaN)."""
    return str(escape("" if value is None or value != value else str(value)))


def _zoom(radius_m: float) -> int:
    """The zoom level that shows a circle of ``radius_m`` metres."""
    for limit, zoom in ((250, 16), (600, 15), (1200, 14), (2500, 13)):
        if radius_m <= limit:
            return zoom
    return 12


def _add_place(m: folium.Map, result: NearResult, labels: Mapping[str, str]) -> None:
    """The radius circle (metres) and the chosen place (lon/lat)."""
    q = result.query
    folium.Circle(
        [q.lat, q.lon],
        radius=q.radius_m,
        color="#1d3557",
        weight=2,
        fill=True,
        fill_opacity=0.05,
        tooltip=_label(f"{labels.get('radius', 'Radius')}: {int(q.radius_m)} m"),
    ).add_to(m)
    folium.CircleMarker(
        [q.lat, q.lon], radius=6, color="#e63946", fill=True, fill_opacity=1, tooltip=_label(labels.get("here", "Here"))
    ).add_to(m)


def _work_feature(
    w: Mapping[str, Any], layer_name: str, lang: str, labels: Mapping[str, str], focus: str | None
) -> dict[str, Any]:
    """One work as a GeoJSON feature (lon/lat) with escaped popup fields; distance in metres."""
    uid = f"{w['layer']}:{w['id']}"
    name = w.get("name_ru") if lang != "kk" and w.get("name_ru") else w.get("name")
    return {
        "type": "Feature",
        "geometry": w["geometry"].__geo_interface__,
        "properties": {
            "uid": uid,
            "bold": focus == uid,
            "layer": _label(layer_name),
            "name": _label(name),
            "status": _label(labels.get(f"status_{w['status']}", w["status"])),
            "dates": _label(f"{w['start_date'] or '?'} – {w['end_date'] or '?'}"),
            "contractor": _label(w["contractor"]),
            "distance": f"{w['distance_m']:.0f} m",
            "dash": _DASH.get(str(w["status"])),
        },
    }


def _add_layer(
    m: folium.Map, features: list[dict[str, Any]], colour: str, layer_name: str, labels: Mapping[str, str]
) -> None:
    """One layer's works, coloured, with tooltips (name, distance) and popups (every field)."""
    fields = ["name", "layer", "status", "dates", "contractor", "distance"]
    aliases = [labels.get(f, f) for f in ("Name", "Layer", "Status", "Dates", "Contractor", "Distance")]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_label(layer_name),
        style_function=lambda f, c=colour: {
            "color": c,
            "weight": 8 if f["properties"]["bold"] else 4,
            "opacity": 0.9,
            "fillOpacity": 0.35,
            "fillColor": c,
            "dashArray": f["properties"]["dash"],
        },
        marker=folium.CircleMarker(radius=6, fill=True, fill_opacity=0.8),
        tooltip=folium.GeoJsonTooltip(fields=["name", "distance"], aliases=[aliases[0], aliases[5]], localize=False),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False),
    ).add_to(m)


def _add_works(
    m: folium.Map,
    result: NearResult,
    catalogue: Catalogue,
    lang: str,
    labels: Mapping[str, str],
    focus: str | None,
    max_works: int,
) -> None:
    """The nearest ``max_works`` works, one GeoJSON layer per catalogue layer."""
    by_layer: dict[str, list[dict]] = {}
    for w in result.records(max_works):
        by_layer.setdefault(w["layer"], []).append(w)
    for layer_id, group in by_layer.items():
        layer = catalogue.layers.get(layer_id)
        colour = layer.colour if layer else "#555555"
        lname = layer.names.get(lang) if layer else layer_id
        features = [
            _work_feature(w, lname, lang, labels, focus)
            for w in group
            if w["geometry"] is not None and not w["geometry"].is_empty
        ]
        if features:
            _add_layer(m, features, colour, lname, labels)


def near_map(
    result: NearResult | None,
    catalogue: Catalogue,
    options: MapOptions,
    *,
    labels: Mapping[str, str] | None = None,
    focus: str | None = None,
    max_works: int = 300,
) -> folium.Map:
    """A folium.Map of ``result`` (or of the city, to pick a place, when None).

    ``labels`` translates the popup headings (status names, 'Distance'...); ``focus`` is
    "<layer>:<id>" of a work drawn bold. Coordinates lon/lat (EPSG:4326); distances in metres.
    """
    labels = labels or {}
    if result is not None:
        location, zoom = [result.query.lat, result.query.lon], _zoom(result.query.radius_m)
    else:
        x0, y0, x1, y1 = catalogue.city.bbox
        location, zoom = [(y0 + y1) / 2, (x0 + x1) / 2], 12
    m = base_map(options, location=location, zoom=zoom, width="100%", height="100%")
    _ClickToSearch().add_to(m)
    if result is not None:
        _add_place(m, result, labels)
        _add_works(m, result, catalogue, options.lang, labels, focus, max_works)
    return m
