"""``geoworks gaps``: network gaps and extension estimates from the command line (geodesic metres).

The columns and their rounding are the web's (:mod:`geoworks.plan.export`), without the
access legs; the default threshold is ``GEOWORKS_GAP_THRESHOLD_M`` (:mod:`geoworks.config`).
"""

from __future__ import annotations

import sys

import click
import pandas as pd

from geoworks.cli.output import fail
from geoworks.plan.export import GAP_COLUMNS
from geoworks.plan.gaps import GapsInputError, GapsResult

FORMATS = click.Choice(["table", "csv", "json", "geojson"])
COLUMNS = [c for c in GAP_COLUMNS if c != "access_m"]  # the command prints no access legs


def _compute(
    network: str, targets: str, targets_file: str | None, threshold: float | None, district: str | None, routes: bool
) -> GapsResult:
    """The GapsResult for the command's options (threshold default from the config); exits 2 on bad input."""
    from geoworks.catalogue import default_catalogue
    from geoworks.config import load_config, number
    from geoworks.plan.service import GapsService, read_targets_file
    from geoworks.storage import open_store

    config = load_config()
    cat, store, svc = default_catalogue(), open_store(config), GapsService()
    threshold = number(config, "GEOWORKS_GAP_THRESHOLD_M") if threshold is None else threshold
    try:
        if targets_file:
            return svc.compute_uploaded(
                store,
                cat,
                network,
                read_targets_file(targets_file),
                threshold,
                district,
                routes=routes,
                label=targets_file,
            )
        return svc.compute(store, cat, network, targets, threshold, district, routes=routes)
    except GapsInputError as exc:
        fail(str(exc))


def _write(table: pd.DataFrame, fmt: str, summary_only: bool) -> None:
    """``table`` in ``fmt`` on standard output (CSV as UTF-8 without the BOM)."""
    from geoworks.io.exports import to_csv, to_geojson

    if fmt == "geojson":
        if summary_only:
            fail("--summary has no geometry; use --format table, csv or json")
        sys.stdout.write(to_geojson(table).decode("utf-8") + "\n")
    elif fmt == "csv":
        sys.stdout.write(to_csv(table).decode("utf-8-sig"))
    elif fmt == "json":
        out = table.drop(columns="geometry", errors="ignore")
        click.echo(out.to_json(orient="records", force_ascii=False, indent=2))
    else:
        out = table.drop(columns=["geometry", "conn_lon", "conn_lat"], errors="ignore")
        click.echo(out.to_string(index=False) if len(out) else "(no gaps)")


@click.command("gaps")
@click.option("--network", required=True, help="Network layer id (water, sewer, gas, heating, power, lighting, ...).")
@click.option("--targets", default="courtyards", show_default=True, help="Stored point/polygon layer of targets.")
@click.option(
    "--targets-file", type=click.Path(dir_okay=False), help="A GeoJSON/GeoPackage of targets instead (not stored)."
)
@click.option(
    "--threshold", type=float, default=None, help="Gap threshold in metres.  [default: GEOWORKS_GAP_THRESHOLD_M, 100]"
)
@click.option("--district", help="District slug or name (default: the whole city).")
@click.option("--no-routes", is_flag=True, help="Skip the along-road estimates.")
@click.option("--summary", "summary_only", is_flag=True, help="Print only the per-district summary.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def gaps(
    network: str,
    targets: str,
    targets_file: str | None,
    threshold: float | None,
    district: str | None,
    no_routes: bool,
    summary_only: bool,
    fmt: str,
) -> None:
    """Targets farther than THRESHOLD metres from a network, with extension estimates (geodesic metres)."""
    from geoworks.plan.export import gaps_frame, summary_frame

    result = _compute(network, targets, targets_file, threshold, district, routes=not no_routes)
    if summary_only:
        table = summary_frame(result)
    else:
        table = gaps_frame(result, columns=COLUMNS, farthest_first=True, coordinates=False)
    _write(table, fmt, summary_only)
    if fmt == "table" and not summary_only:
        s = result.summary.iloc[-1]
        click.echo(
            f"\n{int(s['gaps'])} gaps of {int(s['targets'])} targets at {result.threshold_m:g} m from {result.network}"
        )


def register(main: click.Group) -> None:
    """Add ``gaps`` to the command group."""
    main.add_command(gaps)
