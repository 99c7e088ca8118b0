"""User rows in the PostGIS store's ``geoworks.users`` table (see :mod:`geoworks.storage.users`).

Writing a user creates the schema when the database has none yet; reading from such a
database finds no users. Users are not data: changing them leaves the data version alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from geoworks.storage import pgschema
from geoworks.storage.pool import shared_pool
from geoworks.storage.users import Row, SessionRow, UserError

_TABLE = f"{pgschema.META}.users"


class PgRows:
    """User rows in one database (the process's shared connection pool for its URL)."""

    def __init__(self, url: str):
        self.pool = shared_pool(url)

    @contextmanager
    def _conn(self, write: bool = False) -> Iterator[psycopg.Connection | None]:
        try:
            with self.pool.connection() as conn:
                have = pgschema.check(conn)
                if have == 0 and write:
                    pgschema.upgrade(conn)
                    have = pgschema.LATEST
                yield conn if have else None
        except (psycopg.Error, pgschema.SchemaError) as exc:
            raise UserError(f"users database: {exc}") from None

    def upsert(self, name: str, password_hash: str, role: str, created: str) -> None:
        with self._conn(write=True) as conn:
            assert conn is not None
            conn.execute(
                f"INSERT INTO {_TABLE} (name, password_hash, role, created) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role",
                (name, password_hash, role, created),
            )

    def delete(self, name: str) -> int:
        with self._conn() as conn:
            return 0 if conn is None else conn.execute(f"DELETE FROM {_TABLE} WHERE name = %s", (name,)).rowcount

    def password_hash(self, name: str) -> str | None:
        with self._conn() as conn:
            row = (
                None
                if conn is None
                else conn.execute(f"SELECT password_hash FROM {_TABLE} WHERE name = %s", (name,)).fetchone()
            )
        return row[0] if row else None

    def get(self, name: str) -> SessionRow | None:
        with self._conn() as conn:
            row = (
                None
                if conn is None
                else conn.execute(
                    f"SELECT name, role, created, session_gen FROM {_TABLE} WHERE name = %s", (name,)
                ).fetchone()
            )
        return (row[0], row[1], row[2], int(row[3])) if row else None

    def end_sessions(self, name: str) -> None:
        with self._conn() as conn:
            if conn is not None:
                conn.execute(f"UPDATE {_TABLE} SET session_gen = session_gen + 1 WHERE name = %s", (name,))

    def all(self) -> list[Row]:
        with self._conn() as conn:
            if conn is None:
                return []
            rows = conn.execute(f'SELECT name, role, created FROM {_TABLE} ORDER BY name COLLATE "C"').fetchall()
        return [(r[0], r[1], r[2]) for r in rows]
