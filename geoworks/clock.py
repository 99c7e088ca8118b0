"""The one clock: everything in geoworks that compares with "now" asks this module.

``GEOWORKS_TODAY`` (in the app config or the environment) fixes the clock to a day
(``YYYY-MM-DD``, taken at 12:00 UTC) or a moment (an ISO 8601 time); unset, the clock
is the system's. Tests set it so that the suite gives the same result on any day.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

SETTING = "GEOWORKS_TODAY"


def parse_moment(value: str) -> dt.datetime:
    """A UTC datetime from ``YYYY-MM-DD`` (noon UTC) or an ISO 8601 time; ValueError naming the setting."""
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{SETTING} must be a date (YYYY-MM-DD) or an ISO 8601 time, got {value!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def now(config: Mapping | None = None) -> dt.datetime:
    """The current moment, UTC: ``GEOWORKS_TODAY`` from ``config`` (else the environment), else the system clock."""
    fixed = (config or {}).get(SETTING) or os.environ.get(SETTING)
    if fixed:
        return parse_moment(fixed) if not isinstance(fixed, dt.datetime) else fixed.astimezone(dt.UTC)
    return dt.datetime.now(dt.UTC)


def today(config: Mapping | None = None) -> dt.date:
    """The current day (UTC) of :func:`now`."""
    return now(config).date()


def stamp(config: Mapping | None = None) -> str:
    """:func:`now` as an RFC 3339 string to the second (``2026-06-15T12:00:00+00:00``)."""
    return now(config).isoformat(timespec="seconds")
