"""What the maps load: requests in the visible area (points, or clusters when many), a request's popup,
the requests a work answers, the requests near a place.

Points are lon/lat (EPSG:4326). Clusters group the requests of one grid cell (about 64 px at the
zoom) at the mean of their points, with a count per status. Texts are plain here: the pages insert
them with ``textContent``, never as HTML. The private contact is never part of any answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from geoworks.catalogue import Catalogue
from geoworks.params import parse_bbox, parse_int
from geoworks.residents.index import RequestsIndex
from geoworks.residents.query import RequestFilter, mask
from geoworks.residents.words import Words, names

MAX_POINTS = 1500  # requests drawn one by one in a view; more are clustered
CLUSTER_PX = 64
EXCERPT = 160  # characters of a request's text in lists and popups
Url = Callable[..., str]


@dataclass(frozen=True)
class MapQuery:
    bbox: tuple[float, float, float, float] | None = None
    zoom: int = 12


def parse_map_query(args: Mapping[str, Any]) -> MapQuery:
    """bbox (minlon,minlat,maxlon,maxlat) and zoom (0..22); ParamError naming the bad one."""
    bbox = parse_bbox(args.get("bbox"), antimeridian=False)
    return MapQuery(bbox.astuple() if bbox else None, parse_int(args.get("zoom"), "zoom", 12, 0, 22))


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _in_view(index: RequestsIndex, f: RequestFilter, q: MapQuery) -> np.ndarray:
    m = mask(index, f)
    if q.bbox is not None:
        x0, y0, x1, y1 = q.bbox
        m &= (index.lon >= x0) & (index.lon <= x1) & (index.lat >= y0) & (index.lat <= y1)
    return np.flatnonzero(m)


def _clusters(index: RequestsIndex, pos: np.ndarray, zoom: int, statuses: list[str]) -> list[str]:
    cell = 360.0 / (256.0 * 2.0**zoom) * CLUSTER_PX
    gx = np.floor(index.lon[pos] / cell).astype(np.int64)
    gy = np.floor(index.lat[pos] / cell).astype(np.int64)
    keys, inverse, counts = np.unique(np.stack([gx, gy], axis=1), axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    lon = np.bincount(inverse, weights=index.lon[pos]) / counts
    lat = np.bincount(inverse, weights=index.lat[pos]) / counts
    code = {s: i for i, s in enumerate(statuses)}
    scode = np.array([code.get(s, 0) for s in index.status[pos]], dtype=np.int64)
    per = np.zeros((len(keys), len(statuses)), dtype=np.int64)
    np.add.at(per, (inverse, scode), 1)
    return [
        f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon[k]:.6f},{lat[k]:.6f}]}},'
        f'"properties":{{"n":{int(counts[k])},"c":{json.dumps(per[k].tolist())}}}}}'
        for k in range(len(keys))
    ]


def map_answer(
    index: RequestsIndex, catalogue: Catalogue, f: RequestFilter, q: MapQuery, max_points: int = MAX_POINTS
) -> str:
    """A GeoJSON FeatureCollection (text) of the requests in view: points (``s`` status, ``t`` topic) or,
    past ``max_points``, clusters (``n`` requests, ``c`` count per status in ``statuses`` order)."""
    statuses = list(catalogue.requests.statuses) if catalogue.requests else []
    pos = _in_view(index, f, q)
    clustered = len(pos) > max_points and q.zoom < 18
    if clustered:
        parts = _clusters(index, pos, q.zoom, statuses)
    else:
        parts = [
            f'{{"type":"Feature","id":{json.dumps(str(index.ids[p]), ensure_ascii=False)},"geometry":{{"type":"Point",'
            f'"coordinates":[{index.lon[p]:.6f},{index.lat[p]:.6f}]}},"properties":{{"s":{json.dumps(str(index.status[p]))},'
            f'"t":{json.dumps(str(index.topic[p]))}}}}}'
            for p in pos
        ]
    head = json.dumps(
        {"type": "FeatureCollection", "total": int(len(pos)), "clustered": clustered, "statuses": statuses}
    )
    return head[:-1] + ',"features":[' + ",".join(parts) + "]}"


def popup(index: RequestsIndex, pos: int, catalogue: Catalogue, lang: str, words: Words, url: Url) -> dict[str, Any]:
    """A request's popup: title, rows of (label, value), its excerpt and the link to its page."""
    _ = words.gettext
    n = names(catalogue, lang)
    rec = index.record(pos)
    status = rec["status"]
    rows = [
        [_("Topic"), n["topics"].get(rec["topic"], rec["topic"])],
        [_("Status"), f"{n['statuses'].get(status, status)} · {rec['status_date']}"],
        [_("Received"), rec["received"]],
        [_("District"), n["districts"].get(rec["district"], rec["district"])],
        [_("Linked works"), str(len(rec["links"]))],
    ]
    return {
        "id": rec["id"],
        "title": f"{_('Request')} {rec['id']}",
        "text": excerpt(rec["text"]),
        "rows": rows,
        "colour": catalogue.requests.statuses[status].colour if catalogue.requests else "#555555",
        "url": url("request_page", request_id=rec["id"]),
        "open": _("Open the request"),
    }


def _item(index: RequestsIndex, pos: int, catalogue: Catalogue, lang: str, url: Url) -> dict[str, Any]:
    n = names(catalogue, lang)
    status = str(index.status[pos])
    return {
        "id": str(index.ids[pos]),
        "text": excerpt(index.text[pos], 120),
        "topic": n["topics"].get(str(index.topic[pos]), str(index.topic[pos])),
        "status": status,
        "status_name": n["statuses"].get(status, status),
        "colour": catalogue.requests.statuses[status].colour if catalogue.requests else "#555555",
        "received": str(index.received[pos]),
        "url": url("request_page", request_id=str(index.ids[pos])),
    }


def for_work(
    index: RequestsIndex,
    layer: str,
    work_id: str,
    catalogue: Catalogue,
    lang: str,
    words: Words,
    url: Url,
    limit: int = 20,
) -> dict[str, Any]:
    """The requests a work answers (for its popup): a heading and up to ``limit`` items, newest first."""
    pos = index.answering(layer, work_id)
    return {
        "heading": words.gettext("Residents' requests it answers: %(n)s", n=len(pos)),
        "total": len(pos),
        "items": [_item(index, p, catalogue, lang, url) for p in pos[:limit]],
        "more": words.gettext("and %(n)s more", n=len(pos) - limit) if len(pos) > limit else "",
    }


def near_requests(
    index: RequestsIndex,
    lat: float,
    lon: float,
    radius_m: float,
    catalogue: Catalogue,
    lang: str,
    url: Url,
    limit: int = 100,
) -> dict[str, Any]:
    """Requests within ``radius_m`` (geodesic metres) of a lon/lat place, nearest first: rows for a list and
    points for a map (at most ``limit``)."""
    pos, dist = index.near(lon, lat, radius_m)
    rows = []
    for p, d in zip(pos[:limit], dist[:limit]):
        rows.append(
            {
                **_item(index, int(p), catalogue, lang, url),
                "distance_m": round(float(d)),
                "lon": float(index.lon[p]),
                "lat": float(index.lat[p]),
            }
        )
    return {"total": int(len(pos)), "rows": rows, "radius_m": radius_m}


def layer_options(catalogue: Catalogue, lang: str, words: Words, urls: Mapping[str, str]) -> dict[str, Any]:
    """What map.js needs to draw the requests layer: ``urls`` (url, popupUrl, forWorkUrl), status names and
    colours, topic names and its words, in ``lang``."""
    _ = words.gettext
    n = names(catalogue, lang)
    defs = catalogue.requests
    statuses = {s: {"name": n["statuses"][s], "colour": c.colour} for s, c in defs.statuses.items()} if defs else {}
    return {
        **urls,
        "statuses": statuses,
        "topics": n["topics"],
        "labels": {
            "cluster": _("Requests: %(n)s", n="{n}"),
            "clustered": _("%(total)s requests here, grouped; zoom in to see each one.", total="{total}"),
            "loading": _("Loading…"),
            "failed": _("Could not load the residents' requests."),
        },
    }
