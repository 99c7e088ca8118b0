"""A small pool of PostgreSQL connections per process (psycopg 3), safe across threads and forks.

Connections are opened on demand in autocommit mode and kept idle for reuse (at most
``max_idle``). A pool used in a forked child (gunicorn workers, when the app was created
before the fork) starts afresh there: the parent's connections are never touched by the child.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import pq


class Pool:
    """Connections to one database URL."""

    def __init__(self, url: str, max_idle: int = 16, connect_timeout: int = 10):
        self.url = url
        self.max_idle = max_idle
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._idle: list[psycopg.Connection] = []
        self._pid = os.getpid()

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(
            self.url, autocommit=True, connect_timeout=self.connect_timeout, application_name="geoworks"
        )

    def _take(self) -> psycopg.Connection | None:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and conn.info.transaction_status == pq.TransactionStatus.IDLE:
                    return conn
        return None

    def _give_back(self, conn: psycopg.Connection) -> None:
        healthy = not conn.closed and conn.info.transaction_status == pq.TransactionStatus.IDLE
        with self._lock:
            if healthy and self._pid == os.getpid() and len(self._idle) < self.max_idle:
                self._idle.append(conn)
                return
        if not conn.closed:
            conn.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection in autocommit mode, returned to the pool afterwards (closed if broken)."""
        conn = self._take() or self._connect()
        try:
            yield conn
        except BaseException:
            if conn.info.transaction_status != pq.TransactionStatus.IDLE and not conn.closed:
                conn.close()
            raise
        finally:
            if not conn.closed:
                self._give_back(conn)

    def close(self) -> None:
        """Close the idle connections (connections in use close when given back)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            if self._pid == os.getpid():
                conn.close()


_SHARED: dict[str, Pool] = {}
_SHARED_LOCK = threading.Lock()


def shared_pool(url: str, max_idle: int = 16) -> Pool:
    """The process's pool for ``url`` (the store and the user table share it)."""
    with _SHARED_LOCK:
        pool = _SHARED.get(url)
        if pool is None:
            pool = _SHARED[url] = Pool(url, max_idle=max_idle)
        return pool


def discard(url: str) -> None:
    """Close and forget the process's pool for ``url`` (e.g. before the database is dropped)."""
    with _SHARED_LOCK:
        pool = _SHARED.pop(url, None)
    if pool is not None:
        pool.close()
