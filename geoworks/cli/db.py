"""``geoworks db``: create or upgrade the store's database schema, and show its state."""

from __future__ import annotations

import click

from geoworks.cli.output import fail, open_configured_store


@click.group("db")
def db() -> None:
    """The store's database (PostGIS: GEOWORKS_DATABASE_URL; the GeoPackage store needs no schema)."""


@db.command("init")
def init() -> None:
    """Create the schema, or apply the upgrades it lacks (each once, in order); safe to run again."""
    from geoworks.storage import StoreError

    store = open_configured_store()
    try:
        applied = store.init()
        have, need = store.schema_version()
    except StoreError as exc:
        fail(str(exc))
    for step in applied:
        click.echo(f"applied upgrade {step}")
    if need == 0:
        click.echo(f"{store.describe()}: no schema to create (the store is made by its first write)")
    else:
        click.echo(f"{store.describe()}: schema at version {have}" + ("" if applied else " (up to date)"))


@db.command("status")
def status() -> None:
    """The store, its schema version, data version and tables with their row counts."""
    from geoworks.storage import StoreError

    store = open_configured_store()
    try:
        have, need = store.schema_version()
        version = store.version()
        tables = {name: store.count(name) for name in sorted(store.layer_names())}
    except StoreError as exc:
        fail(str(exc))
    click.echo(store.describe())
    if need:
        state = "up to date" if have == need else "missing: run 'geoworks db init'" if have == 0 else "needs upgrading"
        click.echo(f"schema version {have} (this geoworks needs {need}: {state})")
    click.echo(f"data version {version}")
    for name, n in tables.items():
        click.echo(f"  {name:20s} {n:9d}")


def register(main: click.Group) -> None:
    """Add ``db`` to the geoworks CLI group ``main``."""
    main.add_command(db)
