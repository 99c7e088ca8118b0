"""The network gaps map: the network, covered targets, gaps highlighted and the proposed extensions.

Input geometries are lon/lat (EPSG:4326). Every text that comes from data
(names, ids) goes into a GeoJSON property and is shown with ``textContent``
by a small tooltip function, never as HTML. Coordinates are rounded to
1e-6 degrees (~0.1 m) and the network is clipped to the shown area and
simplified for display only (no measuring happens here).
"""
from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import shapely
from markupsafe import escape

from geoworks.plan.gaps import GapsResult
from geoworks.io.exports import feature_collection
from geoworks.maps.base import MapOptions, base_map

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


def _fmt_m(value) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:,.0f}".replace(",", " ")


def target_tip(row, labels: dict[str, str]) -> str:
    """The tooltip text of one target (plain text; shown with textContent)."""
    lines = [f"{row.name} ({row.id})" if row.name else str(row.id),
             f"{labels.get('distance', 'Distance to the network')}: {_fmt_m(row.distance_m)} m"]
    if row.gap:
        status = labels.get(f"status_{row.route_status}", row.route_status or "")
        lines.append(f"{labels.get('road', 'Along roads')}: {_fmt_m(row.route_m)} m" if row.route_status == "ok"
                     else f"{labels.get('road', 'Along roads')}: {status}")
    return "\n".join(lines)


def plan_map(result: GapsResult, network: gpd.GeoDataFrame, network_colour: str, options: MapOptions,
             labels: dict[str, str], bounds: tuple[float, float, float, float] | None = None,
             points_over: int = POINTS_OVER) -> folium.Map:
    """A folium map of ``network`` (lon/lat lines) and the targets of ``result``, gaps in red, extensions drawn.

    ``labels`` holds translated layer names (network, covered, gaps, straight,
    road) and tooltip words (distance, road, status_<route status>).
    """
    table = result.table
    if bounds is None:
        bounds = tuple(float(v) for v in table.geometry.total_bounds) if len(table) else None
    if bounds is None or not np.all(np.isfinite(bounds)):
        bounds = (76.75, 43.05, 77.15, 43.40)
    minx, miny, maxx, maxy = bounds
    m = base_map(options, bounds, zoom=12)

    area = shapely.box(minx - MARGIN, miny - MARGIN, maxx + MARGIN, maxy + MARGIN)
    net = np.asarray(network.geometry.values, dtype=object)
    net = net[shapely.intersects(net, area)] if len(net) else net
    net = shapely.simplify(shapely.intersection(net, area), DISPLAY_TOLERANCE) if len(net) else net
    net_fc = _fc(net, [{"tip": labels.get("network", "Network")} for _ in range(len(net))])
    folium.GeoJson(net_fc, name=str(escape(labels.get("network", "Network"))),
                   style_function=lambda f: {"color": network_colour, "weight": 3, "opacity": 0.85},
                   on_each_feature=folium.JsCode(_TIP_JS)).add_to(m)

    for flag, key, colour in ((False, "covered", COVERED_COLOUR), (True, "gaps", GAP_COLOUR)):
        sub = table[table["gap"].astype(bool) == flag]
        props = [{"tip": target_tip(r, labels), "tid": str(r.id)} for r in sub.itertuples(index=False)]
        geoms = sub.geometry.values
        if len(table) > points_over:
            geoms = shapely.point_on_surface(np.asarray(geoms, dtype=object))
        folium.GeoJson(
            _fc(geoms, props), name=str(escape(labels.get(key, key))),
            style_function=lambda f, c=colour: {"color": c, "fillColor": c, "weight": 2, "fillOpacity": 0.45},
            marker=folium.CircleMarker(radius=5, fill=True),
            on_each_feature=folium.JsCode(_TIP_JS)).add_to(m)

    ext = result.extensions()
    for kind, key, colour, dash in (("straight", "straight", STRAIGHT_COLOUR, "6 6"), ("road", "road", ROAD_COLOUR, None)):
        sub = ext[ext["kind"] == kind]
        props = [{"tip": f"{r.target_name or r.target_id}\n{labels.get(key, key)}: {_fmt_m(r.length_m)} m"}
                 for r in sub.itertuples(index=False)]
        folium.GeoJson(
            _fc(sub.geometry.values, props), name=str(escape(labels.get(key, key))),
            style_function=lambda f, c=colour, d=dash: {"color": c, "weight": 3, "dashArray": d, "opacity": 0.9},
            on_each_feature=folium.JsCode(_TIP_JS)).add_to(m)

    gaps = table[table["gap"].astype(bool)]
    conn = shapely.points(gaps[["conn_lon", "conn_lat"]].to_numpy(float)) if len(gaps) else []
    folium.GeoJson(_fc(conn, [{"tip": labels.get("connection", "Connection point")} for _ in range(len(gaps))]),
                   name=str(escape(labels.get("connection", "Connection point"))),
                   marker=folium.CircleMarker(radius=3, fill=True),
                   style_function=lambda f: {"color": "#000000", "fillColor": "#ffffff", "weight": 1.5, "fillOpacity": 1},
                   on_each_feature=folium.JsCode(_TIP_JS), show=True).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.get_root().header.add_child(folium.Element("<script>var geoworksPlanLayers = {};</script>"))
    return m
