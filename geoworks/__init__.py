"""geoworks: measure, verify and map a city's infrastructure works per district.

Everything is stored in EPSG:4326; lengths are geodesic metres on WGS84.
"""

__version__ = "0.1.0"
