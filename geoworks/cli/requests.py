"""Commands on residents' requests: ``geoworks requests summary``, ``import``, ``imports`` and ``rollback``."""

from __future__ import annotations

import json

import click
import pandas as pd

from geoworks import clock
from geoworks.catalogue import default_catalogue
from geoworks.cli.output import emit, fail, open_configured_store
from geoworks.config import load_config, setting


def _user() -> str:
    import getpass

    return str(setting(load_config(), "GEOWORKS_USER") or getpass.getuser() or "cli")


@click.group("requests")
def requests_group() -> None:
    """Residents' requests: figures like the report's, importing a meeting's questions."""
    if default_catalogue().requests is None:
        fail("residents' requests are not defined (layers/requests.json is missing)")


@requests_group.command("summary")
@click.option("--round", "round_", type=int, help="Meeting round (e.g. 1).")
@click.option("--district", help="District slug or name.")
@click.option("--topic", help="Topic id or name.")
@click.option("--source", help="meeting, web or phone.")
@click.option("--from", "date_from", help="Received on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Received on or before (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="en", show_default=True, help="District names.")
def summary_command(round_, district, topic, source, date_from, date_to, fmt, lang) -> None:
    """Requests per district and status, the shares satisfied / explained / needs time, on the spot, in an
    action plan, linked to works, median days to satisfied."""
    from geoworks.params import ParamError
    from geoworks.residents.index import RequestsIndex
    from geoworks.residents.query import parse_filter
    from geoworks.residents.summary import district_rows, summary, summary_text

    cat = default_catalogue()
    args = {"round": round_, "district": district, "topic": topic, "source": source, "from": date_from}
    args["to"] = date_to
    try:
        f = parse_filter({k: str(v) for k, v in args.items() if v is not None}, cat)
    except ParamError as exc:
        fail(str(exc))
    data = summary(RequestsIndex.from_store(open_configured_store(), cat), cat, f)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        emit(pd.DataFrame(district_rows(data, cat, lang)), "csv")
    else:
        click.echo(summary_text(data, cat, lang))


@requests_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--round", "round_", type=int, help="Meeting round, for rows that do not say.")
@click.option("--meeting-date", help="Meeting date (YYYY-MM-DD), for rows that do not say; also their received date.")
@click.option("--source", default="meeting", show_default=True, help="meeting, web or phone, for rows that do not say.")
@click.option("--district", help="District of the meeting: picks among same-named streets, for rows that do not say.")
@click.option("--dry-run", is_flag=True, help="Check the file and store nothing.")
@click.option("--force", is_flag=True, help="Import a file that was imported before.")
def import_command(file, round_, meeting_date, source, district, dry_run, force) -> None:
    """Import a meeting's questions from CSV or XLSX: every row checked, all stored in one transaction or none."""
    from geoworks.near.index import NearIndex
    from geoworks.near.streets import StreetIndex
    from geoworks.residents.importer import error_lines, read_requests, store_import
    from geoworks.residents.model import RequestError

    cat, store = default_catalogue(), open_configured_store()
    if store.is_empty():
        fail(f"the store is empty ({store.describe()}); run 'geoworks demo' or import the districts first")
    cfg = load_config()
    defaults = {"round": round_, "meeting_date": meeting_date, "received": meeting_date, "source": source}
    defaults["district"] = district
    streets = StreetIndex.from_near_index(NearIndex.from_store(store, cat))
    result = read_requests(
        file, cat, store.read_layer("districts"), clock.today(cfg), streets=streets, store=store, defaults=defaults
    )
    if result.errors:
        for line in error_lines(result):
            click.echo(f"error: {line}", err=True)
        fail(f"{result.file}: {len(result.errors)} problems; nothing stored")
    if dry_run:
        click.echo(f"{result.file}: {len(result.requests)} requests checked, nothing stored (--dry-run)")
        return
    try:
        import_id, ids = store_import(store, cat, result, _user(), clock.now(cfg), force=force)
    except RequestError as exc:
        fail(exc.message)
    click.echo(f"import {import_id}: {len(ids)} requests stored from {result.file}")


@requests_group.command("imports")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def imports_command(fmt) -> None:
    """Every import of requests, newest first."""
    from geoworks.residents.model import IMPORT_COLUMNS, IMPORTS

    table = open_configured_store().read_table(IMPORTS)
    table = pd.DataFrame(columns=IMPORT_COLUMNS) if not len(table) else table.sort_values("created", ascending=False)
    emit(table, fmt)


@requests_group.command("rollback")
@click.argument("import_id")
@click.option("--force", is_flag=True, help="Also when officials changed some of its requests since.")
def rollback_command(import_id, force) -> None:
    """Remove one import's requests (with their events and contacts) in one transaction."""
    from geoworks.residents.model import RequestError
    from geoworks.residents.records import rollback_import

    try:
        n = rollback_import(open_configured_store(), import_id, _user(), clock.now(load_config()), force=force)
    except RequestError as exc:
        fail(exc.message)
    click.echo(f"import {import_id} rolled back: {n} requests removed")


def register(main: click.Group) -> None:
    """Add the ``requests`` group to the geoworks CLI group ``main``."""
    main.add_command(requests_group)
