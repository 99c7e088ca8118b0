"""One small thread-safe LRU cache for everything computed once per change of the data.

Callers put the store's ``version()`` in the key, so a commit makes old entries
unreachable; they age out of the LRU. Two requests asking for the same missing key
at once compute it once: the second waits for the first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class LRUCache:
    """At most ``size`` entries (and, with ``weigh``, at most ``max_weight`` in total)."""

    def __init__(self, size: int = 64, weigh: Callable[[Any], int] | None = None, max_weight: int | None = None):
        self.size = size
        self.weigh = weigh
        self.max_weight = max_weight
        self.weight = 0
        self._lock = threading.Lock()
        self._items: OrderedDict = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The cached value for ``key``, or ``make()`` computed once and kept."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            build = self._building.setdefault(key, threading.Lock())
        with build:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._building.pop(key, None)
            self._put(key, value)
            return value

    def _put(self, key: Hashable, value) -> None:
        w = self.weigh(value) if self.weigh else 0
        with self._lock:
            if self.max_weight is not None and w > self.max_weight // 4:
                return  # too big to keep: computed, not cached
            self._items[key] = value
            self.weight += w
            while self._items and (
                len(self._items) > self.size or (self.max_weight is not None and self.weight > self.max_weight)
            ):
                _, old = self._items.popitem(last=False)
                self.weight -= self.weigh(old) if self.weigh else 0

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.weight = 0


class PerVersion:
    """One value per data version (an index of the store), rebuilt on first use after a change;
    thread-safe, built once when several threads ask at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[Hashable, Any] | None = None

    def get(self, version: Hashable, build: Callable[[], T]) -> T:
        """The value for ``version``: the one kept, or ``build()`` when the version changed."""
        entry = self._entry
        if entry is not None and entry[0] == version:
            return entry[1]
        with self._lock:
            entry = self._entry
            if entry is None or entry[0] != version:
                entry = (version, build())
                self._entry = entry
        return entry[1]
