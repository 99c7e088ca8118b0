"""The base of every geoworks map: options (tiles, attribution, assets, language), the folium map
with the app's own Leaflet, and the rendered parts a page template embeds.

Maps are lon/lat (EPSG:4326) on a Web-map display; nothing is measured here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import escape

PLAIN_TILES = ("", "none", "plain")


@dataclass
class MapOptions:
    """What a map needs besides the data: tiles, attribution, asset URLs, language."""

    tiles: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tiles_attribution: str = "© OpenStreetMap contributors"
    data_attribution: str = ""
    asset_base: str = "/static/vendor"
    lang: str = "en"
    layer_names: dict[str, str] = field(default_factory=dict)
    shown_layers: tuple[str, ...] | None = None  # None: all
    requests: dict | None = None  # residents' requests layer: URLs and words for map.js (None: no such layer)


def local_assets(asset_base: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(js, css) folium asset lists pointing at the app's own copies (no CDN)."""
    base = asset_base.rstrip("/")
    return ([("leaflet", f"{base}/leaflet/leaflet.js")], [("leaflet_css", f"{base}/leaflet/leaflet.css")])


def base_map(
    options: MapOptions,
    bounds: tuple[float, float, float, float] | None = None,
    *,
    location: list[float] | None = None,
    zoom: int = 11,
    **kwargs,
) -> folium.Map:
    """A folium map with the app's own Leaflet and the configured tiles (none for "", "none", "plain").

    Fitted to lon/lat ``bounds`` when given, else centred on ``location`` ([lat, lon]) at ``zoom``.
    Every geoworks map starts here.
    """
    if location is None and bounds is not None:
        minx, miny, maxx, maxy = bounds
        location = [(miny + maxy) / 2, (minx + maxx) / 2]
    m = folium.Map(location=location, zoom_start=zoom, tiles=None, control_scale=True, max_zoom=19, **kwargs)
    m.default_js, m.default_css = local_assets(options.asset_base)
    if (options.tiles or "").strip().lower() not in PLAIN_TILES:
        folium.TileLayer(
            tiles=options.tiles, attr=str(escape(options.tiles_attribution)), name="tiles", control=False, max_zoom=19
        ).add_to(m)
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def map_parts(m: folium.Map) -> dict[str, str]:
    """The rendered pieces of a map for embedding in a page: header (links, styles), html (the div), script."""
    root: Any = m.get_root()
    root.render()
    return {
        "header": root.header.render(),
        "html": root.html.render(),
        "script": root.script.render(),
        "name": m.get_name(),
    }


class Legend(MacroElement):
    """A legend control in the map's lower left corner: ``html`` as built (and escaped) by the caller."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "gw-legend");
    div.innerHTML = {{ this.html|tojson }};
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    def __init__(self, html: str):
        super().__init__()
        self._name = "GeoworksLegend"
        self.html = html
