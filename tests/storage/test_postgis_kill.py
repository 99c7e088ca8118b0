"""Killing an import with SIGKILL while it writes into PostGIS leaves the database exactly as it was:
the import is one database transaction, which the server rolls back when the connection dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from tests.helpers.backends import config_for, database_for, pg_fingerprint
from tests.helpers.imports import many_lines, works_frame

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgis


def _copying(conn: psycopg.Connection, pid_name: str) -> int:
    """Rows copied so far by the import's COPY (0 when none is running)."""
    row = conn.execute(
        "SELECT max(p.tuples_processed) FROM pg_stat_progress_copy p JOIN pg_stat_activity a ON a.pid = p.pid "
        "WHERE a.application_name = %s",
        (pid_name,),
    ).fetchone()
    return int(row[0] or 0) if row else 0


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_sigkill_midway_leaves_the_database_unchanged(demo_copy, tmp_path):
    url = database_for(demo_copy)
    big = tmp_path / "big.parquet"
    many_lines(150_000).to_parquet(big)
    before = pg_fingerprint(url)
    env = dict(os.environ, **config_for(demo_copy), GEOWORKS_USER="killer")
    proc = subprocess.Popen(
        [sys.executable, "-m", "geoworks", "import", str(big), "--layer", "gas"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    killed_while_writing = False
    deadline = time.monotonic() + 120
    with psycopg.connect(url, autocommit=True) as watcher:
        while proc.poll() is None and time.monotonic() < deadline:
            if _copying(watcher, "geoworks") > 30_000:  # the transaction is copying the features in: kill now
                os.kill(proc.pid, signal.SIGKILL)
                killed_while_writing = True
                break
            time.sleep(0.02)
        proc.wait(timeout=30)
        if not killed_while_writing:
            pytest.fail(
                f"the import ended before it could be killed (rc {proc.returncode}): {proc.stderr.read()[-500:]}"
            )
        assert proc.returncode == -signal.SIGKILL
        for _ in range(100):  # the server notices the dead connection and rolls its transaction back
            busy = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state <> 'idle'"
            ).fetchone()[0]
            if not busy:
                break
            time.sleep(0.1)
        tables = [r[0] for r in watcher.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'geoworks_data'")]
    assert pg_fingerprint(url) == before
    assert not [t for t in tables if t.startswith("gw_new_")]  # the private table went with the transaction
    # the next writer is not blocked by the dead one and commits normally
    from geoworks.cli import main

    small, _ = works_frame(2)
    p = tmp_path / "after.geojson"
    small.to_file(p)
    result = CliRunner().invoke(main, ["import", str(p), "--layer", "roads"], env=config_for(demo_copy))
    assert result.exit_code == 0, result.output
    assert pg_fingerprint(url) != before
