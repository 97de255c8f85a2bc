"""Working a case: claim, give back, hand over, complete a step with its form, comment, add a document, reopen —
and what re-filing a case's documents does to it.

Every change reads the case through `app.cases.case_hit` (the principal must see it: its tenant, and at least
one of its documents readable) and writes it with the record's `_seq_no`/`_primary_term`: of two parallel
changes one wins, the other gets ``cases.error.changed``. Each change is protocolled on the case, audited, and
written onto the case's documents (`app.case_sync`). Closing sets the complaint documents' status to closed,
reopening back to open.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import audit
from app.case_sync import sync_documents
from app.cases import (
    KIND,
    Case,
    case_hit,
    definition_of,
    entry,
    local_today,
    may_work,
    readable_ids,
    step_fields,
    utc_now,
)  # fmt: skip
from app.context import AppContext
from app.process_engine import END, Refusal, engine_for
from app.processes import ProcessLibrary
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from domain.principal import Principal
from domain.process import Process, Step
from indexing.records import WriteConflict, WriteFailed
from search import cases as C
from search.parse import hits_of
from search.repository import ReadFailed

MAX_COMMENT = 5000


def _write(ctx: AppContext, hit: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """Write the change (optimistic concurrency) and carry it onto the documents; the new record."""
    try:
        ctx.store.update(KIND, str(hit["_id"]), change, concrete_index=hit.get("_index"),
                         if_seq_no=hit.get("_seq_no"), if_primary_term=hit.get("_primary_term"))  # fmt: skip
    except WriteConflict as exc:
        raise Conflict("cases.error.changed", case_id=str(hit["_id"])) from exc
    except WriteFailed as exc:
        raise Unavailable("cases.error.write") from exc
    record = {**(hit.get("_source") or {}), **change}
    sync_documents(ctx, str(hit["_id"]), record)
    return record


def _audit(ctx: AppContext, action: str, principal: Principal, hit: dict[str, Any], **extra: Any) -> None:
    src = hit.get("_source") or {}
    audit.record(ctx, action, principal, tenant=src.get("tenant"), doc_id=(src.get("doc_ids") or [None])[0],
                 customer_id=src.get("customer_id"), case_id=str(hit["_id"]), **extra)  # fmt: skip


def _workable(
    ctx: AppContext, principal: Principal, hit: dict[str, Any], library: ProcessLibrary | None
) -> tuple[Process, Step]:
    src = hit.get("_source") or {}
    if src.get("status") != C.OPEN:
        raise Conflict("cases.error.closed", case_id=str(hit["_id"]))
    definition = definition_of(ctx, src, library)
    step = definition.steps.get(str(src.get("step")))
    if step is None:
        raise Unavailable("cases.error.process", process=definition.name)
    if not may_work(principal, step, src.get("department")):
        raise Forbidden("cases.error.not_allowed", step=step.id)
    return definition, step


def _held_by_other(ctx: AppContext, principal: Principal, src: dict[str, Any]) -> str | None:
    """Who else holds the case and still can work it (a holder who lost access does not block)."""
    from app.case_sync import lost_access

    holder = src.get("assignee")
    if not holder or holder == principal.login:
        return None
    return None if lost_access(ctx, str(holder), list(src.get("doc_ids") or [])) else str(holder)


def claim(
    ctx: AppContext, principal: Principal, case_id: str, *, library: ProcessLibrary | None = None,
    now: dt.datetime | None = None,
) -> Case:  # fmt: skip
    """Take the case's current step (nobody else who can still work it holds it; the principal may work it)."""
    hit = case_hit(ctx, principal, case_id)
    src = hit.get("_source") or {}
    _, step = _workable(ctx, principal, hit, library)
    if src.get("assignee") == principal.login:
        return Case.from_hit(hit)
    if holder := _held_by_other(ctx, principal, src):
        raise Conflict("cases.error.claimed", case_id=case_id, assignee=holder)
    now = now or utc_now()
    took_over = src.get("assignee")
    change = {"assignee": principal.login, "updated_at": now.isoformat(),
              "protocol": [*(src.get("protocol") or []), entry(principal, now, "claimed", step.id,
                                                                from_holder=took_over)]}  # fmt: skip
    record = _write(ctx, hit, change)
    _audit(ctx, "case_claimed", principal, hit, step=step.id, from_holder=took_over)
    return Case.from_hit({**hit, "_source": record})


def give_back(ctx: AppContext, principal: Principal, case_id: str, *, now: dt.datetime | None = None) -> Case:
    """Put a case one holds back into its queue (admins: any case)."""
    hit = case_hit(ctx, principal, case_id)
    src = hit.get("_source") or {}
    if src.get("status") != C.OPEN:
        raise Conflict("cases.error.closed", case_id=case_id)
    if src.get("assignee") != principal.login and not principal.is_admin:
        raise Forbidden("cases.error.not_holder", case_id=case_id)
    now = now or utc_now()
    change = {"assignee": None, "updated_at": now.isoformat(),
              "protocol": [*(src.get("protocol") or []), entry(principal, now, "released", str(src.get("step")),
                                                                holder=src.get("assignee"))]}  # fmt: skip
    record = _write(ctx, hit, change)
    _audit(ctx, "case_released", principal, hit, holder=src.get("assignee"))
    return Case.from_hit({**hit, "_source": record})


def hand_over(
    ctx: AppContext, principal: Principal, case_id: str, to_login: str, *, note: str | None = None,
    library: ProcessLibrary | None = None, now: dt.datetime | None = None,
) -> Case:  # fmt: skip
    """Give the current step to a colleague: who holds it or may work it themselves hands over; the colleague
    must be active, may work the step and read the case's documents (else refused, saying which)."""
    hit = case_hit(ctx, principal, case_id)
    src = hit.get("_source") or {}
    _, step = _workable(ctx, principal, hit, library)
    if (holder := _held_by_other(ctx, principal, src)) and not principal.is_admin:
        raise Conflict("cases.error.claimed", case_id=case_id, assignee=holder)
    target = ctx.directory.get((to_login or "").strip())
    if target is None or not target.active:
        raise Invalid("cases.error.handover_unknown", login=str(to_login or "")[:80])
    if not may_work(target, step, src.get("department")):
        raise Invalid("cases.error.handover_role", login=target.login, step=step.id)
    if not set(target.tenants) & {str(src.get("tenant"))} or not readable_ids(
        ctx, target, list(src.get("doc_ids") or [])
    ):
        raise Invalid("cases.error.handover_access", login=target.login)
    now = now or utc_now()
    text = _comment_text(note) if note else None
    change = {"assignee": target.login, "updated_at": now.isoformat(),
              "protocol": [*(src.get("protocol") or []),
                           entry(principal, now, "handed_over", step.id, to=target.login, note=text)]}  # fmt: skip
    record = _write(ctx, hit, change)
    _audit(ctx, "case_handed_over", principal, hit, step=step.id, to=target.login)
    return Case.from_hit({**hit, "_source": record})


def complete_step(
    ctx: AppContext,
    principal: Principal,
    case_id: str,
    form: dict[str, Any],
    expected_step: str,
    *,
    library: ProcessLibrary | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Complete the current step with its form. `expected_step` is the step the person saw: a case that moved
    on meanwhile (or a parallel completion that won) is ``cases.error.changed``."""
    hit = case_hit(ctx, principal, case_id)
    src = hit.get("_source") or {}
    if src.get("status") == C.OPEN and src.get("step") != expected_step:
        raise Conflict("cases.error.changed", case_id=case_id)
    definition, step = _workable(ctx, principal, hit, library)
    if (holder := _held_by_other(ctx, principal, src)) and not principal.is_admin:
        raise Conflict("cases.error.claimed", case_id=case_id, assignee=holder)
    outcome = engine_for(definition).complete(step.id, form)
    if isinstance(outcome, Refusal):
        raise Invalid(outcome.code, **dict(outcome.params))
    now = now or utc_now()
    done = entry(principal, now, "completed", step.id, trigger=outcome.trigger, next=outcome.dest,
                 values=dict(outcome.values) or None)  # fmt: skip
    change: dict[str, Any] = {"updated_at": now.isoformat(), "protocol": [*(src.get("protocol") or []), done]}
    if step.decision:
        change["decision"] = outcome.trigger
    if outcome.closes:
        change.update(step=END, status=C.CLOSED, state=C.CLOSED, closed_at=now.isoformat(), assignee=None,
                      due_at=None)  # fmt: skip
    else:
        change.update(step_fields(definition, outcome.dest, src.get("team"), local_today(ctx, now)))
    record = _write(ctx, hit, change)
    for doc_id in src.get("doc_ids") or [None]:
        audit.record(ctx, "case_step", principal, tenant=src.get("tenant"), doc_id=doc_id,
                     customer_id=src.get("customer_id"), case_id=case_id, step=step.id, trigger=outcome.trigger,
                     next=outcome.dest)  # fmt: skip
    if outcome.closes:
        n = _set_status(ctx, str(src.get("tenant")), list(src.get("doc_ids") or []), C.CLOSED)
        _audit(ctx, "case_closed", principal, hit, step=step.id, documents=n)
    return Case.from_hit({**hit, "_source": record})


def reopen(
    ctx: AppContext, principal: Principal, case_id: str, reason: str, *, library: ProcessLibrary | None = None,
    now: dt.datetime | None = None,
) -> Case:  # fmt: skip
    """Reopen a closed case (with a reason) in the process's reopen step; its complaints are open again."""
    hit = case_hit(ctx, principal, case_id)
    src = hit.get("_source") or {}
    if src.get("status") == C.OPEN:
        raise Conflict("cases.error.open", case_id=case_id)
    text = _comment_text(reason)
    definition = definition_of(ctx, src, library)
    step = definition.step(definition.reopen_step)
    if not may_work(principal, step, src.get("department")):
        raise Forbidden("cases.error.not_allowed", step=step.id)
    now = now or utc_now()
    change = {"status": C.OPEN, "closed_at": None, "reopened_at": now.isoformat(), "updated_at": now.isoformat(),
              **step_fields(definition, step.id, src.get("team"), local_today(ctx, now)),
              "protocol": [*(src.get("protocol") or []), entry(principal, now, "reopened", step.id, note=text)]}  # fmt: skip
    record = _write(ctx, hit, change)
    n = _set_status(ctx, str(src.get("tenant")), list(src.get("doc_ids") or []), C.OPEN)
    _audit(ctx, "case_reopened", principal, hit, step=step.id, reason=text[:500], documents=n)
    return Case.from_hit({**hit, "_source": record})


def comment(ctx: AppContext, principal: Principal, case_id: str, text: str, *, now: dt.datetime | None = None) -> Case:
    """A comment on the case (whoever may see it), kept in its protocol."""
    hit = case_hit(ctx, principal, case_id)
    src = hit.get("_source") or {}
    if not principal.active or principal.kind == "api_client" and not principal.is_system:
        raise Forbidden("cases.error.not_allowed", step=str(src.get("step")))
    body = _comment_text(text)
    now = now or utc_now()
    change = {"updated_at": now.isoformat(),
              "protocol": [*(src.get("protocol") or []), entry(principal, now, "comment", str(src.get("step")),
                                                                text=body)]}  # fmt: skip
    record = _write(ctx, hit, change)
    _audit(ctx, "case_comment", principal, hit, step=src.get("step"))
    return Case.from_hit({**hit, "_source": record})


def _comment_text(text: Any) -> str:
    body = str(text or "").strip()
    if not body:
        raise Invalid("cases.error.comment_empty")
    if len(body) > MAX_COMMENT:
        raise Invalid("cases.error.field_text", field="comment", n=MAX_COMMENT)
    return body


def add_document(
    ctx: AppContext, principal: Principal, case_id: str, doc_id: str, *, now: dt.datetime | None = None
) -> Case:
    """Put a document (one the principal may read, of the case's tenant) into an open case — dragged from the
    dossier. A document already in another open case is refused, naming it."""
    hit = case_hit(ctx, principal, case_id)
    src = hit.get("_source") or {}
    if src.get("status") != C.OPEN:
        raise Conflict("cases.error.closed", case_id=case_id)
    if not principal.active:
        raise Forbidden("cases.error.not_allowed", step=str(src.get("step")))
    try:
        docs = hits_of(ctx.repo.search_or_empty("documents", C.case_document_body(principal, doc_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not docs or (docs[0].get("_source") or {}).get("tenant") != src.get("tenant"):
        raise NotFound("cases.error.document", doc_id=doc_id)
    return attach_document(ctx, principal, hit, docs[0], now=now or utc_now(), action="document_added")


def attach_document(
    ctx: AppContext, principal: Principal, hit: dict[str, Any], doc: dict[str, Any], *, now: dt.datetime, action: str
) -> Case:
    """Add a readable document hit to the case hit (a follow-up mail of its thread, or one added by hand)."""
    from app.cases import cases_of_document

    src, doc_id = hit.get("_source") or {}, str(doc["_id"])
    if doc_id in (src.get("doc_ids") or []):
        return Case.from_hit(hit)
    other = [c for c in cases_of_document(ctx, Principal.system(), doc_id) if c.case_id != str(hit["_id"])]
    if other:
        raise Conflict("cases.error.other_case", doc_id=doc_id, case_id=other[0].case_id)
    thread = (doc.get("_source") or {}).get("thread_id")
    change = {"doc_ids": [*(src.get("doc_ids") or []), doc_id], "updated_at": now.isoformat(),
              "thread_ids": sorted({*(src.get("thread_ids") or []), *([thread] if thread else [])}),
              "protocol": [*(src.get("protocol") or []), entry(principal, now, action, str(src.get("step")),
                                                                doc_id=doc_id)]}  # fmt: skip
    record = _write(ctx, hit, change)
    audit.record(ctx, "case_document", principal, tenant=src.get("tenant"), doc_id=doc_id,
                 customer_id=src.get("customer_id"), case_id=str(hit["_id"]), how=action)  # fmt: skip
    if (doc.get("_source") or {}).get("register") == "complaint" and src.get("status") == C.OPEN:
        _set_status(ctx, str(src.get("tenant")), [doc_id], C.OPEN)
    return Case.from_hit({**hit, "_source": record})


def refiled(ctx: AppContext, doc_ids: list[str], *, now: dt.datetime | None = None) -> list[str]:
    """Documents were filed to another customer: each case of theirs follows its first document's customer
    (protocolled, audited). Returns the ids of the cases that moved."""
    system, now = Principal.system(), now or utc_now()
    moved: list[str] = []
    try:
        docs = hits_of(ctx.repo.search_or_empty("documents", C.documents_with_cases_body(system, doc_ids)))
    except ReadFailed:
        return moved
    for case_id in sorted(
        {str((d.get("_source") or {}).get("case_id")) for d in docs if d.get("_source", {}).get("case_id")}
    ):
        try:
            hit = case_hit(ctx, system, case_id)
        except (NotFound, Unavailable):
            continue
        src = hit.get("_source") or {}
        first = next((d for d in docs if str(d["_id"]) == (src.get("doc_ids") or [None])[0]), None)
        if first is None:
            continue
        fsrc = first.get("_source") or {}
        customer = fsrc.get("primary_customer_id") or next(iter(fsrc.get("customer_ids") or []), None)
        if customer == src.get("customer_id"):
            continue
        change = {"customer_id": customer, "updated_at": now.isoformat(),
                  "protocol": [*(src.get("protocol") or []), entry(system, now, "customer_changed",
                                                                    str(src.get("step")), from_customer=src.get("customer_id"),
                                                                    to_customer=customer)]}  # fmt: skip
        try:
            _write(ctx, hit, change)
        except (Conflict, Unavailable):
            continue
        audit.record(ctx, "case_refiled", system, tenant=src.get("tenant"), doc_id=str(first["_id"]),
                     customer_id=customer, case_id=case_id, from_customer=src.get("customer_id"))  # fmt: skip
        moved.append(case_id)
    return moved


def _set_status(ctx: AppContext, tenant: str, doc_ids: list[str], status: str) -> int:
    """Set the case's complaint documents' status (closed when the case closes, open when it reopens)."""
    if not doc_ids:
        return 0
    try:
        hits = hits_of(ctx.repo.search("documents", C.closing_documents_body(Principal.system(), tenant, doc_ids)))
        for h in hits:
            if (h.get("_source") or {}).get("status") != status:
                ctx.store.update("documents", str(h["_id"]), {"status": status}, concrete_index=h.get("_index"),
                                 refresh=False)  # fmt: skip
        ctx.store.refresh("documents")
    except (ReadFailed, WriteFailed, WriteConflict) as exc:
        raise Unavailable("cases.error.write") from exc
    ctx.invalidate()
    return len(hits)
