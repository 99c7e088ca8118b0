"""Commands: import, import-osm, batches, rollback, user (registered on the geoworks CLI)."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

import click

from geoworks.catalogue import default_catalogue
from geoworks.cli.output import emit, fail, open_configured_store
from geoworks.config import load_config, setting

PROGRESS_MIN = 5000  # features: show progress bars above this


def _user() -> str:
    return str(setting(load_config(), "GEOWORKS_USER") or getpass.getuser() or "cli")


class _Bars:
    """tqdm bars per stage, shown only for large imports."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=stage, unit="feat", file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _report(report) -> None:
    for line in report.lines():
        click.echo(line, err=line.startswith("error"))
    click.echo(report.summary())


def _check_duplicate(store, file: str, layers: list[str], label: str) -> None:
    """Fail before any work when the same file was already imported into one of ``layers``."""
    from geoworks.importers.batches import DuplicateImport, check_duplicate
    from geoworks.io.readers import file_checksum

    try:
        check_duplicate(store.read_table("batches"), file_checksum(file), layers, label)
    except DuplicateImport as exc:
        fail(str(exc))


def _commit(store, cat, items, label: str, force: bool, bars: _Bars) -> None:
    from geoworks.importers import BatchError, commit
    from geoworks.storage import StoreError

    try:
        row = commit(store, cat, items, _user(), label, force=force, progress=bars)
    except (BatchError, StoreError, OSError) as exc:
        bars.close()
        fail(f"{exc} (the store is unchanged)" if not isinstance(exc, BatchError) else str(exc))
    bars.close()
    click.echo(
        f"batch {row['id']}: {row['features']} features into {row['layer']} "
        f"({row['skipped']} skipped, {row['repaired']} repaired)"
    )


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--layer", required=True, help="Layer id, or 'districts' to replace the district polygons.")
@click.option("--crs", help="CRS of a file that declares none, e.g. EPSG:32643.")
@click.option("--source-layer", help="Layer inside a GeoPackage/KML, or Shapefile inside a zip.")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Map a file column to a work field (name, status, start_date, end_date, year, contractor, source_id).",
)
@click.option("--name-field", help="District name column (with --layer districts).")
@click.option(
    "--strict", is_flag=True, help="Reject invalid geometries and missing geometries instead of repairing/skipping."
)
@click.option(
    "--outside",
    type=click.Choice(["skip", "reject", "keep"]),
    default="skip",
    show_default=True,
    help="Features far outside the city: skip them (warned), reject the file, or keep them.",
)
@click.option("--force", is_flag=True, help="Import a file again although the same file (checksum) was imported.")
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
def import_cmd(
    file: str,
    layer: str,
    crs: str | None,
    source_layer: str | None,
    maps: tuple[str, ...],
    name_field: str | None,
    strict: bool,
    outside: str,
    force: bool,
    dry_run: bool,
) -> None:
    """Import FILE (GeoJSON, GeoPackage, Shapefile .shp/.zip, GeoParquet, CSV, KML) as one batch."""
    from geoworks.importers import Options, prepare
    from geoworks.importers.columns import MappingError, parse_map_options

    cat = default_catalogue()
    if layer != "districts" and layer not in cat.layers:
        fail(f"unknown layer '{layer}'; known: districts, {', '.join(cat.layers)}")
    if not os.path.isfile(file):
        fail(f"{file}: file not found")
    try:
        mapping = parse_map_options(maps)
    except MappingError as exc:
        fail(str(exc))
    store = open_configured_store()
    label = os.path.basename(file)
    if not force and not dry_run:
        _check_duplicate(store, file, [layer], label)
    opts = Options(
        crs=crs, source_layer=source_layer, mapping=mapping, strict=strict, outside=outside, name_field=name_field
    )
    bars = _Bars()
    districts = None if layer == "districts" or store.is_empty() else store.read_layer("districts")
    prepared = prepare(file, layer, cat, districts, opts, progress=bars, label=label)
    _report(prepared.report)
    if not prepared.ok:
        bars.close()
        fail(f"{label}: not imported; the store is unchanged")
    if dry_run:
        click.echo("dry run: nothing written")
        return
    _commit(store, cat, [prepared], label, force, bars)


@click.command("import-osm")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(dir_okay=False),
    help="Tag -> layer mapping JSON (default: layers/osm-mapping.json).",
)
@click.option("--outside", type=click.Choice(["skip", "reject", "keep"]), default="skip", show_default=True)
@click.option("--strict", is_flag=True)
@click.option("--force", is_flag=True, help="Import the same extract again.")
@click.option("--dry-run", is_flag=True)
def import_osm_cmd(file: str, mapping_file: str | None, outside: str, strict: bool, force: bool, dry_run: bool) -> None:
    """Import an OpenStreetMap extract (.osm.pbf) into the layers its tags map to, as one batch."""
    from geoworks.importers import Options, prepare_osm

    cat = default_catalogue()
    if not os.path.isfile(file):
        fail(f"{file}: file not found")
    store = open_configured_store()
    label = os.path.basename(file)
    bars = _Bars()
    districts = None if store.is_empty() else store.read_layer("districts")
    items, report = prepare_osm(
        file,
        cat,
        districts,
        Options(strict=strict, outside=outside),
        mapping_path=mapping_file,
        progress=bars,
        label=label,
    )
    _report(report)
    for item in items:
        if item.features is not None:
            click.echo(f"  {item.layer:12s} {len(item.features):7d} features")
    if not report.ok or not items:
        fail(f"{label}: not imported; the store is unchanged")
    if dry_run:
        click.echo("dry run: nothing written")
        return
    if not force:
        _check_duplicate(store, file, [i.layer for i in items], label)
    _commit(store, cat, items, label, force, bars)


@click.command("batches")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def batches_cmd(fmt: str) -> None:
    """List import batches, newest first."""
    from geoworks.importers import list_batches

    emit(list_batches(open_configured_store()), fmt)


@click.command("rollback")
@click.argument("batch_id")
def rollback_cmd(batch_id: str) -> None:
    """Remove one batch's features (and nothing else)."""
    from geoworks.importers.batches import BatchError, rollback, rollback_summary
    from geoworks.storage import StoreError

    try:
        removed = rollback(open_configured_store(), default_catalogue(), batch_id, _user())
    except BatchError as exc:
        fail(str(exc))
    except (StoreError, OSError) as exc:  # a failed write (disk full, lost database): nothing was changed
        fail(f"{exc} (the store is unchanged)")
    click.echo(rollback_summary(batch_id, removed))


@click.group("user")
def user_group() -> None:
    """Manage web users (resident, engineer, official, admin)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["resident", "engineer", "official", "admin"]), required=True)
@click.option(
    "--password", envvar="GEOWORKS_NEW_PASSWORD", help="Password (default: asked; or $GEOWORKS_NEW_PASSWORD)."
)
def user_add(name: str, role: str, password: str | None) -> None:
    """Create or update user NAME with ROLE."""
    from geoworks.storage.users import UserError, UserStore

    if not password:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        UserStore.from_config(load_config()).set_user(name, password, role)
    except UserError as exc:
        fail(str(exc))
    click.echo(f"user {name} ({role}) saved")


@user_group.command("list")
def user_list() -> None:
    """List users and roles."""
    from geoworks.storage.users import UserStore

    for u in UserStore.from_config(load_config()).list_users():
        click.echo(f"{u['name']:20s} {u['role']:10s} {u['created']}")


@user_group.command("remove")
@click.argument("name")
def user_remove(name: str) -> None:
    """Remove user NAME."""
    from geoworks.storage.users import UserError, UserStore

    try:
        UserStore.from_config(load_config()).remove_user(name)
    except UserError as exc:
        fail(str(exc))
    click.echo(f"user {name} removed")


def register(main: click.Group) -> None:
    """Add these commands to the geoworks CLI group ``main``."""
    for cmd in (import_cmd, import_osm_cmd, batches_cmd, rollback_cmd, user_group):
        main.add_command(cmd)
