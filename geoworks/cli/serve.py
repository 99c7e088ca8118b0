"""``geoworks serve``: the web app under waitress, under gunicorn with several worker processes
(``--workers N``), or under Flask's development server (``--debug``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import click

from geoworks.config import load_config, number

WORKER_HEADER = "X-Geoworks-Worker"  # with --workers N: the process id of the worker that answered


def _worker_header(app: Callable) -> Callable:
    """Wrap a WSGI app so that every answer names the worker process (for operators and tests)."""
    pid = str(os.getpid())

    def wrapped(environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list, exc_info: object = None) -> Callable:
            return start_response(status, [*headers, (WORKER_HEADER, pid)], exc_info)

        return app(environ, start)

    return wrapped


def _ensure_secret_key(config: dict) -> None:
    """Create the shared secret key file once, before the workers start (they all read it)."""
    from flask import Flask

    from geoworks.web.security import secret_key

    probe = Flask("geoworks")
    probe.config.update(config)
    secret_key(probe)


def run_workers(host: str, port: int, workers: int, threads: int) -> None:
    """Serve with gunicorn: ``workers`` processes of ``threads`` threads, each creating its own app
    (``geoworks.web:create_app()``) and its own database connections after the fork."""
    from gunicorn.app.base import BaseApplication

    class Gunicorn(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": 120,
                "graceful_timeout": 30,
                "keepalive": 5,
                "accesslog": None,
                "control_socket_disable": True,  # gunicorn >= 24: no shared control socket in the home folder
            }.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Callable:
            from geoworks.web import create_app

            return _worker_header(create_app())

    Gunicorn().run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes (default GEOWORKS_WORKERS, 1). More than one run under gunicorn; "
    "they share one store, so use the PostGIS store (GEOWORKS_DATABASE_URL).",
)
@click.option("--debug", is_flag=True, help="Flask's debug server with reloader.")
def serve(host: str, port: int, workers: int | None, debug: bool) -> None:
    """Serve the web app (waitress; --workers N for gunicorn; --debug for Flask's development server)."""
    from geoworks.storage import open_store

    config = load_config()
    count = int(workers if workers is not None else number(config, "GEOWORKS_WORKERS"))
    threads = int(number(config, "GEOWORKS_THREADS"))
    if count < 1:
        raise click.BadParameter("must be at least 1", param_hint="--workers")
    if count > 1 and not debug:
        _ensure_secret_key(config)
        per_worker = int(number(config, "GEOWORKS_WORKER_THREADS"))
        click.echo(
            f"geoworks on http://{host}:{port}/ ({count} workers x {per_worker} threads; "
            f"data: {open_store(config).describe()})"
        )
        run_workers(host, port, count, per_worker)
        return
    from geoworks.web import create_app

    app = create_app()
    click.echo(f"geoworks on http://{host}:{port}/ (data: {app.extensions['geoworks'].store.describe()})")
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        from waitress import serve as waitress_serve

        waitress_serve(app, host=host, port=port, threads=threads)


def register(main: click.Group) -> None:
    """Add ``serve`` to the geoworks CLI group ``main``."""
    main.add_command(serve)
