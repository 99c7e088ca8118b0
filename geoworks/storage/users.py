"""Users, roles and hashed passwords (werkzeug.security), kept beside the store.

The GeoPackage deployment keeps them in a small SQLite file, ``<data dir>/users.sqlite``
(so logins never touch the stored data); the PostGIS deployment in the database's
``geoworks.users`` table, shared by every app process (a login never changes the data
version either). Roles: resident (read only), engineer and official (upload, rollback),
admin (all, and manage users).

Each user has a session generation: a login's session records it, and logging out moves it on,
so a session cookie issued before is refused from then on, by every app process
(:mod:`geoworks.web.auth`).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from werkzeug.security import check_password_hash, generate_password_hash

from geoworks import clock
from geoworks.config import data_dir, setting
from geoworks.storage.private import private_dir, private_file

ROLES = ("resident", "engineer", "official", "admin")
WRITERS = ("engineer", "official", "admin")
DB_NAME = "users.sqlite"

Row = tuple[str, str, str]  # name, role, created
SessionRow = tuple[str, str, str, int]  # name, role, created, session generation


class UserError(ValueError):
    """A user cannot be created, changed or removed."""


class UserRows(Protocol):
    """Where user rows live."""

    def upsert(self, name: str, password_hash: str, role: str, created: str) -> None: ...
    def delete(self, name: str) -> int: ...
    def password_hash(self, name: str) -> str | None: ...
    def get(self, name: str) -> SessionRow | None: ...
    def all(self) -> list[Row]: ...
    def end_sessions(self, name: str) -> None: ...


class SqliteRows:
    """User rows in a SQLite file."""

    def __init__(self, path: Path):
        self.path = path
        self._ready = False
        self._lock = threading.Lock()

    def _create(self) -> None:
        """The file (0600, in a 0700 directory) and its table, once per process and path."""
        private_file(private_dir(self.path.parent) / self.path.name)
        con = sqlite3.connect(self.path, timeout=10)
        try:
            con.execute(
                "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
                "role TEXT NOT NULL, created TEXT NOT NULL, session_gen INTEGER NOT NULL DEFAULT 0)"
            )
            if "session_gen" not in {r[1] for r in con.execute("PRAGMA table_info(users)")}:  # a file from before
                con.execute("ALTER TABLE users ADD COLUMN session_gen INTEGER NOT NULL DEFAULT 0")
            con.commit()
        finally:
            con.close()

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection for one statement or transaction: committed on success, closed always. The table is
        made on first use only: every signed-in request reads a row here."""
        if not self._ready or not self.path.exists():
            with self._lock:
                self._create()
                self._ready = True
        con = sqlite3.connect(self.path, timeout=10)
        try:
            with con:
                yield con
        finally:
            con.close()

    def upsert(self, name: str, password_hash: str, role: str, created: str) -> None:
        with self._db() as con:
            con.execute(
                "INSERT INTO users (name, password_hash, role, created) VALUES (?, ?, ?, ?) ON CONFLICT(name) "
                "DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role",
                (name, password_hash, role, created),
            )

    def delete(self, name: str) -> int:
        with self._db() as con:
            return con.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount

    def password_hash(self, name: str) -> str | None:
        with self._db() as con:
            row = con.execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def get(self, name: str) -> SessionRow | None:
        with self._db() as con:
            row = con.execute("SELECT name, role, created, session_gen FROM users WHERE name = ?", (name,)).fetchone()
        return (row[0], row[1], row[2], int(row[3])) if row else None

    def end_sessions(self, name: str) -> None:
        with self._db() as con:
            con.execute("UPDATE users SET session_gen = session_gen + 1 WHERE name = ?", (name,))

    def all(self) -> list[Row]:
        with self._db() as con:
            return [(r[0], r[1], r[2]) for r in con.execute("SELECT name, role, created FROM users ORDER BY name")]


def _as_dict(row: SessionRow | None) -> dict | None:
    return {"name": row[0], "role": row[1], "created": row[2], "session": row[3]} if row else None


_DUMMY: list[str] = []  # a hash of no one's password, made on first use
_DUMMY_LOCK = threading.Lock()


def _dummy_hash() -> str:
    """A password hash made like every user's: checked for unknown names, so they take as long as known ones."""
    with _DUMMY_LOCK:
        if not _DUMMY:
            _DUMMY.append(generate_password_hash("no one's password"))
        return _DUMMY[0]


class UserStore:
    """Users and hashed passwords: in ``path`` (a SQLite file) or in the given rows."""

    def __init__(self, path: Path | str | None = None, rows: UserRows | None = None):
        if rows is None:
            if path is None:
                raise UserError("a user store needs a file or a database")
            rows = SqliteRows(Path(path))
        self.rows = rows

    @classmethod
    def from_config(cls, config: Mapping) -> UserStore:
        """The users of the configured deployment (the database's when the store is PostGIS)."""
        from geoworks.storage import backend_name

        if backend_name(config) == "postgis":
            from geoworks.storage.pgusers import PgRows

            return cls(rows=PgRows(str(setting(config, "GEOWORKS_DATABASE_URL"))))
        return cls(data_dir(config) / DB_NAME)

    def set_user(self, name: str, password: str, role: str) -> None:
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise UserError("a user name must have 1 to 64 characters")
        if role not in ROLES:
            raise UserError(f"unknown role '{role}'; roles: {', '.join(ROLES)}")
        if len(password or "") < 8:
            raise UserError("a password must have at least 8 characters")
        self.rows.upsert(name, generate_password_hash(password), role, clock.stamp())

    def remove_user(self, name: str) -> None:
        if self.rows.delete(name) == 0:
            raise UserError(f"no user '{name}'")

    def get(self, name: str) -> dict | None:
        """name, role, created and ``session`` (the session generation), or None for an unknown name."""
        return _as_dict(self.rows.get(name))

    def check(self, name: str, password: str) -> dict | None:
        """The user when ``password`` is right, else None. An unknown name costs a hash check too
        (a dummy one), so the answer's timing does not tell which names exist."""
        stored = self.rows.password_hash(name)
        ok = check_password_hash(stored or _dummy_hash(), password or "")
        return self.get(name) if ok and stored is not None else None

    def end_sessions(self, name: str) -> None:
        """Refuse every session issued to ``name`` so far (logout; every process sees it at once)."""
        self.rows.end_sessions(name)

    def list_users(self) -> list[dict]:
        return [{"name": r[0], "role": r[1], "created": r[2]} for r in self.rows.all()]
