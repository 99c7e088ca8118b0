"""Shared fixtures: a demo store built once per session, small geometries, ../shared paths."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GEOWORKS_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"


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
