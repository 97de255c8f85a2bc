"""Resubmissions (Wiedervorlagen): "show me this document (or case) again on that day" — for me or a colleague.

A resubmission names a day; a day without work (weekend, public holiday of the configured federal state)
moves it to the next working day, and the result says so (`moved_from`, `holiday`). It is due at the start of
its day (local time). The deliverer (`cockpit deliver`, every delivery interval) releases due ones into their
owner's inbox as a reminder — a notification, so the existing outbox also e-mails it — after checking that the
owner still exists and may still read the document; otherwise it is withdrawn with the reason. The person it is
for must be able to read the document when it is set (else refused, saying so). Every change is audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from app import audit
from app.context import AppContext
from core.settings import get_settings
from domain.errors import Forbidden, Invalid, NotFound, Unavailable
from domain.principal import Principal
from domain.workdays import holiday_name, next_working_day
from indexing.records import WriteConflict, WriteFailed
from search import cases as C
from search import resubmissions as R
from search.parse import hits_of
from search.repository import ReadFailed

KIND = "resubmissions"
MAX_NOTE = 2000
MAX_AHEAD_DAYS = 3 * 366


@dataclass(frozen=True)
class Resubmission:
    id: str
    tenant: str
    owner: str
    created_by: str
    due_on: str
    status: str
    note: str = ""
    doc_id: str | None = None
    case_id: str | None = None
    customer_id: str | None = None
    title: str = ""
    moved_from: str | None = None  # the day asked for, when it was no working day
    holiday: str | None = None  # the holiday it fell on

    @classmethod
    def from_hit(cls, hit: dict[str, Any]) -> Resubmission:
        s = hit.get("_source") or {}
        return cls(id=str(hit["_id"]), tenant=str(s.get("tenant") or ""), owner=str(s.get("owner") or ""),
                   created_by=str(s.get("created_by") or ""), due_on=str(s.get("due_on") or ""),
                   status=str(s.get("status") or ""), note=str(s.get("note") or ""), doc_id=s.get("doc_id"),
                   case_id=s.get("case_id"), customer_id=s.get("customer_id"), title=str(s.get("title") or ""),
                   moved_from=s.get("moved_from"), holiday=s.get("holiday"))  # fmt: skip

    @property
    def overdue_on(self) -> str:
        return self.due_on


def parse_day(value: Any) -> dt.date:
    """A day from a date or "YYYY-MM-DD" / "DD.MM.YYYY"; `Invalid` with the value otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    try:
        if "." in text:
            d, m, y = (int(x) for x in text.split("."))
            return dt.date(y, m, d)
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid("resubmissions.error.date", value=text[:40]) from exc


def _state() -> str:
    return get_settings().federal_state


def _due_at(ctx: AppContext, day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo(ctx.tz)).astimezone(dt.UTC).isoformat()


def _readable_doc(ctx: AppContext, principal: Principal, doc_id: str) -> dict[str, Any] | None:
    try:
        hits = hits_of(ctx.repo.search_or_empty("documents", C.case_document_body(principal, doc_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    return hits[0] if hits else None


def create(
    ctx: AppContext,
    principal: Principal,
    *,
    on: Any,
    note: str = "",
    doc_id: str | None = None,
    case_id: str | None = None,
    for_login: str | None = None,
    now: dt.datetime | None = None,
) -> Resubmission:
    """Set a resubmission on a document or a case the principal may see, for them or a colleague."""
    from app.cases import get_case

    if not principal.active or principal.kind == "api_client":
        raise Forbidden("resubmissions.error.not_allowed")
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(ZoneInfo(ctx.tz)).date()
    asked = parse_day(on)
    if asked < today:
        raise Invalid("resubmissions.error.past", day=asked.isoformat())
    if asked > today + dt.timedelta(days=MAX_AHEAD_DAYS):
        raise Invalid("resubmissions.error.far", day=asked.isoformat())
    text = str(note or "").strip()
    if len(text) > MAX_NOTE:
        raise Invalid("resubmissions.error.note", n=MAX_NOTE)
    if case_id:
        case = get_case(ctx, principal, case_id)
        doc_id = next(iter(case.doc_ids), None)
    if not doc_id:
        raise Invalid("resubmissions.error.target")
    doc = _readable_doc(ctx, principal, doc_id)
    if doc is None and case_id:  # the case's first document may be one this principal cannot read
        doc = next((d for d in (_readable_doc(ctx, principal, x) for x in case.doc_ids) if d), None)
    if doc is None:
        raise NotFound("cases.error.document", doc_id=doc_id)
    owner = principal
    if for_login and for_login.strip() != principal.login:
        found = ctx.directory.get(for_login.strip())
        if found is None or not found.active:
            raise Invalid("resubmissions.error.colleague", login=for_login.strip()[:80])
        if _readable_doc(ctx, found, str(doc["_id"])) is None:
            raise Invalid("resubmissions.error.colleague_access", login=found.login)
        owner = found
    day = next_working_day(asked, _state())
    src = doc.get("_source") or {}
    rid = uuid.uuid4().hex[:20]
    record = {
        "kind": R.RESUBMISSION_KIND, "tenant": src.get("tenant"), "owner": owner.login,
        "created_by": principal.login, "doc_id": str(doc["_id"]), "case_id": case_id or None,
        "customer_id": src.get("primary_customer_id") or next(iter(src.get("customer_ids") or []), None),
        "title": str(src.get("title") or src.get("file_name") or "")[:300], "note": text,
        "due_on": day.isoformat(), "due_at": _due_at(ctx, day), "status": R.PENDING,
        "moved_from": asked.isoformat() if day != asked else None,
        "holiday": holiday_name(asked, _state()) if day != asked else None,
        "created_at": now.isoformat(),
    }  # fmt: skip
    try:
        ctx.store.put(KIND, rid, record, create=True)
    except WriteFailed as exc:
        raise Unavailable("resubmissions.error.write") from exc
    audit.record(ctx, "resubmission_set", principal, tenant=record["tenant"], doc_id=record["doc_id"],
                 customer_id=record["customer_id"], case_id=case_id, resubmission_id=rid, owner_login=owner.login,
                 due_on=record["due_on"])  # fmt: skip
    return Resubmission.from_hit({"_id": rid, "_source": record})


def mine(ctx: AppContext, principal: Principal) -> list[Resubmission]:
    """The principal's pending and released resubmissions, soonest first (documents they can no longer read
    are left out: the deliverer withdraws those)."""
    return _visible(ctx, principal, R.mine_body(principal))


def of_target(
    ctx: AppContext, principal: Principal, *, doc_id: str | None = None, case_id: str | None = None
) -> list[Resubmission]:
    return _visible(ctx, principal, R.of_target_body(principal, doc_id=doc_id, case_id=case_id))


def _visible(ctx: AppContext, principal: Principal, body: dict[str, Any]) -> list[Resubmission]:
    if principal.sees_nothing:
        return []
    try:
        hits = hits_of(ctx.repo.search_or_empty(KIND, body))
        ids = sorted({str((h.get("_source") or {}).get("doc_id")) for h in hits})
        readable = (
            {str(h["_id"]) for h in hits_of(ctx.repo.search("documents", C.readable_documents_body(principal, ids)))}
            if ids else set()
        )  # fmt: skip
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    return [Resubmission.from_hit(h) for h in hits if (h.get("_source") or {}).get("doc_id") in readable]


def done(ctx: AppContext, principal: Principal, resubmission_id: str, *, now: dt.datetime | None = None) -> bool:
    """Mark a resubmission done (its owner or whoever set it)."""
    try:
        hits = hits_of(ctx.repo.search_or_empty(KIND, R.one_body(principal, resubmission_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    src = (hits[0].get("_source") or {}) if hits else {}
    if not hits or principal.login not in (src.get("owner"), src.get("created_by")):
        raise NotFound("resubmissions.error.not_found", id=resubmission_id)
    if src.get("status") == R.DONE:
        return False
    now = now or dt.datetime.now(dt.UTC)
    try:
        ctx.store.update(KIND, resubmission_id, {"status": R.DONE, "done_at": now.isoformat()},
                         concrete_index=hits[0].get("_index"))  # fmt: skip
    except (WriteConflict, WriteFailed) as exc:
        raise Unavailable("resubmissions.error.write") from exc
    audit.record(ctx, "resubmission_done", principal, tenant=src.get("tenant"), doc_id=src.get("doc_id"),
                 resubmission_id=resubmission_id)  # fmt: skip
    return True


@dataclass
class Released:
    released: int = 0
    withdrawn: int = 0
    errors: int = 0


def release_due(ctx: AppContext, now: dt.datetime | None = None) -> Released:
    """The deliverer's step: every pending resubmission due by `now` becomes a reminder in its owner's inbox
    (a notification: e-mailed by the outbox like the others), or is withdrawn when its owner is gone or can no
    longer read the document."""
    now = now or dt.datetime.now(dt.UTC)
    report = Released()
    if not ctx.repo.exists(KIND):
        return report
    try:
        hits = hits_of(ctx.repo.search(KIND, R.due_body(Principal.system(), now.isoformat())))
    except ReadFailed:
        report.errors += 1
        return report
    for hit in hits:
        src = hit.get("_source") or {}
        owner = ctx.directory.get(str(src.get("owner") or ""))
        try:
            doc = _reminded_doc(ctx, owner, src) if owner is not None and owner.active else None
        except ReadFailed:
            report.errors += 1  # not known now: stays pending, the next round tries again
            continue
        if owner is None or doc is None:
            why = "gone" if owner is None or not owner.active else "no_access"
            if _mark(ctx, hit, {"status": R.WITHDRAWN, "withdrawn_reason": why, "released_at": now.isoformat()}):
                report.withdrawn += 1
            continue
        if not _mark(ctx, hit, {"status": R.RELEASED, "released_at": now.isoformat()}):
            continue  # another deliverer released it
        try:
            ctx.store.put("notifications", f"resub-{hit['_id']}", _reminder(owner, str(hit["_id"]), src, doc, now),
                          create=True)  # fmt: skip
            report.released += 1
        except WriteFailed:
            report.errors += 1
            _mark(ctx, {**hit, "_seq_no": None}, {"status": R.PENDING})  # back: the next round tries again
    return report


def _reminded_doc(ctx: AppContext, owner: Principal, src: dict[str, Any]) -> dict[str, Any] | None:
    """The resubmission's document as its owner may read it now (with what the inbox shows of it), or None."""
    body = C.documents_of_case_body(owner, str(src.get("tenant") or ""), [str(src.get("doc_id"))])
    hits = hits_of(ctx.repo.search_or_empty("documents", body))  # ReadFailed: the caller keeps it pending
    return hits[0] if hits else None


def _mark(ctx: AppContext, hit: dict[str, Any], change: dict[str, Any]) -> bool:
    try:
        ctx.store.update(KIND, str(hit["_id"]), change, concrete_index=hit.get("_index"),
                         if_seq_no=hit.get("_seq_no"), if_primary_term=hit.get("_primary_term"))  # fmt: skip
    except (WriteConflict, WriteFailed):
        return False
    return True


def _reminder(owner: Principal, rid: str, src: dict[str, Any], doc: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    d = doc.get("_source") or {}
    return {
        "kind": "reminder", "tenant": src.get("tenant"), "owner": owner.login, "view_id": "resubmission",
        "view_name": "Wiedervorlage", "resubmission_id": rid, "case_id": src.get("case_id"),
        "note": src.get("note"), "set_by": src.get("created_by"), "doc_id": str(doc["_id"]),
        "title": str(d.get("title") or d.get("file_name") or "")[:500],
        "customer_ids": list(d.get("customer_ids") or [])[:20],
        "customer_names": [str(n)[:200] for n in (d.get("customer_names") or [])[:20]],
        "register": d.get("register"), "doc_date": d.get("doc_date"), "frequency": "immediate", "created_at": now.isoformat(),
        "read": False, "email_status": "queued" if owner.email else "no_address", "email_due_at": now.isoformat(),
        "email_attempts": 0,
    }  # fmt: skip
