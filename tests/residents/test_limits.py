"""The rate limiter: at most N events per window and key, with the wait until the next one is allowed."""

from __future__ import annotations

import threading

from geoworks.web.limits import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_limits_per_key_and_window():
    clock = Clock()
    lim = RateLimiter([(2, 60), (3, 3600)], clock=clock)
    assert lim.hit("a") is None and lim.hit("a") is None
    assert lim.check("a") == 60  # the first of the two leaves the minute in 60 s
    assert lim.hit("b") is None  # another key is counted apart
    clock.t += 61
    assert lim.hit("a") is None  # the minute has passed; 3 in the hour now
    clock.t += 61
    wait = lim.check("a")
    assert wait is not None and 3000 < wait <= 3600 - 122  # the hour's limit holds
    clock.t += 3600
    assert lim.check("a") is None
    lim.record("a")
    lim.reset("a")
    assert lim.check("a") is None


def test_zero_allows_nothing_and_no_rules_allow_everything():
    assert RateLimiter([(0, 60)]).check("x") == 60
    free = RateLimiter([])
    for _ in range(100):
        assert free.hit("x") is None


def test_concurrent_hits_never_exceed_the_limit():
    lim = RateLimiter([(50, 3600)])
    allowed = []

    def worker():
        for _ in range(20):
            if lim.hit("k") is None:
                allowed.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 50
