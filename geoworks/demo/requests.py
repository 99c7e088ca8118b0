"""Demo residents' requests that reproduce the report's first round of district meetings.

Round 1 (February 2019, one meeting per district): 880 questions, 123 answered on the spot,
756 put into the districts' action plans, one answered later in writing; in the end 350
satisfied (39.8 %), 354 explained (40.2 %, "over 40 %") and 176 needing time (20.0 %: water
supply, roads, landscaping, land plots). Round 2 (September 2019): 786 questions. Then 60
requests filed on the website or by phone in 2025. Texts are in Kazakh and Russian. A request
a work answers lies near that work (20-200 m) and is linked to it: satisfied ones to completed
works, the ones needing time to planned or in-progress works. Generated in UTM 43N metres with
their own random stream (the works of the demo do not change), stored in lon/lat.
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import shapely

from geoworks.catalogue import Catalogue
from geoworks.demo.request_texts import ANSWERS, QUESTIONS
from geoworks.geodesy import UTM43N, WGS84, project_xy, to_metric
from geoworks.residents.model import CONTACTS, EVENTS, REQUESTS, Change, NewRequest
from geoworks.residents.records import filing_frames
from geoworks.residents.validate import assign_districts

ROUND1_DATES = {
    "alatau": "2019-02-05",
    "almaly": "2019-02-07",
    "auezov": "2019-02-12",
    "bostandyk": "2019-02-14",
    "zhetysu": "2019-02-19",
    "medeu": "2019-02-21",
    "nauryzbay": "2019-02-26",
    "turksib": "2019-02-28",
}
ROUND1_COUNTS = {"alatau": 110, "almaly": 105, "auezov": 140, "bostandyk": 120, "zhetysu": 90, "medeu": 95}
ROUND1_COUNTS |= {"nauryzbay": 80, "turksib": 140}  # 880 in all
# (how it was answered, final status, how many): 123 on the spot, 756 in the action plans, 1 later
ROUND1_OUTCOMES = [
    ("on_spot", "satisfied", 22),
    ("on_spot", "explained", 101),
    ("plan", "satisfied", 328),
    ("plan", "explained", 252),
    ("plan", "needs_time", 176),
    ("later", "explained", 1),
]
ROUND2_COUNTS = {"alatau": 98, "almaly": 92, "auezov": 125, "bostandyk": 108, "zhetysu": 80, "medeu": 85}
ROUND2_COUNTS |= {"nauryzbay": 70, "turksib": 128}  # 786
ROUND2_OUTCOMES = [
    ("on_spot", "explained", 75),
    ("on_spot", "satisfied", 20),
    ("plan", "satisfied", 240),
    ("plan", "explained", 230),
    ("plan", "needs_time", 130),
    ("plan", "in_plan", 91),
]
ONLINE_OUTCOMES = [("new", 25), ("in_plan", 15), ("explained", 8), ("satisfied", 7), ("needs_time", 4), ("rejected", 1)]
TOPIC_WEIGHTS = {"water": 14, "sewer": 7, "roads": 18, "aryks": 7, "lighting": 9, "power": 6, "heating": 5}
TOPIC_WEIGHTS |= {"gas": 6, "courtyards": 10, "landscaping": 8, "land": 5, "other": 5}
NEEDS_TIME_TOPICS = {"water": 35, "roads": 35, "landscaping": 20, "land": 10}
MARGIN_M = 30.0  # demo requests stay this far inside their district


class _Places:
    """Points (UTM 43N metres) inside a district, or near a work of a layer in it."""

    def __init__(self, rng: np.random.Generator, districts: gpd.GeoDataFrame, works: dict[str, gpd.GeoDataFrame]):
        self.rng = rng
        metric = to_metric(districts)
        self.areas = {s: g.buffer(-MARGIN_M) for s, g in zip(metric["slug"], metric.geometry)}
        for a in self.areas.values():
            shapely.prepare(a)
        self.works = {lid: to_metric(gdf) for lid, gdf in works.items() if len(gdf)}

    def inside(self, slug: str) -> tuple[float, float]:
        area = self.areas[slug]
        x0, y0, x1, y1 = area.bounds
        while True:
            x, y = self.rng.uniform(x0, x1), self.rng.uniform(y0, y1)
            if area.contains(shapely.Point(x, y)):
                return x, y

    def near_work(
        self, layer: str, slug: str, statuses: tuple[str, ...], after: str = ""
    ) -> tuple[dict, float, float] | None:
        """A work of ``layer`` in district ``slug`` with one of ``statuses`` (completed: ended after ``after``)
        and a point 20-200 m from it inside the district; None when the district has no such work."""
        w = self.works.get(layer)
        if w is None:
            return None
        ok = (w["district"] == slug) & w["status"].isin(statuses)
        if "completed" in statuses and after:
            ok &= (w["status"] != "completed") | ((w["end_date"] >= after) & (w["year"] == int(after[:4])))
        cands = w[ok]
        if not len(cands):
            return None
        for _ in range(30):
            row = cands.iloc[int(self.rng.integers(0, len(cands)))]
            line = row.geometry.boundary if row.geometry.geom_type.endswith("Polygon") else row.geometry
            base = line.interpolate(self.rng.random(), normalized=True) if line.geom_type != "Point" else line
            angle, dist = self.rng.uniform(0, 2 * math.pi), self.rng.uniform(20, 200)
            x, y = base.x + dist * math.cos(angle), base.y + dist * math.sin(angle)
            if self.areas[slug].contains(shapely.Point(x, y)):
                return row.to_dict(), x, y
        return None


def _pick(rng: np.random.Generator, weights: dict[str, int]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _day(start: str, days: int | np.integer) -> str:
    return (dt.date.fromisoformat(start) + dt.timedelta(days=int(days))).isoformat()


class _Builder:
    """Demo requests with their histories, one at a time."""

    def __init__(self, catalogue: Catalogue, places: _Places, rng: np.random.Generator, streets: list[tuple[str, str]]):
        self.catalogue, self.places, self.rng, self.streets = catalogue, places, rng, streets
        self.items: list[NewRequest] = []
        self.histories: list[list[Change]] = []
        self.ids: list[str] = []

    def _text(self, table: dict, key: str, lang: str, **values: object) -> str:
        options = table[key][lang]
        return options[int(self.rng.integers(0, len(options)))].format(**values)

    def _answering_work(self, topic: str, slug: str, final: str, plan_date: str) -> tuple[dict, float, float] | None:
        layers = self.catalogue.requests.topics[topic].layers if self.catalogue.requests else ()
        if not layers or final not in ("satisfied", "needs_time"):
            return None
        layer = layers[int(self.rng.integers(0, len(layers)))]
        statuses = ("completed",) if final == "satisfied" else ("planned", "in_progress")
        found = self.places.near_work(layer, slug, statuses, plan_date if final == "satisfied" else "")
        return None if found is None else ({**found[0], "layer": layer}, found[1], found[2])

    def add(self, rid: str, slug: str, received: str, way: str, final: str, **kw) -> None:
        """One request received on ``received`` in district ``slug``, answered ``way`` (on_spot, plan, later,
        online) with the ``final`` status; ``kw``: source, round, meeting_date, contact."""
        rng = self.rng
        topic = _pick(rng, NEEDS_TIME_TOPICS if final == "needs_time" else TOPIC_WEIGHTS)
        lang = "kk" if rng.random() < 0.45 else "ru"
        plan_date = _day(received, rng.integers(5, 21))
        work = self._answering_work(topic, slug, final, plan_date) if way in ("plan", "online") else None
        history = [Change("status", received, status="new")]
        if way == "plan" or (way == "online" and final != "new"):
            history.append(Change("status", plan_date, status="in_plan", answer=self._text(ANSWERS, "in_plan", lang)))
        end = received if way == "on_spot" else _day(plan_date, rng.integers(10, 300))
        if work is not None and final == "satisfied":
            end = max(str(work[0]["end_date"]), plan_date)
        end = min(end, "2025-11-30")
        if final not in ("new", "in_plan"):
            name = (work[0]["name"] if lang == "kk" else work[0]["name_ru"]) if work else ""
            answer = self._text(
                ANSWERS, final, lang, work=name, year=end[:4] if final == "satisfied" else int(end[:4]) + 1
            )
            history.append(Change("status", end, status=final, answer=answer))
        if work is not None:
            history.append(
                Change(
                    "link",
                    end if final == "satisfied" else plan_date,
                    layer=work[0]["layer"],
                    work_id=str(work[0]["id"]),
                )
            )
            x, y, street = work[1], work[2], (work[0]["name"] if lang == "kk" else work[0]["name_ru"])
        else:
            x, y = self.places.inside(slug)
            kk, ru = self.streets[int(rng.integers(0, len(self.streets)))]
            street = kk if lang == "kk" else ru
        text = self._text(QUESTIONS, topic, lang, street=street)
        self.ids.append(rid)
        self.histories.append(history)
        self.items.append(
            NewRequest(text, topic, x, y, slug, received, on_spot=way == "on_spot", place=street, status=final, **kw)
        )


def _round(b: _Builder, n: int, counts: dict[str, int], dates: dict[str, str], outcomes: list) -> None:
    ways = [(w, s) for w, s, k in outcomes for _ in range(k)]
    order = b.rng.permutation(len(ways))
    i = 0
    for slug, count in counts.items():
        for k in range(count):
            way, final = ways[int(order[i])]
            i += 1
            b.add(
                f"m{n}-{slug}-{k + 1:03d}",
                slug,
                dates[slug],
                way,
                final,
                source="meeting",
                round=n,
                meeting_date=dates[slug],
            )


def _online(b: _Builder, slugs: list[str]) -> None:
    finals = [s for s, k in ONLINE_OUTCOMES for _ in range(k)]
    for k, pos in enumerate(b.rng.permutation(len(finals))):
        source = "web" if k % 3 else "phone"
        received = _day("2025-03-01", b.rng.integers(0, 240))
        contact = f"+7 700 000 {k:02d} {k * 7 % 100:02d} (demo)" if k % 2 == 0 else ""
        slug = slugs[int(b.rng.integers(0, len(slugs)))]
        b.add(
            f"{source[0]}-2025-{k + 1:03d}", slug, received, "online", finals[int(pos)], source=source, contact=contact
        )


def _to_lonlat(items: list[NewRequest]) -> list[NewRequest]:
    x, y = project_xy(np.array([r.lon for r in items]), np.array([r.lat for r in items]), UTM43N, WGS84)
    from dataclasses import replace

    return [replace(r, lon=round(float(a), 7), lat=round(float(b), 7)) for r, a, b in zip(items, x, y)]


def build_demo_requests(
    catalogue: Catalogue,
    districts: gpd.GeoDataFrame,
    works: dict[str, gpd.GeoDataFrame],
    streets: list[tuple[str, str]],
    seed: int = 2019,
) -> dict[str, gpd.GeoDataFrame]:
    """The demo's ``requests``, ``request_events`` and ``request_contacts`` tables (EPSG:4326); deterministic
    per seed, with a random stream of their own."""
    rng = np.random.default_rng([seed, 13])
    b = _Builder(catalogue, _Places(rng, districts, works), rng, streets)
    round2_dates = {s: _day("2019-09-03", 3 * i) for i, s in enumerate(ROUND1_DATES)}
    _round(b, 1, ROUND1_COUNTS, ROUND1_DATES, ROUND1_OUTCOMES)
    _round(b, 2, ROUND2_COUNTS, round2_dates, ROUND2_OUTCOMES)
    _online(b, list(ROUND1_DATES))
    items = _to_lonlat(b.items)
    assigned = assign_districts([(r.lon, r.lat) for r in items], catalogue, districts)
    bad = [r.district for r, d in zip(items, assigned) if d != r.district]
    if bad:
        raise RuntimeError(f"{len(bad)} demo requests fell outside their district")
    now = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    reqs, events, contacts = filing_frames(items, b.ids, "geoworks demo", now, "demo", b.histories)
    return {REQUESTS: reqs, EVENTS: events, CONTACTS: contacts}
