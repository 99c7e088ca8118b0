"""The PostGIS store itself: schema upgrades, the data version, isolation between processes,
the spatial index in filtered reads, users in the database, clear errors."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pytest
import shapely

from geoworks.storage import LayerQuery, StoreError, open_store
from tests.helpers.backends import pg_fingerprint

pytestmark = pytest.mark.postgis


@pytest.fixture
def pg(pg_server, tmp_path):
    """A data directory paired with an empty database (PostGIS installed, no geoworks schema)."""
    name = pg_server.create(None, "bare")
    url = pg_server.url(name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    yield {"GEOWORKS_DATA_DIR": str(tmp_path), "GEOWORKS_DATABASE_URL": url}
    pg_server.drop(name)


def lines(n: int, start: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(start)
    x, y = rng.uniform(76.85, 77.05, n), rng.uniform(43.2, 43.32, n)
    return gpd.GeoDataFrame(
        {"id": [f"w{start + i}" for i in range(n)], "status": "planned", "year": 2020},
        geometry=shapely.linestrings(np.stack([np.stack([x, y], 1), np.stack([x + 0.001, y + 0.0005], 1)], 1)),
        crs="EPSG:4326",
    )


def test_schema_is_created_and_upgraded_once_in_order(pg):
    from geoworks.storage import pgschema

    store = open_store(pg)
    assert store.schema_version() == (0, pgschema.LATEST) and store.version() == "empty" and store.is_empty()
    with psycopg.connect(pg["GEOWORKS_DATABASE_URL"], autocommit=True) as conn:
        assert pgschema.upgrade(conn, target=1) == ["1: PostGIS, the geoworks schemas and the data version"]
    with pytest.raises(StoreError, match="schema is at version 1; this geoworks needs 3: run 'geoworks db init'"):
        open_store(pg).read_layer("roads")
    assert open_store(pg).init() == [
        "2: users, roles and password hashes",
        "3: session generations of users (a logout refuses the sessions issued before)",
    ]
    assert open_store(pg).init() == []  # nothing left to do
    with psycopg.connect(pg["GEOWORKS_DATABASE_URL"], autocommit=True) as conn:
        rows = conn.execute("SELECT version, description FROM geoworks.schema_version ORDER BY version").fetchall()
        assert [r[0] for r in rows] == [1, 2, 3]
        conn.execute("INSERT INTO geoworks.schema_version (version, description) VALUES (99, 'from the future')")
    with pytest.raises(StoreError, match="newer than this geoworks"):
        open_store(pg).version()


def test_db_commands(pg, monkeypatch):
    from click.testing import CliRunner

    from geoworks.cli import main
    from tests.helpers.backends import setenv_store

    setenv_store(monkeypatch, pg)
    first = CliRunner().invoke(main, ["db", "init"])
    assert first.exit_code == 0 and "applied upgrade 1:" in first.output and "schema at version 3" in first.output
    again = CliRunner().invoke(main, ["db", "init"])
    assert again.exit_code == 0 and "applied" not in again.output and "(up to date)" in again.output
    status = CliRunner().invoke(main, ["db", "status"])
    assert (
        "schema version 3 (this geoworks needs 3: up to date)" in status.output
        and "data version empty" in status.output
    )
    monkeypatch.setenv("GEOWORKS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    down = CliRunner().invoke(main, ["db", "status"])
    assert down.exit_code == 2 and "error: " in down.output and "cannot reach the database" in down.output


def test_version_is_cheap_and_bumped_by_each_commit_only(pg):
    store = open_store(pg)
    with store.transaction() as tx:
        tx.write_layer("roads", lines(10))
    first = store.version()
    start = time.perf_counter()
    assert all(store.version() == first for _ in range(200))
    assert (time.perf_counter() - start) / 200 < 0.005  # one indexed row per call
    other = open_store(pg)  # another "process": same version string
    assert other.version() == first
    with store.transaction() as tx:
        tx.append_layer("roads", lines(5, 10))
        assert other.version() == first  # not before the commit
    assert other.version() != first and store.version() == other.version()


def test_readers_see_the_old_data_until_the_commit_and_are_not_blocked(pg):
    store = open_store(pg)
    with store.transaction() as tx:
        tx.write_layer("roads", lines(100))
    reader = open_store(pg)
    seen: list[int] = []
    with store.transaction() as tx:
        tx.write_layer("roads", lines(3, 500))  # replaced: swapped in at the commit
        tx.delete_where("roads", "id", "w500")
        t = threading.Thread(target=lambda: seen.append(len(reader.read_layer("roads"))))
        t.start()
        t.join(timeout=10)
        assert not t.is_alive() and seen == [100]
    assert len(reader.read_layer("roads")) == 2 and reader.count("roads") == 2


def test_writers_wait_for_each_other(pg):
    store = open_store(pg)
    order: list[str] = []
    with store.transaction() as tx:
        tx.write_layer("roads", lines(5))

        def second():
            with open_store(pg).transaction() as tx2:
                order.append("second got the store")
                tx2.append_layer("roads", lines(1, 99))

        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.5)
        order.append("first commits")
    t.join(timeout=10)
    assert order == ["first commits", "second got the store"] and store.count("roads") == 6


def test_bad_values_are_refused_and_leave_the_database_as_it_was(pg):
    store = open_store(pg)
    with store.transaction() as tx:
        tx.write_layer("roads", lines(10))
    before = pg_fingerprint(pg["GEOWORKS_DATABASE_URL"])
    bad = lines(2, 50)
    bad["year"] = [2020.5, 2021]
    with pytest.raises(StoreError, match="not whole"), store.transaction() as tx:
        tx.append_layer("roads", lines(3, 20))
        tx.append_layer("roads", bad)
    projected = lines(1, 70).set_crs(32643, allow_override=True)
    with pytest.raises(StoreError, match="EPSG:4326"), store.transaction() as tx:
        tx.write_layer("water", projected)
    with pytest.raises(StoreError, match="1 to 63 bytes"), store.transaction() as tx:
        tx.write_table("x" * 64, pd.DataFrame({"a": [1]}))
    assert pg_fingerprint(pg["GEOWORKS_DATABASE_URL"]) == before
    with psycopg.connect(pg["GEOWORKS_DATABASE_URL"], autocommit=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'geoworks_data'")}
    assert tables == {"roads"}  # no private table left behind


def test_append_adds_new_columns_and_keeps_the_order(pg):
    store = open_store(pg)
    with store.transaction() as tx:
        tx.write_layer("roads", lines(3))
        more = lines(2, 3)
        more["contractor"] = ["A", None]
        tx.append_layer("roads", more)
    back = store.read_layer("roads")
    assert list(back["id"]) == ["w0", "w1", "w2", "w3", "w4"]
    assert list(back.columns) == ["id", "status", "year", "contractor", "geometry"]
    assert back["contractor"].isna().tolist() == [True, True, True, False, True]


def test_bbox_and_filters_run_on_the_spatial_index(pg):
    from psycopg import sql

    from geoworks.storage import pgquery, pgtables

    store = open_store(pg)
    with store.transaction() as tx:
        tx.write_layer("roads", lines(20_000))
    q = LayerQuery(boxes=((76.90, 43.22, 76.91, 43.23),), equals=(("status", "planned"),), limit=10)
    with psycopg.connect(pg["GEOWORKS_DATABASE_URL"], autocommit=True) as conn:
        cols, has_geom = pgtables.columns(conn, "roads")
        query, params = pgquery.page(pgtables.table("roads"), pgtables.select_list(cols, has_geom), cols, q)
        plan = "\n".join(r[0] for r in conn.execute(sql.SQL("EXPLAIN {}").format(query), params))
    assert "Index Scan" in plan and "_geom" in plan and "Seq Scan" not in plan, plan
    found = store.query("roads", q)
    full = store.read_layer("roads")
    want = full[full.intersects(shapely.box(*q.boxes[0]))]
    assert found.matched == len(want) and list(found.features["id"]) == list(want["id"])[:10]


def test_users_live_in_the_database(pg):
    from geoworks.storage.users import UserStore

    users = UserStore.from_config(pg)
    assert users.list_users() == [] and users.get("zed") is None  # no schema yet: nobody
    users.set_user("zed", "correct horse battery", "engineer")
    with psycopg.connect(pg["GEOWORKS_DATABASE_URL"], autocommit=True) as conn:
        stored = conn.execute("SELECT password_hash FROM geoworks.users WHERE name = 'zed'").fetchone()[0]
    assert "correct horse" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    version = open_store(pg).version()
    assert UserStore.from_config(pg).check("zed", "correct horse battery")["role"] == "engineer"
    UserStore.from_config(pg).remove_user("zed")
    assert open_store(pg).version() == version  # users are not data
    assert not list(Path(pg["GEOWORKS_DATA_DIR"]).glob("users.sqlite"))
