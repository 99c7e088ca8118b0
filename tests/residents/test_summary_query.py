"""Figures and filters on a small index built by hand, where every number is known."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoworks.params import ParamError
from geoworks.residents.index import RequestsIndex
from geoworks.residents.query import RequestFilter, page_of, parse_filter, select
from geoworks.residents.summary import summary, summary_text

# id, district, topic, source, round, received, on_spot, history [(date, status)], links
ROWS = [
    ("a", "almaly", "water", "meeting", 1, "2019-02-07", 1, [("2019-02-07", "explained")], []),
    (
        "b",
        "almaly",
        "roads",
        "meeting",
        1,
        "2019-02-07",
        0,
        [("2019-02-20", "in_plan"), ("2019-03-09", "satisfied")],
        [("roads", "r1")],
    ),
    (
        "c",
        "medeu",
        "water",
        "meeting",
        1,
        "2019-02-21",
        0,
        [("2019-03-01", "in_plan"), ("2019-06-01", "needs_time")],
        [("water", "w1")],
    ),
    ("d", "medeu", "gas", "meeting", 2, "2019-09-03", 0, [("2019-09-10", "in_plan"), ("2019-10-03", "satisfied")], []),
    ("e", "auezov", "land", "web", None, "2025-05-01", 0, [], []),
    ("f", "auezov", "other", "phone", None, "2025-05-02", 0, [("2025-05-03", "rejected")], [("roads", "r1")]),
]


def _index() -> RequestsIndex:
    reqs, events = [], []
    for rid, district, topic, source, rnd, received, spot, history, links in ROWS:
        reqs.append(
            {
                "id": rid,
                "text": f"text {rid} Абая",
                "topic": topic,
                "district": district,
                "source": source,
                "round": rnd,
                "received": received,
                "on_spot": spot,
                "place": "",
            }
        )
        steps = [(received, "new")] + history
        for k, (day, status) in enumerate(steps):
            events.append(
                {"request_id": rid, "kind": "status", "status": status, "date": day, "at": f"{day}T12:00", "seq": k}
            )
        for layer, work in links:
            events.append(
                {
                    "request_id": rid,
                    "kind": "link",
                    "layer": layer,
                    "work_id": work,
                    "date": received,
                    "at": "2030",
                    "seq": 0,
                }
            )
    geoms = shapely.points(np.linspace(76.9, 77.0, len(reqs)), np.full(len(reqs), 43.25))
    gdf = gpd.GeoDataFrame(pd.DataFrame(reqs), geometry=geoms, crs="EPSG:4326")
    return RequestsIndex(gdf, pd.DataFrame(events))


def test_summary_json_has_the_issue_shape_and_the_right_numbers(catalogue):
    s = summary(_index(), catalogue)
    assert {"total", "by_status", "by_district", "shares", "linked_to_works"} <= set(s)
    assert s["total"] == 6
    assert s["by_status"] == {"new": 1, "in_plan": 0, "satisfied": 2, "explained": 1, "needs_time": 1, "rejected": 1}
    assert s["by_district"]["almaly"] == {
        "total": 2,
        "by_status": {"new": 0, "in_plan": 0, "satisfied": 1, "explained": 1, "needs_time": 0, "rejected": 0},
    }
    assert s["by_district"]["bostandyk"]["total"] == 0  # every district is listed
    assert s["shares"] == {"satisfied": round(2 / 6, 4), "explained": round(1 / 6, 4), "needs_time": round(1 / 6, 4)}
    assert s["linked_to_works"] == 3 and s["not_linked_to_works"] == 3
    assert s["answered_on_spot"] == 1 and s["in_action_plan"] == 3
    assert s["median_days_to_satisfied"] == pytest.approx((30 + 30) / 2)  # b: 02-07..03-09, d: 09-03..10-03
    text = summary_text(s, catalogue)
    assert "median_days_to_satisfied" in text and "33.3 %" in text


def test_filters(catalogue):
    ix = _index()
    assert summary(ix, catalogue, RequestFilter(round=1))["total"] == 3
    assert summary(ix, catalogue, RequestFilter(district="medeu", topic="water"))["total"] == 1
    assert summary(ix, catalogue, RequestFilter(source="web"))["by_status"]["new"] == 1
    assert summary(ix, catalogue, RequestFilter(date_from="2019-02-21", date_to="2019-12-31"))["total"] == 2
    assert [ix.ids[p] for p in select(ix, RequestFilter(linked=True))] == ["f", "c", "b"]
    assert [ix.ids[p] for p in select(ix, RequestFilter(linked=True, sort="oldest"))] == ["b", "c", "f"]
    assert [ix.ids[p] for p in select(ix, RequestFilter(statuses=("satisfied", "rejected")))] == ["f", "d", "b"]
    assert [ix.ids[p] for p in select(ix, RequestFilter(q="text C абая"))] == ["c"]


def test_parsing_the_query_string(catalogue):
    f = parse_filter(
        {
            "district": "Медеуский район",
            "topic": "Газ",
            "status": ["new,in_plan", "Удовлетворено"],
            "round": "2",
            "from": "2019-01-01",
            "linked": "no",
            "page": "3",
        },
        catalogue,
    )
    assert (f.district, f.topic, f.statuses, f.round, f.linked, f.page) == (
        "medeu",
        "gas",
        ("new", "in_plan", "satisfied"),
        2,
        False,
        3,
    )
    assert parse_filter(f.args(), catalogue) == f  # links give the same filter back
    for args, parameter in [
        ({"topic": "tram"}, "topic"),
        ({"status": "closed"}, "status"),
        ({"round": "x"}, "round"),
        ({"from": "2020-02-30"}, "from"),
        ({"from": "2020-02-01", "to": "2020-01-01"}, "from"),
        ({"linked": "maybe"}, "linked"),
        ({"district": "Paris"}, "district"),
        ({"q": "x" * 201}, "q"),
    ]:
        with pytest.raises(ParamError) as err:
            parse_filter(args, catalogue)
        assert err.value.parameter == parameter


def test_pages(catalogue):
    ix = _index()
    p = page_of(select(ix, RequestFilter(per_page=4, page=2)), RequestFilter(per_page=4, page=2))
    assert (p.total, p.page, p.pages, len(p.positions)) == (6, 2, 2, 2)
    p = page_of(select(ix, RequestFilter()), RequestFilter(page=99))
    assert p.page == 1  # past the end: the last page
