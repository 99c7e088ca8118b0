"""Verification for pages and commands: the views as plain data, claims found, entered or imported, and saved.

No Flask here. Functions take the store, the catalogue, the totals cache, parsed inputs
and the language; words shown to people come in as :class:`Labels` (the web layer fills
them with translations, the defaults are English). Every function returns plain data
(dicts, lists, frames), so the web pages and the command line share one computation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import geopandas as gpd
import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.io.exports import to_csv, to_xlsx
from geoworks.maps.base import MapOptions, map_parts
from geoworks.maps.verify import overlaps_map
from geoworks.storage import Store
from geoworks.totals import CITY, TotalsCache
from geoworks.verify.checks import (
    Check,
    checks_frame,
    empty_overlaps,
    overlaps_summary,
    overlaps_table,
    verify_claims,
    works_behind,
    year_totals,
)
from geoworks.verify.claims import (
    Claim,
    ClaimError,
    claim_years,
    extract_claims,
    load_claims,
    make_claim,
    read_claims_csv,
    save_claims,
)

LISTED_OVERLAPS = 500  # overlapping stretches listed on the page (the map and the exports hold them all)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx", "json")
MEASURED_NOTE = (
    "network km (overlapping stretches counted once, geodesic WGS84) or count "
    "of the works completed in the claim's year"
)


@dataclass(frozen=True)
class Labels:
    """The words the views show, in the visitor's language (English by default)."""

    statuses: Mapping[str, str] = field(
        default_factory=lambda: {
            "confirmed": "confirmed",
            "over_reported": "over-reported",
            "under_reported": "under-reported",
            "not_measurable": "not measurable",
        }
    )
    qualifiers: Mapping[str, str] = field(
        default_factory=lambda: {"exact": "exactly", "more_than": "more than", "about": "about", "up_to": "up to"}
    )
    units: Mapping[str, str] = field(default_factory=lambda: {"km": "km", "count": "count"})
    whole_city: str = "whole city"
    map: Mapping[str, str] = field(
        default_factory=lambda: {"districts": "Districts", "overlaps": "Overlapping stretches", "km": "km"}
    )

    def unit(self, unit: str) -> str:
        """The unit's word: km, else count."""
        return self.units["km" if unit == "km" else "count"]


@dataclass(frozen=True)
class Query:
    """What a verification request asks for: a year (None: the newest with claims) and a tolerance in percent."""

    year: int | None
    tolerance: float


@dataclass(frozen=True)
class ExportFile:
    """An export: its file name and type, and its bytes (CSV, XLSX) or its JSON answer (``data``)."""

    name: str
    mimetype: str
    body: bytes = b""
    data: dict | None = None


@dataclass
class Extracted:
    """Claims found in a report; ``saved`` when stored, else ``problem`` (not_allowed, no_year) if saving was asked."""

    claims: list[Claim]
    saved: list[Claim] = field(default_factory=list)
    problem: str | None = None


# --- labels ------------------------------------------------------------------------------------------------------


def layers_label(catalogue: Catalogue, layers: Iterable[str], lang: str) -> str:
    """The claim's layers in ``lang``: a group's name when they form one, else the layer names."""
    layers = list(layers)
    for g in catalogue.groups.values():
        if set(g.layers) == set(layers) and len(layers) > 1:
            return g.names.get(lang)
    return ", ".join(catalogue.layers[lid].names.get(lang) if lid in catalogue.layers else lid for lid in layers)


def district_label(catalogue: Catalogue, slug: str | None, lang: str, whole_city: str = "whole city") -> str:
    """The district's name in ``lang``; ``whole_city`` for a whole-city claim."""
    if not slug or slug == CITY:
        return whole_city
    d = catalogue.districts.get(slug)
    return d.names.get(lang) if d else slug


def claim_record(claim: Claim) -> dict:
    """A found claim as plain data: layers, value, unit, qualifier, district, year, quote."""
    return {
        "layers": list(claim.layers),
        "value": claim.value,
        "unit": claim.unit,
        "qualifier": claim.qualifier,
        "district": claim.district,
        "year": claim.year,
        "quote": claim.quote,
    }


def claim_rows(claims: list[Claim], catalogue: Catalogue, lang: str, labels: Labels) -> list[dict]:
    """Found claims for a table: :func:`claim_record` with layers comma-joined and names (layers, unit, qualifier,
    district)."""
    return [
        {
            **claim_record(c),
            "layers": ",".join(c.layers),
            "layers_text": layers_label(catalogue, c.layers, lang),
            "unit_text": labels.unit(c.unit),
            "qualifier_text": labels.qualifiers[c.qualifier],
            "district_text": district_label(catalogue, c.district, lang, labels.whole_city),
        }
        for c in claims
    ]


def check_rows(checks: list[Check], catalogue: Catalogue, lang: str, labels: Labels) -> list[dict]:
    """The verification table's rows (:meth:`Check.row`) with names of layers, district, status, qualifier, unit."""
    rows = []
    for ch in checks:
        row = ch.row()
        row.update(
            layers_text=layers_label(catalogue, ch.claim.layers, lang),
            district_text=district_label(catalogue, ch.claim.district, lang, labels.whole_city),
            status_text=labels.statuses[ch.status],
            qualifier_text=labels.qualifiers[ch.claim.qualifier],
            unit_text=labels.unit(ch.claim.unit),
            id=ch.claim.id,
        )
        rows.append(row)
    return rows


def summary_rows(overlaps: pd.DataFrame, catalogue: Catalogue, lang: str) -> list[dict]:
    """Overlaps per layer (layer, stretches, km), with the layer's name in ``lang``."""
    rows = overlaps_summary(overlaps).to_dict("records")
    for row in rows:
        row["name"] = layers_label(catalogue, [row["layer"]], lang)
    return rows


# --- what is verified --------------------------------------------------------------------------------------------


def select_claims(store: Store, year: int | None = None, district: str | None = None) -> list[Claim]:
    """The stored claims, of ``year`` and of ``district`` (a slug; 'city' for whole-city claims) when given."""
    claims = load_claims(store, year)
    if district:
        claims = [c for c in claims if (c.district or CITY) == district]
    return claims


def year_checks(
    store: Store, catalogue: Catalogue, year: int | None, tolerance: float, cache: TotalsCache | None = None
) -> list[Check]:
    """Every stored claim of ``year`` checked against the map (none when ``year`` is None)."""
    claims = select_claims(store, year) if year is not None else []
    return verify_claims(store, catalogue, claims, tolerance, cache) if claims else []


def year_overlaps(
    store: Store, catalogue: Catalogue, year: int | None, cache: TotalsCache | None = None
) -> gpd.GeoDataFrame:
    """Overlapping stretches of every line layer among the works completed in ``year`` (none when None)."""
    if year is None:
        return empty_overlaps()
    return overlaps_table(year_totals(store, catalogue, year, cache), catalogue)


def page_params(store: Store, query: Query) -> dict:
    """year (the asked one, else the newest with claims), tolerance and every year with claims."""
    years = claim_years(store)
    year = query.year if query.year is not None else (years[0] if years else None)
    return {"year": year, "tolerance": query.tolerance, "years": years}


def notes(params: dict, data_source: str, now: datetime) -> dict[str, str]:
    """What a verification table was made from: date, year, tolerance, data source, what 'measured' means."""
    return {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "year": str(params["year"]),
        "tolerance_pct": f"{params['tolerance']:g}",
        "data_source": data_source,
        "measured": MEASURED_NOTE,
    }


def data_source(store: Store, meta: Mapping[str, str]) -> str:
    """The data set's source (the store's meta), else the store itself."""
    return str(meta.get("source") or store.describe())


# --- views -------------------------------------------------------------------------------------------------------


def verification_view(
    store: Store,
    catalogue: Catalogue,
    cache: TotalsCache | None,
    query: Query,
    *,
    lang: str,
    labels: Labels,
    source: str,
    now: datetime,
    options: MapOptions | None = None,
) -> dict:
    """The verification page: params, rows, overlaps summary and notes; with map ``options``, also the overlaps
    map (rendered parts) and the overlapping stretches listed."""
    params = page_params(store, query)
    checks = year_checks(store, catalogue, params["year"], params["tolerance"], cache)
    overlaps = year_overlaps(store, catalogue, params["year"], cache)
    view: dict[str, object] = {
        "params": params,
        "rows": check_rows(checks, catalogue, lang, labels),
        "summary": summary_rows(overlaps, catalogue, lang),
        "notes": notes(params, source, now),
    }
    if options is not None:
        m = overlaps_map(overlaps, catalogue, store.read_layer("districts"), options=options, labels=dict(labels.map))
        view.update(
            map=map_parts(m),
            overlap_count=len(overlaps),
            overlaps=overlaps.drop(columns="geometry").head(LISTED_OVERLAPS).to_dict("records"),
        )
    return view


def checks_records(table: pd.DataFrame) -> list[dict]:
    """The verification table as JSON-ready records (missing values as None)."""
    return table.astype(object).where(table.notna(), None).to_dict("records")


def export_view(
    store: Store, catalogue: Catalogue, cache: TotalsCache | None, query: Query, fmt: str, *, source: str, now: datetime
) -> ExportFile:
    """The verification table as CSV, XLSX (sheets verification, overlaps, about) or JSON, notes included."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown format '{fmt}'; use {', '.join(EXPORT_FORMATS)}")
    params = page_params(store, query)
    table = checks_frame(year_checks(store, catalogue, params["year"], params["tolerance"], cache))
    about = notes(params, source, now)
    name = f"geoworks_verification_{params['year']}_{now.strftime('%Y%m%dT%H%MZ')}.{fmt}"
    if fmt == "json":
        return ExportFile(name, "application/json", data={"notes": about, "claims": checks_records(table)})
    if fmt == "csv":
        return ExportFile(name, "text/csv; charset=utf-8", to_csv(table, about))
    overlaps = year_overlaps(store, catalogue, params["year"], cache).drop(columns="geometry")
    return ExportFile(name, XLSX_MIME, to_xlsx({"verification": table, "overlaps": overlaps}, about))


def works_view(
    store: Store,
    catalogue: Catalogue,
    cache: TotalsCache | None,
    claim_id: str,
    tolerance: float,
    *,
    lang: str,
    labels: Labels,
) -> dict | None:
    """The works behind one claim's measured figure, per layer (every feature counted, with its length);
    None when there is no such claim."""
    claim = next((c for c in load_claims(store) if c.id == claim_id), None)
    if claim is None:
        return None
    totals = year_totals(store, catalogue, int(claim.year or 0), cache)
    groups = []
    for lid in claim.layers:
        if lid not in catalogue.layers:
            continue
        behind = works_behind(totals, lid, claim.district)
        rows = behind.astype(object).where(behind.notna(), None).to_dict("records")
        groups.append(
            {
                "layer": lid,
                "name": layers_label(catalogue, [lid], lang),
                "rows": rows,
                "km": float(behind["length_m"].sum()) / 1000.0,
                "count": len(rows),
            }
        )
    check = verify_claims(store, catalogue, [claim], tolerance, cache)[0]
    return {"claim": claim, "groups": groups, "row": check_rows([check], catalogue, lang, labels)[0]}


# --- claims in -----------------------------------------------------------------------------------------------


def save_problem(claims: list[Claim]) -> str | None:
    """Why found claims cannot be saved: 'no_claims', 'no_year' (a claim without a year), or None."""
    if not claims:
        return "no_claims"
    if any(c.year is None for c in claims):
        return "no_year"
    return None


def extract_report(
    store: Store,
    catalogue: Catalogue,
    text: str,
    year: int | None,
    source: str,
    *,
    save: bool = False,
    may_save: bool = True,
) -> Extracted:
    """The claims in report ``text``; with ``save`` (and ``may_save``) they are stored when each has a year.

    ClaimError when the text cannot be read (too long)."""
    found = extract_claims(text, catalogue, year=year, source=source)
    if not (found and save):
        return Extracted(found)
    if not may_save:
        return Extracted(found, problem="not_allowed")
    problem = save_problem(found)
    if problem:
        return Extracted(found, problem=problem)
    return Extracted(found, saved=save_claims(store, found))


def enter_claim(store: Store, catalogue: Catalogue, fields: Mapping[str, str]) -> list[Claim]:
    """Validate one claim from form ``fields`` and store it; ClaimError naming the field, nothing written."""
    return save_claims(store, [make_claim(dict(fields), catalogue)])


def import_claims(store: Store, catalogue: Catalogue, data: bytes, limit_bytes: int) -> list[Claim]:
    """Store every claim of a CSV file (at most ``limit_bytes``); ClaimError naming line and field, nothing written."""
    if len(data) > limit_bytes:
        raise ClaimError(f"file: larger than {limit_bytes / 2**20:g} MB")
    return save_claims(store, read_claims_csv(data, catalogue))
