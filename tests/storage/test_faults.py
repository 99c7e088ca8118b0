"""Faults on both backends: SIGKILL during a rollback, two imports into one layer at once, a disk that fills up
while an import or a rollback writes. Each time nothing is lost or duplicated and the store stays consistent
(its rows, or its totals, are what they were before, or exactly what the successful writes made them).

SIGKILL during an import: tests/importers/test_import_sigkill.py (GeoPackage), tests/storage/test_postgis_kill.py.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from geoworks.cli import main
from tests.helpers.backends import config_for, database_for
from tests.helpers.imports import many_lines, store_fingerprint

ROOT = Path(__file__).resolve().parents[2]


def cli(data_dir: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={**config_for(data_dir), "GEOWORKS_USER": "faults"})
    return result.exit_code, result.output


def totals(data_dir: Path) -> list[dict]:
    code, out = cli(data_dir, "totals", "--format", "json")
    assert code == 0, out
    return json.loads(out)


def layer_ids(data_dir: Path, layer: str) -> list[str]:
    from geoworks.storage import open_store

    return [str(i) for i in open_store(config_for(data_dir)).read_layer(layer)["id"]]


def batch_ids(data_dir: Path) -> list[str]:
    from geoworks.storage import open_store

    return [str(b) for b in open_store(config_for(data_dir)).read_table("batches")["id"]]


def write_lines(path: Path, n: int, seed: int) -> Path:
    many_lines(n, seed).to_parquet(path)
    return path


def spawn(data_dir: Path, *args: str, **popen) -> subprocess.Popen:
    env = dict(os.environ, **config_for(data_dir), GEOWORKS_USER="faults")
    return subprocess.Popen(
        [sys.executable, "-m", "geoworks", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


# --- SIGKILL during a rollback -----------------------------------------------------------------------------


def _gpkg_writing(data_dir: Path) -> Callable[[], bool]:
    """True once the rollback's private copy of the store is complete (it is deleting the batch in it)."""
    size = (data_dir / "geoworks.gpkg").stat().st_size

    def writing() -> bool:
        for tmp in data_dir.glob(".tmp-*-geoworks.gpkg"):
            try:
                return tmp.stat().st_size >= size
            except FileNotFoundError:
                return False
        return False

    return writing


def _pg_writing(url: str) -> Callable[[], bool]:
    """True once the rollback's database transaction has written (it holds a transaction id)."""
    import psycopg

    watcher = psycopg.connect(url, autocommit=True)

    def writing() -> bool:
        row = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        ).fetchone()
        return bool(row and row[0])

    writing.close = watcher.close  # type: ignore[attr-defined]
    return writing


def _kill_while(proc: subprocess.Popen, writing: Callable[[], bool], seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        if writing():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            return True
        time.sleep(0.005)
    proc.wait(timeout=30)
    return False


def test_sigkill_during_a_rollback_leaves_the_store_as_it_was(demo_copy, tmp_path):
    before_import = totals(demo_copy)
    code, out = cli(demo_copy, "import", str(write_lines(tmp_path / "big.parquet", 60_000, 7)), "--layer", "gas")
    assert code == 0, out
    batch = out.split("batch ", 1)[1].split(":", 1)[0]
    before = store_fingerprint(demo_copy)
    url = database_for(demo_copy)
    writing = _pg_writing(url) if url else _gpkg_writing(demo_copy)
    try:
        proc = spawn(demo_copy, "rollback", batch)
        killed = _kill_while(proc, writing)
    finally:
        getattr(writing, "close", lambda: None)()
    if not killed:
        pytest.fail(f"the rollback ended before it could be killed (rc {proc.returncode}): {proc.stderr.read()[-500:]}")
    assert proc.returncode == -signal.SIGKILL
    if url:  # the server notices the dead connection and rolls its transaction back
        time.sleep(0.5)
    assert store_fingerprint(demo_copy) == before  # the batch is still there, whole
    # the rollback run again completes: the totals are those from before the import
    code, out = cli(demo_copy, "rollback", batch)
    assert code == 0 and f"batch {batch} rolled back: gas -60000" in out, out
    assert totals(demo_copy) == before_import


# --- two imports into one layer at once ---------------------------------------------------------------------


def test_two_concurrent_imports_into_one_layer_both_land_once(demo_copy, tmp_path):
    start_ids = layer_ids(demo_copy, "roads")
    files = [write_lines(tmp_path / f"part{i}.parquet", 20_000, seed=10 + i) for i in range(2)]
    procs = [spawn(demo_copy, "import", str(f), "--layer", "roads") for f in files]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-800:]
    ids = layer_ids(demo_copy, "roads")
    assert len(ids) == len(start_ids) + 40_000 and len(set(ids)) == len(ids)  # nothing lost, nothing twice
    new = [b.split(":", 1)[0] for out, _ in outs for b in out.split("batch ")[1:]]
    assert len(new) == 2 and set(new) <= set(batch_ids(demo_copy))
    for b in new:
        assert sum(i.startswith(b + "-") for i in ids) == 20_000


def test_the_same_file_imported_twice_at_once_lands_once(demo_copy, tmp_path):
    start = len(layer_ids(demo_copy, "roads"))
    f = write_lines(tmp_path / "same.parquet", 20_000, seed=3)
    procs = [spawn(demo_copy, "import", str(f), "--layer", "roads") for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    refused = next(err for p, (_, err) in zip(procs, outs) if p.returncode == 2)
    assert "already imported" in refused and "--force" in refused
    assert len(layer_ids(demo_copy, "roads")) == start + 20_000


# --- a disk that fills up mid-write -------------------------------------------------------------------------


def _full_disk_after(monkeypatch, writes: int) -> None:
    """Every write method of both backends' transactions counts; the one after ``writes`` raises ENOSPC."""
    from geoworks.storage.gpkg import _Tx
    from geoworks.storage.pgwrite import PgTransaction

    done, depth = [0], [0]  # writes made; calls in progress (a write made inside another does not count)
    for cls in (_Tx, PgTransaction):
        for name in ("write_layer", "append_layer", "write_table", "delete_where"):
            real = getattr(cls, name)

            def failing(self, *args, _real=real, **kwargs):
                if depth[0] == 0:
                    if done[0] >= writes:
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    done[0] += 1
                depth[0] += 1
                try:
                    return _real(self, *args, **kwargs)
                finally:
                    depth[0] -= 1

            monkeypatch.setattr(cls, name, failing)


def test_a_full_disk_during_an_import_changes_nothing(demo_copy, tmp_path, monkeypatch):
    before, before_totals = store_fingerprint(demo_copy), totals(demo_copy)
    f = write_lines(tmp_path / "lines.parquet", 5_000, seed=5)
    _full_disk_after(monkeypatch, writes=1)  # the features are written, the batch record is not
    code, out = cli(demo_copy, "import", str(f), "--layer", "roads")
    assert code == 2 and "No space left on device" in out and "the store is unchanged" in out, out
    monkeypatch.undo()
    assert store_fingerprint(demo_copy) == before and totals(demo_copy) == before_totals
    code, out = cli(demo_copy, "import", str(f), "--layer", "roads")  # room again: the same file goes in
    assert code == 0, out


def test_a_full_disk_during_a_rollback_changes_nothing(demo_copy, tmp_path, monkeypatch):
    code, out = cli(demo_copy, "import", str(write_lines(tmp_path / "l.parquet", 5_000, seed=6)), "--layer", "roads")
    assert code == 0, out
    batch = out.split("batch ", 1)[1].split(":", 1)[0]
    before, before_totals = store_fingerprint(demo_copy), totals(demo_copy)
    _full_disk_after(monkeypatch, writes=1)  # the features are deleted, the batch's new status is not written
    code, out = cli(demo_copy, "rollback", batch)
    assert code == 2 and "No space left on device" in out and "the store is unchanged" in out, out
    monkeypatch.undo()
    assert store_fingerprint(demo_copy) == before and totals(demo_copy) == before_totals
    code, out = cli(demo_copy, "rollback", batch)
    assert code == 0 and "roads -5000" in out, out


@pytest.mark.parametrize("backend", ["gpkg"], indirect=True)  # a file size limit only bites a file store
def test_a_file_size_limit_hit_mid_import_changes_nothing(demo_copy, tmp_path):
    """A real failing write (EFBIG from RLIMIT_FSIZE, the process' own 'disk full'): the private copy of the
    store fits under the limit, the new features do not."""
    before = store_fingerprint(demo_copy)
    limit = (demo_copy / "geoworks.gpkg").stat().st_size + 256 * 1024

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    f = write_lines(tmp_path / "lines.parquet", 50_000, seed=8)
    proc = spawn(demo_copy, "import", str(f), "--layer", "roads", preexec_fn=limited)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2 and "the store is unchanged" in err, err[-800:]
    assert store_fingerprint(demo_copy) == before
    assert not list(demo_copy.glob(".tmp-*"))  # the failed writer cleaned up its private copy
