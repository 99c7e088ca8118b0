"""Importing a meeting's questions from CSV or XLSX: every row checked, then all stored in one
transaction as one import (``request_imports``), or nothing when any row has a problem.

Columns are found by name in kk/ru/en (see COLUMNS): the text and the topic are required; the
place is ``lat``/``lon`` (EPSG:4326) or a street, address or courtyard name found by the near-me
street search (a ``district`` column picks among same-named streets and must match the place).
Other columns: received, status, status_date, answer, on_spot, round, meeting_date, source,
contact (kept private), works (``layer:id`` pairs, ``;``-separated, checked to exist).
Problems read ``<file>: row N: field 'F': <problem>``, N counting the file's lines (header = 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geoworks.catalogue import Catalogue
from geoworks.io.readers import file_checksum
from geoworks.measure import OUTSIDE
from geoworks.residents.model import IMPORTS, ImportResult, NewRequest, RequestError
from geoworks.residents.records import file_requests, missing_works
from geoworks.residents.validate import (
    assign_districts,
    check_point,
    definitions,
    outside_error,
    request_fields,
)
from geoworks.residents.words import Words, request_error

if TYPE_CHECKING:
    from geoworks.near.streets import StreetIndex
    from geoworks.storage import Store

COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("text", "question", "вопрос", "текст", "текст вопроса", "обращение", "сұрақ", "мәтін", "өтініш"),
    "topic": ("topic", "тема", "тематика", "тақырып", "category", "категория", "сала"),
    "lat": ("lat", "latitude", "широта", "ендік"),
    "lon": ("lon", "lng", "long", "longitude", "долгота", "бойлық"),
    "place": ("place", "street", "address", "улица", "адрес", "место", "көше", "мекенжай", "орны"),
    "district": ("district", "район", "аудан"),
    "received": ("received", "date", "дата", "дата поступления", "күні", "түскен күні"),
    "status": ("status", "статус", "мәртебе", "күйі", "результат"),
    "status_date": ("status_date", "дата статуса", "дата решения", "мәртебе күні"),
    "answer": ("answer", "ответ", "жауап", "решение", "разъяснение"),
    "on_spot": ("on_spot", "on the spot", "на месте", "отвечено на месте", "орнында", "орнында жауап берілді"),
    "round": ("round", "тур", "раунд", "этап", "кезең"),
    "meeting_date": ("meeting_date", "дата встречи", "кездесу күні"),
    "source": ("source", "источник", "дереккөз", "канал"),
    "contact": ("contact", "контакт", "телефон", "phone", "email", "байланыс"),
    "works": ("works", "work", "работы", "работа", "жұмыстар", "links"),
}
REQUIRED = ("text", "topic")
MAX_ERRORS = 50


def read_table(path: Path) -> pd.DataFrame:
    """The file's rows as text (CSV: UTF-8 or Windows-1251, , ; or tab; XLSX: the first sheet)."""
    label = path.name
    if not path.exists():
        raise RequestError(f"{label}: file not found", "empty_file", "file")
    if path.stat().st_size == 0:
        raise RequestError(f"{label}: the file is empty (0 bytes)", "empty_file", "file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return pd.read_excel(path, dtype=str, engine="openpyxl").fillna("")
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise RequestError(f"{label}: not a readable XLSX file ({exc})", "empty_file", "file") from None
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RequestError(f"{label}: not a text file (UTF-8 or Windows-1251)", "empty_file", "file")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return pd.read_csv(io.StringIO(text), dtype=str, sep=dialect.delimiter, keep_default_na=False)


def map_columns(columns: list[str]) -> dict[str, str]:
    """Field -> the file's column, matched by name (case- and space-insensitive)."""
    found: dict[str, str] = {}
    for col in columns:
        key = " ".join(str(col).strip().casefold().replace("_", " ").split())
        for name, spellings in COLUMNS.items():
            if name not in found and key in {" ".join(s.replace("_", " ").split()) for s in spellings}:
                found[name] = col
    return found


def _links(value: Any) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in str(value or "").replace(",", ";").split(";"):
        layer, sep, work_id = part.strip().partition(":")
        if part.strip():
            if not sep or not layer.strip() or not work_id.strip():
                raise RequestError(f"'{part.strip()}' is not layer:id", "work", "works", layer="?", value=part.strip())
            pairs.append((layer.strip(), work_id.strip()))
    return tuple(pairs)


def _place(raw: Mapping[str, Any], streets: StreetIndex | None, catalogue: Catalogue) -> tuple[float, float]:
    """The row's lon/lat: its coordinates, else its street found by the street search."""
    point = check_point(raw.get("lon"), raw.get("lat"))
    if point is not None:
        return point
    place = str(raw.get("place") or "").strip()
    if not place:
        raise RequestError("no place: give lat and lon, or a street or address", "location", "place")
    cands = streets.search(place) if streets is not None else []
    district = catalogue.district_slug(str(raw.get("district") or "")) if raw.get("district") else None
    if district:
        cands = [c for c in cands if c.district == district]
    if not cands:
        raise RequestError(f"no street or place '{place}' in the data", "street", "place", value=place)
    if len({(round(c.lon, 4), round(c.lat, 4)) for c in cands}) > 1 and cands[0].score == cands[1].score:
        raise RequestError(
            f"several places match '{place}' ({', '.join(c.key for c in cands[:4])}); add a district or coordinates",
            "street_ambiguous",
            "place",
            value=place,
        )
    return cands[0].lon, cands[0].lat


def _row(raw: dict[str, Any], defaults: Mapping[str, Any], catalogue: Catalogue, today: dt.date, streets) -> dict:
    merged = {
        **{k: v for k, v in defaults.items() if v not in (None, "")},
        **{k: v for k, v in raw.items() if v not in (None, "")},
    }
    fields = request_fields(merged, definitions(catalogue), today)
    lon, lat = _place(merged, streets, catalogue)
    return {**fields, "lon": lon, "lat": lat, "links": _links(merged.get("works")), "hint": merged.get("district")}


def read_requests(
    path: str | Path,
    catalogue: Catalogue,
    districts: pd.DataFrame,
    today: dt.date,
    *,
    streets: StreetIndex | None = None,
    store: Store | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Every row of the file checked (with ``defaults`` for absent values, e.g. source, round, meeting_date);
    the result holds the requests, or the errors (row and field) when any row has a problem."""
    path = Path(path)
    result = ImportResult(path.name)
    try:
        table = read_table(path)
    except RequestError as exc:
        result.errors.append(exc)
        return result
    cols = map_columns(list(table.columns))
    missing = [f for f in REQUIRED if f not in cols]
    if missing:
        result.errors.append(
            RequestError(
                f"no column for {', '.join(missing)}; found: {', '.join(map(str, table.columns))}",
                "columns",
                missing[0],
            )
        )
        return result
    rows: list[tuple[int, dict]] = []
    for n, rec in enumerate(table.to_dict("records"), start=2):
        raw = {f: rec.get(c, "") for f, c in cols.items()}
        if not any(str(v).strip() for v in raw.values()):
            continue
        try:
            rows.append((n, _row(raw, defaults or {}, catalogue, today, streets)))
        except RequestError as exc:
            result.errors.append(exc.located(n))
    if not rows and not result.errors:
        result.errors.append(RequestError(f"{path.name}: no requests in the file", "empty_file", "file"))
    _place_rows(result, rows, catalogue, districts, store)
    result.checksum = file_checksum(path)
    return result


def read_upload(save: Callable[[Path], Any], filename: str, *args: Any, **kwargs: Any) -> ImportResult:
    """:func:`read_requests` of an uploaded file, saved by ``save(path)`` into a private temporary folder
    (removed afterwards, whatever happens)."""
    name = Path(filename).name or "upload"
    with tempfile.TemporaryDirectory(prefix="geoworks-requests-") as tmp:
        path = Path(tmp) / name
        save(path)
        return read_requests(path, *args, **kwargs)


def _place_rows(result: ImportResult, rows: list[tuple[int, dict]], catalogue: Catalogue, districts, store) -> None:
    """Districts for every row's point (outside the city, or another district than the row names: an error),
    links checked to name stored works; the requests when nothing is wrong."""
    slugs = assign_districts([(r["lon"], r["lat"]) for _, r in rows], catalogue, districts)
    links = [lk for _, r in rows for lk in r["links"] if lk[0] in catalogue.layers]
    absent = set(missing_works(store, catalogue, links)) if store else set()
    for (n, r), slug in zip(rows, slugs):
        given = r.pop("hint", None)
        hint = catalogue.district_slug(str(given)) if given else None
        if slug == OUTSIDE:
            result.errors.append(outside_error(r["lon"], r["lat"], catalogue).located(n))
        elif hint and hint != slug:
            result.errors.append(
                RequestError(f"the place lies in {slug}, not in {hint}", "district", "district", n, value=hint)
            )
        for layer, work_id in r["links"]:
            if (layer, work_id) in absent or layer not in catalogue.layers:
                result.errors.append(
                    RequestError(
                        f"no work '{work_id}' in layer '{layer}'", "work", "works", n, layer=layer, value=work_id
                    )
                )
        result.requests.append(NewRequest(district=slug, **r))
    if result.errors:
        result.requests = []


def error_lines(result: ImportResult, limit: int = MAX_ERRORS) -> list[str]:
    """``<file>: row N: field 'F': problem`` for each problem (at most ``limit``, then how many more)."""
    lines = []
    for e in result.errors[:limit]:
        where = f"row {e.row}: " if e.row else ""
        field = f"field '{e.field}': " if e.field and e.field != "file" else ""
        lines.append(f"{result.file}: {where}{field}{e.message}")
    if len(result.errors) > limit:
        lines.append(f"{result.file}: ... and {len(result.errors) - limit} more problems")
    return lines


def store_import(
    store: Store, catalogue: Catalogue, result: ImportResult, user: str, now: dt.datetime, force: bool = False
) -> tuple[str, list[str]]:
    """Store a checked import in one transaction; (import id, request ids). RequestError for a file already
    imported (same checksum), unless ``force``."""
    if not result.ok:
        raise RequestError(f"{result.file}: the file has problems; nothing stored", "batch", "file")
    table = store.read_table(IMPORTS)
    if not force and len(table) and "checksum" in table.columns:
        same = table[(table["checksum"] == result.checksum) & (table["status"] == "committed")]
        if len(same):
            raise RequestError(
                f"{result.file}: this file was already imported as {same['id'].iloc[0]} on {same['created'].iloc[0]}; "
                "use --force to import it again",
                "duplicate",
                "file",
            )
    import_id = f"i{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"
    row: dict[str, Any] = {"id": import_id, "created": now.isoformat(timespec="seconds"), "user": user}
    row["file"] = result.file
    row |= {"checksum": result.checksum, "requests": len(result.requests), "status": "committed", "rolled_back": None}
    ids = file_requests(store, catalogue, result.requests, user, now, batch_id=import_id, import_row=row)
    return import_id, ids


def import_upload(
    store: Store,
    catalogue: Catalogue,
    save: Callable[[Path], Any],
    filename: str,
    *,
    districts: pd.DataFrame,
    streets: StreetIndex | None,
    defaults: Mapping[str, Any],
    check_only: bool,
    today: dt.date,
    now: dt.datetime,
    user: str,
    words: Words,
) -> dict[str, Any]:
    """An uploaded file read, checked and (unless ``check_only``) stored: ``errors`` (lines naming row and
    field), ``checked`` (how many rows passed, when only checked) or ``stored`` (import id, count, file)."""
    result = read_upload(save, filename, catalogue, districts, today, streets=streets, store=store, defaults=defaults)
    if result.errors:
        return {"errors": error_lines(result)}
    if check_only:
        return {"checked": len(result.requests)}
    try:
        import_id, ids = store_import(store, catalogue, result, user, now)
    except RequestError as exc:
        return {"errors": [request_error(exc, words)]}
    return {"stored": {"id": import_id, "count": len(ids), "file": result.file}}
