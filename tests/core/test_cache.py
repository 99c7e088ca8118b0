"""The shared LRU cache: computed once per key, bounded by count and by weight."""

import contextlib
import threading
import time

from geoworks.cache import LRUCache


def test_computed_once_even_when_asked_at_once():
    cache, calls = LRUCache(4), []

    def make():
        calls.append(1)
        time.sleep(0.05)
        return "value"

    threads = [threading.Thread(target=cache.get, args=("k", make)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and cache.get("k", make) == "value" and len(calls) == 1


def test_bounded_by_count_and_weight():
    cache = LRUCache(3)
    for i in range(5):
        cache.get(i, lambda i=i: i)
    assert len(cache) == 3 and cache.get(0, lambda: "again") == "again"
    heavy = LRUCache(100, weigh=len, max_weight=40)
    for i in range(10):
        heavy.get(i, lambda: "x" * 10)
    assert heavy.weight <= 40 and len(heavy) == 4
    assert heavy.get("huge", lambda: "y" * 11) == "y" * 11 and "huge" not in heavy._items


def test_a_failed_make_is_not_cached():
    cache = LRUCache(2)
    with contextlib.suppress(ZeroDivisionError):
        cache.get("k", lambda: 1 / 0)
    assert cache.get("k", lambda: 5) == 5
