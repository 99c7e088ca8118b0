"""Figures like the city's report: requests per district and status, the shares satisfied / explained /
needs time, answered on the spot, in an action plan, linked to works, median days to satisfied.

:func:`summary` answers a dict (the JSON of ``/api/requests/summary`` and of
``geoworks requests summary --format json``); :func:`summary_frames` the same as tables for
CSV and XLSX. Shares are fractions of the total (0..1, 4 decimals); days are calendar days
from received to the date the request was satisfied.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.residents.index import RequestsIndex
from geoworks.residents.query import RequestFilter, mask
from geoworks.residents.validate import definitions

SHARES = ("satisfied", "explained", "needs_time")


def _counts(values: np.ndarray, keys: list[str]) -> dict[str, int]:
    """Occurrences of each key (every one of ``keys``, zeros included, then any other value found)."""
    got = {str(k): int(v) for k, v in pd.Series(values, dtype=object).value_counts().items()} if len(values) else {}
    return {k: got.get(k, 0) for k in keys} | {k: v for k, v in got.items() if k not in keys}


def median_days(received: np.ndarray, satisfied: np.ndarray) -> float | None:
    """Median calendar days from received to satisfied (both YYYY-MM-DD arrays; blanks skipped)."""
    ok = (received != "") & (satisfied != "")
    if not ok.any():
        return None
    a = np.array(received[ok], dtype="datetime64[D]")
    b = np.array(satisfied[ok], dtype="datetime64[D]")
    return float(np.median((b - a).astype(int)))


def _grouped(index: RequestsIndex, pos: np.ndarray, column: np.ndarray, keys: list[str], statuses: list[str]) -> dict:
    """Per value of ``column`` (every one of ``keys``, then any other): the total and the counts per status."""
    pairs = pd.DataFrame({"g": column[pos], "s": index.status[pos]}, dtype=object).value_counts() if len(pos) else None
    found: dict[str, dict[str, int]] = {}
    for (g, st), n in pairs.items() if pairs is not None else []:
        found.setdefault(str(g), {})[str(st)] = int(n)
    out: dict[str, dict[str, Any]] = {}
    for key in keys + sorted(set(found) - set(keys)):
        counts = found.get(key, {})
        by_status = {s: counts.get(s, 0) for s in statuses} | {s: n for s, n in counts.items() if s not in statuses}
        out[key] = {"total": sum(counts.values()), "by_status": by_status}
    return out


def summary(index: RequestsIndex, catalogue: Catalogue, f: RequestFilter | None = None) -> dict[str, Any]:
    """The figures of the requests the filter keeps (every request without one)."""
    defs = definitions(catalogue)
    f = (f or RequestFilter()).without_paging()
    pos = np.flatnonzero(mask(index, f))
    statuses = list(defs.statuses)
    total = int(len(pos))
    by_status = _counts(index.status[pos], statuses)
    linked = int((index.n_links[pos] > 0).sum())
    sat = pos[index.status[pos] == "satisfied"]
    return {
        "total": total,
        "by_status": by_status,
        "by_district": _grouped(index, pos, index.district, list(catalogue.districts), statuses),
        "shares": {s: (round(by_status.get(s, 0) / total, 4) if total else 0.0) for s in SHARES},
        "linked_to_works": linked,
        "not_linked_to_works": total - linked,
        "answered_on_spot": int(index.on_spot[pos].sum()),
        "in_action_plan": int(index.in_plan[pos].sum()),
        "open": int(np.isin(index.status[pos], [s for s, c in defs.statuses.items() if not c.closed]).sum()),
        "median_days_to_satisfied": median_days(index.received[sat], index.satisfied_date[sat]),
        "by_topic": _grouped(index, pos, index.topic, list(defs.topics), statuses),
        "by_source": _counts(index.source[pos], list(defs.sources)),
        "filters": {k: v for k, v in f.args().items() if k not in ("sort", "page", "per_page")},
    }


def rounds(index: RequestsIndex) -> list[int]:
    """The meeting rounds that have requests, in order."""
    return sorted(int(r) for r in np.unique(index.round) if r >= 0)


def district_rows(data: dict[str, Any], catalogue: Catalogue, lang: str) -> list[dict[str, Any]]:
    """One row per district and one for the city: name, total, per-status counts and the three shares."""
    defs = definitions(catalogue)
    rows = []
    items = list(data["by_district"].items()) + [("city", {"total": data["total"], "by_status": data["by_status"]})]
    for slug, d in items:
        district = catalogue.districts.get(slug)
        name = catalogue.city.names.get(lang) if slug == "city" else district.names.get(lang) if district else slug
        row: dict[str, Any] = {"district": slug, "district_name": name, "total": d["total"]}
        row.update({s: d["by_status"].get(s, 0) for s in defs.statuses})
        for s in SHARES:
            row[f"share_{s}"] = round(d["by_status"].get(s, 0) / d["total"], 4) if d["total"] else 0.0
        rows.append(row)
    return rows


def figures_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline figures as (figure, value) rows."""
    keys = ("total", "answered_on_spot", "in_action_plan", "linked_to_works", "not_linked_to_works", "open")
    rows = [{"figure": k, "value": data[k]} for k in keys]
    rows += [{"figure": f"share_{k}", "value": v} for k, v in data["shares"].items()]
    rows.append({"figure": "median_days_to_satisfied", "value": data["median_days_to_satisfied"]})
    return rows


def summary_frames(data: dict[str, Any], catalogue: Catalogue, lang: str) -> dict[str, pd.DataFrame]:
    """The summary as tables: ``districts`` (counts and shares per district, and the city) and ``figures``."""
    return {
        "districts": pd.DataFrame(district_rows(data, catalogue, lang)),
        "figures": pd.DataFrame(figures_rows(data)),
    }


def summary_text(data: dict[str, Any], catalogue: Catalogue, lang: str = "en") -> str:
    """The summary as plain text for the command line: the district table, then the figures."""
    table = pd.DataFrame(district_rows(data, catalogue, lang)).drop(columns=["district_name"])
    for s in SHARES:
        table[f"share_{s}"] = (table[f"share_{s}"] * 100).round(1)
    lines = [table.to_string(index=False), ""]
    for row in figures_rows(data):
        value = row["value"]
        if str(row["figure"]).startswith("share_"):
            value = f"{float(value) * 100:.1f} %"
        lines.append(f"{row['figure']:28s} {'-' if value is None else value}")
    return "\n".join(lines)
