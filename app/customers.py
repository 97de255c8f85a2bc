"""Use cases of customer master data: one customer, a lookup by number or name, and the ERP/CRM upsert."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from app import audit
from app.context import AppContext
from domain.errors import Invalid, NotFound, Unavailable
from domain.principal import MASTER_DATA, SEARCH, Principal
from indexing.customers import ChangeReport, upsert_rows
from search.dossier import customer_body, customer_lookup_body
from search.parse import hits_of
from search.repository import ReadFailed

MAX_UPSERT_ROWS = 1000
log = logging.getLogger(__name__)

PUBLIC_FIELDS = (
    "customer_id", "number", "name", "legal_form", "aliases", "tenant", "segment", "account_manager", "department",
    "emails", "domains", "phones", "ibans", "vat_id", "addresses", "updated_at",
)  # fmt: skip


def _public(src: Mapping[str, Any]) -> dict[str, Any]:
    return {k: src.get(k) for k in PUBLIC_FIELDS if k in src}


def get_customer(ctx: AppContext, principal: Principal, customer_id: str) -> dict[str, Any]:
    principal.require(SEARCH)
    customer_id = str(customer_id or "")[:200]
    try:
        hits = hits_of(ctx.repo.search("customers", customer_body(principal, [customer_id])))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not hits:
        raise NotFound("notfound.customer", customer_id=customer_id)
    return _public(hits[0].get("_source") or {})


def lookup(
    ctx: AppContext, principal: Principal, *, number: str | None = None, name: str | None = None, size: int = 10
) -> list[dict[str, Any]]:
    """Customers by number (any spelling) or name words; only those the principal may see."""
    principal.require(SEARCH)
    number = (number or "").strip()[:100] or None
    name = (name or "").strip()[:200] or None
    if not number and not name:
        raise Invalid("customers.error.lookup")
    size = max(1, min(int(size), 100))
    try:
        resp = ctx.repo.search("customers", customer_lookup_body(principal, number=number, name=name, size=size))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    return [_public(h.get("_source") or {}) for h in hits_of(resp)]


def upsert(ctx: AppContext, principal: Principal, rows: list[dict[str, str]]) -> ChangeReport:
    """Master data from ERP/CRM: insert or update customers of the principal's tenants; a change report."""
    principal.require(MASTER_DATA)
    if len(rows) > MAX_UPSERT_ROWS:
        raise Invalid("customers.error.too_many", n=MAX_UPSERT_ROWS)
    accepted: list[dict[str, str]] = []
    report = ChangeReport()
    numbers: list[int] = []
    for n, row in enumerate(rows, start=1):
        tenant = row.get("tenant") or (principal.default_tenant if len(principal.tenants) == 1 else "")
        if tenant not in principal.tenants:
            report.rejected.append((n, "customers.error.tenant", tenant or ""))
            continue
        accepted.append({**row, "tenant": tenant})
        numbers.append(n)
    if accepted:
        done = upsert_rows(ctx.store.es, ctx.prefix, accepted)
        report.new, report.changed, report.unchanged = done.new, done.changed, done.unchanged
        report.rejected += [(numbers[n - 1] if n > 0 else 0, code, detail) for n, code, detail in done.rejected]
    ctx.invalidate()
    _refile(ctx, accepted, report)
    audit.record(ctx, "customers_upsert", principal, wait=True, new=len(report.new), changed=len(report.changed),
                 unchanged=len(report.unchanged), rejected=len(report.rejected))  # fmt: skip
    return report


def _refile(ctx: AppContext, rows: list[dict[str, str]], report: ChangeReport) -> None:
    """New or changed customers may make documents in review matchable: a worker files them again."""
    from app.intake import request_refile

    if not (report.new or report.changed):
        return
    for tenant in sorted({r["tenant"] for r in rows}):
        try:
            request_refile(ctx, tenant)
        except Unavailable:
            log.warning("re-filing of %s not queued: the job queue is unavailable", tenant)
