"""The in-app inbox: a principal's own notifications, newest first; documents they can no longer see are
listed without their details."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from domain.principal import Principal
from indexing.records import RecordStore
from notifications.common import iso
from notifications.delivery import accessible
from search import saved
from search.parse import hits_of, total_of
from search.repository import ReadFailed, Repository

KIND = "notifications"


@dataclass(frozen=True)
class Notification:
    id: str
    view_id: str
    view_name: str
    doc_id: str
    title: str
    customer_ids: tuple[str, ...]
    customer_names: tuple[str, ...]
    register: str | None
    doc_date: str | None
    created_at: str | None
    read: bool
    email_status: str | None
    available: bool = True  # False: the principal can no longer see the document (details hidden)
    kind: str | None = None  # "reminder": a resubmission come due (app.resubmissions); else a view's new document
    note: str | None = None  # a reminder's note
    case_id: str | None = None  # a reminder's case
    set_by: str | None = None  # who set the reminder


def list_notifications(
    repo: Repository, principal: Principal, *, unread_only: bool = False, size: int = 50, page: int = 1
) -> tuple[list[Notification], int]:
    """The principal's inbox and its total."""
    if not principal.tenants:
        return [], 0
    resp = repo.search_or_empty(KIND, saved.inbox_body(principal, unread_only=unread_only, size=size, page=page))
    hits = hits_of(resp)
    try:
        allowed = accessible(repo, principal, sorted({str(h["_source"].get("doc_id")) for h in hits}))
    except ReadFailed:
        allowed = set()
    out = []
    for h in hits:
        s = h["_source"]
        ok = s.get("doc_id") in allowed
        out.append(
            Notification(
                id=h["_id"],
                view_id=s.get("view_id", ""),
                view_name=s.get("view_name", ""),
                doc_id=s.get("doc_id", ""),
                title=s.get("title", "") if ok else "",
                customer_ids=tuple(s.get("customer_ids") or ()) if ok else (),
                customer_names=tuple(s.get("customer_names") or ()) if ok else (),
                register=s.get("register") if ok else None,
                doc_date=s.get("doc_date") if ok else None,
                created_at=s.get("created_at"),
                read=bool(s.get("read")),
                email_status=s.get("email_status"),
                available=ok,
                kind=s.get("kind"),
                note=s.get("note") if ok else None,
                case_id=s.get("case_id") if ok else None,
                set_by=s.get("set_by"),
            )
        )
    return out, total_of(resp)


def unread_count(repo: Repository, principal: Principal) -> int:
    if not principal.tenants or not repo.exists(KIND):
        return 0
    return repo.count(KIND, saved.unread_count_body(principal))


def mark_read(
    repo: Repository,
    store: RecordStore,
    principal: Principal,
    notification_ids: Iterable[str] | None = None,
    *,
    read: bool = True,
    now: dt.datetime | None = None,
) -> int:
    """Mark the principal's notifications read (None = all unread ones). Others' notifications are untouched."""
    ids = None if notification_ids is None else [str(i) for i in notification_ids]
    if ids is not None and not ids:
        return 0
    body = saved.inbox_targets_body(principal, unread_only=read, ids=ids)
    targets = [h["_id"] for h in repo.scan(KIND, body)]
    stamp = iso(now or dt.datetime.now(dt.UTC))
    doc = {"read": read, "read_at": stamp if read else None}
    outcomes = list(store.bulk(KIND, ({"_op_type": "update", "_id": i, "doc": doc} for i in targets)))
    return sum(1 for o in outcomes if o.ok)
