"""Users, roles and hashed passwords (werkzeug.security), kept beside the store.

The GeoPackage deployment keeps them in a small SQLite file, ``<data dir>/users.sqlite``
(so logins never touch the stored data). Roles: resident (read only), engineer and
official (upload, rollback), admin (all, and manage users).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from geoworks import clock
from geoworks.config import data_dir

ROLES = ("resident", "engineer", "official", "admin")
WRITERS = ("engineer", "official", "admin")
DB_NAME = "users.sqlite"


class UserError(ValueError):
    """A user cannot be created, changed or removed."""


class UserStore:
    """Users and hashed passwords in ``<data_dir>/users.sqlite``."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @classmethod
    def from_config(cls, config: Mapping) -> UserStore:
        return cls(data_dir(config) / DB_NAME)

    def _db(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        con.execute(
            "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
            "role TEXT NOT NULL, created TEXT NOT NULL)"
        )
        return con

    def set_user(self, name: str, password: str, role: str) -> None:
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise UserError("a user name must have 1 to 64 characters")
        if role not in ROLES:
            raise UserError(f"unknown role '{role}'; roles: {', '.join(ROLES)}")
        if len(password or "") < 8:
            raise UserError("a password must have at least 8 characters")
        now = clock.stamp()
        with self._db() as con:
            con.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "password_hash = excluded.password_hash, role = excluded.role",
                (name, generate_password_hash(password), role, now),
            )

    def remove_user(self, name: str) -> None:
        with self._db() as con:
            if con.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise UserError(f"no user '{name}'")

    def get(self, name: str) -> dict | None:
        with self._db() as con:
            row = con.execute("SELECT name, role, created FROM users WHERE name = ?", (name,)).fetchone()
        return {"name": row[0], "role": row[1], "created": row[2]} if row else None

    def check(self, name: str, password: str) -> dict | None:
        """The user when ``password`` is right, else None."""
        with self._db() as con:
            row = con.execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()
        if row is None or not check_password_hash(row[0], password or ""):
            return None
        return self.get(name)

    def list_users(self) -> list[dict]:
        with self._db() as con:
            rows = con.execute("SELECT name, role, created FROM users ORDER BY name").fetchall()
        return [{"name": r[0], "role": r[1], "created": r[2]} for r in rows]
