"""The malformed-input corpus (tests/helpers/malformed.py) through both ways in: every file is refused by
``geoworks import`` (exit code 2) and by the web upload (4xx), with a message naming the file (and the
feature and field where there is one), and the store is left exactly as it was.

One store per backend is shared by the whole module (a copy of the demo store); the files are made once
per session. After each case the store's version (and, for the GeoPackage, its file's bytes) must be
unchanged; at the end every table's rows too.
"""

from __future__ import annotations

import hashlib
import html
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from geoworks.cli import main
from tests.helpers.backends import config_for, database_for, install_users
from tests.helpers.imports import store_fingerprint
from tests.helpers.malformed import CASES, Case, build_corpus
from tests.web.test_auth_roles import csrf, login, users_template  # noqa: F401  (fixture)

WEB_LIMIT_MB = 40  # the 1 000 000-vertex line is about 20 MB: it must reach validation


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("malformed"))


@pytest.fixture(scope="module")
def shared(demo_dir, stores, tmp_path_factory, users_template):  # noqa: F811
    """(data dir, web client logged in as an engineer, the store's fingerprint before any case)."""
    from geoworks.web import create_app

    target = tmp_path_factory.mktemp("corpus-store") / "store"
    stores.copy(demo_dir, target)
    install_users(users_template, target)
    app = create_app({"TESTING": True, **config_for(target), "GEOWORKS_MAX_UPLOAD_MB": WEB_LIMIT_MB})
    client = app.test_client()
    assert login(client, "erik").status_code == 302
    yield target, client, store_fingerprint(target)
    stores.release(target)


def _state(data_dir: Path) -> tuple[str, str]:
    """The store's version and (GeoPackage) the sha256 of its file: cheap enough after every case."""
    from geoworks.storage import open_store

    version = open_store(config_for(data_dir)).version()
    if database_for(data_dir):
        return version, ""
    return version, hashlib.sha256((Path(data_dir) / "geoworks.gpkg").read_bytes()).hexdigest()


def _said(text: str, case: Case, label: str) -> None:
    assert label in text, text[-2000:]
    for word in case.words:
        assert word in text, f"{case.name}: '{word}' not in: {text[-2000:]}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_refuses(case, corpus, shared):
    data_dir, _, _ = shared
    before = _state(data_dir)
    args = ["import", str(corpus[case.name]), "--layer", case.layer]
    args += ["--strict"] if case.options.get("strict") else []
    args += ["--crs", case.options["crs"]] if case.options.get("crs") else []
    result = CliRunner().invoke(main, args, env={**config_for(data_dir), "GEOWORKS_USER": "tester"})
    assert result.exit_code == 2, result.output
    errors = "\n".join(line for line in result.output.splitlines() if line.startswith("error"))
    _said(errors, case, case.name)
    assert str(corpus[case.name].parent) not in result.output  # no server path in any message
    assert _state(data_dir) == before


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_web_upload_refuses(case, corpus, shared):
    data_dir, client, _ = shared
    before = _state(data_dir)
    form = {
        "csrf_token": csrf(client, "/upload/"),
        "layer": case.layer,
        "outside": "skip",
        "crs": case.options.get("crs", ""),
        "file": (io.BytesIO(corpus[case.name].read_bytes()), case.name),
    }
    if case.options.get("strict"):
        form["strict"] = "y"
    res = client.post("/upload/", data=form, content_type="multipart/form-data")
    text = html.unescape(res.get_data(as_text=True))
    assert 400 <= res.status_code < 500, (res.status_code, text[-1500:])
    assert 'id="commit-form"' not in text
    if case.web:
        _said(text, case, case.name)
    else:
        assert f"{case.name}: unsupported file type" in text
    assert str(data_dir) not in text and "/uploads/" not in text  # no server path
    assert _state(data_dir) == before
    assert not any((Path(data_dir) / "uploads").glob("*/" + case.name))  # a refused file is deleted at once


def test_every_table_is_unchanged(shared):
    """Runs after the cases of its backend (pytest keeps the module's order): every table, row by row."""
    data_dir, _, fingerprint = shared
    assert store_fingerprint(data_dir) == fingerprint


def test_corpus_is_large_enough():
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)
