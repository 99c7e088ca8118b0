"""The PostGIS store's schema: numbered upgrades, each applied once and in order.

Two PostgreSQL schemas: ``geoworks`` holds the bookkeeping (``schema_version``, one row per
upgrade applied; ``state``, the data version; ``users``) and ``geoworks_data`` holds the tables
written through the storage interface (one per layer, ``districts``, ``batches``, ``claims``,
``meta``, ...), each with a ``_fid`` identity (stored order) and, for layers, a ``_geom``
column of SRID 4326 with a GiST index.

:func:`upgrade` runs in one transaction under an advisory lock, so that several processes
starting at once apply each upgrade exactly once. A new upgrade is appended to ``UPGRADES``;
existing ones never change.
"""

from __future__ import annotations

import psycopg

META = "geoworks"  # bookkeeping schema
DATA = "geoworks_data"  # the tables written through the storage interface
_LOCK = 0x67656F776F726B73  # advisory lock key ("geoworks") serialising upgrades

# (version, description, statements)
UPGRADES: list[tuple[int, str, list[str]]] = [
    (
        1,
        "PostGIS, the geoworks schemas and the data version",
        [
            "CREATE EXTENSION IF NOT EXISTS postgis",
            f"CREATE SCHEMA IF NOT EXISTS {DATA}",
            f"CREATE TABLE {META}.state (id boolean PRIMARY KEY DEFAULT true CHECK (id), "
            "data_version bigint NOT NULL DEFAULT 0, changed timestamptz)",
            f"INSERT INTO {META}.state (id, data_version) VALUES (true, 0)",
        ],
    ),
    (
        2,
        "users, roles and password hashes",
        [
            f"CREATE TABLE {META}.users (name text PRIMARY KEY, password_hash text NOT NULL, "
            "role text NOT NULL, created text NOT NULL)",
        ],
    ),
    (
        3,
        "session generations of users (a logout refuses the sessions issued before)",
        [f"ALTER TABLE {META}.users ADD COLUMN session_gen integer NOT NULL DEFAULT 0"],
    ),
]
LATEST = UPGRADES[-1][0]


class SchemaError(RuntimeError):
    """The database's schema cannot be used or upgraded by this geoworks."""


def current_version(conn: psycopg.Connection) -> int:
    """The highest upgrade applied (0: the database holds no geoworks schema)."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{META}.schema_version",)).fetchone()
    if not row or not row[0]:
        return 0
    found = conn.execute(f"SELECT coalesce(max(version), 0) FROM {META}.schema_version").fetchone()
    return int(found[0]) if found else 0


def upgrade(conn: psycopg.Connection, target: int | None = None) -> list[str]:
    """Apply the upgrades after the database's version up to ``target`` (default: the latest);
    the descriptions of those applied, in order. ``conn`` must be in autocommit mode."""
    target = LATEST if target is None else target
    applied: list[str] = []
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {META}")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {META}.schema_version (version integer PRIMARY KEY, "
                "description text NOT NULL, applied timestamptz NOT NULL DEFAULT now())"
            )
            have = current_version(conn)
            if have > LATEST:
                raise SchemaError(f"the database's schema is at version {have}, newer than this geoworks ({LATEST})")
            for version, description, statements in UPGRADES:
                if have < version <= target:
                    for statement in statements:
                        conn.execute(statement)  # constant text from UPGRADES
                    conn.execute(
                        f"INSERT INTO {META}.schema_version (version, description) VALUES (%s, %s)",
                        (version, description),
                    )
                    applied.append(f"{version}: {description}")
    except psycopg.errors.InsufficientPrivilege as exc:
        raise SchemaError(
            f"cannot create the schema ({exc.diag.message_primary}); a superuser must run "
            "'CREATE EXTENSION postgis' in the database, and the geoworks user needs CREATE on it"
        ) from None
    except (psycopg.errors.UndefinedFile, psycopg.errors.FeatureNotSupported) as exc:
        raise SchemaError(
            f"cannot create the schema: {exc.diag.message_primary} (is PostGIS installed on the server?)"
        ) from None
    return applied


def check(conn: psycopg.Connection) -> int:
    """The schema version when this geoworks can use it (0: none yet); SchemaError otherwise."""
    have = current_version(conn)
    if have > LATEST:
        raise SchemaError(f"the database's schema is at version {have}, newer than this geoworks ({LATEST})")
    if 0 < have < LATEST:
        raise SchemaError(
            f"the database's schema is at version {have}; this geoworks needs {LATEST}: run 'geoworks db init'"
        )
    return have
