"""Subscriptions to views, matching after ingest, the in-app inbox and notification e-mails.

**Subscriptions** (``<prefix>-subscriptions``, id = hash(login, view, customer)): a user subscribes to a view
they can see, ``immediate`` or ``daily`` (digest); a dossier-scoped view is subscribed inside one dossier.

**Matching** — `after_ingest(es, prefix, new_doc_ids, now)` is called by the ingest pipeline after each run.
There is no percolator module in our Elasticsearch, so every subscribed view is *run*, restricted to the new
document ids (an ``ids`` filter), **for each subscriber with that subscriber's current permissions**: the
subscriber is looked up in the user directory on every run (tenants, groups, department, roles as of now),
the view is compiled for them (their "my customers", their department, the subscription's dossier) and
executed with their `UserScope`. So a subscriber who lost access to a document, to the view's group or to
the tenant gets nothing. Identical requests (same view, same permissions) are run once; all requests go
out in a few ``msearch`` calls. Text matching uses keyword semantics (the query text must match, as in the
keyword/hybrid totals); a degraded view (a filter or date field that no longer exists) notifies nobody.

**Notifications** (``<prefix>-notifications``) have deterministic ids — hash(subscriber, view, document) —
and are written with ``op_type=create``: a document never notifies the same subscriber twice for the same
view, however often ingest runs or retries.

**E-mail** — each notification carries its own e-mail state (the notifications index *is* the outbox):
``queued`` → ``sending`` (claimed with optimistic concurrency, so two deliverers never send the same mail)
→ ``sent``; ``no_address`` (user has no e-mail), ``skipped`` (user gone), ``withdrawn`` (access lost before
delivery). Immediate notifications are due at once, daily ones at the next digest hour (local time). One
e-mail per recipient and delivery run. If SMTP is down, everything stays ``queued`` with an exponential
back-off (1 min … 6 h) and is retried by the next `deliver_pending` (after each ingest and whenever the
scheduler calls it) — nothing is dropped. A crash while ``sending`` is recovered after 15 minutes
(at-least-once).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.helpers import streaming_bulk

from indexing import store as istore
from indexing.schema import alias_name
from search import builder as B
from search.request import MAX_RESULT_WINDOW, SearchRequest
from search.service import SearchService
from views import store as vstore
from views.access import ViewError, can_see
from views.compile import compile_view
from views.mailer import Mailer, SmtpConfig, SmtpUnavailable, build_message
from views.service import ViewerCustomers, _defaults, as_viewer
from views.users import UserDirectory, Viewer, directory_from

log = logging.getLogger(__name__)

Frequency = Literal["immediate", "daily"]
FREQUENCIES = ("immediate", "daily")
NOTIFICATION_FIELDS = ["tenant", "title", "customer_ids", "customer_names", "register", "doc_date", "is_latest"]
MSEARCH_CHUNK = 50
IDS_CHUNK = 5000
DELIVERY_BATCH = 2000
STALE_SENDING = dt.timedelta(minutes=15)
MAX_BACKOFF = dt.timedelta(hours=6)


def subscriptions_index(prefix: str) -> str:
    return alias_name(prefix, "subscriptions")


def notifications_index(prefix: str) -> str:
    return alias_name(prefix, "notifications")


def _hash(*parts: str | None) -> str:
    return hashlib.sha256("\x00".join(p or "" for p in parts).encode()).hexdigest()[:32]


def subscription_id(login: str, view_id: str, customer_id: str | None = None) -> str:
    return _hash("sub", login, view_id, customer_id)


def notification_id(login: str, view_id: str, doc_id: str) -> str:
    """Deterministic: one notification per (subscriber, view, document), ever."""
    return _hash("notification", login, view_id, doc_id)


def _iso(ts: dt.datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _settings_value(name: str, default: Any) -> Any:
    try:
        from core.settings import get_settings

        value = getattr(get_settings(), name, None)
    except Exception:  # noqa: BLE001
        value = None
    return default if value is None else value


def digest_due(now: dt.datetime, tz: str | None = None, hour: int | None = None) -> dt.datetime:
    """The next daily digest time (local `hour`, default 7:00) strictly after `now`."""
    zone = ZoneInfo(tz or _settings_value("timezone", "Europe/Berlin"))
    hour = int(_settings_value("digest_hour", 7) if hour is None else hour)
    local = (now if now.tzinfo else now.replace(tzinfo=dt.UTC)).astimezone(zone)
    due = dt.datetime(local.year, local.month, local.day, hour, tzinfo=zone)
    if due <= local:
        nxt = local.date() + dt.timedelta(days=1)
        due = dt.datetime(nxt.year, nxt.month, nxt.day, hour, tzinfo=zone)
    return due


def backoff(attempts: int) -> dt.timedelta:
    return min(MAX_BACKOFF, dt.timedelta(minutes=1) * (2 ** max(0, attempts - 1)))


# ============================================================================================ subscriptions


@dataclass(frozen=True)
class Subscription:
    id: str
    login: str
    view_id: str
    tenant: str | None
    frequency: str = "immediate"
    customer_id: str | None = None
    created_at: str | None = None

    @classmethod
    def from_hit(cls, hit: dict[str, Any]) -> Subscription:
        s = hit["_source"]
        return cls(
            id=hit["_id"],
            login=s.get("owner"),
            view_id=s.get("view_id"),
            tenant=s.get("tenant"),
            frequency=s.get("frequency") or "immediate",
            customer_id=s.get("customer_id"),
            created_at=s.get("created_at"),
        )


def subscribe(
    es: Elasticsearch,
    prefix: str,
    user: Any,
    view_id: str,
    frequency: str = "immediate",
    *,
    customer_id: str | None = None,
    now: dt.datetime | None = None,
) -> Subscription:
    """Subscribe the user to a view they can see (again = change the frequency). Dossier-scoped views need
    the dossier's `customer_id`; for portfolio views it is ignored."""
    viewer = as_viewer(user)
    if frequency not in FREQUENCIES:
        raise ViewError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    view = vstore.get_view(es, prefix, view_id, viewer)  # raises ViewNotFound when not visible
    if view.scope == "dossier":
        if not customer_id:
            raise ViewError(f"the view {view.name!r} is dossier-scoped: subscribe to it from a customer dossier")
    else:
        customer_id = None
    now = now or dt.datetime.now(dt.UTC)
    sid = subscription_id(viewer.login, view_id, customer_id)
    istore.ensure_index(es, prefix, "subscriptions")
    doc: dict[str, Any] = {
        "kind": "subscription",
        "tenant": view.tenant,
        "owner": viewer.login,
        "view_id": view_id,
        "customer_id": customer_id,
        "frequency": frequency,
        "active": True,
        "created_at": _iso(now),
        "updated_at": _iso(now),
    }
    try:
        existing = es.get(index=subscriptions_index(prefix), id=sid)["_source"]
        doc["created_at"] = existing.get("created_at") or doc["created_at"]
    except NotFoundError:
        pass
    es.index(index=subscriptions_index(prefix), id=sid, document=doc, refresh=True)
    return Subscription(sid, viewer.login, view_id, view.tenant, frequency, customer_id, str(doc["created_at"]))


def unsubscribe(es: Elasticsearch, prefix: str, user: Any, view_id: str, *, customer_id: str | None = None) -> bool:
    viewer = as_viewer(user)
    sid = subscription_id(viewer.login, view_id, customer_id)
    resp = es.options(ignore_status=404).delete(index=subscriptions_index(prefix), id=sid, refresh=True)
    return resp.get("result") == "deleted"


def list_subscriptions(es: Elasticsearch, prefix: str, user: Any) -> list[Subscription]:
    viewer = as_viewer(user)
    index = subscriptions_index(prefix)
    if not es.indices.exists_alias(name=index):
        return []
    resp = es.search(
        index=index,
        size=1000,
        query={"bool": {"filter": [{"term": {"owner": viewer.login}}, {"terms": {"tenant": sorted(viewer.tenants)}}]}},
    )
    return [Subscription.from_hit(h) for h in resp["hits"]["hits"]]


def subscription_for(
    es: Elasticsearch, prefix: str, user: Any, view_id: str, customer_id: str | None = None
) -> Subscription | None:
    viewer = as_viewer(user)
    try:
        hit = es.get(index=subscriptions_index(prefix), id=subscription_id(viewer.login, view_id, customer_id))
    except NotFoundError:
        return None
    return Subscription.from_hit(dict(hit))


def delete_subscriptions_of_view(es: Elasticsearch, prefix: str, view_id: str) -> int:
    index = subscriptions_index(prefix)
    if not es.indices.exists_alias(name=index):
        return 0
    ids = [h["_id"] for h in istore.scan_all(es, index, {"term": {"view_id": view_id}})]
    if ids:
        istore.bulk_write(es, ({"_op_type": "delete", "_index": index, "_id": i} for i in ids))
        es.indices.refresh(index=index)
    return len(ids)


def _all_subscriptions(es: Elasticsearch, prefix: str) -> list[Subscription]:
    index = subscriptions_index(prefix)
    if not es.indices.exists_alias(name=index):
        return []
    return [Subscription.from_hit(h) for h in istore.scan_all(es, index, {"term": {"active": True}})]


# ============================================================================================ matching


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


def _customers_for(es: Elasticsearch, prefix: str, users: list[Viewer]) -> dict[str, ViewerCustomers]:
    """Every user's "my customers" and "my department" in one scan of the customers index."""
    index = alias_name(prefix, "customers")
    if not users or not es.indices.exists_alias(name=index):
        return {u.login: ViewerCustomers() for u in users}
    logins = sorted({u.login for u in users})
    depts = sorted({u.department for u in users if u.department})
    tenants = sorted({t for u in users for t in u.tenants})
    should: list[dict[str, Any]] = [{"terms": {"account_manager": logins}}]
    if depts:
        should.append({"terms": {"department": depts}})
    query = {"bool": {"filter": [{"terms": {"tenant": tenants}}], "should": should, "minimum_should_match": 1}}
    by_manager: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_dept: dict[tuple[str, str], list[str]] = defaultdict(list)
    for hit in istore.scan_all(es, index, query):
        src = hit["_source"]
        cid, tenant = src.get("customer_id") or hit["_id"], src.get("tenant")
        if src.get("account_manager"):
            by_manager[(tenant, src["account_manager"])].append(cid)
        if src.get("department"):
            by_dept[(tenant, src["department"])].append(cid)
    out = {}
    for u in users:
        mine = [c for t in u.tenants for c in by_manager.get((t, u.login), [])]
        dept = [c for t in u.tenants for c in by_dept.get((t, u.department or ""), [])] if u.department else []
        out[u.login] = ViewerCustomers(tuple(sorted(mine)), tuple(sorted(dept)))
    return out


def _doc_meta(es: Elasticsearch, prefix: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Tenant, title, customers … of the new documents (a search, so the alias may span several indices)."""
    out: dict[str, dict[str, Any]] = {}
    index = alias_name(prefix, "documents")
    for i in range(0, len(ids), IDS_CHUNK):
        chunk = ids[i : i + IDS_CHUNK]
        resp = es.search(
            index=index, size=len(chunk), query={"ids": {"values": chunk}}, source_includes=NOTIFICATION_FIELDS
        )
        for hit in resp["hits"]["hits"]:
            out[hit["_id"]] = hit["_source"]
    return out


def match_body(search: SearchService, request: SearchRequest, viewer: Viewer, ids: list[str]) -> dict[str, Any]:
    """The view's keyword request for this viewer, restricted to `ids`: which of them match."""
    parsed, analysis = search.analyze(request)
    body = B.keyword_body(
        request, viewer.scope, parsed, analysis, size=len(ids), from_=0, with_facets=False, with_groups=False,
        tuning=search.tuning, track_total_hits=False,
    )  # fmt: skip
    body["query"]["bool"]["filter"].append({"ids": {"values": ids}})
    body["_source"] = False
    body["sort"] = ["_doc"]
    body.pop("highlight", None)
    body.pop("search_after", None)
    return body


def match_new_documents(
    es: Elasticsearch,
    prefix: str,
    new_doc_ids: Iterable[str],
    now: dt.datetime,
    *,
    users: Any = None,
    search: SearchService | None = None,
    tz: str | None = None,
) -> MatchReport:
    """Run every subscribed view for its subscriber over the new documents; write notifications."""
    import time

    started = time.perf_counter()
    report = MatchReport()
    ids = sorted({str(i) for i in new_doc_ids if i})
    report.new_documents = len(ids)
    subs = _all_subscriptions(es, prefix) if ids else []
    report.subscriptions = len(subs)
    if not ids or not subs:
        report.seconds = time.perf_counter() - started
        return report
    directory: UserDirectory = directory_from(users)
    tz = tz or _settings_value("timezone", "Europe/Berlin")
    if search is None:
        search = SearchService(es, prefix, None)  # keyword matching only: no embedder needed
    meta = _doc_meta(es, prefix, ids)
    doc_tenants = {m.get("tenant") for m in meta.values()}
    views = vstore.get_views_unchecked(es, prefix, [s.view_id for s in subs])

    # who is still there, and with which permissions (as of now)
    subscribers: dict[str, Viewer | None] = {}
    for s in subs:
        if s.login not in subscribers:
            try:
                subscribers[s.login] = directory(s.login)
            except Exception as exc:  # noqa: BLE001 - a broken directory entry must not stop the others
                log.warning("user directory failed for %s: %s", s.login, exc)
                subscribers[s.login] = None
    needs_customers = [
        u
        for s in subs
        if (u := subscribers.get(s.login)) is not None
        and (v := views.get(s.view_id)) is not None
        and (v.my_customers or v.my_department)
    ]
    customers = _customers_for(es, prefix, list({u.login: u for u in needs_customers}.values()))

    # one request per distinct (view request, permissions): [(body, [(subscription, viewer)])]
    bodies: dict[str, tuple[dict[str, Any], list[tuple[Subscription, Viewer, str]]]] = {}
    for s in subs:
        user = subscribers.get(s.login)
        view = views.get(s.view_id)
        if user is None or not user.active:
            report.skip("unknown_or_disabled_user")
            continue
        if view is None:
            report.skip("view_deleted")
            continue
        if not can_see(view, user):
            report.skip("view_no_longer_visible")
            continue
        if not (user.tenants & doc_tenants) or user.scope.sees_nothing:
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
        # restrict to new ids in the subscriber's tenants
        user_ids = [i for i in ids if meta.get(i, {}).get("tenant") in user.tenants]
        if not user_ids:
            report.skip("no_access_to_new_documents")
            continue
        body = match_body(search, compiled.request, user, user_ids[:MAX_RESULT_WINDOW])
        key = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        bodies.setdefault(key, (body, []))[1].append((s, user, view.name))
    report.requests = len(bodies)

    # run them
    matched: list[tuple[Subscription, Viewer, str, str]] = []  # (sub, user, view name, doc id)
    items = list(bodies.values())
    for i in range(0, len(items), MSEARCH_CHUNK):
        chunk = items[i : i + MSEARCH_CHUNK]
        searches: list[dict[str, Any]] = []
        for body, _ in chunk:
            searches += [{"index": search.index}, body]
        try:
            responses = es.msearch(searches=searches)["responses"]
        except (ApiError, TransportError) as exc:
            log.error("subscription matching failed for %d requests: %s", len(chunk), exc)
            for _ in chunk:
                report.skip("search_failed")
            continue
        for (_body, subs_of_body), r in zip(chunk, responses, strict=True):
            if "error" in r:
                log.error("subscription matching request failed: %s", str(r["error"])[:300])
                report.skip("search_failed")
                continue
            hit_ids = [h["_id"] for h in r["hits"]["hits"]]
            for s, user, vname in subs_of_body:
                matched += [(s, user, vname, d) for d in hit_ids]
    report.matches = len(matched)

    # notifications: deterministic ids, create-only (never twice)
    if matched:
        created, dupes = _write_notifications(es, prefix, matched, meta, now, tz)
        report.notifications_created, report.already_notified = created, dupes
    report.seconds = time.perf_counter() - started
    return report


def _write_notifications(
    es: Elasticsearch,
    prefix: str,
    matched: list[tuple[Subscription, Viewer, str, str]],
    meta: dict[str, dict[str, Any]],
    now: dt.datetime,
    tz: str,
) -> tuple[int, int]:
    index = notifications_index(prefix)
    istore.ensure_index(es, prefix, "notifications")
    daily_due = _iso(digest_due(now, tz))
    seen: set[str] = set()
    actions = []
    for s, user, vname, doc_id in matched:
        nid = notification_id(user.login, s.view_id, doc_id)
        if nid in seen:  # the same document through two dossier subscriptions of one view
            continue
        seen.add(nid)
        m = meta.get(doc_id, {})
        status = "queued" if user.email else "no_address"
        actions.append(
            {
                "_op_type": "create",
                "_index": index,
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
                    "created_at": _iso(now),
                    "read": False,
                    "email_status": status,
                    "email_due_at": _iso(now) if s.frequency == "immediate" else daily_due,
                    "email_attempts": 0,
                },
            }
        )
    created = dupes = 0
    for ok, item in streaming_bulk(
        es, actions, chunk_size=500, max_retries=5, initial_backoff=1, raise_on_error=False, raise_on_exception=False
    ):
        info = next(iter(item.values()))
        if ok:
            created += 1
        elif info.get("status") == 409:
            dupes += 1
        else:
            log.error("notification %s not written: %s", info.get("_id"), str(info.get("error"))[:300])
    es.indices.refresh(index=index)
    return created, dupes


def after_ingest(
    es: Elasticsearch,
    prefix: str,
    new_doc_ids: Iterable[str],
    now: dt.datetime | None = None,
    *,
    users: Any = None,
    smtp: SmtpConfig | None = None,
    search: SearchService | None = None,
    deliver: bool = True,
) -> MatchReport:
    """The ingest pipeline's hook: match the run's new documents, then send the due e-mails.

    Never raises for matching or mail problems (the ingest run must not fail because of notifications);
    problems are logged and reported in the returned MatchReport."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        report = match_new_documents(es, prefix, new_doc_ids, now, users=users, search=search)
    except (ApiError, TransportError, ViewError) as exc:
        log.error("subscription matching failed: %s", exc)
        report = MatchReport()
        report.skip("matching_failed")
    if deliver:
        try:
            report.delivery = deliver_pending(es, prefix, now, users=users, smtp=smtp)
        except (ApiError, TransportError) as exc:
            log.error("notification delivery failed: %s", exc)
    return report


# ============================================================================================ e-mail delivery


@dataclass
class DeliveryReport:
    due: int = 0
    emails_sent: int = 0
    notifications_sent: int = 0
    requeued: int = 0
    withdrawn: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _accessible(es: Elasticsearch, prefix: str, viewer: Viewer, doc_ids: list[str]) -> set[str]:
    """Which of these documents the viewer may (still) see."""
    if not doc_ids or viewer.scope.sees_nothing:
        return set()
    resp = es.search(
        index=alias_name(prefix, "documents"),
        size=len(doc_ids),
        query={"bool": {"filter": [B.permission_filter(viewer.scope), {"ids": {"values": doc_ids}}]}},
        source=False,
    )
    return {h["_id"] for h in resp["hits"]["hits"]}


def _update(
    es: Elasticsearch, index: str, hits: list[dict[str, Any]], doc: dict[str, Any], *, claim: bool = False
) -> list[dict[str, Any]]:
    """Bulk-update these notifications; with `claim`, only those unchanged since read (returns them)."""
    if not hits:
        return []
    actions = []
    for h in hits:
        action = {"_op_type": "update", "_index": index, "_id": h["_id"], "doc": doc}
        if claim:
            action["if_seq_no"] = h["_seq_no"]
            action["if_primary_term"] = h["_primary_term"]
        actions.append(action)
    failed: set[str] = set()
    for ok, item in streaming_bulk(
        es, actions, chunk_size=500, max_retries=5, initial_backoff=1, raise_on_error=False, raise_on_exception=False
    ):
        if not ok:
            info = next(iter(item.values()))
            failed.add(str(info.get("_id")))
            if info.get("status") != 409:
                log.error("notification %s update failed: %s", info.get("_id"), str(info.get("error"))[:300])
    return [h for h in hits if h["_id"] not in failed]


def deliver_pending(
    es: Elasticsearch,
    prefix: str,
    now: dt.datetime | None = None,
    *,
    users: Any = None,
    smtp: SmtpConfig | None = None,
    max_rounds: int = 50,
) -> DeliveryReport:
    """Send every due e-mail (one per recipient and round of up to DELIVERY_BATCH notifications); on failure
    keep them queued with back-off."""
    now = now or dt.datetime.now(dt.UTC)
    total = DeliveryReport()
    index = notifications_index(prefix)
    cfg = smtp or SmtpConfig.from_settings()
    if not es.indices.exists_alias(name=index):
        return total
    if not cfg.enabled:
        log.info("SMTP not configured: notification e-mails stay queued")
        return total
    directory: UserDirectory = directory_from(users)
    for _ in range(max_rounds):
        report = _deliver_round(es, index, prefix, now, directory, cfg)
        for name in ("due", "emails_sent", "notifications_sent", "requeued", "withdrawn", "skipped"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.errors += report.errors
        if report.due < DELIVERY_BATCH or report.errors:
            break
    return total


def _deliver_round(
    es: Elasticsearch, index: str, prefix: str, now: dt.datetime, directory: UserDirectory, cfg: SmtpConfig
) -> DeliveryReport:
    report = DeliveryReport()
    query = {
        "bool": {
            "should": [
                {
                    "bool": {
                        "filter": [
                            {"term": {"email_status": "queued"}},
                            {"range": {"email_due_at": {"lte": _iso(now)}}},
                        ]
                    }
                },
                {
                    "bool": {
                        "filter": [
                            {"term": {"email_status": "sending"}},
                            {"range": {"email_claimed_at": {"lte": _iso(now - STALE_SENDING)}}},
                        ]
                    }
                },
            ],  # fmt: skip
            "minimum_should_match": 1,
        }
    }
    resp = es.search(
        index=index,
        query=query,
        size=DELIVERY_BATCH,
        seq_no_primary_term=True,
        sort=[{"created_at": {"order": "asc", "unmapped_type": "date"}}],
    )
    hits = resp["hits"]["hits"]
    report.due = len(hits)
    if not hits:
        return report
    by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for h in hits:
        by_owner[h["_source"]["owner"]].append(h)

    # decide per recipient: who still exists, with an address, and which documents they may still see
    outgoing: list[tuple[Viewer, list[dict[str, Any]]]] = []
    for login, items in by_owner.items():
        try:
            user = directory(login)
        except Exception:  # noqa: BLE001
            user = None
        if user is None or not user.active:
            report.skipped += len(_update(es, index, items, {"email_status": "skipped"}, claim=True))
            continue
        if not user.email:
            report.skipped += len(_update(es, index, items, {"email_status": "no_address"}, claim=True))
            continue
        allowed = _accessible(es, prefix, user, sorted({h["_source"]["doc_id"] for h in items}))
        gone = [h for h in items if h["_source"]["doc_id"] not in allowed]
        report.withdrawn += len(_update(es, index, gone, {"email_status": "withdrawn"}, claim=True))
        keep = [h for h in items if h["_source"]["doc_id"] in allowed]
        claimed = _update(es, index, keep, {"email_status": "sending", "email_claimed_at": _iso(now)}, claim=True)
        if claimed:
            outgoing.append((user, claimed))
    if not outgoing:
        es.indices.refresh(index=index)
        return report

    def requeue(items: list[dict[str, Any]], error: str) -> None:
        # every item of one recipient shares the attempt count of the oldest
        attempts = max(int(h["_source"].get("email_attempts") or 0) for h in items) + 1
        _update(
            es, index, items,
            {"email_status": "queued", "email_attempts": attempts, "email_due_at": _iso(now + backoff(attempts)),
             "email_last_error": error[:300]},
        )  # fmt: skip
        report.requeued += len(items)

    try:
        with Mailer(cfg) as mailer:
            for user, items in outgoing:
                sources = [h["_source"] for h in items]
                digest = all(s.get("frequency") == "daily" for s in sources)
                msg = build_message(cfg, user.email or "", user.name, user.lang, sources, digest=digest)
                try:
                    mailer.send(msg)
                except Exception as exc:  # noqa: BLE001 - smtplib and sockets raise many kinds
                    report.errors.append(f"{user.login}: {type(exc).__name__}: {exc}")
                    requeue(items, f"{type(exc).__name__}: {exc}")
                    continue
                _update(es, index, items, {"email_status": "sent", "email_sent_at": _iso(now)})
                report.emails_sent += 1
                report.notifications_sent += len(items)
    except SmtpUnavailable as exc:
        log.warning("SMTP unavailable (%s): %d notifications stay queued", exc, sum(len(i) for _, i in outgoing))
        report.errors.append(str(exc))
        for _user, items in outgoing:
            requeue(items, str(exc))
    es.indices.refresh(index=index)
    return report


# ============================================================================================ in-app inbox


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
    available: bool = True  # False: the user can no longer see the document (details hidden)


def _inbox_query(viewer: Viewer, unread_only: bool) -> dict[str, Any]:
    flt: list[dict[str, Any]] = [
        {"term": {"owner": viewer.login}},
        {"terms": {"tenant": sorted(viewer.tenants) or ["__none__"]}},
    ]
    if unread_only:
        flt.append({"term": {"read": False}})
    return {"bool": {"filter": flt, "must_not": [{"term": {"email_status": "withdrawn"}}]}}


def list_notifications(
    user: Any,
    *,
    es: Elasticsearch | None = None,
    prefix: str | None = None,
    unread_only: bool = False,
    size: int = 50,
    page: int = 1,
) -> tuple[list[Notification], int]:
    """The user's inbox, newest first, and the total. Documents the user can no longer see are listed
    without their details (`available=False`)."""
    es, prefix = _defaults(es, prefix)
    viewer = as_viewer(user)
    index = notifications_index(prefix)
    if not viewer.tenants or not es.indices.exists_alias(name=index):
        return [], 0
    resp = es.search(
        index=index,
        query=_inbox_query(viewer, unread_only),
        size=max(1, min(size, 200)),
        from_=max(0, (page - 1) * size),
        sort=[{"created_at": {"order": "desc", "unmapped_type": "date"}}],
        track_total_hits=True,
    )
    hits = resp["hits"]["hits"]
    try:
        allowed = _accessible(es, prefix, viewer, sorted({h["_source"].get("doc_id") for h in hits}))
    except (ApiError, TransportError):
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
            )
        )
    return out, int(resp["hits"]["total"]["value"])


def unread_count(user: Any, *, es: Elasticsearch | None = None, prefix: str | None = None) -> int:
    """The unread badge: the user's unread notifications (0 when the index does not exist or ES fails)."""
    es, prefix = _defaults(es, prefix)
    viewer = as_viewer(user)
    index = notifications_index(prefix)
    try:
        if not viewer.tenants or not es.indices.exists_alias(name=index):
            return 0
        return int(es.count(index=index, query=_inbox_query(viewer, True))["count"])
    except (ApiError, TransportError) as exc:
        log.warning("unread count failed: %s", exc)
        return 0


def mark_read(
    user: Any,
    notification_ids: Iterable[str] | None = None,
    *,
    read: bool = True,
    es: Elasticsearch | None = None,
    prefix: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Mark the user's notifications read (None = all unread ones). Others' notifications are untouched."""
    es, prefix = _defaults(es, prefix)
    viewer = as_viewer(user)
    index = notifications_index(prefix)
    if not es.indices.exists_alias(name=index):
        return 0
    flt = _inbox_query(viewer, unread_only=read)
    if notification_ids is not None:
        ids = [str(i) for i in notification_ids]
        if not ids:
            return 0
        flt["bool"]["filter"].append({"ids": {"values": ids}})
    targets = [h["_id"] for h in istore.scan_all(es, index, flt)]
    stamp = _iso(now or dt.datetime.now(dt.UTC))
    doc = {"read": read, "read_at": stamp if read else None}
    failures = istore.bulk_write(es, ({"_op_type": "update", "_index": index, "_id": i, "doc": doc} for i in targets))
    es.indices.refresh(index=index)
    return len(targets) - len(failures)


__all__ = [
    "DeliveryReport",
    "MatchReport",
    "Notification",
    "Subscription",
    "after_ingest",
    "deliver_pending",
    "digest_due",
    "list_notifications",
    "list_subscriptions",
    "mark_read",
    "match_new_documents",
    "notification_id",
    "subscribe",
    "subscription_for",
    "unread_count",
    "unsubscribe",
]
