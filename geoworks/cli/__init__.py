"""The geoworks command line (click)."""
from __future__ import annotations

import json
import sys

import click
import pandas as pd

from geoworks.catalogue import STATUSES, CatalogueError, default_catalogue
from geoworks.config import load_config, number
from geoworks.storage import open_store

FORMATS = click.Choice(["table", "csv", "json"])


def _store():
    return open_store(load_config())


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _emit(df: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        click.echo(df.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(df.to_json(orient="records", force_ascii=False, indent=2))
    else:
        click.echo(df.to_string(index=False) if len(df) else "(no rows)")


@click.group()
@click.version_option(package_name="geoworks")
def main() -> None:
    """geoworks: measure, verify and map a city's infrastructure works per district."""
    try:
        default_catalogue()
    except CatalogueError as exc:
        _fail(f"layer catalogue: {exc}")


@main.command()
@click.option("--seed", default=2019, show_default=True, help="Random seed; the same seed gives the same data.")
def demo(seed: int) -> None:
    """Build the Almaty demo data set into the store (replacing its content)."""
    from geoworks.demo import write_demo

    store = _store()
    counts = write_demo(store, default_catalogue(), seed)
    click.echo(f"demo data (seed {seed}) written to {store.describe()}")
    for name, n in counts.items():
        click.echo(f"  {name:12s} {n:6d}")


@main.command()
@click.option("--layer", help="Layer id (default: all layers).")
@click.option("--district", help="District slug or name.")
@click.option("--year", type=int, help="Year of the works.")
@click.option("--status", type=click.Choice(STATUSES), help="Status of the works.")
@click.option("--features", "show_features", is_flag=True,
              help="List the features and part lengths behind the total (needs --layer).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def totals(layer, district, year, status, show_features, fmt) -> None:
    """Km (and counts, areas) per district x layer over the store."""
    from geoworks.totals import Filters, compute_totals

    cat = default_catalogue()
    if layer and layer not in cat.layers:
        _fail(f"unknown layer '{layer}'; known layers: {', '.join(cat.layers)}")
    slug = None
    if district:
        slug = cat.district_slug(district)
        if slug is None:
            _fail(f"unknown district '{district}'; known: {', '.join(cat.districts)}")
    store = _store()
    if store.is_empty():
        _fail(f"the store is empty ({store.describe()}); run 'geoworks demo' or import data first")
    result = compute_totals(store, cat, Filters(layer, slug, year, status))
    if show_features:
        if not layer:
            _fail("--features needs --layer")
        behind = result.features_behind(layer, slug)
        behind["length_m"] = behind["length_m"].round(3)
        _emit(behind, fmt)
        return
    table = result.table.copy()
    for col in ("km", "network_km"):
        table[col] = table[col].round(3)
    table["area_m2"] = table["area_m2"].round(1)
    _emit(table, fmt)


@main.command()
@click.argument("lines_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--districts", "districts_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Polygon file of districts.")
@click.option("--name-field", help="District name column (default: guessed).")
@click.option("--crs", help="CRS to assume for files that declare none, e.g. EPSG:4326.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def measure(lines_file, districts_file, name_field, crs, fmt) -> None:
    """Measure a line file per district, storing nothing (GeoJSON, GeoPackage, Shapefile, GeoParquet)."""
    from geoworks.measure_files import MeasureInputError, measure_files

    try:
        result = measure_files(lines_file, districts_file, name_field=name_field, assume_crs=crs)
    except MeasureInputError as exc:
        _fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    rows = [{"district": name, "km": round(v["km"], 3), "network_km": round(v["network_km"], 3)}
            for name, v in result["districts"].items()]
    rows.append({"district": "outside", "km": round(result["outside_km"], 3), "network_km": None})
    rows.append({"district": "total", "km": round(result["total_km"], 3),
                 "network_km": round(result["network_total_km"], 3)})
    _emit(pd.DataFrame(rows), fmt)
    if result["overlaps"] and fmt == "table":
        click.echo(f"\n{len(result['overlaps'])} overlapping stretches, "
                   f"{sum(o['length_m'] for o in result['overlaps']) / 1000:.3f} km counted once in network_km")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask's debug server with reloader.")
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the web app (waitress; --debug for Flask's development server)."""
    from geoworks.web import create_app

    app = create_app()
    click.echo(f"geoworks on http://{host}:{port}/ (data: {app.extensions['geoworks'].store.describe()})")
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        from waitress import serve as waitress_serve

        waitress_serve(app, host=host, port=port, threads=int(number(app.config, "GEOWORKS_THREADS")))


@main.command("ensure-demo")
@click.option("--seed", default=2019, show_default=True)
def ensure_demo(seed: int) -> None:
    """Build the demo set only when the store is empty (used by 'make run')."""
    store = _store()
    if store.is_empty():
        from geoworks.demo import write_demo

        write_demo(store, default_catalogue(), seed)
        click.echo(f"store was empty: demo data written to {store.describe()}")
    else:
        click.echo(f"store has data: {store.describe()}")


# Command modules of the other parts of geoworks register their commands on ``main``.
COMMAND_MODULES = ("geoworks.cli.imports", "geoworks.cli.verify", "geoworks.cli.plan")


def _register_command_modules() -> None:
    import importlib
    import importlib.util

    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(main)


_register_command_modules()

if __name__ == "__main__":  # pragma: no cover
    main()
