"""Writing requests and their changes to the store: only appends, each call one transaction.

Uses nothing but the Store / Transaction interface (:mod:`geoworks.storage.base`), so it works
on every backend. A call either stores everything it was given or, when a check fails,
raises :class:`RequestError` before the transaction opens and stores nothing.
Geometries are lon/lat points (EPSG:4326).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.residents.model import (
    CONTACT_COLUMNS,
    CONTACTS,
    EVENT_COLUMNS,
    EVENTS,
    IMPORT_COLUMNS,
    IMPORTS,
    REQUEST_COLUMNS,
    REQUESTS,
    Change,
    NewRequest,
    RequestError,
    points_frame,
)
from geoworks.residents.validate import clean_text, definitions

if TYPE_CHECKING:
    from geoworks.residents.index import RequestsIndex
    from geoworks.storage import Store

_PREFIX = {"meeting": "m", "web": "w", "phone": "p"}


def new_request_id(source: str, received: str) -> str:
    """A new request id: source letter, received date, 6 random hex digits (``w-260615-3fa9c1``)."""
    return f"{_PREFIX.get(source, 'r')}-{received[2:4]}{received[5:7]}{received[8:10]}-{uuid.uuid4().hex[:6]}"


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat(timespec="seconds")


def _seqs(n: int) -> list[int]:
    """Increasing numbers that order events recorded in the same second (nanoseconds of the process clock)."""
    base = time.time_ns()
    return [base + i for i in range(n)]


def missing_works(store: Store, catalogue: Catalogue, links: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (layer, work id) pairs that name no stored work; RequestError for an unknown layer."""
    by_layer: dict[str, set[str]] = {}
    for layer, work_id in links:
        if layer not in catalogue.layers:
            raise RequestError(
                f"unknown layer '{layer}'; known: {', '.join(catalogue.layers)}", "layer", "layer", value=layer
            )
        by_layer.setdefault(layer, set()).add(str(work_id))
    missing = []
    for layer, ids in by_layer.items():
        found = store.read_layer(layer, where={"id": sorted(ids)})
        have = set(found["id"].astype(str)) if "id" in found.columns else set()
        missing += [(layer, i) for i in sorted(ids - have)]
    return missing


def check_works(store: Store, catalogue: Catalogue, links: Iterable[tuple[str, str]]) -> None:
    """RequestError naming the first (layer, id) pair that is not a stored work."""
    missing = missing_works(store, catalogue, links)
    if missing:
        layer, work_id = missing[0]
        raise RequestError(
            f"no work '{work_id}' in layer '{layer}'"
            + (f" (and {len(missing) - 1} more missing)" if len(missing) > 1 else ""),
            "work",
            "work_id",
            layer=layer,
            value=work_id,
        )


def _event(request_id: str, change: Change, at: str, seq: int, user: str, batch_id: str = "", n: int = -1) -> dict:
    return {
        "id": f"{request_id}-e{n:05d}" if n >= 0 and batch_id else f"{request_id}-e{uuid.uuid4().hex[:8]}",
        "request_id": request_id,
        "seq": seq,
        "at": at,
        "date": change.date,
        "kind": change.kind,
        "status": change.status or None,
        "answer": change.answer or None,
        "layer": change.layer or None,
        "work_id": change.work_id or None,
        "user": user,
        "note": change.note or None,
        "batch_id": batch_id or None,
    }


def _filing_events(rid: str, r: NewRequest) -> list[Change]:
    """A new request's first events: received as new, then its outcome and its links, if given."""
    changes = [Change("status", r.received, status="new")]
    if r.status != "new" or r.answer:
        changes.append(Change("status", r.status_date or r.received, status=r.status, answer=r.answer))
    changes += [Change("link", r.status_date or r.received, layer=lyr, work_id=w) for lyr, w in r.links]
    return changes


def filing_frames(
    items: Sequence[NewRequest],
    ids: Sequence[str],
    user: str,
    now: dt.datetime,
    batch_id: str = "",
    histories: Sequence[Sequence[Change]] | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(requests, events, contacts) frames for new requests (points, EPSG:4326).

    Each request's events are its ``histories`` entry when given (each event recorded at noon UTC of
    its date, in order: a history written at once, as the demo's), else received as new, then its
    outcome and links.
    """
    at = _stamp(now)
    reqs: list[dict] = []
    req_pts, ev_pts, ct_pts = [], [], []
    events: list[tuple[str, Change, str]] = []
    contacts: list[dict] = []
    for k, (rid, r) in enumerate(zip(ids, items)):
        reqs.append(
            {
                "id": rid,
                "text": r.text,
                "topic": r.topic,
                "district": r.district,
                "source": r.source,
                "round": r.round,
                "meeting_date": r.meeting_date,
                "received": r.received,
                "on_spot": int(r.on_spot),
                "place": r.place or None,
                "batch_id": batch_id or r.source,
                "filed_at": f"{r.received}T12:00:00+00:00" if histories is not None else at,
            }
        )
        req_pts.append((r.lon, r.lat))
        for change in histories[k] if histories is not None else _filing_events(rid, r):
            events.append((rid, change, f"{change.date}T12:00:00+00:00" if histories is not None else at))
            ev_pts.append((r.lon, r.lat))
        if r.contact:
            contacts.append({"request_id": rid, "contact": r.contact, "at": at, "batch_id": batch_id or None})
            ct_pts.append((r.lon, r.lat))
    seqs = list(range(len(events))) if histories is not None else _seqs(len(events))
    rows = [_event(rid, c, when, s, user, batch_id, k) for k, ((rid, c, when), s) in enumerate(zip(events, seqs))]
    return (
        points_frame(reqs, REQUEST_COLUMNS, req_pts),
        points_frame(rows, EVENT_COLUMNS, ev_pts),
        points_frame(contacts, CONTACT_COLUMNS, ct_pts),
    )


def file_requests(
    store: Store,
    catalogue: Catalogue,
    items: Sequence[NewRequest],
    user: str,
    now: dt.datetime,
    batch_id: str = "",
    import_row: dict | None = None,
) -> list[str]:
    """Store validated requests in one transaction (with their first events, links and contacts); their ids.

    Links are checked against the stored works first: a link to a work that does not exist stores nothing.
    ``import_row`` (a ``request_imports`` row) is recorded in the same transaction.
    """
    definitions(catalogue)
    check_works(store, catalogue, [link for r in items for link in r.links])
    ids = [f"{batch_id}-{i + 1:04d}" if batch_id else new_request_id(r.source, r.received) for i, r in enumerate(items)]
    reqs, events, contacts = filing_frames(items, ids, user, now, batch_id)
    with store.transaction() as tx:
        tx.append_layer(REQUESTS, reqs)
        tx.append_layer(EVENTS, events)
        if len(contacts):
            tx.append_layer(CONTACTS, contacts)
        if import_row is not None:
            table = tx.read_table(IMPORTS)
            row = pd.DataFrame([import_row], columns=IMPORT_COLUMNS)
            tx.write_table(IMPORTS, pd.concat([table, row], ignore_index=True) if len(table) else row)
    return ids


def _checked_change(index: RequestsIndex, catalogue: Catalogue, pos: int, change: Change) -> Change | None:
    """The change for the request at ``pos`` after its checks; None when it would change nothing."""
    rec = index.record(pos)
    if change.date < rec["received"]:
        raise RequestError(
            f"request {rec['id']}: the date {change.date} is before it was received ({rec['received']})",
            "date_order",
            "date",
            value=change.date,
            received=rec["received"],
            id=rec["id"],
        )
    if change.kind == "status" and change.status == rec["status"] and not change.answer:
        return None
    if change.kind == "link" and (change.layer, change.work_id) in index.links_of(pos):
        raise RequestError(
            f"request {rec['id']} is already linked to {change.layer} {change.work_id}",
            "linked",
            "work_id",
            value=change.work_id,
        )
    if change.kind == "unlink" and (change.layer, change.work_id) not in index.links_of(pos):
        raise RequestError(
            f"request {rec['id']} is not linked to {change.layer} {change.work_id}",
            "not_linked",
            "work_id",
            value=change.work_id,
        )
    return change


def record_changes(
    store: Store,
    catalogue: Catalogue,
    index: RequestsIndex,
    ids: Sequence[str],
    change: Change,
    user: str,
    now: dt.datetime,
) -> list[str]:
    """Record ``change`` for every request in ``ids`` in one transaction; the ids it changed.

    Requests already in the status (with no new answer) are left as they are. RequestError, with
    nothing stored, for an unknown id, a date before a request was received, a link to a work that
    does not exist or is already linked, an unlink of a work that is not linked.
    """
    defs = definitions(catalogue)
    if change.kind == "status" and change.status not in defs.statuses:
        raise RequestError(f"unknown status '{change.status}'", "status", "status", value=change.status)
    if change.kind == "link":
        check_works(store, catalogue, [(change.layer, change.work_id)])
    answer = clean_text(change.answer, "answer", required=False)
    change = Change(change.kind, change.date, change.status, answer, change.layer, change.work_id, change.note)
    todo: list[tuple[int, Change]] = []
    for rid in dict.fromkeys(ids):
        pos = index.position(rid)
        if pos is None:
            raise RequestError(f"no request '{rid}'", "not_found", "id", value=rid)
        checked = _checked_change(index, catalogue, pos, change)
        if checked is not None:
            todo.append((pos, checked))
    if not todo:
        return []
    at, seqs = _stamp(now), _seqs(len(todo))
    rows = [_event(index.ids[pos], c, at, s, user) for (pos, c), s in zip(todo, seqs)]
    points = [(float(index.lon[pos]), float(index.lat[pos])) for pos, _ in todo]
    with store.transaction() as tx:
        tx.append_layer(EVENTS, points_frame(rows, EVENT_COLUMNS, points))
    return [r["request_id"] for r in rows]


def contact_of(store: Store, request_id: str) -> str:
    """The private contact of a request ('' when none): for officials only, never for public output."""
    table = store.read_table(CONTACTS)
    if "request_id" not in table.columns or not len(table):
        return ""
    rows = table[table["request_id"].astype(str) == str(request_id)]
    return "" if not len(rows) else str(rows["contact"].iloc[-1] or "")


def rollback_import(store: Store, import_id: str, user: str, now: dt.datetime, force: bool = False) -> int:
    """Remove one import's requests, their events and contacts in one transaction; how many requests.

    RequestError (nothing changed) for an unknown or already rolled back import, or when officials have
    changed some of its requests since (their later changes would be left without a request) unless ``force``.
    """
    with store.transaction() as tx:
        imports = tx.read_table(IMPORTS)
        known = imports["id"].astype(str).tolist() if "id" in imports.columns else []
        if import_id not in known:
            raise RequestError(f"no import '{import_id}'; imports: {', '.join(known[-10:]) or '(none)'}", "batch", "id")
        i = known.index(import_id)
        if imports["status"].iloc[i] != "committed":
            raise RequestError(f"import '{import_id}' is {imports['status'].iloc[i]}", "batch", "id")
        events = tx.read_layer(EVENTS)
        if not force and "request_id" in events.columns:
            ours = events["batch_id"].astype(str) == import_id
            mine = set(events.loc[ours, "request_id"].astype(str))
            later = events[~ours & events["request_id"].astype(str).isin(mine)]
            if len(later):
                raise RequestError(
                    f"import '{import_id}': {later['request_id'].nunique()} of its requests were changed since; "
                    "use --force to remove them with their changes",
                    "batch",
                    "id",
                )
        removed = tx.delete_where(REQUESTS, "batch_id", import_id)
        tx.delete_where(EVENTS, "batch_id", import_id)
        tx.delete_where(CONTACTS, "batch_id", import_id)
        imports = imports.astype(object)
        imports.loc[imports.index[i], "status"] = "rolled_back"
        imports.loc[imports.index[i], "rolled_back"] = f"{_stamp(now)} by {user}"
        tx.write_table(IMPORTS, imports)
    return removed
