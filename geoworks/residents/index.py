"""Every request in memory, with its current status, answer and links folded from its events.

:class:`RequestsIndex` is built once per data version (:class:`RequestsCache`, keyed by
``store.version()``): the requests as numpy arrays in list order (newest received first),
each request's current status (its latest status event, ordered by recording time), the
date of that change, its answer, whether it was ever in the action plan, its links, and a
reverse map from works to the requests they answer. Filters, summaries and map answers are
then array arithmetic. Points are lon/lat (EPSG:4326); distances are geodesic metres (WGS84).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoworks.cache import LRUCache, PerVersion
from geoworks.geodesy import geodesic_distance_m, lonlat_to_metric, metric_tolerance_m, project_xy
from geoworks.residents.model import EVENT_COLUMNS, EVENTS, REQUEST_COLUMNS, REQUESTS, WGS84

if TYPE_CHECKING:
    from geoworks.catalogue import Catalogue
    from geoworks.storage import Store

T = TypeVar("T")
PUBLIC_FIELDS = ("id", "text", "topic", "district", "source", "round", "meeting_date", "received", "on_spot", "place")


def _strings(series: pd.Series) -> np.ndarray:
    """A column as an object array of text ('' for missing values)."""
    values = series.to_numpy(dtype=object, na_value="")
    if len(values) and not all(isinstance(v, str) for v in values[:1000]):
        values = np.array([str(v) for v in values], dtype=object)
    return values


def _with(df: pd.DataFrame, columns: dict[str, str], key: str) -> pd.DataFrame:
    """``df`` with every one of ``columns`` (absent ones empty); an empty frame when ``key`` is absent
    (the store reads an absent table as an empty works table)."""
    if key not in df.columns:
        df = pd.DataFrame({c: [] for c in columns})
    missing = {c: [None] * len(df) for c in columns if c not in df.columns}
    return df.assign(**missing) if missing else df


def _attributes(df: pd.DataFrame) -> pd.DataFrame:
    """The attribute columns of a table (its geometry left out)."""
    if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
        return pd.DataFrame(df.drop(columns=df.geometry.name))
    return pd.DataFrame(df)


def _current(events: pd.DataFrame, n: int) -> dict[str, np.ndarray]:
    """Per request position: current status, its date, the answer, ever in plan, date satisfied."""
    status = np.full(n, "new", dtype=object)
    status_date = np.full(n, "", dtype=object)
    answer = np.full(n, "", dtype=object)
    in_plan = np.zeros(n, dtype=bool)
    st = events[events["kind"] == "status"]
    if len(st):
        last = st.groupby("pos", sort=False).tail(1)
        status[last["pos"].to_numpy()] = last["status"].to_numpy(dtype=object)
        status_date[last["pos"].to_numpy()] = last["date"].to_numpy(dtype=object)
        in_plan[st.loc[st["status"] == "in_plan", "pos"].unique()] = True
    ans = events[events["kind"].isin(["status", "answer"]) & (events["answer"] != "")]
    if len(ans):
        last = ans.groupby("pos", sort=False).tail(1)
        answer[last["pos"].to_numpy()] = last["answer"].to_numpy(dtype=object)
    satisfied = np.where(status == "satisfied", status_date, "")
    return {"status": status, "status_date": status_date, "answer": answer, "in_plan": in_plan, "satisfied": satisfied}


def _links(events: pd.DataFrame) -> dict[int, tuple[tuple[str, str], ...]]:
    """Per request position: the (layer, work id) pairs whose latest link event is ``link``."""
    lk = events[events["kind"].isin(["link", "unlink"])]
    if not len(lk):
        return {}
    last = lk.groupby(["pos", "layer", "work_id"], sort=False).tail(1)
    last = last[last["kind"] == "link"]
    out: dict[int, list[tuple[str, str]]] = {}
    for pos, layer, work in zip(last["pos"].to_numpy(), last["layer"].to_numpy(), last["work_id"].to_numpy()):
        out.setdefault(int(pos), []).append((str(layer), str(work)))
    return {k: tuple(v) for k, v in out.items()}


class RequestsIndex:
    """The requests of one data version (see the module doc); ``crs`` is the metric CRS for near queries."""

    def __init__(self, requests: gpd.GeoDataFrame, events: pd.DataFrame, crs: str = "EPSG:32643"):
        self.crs = crs
        self._requests(requests)
        self._events(events)

    def _requests(self, requests: gpd.GeoDataFrame) -> None:
        """The requests' fields as arrays, newest received first (then by id, descending)."""
        req = _with(_attributes(requests), REQUEST_COLUMNS, "text")
        geoms = np.asarray(requests.geometry.values, dtype=object) if len(req) else np.zeros(0, dtype=object)
        keys = pd.DataFrame({"r": _strings(req["received"]), "i": _strings(req["id"])}, dtype=object)
        order = keys.sort_values(["r", "i"], ascending=False, kind="stable").index.to_numpy()
        col = {c: _strings(req[c])[order] for c in REQUEST_COLUMNS if c not in ("round", "on_spot")}
        self.ids = col["id"]
        self.position_of = {v: i for i, v in enumerate(self.ids)}
        self.text, self.topic, self.district, self.source = col["text"], col["topic"], col["district"], col["source"]
        self.place, self.batch_id = col["place"], col["batch_id"]
        self.meeting_date, self.received = col["meeting_date"], col["received"]
        self.round = pd.to_numeric(req["round"], errors="coerce").fillna(-1).astype(int).to_numpy()[order]
        self.on_spot = (pd.to_numeric(req["on_spot"], errors="coerce").fillna(0).to_numpy() == 1)[order]
        self.lon = np.asarray(shapely.get_x(geoms[order]), dtype=float) if len(req) else np.zeros(0)
        self.lat = np.asarray(shapely.get_y(geoms[order]), dtype=float) if len(req) else np.zeros(0)

    def _events(self, events: pd.DataFrame) -> None:
        """Every request's current status, answer and links, folded from its events in recording order."""
        raw = _with(_attributes(events), EVENT_COLUMNS, "request_id")
        rid = _strings(raw["request_id"])
        pos = pd.Index(self.ids).get_indexer(rid) if len(self.ids) else np.full(len(rid), -1)
        cols = {
            c: _strings(raw[c]) for c in ("id", "at", "date", "kind", "status", "answer", "layer", "work_id", "note")
        }
        ev = pd.DataFrame({**cols, "request_id": rid, "pos": pos}, dtype=object)
        ev["pos"] = ev["pos"].astype(int)
        ev["seq"] = pd.to_numeric(raw["seq"], errors="coerce").fillna(0).to_numpy()
        ev = ev[ev["pos"] >= 0]
        self.events = ev.sort_values(["at", "seq"], kind="stable").reset_index(drop=True)
        cur = _current(self.events, len(self.ids))
        self.status, self.status_date, self.answer = cur["status"], cur["status_date"], cur["answer"]
        self.in_plan, self.satisfied_date = cur["in_plan"], cur["satisfied"]
        self.links = _links(self.events)
        self.n_links = np.zeros(len(self.ids), dtype=int)
        self.by_work: dict[tuple[str, str], list[int]] = {}
        for p, pairs in self.links.items():
            self.n_links[p] = len(pairs)
            for pair in pairs:
                self.by_work.setdefault(pair, []).append(p)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_store(cls, store: Store, catalogue: Catalogue) -> RequestsIndex:
        """The requests and events of ``store``'s current data; near queries in the city's metric CRS."""
        return cls(store.read_layer(REQUESTS), store.read_layer(EVENTS), catalogue.city.metric_crs)

    def position(self, request_id: str) -> int | None:
        return self.position_of.get(str(request_id))

    def links_of(self, pos: int) -> tuple[tuple[str, str], ...]:
        return self.links.get(int(pos), ())

    def record(self, pos: int) -> dict[str, Any]:
        """The public fields of the request at ``pos`` with its current status, answer and links."""
        out: dict[str, Any] = {"id": self.ids[pos]}
        out.update({f: getattr(self, f)[pos] for f in PUBLIC_FIELDS if f not in ("id", "round", "on_spot")})
        out["round"] = int(self.round[pos]) if self.round[pos] >= 0 else None
        out["on_spot"] = bool(self.on_spot[pos])
        out.update(
            status=self.status[pos],
            status_date=self.status_date[pos],
            answer=self.answer[pos],
            in_plan=bool(self.in_plan[pos]),
            lon=float(self.lon[pos]),
            lat=float(self.lat[pos]),
            links=list(self.links_of(pos)),
        )
        return out

    def history(self, pos: int) -> list[dict[str, Any]]:
        """The request's events, oldest first (user names left out: they are not public)."""
        ev = self.events[self.events["pos"] == pos]
        cols = ["id", "at", "date", "kind", "status", "answer", "layer", "work_id", "note"]
        rows = ev[cols].astype(object).where(ev[cols].notna(), None).to_dict("records")
        return rows

    def answering(self, layer: str, work_id: str) -> list[int]:
        """Positions of the requests a work answers (list order)."""
        return sorted(self.by_work.get((str(layer), str(work_id)), []))

    @cached_property
    def metric(self) -> tuple[np.ndarray, np.ndarray, shapely.STRtree]:
        x, y = project_xy(self.lon, self.lat, WGS84, self.crs) if len(self) else (np.zeros(0), np.zeros(0))
        return np.asarray(x), np.asarray(y), shapely.STRtree(shapely.points(x, y))

    def near(self, lon: float, lat: float, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
        """(positions, geodesic metres) of the requests within ``radius_m`` of the lon/lat point, nearest first."""
        if not len(self):
            return np.zeros(0, dtype=int), np.zeros(0)
        x, y = lonlat_to_metric(lon, lat, self.crs)
        tree = self.metric[2]
        idx = tree.query(shapely.Point(x, y), predicate="dwithin", distance=radius_m + metric_tolerance_m(radius_m))
        dist = geodesic_distance_m(np.full(len(idx), lon), np.full(len(idx), lat), self.lon[idx], self.lat[idx])
        keep = dist <= radius_m
        idx, dist = idx[keep], dist[keep]
        order = np.lexsort((idx, dist))
        return idx[order], dist[order]

    @cached_property
    def folded_text(self) -> np.ndarray:
        """The texts and places case-folded, for text search."""
        return np.array([f"{t} {p} {i}".casefold() for t, p, i in zip(self.text, self.place, self.ids)], dtype=object)


class RequestsCache:
    """The index and finished answers (pages, JSON, map answers) per data version (thread-safe)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._held = PerVersion()
        self.answers = LRUCache(
            size=4096, weigh=lambda v: len(v) if isinstance(v, (str, bytes)) else 4096, max_weight=max_bytes
        )
        self._districts = LRUCache(2)

    def get(self, store: Store, catalogue: Catalogue) -> RequestsIndex:
        """The index of ``store``'s current data (built on first use after each commit)."""
        return self._held.get(store.version(), lambda: RequestsIndex.from_store(store, catalogue))

    def answer(self, store: Store, key: tuple, make: Callable[[], T]) -> T:
        """``make()`` cached for the store's data version and ``key``."""
        return self.answers.get((store.version(), *key), make)

    def districts(self, store: Store) -> gpd.GeoDataFrame:
        """The store's district polygons (lon/lat), read once per data version."""
        return self._districts.get(store.version(), lambda: store.read_layer("districts"))
