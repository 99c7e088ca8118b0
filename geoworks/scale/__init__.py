"""Scale-out aggregation on Dask: km and network km per district, measured in spatial partitions.

``geoworks measure LINES --districts D --engine dask`` and ``geoworks totals --engine dask`` give the
in-process engine's figures (to ~1e-9) by cutting the lines at the edges of a grid of lon/lat
rectangles (:mod:`geoworks.scale.grid`), writing the pieces as a GeoParquet dataset partitioned by
rectangle, measuring each rectangle with the same districts and local plane, and summing
(:mod:`geoworks.scale.engine`). The scheduler is Dask's local threads by default, or a
dask.distributed cluster (``--scheduler tcp://host:8786``).

Dask, distributed and dask-geopandas (the optional extra ``geoworks[dask]``) are imported only when
the engine runs; :class:`~geoworks.scale.engine.DaskUnavailable` says what to install when they are missing.
Only :mod:`geoworks.scale.grid` is imported here: it needs no Dask.
"""

from geoworks.scale.grid import Grid, cut_at_grid, network_by_rectangles, rectangles

__all__ = ["Grid", "cut_at_grid", "network_by_rectangles", "rectangles"]
