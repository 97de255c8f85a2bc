"""The configured retention table (`settings.retention_file`) and the retention fields of a document's index entry.

`configured_table()` reads and validates the file once per path and modification time; every front door calls
it at start-up (`AppContext.create`, `cockpit serve`, the worker, `cockpit doctor`), so a bad table stops them
with the offending key named. `retention_fields` is what the write side stores: at index time
(`indexing.documents.build_body`), when a document is filed or re-filed (`app.review`), by `cockpit backfill`.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from domain.retention import RetentionTable, assess, default_table, load_table
from indexing.schema import REGISTERS

FIELDS = ("retain_until", "retention_basis", "retention_flags", "retention_table")
_lock = threading.Lock()
_cache: dict[tuple[str, int], RetentionTable] = {}


def configured_table(path: Path | str | None = None) -> RetentionTable:
    """The table of `path` (default: settings.retention_file), validated; raises RetentionConfigError."""
    if path is None:
        from core.settings import get_settings

        path = get_settings().retention_file
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1  # load_table reports the missing file
    key = (str(path.resolve()), stamp)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    table = load_table(path, REGISTERS)
    with _lock:
        _cache.clear()
        _cache[key] = table
    return table


@lru_cache(maxsize=1)
def builtin_table() -> RetentionTable:
    """The law's defaults (domain.retention.DEFAULTS) for the index's registers (tests, pure callers)."""
    return default_table(REGISTERS)


def retention_fields(
    register: str,
    doc_date: Any,
    contract_end: Any = None,
    *,
    table: RetentionTable,
    now: dt.datetime | dt.date,
) -> dict[str, Any]:
    """The index fields of a document's retention (a partial update or part of the index body)."""
    r = assess(register, doc_date, contract_end, table=table, now=now)
    return {
        "retain_until": r.until_iso,
        "retention_basis": r.basis,
        "retention_flags": list(r.flags),
        "retention_table": table.fingerprint,
    }


def fields_of_source(src: dict[str, Any], *, table: RetentionTable, now: dt.datetime | dt.date) -> dict[str, Any]:
    """`retention_fields` of an indexed document (its register, date and contract end) — the back-fill."""
    doc_date = src.get("doc_date") or str(src.get("received_at") or "")[:10] or None
    return retention_fields(str(src.get("register") or "other"), doc_date, src.get("contract_end"), table=table,
                            now=now)  # fmt: skip
