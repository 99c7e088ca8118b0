"""Atom feed builder: stable ids, updated times, newest first, escaping; parsed with feedparser."""

from __future__ import annotations

import datetime as dt

import feedparser
import shapely

from geoworks.near.feeds import atom_feed, entry_id, near_entries, work_updated

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
IMPORTED = {"b1": dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)}


def test_updated_is_latest_past_event():
    imp = IMPORTED["b1"]
    assert work_updated("2026-03-01", "2026-12-31", imp, NOW) == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert work_updated("2025-03-01", "2026-05-31", imp, NOW) == dt.datetime(2026, 5, 31, tzinfo=dt.UTC)
    assert work_updated("2026-12-01", "2026-12-31", imp, NOW) == imp  # planned: nothing happened yet
    assert work_updated(None, "garbage", None, NOW).year == 1970


def test_feed_entries_newest_first_and_parse():
    works = [
        {
            "layer": "roads",
            "id": "a",
            "start_date": "2026-12-01",
            "end_date": "2026-12-31",
            "batch_id": "b1",
            "name": "<b>x</b>",
            "geometry": shapely.Point(76.93, 43.25),
        },
        {
            "layer": "water",
            "id": "b",
            "start_date": "2026-05-20",
            "end_date": "2026-12-31",
            "batch_id": "b1",
            "name": "y & z",
            "geometry": shapely.LineString([(76.93, 43.25), (76.94, 43.25)]),
        },
        {
            "layer": "gas",
            "id": "c",
            "start_date": "2026-02-01",
            "end_date": "2026-04-01",
            "batch_id": "b1",
            "name": "c",
            "geometry": None,
        },
    ]
    entries = near_entries(
        works,
        describe=lambda w: (f"title {w['name']}", f"summary {w['name']}", w["layer"]),
        link=lambda w: f"http://x/near?focus={w['layer']}:{w['id']}&a=1",
        imported=IMPORTED,
        now=NOW,
    )
    assert [e.id for e in entries] == [entry_id("water", "b"), entry_id("gas", "c"), entry_id("roads", "a")]
    body = atom_feed(
        feed_id="urn:test",
        title="T <&>",
        self_url="http://x/near.atom?a=1&b=2",
        alternate_url="http://x/near",
        entries=entries,
    )
    feed = feedparser.parse(body)
    assert not feed.bozo
    assert feed.feed.title == "T <&>"
    assert [e.id for e in feed.entries] == [
        "urn:geoworks:work:water:b",
        "urn:geoworks:work:gas:c",
        "urn:geoworks:work:roads:a",
    ]
    assert feed.entries[0].updated == "2026-05-20T00:00:00Z"
    assert feed.entries[2].title == "title <b>x</b>"  # text, escaped in the XML, not markup
    assert b"<b>x</b>" not in body
    assert feed.entries[2].link == "http://x/near?focus=roads:a&a=1"
    assert feed.feed.updated == "2026-05-20T00:00:00Z"
