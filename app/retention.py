"""Use cases of retention: the table in force, what expires in the next months, the contract end of a contract
(legal holds: `app.holds`).

Everything here needs the `retention` capability (roles compliance and admin, the CLI's operator).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from app import audit
from app.context import AppContext
from app.holds import Hold, _document, held_ids, resolve_holds, tenants_of
from domain.errors import Conflict, Invalid, Unavailable
from domain.principal import RETENTION, Principal
from domain.retention import RetentionTable, as_date, settled_by_invoice
from indexing.records import WriteConflict, WriteFailed
from search import retention as R
from search.parse import hits_of, total_of
from search.repository import ReadFailed
from search.saved import documents_by_id_body

log = logging.getLogger(__name__)

MAX_MONTHS = 240


# ------------------------------------------------------------------------------------------------ the table


def table(ctx: AppContext) -> RetentionTable:
    """The table in force: the context's (validated when it was created) or the configured one."""
    from indexing.retention import configured_table

    current = getattr(ctx, "retention", None)
    return current if isinstance(current, RetentionTable) else configured_table()


def local_today(ctx: AppContext, now: dt.datetime | None = None) -> dt.date:
    """Today in the company's time zone: a retention ending 2032-12-31 ends at midnight in Germany."""
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(ZoneInfo(ctx.tz)).date()


# ------------------------------------------------------------------------------------------------ delivery notes


def settled_delivery_notes(
    ctx: AppContext, principal: Principal, tenant: str, today: dt.date, rules: RetentionTable
) -> dict[str, tuple[dt.date, str]]:
    """Delivery notes whose invoice is issued: {doc_id: (kept until, the invoice's doc id)} — an invoice of the
    same tenant naming the note's order or delivery number and sharing one of its customers."""
    rule = rules.rule("delivery_note")
    if rule is None or not rule.until_invoice or not rule.dispose:
        return {}
    notes = list(ctx.repo.scan("documents", R.open_delivery_notes_body(principal, tenant, today.isoformat())))
    numbers: dict[str, list[dict[str, Any]]] = {}
    for n in notes:
        ents = (n.get("_source") or {}).get("entities") or {}
        for num in {*(ents.get("order_number") or []), *(ents.get("delivery_number") or [])}:
            numbers.setdefault(str(num), []).append(n.get("_source") or {})
    out: dict[str, tuple[dt.date, str]] = {}
    keys = sorted(numbers)
    for i in range(0, len(keys), 1000):
        for inv in ctx.repo.scan("documents", R.invoices_for_body(principal, tenant, keys[i : i + 1000])):
            src = inv.get("_source") or {}
            ents = src.get("entities") or {}
            until = settled_by_invoice(rule, src.get("doc_date"))
            if until is None:
                continue
            for num in {*(ents.get("order_number") or []), *(ents.get("delivery_number") or [])}:
                for note in numbers.get(str(num), []):
                    if not set(note.get("customer_ids") or []) & set(src.get("customer_ids") or []):
                        continue
                    note_id = str(note.get("doc_id"))
                    stored = as_date(note.get("retain_until"))
                    effective = min(until, stored) if stored else until
                    if note_id not in out or effective < out[note_id][0]:
                        out[note_id] = (effective, str(src.get("doc_id") or inv["_id"]))
    return out


# ------------------------------------------------------------------------------------------------ report


@dataclass(frozen=True)
class ReportItem:
    doc_id: str
    tenant: str
    register: str
    title: str
    customer_ids: list[str]
    customer_names: list[str]
    doc_date: str | None
    retain_until: str | None
    basis: str
    flags: list[str]
    due: bool  # retention ended: disposable unless held
    held: str | None = None  # document | customer | view
    settled_by: str | None = None  # delivery notes: the invoice that ends their retention


@dataclass(frozen=True)
class RegisterCount:
    register: str
    expiring: int
    due: int


@dataclass
class RetentionReport:
    today: str
    until: str
    months: int
    tenants: list[str]
    profile: str
    table: str
    total: int = 0
    due: int = 0
    held: int = 0
    registers: list[RegisterCount] = field(default_factory=list)
    items: list[ReportItem] = field(default_factory=list)
    truncated: bool = False
    flagged: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    holds: list[Hold] = field(default_factory=list)
    unresolved_holds: list[Hold] = field(default_factory=list)


def _item(src: dict[str, Any], today: dt.date, *, held: str | None = None, settled: tuple[dt.date, str] | None = None
          ) -> ReportItem:  # fmt: skip
    until = settled[0].isoformat() if settled else src.get("retain_until")
    day = as_date(until)
    return ReportItem(
        doc_id=str(src.get("doc_id") or ""), tenant=str(src.get("tenant") or ""), register=str(src.get("register") or ""),
        title=str(src.get("title") or src.get("file_name") or ""), customer_ids=list(src.get("customer_ids") or []),
        customer_names=list(src.get("customer_names") or []), doc_date=src.get("doc_date"), retain_until=until,
        basis=f"delivery_note:invoice:{settled[1]}" if settled else str(src.get("retention_basis") or ""),
        flags=list(src.get("retention_flags") or []), due=day is not None and day < today, held=held,
        settled_by=settled[1] if settled else None,
    )  # fmt: skip


def report(
    ctx: AppContext,
    principal: Principal,
    *,
    months: int = 12,
    tenant: str | None = None,
    now: dt.datetime | None = None,
    limit: int = 500,
) -> RetentionReport:
    """What expires in the next `months` months (and what is due already), per register, with the documents
    (the first `limit`, soonest first) and whether a hold keeps them; the documents whose dates look wrong."""
    principal.require(RETENTION)
    if not isinstance(months, int) or isinstance(months, bool) or not 0 <= months <= MAX_MONTHS:
        raise Invalid("retention.error.months", n=MAX_MONTHS)
    rules = table(ctx)
    now = now or dt.datetime.now(dt.UTC)
    today = local_today(ctx, now)
    until = today + relativedelta(months=months)
    tenants = tenants_of(ctx, principal, tenant)
    rep = RetentionReport(today.isoformat(), until.isoformat(), months, tenants, rules.profile, rules.fingerprint)
    counts: dict[str, list[int]] = {}
    for t in tenants:
        try:
            resp = ctx.repo.search_or_empty("documents", R.expiring_body(principal, today.isoformat(), until.isoformat(),
                                                                         tenant=t, size=limit))  # fmt: skip
            flagged = ctx.repo.search_or_empty("documents", R.flagged_body(principal, tenant=t, size=0))
            settled = settled_delivery_notes(ctx, principal, t, today, rules)
        except ReadFailed as exc:
            raise Unavailable("error.unavailable") from exc
        resolved = resolve_holds(ctx, t, now)
        rep.holds.extend(resolved.holds)
        rep.unresolved_holds.extend(resolved.unresolved)
        rep.total += total_of(resp)
        rep.due += int((((resp.get("aggregations") or {}).get("due") or {}).get("doc_count")) or 0)
        for b in ((resp.get("aggregations") or {}).get("registers") or {}).get("buckets") or []:
            c = counts.setdefault(str(b["key"]), [0, 0])
            c[0] += int(b.get("doc_count") or 0)
            c[1] += int((b.get("due") or {}).get("doc_count") or 0)
        rep.flagged += total_of(flagged)
        for b in ((flagged.get("aggregations") or {}).get("flags") or {}).get("buckets") or []:
            rep.flags[str(b["key"])] = rep.flags.get(str(b["key"]), 0) + int(b.get("doc_count") or 0)
        sources = [h.get("_source") or {} for h in hits_of(resp)]
        extra = [s for s in _settled_sources(ctx, principal, settled, until) if s.get("doc_id") not in
                 {x.get("doc_id") for x in sources}]  # fmt: skip
        for s in extra:
            c = counts.setdefault("delivery_note", [0, 0])
            c[0] += 1
            c[1] += int(settled[str(s.get("doc_id"))][0] < today)
            rep.total += 1
            rep.due += int(settled[str(s.get("doc_id"))][0] < today)
        held = held_ids(ctx, resolved, sources + extra) if sources or extra else {}
        for s in sources + extra:
            doc_id = str(s.get("doc_id") or "")
            rep.items.append(_item(s, today, held=held.get(doc_id), settled=settled.get(doc_id)))
        rep.held += len(held)
        rep.truncated = rep.truncated or total_of(resp) > len(sources)
    rep.registers = sorted((RegisterCount(r, c[0], c[1]) for r, c in counts.items()), key=lambda r: r.register)
    rep.items.sort(key=lambda i: (i.retain_until or "9999", i.doc_id))
    return rep


def _settled_sources(
    ctx: AppContext, principal: Principal, settled: dict[str, tuple[dt.date, str]], until: dt.date
) -> list[dict[str, Any]]:
    ids = sorted(doc_id for doc_id, (day, _) in settled.items() if day <= until)
    out: list[dict[str, Any]] = []
    for i in range(0, len(ids), 1000):
        body = documents_by_id_body(principal, ids[i : i + 1000], fields=R.REPORT_FIELDS)
        out.extend(h.get("_source") or {} for h in hits_of(ctx.repo.search("documents", body)))
    return out


# ------------------------------------------------------------------------------------------------ contract end


def set_contract_end(
    ctx: AppContext, principal: Principal, doc_id: str, end: dt.date | None, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Record (or clear) a contract's end; its retention is computed again from it. Returns the new fields."""
    from indexing.retention import retention_fields

    principal.require(RETENTION)
    hit = _document(ctx, principal, doc_id)
    src = hit.get("_source") or {}
    if src.get("register") != "contract":
        raise Invalid("retention.error.not_contract", doc_id=doc_id)
    now = now or dt.datetime.now(dt.UTC)
    change = {"contract_end": end.isoformat() if end else None,
              **retention_fields("contract", src.get("doc_date"), end, table=table(ctx), now=now)}  # fmt: skip
    try:
        ctx.store.update("documents", hit["_id"], change, concrete_index=hit.get("_index"),
                         if_seq_no=hit.get("_seq_no"), if_primary_term=hit.get("_primary_term"))  # fmt: skip
    except WriteConflict as exc:
        raise Conflict("retention.error.changed", doc_id=doc_id) from exc
    except WriteFailed as exc:
        raise Unavailable("retention.error.write") from exc
    audit.record(ctx, "contract_end_set", principal, wait=True, tenant=src.get("tenant"), doc_id=doc_id,
                 contract_end=change["contract_end"], retain_until=change["retain_until"])  # fmt: skip
    ctx.invalidate()
    return change
