"""Cases: a complaint (or, by configuration, another process) worked step by step — open, claim, complete.

A case is a record of the `cases` kind: its tenant, customer and documents, the process it runs (name, version
and the definition's text as a snapshot: an edited process file never changes a running case), the current
step with its role/department and due date (the step's SLA in working days, `domain.workdays`), the assignee
and the protocol of every step. The steps are run by `app.process_engine` (pytransitions).

Who sees a case: a principal of its tenant who may read at least one of its documents (a case is never a way
around the documents' permissions). Who works a step: whoever holds its role (or a higher one of
agent < analyst < manager; admins any) and, when the step names a department, belongs to it. Completing uses
the record's `_seq_no`/`_primary_term`: of two parallel completions one wins, the other gets
``cases.error.changed``. Closing a case sets its complaint documents' status to ``closed``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from app import audit
from app.context import AppContext
from app.process_engine import END, Refusal, engine_for
from app.processes import ProcessLibrary, default_library
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from domain.principal import Principal
from domain.process import Process, ProcessError, Step
from domain.workdays import due_date
from indexing.records import WriteConflict, WriteFailed
from search import cases as C
from search.parse import hits_of
from search.repository import ReadFailed

KIND = "cases"
DEFAULT_PROCESS = "complaint"
_RANKED = ("agent", "analyst", "manager")  # a higher of these may work a lower one's step


@dataclass(frozen=True)
class Case:
    case_id: str
    tenant: str
    process: str
    process_version: str
    step: str  # the current step, or "closed"
    status: str  # open | closed
    doc_ids: tuple[str, ...] = ()
    customer_id: str | None = None
    assignee: str | None = None
    department: str | None = None
    role: str | None = None
    due_at: str | None = None
    opened_at: str = ""
    opened_by: str = ""
    closed_at: str | None = None
    decision: str | None = None
    protocol: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @classmethod
    def from_hit(cls, hit: dict[str, Any]) -> Case:
        s = hit.get("_source") or {}
        return cls(
            case_id=str(hit["_id"]), tenant=str(s.get("tenant") or ""), process=str(s.get("process") or ""),
            process_version=str(s.get("process_version") or ""), step=str(s.get("step") or ""),
            status=str(s.get("status") or ""), doc_ids=tuple(s.get("doc_ids") or ()), customer_id=s.get("customer_id"),
            assignee=s.get("assignee"), department=s.get("department"), role=s.get("role"), due_at=s.get("due_at"),
            opened_at=str(s.get("opened_at") or ""), opened_by=str(s.get("opened_by") or ""),
            closed_at=s.get("closed_at"), decision=s.get("decision"), protocol=tuple(s.get("protocol") or ()),
        )  # fmt: skip

    @property
    def is_open(self) -> bool:
        return self.status == C.OPEN


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today(ctx: AppContext, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(ctx.tz)).date()


def step_due(process: Process, step: Step, today: dt.date) -> str:
    return due_date(today, step.sla_days, process.federal_state, process.closed_days).isoformat()


def may_work(principal: Principal, step: Step, department: str | None) -> bool:
    """May this principal work this step (its role, or a higher ranked one; its department)?"""
    if principal.is_system or principal.is_admin:
        return True
    if not principal.active or principal.kind == "api_client":
        return False
    if step.department and principal.department != step.department:
        return False
    if step.role is None or step.role in principal.roles:
        return True
    if step.role in _RANKED:
        need = _RANKED.index(step.role)
        return any(r in _RANKED and _RANKED.index(r) >= need for r in principal.roles)
    return False


def _step_fields(process: Process, step_id: str, team: str | None, today: dt.date) -> dict[str, Any]:
    step = process.step(step_id)
    return {"step": step.id, "role": step.role, "department": step.department or team,
            "due_at": step_due(process, step, today), "assignee": None}  # fmt: skip


def _entry(principal: Principal, now: dt.datetime, action: str, step: str, **extra: Any) -> dict[str, Any]:
    return {"at": now.isoformat(), "by": principal.login, "by_name": principal.name, "action": action, "step": step,
            **{k: v for k, v in extra.items() if v is not None}}  # fmt: skip


# ------------------------------------------------------------------------------------------------ reading


def _readable(ctx: AppContext, principal: Principal, doc_ids: list[str]) -> set[str]:
    if not doc_ids:
        return set()
    try:
        hits = hits_of(ctx.repo.search_or_empty("documents", C.readable_documents_body(principal, doc_ids)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    return {str(h["_id"]) for h in hits}


def _hit(ctx: AppContext, principal: Principal, case_id: str) -> dict[str, Any]:
    """The case record (with its concurrency tokens), if the principal may see the case."""
    try:
        hits = hits_of(ctx.repo.search_or_empty(KIND, C.case_body(principal, case_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not hits or not _readable(ctx, principal, list((hits[0].get("_source") or {}).get("doc_ids") or [])):
        raise NotFound("cases.error.not_found", case_id=case_id)
    return hits[0]


def get_case(ctx: AppContext, principal: Principal, case_id: str) -> Case:
    return Case.from_hit(_hit(ctx, principal, case_id))


def definition_of(ctx: AppContext, case: Case | dict[str, Any], library: ProcessLibrary | None = None) -> Process:
    """The process version a case runs (from the library, or from the case's own snapshot)."""
    src = case if isinstance(case, dict) else {"process": case.process, "process_version": case.process_version}
    library = library or default_library()
    try:
        return library.by_version(str(src.get("process")), str(src.get("process_version")), src.get("definition"))
    except ProcessError as exc:
        raise Unavailable("cases.error.process", process=str(src.get("process"))) from exc


def _visible(ctx: AppContext, principal: Principal, hits: list[dict[str, Any]]) -> list[Case]:
    """The cases of which the principal may read at least one document (one round trip for all)."""
    readable = _readable(
        ctx, principal, sorted({d for h in hits for d in (h.get("_source") or {}).get("doc_ids") or []})
    )
    return [Case.from_hit(h) for h in hits if readable.intersection((h.get("_source") or {}).get("doc_ids") or [])]


def _cases(ctx: AppContext, principal: Principal, **kw: Any) -> list[Case]:
    try:
        hits = hits_of(ctx.repo.search_or_empty(KIND, C.cases_body(principal, **kw)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    return _visible(ctx, principal, hits)


def my_tasks(ctx: AppContext, principal: Principal) -> list[Case]:
    """The open cases ("Meine Aufgaben") assigned to the principal, soonest due first."""
    return _cases(ctx, principal, assignee=principal.login)


def queue(ctx: AppContext, principal: Principal, department: str) -> list[Case]:
    """A department's queue: its open cases (claimed or not), soonest due first — for its members and admins."""
    if not (principal.is_admin or principal.is_system or principal.department == department):
        raise Forbidden("cases.error.queue", department=department)
    return _cases(ctx, principal, departments=[department])


def cases_of_document(ctx: AppContext, principal: Principal, doc_id: str, *, open_only: bool = True) -> list[Case]:
    return _cases(ctx, principal, doc_ids=[doc_id], status=C.OPEN if open_only else None)


# ------------------------------------------------------------------------------------------------ writing


def open_case(
    ctx: AppContext,
    principal: Principal,
    doc_id: str,
    *,
    process: str = DEFAULT_PROCESS,
    library: ProcessLibrary | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Open a case on a document the principal may read (the current version of the process file). A document
    already in an open case returns that case."""
    if not principal.active:
        raise Forbidden("cases.error.not_allowed", step="")
    try:
        docs = hits_of(ctx.repo.search_or_empty("documents", C.case_document_body(principal, doc_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not docs:
        raise NotFound("cases.error.document", doc_id=doc_id)
    doc_id = str(docs[0]["_id"])
    src = docs[0].get("_source") or {}
    if existing := cases_of_document(ctx, principal, doc_id):
        return existing[0]
    library = library or default_library()
    try:
        definition = library.current(process)
    except ProcessError as exc:
        raise Unavailable("cases.error.process", process=process) from exc
    now = now or _now()
    customer = src.get("primary_customer_id") or next(iter(src.get("customer_ids") or []), None)
    case_id = uuid.uuid4().hex[:20]
    record: dict[str, Any] = {
        "kind": C.CASE_KIND, "case_id": case_id, "tenant": str(src.get("tenant") or ""), "customer_id": customer,
        "doc_ids": [doc_id], "process": definition.name, "process_version": definition.version,
        "definition": definition.text, "status": C.OPEN, "team": principal.department, "owner": principal.login,
        "opened_by": principal.login, "opened_at": now.isoformat(), "created_at": now.isoformat(),
        "updated_at": now.isoformat(), "closed_at": None, "decision": None,
        **_step_fields(definition, definition.start, principal.department, _today(ctx, now)),
        "protocol": [_entry(principal, now, "opened", definition.start, doc_id=doc_id)],
    }  # fmt: skip
    try:
        ctx.store.put(KIND, case_id, record, create=True)
    except WriteFailed as exc:
        raise Unavailable("cases.error.write") from exc
    audit.record(ctx, "case_opened", principal, tenant=record["tenant"], doc_id=doc_id, customer_id=customer,
                 case_id=case_id, step=definition.start, process=definition.name, version=definition.version)  # fmt: skip
    return Case.from_hit({"_id": case_id, "_source": record})


def _write(ctx: AppContext, hit: dict[str, Any], change: dict[str, Any]) -> None:
    try:
        ctx.store.update(KIND, str(hit["_id"]), change, concrete_index=hit.get("_index"),
                         if_seq_no=hit.get("_seq_no"), if_primary_term=hit.get("_primary_term"))  # fmt: skip
    except WriteConflict as exc:
        raise Conflict("cases.error.changed", case_id=str(hit["_id"])) from exc
    except WriteFailed as exc:
        raise Unavailable("cases.error.write") from exc


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


def claim(
    ctx: AppContext, principal: Principal, case_id: str, *, library: ProcessLibrary | None = None,
    now: dt.datetime | None = None,
) -> Case:  # fmt: skip
    """Take the case's current step (nobody else holds it, and the principal may work it)."""
    hit = _hit(ctx, principal, case_id)
    src = hit.get("_source") or {}
    _, step = _workable(ctx, principal, hit, library)
    holder = src.get("assignee")
    if holder == principal.login:
        return Case.from_hit(hit)
    if holder:
        raise Conflict("cases.error.claimed", case_id=case_id, assignee=str(holder))
    now = now or _now()
    change = {"assignee": principal.login, "updated_at": now.isoformat(),
              "protocol": [*(src.get("protocol") or []), _entry(principal, now, "claimed", step.id)]}  # fmt: skip
    _write(ctx, hit, change)
    audit.record(ctx, "case_claimed", principal, tenant=src.get("tenant"), doc_id=(src.get("doc_ids") or [None])[0],
                 customer_id=src.get("customer_id"), case_id=case_id, step=step.id)  # fmt: skip
    return Case.from_hit({**hit, "_source": {**src, **change}})


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
    hit = _hit(ctx, principal, case_id)
    src = hit.get("_source") or {}
    if src.get("status") == C.OPEN and src.get("step") != expected_step:
        raise Conflict("cases.error.changed", case_id=case_id)
    definition, step = _workable(ctx, principal, hit, library)
    holder = src.get("assignee")
    if holder and holder != principal.login and not principal.is_admin:
        raise Conflict("cases.error.claimed", case_id=case_id, assignee=str(holder))
    outcome = engine_for(definition).complete(step.id, form)
    if isinstance(outcome, Refusal):
        raise Invalid(outcome.code, **dict(outcome.params))
    now = now or _now()
    entry = _entry(principal, now, "completed", step.id, trigger=outcome.trigger, next=outcome.dest,
                   values=dict(outcome.values) or None)  # fmt: skip
    change: dict[str, Any] = {"updated_at": now.isoformat(), "protocol": [*(src.get("protocol") or []), entry]}
    if step.decision:
        change["decision"] = outcome.trigger
    if outcome.closes:
        change.update(step=END, status=C.CLOSED, closed_at=now.isoformat(), assignee=None, due_at=None)
    else:
        change.update(_step_fields(definition, outcome.dest, src.get("team"), _today(ctx, now)))
    _write(ctx, hit, change)
    tenant, customer = src.get("tenant"), src.get("customer_id")
    for doc_id in src.get("doc_ids") or [None]:
        audit.record(ctx, "case_step", principal, tenant=tenant, doc_id=doc_id, customer_id=customer, case_id=case_id,
                     step=step.id, trigger=outcome.trigger, next=outcome.dest)  # fmt: skip
    if outcome.closes:
        closed = _close_documents(ctx, str(tenant), list(src.get("doc_ids") or []))
        audit.record(ctx, "case_closed", principal, tenant=tenant, doc_id=(src.get("doc_ids") or [None])[0],
                     customer_id=customer, case_id=case_id, step=step.id, documents=closed)  # fmt: skip
    return Case.from_hit({**hit, "_source": {**src, **change}})


def _close_documents(ctx: AppContext, tenant: str, doc_ids: list[str]) -> int:
    """Set the case's complaint documents' status to closed (whoever closed the case: every one of them)."""
    if not doc_ids:
        return 0
    try:
        hits = hits_of(ctx.repo.search("documents", C.closing_documents_body(Principal.system(), tenant, doc_ids)))
        for h in hits:
            if (h.get("_source") or {}).get("status") != C.CLOSED:
                ctx.store.update("documents", str(h["_id"]), {"status": C.CLOSED}, concrete_index=h.get("_index"),
                                 refresh=False)  # fmt: skip
        ctx.store.refresh("documents")
    except (ReadFailed, WriteFailed) as exc:
        raise Unavailable("cases.error.write") from exc
    return len(hits)
