"""Shared fixtures: a demo store built once per session, small geometries, ../shared paths."""

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
def demo_dir(tmp_path_factory, catalogue):
    """A data directory holding the demo set (seed 2019); read-only for tests."""
    from geoworks.demo import write_demo
    from geoworks.storage import open_store

    path = tmp_path_factory.mktemp("demo-store")
    write_demo(open_store({"GEOWORKS_DATA_DIR": str(path)}), catalogue, 2019)
    return path


@pytest.fixture(scope="session")
def demo_store(demo_dir):
    from geoworks.storage import open_store

    return open_store({"GEOWORKS_DATA_DIR": str(demo_dir)})


@pytest.fixture
def demo_copy(demo_dir, tmp_path):
    """A private copy of the demo data directory, for tests that write."""
    import shutil

    target = tmp_path / "store"
    shutil.copytree(demo_dir, target)
    return target


@pytest.fixture(scope="session")
def app(demo_dir):
    from geoworks.web import create_app

    return create_app({"TESTING": True, "GEOWORKS_DATA_DIR": str(demo_dir)})


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

    server = LiveServer(create_app({"TESTING": True, "GEOWORKS_DATA_DIR": str(demo_dir), "GEOWORKS_TILES": "none"}))
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
    yield pg
    context.close()


def screenshot(pg, name: str) -> Path:
    """Save a screenshot under test-output/screenshots/."""
    path = OUTPUT / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(path), full_page=True)
    return path
