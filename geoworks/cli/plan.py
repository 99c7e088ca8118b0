"""``geoworks gaps``: network gaps and extension estimates from the command line."""
from __future__ import annotations

import sys

import click

from geoworks.plan.gaps import DEFAULT_THRESHOLD_M, GapsInputError
from geoworks.plan.service import GapsService

FORMATS = click.Choice(["table", "csv", "json", "geojson"])


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.command("gaps")
@click.option("--network", required=True, help="Network layer id (water, sewer, gas, heating, power, lighting, ...).")
@click.option("--targets", default="courtyards", show_default=True, help="Stored point/polygon layer of targets.")
@click.option("--targets-file", type=click.Path(dir_okay=False), help="A GeoJSON/GeoPackage of targets instead (not stored).")
@click.option("--threshold", default=DEFAULT_THRESHOLD_M, show_default=True, help="Gap threshold in metres.")
@click.option("--district", help="District slug or name (default: the whole city).")
@click.option("--no-routes", is_flag=True, help="Skip the along-road estimates.")
@click.option("--summary", "summary_only", is_flag=True, help="Print only the per-district summary.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def gaps(network, targets, targets_file, threshold, district, no_routes, summary_only, fmt) -> None:
    """Targets farther than THRESHOLD metres from a network, with extension estimates (geodesic metres)."""
    from geoworks.catalogue import default_catalogue
    from geoworks.config import load_config
    from geoworks.io.exports import to_csv, to_geojson
    from geoworks.plan.service import read_targets_file
    from geoworks.storage import open_store

    cat = default_catalogue()
    store = open_store(load_config())
    svc = GapsService()
    try:
        if targets_file:
            result = svc.compute_uploaded(store, cat, network, read_targets_file(targets_file), threshold, district,
                                          routes=not no_routes, label=targets_file)
        else:
            result = svc.compute(store, cat, network, targets, threshold, district, routes=not no_routes)
    except GapsInputError as exc:
        _fail(str(exc))
    if summary_only:
        table = result.summary.copy()
        table["covered_share"] = table["covered_share"].round(4)
    else:
        cols = ["id", "name", "district", "distance_m", "line_id", "conn_lon", "conn_lat", "straight_m", "road_m",
                "route_m", "route_status"]
        table = result.gaps.sort_values("distance_m", ascending=False)[cols + ["geometry"]]
        for col in ("distance_m", "straight_m", "road_m", "route_m"):
            table[col] = table[col].round(1)
    if fmt == "geojson":
        if summary_only:
            _fail("--summary has no geometry; use --format table, csv or json")
        sys.stdout.write(to_geojson(table).decode("utf-8") + "\n")
    elif fmt == "csv":
        sys.stdout.write(to_csv(table).decode("utf-8-sig"))
    elif fmt == "json":
        out = table.drop(columns="geometry", errors="ignore")
        click.echo(out.to_json(orient="records", force_ascii=False, indent=2))
    else:
        out = table.drop(columns=["geometry", "conn_lon", "conn_lat"], errors="ignore")
        click.echo(out.to_string(index=False) if len(out) else "(no gaps)")
        if not summary_only:
            s = result.summary.iloc[-1]
            click.echo(f"\n{int(s['gaps'])} gaps of {int(s['targets'])} targets at {result.threshold_m:g} m "
                       f"from {result.network}")


def register(main) -> None:
    main.add_command(gaps)
