"""Claims: the figures a city reports, entered in a form, imported from CSV or found in report text.

A claim has a period (year), one layer or a group of layers (the report's
"water and sewer" is ``water,sewer``), a district slug or None for the whole
city, a value, a unit (``km`` or ``count``: streets lit, courtyards), a
qualifier (exact, more_than, about, up_to), the source document and the
quoted sentence. Claims are stored in the store's ``claims`` table
(columns :data:`COLUMNS`; ``layers`` comma-separated).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.params import YEAR_MAX, YEAR_MIN, ParamError, parse_year
from geoworks.storage import Store
from geoworks.verify.text import claimed, parse_number, scan, year_of

COLUMNS = ["id", "year", "layers", "district", "value", "unit", "qualifier", "source", "quote"]
UNITS = ("km", "count")
QUALIFIERS = ("exact", "more_than", "about", "up_to")
QUALIFIER_ALIASES = {
    "": "exact",
    "exact": "exact",
    "=": "exact",
    "more_than": "more_than",
    "more than": "more_than",
    ">": "more_than",
    "over": "more_than",
    "более": "more_than",
    "свыше": "more_than",
    "астам": "more_than",
    "about": "about",
    "~": "about",
    "около": "about",
    "жуық": "about",
    "up_to": "up_to",
    "up to": "up_to",
    "<": "up_to",
    "до": "up_to",
    "дейін": "up_to",
}
MAX_TEXT = 200_000  # characters of report text accepted at once


class ClaimError(ValueError):
    """A claim (or a CSV row of claims) is invalid; the message names the field."""


@dataclass
class Claim:
    """One reported figure. ``district`` None means the whole city."""

    layers: tuple[str, ...]
    value: float
    unit: str = "km"
    qualifier: str = "exact"
    district: str | None = None
    year: int | None = None
    source: str = ""
    quote: str = ""
    id: str | None = None

    def row(self) -> dict:
        """The claim as a row of the ``claims`` table."""
        return {
            "id": self.id,
            "year": self.year,
            "layers": ",".join(self.layers),
            "district": self.district,
            "value": float(self.value),
            "unit": self.unit,
            "qualifier": self.qualifier,
            "source": self.source or "",
            "quote": self.quote or "",
        }


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def parse_layers(value: object, catalogue: Catalogue) -> tuple[str, ...]:
    """Layer ids from 'water,sewer', a group id ('water_sewer') or layer names in any language."""
    if _blank(value):
        raise ClaimError("layers: missing (give a layer id such as 'roads', or 'water,sewer')")
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;+/]", str(value))
    out: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        key = item.casefold()
        if key in catalogue.layers:
            out.append(key)
        elif key in catalogue.groups:
            out.extend(catalogue.groups[key].layers)
        else:
            hit = [lid for lid, lyr in catalogue.layers.items() if key in (n.casefold() for n in lyr.names.all())]
            hit += [
                m for g in catalogue.groups.values() if key in (n.casefold() for n in g.names.all()) for m in g.layers
            ]
            if not hit:
                raise ClaimError(f"layers: unknown layer '{item}'; known layers: {', '.join(catalogue.layers)}")
            out.extend(hit)
    if not out:
        raise ClaimError("layers: missing")
    order = list(catalogue.layers)
    return tuple(sorted(dict.fromkeys(out), key=order.index))


def make_claim(data: dict, catalogue: Catalogue, default_year: int | None = None) -> Claim:
    """Validate a dict (form fields, CSV row, JSON object) into a Claim; ClaimError naming the field."""
    layers = parse_layers(data.get("layers", data.get("layer")), catalogue)
    raw_value = data.get("value")
    if _blank(raw_value):
        raise ClaimError("value: missing")
    try:
        value = raw_value if isinstance(raw_value, (int, float)) else parse_number(str(raw_value))
    except ValueError:
        raise ClaimError(f"value: '{raw_value}' is not a number") from None
    if not value == value or value < 0 or value > 1e7:
        raise ClaimError(f"value: {raw_value} is out of range (0 to 10,000,000)")
    unit = "km" if _blank(data.get("unit")) else str(data["unit"]).strip().casefold()
    if unit not in UNITS:
        raise ClaimError(f"unit: '{data.get('unit')}' is not one of {', '.join(UNITS)}")
    qual_raw = "" if _blank(data.get("qualifier")) else str(data["qualifier"]).strip().casefold()
    qualifier = QUALIFIER_ALIASES.get(qual_raw)
    if qualifier is None:
        raise ClaimError(f"qualifier: '{data.get('qualifier')}' is not one of {', '.join(QUALIFIERS)}")
    district = None
    if not _blank(data.get("district")) and str(data["district"]).strip().casefold() not in ("city", "all"):
        district = catalogue.district_slug(str(data["district"]))
        if district is None:
            raise ClaimError(
                f"district: unknown district '{data['district']}'; known: {', '.join(catalogue.districts)}"
            )
    year_raw = data.get("year")
    year = default_year
    if not _blank(year_raw):
        try:
            year = parse_year(str(year_raw))
        except ParamError as exc:
            raise ClaimError(f"year: '{exc.params['value']}' is not a year (give a year such as 2019)") from None
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        raise ClaimError(f"year: {'missing' if year is None else year} (give a year such as 2019)")
    if unit == "km" and any(not catalogue.layers[lid].is_line for lid in layers):
        bad = [lid for lid in layers if not catalogue.layers[lid].is_line]
        raise ClaimError(f"unit: km cannot be measured on {', '.join(bad)} (not a line layer); use count")
    text = {k: "" if _blank(data.get(k)) else str(data[k]).strip()[:2000] for k in ("source", "quote", "id")}
    return Claim(
        layers, float(value), unit, qualifier, district, year, text["source"], text["quote"], text["id"] or None
    )


def extract_claims(text: str, catalogue: Catalogue, year: int | None = None, source: str = "") -> list[Claim]:
    """Claims found in report text (kk, ru or en): km and counts that name a layer.

    ``year`` defaults to the year the text names most often. Percentages,
    money, people, areas and counts of other things are not claims.
    """
    if len(text or "") > MAX_TEXT:
        raise ClaimError(f"text: longer than {MAX_TEXT} characters")
    mentions = scan(text, catalogue)  # once: the year and the claims come from the same mentions
    year = year if year is not None else year_of(mentions)
    order = list(catalogue.layers)
    out = []
    for m in claimed(mentions):
        layers = tuple(sorted((lyr for lyr in m.layers if lyr in catalogue.layers), key=order.index))
        if layers:
            out.append(Claim(layers, m.value, m.kind, m.qualifier, m.district, year, source, m.quote))
    return out


def read_claims_csv(data: str | bytes, catalogue: Catalogue, default_year: int | None = None) -> list[Claim]:
    """Claims from CSV text (header: year, layers, district, value, unit, qualifier, source, quote).

    ``layer`` is accepted for ``layers``. ClaimError names the line and field of the first bad row.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ClaimError("file: not UTF-8 text") from None
    data = data.lstrip("\ufeff")
    sample = data[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(data), dialect=dialect)
    if not reader.fieldnames:
        raise ClaimError("file: empty, expected a header row")
    fields = {f.strip().casefold() for f in reader.fieldnames if f}
    if "value" not in fields or not ({"layers", "layer"} & fields):
        raise ClaimError(f"header: needs at least 'layers' and 'value' columns, found: {', '.join(sorted(fields))}")
    claims = []
    for lineno, row in enumerate(reader, start=2):
        row = {(k or "").strip().casefold(): v for k, v in row.items()}
        if all(_blank(v) for v in row.values()):
            continue
        try:
            claims.append(make_claim(row, catalogue, default_year))
        except ClaimError as exc:
            raise ClaimError(f"line {lineno}: {exc}") from None
    if not claims:
        raise ClaimError("file: no claims in it")
    return claims


def claims_frame(claims: Iterable[Claim]) -> pd.DataFrame:
    """Claims as a ``claims`` table frame."""
    return pd.DataFrame([c.row() for c in claims], columns=COLUMNS)


def _from_row(row: dict[str, Any]) -> Claim:
    district = row.get("district")
    year: Any = row.get("year")
    return Claim(
        tuple(s for s in str(row.get("layers") or "").split(",") if s),
        float(row.get("value") or 0),
        str(row.get("unit") or "km"),
        str(row.get("qualifier") or "exact"),
        None if _blank(district) else str(district),
        None if _blank(year) else int(year),
        "" if _blank(row.get("source")) else str(row["source"]),
        "" if _blank(row.get("quote")) else str(row["quote"]),
        str(row.get("id")),
    )


def load_claims(store: Store, year: int | None = None) -> list[Claim]:
    """The stored claims (of one year, when given), in table order."""
    table = store.read_table("claims")
    if table.empty:
        return []
    claims = [_from_row(r) for r in table.to_dict("records")]
    return [c for c in claims if year is None or c.year == year]


def claim_years(store: Store) -> list[int]:
    """Years that have claims, newest first."""
    return sorted({c.year for c in load_claims(store) if c.year is not None}, reverse=True)


def save_claims(store: Store, claims: list[Claim]) -> list[Claim]:
    """Append claims to the ``claims`` table in one transaction; each gets a new id. Returns them."""
    stored = []
    for c in claims:
        stored.append(
            Claim(
                c.layers,
                c.value,
                c.unit,
                c.qualifier,
                c.district,
                c.year,
                c.source,
                c.quote,
                f"claim-{c.year}-{uuid.uuid4().hex[:8]}",
            )
        )
    with store.transaction() as tx:
        table = tx.read_table("claims")
        new = claims_frame(stored)
        table = (
            new
            if table.empty
            else pd.concat([table[[c for c in COLUMNS if c in table.columns]], new], ignore_index=True)
        )
        table["district"] = table["district"].astype(object).where(table["district"].notna(), None)
        tx.write_table("claims", table)
    return stored
