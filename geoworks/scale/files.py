"""``geoworks measure --engine dask``: any line file measured per district on Dask, nothing stored.

The answer is :func:`geoworks.measure_files.measure_files`'s, to ~1e-9: geodesic km (WGS84) and
network km per district, the overlaps summarised (and streamed to a GeoJSON file on request).
"""

from __future__ import annotations

import numpy as np

from geoworks.io.readers import InputError
from geoworks.measure_files import MeasureInputError, read_districts, result_of
from geoworks.network import OUTSIDE
from geoworks.scale.engine import DaskOptions, measure_source, require_dask, running, to_measurement


def measure_files_dask(
    lines_file: str,
    districts_file: str,
    name_field: str | None = None,
    assume_crs: str | None = None,
    overlaps_file: str | None = None,
    options: DaskOptions | None = None,
) -> dict:
    """Measure ``lines_file`` per district of ``districts_file`` on Dask (see :mod:`geoworks.scale.engine`).

    Features are numbered as the in-process engine numbers them: by their place among the file's
    line features. MeasureInputError naming the file when it cannot be measured; DaskUnavailable
    when the Dask extra is missing or the scheduler cannot be reached.
    """
    require_dask()
    from geoworks.scale.sources import file_source

    options = options or DaskOptions()
    label = f"lines file {lines_file}"
    try:
        source = file_source(lines_file, options.chunk, assume_crs, what=label)
    except InputError as exc:
        raise MeasureInputError(str(exc)) from None
    names, polys = read_districts(districts_file, name_field, assume_crs)
    try:
        with running(options):
            result = measure_source(source, polys, options, assume_crs, label)
    except ValueError as exc:  # CRSProblem, InputError, or a line along a partition edge: raised in a worker
        raise MeasureInputError(str(exc)) from None
    if result.lines == 0:
        raise MeasureInputError(f"{label}: has no line geometries")
    # the in-process engine numbers the line features 0, 1, ...: a row's number less the non-lines before it
    top = int(result.rows[["a", "b"]].to_numpy().max()) + 1 if len(result.rows) else 0
    rows = np.arange(max(top, 0))
    ids = rows - np.searchsorted(result.not_lines, rows)
    m = to_measurement(result, ids, np.append(names, OUTSIDE))
    return result_of(m, names, overlaps_file)
