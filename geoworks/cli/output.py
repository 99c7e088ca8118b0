"""What every command shares: the store from the config, output formats, and failing with exit code 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
import pandas as pd

from geoworks.config import load_config
from geoworks.storage import Store, open_store

FORMATS = click.Choice(["table", "csv", "json"])


def open_configured_store() -> Store:
    """The store named by the configuration (GEOWORKS_* environment variables)."""
    return open_store(load_config())


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` on standard error and exit with ``code`` (2: bad input)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def emit(df: pd.DataFrame, fmt: str) -> None:
    """``df`` on standard output as a table, CSV (formula-safe, UTF-8 without BOM) or JSON records."""
    from geoworks.io.exports import to_csv

    if fmt == "csv":
        click.echo(to_csv(df).decode("utf-8-sig"), nl=False)
    elif fmt == "json":
        click.echo(df.to_json(orient="records", force_ascii=False, indent=2))
    else:
        click.echo(df.to_string(index=False) if len(df) else "(no rows)")
