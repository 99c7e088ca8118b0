"""Shared fixtures: a demo store built once per session on each backend, small geometries, ../shared paths.

Every fixture that holds a store (``demo_dir``, ``demo_store``, ``demo_copy``, ``app``, ``stores``,
``store_config``) is parametrised by ``backend``: "gpkg" (the embedded GeoPackage) and "postgis" (a
database per test store on the server of GEOWORKS_TEST_DATABASE_URL; skipped, with the reason, when
it is not set). Tests name a store by its data directory; ``store_config(path)`` (or
``stores.config(path)`` in wider-scoped fixtures) gives the configuration that opens it.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GEOWORKS_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"

# One clock for the whole suite: everything that compares with "now" reads GEOWORKS_TODAY
# (geoworks.clock), so the suite gives the same result on any day of the real calendar.
TODAY = "2026-06-15"
os.environ["GEOWORKS_TODAY"] = TODAY
# the store of each test is chosen by its fixtures: a developer's own database never leaks into the suite
os.environ.pop("GEOWORKS_DATABASE_URL", None)
os.environ.pop("GEOWORKS_STORE", None)
POSTGIS_MISSING = (
    "no PostgreSQL/PostGIS server for the tests: set GEOWORKS_TEST_DATABASE_URL=postgresql://user@host:port/postgres "
    "(a role that may create databases; README, 'Tests and benchmarks')"
)


def _uses(func, name: str) -> bool:
    try:
        return name in inspect.getsource(func)
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(config, items):
    """Mark what a test needs, so that ``-m "not browser"`` or ``-m "not shared"`` leaves it out:
    ``browser`` for tests driving chromium, ``shared`` for tests (or their fixtures) reading ../shared."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "browser" in names or "page" in names:
            item.add_marker(pytest.mark.browser)
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        funcs = [getattr(item, "function", None)] + [d.func for ds in defs.values() for d in ds]
        if any(f is not None and _uses(f, "shared_file(") for f in funcs):
            item.add_marker(pytest.mark.shared)


def pytest_terminal_summary(terminalreporter):
    """Without a PostgreSQL server, every PostGIS test is skipped for the same reason: say it once, with the count."""
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and len(longrepr) == 3 and POSTGIS_MISSING in str(longrepr[2]):
            report.longrepr = ("tests/conftest.py", _PG_SERVER_LINE, longrepr[2])


def shared_file(*parts: str) -> Path:
    """A file under ../shared; the test is skipped, with the reason, when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} is absent (../shared is not checked out here)")
    return path


@pytest.fixture(scope="session")
def catalogue():
    from geoworks.catalogue import default_catalogue

    return default_catalogue()


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL/PostGIS server of GEOWORKS_TEST_DATABASE_URL; the test is skipped without one."""
    from tests.helpers.backends import ENV, Server

    url = os.environ.get(ENV)
    if not url:
        pytest.skip(POSTGIS_MISSING)
    server = Server(url)
    yield server
    server.close()


_PG_SERVER_LINE = inspect.getsourcelines(pg_server)[1]


@pytest.fixture(scope="session", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def backend(request) -> str:
    """The storage backend of the test: "gpkg" or "postgis"."""
    return request.param


@pytest.fixture(scope="session")
def stores(backend, request):
    """Test stores of this backend, named by data directory (tests.helpers.backends.Stores)."""
    from tests.helpers.backends import Stores

    return Stores(backend, request.getfixturevalue("pg_server") if backend == "postgis" else None)


@pytest.fixture
def store_config(stores):
    """``store_config(path)``: the config of a test store kept in data directory ``path`` (its database is
    dropped after the test)."""
    made: list = []

    def config(path) -> dict[str, str]:
        from tests.helpers.backends import database_for

        if database_for(path) is None:
            made.append(path)
        return stores.config(path)

    yield config
    for path in made:
        stores.release(path)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory, catalogue, stores):
    """A data directory holding the demo set (seed 2019); read-only for tests."""
    from geoworks.demo import write_demo
    from geoworks.storage import open_store

    path = tmp_path_factory.mktemp("demo-store")
    if stores.backend == "postgis":
        stores.demo_template = stores.template(lambda store: write_demo(store, catalogue, 2019), "demo")
        stores.clone(stores.demo_template, path)
    else:
        write_demo(open_store({"GEOWORKS_DATA_DIR": str(path)}), catalogue, 2019)
    return path


@pytest.fixture(scope="session")
def demo_store(demo_dir):
    from geoworks.storage import open_store
    from tests.helpers.backends import config_for

    return open_store(config_for(demo_dir))


@pytest.fixture
def demo_copy(demo_dir, tmp_path, stores):
    """A private copy of the demo data directory (and of its database), for tests that write."""
    target = tmp_path / "store"
    stores.copy(demo_dir, target)
    yield target
    stores.release(target)


@pytest.fixture(scope="session")
def app(demo_dir):
    from geoworks.web import create_app
    from tests.helpers.backends import config_for

    return create_app({"TESTING": True, **config_for(demo_dir)})


@pytest.fixture
def client(app):
    return app.test_client()


# --- a live server and a headless browser, for tests that need a real client ---------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
OUTPUT = ROOT / "test-output"


class LiveServer:
    """A real HTTP server on a free loopback port, serving ``app`` in a thread."""

    def __init__(self, app):
        import threading

        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


def start_live_server(app) -> LiveServer:
    return LiveServer(app)


@pytest.fixture(scope="session")
def live_server(app):
    """The demo app on http://127.0.0.1:<free port>."""
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def offline_server(demo_dir):
    """The demo app without remote map tiles (a plain background: the test machine has no network)."""
    from geoworks.web import create_app
    from tests.helpers.backends import config_for

    server = LiveServer(create_app({"TESTING": True, **config_for(demo_dir), "GEOWORKS_TILES": "none"}))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        # the browser runs on the real clock even when the suite runs under libfaketime (make test-clock):
        # what is checked there is the server's code, and chromium does not start under LD_PRELOAD=libfaketime
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=env)
        yield b
        b.close()


def _polling(pg):
    """``wait_for_function(expression)`` that polls with ``evaluate`` (the pages' Content-Security-Policy has no
    'unsafe-eval', which Playwright's in-page polling needs; ``evaluate`` is not subject to it)."""
    import time

    def wait_for_function(expression: str, arg=None, timeout: float = 30_000, **_ignored):
        deadline = time.monotonic() + timeout / 1000
        while True:
            value = pg.evaluate(expression, arg)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:g} ms waiting for {expression}")
            pg.wait_for_timeout(50)

    return wait_for_function


@pytest.fixture
def page(browser):
    """A fresh browser page that records console errors, page errors and failed requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.problems = []
    pg.on("pageerror", lambda exc: pg.problems.append(f"pageerror: {exc}"))
    pg.on("console", lambda msg: pg.problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    pg.on(
        "requestfailed",
        lambda req: pg.problems.append(f"requestfailed: {req.url}") if req.url.startswith("http://127.0.0.1") else None,
    )
    pg.wait_for_function = _polling(pg)  # the pages' CSP forbids eval, which Playwright's own polling uses
    yield pg
    context.close()


def screenshot(pg, name: str) -> Path:
    """Save a screenshot under test-output/screenshots/."""
    path = OUTPUT / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(path), full_page=True)
    return path
