"""The Atom feed of one request's changes (RFC 4287, written by :func:`geoworks.near.feeds.atom_feed`,
so every text is escaped by ElementTree).

One entry per change: received, each status change (with its answer), each work linked or
unlinked. Entry ids are stable (``urn:geoworks:request:<id>:<event id>``) so a feed reader never
shows a change twice; ``updated`` is when the change was recorded (UTC). Newest first. Who made a
change and the resident's contact are never in the feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from geoworks.catalogue import Catalogue
from geoworks.near.feeds import FeedEntry, atom_feed
from geoworks.residents.index import RequestsIndex
from geoworks.residents.words import Words, names


def _time(value: Any) -> str:
    """A stored RFC 3339 time as UTC ``...Z`` (the epoch when unreadable)."""
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return "1970-01-01T00:00:00Z"
    t = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _describe(
    ev: Mapping[str, Any], catalogue: Catalogue, lang: str, words: Words, work_name: Callable[[str, str], str]
) -> tuple[str, str]:
    """(title, summary) of one event in ``lang``."""
    _ = words.gettext
    n = names(catalogue, lang)
    kind = ev.get("kind")
    if kind == "status":
        status = n["statuses"].get(str(ev.get("status")), str(ev.get("status")))
        title = _("Received") if ev.get("status") == "new" else _("Status: %(status)s", status=status)
        summary = f"{ev.get('date')}: {status}" + (f". {ev['answer']}" if ev.get("answer") else "")
        return title, summary
    if kind == "answer":
        return _("Answer"), f"{ev.get('date')}: {ev.get('answer') or ''}"
    layer = str(ev.get("layer") or "")
    layer_name = catalogue.layers[layer].names.get(lang) if layer in catalogue.layers else layer
    what = f"{layer_name}: {work_name(layer, str(ev.get('work_id') or ''))}"
    title = _("Linked to a work") if kind == "link" else _("No longer linked to a work")
    return title, f"{ev.get('date')}: {what}"


def request_feed(
    index: RequestsIndex,
    pos: int,
    catalogue: Catalogue,
    lang: str,
    words: Words,
    *,
    self_url: str,
    page_url: str,
    work_name: Callable[[str, str], str],
) -> bytes:
    """The Atom document (UTF-8) of the changes of the request at ``pos``; ``work_name(layer, id)`` names a
    linked work (its id when it is no longer stored)."""
    rid = str(index.ids[pos])
    entries = []
    for k, ev in enumerate(index.history(pos)):
        title, summary = _describe(ev, catalogue, lang, words, work_name)
        entries.append(
            FeedEntry(
                id=f"urn:geoworks:request:{rid}:{ev.get('id') or k}",
                title=title,
                updated=_time(ev.get("at")),
                link=page_url,
                summary=summary,
                category=str(ev.get("kind")),
                point=(float(index.lat[pos]), float(index.lon[pos])),
            )
        )
    entries.reverse()
    entries.sort(key=lambda e: e.updated, reverse=True)
    return atom_feed(
        feed_id=f"urn:geoworks:request:{rid}",
        title=words.gettext("Request %(id)s: changes", id=rid),
        self_url=self_url,
        alternate_url=page_url,
        entries=entries,
        lang=lang,
    )
