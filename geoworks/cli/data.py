"""Commands on the store's data: ``demo``, ``ensure-demo``, ``totals`` and ``measure`` (any file, nothing stored)."""

from __future__ import annotations

import json

import click
import pandas as pd

from geoworks.catalogue import STATUSES, default_catalogue
from geoworks.cli.output import FORMATS, emit, fail, open_configured_store


@click.command("demo")
@click.option("--seed", default=2019, show_default=True, help="Random seed; the same seed gives the same data.")
def demo(seed: int) -> None:
    """Build the Almaty demo data set into the store (replacing its content)."""
    from geoworks.demo import write_demo

    store = open_configured_store()
    counts = write_demo(store, default_catalogue(), seed)
    click.echo(f"demo data (seed {seed}) written to {store.describe()}")
    for name, n in counts.items():
        click.echo(f"  {name:12s} {n:6d}")


def engine_options(command):
    """``--engine``, ``--scheduler`` and ``--partitions``: where lines are measured (geoworks.scale for Dask)."""
    command = click.option(
        "--partitions",
        type=click.IntRange(0),
        help="With --engine dask: lon/lat rectangles over the districts (default GEOWORKS_DASK_PARTITIONS; "
        "0: one per ~60,000 lines, at least 4).",
    )(command)
    command = click.option(
        "--scheduler",
        help="With --engine dask: threads (default, GEOWORKS_DASK_SCHEDULER), processes, or a "
        "dask.distributed scheduler address such as tcp://host:8786.",
    )(command)
    return click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="local: in this process; dask: in spatial partitions on Dask (needs the extra geoworks[dask]).",
    )(command)


def dask_options(engine: str, scheduler: str | None, partitions: int | None):
    """The Dask engine's options from the configuration and the command line (None for the local engine)."""
    if engine != "dask":
        if scheduler or partitions is not None:
            fail("--scheduler and --partitions need --engine dask")
        return None
    from geoworks.config import load_config
    from geoworks.scale.engine import DaskOptions

    return DaskOptions.from_config(load_config(), scheduler=scheduler, partitions=partitions)


@click.command("totals")
@click.option("--layer", help="Layer id (default: all layers).")
@click.option("--district", help="District slug or name.")
@click.option("--year", type=int, help="Year of the works.")
@click.option("--status", type=click.Choice(STATUSES), help="Status of the works.")
@click.option(
    "--features",
    "show_features",
    is_flag=True,
    help="List the features and part lengths behind the total (needs --layer).",
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@engine_options
def totals(layer, district, year, status, show_features, fmt, engine, scheduler, partitions) -> None:
    """Km (and counts, areas) per district x layer over the store."""
    from geoworks.totals import Filters, compute_totals

    options = dask_options(engine, scheduler, partitions)

    cat = default_catalogue()
    if layer and layer not in cat.layers:
        fail(f"unknown layer '{layer}'; known layers: {', '.join(cat.layers)}")
    slug = None
    if district:
        slug = cat.district_slug(district)
        if slug is None:
            fail(f"unknown district '{district}'; known: {', '.join(cat.districts)}")
    store = open_configured_store()
    if store.is_empty():
        fail(f"the store is empty ({store.describe()}); run 'geoworks demo' or import data first")
    if options is None:
        result = compute_totals(store, cat, Filters(layer, slug, year, status))
    else:
        from geoworks.scale.engine import DaskUnavailable, dask_engine

        try:
            with dask_engine(options) as on_dask:
                result = compute_totals(store, cat, Filters(layer, slug, year, status), measure_with=on_dask)
        except (DaskUnavailable, ValueError) as exc:
            fail(str(exc))
    if show_features:
        if not layer:
            fail("--features needs --layer")
        behind = result.features_behind(layer, slug)
        behind["length_m"] = behind["length_m"].round(3)
        emit(behind, fmt)
        return
    table = result.table.copy()
    for col in ("km", "network_km"):
        table[col] = table[col].round(3)
    table["area_m2"] = table["area_m2"].round(1)
    emit(table, fmt)


@click.command("measure")
@click.argument("lines_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--districts",
    "districts_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Polygon file of districts.",
)
@click.option("--name-field", help="District name column (default: guessed).")
@click.option("--crs", help="CRS to assume for files that declare none, e.g. EPSG:4326.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option(
    "--overlaps",
    "overlaps_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write every overlapping stretch (features, district, metres, geometry) to this GeoJSON file.",
)
@engine_options
def measure(lines_file, districts_file, name_field, crs, fmt, overlaps_file, engine, scheduler, partitions) -> None:
    """Measure a line file per district, storing nothing (GeoJSON, GeoPackage, Shapefile, GeoParquet).

    km are geodesic (WGS84); network_km counts every shared stretch once; the overlapping stretches
    are summarised per district (the full list with --overlaps FILE)."""
    from geoworks.measure_files import MeasureInputError, measure_files

    options = dask_options(engine, scheduler, partitions)
    try:
        if options is None:
            result = measure_files(
                lines_file, districts_file, name_field=name_field, assume_crs=crs, overlaps_file=overlaps_file
            )
        else:
            from geoworks.scale.engine import DaskUnavailable
            from geoworks.scale.files import measure_files_dask

            try:
                result = measure_files_dask(lines_file, districts_file, name_field, crs, overlaps_file, options)
            except DaskUnavailable as exc:
                fail(str(exc))
    except MeasureInputError as exc:
        fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    rows = [
        {
            "district": name,
            "km": round(v["km"], 3),
            "network_km": round(v["network_km"], 3),
            "overlaps": v["overlaps"],
            "overlap_km": round(v["overlap_km"], 3),
        }
        for name, v in result["districts"].items()
    ]
    rows.append({"district": "outside", "km": round(result["outside_km"], 3), "network_km": None})
    over = result["overlaps"]
    rows.append(
        {
            "district": "total",
            "km": round(result["total_km"], 3),
            "network_km": round(result["network_total_km"], 3),
            "overlaps": over["count"],
            "overlap_km": round(over["km"], 3),
        }
    )
    emit(pd.DataFrame(rows), fmt)
    if fmt == "table" and (over["count"] or overlaps_file):
        click.echo(
            f"\n{over['count']} pairs of features share stretches: {over['km']:.3f} km counted once in network_km"
            + (f"; {over['rows']} rows written to {overlaps_file}" if overlaps_file else "")
        )


@click.command("ensure-demo")
@click.option("--seed", default=2019, show_default=True)
def ensure_demo(seed: int) -> None:
    """Build the demo set only when the store is empty (used by 'make run')."""
    store = open_configured_store()
    if store.is_empty():
        from geoworks.demo import write_demo

        write_demo(store, default_catalogue(), seed)
        click.echo(f"store was empty: demo data written to {store.describe()}")
    else:
        click.echo(f"store has data: {store.describe()}")


def register(main: click.Group) -> None:
    """Add these commands to the geoworks CLI group ``main``."""
    for cmd in (demo, ensure_demo, totals, measure):
        main.add_command(cmd)
