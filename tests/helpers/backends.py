"""Stores on either backend for the tests.

A test store is named by its data directory, as it always was. On the GeoPackage backend that
is all there is; on the PostGIS backend each data directory is paired with its own database
on the server of ``GEOWORKS_TEST_DATABASE_URL`` (made from a template, so a copy of the demo
store costs a file copy on the server), and :func:`config_for` gives the configuration that
opens it. Databases are dropped when the session ends.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ENV = "GEOWORKS_TEST_DATABASE_URL"
_DATABASES: dict[str, str] = {}  # data directory -> database URL
_ACTIVE = {"backend": "gpkg"}  # the backend of the tests running now (set by the session's Stores)


def _key(path) -> str:
    return str(Path(path).resolve())


def config_for(path) -> dict[str, str]:
    """The configuration of the test store kept in data directory ``path`` (strings, for env= too)."""
    cfg = {"GEOWORKS_DATA_DIR": str(path)}
    url = _DATABASES.get(_key(path))
    if url:
        cfg["GEOWORKS_DATABASE_URL"] = url
    elif _ACTIVE["backend"] == "postgis":  # a PostGIS test must not fall back to a GeoPackage unnoticed
        raise AssertionError(f"no database for {path}: make the store with store_config(path) or stores.config(path)")
    return cfg


def database_for(path) -> str | None:
    """The database URL paired with data directory ``path`` (None: a GeoPackage store)."""
    return _DATABASES.get(_key(path))


class Server:
    """The PostgreSQL server of the tests: creates and drops one database per test store."""

    def __init__(self, admin_url: str):
        import psycopg

        self.admin_url = admin_url
        self.prefix = f"gwt_{os.getpid()}_"
        self.count = 0
        self.created: list[str] = []
        self.admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)

    def url(self, name: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + name))

    def create(self, template: str | None = None, label: str = "db") -> str:
        """A new database (a copy of ``template``, or with PostGIS only); its name."""
        from psycopg import sql

        self.count += 1
        name = f"{self.prefix}{label}_{self.count}"
        tpl = template or "template0"
        self.admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(tpl)
            )
        )
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        from psycopg import sql

        from geoworks.storage.pool import discard

        discard(self.url(name))
        self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            self.drop(name)
        self.admin.close()


class Stores:
    """Test stores of one backend ("gpkg" or "postgis"), named by data directory."""

    def __init__(self, backend: str, server: Server | None = None, session: bool = True):
        self.backend = backend
        self.server = server
        if session:  # the session's stores: the backend the tests now run on
            _ACTIVE["backend"] = backend
        self.empty_template: str | None = None
        self.demo_template: str | None = None
        self._read_only: dict[str, str] = {}  # data directory -> the template its database is an unchanged copy of

    def _pair(self, path, database: str) -> None:
        assert self.server is not None
        Path(path).mkdir(parents=True, exist_ok=True)
        _DATABASES[_key(path)] = self.server.url(database)

    def config(self, path) -> dict[str, str]:
        """The configuration of the store at ``path``; on PostGIS a new empty database the first time."""
        if self.backend == "postgis" and _key(path) not in _DATABASES:
            assert self.server is not None
            if self.empty_template is None:
                self.empty_template = self.template(lambda store: store.init(), "empty")
            self._pair(path, self.server.create(self.empty_template, "store"))
        return config_for(path)

    def open(self, path):
        from geoworks.storage import open_store

        return open_store(self.config(path))

    def template(self, fill, label: str) -> str:
        """A template database filled by ``fill(store)``; its name (no connection is left open to it)."""
        from geoworks.storage import open_store
        from geoworks.storage.pool import discard

        assert self.server is not None
        name = self.server.create(None, label + "_tpl")
        url = self.server.url(name)
        store = open_store({"GEOWORKS_DATABASE_URL": url})
        fill(store)
        store.close()
        discard(url)
        return name

    def clone(self, template: str, path, read_only: bool = True) -> None:
        """Pair data directory ``path`` with a new copy of database ``template`` (one the tests only read)."""
        assert self.server is not None
        self._pair(path, self.server.create(template, "copy"))
        if read_only:
            self._read_only[_key(path)] = template

    def copy(self, src, dst) -> None:
        """Copy the store at data directory ``src`` (its files, and its database) to ``dst``."""
        from geoworks.storage.pool import discard

        shutil.copytree(src, dst, dirs_exist_ok=True)
        url = database_for(src)
        if url:
            assert self.server is not None
            template = self._read_only.get(_key(src))
            if template is None:  # a database the tests wrote to: copied as it is now
                discard(url)
                template = urlsplit(url).path.lstrip("/")
            self._pair(dst, self.server.create(template, "copy"))

    def release(self, path) -> None:
        """Drop the database paired with ``path`` (if any)."""
        url = _DATABASES.pop(_key(path), None)
        if url and self.server is not None:
            self.server.drop(urlsplit(url).path.lstrip("/"))


def pg_fingerprint(url: str) -> dict[str, str]:
    """sha256 of every table's rows of a PostGIS store (in stored order), and its data version."""
    import psycopg
    from psycopg import sql

    out: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        state = conn.execute("SELECT to_regclass('geoworks.state') IS NOT NULL").fetchone()
        if state and state[0]:
            out["data_version"] = str(conn.execute("SELECT data_version FROM geoworks.state").fetchone())
        tables = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'geoworks_data' AND c.relkind = 'r' ORDER BY c.relname"
        ).fetchall()
        for (name,) in tables:
            h = hashlib.sha256()
            query = sql.SQL("SELECT * FROM {} ORDER BY _fid").format(sql.Identifier("geoworks_data", name))
            for row in conn.execute(query):
                h.update(repr(row).encode())
            out[name] = h.hexdigest()
    return out


def install_users(template: Path, data_dir) -> None:
    """Give the store at ``data_dir`` the users of ``template`` (a users.sqlite made once per session)."""
    url = database_for(data_dir)
    if not url:
        shutil.copyfile(template, Path(data_dir) / "users.sqlite")
        return
    import sqlite3

    from geoworks.storage.pgusers import PgRows

    rows = PgRows(url)
    con = sqlite3.connect(template)
    try:
        for name, password_hash, role, created in con.execute("SELECT name, password_hash, role, created FROM users"):
            rows.upsert(name, password_hash, role, created)
    finally:
        con.close()


def users_of(data_dir):
    """The users of the store at ``data_dir`` (geoworks.storage.users.UserStore)."""
    from geoworks.storage.users import UserStore

    return UserStore.from_config(config_for(data_dir))


def setenv_store(monkeypatch, config: dict[str, str]) -> None:
    """Point the command line (GEOWORKS_* environment variables) at a test store."""
    for key, value in config.items():
        monkeypatch.setenv(key, value)
