"""What the forms do: file a request (with the near-me street search for its place), change statuses
(one request or many), link and unlink works. No Flask: a form is a mapping of field -> text.

Each function checks everything first and stores in one transaction, or stores nothing and says
why in the reader's language (:class:`geoworks.residents.words.Words`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from geoworks.catalogue import Catalogue
from geoworks.residents.index import RequestsIndex
from geoworks.residents.model import MAX_TEXT, Change, RequestError
from geoworks.residents.records import file_requests, record_changes
from geoworks.residents.validate import check_date, check_status, clean_text, definitions, new_request
from geoworks.residents.words import Words, request_error

if TYPE_CHECKING:
    from geoworks.near.streets import Candidate, StreetIndex
    from geoworks.storage import Store

FORM_FIELDS = (
    "text",
    "topic",
    "lat",
    "lon",
    "street",
    "pick",
    "contact",
    "source",
    "received",
    "round",
    "meeting_date",
)
OFFICIAL_FIELDS = ("source", "received", "round", "meeting_date")


@dataclass
class Filing:
    """What became of a filing: the new request's id, or the problems, or the places to choose from."""

    values: dict[str, str]
    request_id: str | None = None
    errors: list[str] = field(default_factory=list)
    candidates: list[Candidate] | None = None

    @property
    def status(self) -> int:
        return 400 if self.errors else 200


def _locate(values: dict[str, str], streets: StreetIndex | None) -> list[Candidate] | None:
    """Fill lat/lon from a chosen street (``pick``) or a street naming one place; the candidates when it names
    several. RequestError when nothing has that name."""
    if values.get("lat") or values.get("lon"):
        return None
    if streets is not None and values.get("pick"):
        cand = streets.get(values["pick"])
        if cand is None:
            raise RequestError("unknown place", "street", "street", value=values["pick"].partition("|")[0])
        values.update(lat=f"{cand.lat:.6f}", lon=f"{cand.lon:.6f}", street=cand.name_ru or cand.name)
        return None
    text = values.get("street", "").strip()
    if not text:
        return None
    cands = streets.search(text, limit=12) if streets is not None else []
    if not cands:
        raise RequestError(f"nothing named '{text}'", "street", "street", value=text)
    if len(cands) > 1:
        return cands
    values.update(lat=f"{cands[0].lat:.6f}", lon=f"{cands[0].lon:.6f}")
    return None


def file_from_form(
    store: Store,
    catalogue: Catalogue,
    form: Mapping[str, Any],
    *,
    districts: gpd.GeoDataFrame,
    streets: StreetIndex | None,
    today: dt.date,
    now: dt.datetime,
    user: str,
    official: bool,
    words: Words,
) -> Filing:
    """File one request from the form. Residents (and anonymous visitors) file web requests received today;
    officials may also say where it came from (phone, a meeting's round and date) and when."""
    values = {k: str(form.get(k) or "").strip() for k in FORM_FIELDS}
    if not official:
        values.update(source="web", received="", round="", meeting_date="")
    out = Filing(values)
    try:
        out.candidates = _locate(values, streets)
        if out.candidates:
            return out
        raw = {**values, "place": values.get("street", ""), "source": values["source"] or "web"}
        request = new_request(raw, catalogue, districts, today)
        out.request_id = file_requests(store, catalogue, [request], user, now)[0]
    except RequestError as exc:
        out.errors.append(request_error(exc, words))
    return out


def change_from_form(
    store: Store,
    catalogue: Catalogue,
    index: RequestsIndex,
    ids: Sequence[str],
    form: Mapping[str, Any],
    *,
    today: dt.date,
    now: dt.datetime,
    user: str,
    words: Words,
) -> tuple[list[str], str | None]:
    """Set the status (with its date, an answer and a note) of every request in ``ids``: (changed ids, problem)."""
    try:
        if not ids:
            raise RequestError("choose at least one request", "nothing", "ids")
        status = check_status(form.get("status"), definitions(catalogue))
        day = check_date(form.get("date"), "date", today) or today.isoformat()
        answer = clean_text(form.get("answer"), "answer", MAX_TEXT, required=False)
        note = clean_text(form.get("note"), "note", 500, required=False)
        change = Change("status", day, status=status, answer=answer, note=note)
        return record_changes(store, catalogue, index, ids, change, user, now), None
    except RequestError as exc:
        return [], request_error(exc, words)


def link_from_form(
    store: Store,
    catalogue: Catalogue,
    index: RequestsIndex,
    request_id: str,
    form: Mapping[str, Any],
    *,
    unlink: bool,
    today: dt.date,
    now: dt.datetime,
    user: str,
    words: Words,
) -> str | None:
    """Link (or unlink) the work ``layer`` + ``work_id`` (or ``work`` = "layer:id") to a request; the problem,
    or None."""
    work = str(form.get("work") or "").strip()
    layer, _, work_id = (
        work.partition(":") if work else (str(form.get("layer") or ""), ":", str(form.get("work_id") or ""))
    )
    try:
        if not layer.strip() or not work_id.strip():
            raise RequestError("give the work as layer:id", "work", "work_id", layer=layer or "?", value=work_id or "?")
        change = Change("unlink" if unlink else "link", today.isoformat(), layer=layer.strip(), work_id=work_id.strip())
        record_changes(store, catalogue, index, [request_id], change, user, now)
        return None
    except RequestError as exc:
        return request_error(exc, words)
