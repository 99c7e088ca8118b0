"""Residents' requests: the stored tables, their columns, and the values passed between the modules.

Four tables, every one only ever appended to (a commit never rewrites a request or an event):

- ``requests`` (points, lon/lat EPSG:4326): what was asked, where and when. Written once, when filed
  or imported: id, text, topic, district (assigned from the point by the measuring's
  point-in-district assignment), source (meeting, web, phone), round and meeting_date (meetings),
  received (YYYY-MM-DD), on_spot (1: answered at the meeting), place (the street or address the
  resident gave), batch_id, filed_at (UTC, RFC 3339).
- ``request_events`` (the request's point): every change, never overwritten. ``kind`` is
  ``status`` (status, date, answer), ``answer`` (a new answer text), ``link`` / ``unlink``
  (layer, work_id). A request's current status is its latest status event; its links are the
  (layer, work) pairs whose latest event is ``link``. Events are ordered by (at, seq).
- ``request_contacts``: the resident's optional contact, private: never in any public output.
- ``request_imports``: one row per imported file (id, created, user, file, checksum, requests, status).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

REQUESTS = "requests"
EVENTS = "request_events"
CONTACTS = "request_contacts"
IMPORTS = "request_imports"
TABLES = (REQUESTS, EVENTS, CONTACTS, IMPORTS)
WGS84 = "EPSG:4326"

MAX_TEXT = 5000  # characters of a request's text or an answer
MAX_CONTACT = 200  # characters of a contact
MAX_PLACE = 300  # characters of a street or address
OPEN_STATUSES = ("new", "in_plan", "needs_time")  # work still expected
WORK_STATUSES_SUGGESTED = ("planned", "in_progress")  # works suggested to answer a request

REQUEST_COLUMNS: dict[str, str] = {
    "id": "str",
    "text": "str",
    "topic": "str",
    "district": "str",
    "source": "str",
    "round": "int",
    "meeting_date": "str",
    "received": "str",
    "on_spot": "int",
    "place": "str",
    "batch_id": "str",
    "filed_at": "str",
}
EVENT_COLUMNS: dict[str, str] = {
    "id": "str",
    "request_id": "str",
    "seq": "int",
    "at": "str",
    "date": "str",
    "kind": "str",
    "status": "str",
    "answer": "str",
    "layer": "str",
    "work_id": "str",
    "user": "str",
    "note": "str",
    "batch_id": "str",
}
CONTACT_COLUMNS: dict[str, str] = {"request_id": "str", "contact": "str", "at": "str", "batch_id": "str"}
IMPORT_COLUMNS = ["id", "created", "user", "file", "checksum", "requests", "status", "rolled_back"]
EVENT_KINDS = ("status", "answer", "link", "unlink")


class RequestError(ValueError):
    """A request, a change or an imported row is refused; nothing was stored.

    ``code`` names the problem (text_empty, text_long, topic, status, source, location, outside,
    date, date_future, date_order, round, layer, work, linked, not_linked, same_status,
    not_found, contact_long, place_long, street, street_ambiguous, answer_long, empty_file,
    columns, duplicate, batch), ``field`` the field, ``params`` the values for a translated
    message; ``row`` the row of an imported file (from 1, after the header).
    """

    def __init__(self, message: str, code: str, field: str = "", row: int | None = None, **params: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.row = row
        self.params = params

    def located(self, row: int) -> RequestError:
        """The same problem, at row ``row`` of a file."""
        return RequestError(self.message, self.code, self.field, row, **self.params)


@dataclass(frozen=True)
class NewRequest:
    """A request ready to be stored: validated, with its district assigned (lon/lat, EPSG:4326)."""

    text: str
    topic: str
    lon: float
    lat: float
    district: str
    received: str  # YYYY-MM-DD
    source: str = "web"
    round: int | None = None
    meeting_date: str | None = None
    on_spot: bool = False
    place: str = ""
    contact: str = ""
    status: str = "new"  # the status it arrives with (an imported meeting's outcome)
    status_date: str | None = None  # when it got that status (default: received)
    answer: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (layer, work id) pairs that answer it


@dataclass(frozen=True)
class Change:
    """A status change, an answer, or a link to be recorded for one or more requests."""

    kind: str  # status | answer | link | unlink
    date: str  # YYYY-MM-DD: when it happened
    status: str = ""
    answer: str = ""
    layer: str = ""
    work_id: str = ""
    note: str = ""


@dataclass
class ImportResult:
    """The requests read from a file, or the problems that stop it (nothing is stored then)."""

    file: str
    requests: list[NewRequest] = field(default_factory=list)
    errors: list[RequestError] = field(default_factory=list)
    checksum: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.requests)


def _typed(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    df = df.copy()
    for col, typ in columns.items():
        if col not in df.columns:
            df[col] = None
        if typ == "int":
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
        else:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def points_frame(rows: list[dict], columns: dict[str, str], lonlat: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    """Rows with the standard ``columns`` (in order, typed) and points at ``lonlat`` (EPSG:4326)."""
    df = _typed(pd.DataFrame(rows, columns=list(columns)), columns)
    geoms = shapely.points([p[0] for p in lonlat], [p[1] for p in lonlat]) if lonlat else []
    return gpd.GeoDataFrame(df[list(columns)], geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)


def stored(df: pd.DataFrame, columns: dict[str, str], key: str) -> pd.DataFrame:
    """A stored table with the standard ``columns`` typed; an empty one when the table is absent
    (the store reads an absent table as an empty works table, without ``key``)."""
    if key not in df.columns:
        df = pd.DataFrame({c: [] for c in columns})
    return _typed(df, columns)
