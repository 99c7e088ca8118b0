"""``geoworks serve``: the web app under waitress (or Flask's development server)."""

from __future__ import annotations

import click

from geoworks.config import number


@click.command("serve")
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


def register(main: click.Group) -> None:
    """Add ``serve`` to the geoworks CLI group ``main``."""
    main.add_command(serve)
