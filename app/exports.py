"""Result lists as files (pure): a table of readable values, CSV (Excel-friendly) and XLSX, formula-safe."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

EXPORT_FIELDS = [
    "doc_id", "title", "customer_ids", "customer_names", "register", "doc_date", "language", "version",
    "is_latest", "status", "file_name", "source_kind", "total_amount", "currency",
]  # fmt: skip
HEADER = ["doc_id", "title", "customer_ids", "customer_names", "register", "doc_date", "language",
          "version", "latest", "status", "file_name", "source", "total_amount", "currency"]  # fmt: skip


def export_table(rows: list[dict[str, Any]], labels: Callable[[str], str]) -> tuple[list[str], list[list[Any]]]:
    """Export rows -> (header, rows) with readable values (`labels` names a register)."""
    out: list[list[Any]] = []
    for r in rows:
        out.append(
            [
                r.get("doc_id"),
                r.get("title") or "",
                "; ".join(r.get("customer_ids") or []),
                "; ".join(r.get("customer_names") or []),
                labels(str(r.get("register") or "")),
                r.get("doc_date") or "",
                r.get("language") or "",
                r.get("version"),
                "yes" if r.get("is_latest") else "no",
                r.get("status") or "",
                r.get("file_name") or "",
                r.get("source_kind") or "",
                r.get("total_amount"),
                r.get("currency") or "",
            ]
        )
    return list(HEADER), out


def _cell(value: Any) -> Any:
    """Spreadsheet formula injection guard: text starting with = + - @ is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else _cell(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 umlauts correctly


def to_xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "Treffer"
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([_cell(v) for v in r])
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJKLMN", (34, 50, 18, 36, 20, 12, 8, 8, 7, 9, 36, 10, 12, 8), strict=False):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
