"""Rate limits per key (a client's address, a user name): at most N events in a sliding window.

A :class:`RateLimiter` keeps, per key, the times of the events it was told about (``record``) within
its longest window, and says whether one more is allowed (``check``) and after how many seconds it
would be. Used for anonymous filing of residents' requests (per address) and meant for login
attempts (per address and per name). State lives in the process: each server process counts its own.

    limiter = RateLimiter([(5, 3600), (20, 86400)])    # 5 an hour and 20 a day
    wait = limiter.check(key)                            # None: allowed; else seconds to wait
    limiter.record(key)                                  # after the event happened
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from flask import Flask, request

KEY = "geoworks.limits"
MAX_KEYS = 100_000  # keys remembered at once; the stalest are forgotten first


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each (limit, window) rule, per key (thread-safe).

    A rule with limit 0 allows nothing; no rules allow everything. ``clock`` gives seconds (monotonic
    by default; tests pass their own)."""

    def __init__(self, rules: Sequence[tuple[int, float]], clock: Callable[[], float] = time.monotonic):
        self.rules = [(int(n), float(w)) for n, w in rules]
        self.clock = clock
        self.horizon = max((w for _, w in self.rules), default=0.0)
        self._lock = threading.Lock()
        self._events: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - self.horizon:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def check(self, key: str) -> float | None:
        """None when one more event is allowed for ``key`` now, else the seconds until it is."""
        now = self.clock()
        with self._lock:
            events = self._recent(key, now)
            wait = 0.0
            for limit, window in self.rules:
                inside = [t for t in events if t > now - window]
                if len(inside) >= limit:
                    oldest = inside[len(inside) - limit] if limit > 0 else now
                    wait = max(wait, oldest + window - now if limit > 0 else window)
            return None if wait <= 0 else max(wait, 1.0)

    def record(self, key: str) -> None:
        """Count one event for ``key`` now."""
        now = self.clock()
        with self._lock:
            events = self._recent(key, now)
            events.append(now)
            self._events[key] = events
            if len(self._events) > MAX_KEYS:
                stalest = min(self._events, key=lambda k: self._events[k][-1])
                del self._events[stalest]

    def hit(self, key: str) -> float | None:
        """``check`` then, when allowed, ``record``: None when the event may happen (and is counted)."""
        wait = self.check(key)
        if wait is None:
            self.record(key)
        return wait

    def reset(self, key: str | None = None) -> None:
        """Forget ``key`` (every key when None)."""
        with self._lock:
            if key is None:
                self._events.clear()
            else:
                self._events.pop(key, None)


def limiter(app: Flask, name: str, rules: Sequence[tuple[int, float]]) -> RateLimiter:
    """The app's limiter ``name`` (made with ``rules`` on first use; one per app)."""
    table = app.extensions.setdefault(KEY, {})
    if name not in table:
        table[name] = RateLimiter(rules)
    return table[name]


def configured_limiter(app: Flask, name: str, settings: Sequence[tuple[str, float]]) -> RateLimiter:
    """The app's limiter ``name`` with one rule per (setting, window seconds): at most the setting's value
    per window (a setting of 0 drops its rule)."""
    from geoworks.config import number

    rules = [(int(number(app.config, key)), window) for key, window in settings]
    return limiter(app, name, [(n, w) for n, w in rules if n > 0])


def client_address() -> str:
    """The client's address as the server sees it (behind a proxy, let werkzeug's ProxyFix set it)."""
    return request.remote_addr or "unknown"
