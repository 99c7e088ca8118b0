"""Killing an import with SIGKILL halfway leaves the store exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.backends import config_for
from tests.helpers.imports import many_lines, store_fingerprint

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)  # PostGIS: tests/storage/test_postgis_kill.py
def test_sigkill_midway_leaves_store_unchanged(demo_copy, tmp_path):
    big = tmp_path / "big.parquet"
    many_lines(150_000).to_parquet(big)
    before = store_fingerprint(demo_copy)
    store_size = (demo_copy / "geoworks.gpkg").stat().st_size
    env = dict(os.environ, GEOWORKS_DATA_DIR=str(demo_copy), GEOWORKS_USER="killer")
    proc = subprocess.Popen(
        [sys.executable, "-m", "geoworks", "import", str(big), "--layer", "gas"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    killed_while_writing = False
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        tmps = list(demo_copy.glob(".tmp-*-geoworks.gpkg"))
        if tmps:
            try:
                grown = tmps[0].stat().st_size > store_size + 1_000_000
            except FileNotFoundError:
                grown = False
            if grown:  # the transaction's private copy is being written: kill now
                os.kill(proc.pid, signal.SIGKILL)
                killed_while_writing = True
                break
        time.sleep(0.02)
    proc.wait(timeout=30)
    if not killed_while_writing:
        pytest.fail(
            f"the import ended before it could be killed mid-write (rc {proc.returncode}): "
            f"{proc.stderr.read().decode()[-500:]}"
        )
    assert proc.returncode == -signal.SIGKILL
    assert store_fingerprint(demo_copy) == before
    # the next writer cleans the dead one's private copy and commits normally
    from click.testing import CliRunner

    from geoworks.cli import main
    from tests.helpers.imports import works_frame

    small, _ = works_frame(2)
    p = tmp_path / "after.geojson"
    small.to_file(p)
    result = CliRunner().invoke(main, ["import", str(p), "--layer", "roads"], env=config_for(demo_copy))
    assert result.exit_code == 0, result.output
    assert not list(demo_copy.glob(".tmp-*"))
