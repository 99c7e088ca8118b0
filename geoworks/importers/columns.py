"""Mapping a file's columns to the work fields, with guesses for common kk/ru/en names.

``--map field=column`` overrides a guess. Fields: name, status, start_date,
end_date, year, contractor and ``source_id`` (the file's own feature id, kept
next to geoworks' id).
"""
from __future__ import annotations

import re

WORK_FIELDS = ("name", "status", "start_date", "end_date", "year", "contractor", "source_id")

GUESSES: dict[str, tuple[str, ...]] = {
    "name": ("name", "title", "street", "street_name", "object", "name_ru", "name:ru", "name_kk", "name:kk",
             "name_en", "name:en", "наименование", "название", "имя", "улица", "объект", "атауы", "аты", "көше",
             "нысан"),
    "status": ("status", "state", "stage", "статус", "состояние", "этап", "мәртебесі", "күйі", "жағдайы"),
    "start_date": ("start_date", "start", "date_start", "started", "begin", "begin_date", "дата_начала", "начало",
                   "начало_работ", "басталуы", "басталу_күні", "басталған_күні"),
    "end_date": ("end_date", "end", "date_end", "finish", "finish_date", "deadline", "due", "дата_окончания",
                 "окончание", "срок", "конец", "аяқталуы", "аяқталу_күні", "мерзімі"),
    "year": ("year", "yr", "год", "жыл", "жылы"),
    "contractor": ("contractor", "company", "executor", "builder", "operator", "подрядчик", "исполнитель",
                   "организация", "мердігер", "орындаушы"),
    "source_id": ("id", "osm_id", "objectid", "object_id", "fid", "gid", "code", "номер", "код", "нөмір"),
}


class MappingError(ValueError):
    """A --map option names an unknown field or a column the file lacks."""


def _key(name: str) -> str:
    return re.sub(r"[\s\-_.:]+", "_", str(name).strip().casefold())


def guess_mapping(columns) -> dict[str, str]:
    """Work field -> column of ``columns``, for the fields whose column can be guessed."""
    by_key: dict[str, str] = {}
    for col in columns:
        by_key.setdefault(_key(col), col)
    out: dict[str, str] = {}
    used: set[str] = set()
    for field, guesses in GUESSES.items():
        for guess in guesses:
            col = by_key.get(_key(guess))
            if col is not None and col not in used:
                out[field] = col
                used.add(col)
                break
    return out


def parse_map_options(items) -> dict[str, str]:
    """``["name=street", "status=state"]`` -> {"name": "street", "status": "state"}; MappingError when malformed."""
    out: dict[str, str] = {}
    for item in items or ():
        if "=" not in item:
            raise MappingError(f"--map '{item}': expected field=column")
        field, column = (s.strip() for s in item.split("=", 1))
        if field not in WORK_FIELDS:
            raise MappingError(f"--map '{item}': unknown field '{field}'; fields: {', '.join(WORK_FIELDS)}")
        if not column:
            raise MappingError(f"--map '{item}': empty column name")
        out[field] = column
    return out


def resolve_mapping(columns, explicit: dict[str, str] | None, file_label: str) -> dict[str, str]:
    """Guesses overridden by ``explicit``; MappingError naming the file when an explicit column is missing."""
    cols = list(columns)
    explicit = dict(explicit or {})
    for field, column in explicit.items():
        if column not in cols:
            raise MappingError(f"{file_label}: --map {field}={column}: the file has no column '{column}'; "
                               f"columns: {', '.join(map(str, cols)) or '(none)'}")
    mapping = {f: c for f, c in guess_mapping(cols).items() if c not in explicit.values()}
    mapping.update(explicit)
    return mapping
