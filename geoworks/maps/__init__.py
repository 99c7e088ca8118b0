"""Folium maps: the base map and its options, the city and district maps, the features endpoint data,
and the near, plan and verify overlays. Builders return ``folium.Map`` objects; no HTML in routes."""
