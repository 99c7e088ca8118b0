"""Query parameters of the open API: bbox, datetime, limit, offset and the works filters.

Every parser raises :class:`ParamError` naming the parameter, so the web
layer can answer 400 with a JSON body that says which parameter is wrong.
Coordinates are lon/lat (OGC CRS84 = EPSG:4326 in lon/lat order).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Mapping

from geoworks.catalogue import STATUSES, Catalogue
from geoworks.works import normalise_status

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ParamError(ValueError):
    """A query parameter is malformed or out of range (answered with 400)."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class NotFound(LookupError):
    """An unknown collection or feature (answered with 404)."""

    def __init__(self, what: str, message: str):
        super().__init__(message)
        self.what = what
        self.message = message


@dataclass(frozen=True)
class BBox:
    """A lon/lat box; ``minx > maxx`` means it spans the antimeridian."""

    minx: float
    miny: float
    maxx: float
    maxy: float

    def boxes(self) -> list[tuple[float, float, float, float]]:
        """One box, or two when it spans the antimeridian."""
        if self.minx <= self.maxx:
            return [(self.minx, self.miny, self.maxx, self.maxy)]
        return [(self.minx, self.miny, 180.0, self.maxy), (-180.0, self.miny, self.maxx, self.maxy)]


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
        out = {}
        if self.district:
            out["district"] = self.district
        if self.status:
            out["status"] = self.status
        if self.year is not None:
            out["year"] = self.year
        return out


def parse_bbox(value: str | None, crs: str | None = None) -> BBox | None:
    """``minlon,minlat,maxlon,maxlat`` (or 6 numbers with heights, ignored) in CRS84."""
    if crs not in (None, "", CRS84, "EPSG:4326", "http://www.opengis.net/def/crs/EPSG/0/4326"):
        raise ParamError("bbox-crs", f"bbox-crs '{crs}' is not supported; use {CRS84}")
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise ParamError("bbox", f"bbox must be 4 numbers minlon,minlat,maxlon,maxlat (or 6 with heights); got {len(parts)} values")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise ParamError("bbox", f"bbox '{value}' has a value that is not a number") from None
    if not all(math.isfinite(n) for n in nums):
        raise ParamError("bbox", "bbox values must be finite numbers")
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    minx, miny, maxx, maxy = nums
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
        raise ParamError("bbox", "bbox longitudes must be within -180..180")
    if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        raise ParamError("bbox", "bbox latitudes must be within -90..90")
    if miny > maxy:
        raise ParamError("bbox", "bbox minimum latitude is greater than its maximum latitude")
    return BBox(minx, miny, maxx, maxy)


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
        raise ParamError(parameter, f"'{text}' is not an RFC 3339 date or date-time (e.g. 2019-06-01 or 2019-06-01T00:00:00Z)") from None
    if "T" not in text.upper():
        raise ParamError(parameter, f"'{text}' is not an RFC 3339 date or date-time")
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc)
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


def parse_int(value: str | None, parameter: str, default: int, lo: int, hi: int) -> int:
    """An integer within lo..hi (inclusive), or ``default`` when absent."""
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except ValueError:
        raise ParamError(parameter, f"{parameter} '{value}' is not an integer") from None
    if not lo <= n <= hi:
        raise ParamError(parameter, f"{parameter} {n} is out of range {lo}..{hi}")
    return n


def parse_district(value: str | None, catalogue: Catalogue) -> str | None:
    """A district slug from a slug or any of its names."""
    if value is None or value == "":
        return None
    slug = catalogue.district_slug(value)
    if slug is None:
        raise ParamError("district", f"unknown district '{value}'; known: {', '.join(catalogue.districts)}")
    return slug


def parse_status(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    status = normalise_status(value)
    if status is None:
        raise ParamError("status", f"unknown status '{value}'; known: {', '.join(STATUSES)}")
    return status


def parse_year(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    return parse_int(value, "year", 0, 1900, 2200)


def parse_layer(value: str | None, catalogue: Catalogue) -> str | None:
    if value is None or value == "":
        return None
    if value not in catalogue.layers:
        raise ParamError("layer", f"unknown layer '{value}'; known: {', '.join(catalogue.layers)}")
    return value


def parse_query(args: Mapping[str, str], catalogue: Catalogue, max_limit: int = MAX_LIMIT) -> Query:
    """Every items parameter of ``args`` (a request's query string)."""
    crs = args.get("crs")
    if crs not in (None, "", CRS84):
        raise ParamError("crs", f"crs '{crs}' is not supported; responses are in {CRS84} (lon/lat)")
    return Query(
        bbox=parse_bbox(args.get("bbox"), args.get("bbox-crs")),
        interval=parse_datetime(args.get("datetime")),
        district=parse_district(args.get("district"), catalogue),
        status=parse_status(args.get("status")),
        year=parse_year(args.get("year")),
        limit=parse_int(args.get("limit"), "limit", DEFAULT_LIMIT, 1, max_limit),
        offset=parse_int(args.get("offset"), "offset", 0, 0, MAX_OFFSET),
    )
