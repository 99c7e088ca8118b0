"""Atom feeds (RFC 4287) of the works near a place, built with ElementTree (all text escaped).

Each work has a stable entry id, ``urn:geoworks:work:<layer>:<id>``. Its
``updated`` time is the latest of: when its batch was imported, and its start
and end dates that have already come (so an entry moves up when a work starts
or ends). Entries are newest first.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from geoworks import clock

ATOM = "http://www.w3.org/2005/Atom"
GEORSS = "http://www.georss.org/georss"
AUTHOR = "geoworks"
EPOCH = "1970-01-01T00:00:00Z"  # the updated time of an empty feed
ET.register_namespace("", ATOM)
ET.register_namespace("georss", GEORSS)


@dataclass(frozen=True)
class FeedEntry:
    """One Atom entry: a work (its stable id, when it last changed, a link back to the page)."""

    id: str
    title: str
    updated: str  # RFC 3339
    link: str
    summary: str
    category: str
    point: tuple[float, float] | None = None  # lat, lon


def entry_id(layer: str, work_id: str) -> str:
    """The stable Atom id of a work."""
    return f"urn:geoworks:work:{layer}:{work_id}"


def _rfc3339(value: dt.datetime) -> str:
    """``value`` in UTC as RFC 3339 to the second (naive times are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def work_updated(start: str | None, end: str | None, imported: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When a work last changed, as far as geoworks knows (see the module doc); UTC."""
    times = [imported] if imported else []
    for d in (start, end):
        try:
            day = dt.datetime.fromisoformat(str(d)[:10]).replace(tzinfo=dt.UTC)
        except (TypeError, ValueError):
            continue
        if day <= now:
            times.append(day)
    return max(times) if times else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def batch_times(batches: pd.DataFrame | None) -> dict[str, dt.datetime]:
    """batch id -> import time (UTC) from the store's ``batches`` table."""
    out: dict[str, dt.datetime] = {}
    if batches is None or not len(batches) or "id" not in batches or "created" not in batches:
        return out
    for bid, created in zip(batches["id"], batches["created"]):
        try:
            t = dt.datetime.fromisoformat(str(created).replace("Z", "+00:00"))
        except ValueError:
            continue
        out[str(bid)] = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    return out


def near_entries(
    works: Iterable[Mapping],
    *,
    describe: Callable[[Mapping], tuple[str, str, str]],
    link: Callable[[Mapping], str],
    imported: Mapping[str, dt.datetime] | None = None,
    now: dt.datetime | None = None,
) -> list[FeedEntry]:
    """Feed entries for a near result's works, newest first (ties: nearest first).

    ``describe(work) -> (title, summary, category)`` and ``link(work) -> URL`` come from
    the caller (they know the language and the app's URLs).
    """
    now = now or clock.now()
    imported = imported or {}
    items = []
    for pos, w in enumerate(works):
        updated = work_updated(w.get("start_date"), w.get("end_date"), imported.get(str(w.get("batch_id", ""))), now)
        title, summary, category = describe(w)
        geom = w.get("geometry")
        point = None
        if geom is not None and not geom.is_empty:
            rp = geom.representative_point()
            point = (rp.y, rp.x)
        items.append(
            (
                updated,
                pos,
                FeedEntry(
                    entry_id(str(w["layer"]), str(w["id"])), title, _rfc3339(updated), link(w), summary, category, point
                ),
            )
        )
    items.sort(key=lambda t: (-t[0].timestamp(), t[1]))
    return [e for _, _, e in items]


def atom_feed(
    *, feed_id: str, title: str, self_url: str, alternate_url: str, entries: list[FeedEntry], lang: str = "ru"
) -> bytes:
    """An Atom document (UTF-8 bytes), updated at its newest entry's time (RFC 3339, UTC)."""
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = max(e.updated for e in entries) if entries else EPOCH
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "type": "application/atom+xml", "href": self_url})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": alternate_url})
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = AUTHOR
    ET.SubElement(feed, f"{{{ATOM}}}generator").text = "geoworks"
    for e in entries:
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(item, f"{{{ATOM}}}id").text = e.id
        ET.SubElement(item, f"{{{ATOM}}}title").text = e.title
        ET.SubElement(item, f"{{{ATOM}}}updated").text = e.updated
        ET.SubElement(item, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": e.link})
        ET.SubElement(item, f"{{{ATOM}}}summary", {"type": "text"}).text = e.summary
        ET.SubElement(item, f"{{{ATOM}}}category", {"term": e.category})
        if e.point:
            ET.SubElement(item, f"{{{GEORSS}}}point").text = f"{e.point[0]:.6f} {e.point[1]:.6f}"
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
