"""Customer master data from CRM/ERP exports (CSV with `;` or XLSX) into the customers index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexing import schema, store
from nlp.identifiers import normalize_identifier

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

REQUIRED = ("customer_id", "customer_number", "name", "tenant")


@dataclass
class CustomerLoad:
    file: str
    rows: int = 0
    indexed: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # in the index, no longer in the export (kept, reported)
    tenants: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"{self.file}: {self.rows} rows, {self.indexed} customers indexed, {len(self.rejected)} rejected",
            f"  changes: {len(self.new)} new, {len(self.changed)} changed, {len(self.removed)} no longer in the "
            f"export (kept: their documents stay filed)",
        ]
        for label, ids in (("new", self.new), ("changed", self.changed), ("removed", self.removed)):
            if ids:
                lines.append(f"  {label}: {', '.join(ids[:20])}{' …' if len(ids) > 20 else ''}")
        lines += [f"  row {n}: {why}" for n, why in self.rejected[:20]]
        return "\n".join(lines)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows as dicts of strings; raises ValueError with a clear message for unreadable files."""
    import pandas as pd

    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str)
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
        else:
            raise ValueError(f"{path.name}: unsupported master-data format {suffix!r} (use CSV or XLSX)")
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, KeyError, OSError) as exc:
        if isinstance(exc, ValueError) and "unsupported" in str(exc):
            raise
        raise ValueError(f"{path.name}: cannot read master data ({type(exc).__name__}: {exc})") from exc
    frame = frame.fillna("")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"{path.name}: missing columns {', '.join(missing)}")
    return [{k: str(v).strip() for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _float(value: str) -> float | None:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return None


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def customer_doc(row: dict[str, str], now: dt.datetime) -> dict[str, Any]:
    """Pure: one CSV/XLSX row → the customers index body."""
    addresses = []
    for kind in ("billing", "delivery"):
        if row.get(f"{kind}_city") or row.get(f"{kind}_street"):
            addresses.append(
                {
                    "kind": kind,
                    "street": row.get(f"{kind}_street", ""),
                    "zip": row.get(f"{kind}_zip", ""),
                    "city": row.get(f"{kind}_city", ""),
                    "country": row.get(f"{kind}_country", ""),
                    "lat": _float(row.get(f"{kind}_lat", "")),
                    "lon": _float(row.get(f"{kind}_lon", "")),
                }
            )
    aliases = _split(row.get("aliases", ""))
    emails = [e for e in _split(row.get("contact_email", "").replace(",", "|")) if "@" in e]
    domains = _split(row.get("email_domain", "").lower()) or sorted({e.split("@", 1)[1].lower() for e in emails})
    number = row["customer_number"]
    return {
        "customer_id": row["customer_id"],
        "number": number,
        "number_norm": normalize_identifier(number),
        "name": row["name"],
        "legal_form": row.get("legal_form", ""),
        "aliases": aliases,
        "tenant": row["tenant"],
        "acl_groups": ["all"],
        "segment": row.get("segment", ""),
        "account_manager": row.get("account_manager", ""),
        "department": row.get("department", ""),
        "emails": emails,
        "domains": domains,
        "phones": _split(row.get("phone", "")),
        "ibans": [normalize_identifier(i).upper() for i in _split(row.get("iban", ""))],
        "vat_id": normalize_identifier(row.get("vat_id", "")).upper(),
        "addresses": addresses,
        "suggest": {
            "input": [row["name"], number, normalize_identifier(number), *aliases],
            "contexts": {"tenant": [row["tenant"]]},
        },
        "updated_at": now.isoformat(),
    }


def customer_record_id(tenant: str, customer_id: str) -> str:
    """The customers index id: qualified by the tenant, so two tenants' customer ids never collide (and no
    tenant can overwrite, or learn of, another's record)."""
    return f"{tenant}:{customer_id}"


@dataclass
class ChangeReport:
    """What a master-data upsert changed: new, changed, unchanged customer ids and rejected rows."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, code, detail)


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("updated_at",)}


def upsert_rows(es: Elasticsearch, prefix: str, rows: list[dict[str, str]], *, first_row: int = 1) -> ChangeReport:
    """Rows (already validated, each with its tenant) -> customers index; reports what changed. Legacy records
    (id = bare customer id, before ids were tenant-qualified) of the same tenant are replaced."""
    report = ChangeReport()
    now = dt.datetime.now(dt.UTC)
    bodies: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(rows, start=first_row):
        empty = [c for c in REQUIRED if not row.get(c)]
        if empty:
            report.rejected.append((n, "customers.error.empty", ", ".join(empty)))
            continue
        body = customer_doc(row, now)
        bodies[customer_record_id(body["tenant"], body["customer_id"])] = body
    if not bodies:
        return report
    store.ensure_index(es, prefix, "customers")
    alias = schema.alias_name(prefix, "customers")
    legacy_ids = sorted({b["customer_id"] for b in bodies.values()})
    existing = store.get_existing(es, alias, sorted(bodies), ["*"])
    legacy = store.get_existing(es, alias, legacy_ids, ["tenant", "customer_id"])
    actions: list[dict[str, Any]] = []
    for rid, body in bodies.items():
        old = existing.get(rid)
        cid = body["customer_id"]
        if old is None:
            report.new.append(cid)
        elif _comparable(old) != _comparable(body):
            report.changed.append(cid)
        else:
            report.unchanged.append(cid)
            continue
        actions.append({"_op_type": "index", "_index": alias, "_id": rid, "_source": body})
        if (lg := legacy.get(cid)) is not None and lg.get("tenant") == body["tenant"]:
            actions.append({"_op_type": "delete", "_index": alias, "_id": cid})
    failures = store.bulk_write(es, actions)
    failed = {i for i, _ in failures}
    for bucket in (report.new, report.changed):
        bucket[:] = [c for c in bucket if not any(f.endswith(":" + c) or f == c for f in failed)]
    report.rejected += [(0, "customers.error.write", f"{i}: {err}") for i, err in failures]
    es.indices.refresh(index=alias)
    return report


def ingest_rows(es: Elasticsearch, prefix: str, rows: list[dict[str, str]], file: str) -> CustomerLoad:
    load = CustomerLoad(file=file, rows=len(rows))
    report = upsert_rows(es, prefix, rows, first_row=2)  # row 1 is the header
    load.indexed = len(report.new) + len(report.changed) + len(report.unchanged)
    load.rejected = [(n, f"{code}: {detail}") for n, code, detail in report.rejected]
    load.new, load.changed = report.new, report.changed
    load.tenants = sorted({r.get("tenant", "") for r in rows if r.get("tenant")})
    in_file = {(r.get("tenant"), r.get("customer_id")) for r in rows}
    for tenant in load.tenants:
        for body in load_customers(es, prefix, tenant):
            if (tenant, body.get("customer_id")) not in in_file:
                load.removed.append(f"{tenant}:{body.get('customer_id')}")
    return load


def ingest_customer_file(path: Path, es: Elasticsearch | None = None, prefix: str | None = None) -> CustomerLoad:
    from core.es import get_client
    from core.settings import get_settings

    es = es or get_client()
    prefix = prefix or get_settings().index_prefix
    return ingest_rows(es, prefix, read_rows(path), path.name)


def load_customers(es: Elasticsearch, prefix: str, tenant: str) -> list[dict[str, Any]]:
    """All customers of a tenant (index bodies), for the filing directory and the gazetteer."""
    alias = schema.alias_name(prefix, "customers")
    if not es.indices.exists_alias(name=alias):
        return []
    return [h["_source"] for h in store.scan_all(es, alias, {"term": {"tenant": tenant}})]
