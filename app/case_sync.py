"""A case's traces on its documents, and the sweep that keeps states and holders true.

Every document of a case carries the case's id, state (``open | overdue | closed``: the facet "Fallstatus"),
current step, holder, department and due date (`document_fields`). They are written with each change of the case
(`sync_documents`), so the read side — the search with its facet, saved views such as "meine überfälligen
Fälle", the dossier cover's count of open complaints — reads cases through the documents' own permission filter,
with no second way in.

Overdue is a matter of the clock: `sweep` (run by the deliverer every delivery interval, `cockpit deliver`)
marks open cases due before today overdue (and the other way round after a new due date), and gives a case back
to its queue when its holder is gone, deactivated or can no longer read its documents — so no task waits
for someone who cannot work it. Each change is protocolled on the case and audited.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from app import audit
from app.context import AppContext
from domain.principal import Principal
from indexing.records import WriteConflict, WriteFailed
from search import cases as C
from search.parse import hits_of
from search.repository import ReadFailed

log = logging.getLogger(__name__)

KIND = "cases"
CHUNK = 5000  # document ids per read (below the result window)
DOC_FIELDS = ("case_id", "case_state", "case_step", "case_assignee", "case_department", "case_due_at", "case_opened_at")


def today_in(ctx: AppContext, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(ctx.tz)).date()


def state_of(record: dict[str, Any], today: dt.date) -> str:
    """open | overdue | closed: an open case due before `today` is overdue."""
    if record.get("status") != C.OPEN:
        return C.CLOSED
    due = str(record.get("due_at") or "")[:10]
    return C.OVERDUE if due and due < today.isoformat() else C.OPEN


def document_fields(case_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """What a document of this case carries of it."""
    return {"case_id": case_id, "case_state": record.get("state") or record.get("status"),
            "case_step": record.get("step"), "case_assignee": record.get("assignee"),
            "case_department": record.get("department"), "case_due_at": record.get("due_at"),
            "case_opened_at": record.get("opened_at")}  # fmt: skip


def sync_documents(
    ctx: AppContext, case_id: str, record: dict[str, Any], *, detached: list[str] | tuple[str, ...] = ()
) -> int:
    """Write the case's fields onto its documents (every version id it names; `detached` ones lose them)."""
    fields = document_fields(case_id, record)
    actions = [{"_op_type": "update", "_id": d, "doc": fields} for d in record.get("doc_ids") or []]
    actions += [{"_op_type": "update", "_id": d, "doc": dict.fromkeys(DOC_FIELDS)} for d in detached]
    if not actions:
        return 0
    written = 0
    try:
        for outcome in ctx.store.bulk("documents", actions):
            if outcome.ok:
                written += 1
            elif outcome.status != 404:  # a document deleted meanwhile (disposal) has nothing to carry
                log.error("case %s: document %s not updated: %s", case_id, outcome.id, outcome.error)
    except WriteFailed as exc:
        log.error("case %s: documents not updated (%s); the next sweep writes them", case_id, exc)
    ctx.invalidate()
    return written


@dataclass
class SweepReport:
    overdue: int = 0  # cases that became overdue
    on_time: int = 0  # overdue cases with a new due date that is not past
    released: int = 0  # cases given back to their queue: the holder lost access
    errors: list[str] = field(default_factory=list)


def sweep(ctx: AppContext, now: dt.datetime | None = None) -> SweepReport:
    """Correct the states of open cases against today and give back cases whose holder lost access."""
    now = now or dt.datetime.now(dt.UTC)
    today = today_in(ctx, now)
    report = SweepReport()
    system = Principal.system()
    if not ctx.repo.exists(KIND):
        return report
    try:
        for hit in hits_of(ctx.repo.search(KIND, C.due_state_body(system, today.isoformat()))):
            src = hit.get("_source") or {}
            state = state_of(src, today)
            if state == src.get("state"):
                continue
            if _update(ctx, hit, {"state": state, "updated_at": now.isoformat()}, report):
                report.overdue += state == C.OVERDUE
                report.on_time += state == C.OPEN
        held = list(ctx.repo.scan(KIND, C.assigned_cases_body(system)))
        verdicts = lost_access_many(
            ctx, [(str((h.get("_source") or {}).get("assignee")), list((h.get("_source") or {}).get("doc_ids") or []))
                  for h in held]
        )  # fmt: skip
        for hit, why in zip(held, verdicts, strict=True):
            src = hit.get("_source") or {}
            if why is None:
                continue
            entry = {"at": now.isoformat(), "by": "system", "by_name": "System", "action": "released",
                     "step": src.get("step"), "holder": src.get("assignee"), "reason": why}  # fmt: skip
            change = {
                "assignee": None,
                "updated_at": now.isoformat(),
                "protocol": [*(src.get("protocol") or []), entry],
            }
            if _update(ctx, hit, change, report):
                report.released += 1
                audit.record(ctx, "case_released", system, tenant=src.get("tenant"),
                             doc_id=(src.get("doc_ids") or [None])[0], customer_id=src.get("customer_id"),
                             case_id=str(hit["_id"]), holder=src.get("assignee"), reason=why)  # fmt: skip
    except ReadFailed as exc:
        report.errors.append(f"cases sweep: {exc}")
    if report.overdue or report.on_time or report.released:
        ctx.store.refresh(KIND)
    return report


def _update(ctx: AppContext, hit: dict[str, Any], change: dict[str, Any], report: SweepReport) -> bool:
    try:
        ctx.store.update(KIND, str(hit["_id"]), change, concrete_index=hit.get("_index"), refresh=False,
                         if_seq_no=hit.get("_seq_no"), if_primary_term=hit.get("_primary_term"))  # fmt: skip
    except WriteConflict:
        return False  # someone worked the case meanwhile: their write set the fields, the next sweep looks again
    except WriteFailed as exc:
        report.errors.append(f"case {hit['_id']}: {exc}")
        return False
    sync_documents(ctx, str(hit["_id"]), {**(hit.get("_source") or {}), **change})
    return True


def lost_access(ctx: AppContext, login: str, doc_ids: list[str]) -> str | None:
    """Why this holder can no longer work a case (a message code), or None."""
    return lost_access_many(ctx, [(login, doc_ids)])[0]


def lost_access_many(ctx: AppContext, held: list[tuple[str, list[str]]]) -> list[str | None]:
    """`lost_access` for many (holder, the case's documents) at once: one directory lookup and one read per
    holder, over the documents of all their cases."""
    by_holder: dict[str, set[str]] = {}
    for login, doc_ids in held:
        by_holder.setdefault(login, set()).update(doc_ids)
    readable: dict[str, set[str] | str | None] = {}  # holder -> the documents they read, or why none
    reads: list[tuple[str, dict[str, Any]]] = []
    owners: list[str] = []
    for login, wanted in by_holder.items():
        user = ctx.directory.get(login) if login else None
        if user is None:
            readable[login] = "cases.released.gone"
        elif not user.active:
            readable[login] = "cases.released.inactive"
        else:
            readable[login] = set()
            ids = sorted(wanted)
            for i in range(0, len(ids), CHUNK):
                reads.append(("documents", C.readable_documents_body(user, ids[i : i + CHUNK])))
                owners.append(login)
    try:
        answers = ctx.repo.msearch(reads, missing_ok=True) if reads else []
    except ReadFailed:
        answers = [{"error": "unavailable"}] * len(reads)
    for login, answer in zip(owners, answers, strict=True):
        found = readable[login]
        if "error" in answer or not isinstance(found, set):
            readable[login] = None  # not known now: keep the holder, the next sweep looks again
            continue
        found |= {str(h["_id"]) for h in hits_of(answer)}
    out: list[str | None] = []
    for login, doc_ids in held:
        verdict = readable[login]
        if verdict is None or isinstance(verdict, str):
            out.append(verdict)
        else:
            out.append(None if verdict.intersection(doc_ids) else "cases.released.no_access")
    return out
