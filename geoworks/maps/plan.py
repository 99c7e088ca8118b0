"""The network gaps map: the network, covered targets, gaps highlighted and the proposed extensions.

Input geometries are lon/lat (EPSG:4326). Every text that comes from data
(names, ids) goes into a GeoJSON property and is shown with ``textContent``
by a small tooltip function, never as HTML. Coordinates are rounded to
1e-6 degrees (~0.1 m) and the network is clipped to the shown area and
simplified for display only (no measuring happens here). A result without a
drawable target is shown over the city's box (``catalogue.city.bbox``).
"""

from __future__ import annotations

import math
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Figure
from markupsafe import escape

from geoworks.io.exports import feature_collection
from geoworks.maps.base import MapOptions, base_map
from geoworks.plan.gaps import GapsResult

BBox = tuple[float, float, float, float]

GAP_COLOUR = "#d62728"
COVERED_COLOUR = "#2ca02c"
STRAIGHT_COLOUR = "#ff7f0e"
ROAD_COLOUR = "#6a3d9a"
DISPLAY_TOLERANCE = 0.00002  # degrees (~2 m): display simplification of the network only
MARGIN = 0.01  # degrees around the targets within which the network is drawn
POINTS_OVER = 400  # with more targets than this, targets are drawn as points (a courtyard is a dot at city zoom)

_TIP_JS = """function (feature, layer) {
  var tip = document.createElement("div");
  tip.style.whiteSpace = "pre-line";
  tip.textContent = feature.properties.tip || "";
  layer.bindTooltip(tip, {sticky: true});
  if (feature.properties.tid) { geoworksPlanLayers[feature.properties.tid] = layer; }
}"""


def _fc(geoms, props: list[dict]) -> dict:
    """A GeoJSON FeatureCollection dict from lon/lat geometries and property dicts."""
    return feature_collection(shapely.set_precision(np.asarray(geoms, dtype=object), 1e-6), props, drop_empty=True)


def metres_text(value: object, thousands: str = " ") -> str:
    """A length in metres rounded to the metre with ``thousands`` between groups; '—' when missing."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        return "—"
    return f"{float(value):,.0f}".replace(",", thousands)


def target_tip(row: Any, labels: dict[str, str]) -> str:
    """The tooltip text of one target (a row of ``GapsResult.table``; plain text, shown with textContent)."""
    lines = [
        f"{row.name} ({row.id})" if row.name else str(row.id),
        f"{labels.get('distance', 'Distance to the network')}: {metres_text(row.distance_m)} m",
    ]
    if row.gap:
        status = labels.get(f"status_{row.route_status}", row.route_status or "")
        lines.append(
            f"{labels.get('road', 'Along roads')}: {metres_text(row.route_m)} m"
            if row.route_status == "ok"
            else f"{labels.get('road', 'Along roads')}: {status}"
        )
    return "\n".join(lines)


def _layer(fc: dict, name: str, **kwargs) -> folium.GeoJson:
    """A folium GeoJson layer named ``name`` (escaped) with the plain-text tooltips."""
    return folium.GeoJson(fc, name=str(escape(name)), on_each_feature=folium.JsCode(_TIP_JS), **kwargs)


def _add_network(m: folium.Map, network: gpd.GeoDataFrame, bounds: BBox, colour: str, labels: dict[str, str]) -> None:
    """The network's lines (lon/lat) near ``bounds``, clipped and simplified for display."""
    minx, miny, maxx, maxy = bounds
    area = shapely.box(minx - MARGIN, miny - MARGIN, maxx + MARGIN, maxy + MARGIN)
    net = np.asarray(network.geometry.values, dtype=object)
    net = net[shapely.intersects(net, area)] if len(net) else net
    net = shapely.simplify(shapely.intersection(net, area), DISPLAY_TOLERANCE) if len(net) else net
    name = labels.get("network", "Network")
    _layer(
        _fc(net, [{"tip": name} for _ in range(len(net))]),
        name,
        style_function=lambda f: {"color": colour, "weight": 3, "opacity": 0.85},
    ).add_to(m)


def _add_targets(m: folium.Map, table: gpd.GeoDataFrame, labels: dict[str, str], points_over: int) -> None:
    """Reached targets in green, gaps in red; points instead of shapes past ``points_over`` targets."""
    for flag, key, colour in ((False, "covered", COVERED_COLOUR), (True, "gaps", GAP_COLOUR)):
        sub = table[table["gap"].astype(bool) == flag]
        props = [{"tip": target_tip(r, labels), "tid": str(r.id)} for r in sub.itertuples(index=False)]
        geoms = sub.geometry.values
        if len(table) > points_over:
            geoms = shapely.point_on_surface(np.asarray(geoms, dtype=object))
        _layer(
            _fc(geoms, props),
            labels.get(key, key),
            marker=folium.CircleMarker(radius=5, fill=True),
            style_function=lambda f, c=colour: {"color": c, "fillColor": c, "weight": 2, "fillOpacity": 0.45},
        ).add_to(m)


def _add_extensions(m: folium.Map, result: GapsResult, labels: dict[str, str]) -> None:
    """Straight extensions (dashed orange) and road routes (purple), lengths in metres in the tooltips."""
    ext = result.extensions()
    for kind, colour, dash in (("straight", STRAIGHT_COLOUR, "6 6"), ("road", ROAD_COLOUR, None)):
        sub = ext[ext["kind"] == kind]
        props = [
            {"tip": f"{r.target_name or r.target_id}\n{labels.get(kind, kind)}: {metres_text(r.length_m)} m"}
            for r in sub.itertuples(index=False)
        ]
        _layer(
            _fc(sub.geometry.values, props),
            labels.get(kind, kind),
            style_function=lambda f, c=colour, d=dash: {"color": c, "weight": 3, "dashArray": d, "opacity": 0.9},
        ).add_to(m)


def _add_connections(m: folium.Map, table: gpd.GeoDataFrame, labels: dict[str, str]) -> None:
    """The connection point on the network of every gap."""
    gaps = table[table["gap"].astype(bool)]
    conn = shapely.points(gaps[["conn_lon", "conn_lat"]].to_numpy(float)) if len(gaps) else []
    name = labels.get("connection", "Connection point")
    _layer(
        _fc(conn, [{"tip": name} for _ in range(len(gaps))]),
        name,
        marker=folium.CircleMarker(radius=3, fill=True),
        style_function=lambda f: {"color": "#000000", "fillColor": "#ffffff", "weight": 1.5, "fillOpacity": 1},
        show=True,
    ).add_to(m)


def plan_map(
    result: GapsResult,
    network: gpd.GeoDataFrame,
    network_colour: str,
    options: MapOptions,
    labels: dict[str, str],
    *,
    city_bbox: BBox,
    bounds: BBox | None = None,
    points_over: int = POINTS_OVER,
) -> folium.Map:
    """A folium map of ``network`` (lon/lat lines) and the targets of ``result``, gaps in red, extensions drawn.

    Fitted to ``bounds`` (lon/lat), else to the targets, else to ``city_bbox`` (the catalogue's city box).
    ``labels`` holds translated layer names (network, covered, gaps, straight,
    road, connection) and tooltip words (distance, road, status_<route status>).
    """
    table = result.table
    if bounds is None and len(table):
        minx, miny, maxx, maxy = (float(v) for v in table.geometry.total_bounds)
        bounds = (minx, miny, maxx, maxy)
    if bounds is None or not np.all(np.isfinite(bounds)):
        bounds = city_bbox
    m = base_map(options, bounds, zoom=12)
    _add_network(m, network, bounds, network_colour, labels)
    _add_targets(m, table, labels, points_over)
    _add_extensions(m, result, labels)
    _add_connections(m, table, labels)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(folium.Element("<script>var geoworksPlanLayers = {};</script>"))
    return m
