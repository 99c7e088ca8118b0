"""Query parameters of the open API: bbox, datetime, limit, offset and the works filters.

The values themselves are parsed by :mod:`geoworks.params` (one parser for every page
and API); this module adds the OGC parts (datetime intervals, limit, offset, crs).
Coordinates are lon/lat (OGC CRS84 = EPSG:4326 in lon/lat order).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from geoworks.catalogue import Catalogue
from geoworks.params import CRS84, BBox, ParamError, parse_bbox, parse_district, parse_int, parse_status, parse_year

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class NotFound(LookupError):
    """An unknown collection or feature (answered with 404)."""

    def __init__(self, what: str, message: str):
        super().__init__(message)
        self.what = what
        self.message = message


@dataclass(frozen=True)
class Interval:
    """A closed date interval; None = open end. Dates are ISO strings YYYY-MM-DD (UTC)."""

    start: str | None
    end: str | None


@dataclass(frozen=True)
class Query:
    """A parsed items query."""

    bbox: BBox | None = None
    interval: Interval | None = None
    district: str | None = None
    status: str | None = None
    year: int | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def filters(self) -> dict:
        """The non-empty filters, as plain values (for file names and links)."""
        out: dict[str, str | int] = {}
        if self.district:
            out["district"] = self.district
        if self.status:
            out["status"] = self.status
        if self.year is not None:
            out["year"] = self.year
        return out


def _instant(text: str, parameter: str = "datetime") -> str:
    """An RFC 3339 date or date-time as an ISO date (UTC)."""
    text = text.strip()
    if _DATE_RE.match(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ParamError(parameter, f"'{text}' is not a valid date") from None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ParamError(
            parameter, f"'{text}' is not an RFC 3339 date or date-time (e.g. 2019-06-01 or 2019-06-01T00:00:00Z)"
        ) from None
    if "T" not in text.upper():
        raise ParamError(parameter, f"'{text}' is not an RFC 3339 date or date-time")
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    return stamp.date().isoformat()


def parse_datetime(value: str | None) -> Interval | None:
    """An instant, or an interval ``start/end`` with ``..`` or empty for an open end."""
    if value is None or value.strip() == "":
        return None
    if "/" in value:
        pieces = value.split("/")
        if len(pieces) != 2:
            raise ParamError("datetime", "datetime interval must be 'start/end' (use '..' for an open end)")
        start, end = (None if p.strip() in ("", "..") else _instant(p) for p in pieces)
        if start is None and end is None:
            raise ParamError("datetime", "datetime interval '../..' has no bound")
        if start and end and start > end:
            raise ParamError("datetime", f"datetime interval starts ({start}) after it ends ({end})")
        return Interval(start, end)
    if value.strip() == "..":
        raise ParamError("datetime", "datetime '..' alone is not a date")
    day = _instant(value)
    return Interval(day, day)


def _status(value: str | None, catalogue: Catalogue) -> str | None:
    """A work status, else a residents' request status (the requests collection has its own), by any name."""
    try:
        return parse_status(value)
    except ParamError:
        found = catalogue.requests.status_id(value) if catalogue.requests is not None else None
        if found is None:
            raise
        return found


def parse_query(args: Mapping[str, str], catalogue: Catalogue, max_limit: int = MAX_LIMIT) -> Query:
    """Every items parameter of ``args`` (a request's query string)."""
    crs = args.get("crs")
    if crs not in (None, "", CRS84):
        raise ParamError("crs", f"crs '{crs}' is not supported; responses are in {CRS84} (lon/lat)")
    return Query(
        bbox=parse_bbox(args.get("bbox"), args.get("bbox-crs")),
        interval=parse_datetime(args.get("datetime")),
        district=parse_district(args.get("district"), catalogue),
        status=_status(args.get("status"), catalogue),
        year=parse_year(args.get("year")),
        limit=parse_int(args.get("limit"), "limit", DEFAULT_LIMIT, 1, max_limit),
        offset=parse_int(args.get("offset"), "offset", 0, 0, MAX_OFFSET),
    )
