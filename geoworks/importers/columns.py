"""Mapping a file's columns to the work fields, with guesses for common kk/ru/en names.

``--map field=column`` overrides a guess. Fields: name, status, start_date,
end_date, year, contractor and ``source_id`` (the file's own feature id, kept
next to geoworks' id). Columns are matched the way :func:`geoworks.names.guess_column`
does (case, spaces, dots, colons, dashes and underscores ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from geoworks.names import NAME_COLUMNS, column_key, guess_column

WORK_FIELDS = ("name", "status", "start_date", "end_date", "year", "contractor", "source_id")

# name columns that name an administrative area (a district, a province), never a work
AREA_NAME_COLUMNS = ("district", "slug", "name_1", "район", "аудан")

GUESSES: dict[str, tuple[str, ...]] = {
    "name": tuple(c for c in NAME_COLUMNS if column_key(c) not in {column_key(a) for a in AREA_NAME_COLUMNS}),
    "status": ("status", "state", "stage", "статус", "состояние", "этап", "мәртебесі", "күйі", "жағдайы"),
    "start_date": (
        "start_date",
        "start",
        "date_start",
        "started",
        "begin",
        "begin_date",
        "дата_начала",
        "начало",
        "начало_работ",
        "басталуы",
        "басталу_күні",
        "басталған_күні",
    ),
    "end_date": (
        "end_date",
        "end",
        "date_end",
        "finish",
        "finish_date",
        "deadline",
        "due",
        "дата_окончания",
        "окончание",
        "срок",
        "конец",
        "аяқталуы",
        "аяқталу_күні",
        "мерзімі",
    ),
    "year": ("year", "yr", "год", "жыл", "жылы"),
    "contractor": (
        "contractor",
        "company",
        "executor",
        "builder",
        "operator",
        "подрядчик",
        "исполнитель",
        "организация",
        "мердігер",
        "орындаушы",
    ),
    "source_id": ("id", "osm_id", "objectid", "object_id", "fid", "gid", "code", "номер", "код", "нөмір"),
}

_UNSAFE = re.compile(r"[^0-9A-Za-z_\u0400-\u04FF]+")


class MappingError(ValueError):
    """A --map option names an unknown field or a column the file lacks."""


def guess_mapping(columns: Iterable) -> dict[str, str]:
    """Work field -> column of ``columns``, for the fields whose column can be guessed (a column serves one field)."""
    cols = list(columns)
    out: dict[str, str] = {}
    for fld, guesses in GUESSES.items():
        col = guess_column(cols, guesses, exclude=out.values())
        if col is not None:
            out[fld] = col
    return out


def parse_map_options(items: Iterable[str] | None) -> dict[str, str]:
    """``["name=street", "status=state"]`` -> {"name": "street", "status": "state"}; MappingError when malformed."""
    out: dict[str, str] = {}
    for item in items or ():
        if "=" not in item:
            raise MappingError(f"--map '{item}': expected field=column")
        fld, column = (s.strip() for s in item.split("=", 1))
        if fld not in WORK_FIELDS:
            raise MappingError(f"--map '{item}': unknown field '{fld}'; fields: {', '.join(WORK_FIELDS)}")
        if not column:
            raise MappingError(f"--map '{item}': empty column name")
        out[fld] = column
    return out


def resolve_mapping(columns: Iterable, explicit: dict[str, str] | None, file_label: str) -> dict[str, str]:
    """Guesses overridden by ``explicit``; MappingError naming the file when an explicit column is missing."""
    cols = list(columns)
    explicit = dict(explicit or {})
    for fld, column in explicit.items():
        if column not in cols:
            raise MappingError(
                f"{file_label}: --map {fld}={column}: the file has no column '{column}'; "
                f"columns: {', '.join(map(str, cols)) or '(none)'}"
            )
    mapping = {f: c for f, c in guess_mapping(cols).items() if c not in explicit.values()}
    mapping.update(explicit)
    return mapping


def clean_column(name: str) -> str:
    """A column name safe for the store (letters, digits, _)."""
    out = _UNSAFE.sub("_", str(name)).strip("_")
    return out or "column"
