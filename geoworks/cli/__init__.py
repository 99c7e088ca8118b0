"""The geoworks command line: one click group; each command family lives in its own module of this
package (data, imports, verify, plan, serve, db) and is added to the group here."""

from __future__ import annotations

import click

from geoworks.catalogue import CatalogueError, default_catalogue
from geoworks.cli.output import fail


@click.group()
@click.version_option(package_name="geoworks")
def main() -> None:
    """geoworks: measure, verify and map a city's infrastructure works per district."""
    try:
        default_catalogue()
    except CatalogueError as exc:
        fail(f"layer catalogue: {exc}")


from geoworks.cli import data, db, imports, plan, requests, serve, verify  # noqa: E402  (the commands need ``main`` defined)

for _module in (data, imports, verify, plan, serve, db, requests):
    _module.register(main)

if __name__ == "__main__":  # pragma: no cover
    main()
