"""Measuring lines per district on Dask: a spatially partitioned GeoParquet, measured partition by partition.

1. *Partition*: every chunk of the source (a Dask GeoDataFrame indexed by row number) is taken to
   EPSG:4326 and its lines are cut at the edges of a grid of lon/lat rectangles over the districts
   (:class:`geoworks.scale.grid.Grid`; the outer cells reach the ends of the world, so nothing is
   lost). Each chunk writes its pieces of cell ``K`` to ``<workdir>/cell=K/part-<first row>.parquet``:
   one hive-partitioned GeoParquet dataset whose spatial partitions are the cells.
2. *Measure*: one Dask partition per cell (``spatial_partitions``: its rectangle), measured by the
   in-process engine (:func:`geoworks.network.measure_lines`) with the same districts and the same
   local plane (:func:`geoworks.geodesy.local_plane_for` of the districts).
3. *Sum*: geodesic metres per (feature, district), network metres per district and the overlapping
   stretches of every cell, gathered by the client into one :class:`geoworks.measure.Measurement`.

Feature km is additive over the cells; network km is too (docs/measuring.md, "Measuring a layer in
parts"), so the totals equal the in-process engine's to ~1e-9. Lengths are geodesic metres on WGS84.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoworks.geodesy import WGS84, LocalPlane, local_plane_for, to_wgs84
from geoworks.measure import Measurement, measure
from geoworks.network import OUTSIDE, measure_lines
from geoworks.overlaps import Stretches
from geoworks.scale.cells import empty_cell, read_cell, write_part
from geoworks.scale.grid import Grid, cut_at_grid

if TYPE_CHECKING:
    from geoworks.scale.sources import Source

LOCAL_SCHEDULERS = ("threads", "processes", "synchronous")
CONNECT_TIMEOUT = "20s"  # how long to try reaching a dask.distributed scheduler
LINES_PER_CELL = 60_000  # lines per cell when the number of partitions is automatic (0)
_PARTS, _NETWORK, _STRETCH = 0, 1, 2  # kinds of result rows
_LINES, _NOT_LINE = -2, -1  # kinds of partitioning statistics (else a cell number)
RESULT = {"kind": "int8", "a": "int64", "b": "int64", "code": "int64", "length_m": "float64",
          "x0": "float64", "y0": "float64", "x1": "float64", "y1": "float64"}  # fmt: skip


class DaskUnavailable(RuntimeError):
    """dask, distributed or dask-geopandas is not installed (the optional extra ``geoworks[dask]``)."""


@dataclass(frozen=True)
class DaskOptions:
    """How to run: ``scheduler`` is threads (the default: this process), processes, synchronous, or a
    dask.distributed scheduler address (tcp://host:8786); ``partitions`` the number of lon/lat cells
    (spatial partitions) over the districts (0: one per ~60,000 lines, at least 4); ``chunk`` the
    features read per source partition; ``workdir`` where the temporary partitioned GeoParquet goes
    (every worker must see it at that path; default: the system's temporary directory)."""

    scheduler: str = "threads"
    partitions: int = 0
    chunk: int = 100_000
    workdir: str | None = None

    @classmethod
    def from_config(cls, config: Mapping, **given: Any) -> DaskOptions:
        """The GEOWORKS_DASK_* settings, then the ``given`` values that are not None."""
        from geoworks.config import setting

        opts = cls(
            scheduler=str(setting(config, "GEOWORKS_DASK_SCHEDULER")),
            partitions=int(setting(config, "GEOWORKS_DASK_PARTITIONS")),
            chunk=int(setting(config, "GEOWORKS_DASK_CHUNK")),
            workdir=setting(config, "GEOWORKS_DASK_WORKDIR"),
        )
        return replace(opts, **{k: v for k, v in given.items() if v is not None})


def require_dask() -> None:
    """DaskUnavailable, saying what to install, when the Dask extra is missing."""
    try:
        import dask  # noqa: F401
        import dask_geopandas  # noqa: F401
    except ImportError as exc:
        raise DaskUnavailable(
            f"the Dask engine needs dask, distributed and dask-geopandas ({exc}); "
            "install them with: pip install 'geoworks[dask]'"
        ) from None


@contextlib.contextmanager
def running(options: DaskOptions) -> Iterator[Any]:
    """Dask's scheduler for the block: a local one by name, else a dask.distributed Client connected
    to ``options.scheduler`` (yielded; None for a local scheduler)."""
    import dask

    if options.scheduler in LOCAL_SCHEDULERS:
        with dask.config.set(scheduler=options.scheduler):
            yield None
        return
    try:
        from distributed import Client
    except ImportError as exc:
        raise DaskUnavailable(f"a Dask cluster needs distributed ({exc}): pip install 'geoworks[dask]'") from None
    try:
        client = Client(options.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except OSError as exc:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {options.scheduler}: {exc}") from None
    with client, client.as_current(), dask.config.set(scheduler=client):
        yield client


def cut_chunk(chunk: gpd.GeoDataFrame, grid: Grid, out: str, assume_crs: str | None, label: str) -> pd.DataFrame:
    """Partition one source chunk (runs in a worker): to EPSG:4326, lines cut at the grid, pieces of
    cell K written to ``out/cell=K/``. Returns statistics: (cell, pieces) per cell written, (-1, row)
    per feature that is no line, (-2, lines read)."""
    rows = chunk.index.to_numpy(dtype=np.int64)
    chunk = to_wgs84(chunk, assume_crs, what=label)
    geoms = np.asarray(chunk.geometry.values, dtype=object)
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
    line = shapely.get_dimensions(geoms) == 1
    pieces, src, cell = cut_at_grid(geoms[line], grid)
    feature = rows[line][src]
    stats = [(_NOT_LINE, r) for r in rows[~line]] + [(_LINES, int(line.sum()))]
    for c in np.unique(cell):
        at = np.flatnonzero(cell == c)
        write_part(out, int(c), int(rows[0]), feature[at], pieces[at])
        stats.append((int(c), len(at)))
    return pd.DataFrame(stats, columns=["cell", "n"], dtype="int64")


def measure_cell(cell: gpd.GeoDataFrame, polys: np.ndarray, plane: LocalPlane) -> pd.DataFrame:
    """One cell's lines measured per district (runs in a worker): rows of metres per (feature,
    district), network metres per district code, and overlapping stretches (features a < b,
    district code, metres, lon/lat ends); features are global row numbers."""
    feats = cell["feature"].to_numpy(dtype=np.int64)
    lm = measure_lines(np.asarray(cell.geometry.values, dtype=object), polys, plane)
    s, nc = lm.stretches, len(polys) + 1
    frames = [
        pd.DataFrame({"kind": _PARTS, "a": feats[lm.feat], "b": -1, "code": lm.code, "length_m": lm.length_m}),
        pd.DataFrame({"kind": _NETWORK, "a": -1, "b": -1, "code": np.arange(nc), "length_m": lm.network_m}),
        pd.DataFrame({"kind": _STRETCH, "a": feats[s.a], "b": feats[s.b], "code": s.code, "length_m": s.length_m,
                      "x0": s.start[:, 0], "y0": s.start[:, 1], "x1": s.end[:, 0], "y1": s.end[:, 1]}),
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True).reindex(columns=list(RESULT)).astype(RESULT)


@dataclass
class Partitioned:
    """What the cells gave: result rows (see :func:`measure_cell`), features that are no lines
    (global row numbers, ascending) and the number of lines read."""

    rows: pd.DataFrame
    not_lines: np.ndarray
    lines: int


def cells_for(rows: int, partitions: int) -> int:
    """The number of cells: ``partitions``, or when 0 one per ~60,000 lines (at least 4)."""
    return partitions if partitions > 0 else max(4, -(-rows // LINES_PER_CELL))


def measure_source(source: Source, polys: np.ndarray, options: DaskOptions, assume_crs: str | None = None,
                   label: str = "input") -> Partitioned:  # fmt: skip
    """Partition a source (:mod:`geoworks.scale.sources`) and measure it per lon/lat district polygon,
    on the scheduler of ``options`` (entered by the caller, :func:`running`)."""
    import dask.dataframe as dd

    # CRSProblem before any work when there is no CRS and none is declared, or the declared one is unknown
    to_wgs84(gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=source.crs)), assume_crs, what=label)
    polys = np.asarray(polys, dtype=object)
    bounds = shapely.total_bounds(polys) if len(polys) else (-180, -90, 180, 90)
    grid = Grid.over(bounds, cells_for(source.rows, options.partitions))
    base = Path(tempfile.mkdtemp(prefix="geoworks-dask-", dir=options.workdir))
    try:
        out = str(base / "cells.parquet")
        meta = pd.DataFrame({"cell": pd.Series(dtype="int64"), "n": pd.Series(dtype="int64")})
        stats = source.frame.map_partitions(cut_chunk, grid, out, assume_crs, label, meta=meta).compute()
        cells = sorted(int(c) for c in stats.loc[stats["cell"] >= 0, "cell"].unique())
        rows = pd.DataFrame({k: pd.Series(dtype=v) for k, v in RESULT.items()})
        if cells:
            parts = dd.from_map(read_cell, [(out, c) for c in cells], meta=empty_cell(), enforce_metadata=False)
            rects = grid.rects()
            parts.spatial_partitions = gpd.GeoSeries([shapely.box(*rects[c]) for c in cells], crs=WGS84)
            plane = local_plane_for(polys)
            rows = parts.map_partitions(measure_cell, polys, plane, meta=rows).compute()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    not_lines = np.sort(stats.loc[stats["cell"] == _NOT_LINE, "n"].to_numpy())
    return Partitioned(rows, not_lines, int(stats.loc[stats["cell"] == _LINES, "n"].sum()))


def to_measurement(result: Partitioned, ids: np.ndarray, names: np.ndarray) -> Measurement:
    """The per-cell results summed into one Measurement; features are indices into ``ids``,
    districts codes into ``names`` (the slugs, then OUTSIDE)."""
    r, nc = result.rows, len(names)
    p = r[r["kind"] == _PARTS]
    key, inverse = np.unique(p["a"].to_numpy() * nc + p["code"].to_numpy(), return_inverse=True)
    length = np.bincount(inverse, weights=p["length_m"].to_numpy(), minlength=len(key))
    feat, code = key // nc, key % nc
    parts = pd.DataFrame({"feature": ids[feat], "district": names[code], "length_m": length, "area_m2": 0.0})
    n = r[r["kind"] == _NETWORK]
    network_m = np.bincount(n["code"].to_numpy(), weights=n["length_m"].to_numpy(), minlength=nc)
    network = {names[c]: float(network_m[c]) for c in np.unique(code)}
    s = r[r["kind"] == _STRETCH]
    stretches = Stretches(
        s["a"].to_numpy(), s["b"].to_numpy(), s["code"].to_numpy(), s["length_m"].to_numpy(),
        s[["x0", "y0"]].to_numpy(), s[["x1", "y1"]].to_numpy(),
    )  # fmt: skip
    return Measurement(parts, network, stretches, ids, names)


def _measure_here(ids, geoms, slugs, polys, kind: str = "line", options: DaskOptions | None = None) -> Measurement:
    """:func:`measure_dask` on the scheduler already entered (:func:`running`)."""
    if kind != "line":
        return measure(ids, geoms, slugs, polys, kind=kind)
    from geoworks.scale.sources import frame_source

    options = options or DaskOptions()
    ids = ids if isinstance(ids, np.ndarray) else np.asarray(list(ids), dtype=object)
    names = np.append(np.asarray(slugs, dtype=object), OUTSIDE)
    result = measure_source(frame_source(geoms, options.chunk), polys, options)
    return to_measurement(result, ids, names)


@contextlib.contextmanager
def dask_engine(options: DaskOptions | None = None) -> Iterator[Callable[..., Measurement]]:
    """The Dask engine for a block: a function with :func:`geoworks.measure.measure`'s signature
    (e.g. for :func:`geoworks.totals.compute_totals`), every call on one scheduler connection."""
    require_dask()
    options = options or DaskOptions()
    with running(options):
        yield functools.partial(_measure_here, options=options)


def measure_dask(ids, geoms, slugs, polys, kind: str = "line", options: DaskOptions | None = None) -> Measurement:
    """:func:`geoworks.measure.measure` on Dask for lines (lon/lat, EPSG:4326; geodesic metres):
    the same Measurement, computed cell by cell. Polygons and points are measured in process."""
    with dask_engine(options) as engine:
        return engine(ids, geoms, slugs, polys, kind=kind)
