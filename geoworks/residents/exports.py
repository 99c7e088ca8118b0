"""Requests and their figures as files: CSV (UTF-8 with BOM) and XLSX, through :mod:`geoworks.io.exports`,
so that a text a resident wrote starting with = + - @ is stored as text (XLSX) or prefixed with ' (CSV)
and never runs as a formula. The private contact is never exported.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.io.exports import FORMATS, export_filename, to_csv, to_xlsx
from geoworks.residents.index import RequestsIndex
from geoworks.residents.query import RequestFilter
from geoworks.residents.summary import summary_frames
from geoworks.residents.words import names

EXPORT_FORMATS = ("csv", "xlsx")
LIST_COLUMNS = (
    "id",
    "received",
    "district",
    "topic",
    "status",
    "status_date",
    "source",
    "round",
    "meeting_date",
    "on_spot",
    "in_action_plan",
    "place",
    "text",
    "answer",
    "works",
    "lon",
    "lat",
)


def list_frame(index: RequestsIndex, positions: np.ndarray, catalogue: Catalogue, lang: str) -> pd.DataFrame:
    """The requests at ``positions`` as a table (names of districts, topics, statuses and sources in ``lang``)."""
    n = names(catalogue, lang)
    rows = []
    for p in positions:
        rec = index.record(int(p))
        row: dict[str, Any] = {k: rec.get(k) for k in LIST_COLUMNS if k in rec}
        row["district"] = n["districts"].get(rec["district"], rec["district"])
        row["topic"] = n["topics"].get(rec["topic"], rec["topic"])
        row["status"] = n["statuses"].get(rec["status"], rec["status"])
        row["source"] = n["sources"].get(rec["source"], rec["source"])
        row["in_action_plan"] = rec["in_plan"]
        row["works"] = "; ".join(f"{layer}:{w}" for layer, w in rec["links"])
        rows.append(row)
    return pd.DataFrame(rows, columns=list(LIST_COLUMNS))


def _notes(f: RequestFilter, when: dt.datetime, what: str) -> dict[str, str]:
    filters = ", ".join(f"{k}={v}" for k, v in f.args().items() if k not in ("page", "per_page", "sort")) or "none"
    return {
        "exported": when.isoformat(timespec="seconds"),
        "what": what,
        "filters": filters,
        "crs": "EPSG:4326 (lon/lat)",
    }


def list_file(
    index: RequestsIndex,
    positions: np.ndarray,
    catalogue: Catalogue,
    lang: str,
    f: RequestFilter,
    fmt: str,
    when: dt.datetime,
) -> tuple[bytes, str, str]:
    """(body, mimetype, file name) of the listed requests in ``fmt`` (csv or xlsx)."""
    frame = list_frame(index, positions, catalogue, lang)
    notes = _notes(f, when, "residents' requests")
    body = to_csv(frame, notes) if fmt == "csv" else to_xlsx({"requests": frame}, notes)
    name = export_filename("requests", _file_filters(f), FORMATS[fmt][1], when)
    return body, FORMATS[fmt][0], name


def summary_file(
    data: dict[str, Any], catalogue: Catalogue, lang: str, f: RequestFilter, fmt: str, when: dt.datetime
) -> tuple[bytes, str, str]:
    """(body, mimetype, file name) of the summary in ``fmt``: the district table (CSV), or both tables (XLSX)."""
    frames = summary_frames(data, catalogue, lang)
    notes = _notes(f, when, "residents' requests: summary")
    if fmt == "csv":
        body = to_csv(frames["districts"], notes)
    else:
        body = to_xlsx(frames, notes)
    name = export_filename("requests-summary", _file_filters(f), FORMATS[fmt][1], when)
    return body, FORMATS[fmt][0], name


def _file_filters(f: RequestFilter) -> dict[str, object]:
    keep = ("round", "district", "topic", "status", "source", "from", "to")
    return {k: (",".join(v) if isinstance(v, list) else v) for k, v in f.args().items() if k in keep}
