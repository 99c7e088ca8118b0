"""The verification table as CSV and XLSX bytes (formula-safe), with its notes (date, tolerance, source)."""
from __future__ import annotations

import io

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(table: pd.DataFrame, notes: dict[str, str] | None = None) -> bytes:
    """UTF-8 CSV (with BOM, for spreadsheets); text that a spreadsheet would run as a formula gets a leading '."""
    out = table.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(_safe_text)
    text = out.to_csv(index=False)
    if notes:
        text += "\n" + "".join(f"# {k}: {v}\n" for k, v in notes.items())
    return ("\ufeff" + text).encode("utf-8")


def to_xlsx(table: pd.DataFrame, notes: dict[str, str] | None = None, overlaps: pd.DataFrame | None = None) -> bytes:
    """An XLSX workbook: sheet 'verification', sheet 'overlaps' (when given) and sheet 'about' with the notes."""
    from openpyxl import Workbook

    wb = Workbook()
    sheets = [("verification", table)]
    if overlaps is not None:
        sheets.append(("overlaps", overlaps))
    first = True
    for title, df in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        ws.append([str(c) for c in df.columns])
        for row in df.itertuples(index=False):
            cells = []
            for v in row:
                if v is None or (isinstance(v, float) and v != v):
                    cells.append(None)
                elif isinstance(v, str):
                    cells.append(v[:32767])
                else:
                    cells.append(v.item() if hasattr(v, "item") else v)
            ws.append(cells)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
        ws.freeze_panes = "A2"
    about = wb.create_sheet("about")
    for k, v in (notes or {}).items():
        about.append([str(k), str(v)])
        for cell in about[about.max_row]:
            cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
