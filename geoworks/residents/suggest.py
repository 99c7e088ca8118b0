"""Works that may answer a request, and the works a request is linked to.

Suggestions are the works of the layers that answer the request's topic (every layer for a
topic naming none) within a radius (default 300 m, ``GEOWORKS_REQUEST_SUGGEST_M``), planned or in
progress by default, nearest first, by the near-me index (:class:`geoworks.near.index.NearIndex`:
geodesic metres, WGS84, from the request's point to the nearest point of each work).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from geoworks.catalogue import Catalogue
from geoworks.near.index import NearIndex, NearQuery
from geoworks.residents.index import RequestsIndex
from geoworks.residents.model import WORK_STATUSES_SUGGESTED
from geoworks.residents.validate import definitions

SUGGEST_RADIUS_M = 300.0
SUGGEST_LIMIT = 20
WORK_FIELDS = ("layer", "id", "name", "name_ru", "status", "start_date", "end_date", "year", "contractor", "district")


def suggest(
    near: NearIndex,
    index: RequestsIndex,
    pos: int,
    catalogue: Catalogue,
    radius_m: float = SUGGEST_RADIUS_M,
    statuses: tuple[str, ...] = WORK_STATUSES_SUGGESTED,
    limit: int = SUGGEST_LIMIT,
) -> list[dict[str, Any]]:
    """Works that may answer the request at ``pos``, nearest first, without those already linked;
    each with ``distance_m`` (geodesic metres) and its lon/lat ``geometry``. ``statuses`` () = any."""
    layers = definitions(catalogue).topic_layers(str(index.topic[pos]), catalogue)
    q = NearQuery(float(index.lat[pos]), float(index.lon[pos]), float(radius_m), tuple(layers), tuple(statuses))
    linked = set(index.links_of(pos))
    result = near.query(q)
    out = []
    for w in result.records(limit + len(linked)):
        if (str(w["layer"]), str(w["id"])) not in linked:
            out.append(w)
        if len(out) == limit:
            break
    return out


class WorkLookup:
    """Works of a near index by (layer, id), for showing the works a request is linked to."""

    def __init__(self, near: NearIndex):
        self.near = near
        self.position = {(str(lyr), str(i)): k for k, (lyr, i) in enumerate(zip(near.layer, near.ids))}

    def get(self, layer: str, work_id: str) -> dict[str, Any] | None:
        """The work's attributes and lon/lat geometry, or None when it is not (or no longer) stored."""
        k = self.position.get((str(layer), str(work_id)))
        if k is None:
            return None
        cols = self.near.columns
        out = {c: (None if c not in cols else _plain(cols[c][k])) for c in WORK_FIELDS}
        out["geometry"] = self.near.lonlat[k]
        return out

    def name(self, layer: str, work_id: str, lang: str) -> str:
        """The work's name in ``lang`` (Kazakh for kk, else Russian, either when one is missing); its id when
        the work is not stored."""
        w = self.get(layer, work_id)
        if w is None:
            return work_id
        ru, kk = w.get("name_ru") or "", w.get("name") or ""
        return (kk or ru if lang == "kk" else ru or kk) or work_id


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


class WorkLookupCache:
    """One WorkLookup per near index (rebuilt when the near index changes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[int, WorkLookup] | None = None

    def get(self, near: NearIndex) -> WorkLookup:
        with self._lock:
            if self._entry is None or self._entry[0] != id(near):
                self._entry = (id(near), WorkLookup(near))
            return self._entry[1]
