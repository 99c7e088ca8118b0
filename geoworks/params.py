"""Request parameters, parsed once for every page, API and command: one parser per kind of value.

Every parser takes the raw text (or None), returns a typed value (None when absent)
and raises :class:`ParamError` naming the parameter, the value and the problem.
``ParamError.code`` names the kind of problem (``integer``, ``range``, ``number``,
``date``, ``layer``, ``status``, ``district``, ``bbox``, ``crs``, ``too_long``) and
``params`` its values, so the web layer can show a translated message.
Coordinates are lon/lat (EPSG:4326 / OGC CRS84).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

from geoworks.catalogue import STATUSES, Catalogue
from geoworks.works import normalise_status

YEAR_MIN, YEAR_MAX = 1900, 2100
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LONLAT_CRS = (None, "", CRS84, "EPSG:4326", "http://www.opengis.net/def/crs/EPSG/0/4326")
MAX_TEXT = 2000  # characters of a free-text parameter (a street name, a search)


class ParamError(ValueError):
    """A request parameter is malformed or out of range (answered with 400)."""

    def __init__(self, parameter: str, message: str, code: str = "invalid", **params: Any):
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.code = code
        self.params = {"parameter": parameter, **params}


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

    def astuple(self) -> tuple[float, float, float, float]:
        return (self.minx, self.miny, self.maxx, self.maxy)


def _blank(value: str | None) -> bool:
    return value is None or str(value).strip() == ""


@overload
def parse_int(value: str | None, parameter: str, default: int, lo: int, hi: int) -> int: ...
@overload
def parse_int(value: str | None, parameter: str, default: None, lo: int, hi: int) -> int | None: ...
def parse_int(value: str | None, parameter: str, default: int | None, lo: int, hi: int) -> int | None:
    """An integer within lo..hi (inclusive), or ``default`` when absent."""
    if _blank(value):
        return default
    text = str(value).strip()
    if len(text) > 20 or not text.lstrip("+-").isascii() or not text.lstrip("+-").isdecimal():
        raise ParamError(parameter, f"{parameter} '{text[:40]}' is not a whole number", "integer", value=text[:40])
    n = int(text)
    if not lo <= n <= hi:
        raise ParamError(parameter, f"{parameter} {n} is out of range {lo}..{hi}", "range", value=n, lo=lo, hi=hi)
    return n


def parse_year(value: str | None, parameter: str = "year") -> int | None:
    """A year within 1900..2100 (``2019`` or a spreadsheet's ``2019.0``), or None when absent."""
    if _blank(value):
        return None
    text = str(value).strip()
    whole, dot, fraction = text.partition(".")
    try:
        integral = dot and whole and fraction.strip("0") == ""  # 2019.0
        return parse_int(whole if integral else text, parameter, None, YEAR_MIN, YEAR_MAX)
    except ParamError as exc:
        text = str(value).strip()[:40]
        raise ParamError(
            parameter,
            f"{parameter} '{text}' is not a year ({YEAR_MIN}..{YEAR_MAX})",
            "year",
            value=text,
            lo=YEAR_MIN,
            hi=YEAR_MAX,
        ) from exc


def parse_number(
    value: str | None, parameter: str, default: float | None = None, lo: float = -math.inf, hi: float = math.inf
) -> float | None:
    """A finite number within lo..hi (a decimal comma is accepted), or ``default`` when absent."""
    if _blank(value):
        return default
    text = str(value).strip().replace(",", ".")
    try:
        n = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        n = math.nan
    if not math.isfinite(n):
        raise ParamError(parameter, f"{parameter} '{text[:40]}' is not a number", "number", value=text[:40])
    if not lo <= n <= hi:
        raise ParamError(parameter, f"{parameter} {n:g} is out of range {lo:g}..{hi:g}", "range", value=n, lo=lo, hi=hi)
    return n


def parse_date(value: str | None, parameter: str = "date") -> str | None:
    """An ISO date (YYYY-MM-DD), or None when absent."""
    if _blank(value):
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]).isoformat() if len(text) == 10 else date.fromisoformat(text).isoformat()
    except ValueError:
        raise ParamError(
            parameter, f"{parameter} must be a date as YYYY-MM-DD, got '{text[:40]}'", "date", value=text[:40]
        ) from None


def parse_status(value: str | None, parameter: str = "status") -> str | None:
    """A work status (planned, in_progress, completed, cancelled; kk/ru/en aliases accepted)."""
    if _blank(value):
        return None
    status = normalise_status(value)
    if status is None:
        raise ParamError(
            parameter,
            f"unknown status '{str(value)[:40]}'; known: {', '.join(STATUSES)}",
            "status",
            value=str(value)[:40],
        )
    return status


def parse_layer(value: str | None, catalogue: Catalogue, parameter: str = "layer") -> str | None:
    """A layer id of the catalogue."""
    if _blank(value):
        return None
    text = str(value).strip()
    if text not in catalogue.layers:
        raise ParamError(
            parameter, f"unknown layer '{text[:40]}'; known: {', '.join(catalogue.layers)}", "layer", value=text[:40]
        )
    return text


def parse_district(value: str | None, catalogue: Catalogue, parameter: str = "district") -> str | None:
    """A district slug, from its slug or any of its names."""
    if _blank(value):
        return None
    slug = catalogue.district_slug(str(value))
    if slug is None:
        raise ParamError(
            parameter,
            f"unknown district '{str(value)[:40]}'; known: {', '.join(catalogue.districts)}",
            "district",
            value=str(value)[:40],
        )
    return slug


def parse_text(value: str | None, parameter: str, max_chars: int = MAX_TEXT) -> str:
    """Free text, stripped; ParamError when longer than ``max_chars``."""
    text = (value or "").strip()
    if len(text) > max_chars:
        raise ParamError(parameter, f"{parameter} is longer than {max_chars} characters", "too_long", limit=max_chars)
    return text


def parse_bbox(value: str | None, crs: str | None = None, antimeridian: bool = True) -> BBox | None:
    """``minlon,minlat,maxlon,maxlat`` (or 6 numbers with heights, ignored) in lon/lat (CRS84)."""
    if crs not in LONLAT_CRS:
        raise ParamError("bbox-crs", f"bbox-crs '{str(crs)[:80]}' is not supported; use {CRS84}", "crs")
    if _blank(value):
        return None
    parts = str(value).split(",")
    if len(parts) not in (4, 6):
        raise ParamError(
            "bbox",
            f"bbox must be 4 numbers minlon,minlat,maxlon,maxlat (or 6 with heights); got {len(parts)} values",
            "bbox",
        )
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise ParamError("bbox", f"bbox '{str(value)[:80]}' has a value that is not a number", "bbox") from None
    if not all(math.isfinite(n) for n in nums):
        raise ParamError("bbox", "bbox values must be finite numbers", "bbox")
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    minx, miny, maxx, maxy = nums
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
        raise ParamError("bbox", f"bbox '{str(value)[:80]}' is outside longitude -180..180", "bbox")
    if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        raise ParamError("bbox", f"bbox '{str(value)[:80]}' is outside latitude -90..90", "bbox")
    if miny > maxy or (minx > maxx and not antimeridian):
        raise ParamError("bbox", "bbox minimum is greater than its maximum", "bbox")
    return BBox(minx, miny, maxx, maxy)
