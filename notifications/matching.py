"""Matching new documents against subscriptions, after every indexing run.

There is no percolator module in our Elasticsearch, so every subscribed view is *run*, restricted to the new
document ids, **for each subscriber with that subscriber's current permissions**: the subscriber is looked up
in the directory on every run (tenants, groups, department, roles as of now), the view is compiled for them
(their "my customers", their department, the subscription's dossier) and executed with their own principal.
So a subscriber who lost access to a document, to the view's group or to the tenant gets nothing. Identical
requests (same view, same permissions) are run once; all requests go out in a few ``msearch`` calls. Text
matching uses keyword semantics (the query text must match, as in the keyword/hybrid totals); a degraded view
(a filter or date field that no longer exists) notifies nobody.

Notifications (``<prefix>-notifications``) have deterministic ids — hash(subscriber, view, document) — and
are written create-only: a document never notifies the same subscriber twice for the same view, however
often ingest runs or retries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.principal import Principal
from indexing.records import RecordStore, WriteFailed
from notifications.common import Directory, iso, notification_id, settings_value
from notifications.delivery import DeliveryReport, digest_due
from notifications.subscriptions import Subscription, all_subscriptions
from search import builder as B
from search import saved
from search.parse import hits_of
from search.repository import ReadFailed
from search.request import MAX_RESULT_WINDOW
from search.service import SearchService
from views import store as vstore
from views.access import ViewError, can_see
from views.compile import ViewerCustomers, compile_view, index_customers, viewer_customers

log = logging.getLogger(__name__)

MSEARCH_CHUNK = 50
IDS_CHUNK = 5000


@dataclass
class MatchReport:
    new_documents: int = 0
    subscriptions: int = 0
    requests: int = 0  # distinct Elasticsearch requests after de-duplication
    matches: int = 0
    notifications_created: int = 0
    already_notified: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    seconds: float = 0.0
    delivery: DeliveryReport | None = None

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _customers_for(search: SearchService, users: list[Principal]) -> dict[str, ViewerCustomers]:
    """Every user's "my customers" and "my department" in one scan of the customers index."""
    if not users:
        return {}
    body = saved.managed_customers_body(
        Principal.system(),
        [u.login for u in users],
        [u.department for u in users if u.department],
        tenants={t for u in users for t in u.tenants},
    )
    index = index_customers(h.get("_source") or {} for h in search.repo.scan("customers", body))
    return {u.login: viewer_customers(index, u) for u in users}


def _doc_meta(search: SearchService, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Tenant, title, customers … of the new documents (read by the system, for every tenant)."""
    out: dict[str, dict[str, Any]] = {}
    system = Principal.system()
    for i in range(0, len(ids), IDS_CHUNK):
        chunk = ids[i : i + IDS_CHUNK]
        resp = search.repo.search("documents", saved.documents_by_id_body(system, chunk, saved.NOTIFICATION_FIELDS))
        for hit in hits_of(resp):
            out[hit["_id"]] = hit.get("_source") or {}
    return out


def _lookup(directory: Directory, logins: Iterable[str]) -> dict[str, Principal | None]:
    out: dict[str, Principal | None] = {}
    for login in logins:
        try:
            out[login] = directory(login)
        except Exception as exc:  # noqa: BLE001 - a broken directory entry must not stop the others
            log.warning("user directory failed for %s: %s", login, exc)
            out[login] = None
    return out


Planned = dict[str, tuple[dict[str, Any], list[tuple[Subscription, Principal, str]]]]


def _plan(
    search: SearchService,
    subs: list[Subscription],
    ids: list[str],
    meta: dict[str, dict[str, Any]],
    directory: Directory,
    now: dt.datetime,
    tz: str,
    report: MatchReport,
) -> Planned:
    """One request per distinct (view request, permissions): {key: (body, [(subscription, user, view name)])}."""
    doc_tenants = {m.get("tenant") for m in meta.values()}
    views = vstore.get_views_unchecked(search.repo, [s.view_id for s in subs])
    subscribers = _lookup(directory, dict.fromkeys(s.login for s in subs))
    needs_customers = {
        u.login: u
        for s in subs
        if (u := subscribers.get(s.login)) is not None
        and (v := views.get(s.view_id)) is not None
        and (v.my_customers or v.my_department)
    }
    customers = _customers_for(search, list(needs_customers.values()))
    bodies: Planned = {}
    for s in subs:
        user, view = subscribers.get(s.login), views.get(s.view_id)
        if user is None or not user.active:
            report.skip("unknown_or_disabled_user")
            continue
        if view is None:
            report.skip("view_deleted")
            continue
        if not can_see(view, user):
            report.skip("view_no_longer_visible")
            continue
        if not (user.tenants & doc_tenants) or user.sees_nothing:
            report.skip("no_access_to_new_documents")
            continue
        c = customers.get(user.login, ViewerCustomers())
        try:
            compiled = compile_view(
                view, user, now, customer_id=s.customer_id, my_customers=c.mine, department_customers=c.department,
                tz=tz, size=0, facets=(), highlight=False,
            )  # fmt: skip
        except ViewError as exc:
            log.info("subscription %s: view %s cannot run: %s", s.id, s.view_id, exc)
            report.skip("view_cannot_run")
            continue
        if compiled.degraded:
            report.skip("view_degraded")
            continue
        if compiled.matches_nothing:
            report.skip("view_matches_nothing")
            continue
        user_ids = [i for i in ids if meta.get(i, {}).get("tenant") in user.tenants]
        if not user_ids:
            report.skip("no_access_to_new_documents")
            continue
        parsed, analysis = search.analyze(compiled.request)
        body = B.match_body(
            compiled.request, user, parsed, analysis, user_ids[:MAX_RESULT_WINDOW], tuning=search.tuning
        )
        key = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        bodies.setdefault(key, (body, []))[1].append((s, user, view.name))
    return bodies


def match_new_documents(
    search: SearchService,
    store: RecordStore,
    new_doc_ids: Iterable[str],
    now: dt.datetime,
    directory: Directory,
    *,
    tz: str | None = None,
) -> MatchReport:
    """Run every subscribed view for its subscriber over the new documents; write notifications."""
    started = time.perf_counter()
    report = MatchReport()
    ids = sorted({str(i) for i in new_doc_ids if i})
    report.new_documents = len(ids)
    subs = all_subscriptions(search.repo) if ids else []
    report.subscriptions = len(subs)
    if not ids or not subs:
        report.seconds = time.perf_counter() - started
        return report
    tz = tz or settings_value("timezone", "Europe/Berlin")
    meta = _doc_meta(search, ids)
    items = list(_plan(search, subs, ids, meta, directory, now, tz, report).values())
    report.requests = len(items)
    matched: list[tuple[Subscription, Principal, str, str]] = []  # (sub, user, view name, doc id)
    for i in range(0, len(items), MSEARCH_CHUNK):
        chunk = items[i : i + MSEARCH_CHUNK]
        try:
            responses = search.repo.msearch([("documents", body) for body, _ in chunk])
        except ReadFailed as exc:
            log.error("subscription matching failed for %d requests: %s", len(chunk), exc)
            for _ in chunk:
                report.skip("search_failed")
            continue
        for (_body, subs_of_body), r in zip(chunk, responses, strict=True):
            if "error" in r:
                log.error("subscription matching request failed: %s", str(r["error"])[:300])
                report.skip("search_failed")
                continue
            hit_ids = [h["_id"] for h in hits_of(r)]
            for s, user, vname in subs_of_body:
                matched += [(s, user, vname, d) for d in hit_ids]
    report.matches = len(matched)
    if matched:
        report.notifications_created, report.already_notified = _write_notifications(store, matched, meta, now, tz)
    report.seconds = time.perf_counter() - started
    return report


def _write_notifications(
    store: RecordStore,
    matched: list[tuple[Subscription, Principal, str, str]],
    meta: dict[str, dict[str, Any]],
    now: dt.datetime,
    tz: str,
) -> tuple[int, int]:
    daily_due = iso(digest_due(now, tz))
    seen: set[str] = set()
    actions = []
    for s, user, vname, doc_id in matched:
        nid = notification_id(user.login, s.view_id, doc_id)
        if nid in seen:  # the same document through two dossier subscriptions of one view
            continue
        seen.add(nid)
        m = meta.get(doc_id, {})
        actions.append(
            {
                "_op_type": "create",
                "_id": nid,
                "_source": {
                    "kind": "notification",
                    "tenant": m.get("tenant"),
                    "owner": user.login,
                    "view_id": s.view_id,
                    "view_name": vname,
                    "subscription_id": s.id,
                    "customer_id": s.customer_id,
                    "doc_id": doc_id,
                    "title": str(m.get("title") or "")[:500],
                    "customer_ids": list(m.get("customer_ids") or [])[:20],
                    "customer_names": [str(n)[:200] for n in (m.get("customer_names") or [])[:20]],
                    "register": m.get("register"),
                    "doc_date": m.get("doc_date"),
                    "frequency": s.frequency,
                    "created_at": iso(now),
                    "read": False,
                    "email_status": "queued" if user.email else "no_address",
                    "email_due_at": iso(now) if s.frequency == "immediate" else daily_due,
                    "email_attempts": 0,
                },
            }
        )
    created = dupes = 0
    for outcome in store.bulk("notifications", actions):
        if outcome.ok:
            created += 1
        elif outcome.status == 409:
            dupes += 1
        else:
            log.error("notification %s not written: %s", outcome.id, outcome.error)
    return created, dupes


def after_ingest(
    search: SearchService,
    store: RecordStore,
    new_doc_ids: Iterable[str],
    directory: Directory,
    now: dt.datetime | None = None,
    *,
    deliver: Any = None,
) -> MatchReport:
    """After an indexing run: match the new documents, then (given `deliver`, a callable taking `now`) send the
    due e-mails. Never raises for matching or mail problems (the ingest run must not fail because of
    notifications); problems are logged and reported in the returned MatchReport."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        report = match_new_documents(search, store, new_doc_ids, now, directory)
    except (ReadFailed, WriteFailed, ViewError) as exc:
        log.error("subscription matching failed: %s", exc)
        report = MatchReport()
        report.skip("matching_failed")
    if deliver is not None:
        try:
            report.delivery = deliver(now)
        except (ReadFailed, WriteFailed) as exc:
            log.error("notification delivery failed: %s", exc)
    return report
