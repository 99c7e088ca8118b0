"""Checking what residents and officials send: texts, topics, statuses, sources, dates, places.

Every check raises :class:`geoworks.residents.model.RequestError` naming the field and the
problem; nothing is stored until every check has passed. A place is lon/lat (EPSG:4326); its
district is assigned by the same point-in-district assignment the measuring uses
(:func:`geoworks.works.annotate`); a point in no district is outside the city and refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import shapely

from geoworks.catalogue import Catalogue, RequestsDef
from geoworks.measure import OUTSIDE
from geoworks.params import ParamError, parse_date, parse_int, parse_number
from geoworks.residents.model import MAX_CONTACT, MAX_PLACE, MAX_TEXT, WGS84, NewRequest, RequestError
from geoworks.works import annotate

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ROUND_MAX = 1000


def definitions(catalogue: Catalogue) -> RequestsDef:
    """The catalogue's requests definition; RequestError when layers/requests.json is absent."""
    if catalogue.requests is None:
        raise RequestError("residents' requests are not defined (layers/requests.json is missing)", "config")
    return catalogue.requests


def clean_text(value: Any, field: str = "text", max_chars: int = MAX_TEXT, required: bool = True) -> str:
    """``value`` as text: line ends made \\n, control characters dropped, stripped; RequestError when
    empty (if ``required``) or longer than ``max_chars`` characters."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))).strip()
    if required and not text:
        raise RequestError(f"{field} is empty", "text_empty", field)
    if len(text) > max_chars:
        code = {"text": "text_long", "answer": "answer_long", "contact": "contact_long", "place": "place_long"}
        raise RequestError(
            f"{field} has {len(text)} characters; at most {max_chars} are allowed",
            code.get(field, "text_long"),
            field,
            limit=max_chars,
            length=len(text),
        )
    return text


def _check_known(
    value: Any, lookup: Callable[[str | None], str | None], known: Iterable[str], kind: str, field: str
) -> str:
    """The id ``lookup`` finds for ``value``, or a RequestError naming the known ones."""
    found = lookup(None if value is None else str(value))
    if found is None:
        raise RequestError(f"unknown {kind} '{str(value)[:60]}'; known: {', '.join(known)}", kind, field, value=value)
    return found


def check_topic(value: Any, defs: RequestsDef) -> str:
    return _check_known(value, defs.topic_id, defs.topics, "topic", "topic")


def check_status(value: Any, defs: RequestsDef, field: str = "status") -> str:
    return _check_known(value, defs.status_id, defs.statuses, "status", field)


def check_source(value: Any, defs: RequestsDef) -> str:
    return _check_known(value, defs.source_id, defs.sources, "source", "source")


def check_date(value: Any, field: str, today: dt.date, required: bool = False) -> str | None:
    """An ISO date (YYYY-MM-DD, or DD.MM.YYYY), not after ``today``; None when absent and not required."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
    if isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()[:10]
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if m:
        text = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    if not text:
        if required:
            raise RequestError(f"{field} is missing", "date", field, value="")
        return None
    try:
        day = parse_date(text[:10] if re.match(r"\d{4}-\d\d-\d\dT", text) else text, field)
    except ParamError:
        raise RequestError(
            f"{field} must be a date as YYYY-MM-DD, got '{text[:40]}'", "date", field, value=text
        ) from None
    if day is not None and day > today.isoformat():
        raise RequestError(f"{field} {day} is in the future (today is {today})", "date_future", field, value=day)
    return day


def check_round(value: Any) -> int | None:
    """A meeting round number (1..1000), None when absent."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    try:
        return parse_int(text or None, "round", None, 1, ROUND_MAX)
    except ParamError:
        raise RequestError(
            f"round must be a whole number 1..{ROUND_MAX}, got '{text[:20]}'", "round", "round"
        ) from None


def check_point(lon: Any, lat: Any) -> tuple[float, float] | None:
    """(lon, lat) in degrees (EPSG:4326) when both are given; None when both are absent."""
    blank = [v is None or str(v).strip() == "" or (isinstance(v, float) and math.isnan(v)) for v in (lon, lat)]
    if all(blank):
        return None
    try:
        x = parse_number(None if blank[0] else str(lon), "lon", None, -180, 180)
        y = parse_number(None if blank[1] else str(lat), "lat", None, -90, 90)
    except ParamError:
        raise RequestError(
            f"coordinates must be numbers (lat -90..90, lon -180..180), got lat={lat!r}, lon={lon!r}",
            "location",
            "lat" if not blank[1] else "lon",
        ) from None
    if x is None or y is None:
        raise RequestError("give both lat and lon (or a street)", "location", "lon" if x is None else "lat")
    return float(x), float(y)


def assign_districts(
    points: Sequence[tuple[float, float]], catalogue: Catalogue, districts: gpd.GeoDataFrame
) -> list[str]:
    """The district slug of each lon/lat point (``outside`` when in none), by the measuring's assignment."""
    if not points:
        return []
    geoms = shapely.points([p[0] for p in points], [p[1] for p in points])
    frame = gpd.GeoDataFrame({"id": [str(i) for i in range(len(points))]}, geometry=geoms, crs=WGS84)
    assigned = annotate(frame, definitions(catalogue).as_layer(), districts)
    return [str(d) for d in assigned["district"]]


def outside_error(lon: float, lat: float, catalogue: Catalogue) -> RequestError:
    return RequestError(
        f"lat={lat:.5f} lon={lon:.5f} is outside every district of {catalogue.city.names.en}",
        "outside",
        "location",
        lat=round(lat, 5),
        lon=round(lon, 5),
    )


def request_fields(raw: Mapping[str, Any], defs: RequestsDef, today: dt.date) -> dict[str, Any]:
    """Every field of a new request except its place, checked (see :class:`NewRequest`)."""
    source = check_source(raw.get("source") or "web", defs)
    received = check_date(raw.get("received"), "received", today) or today.isoformat()
    meeting_date = check_date(raw.get("meeting_date"), "meeting_date", today)
    rnd = check_round(raw.get("round"))
    if source != "meeting" and (rnd is not None or meeting_date):
        raise RequestError("a round and a meeting date belong to meeting requests", "round", "source")
    status = check_status(raw.get("status") or "new", defs)
    status_date = check_date(raw.get("status_date"), "status_date", today) or (meeting_date or received)
    if status_date < received:
        raise RequestError(
            f"status_date {status_date} is before the request was received ({received})",
            "date_order",
            "status_date",
            value=status_date,
            received=received,
        )
    return {
        "text": clean_text(raw.get("text")),
        "topic": check_topic(raw.get("topic"), defs),
        "source": source,
        "round": rnd,
        "meeting_date": meeting_date,
        "received": received,
        "on_spot": _yes(raw.get("on_spot")),
        "place": clean_text(raw.get("place"), "place", MAX_PLACE, required=False),
        "contact": clean_text(raw.get("contact"), "contact", MAX_CONTACT, required=False),
        "status": status,
        "status_date": status_date,
        "answer": clean_text(raw.get("answer"), "answer", MAX_TEXT, required=False),
    }


_YES = ("1", "yes", "y", "true", "да", "иә", "ия", "on", "+", "x")


def _yes(value: Any) -> bool:
    return str(value if value is not None else "").strip().casefold() in _YES


def new_request(
    raw: Mapping[str, Any], catalogue: Catalogue, districts: gpd.GeoDataFrame, today: dt.date
) -> NewRequest:
    """One request from a form: fields checked, the point (``lon``, ``lat``) placed in its district."""
    defs = definitions(catalogue)
    fields = request_fields(raw, defs, today)
    point = check_point(raw.get("lon"), raw.get("lat"))
    if point is None:
        raise RequestError("choose the place: click on the map or give a street", "location", "location")
    district = assign_districts([point], catalogue, districts)[0]
    if district == OUTSIDE:
        raise outside_error(point[0], point[1], catalogue)
    return NewRequest(lon=point[0], lat=point[1], district=district, **fields)
