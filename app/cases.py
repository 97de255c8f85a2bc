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
from app.processes import ProcessLibrary, default_library
from domain.errors import AppError, Forbidden, NotFound, Unavailable
from domain.principal import Principal
from domain.process import Process, ProcessError, Step
from domain.workdays import due_date
from indexing.records import WriteFailed
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
    state: str = ""  # open | overdue | closed
    team: str | None = None  # the queue the case belongs to
    holder_lost: str | None = None  # set by queue(): why the holder can no longer work it (a message code)

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
            state=str(s.get("state") or s.get("status") or ""), team=s.get("team"),
        )  # fmt: skip

    @property
    def is_open(self) -> bool:
        return self.status == C.OPEN

    @property
    def overdue(self) -> bool:
        return self.state == C.OVERDUE

    @property
    def comments(self) -> list[dict[str, Any]]:
        return [e for e in self.protocol if e.get("action") == "comment"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_today(ctx: AppContext, now: dt.datetime) -> dt.date:
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


def step_fields(process: Process, step_id: str, team: str | None, today: dt.date) -> dict[str, Any]:
    """The fields of a case standing in `step_id` (unclaimed, due after the step's SLA from `today`)."""
    step = process.step(step_id)
    due = step_due(process, step, today)
    return {"step": step.id, "role": step.role, "department": step.department or team, "due_at": due,
            "assignee": None, "state": C.OVERDUE if due < today.isoformat() else C.OPEN}  # fmt: skip


def entry(principal: Principal, now: dt.datetime, action: str, step: str, **extra: Any) -> dict[str, Any]:
    return {"at": now.isoformat(), "by": principal.login, "by_name": principal.name, "action": action, "step": step,
            **{k: v for k, v in extra.items() if v is not None}}  # fmt: skip


# ------------------------------------------------------------------------------------------------ reading


def readable_ids(ctx: AppContext, principal: Principal, doc_ids: list[str]) -> set[str]:
    """Which of these documents the principal may read."""
    if not doc_ids:
        return set()
    try:
        hits = hits_of(ctx.repo.search_or_empty("documents", C.readable_documents_body(principal, doc_ids)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    return {str(h["_id"]) for h in hits}


def case_hit(ctx: AppContext, principal: Principal, case_id: str) -> dict[str, Any]:
    """The case record (with its concurrency tokens), if the principal may see the case."""
    try:
        hits = hits_of(ctx.repo.search_or_empty(KIND, C.case_body(principal, case_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not hits or not readable_ids(ctx, principal, list((hits[0].get("_source") or {}).get("doc_ids") or [])):
        raise NotFound("cases.error.not_found", case_id=case_id)
    return hits[0]


def get_case(ctx: AppContext, principal: Principal, case_id: str, *, check_holder: bool = False) -> Case:
    """The case, if the principal may see it; `check_holder`: with `holder_lost` when its holder can no longer
    work it (one more read; the case page shows it)."""
    case = Case.from_hit(case_hit(ctx, principal, case_id))
    return _flag_lost(ctx, [case])[0] if check_holder and case.assignee else case


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
    readable = readable_ids(
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
    """A department's queue: its open cases (claimed or not), soonest due first — for its members and admins.
    A case whose holder can no longer work it (gone, deactivated, no access to its documents) says so
    (`holder_lost`): a colleague may take it over."""
    if not (principal.is_admin or principal.is_system or principal.department == department):
        raise Forbidden("cases.error.queue", department=department)
    return _flag_lost(ctx, _cases(ctx, principal, departments=[department]))


def work_queue(ctx: AppContext, principal: Principal) -> list[Case]:
    """What the principal may pick up: the open cases of their department's queue, and those standing in a step
    of a role they hold above the first one (a manager's decisions), in any queue of their tenants."""
    higher = [r for r in _RANKED[1:] if may_work(principal, Step(id="x", labels={}, sla_days=0, role=r), None)]
    if not principal.department and not higher:
        return []
    found = _cases(ctx, principal, departments=[principal.department] if principal.department else [], roles=higher)
    return _flag_lost(ctx, [c for c in found if _may_work_case(principal, c)])


def _may_work_case(principal: Principal, case: Case) -> bool:
    role_step = Step(id=case.step, labels={}, sla_days=0, role=case.role)
    if case.department and case.department == principal.department:
        return may_work(principal, role_step, case.department)
    return case.role in _RANKED[1:] and may_work(principal, role_step, case.department)


def _flag_lost(ctx: AppContext, found: list[Case]) -> list[Case]:
    """The cases, those whose holder can no longer work them flagged (one check per holder, app.case_sync)."""
    from dataclasses import replace

    from app.case_sync import lost_access_many

    held = [c for c in found if c.assignee]
    verdicts = dict(zip((c.case_id for c in held),
                        lost_access_many(ctx, [(str(c.assignee), list(c.doc_ids)) for c in held]), strict=True))  # fmt: skip
    return [replace(c, holder_lost=verdicts[c.case_id]) if verdicts.get(c.case_id) else c for c in found]


def cases_of_customer(ctx: AppContext, principal: Principal, customer_id: str, *, open_only: bool = True) -> list[Case]:
    """The cases of a dossier (open ones unless told otherwise), as far as the principal may see them."""
    return _cases(ctx, principal, customer_id=customer_id, status=C.OPEN if open_only else None)


def cases_of_document(ctx: AppContext, principal: Principal, doc_id: str, *, open_only: bool = True) -> list[Case]:
    return _cases(ctx, principal, doc_ids=[doc_id], status=C.OPEN if open_only else None)


# ------------------------------------------------------------------------------------------------ opening


def open_case(
    ctx: AppContext,
    principal: Principal,
    doc_id: str,
    *,
    process: str = DEFAULT_PROCESS,
    library: ProcessLibrary | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Open a case on a document the principal may read (the current version of the process file), in the
    process's queue for the document's tenant. A document already in an open case returns that case."""
    if not principal.active:
        raise Forbidden("cases.error.not_allowed", step="")
    try:
        docs = hits_of(ctx.repo.search_or_empty("documents", C.case_document_body(principal, doc_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not docs:
        raise NotFound("cases.error.document", doc_id=doc_id)
    if existing := cases_of_document(ctx, principal, str(docs[0]["_id"])):
        return existing[0]
    library = library or default_library()
    try:
        definition = library.current(process)
    except ProcessError as exc:
        raise Unavailable("cases.error.process", process=process) from exc
    return _create(ctx, principal, docs[0], definition, now or utc_now())


def _create(ctx: AppContext, principal: Principal, doc: dict[str, Any], definition: Process, now: dt.datetime) -> Case:
    from app.case_sync import sync_documents

    doc_id, src = str(doc["_id"]), doc.get("_source") or {}
    tenant = str(src.get("tenant") or "")
    customer = src.get("primary_customer_id") or next(iter(src.get("customer_ids") or []), None)
    team = definition.queue_for(tenant) or principal.department
    case_id = uuid.uuid4().hex[:20]
    record: dict[str, Any] = {
        "kind": C.CASE_KIND, "case_id": case_id, "tenant": tenant, "customer_id": customer,
        "doc_ids": [doc_id], "thread_ids": [src["thread_id"]] if src.get("thread_id") else [],
        "process": definition.name, "process_version": definition.version,
        "definition": definition.text, "status": C.OPEN, "team": team, "owner": principal.login,
        "opened_by": principal.login, "opened_at": now.isoformat(), "created_at": now.isoformat(),
        "updated_at": now.isoformat(), "closed_at": None, "decision": None,
        **step_fields(definition, definition.start, team, local_today(ctx, now)),
        "protocol": [entry(principal, now, "opened", definition.start, doc_id=doc_id)],
    }  # fmt: skip
    try:
        ctx.store.put(KIND, case_id, record, create=True)
    except WriteFailed as exc:
        raise Unavailable("cases.error.write") from exc
    sync_documents(ctx, case_id, record)
    audit.record(ctx, "case_opened", principal, tenant=tenant, doc_id=doc_id, customer_id=customer,
                 case_id=case_id, step=definition.start, process=definition.name, version=definition.version)  # fmt: skip
    return Case.from_hit({"_id": case_id, "_source": record})


@dataclass
class Opened:
    opened: list[str] = field(default_factory=list)  # case ids
    joined: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, case_id): a follow-up in the thread
    errors: list[str] = field(default_factory=list)


def open_for_new_documents(
    ctx: AppContext, doc_ids: list[str], *, library: ProcessLibrary | None = None, now: dt.datetime | None = None
) -> Opened:
    """The worker's step after indexing: each new incoming complaint opens a case in its customer's dossier; a new
    version of a document in an open case, or a follow-up mail in the thread of one, joins that case instead (as
    the system; each audited)."""
    from app.case_work import attach_document

    report = Opened()
    if not doc_ids:
        return report
    system, now = Principal.system(), now or utc_now()
    try:
        found = hits_of(ctx.repo.search_or_empty("documents", C.new_complaints_body(system, doc_ids)))
        definition = (library or default_library()).current(DEFAULT_PROCESS)
    except (ReadFailed, ProcessError) as exc:
        report.errors.append(f"{type(exc).__name__}: {exc}")
        return report
    for doc in sorted(found, key=lambda h: str((h.get("_source") or {}).get("received_at") or "")):
        src = doc.get("_source") or {}
        try:
            if case := _case_of_family(ctx, system, doc):  # a new version of a document already in an open case
                attach_document(ctx, system, case, doc, now=now, action="new_version")
                report.joined.append((str(doc["_id"]), str(case["_id"])))
                continue
            if thread := src.get("thread_id"):
                hits = hits_of(
                    ctx.repo.search_or_empty(KIND, C.thread_case_body(system, str(src.get("tenant")), str(thread)))
                )
                if hits:
                    attach_document(ctx, system, hits[0], doc, now=now, action="joined")
                    report.joined.append((str(doc["_id"]), str(hits[0]["_id"])))
                    continue
            report.opened.append(_create(ctx, system, doc, definition, now).case_id)
        except (AppError, ReadFailed) as exc:
            report.errors.append(f"{doc['_id']}: {exc}")
    return report


def _case_of_family(ctx: AppContext, system: Principal, doc: dict[str, Any]) -> dict[str, Any] | None:
    """The open case an earlier version of this document is in (its record hit), if any."""
    src = doc.get("_source") or {}
    if not src.get("family_id"):
        return None
    body = C.family_case_body(system, str(src.get("tenant")), str(src["family_id"]), str(doc["_id"]))
    prior = hits_of(ctx.repo.search_or_empty("documents", body))
    case_id = (prior[0].get("_source") or {}).get("case_id") if prior else None
    if not case_id:
        return None
    try:
        hit = case_hit(ctx, system, str(case_id))
    except NotFound:
        return None
    return hit if (hit.get("_source") or {}).get("status") == C.OPEN else None
