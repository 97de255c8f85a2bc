"""Notification e-mails: each notification carries its own e-mail state (the notifications index *is* the outbox).

``queued`` → ``sending`` (claimed with optimistic concurrency, so two deliverers never send the same mail)
→ ``sent``; ``no_address`` (user has no e-mail), ``skipped`` (user gone), ``withdrawn`` (access lost before
delivery). Immediate notifications are due at once, daily ones at the next digest hour (local time). One
e-mail per recipient and delivery run. If SMTP is down, everything stays ``queued`` with an exponential
back-off (1 min … 6 h) and is retried by the next `deliver_pending` — nothing is dropped. A crash while
``sending`` is recovered after 15 minutes (at-least-once).

Weekly dashboard digests (`notifications.digests`) share this outbox: each goes out as its own e-mail (text and
HTML), after the same checks of its recipient, and is ``withdrawn`` when the subscription is gone or the
recipient's permissions are no longer those its figures were computed with.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from domain.principal import Principal
from indexing.records import RecordStore
from notifications import digests
from notifications.common import Directory, iso, settings_value
from notifications.mailer import Mailer, SmtpConfig, SmtpUnavailable, build_digest_message, build_message
from search import saved
from search.parse import hits_of
from search.repository import Repository

log = logging.getLogger(__name__)

KIND = "notifications"
DELIVERY_BATCH = 2000
STALE_SENDING = dt.timedelta(minutes=15)
MAX_BACKOFF = dt.timedelta(hours=6)


def digest_due(now: dt.datetime, tz: str | None = None, hour: int | None = None) -> dt.datetime:
    """The next daily digest time (local `hour`, default 7:00) strictly after `now`."""
    zone = ZoneInfo(tz or settings_value("timezone", "Europe/Berlin"))
    hour = int(settings_value("digest_hour", 7) if hour is None else hour)
    local = (now if now.tzinfo else now.replace(tzinfo=dt.UTC)).astimezone(zone)
    due = dt.datetime(local.year, local.month, local.day, hour, tzinfo=zone)
    if due <= local:
        nxt = local.date() + dt.timedelta(days=1)
        due = dt.datetime(nxt.year, nxt.month, nxt.day, hour, tzinfo=zone)
    return due


def backoff(attempts: int) -> dt.timedelta:
    return min(MAX_BACKOFF, dt.timedelta(minutes=1) * (2 ** max(0, attempts - 1)))


@dataclass
class DeliveryReport:
    due: int = 0
    emails_sent: int = 0
    notifications_sent: int = 0
    requeued: int = 0
    withdrawn: int = 0
    skipped: int = 0
    digests_sent: int = 0  # weekly dashboard digests (one e-mail each)
    errors: list[str] = field(default_factory=list)


def accessible(repo: Repository, principal: Principal, doc_ids: list[str]) -> set[str]:
    """Which of these documents the principal may (still) see."""
    if not doc_ids or principal.sees_nothing:
        return set()
    return {h["_id"] for h in hits_of(repo.search("documents", saved.documents_by_id_body(principal, doc_ids)))}


def _update(
    store: RecordStore, hits: list[dict[str, Any]], doc: dict[str, Any], *, claim: bool = False
) -> list[dict[str, Any]]:
    """Bulk-update these notifications; with `claim`, only those unchanged since read (returns them)."""
    if not hits:
        return []
    actions = []
    for h in hits:
        action: dict[str, Any] = {"_op_type": "update", "_id": h["_id"], "doc": doc}
        if claim:
            action["if_seq_no"] = h["_seq_no"]
            action["if_primary_term"] = h["_primary_term"]
        actions.append(action)
    failed: set[str] = set()
    for outcome in store.bulk(KIND, actions, refresh=False):
        if not outcome.ok:
            failed.add(outcome.id)
            if outcome.status != 409:
                log.error("notification %s update failed: %s", outcome.id, outcome.error)
    return [h for h in hits if h["_id"] not in failed]


def deliver_pending(
    repo: Repository,
    store: RecordStore,
    directory: Directory,
    now: dt.datetime | None = None,
    *,
    smtp: SmtpConfig | None = None,
    max_rounds: int = 50,
) -> DeliveryReport:
    """Send every due e-mail (one per recipient and round of up to DELIVERY_BATCH notifications); on failure
    keep them queued with back-off."""
    now = now or dt.datetime.now(dt.UTC)
    total = DeliveryReport()
    cfg = smtp or SmtpConfig.from_settings()
    if not repo.exists(KIND):
        return total
    if not cfg.enabled:
        log.info("SMTP not configured: notification e-mails stay queued")
        return total
    for _ in range(max_rounds):
        report = _deliver_round(repo, store, now, directory, cfg)
        for name in ("due", "emails_sent", "notifications_sent", "requeued", "withdrawn", "skipped", "digests_sent"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.errors += report.errors
        if report.due < DELIVERY_BATCH or report.errors:
            break
    return total


def _claim(
    repo: Repository, store: RecordStore, hits: list[dict[str, Any]], now: dt.datetime, directory: Directory,
    report: DeliveryReport,
) -> list[tuple[Principal, list[dict[str, Any]]]]:  # fmt: skip
    """Per recipient: who still exists, with an address, and which documents they may still see; claim those."""
    by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for h in hits:
        by_owner[h["_source"]["owner"]].append(h)
    outgoing: list[tuple[Principal, list[dict[str, Any]]]] = []
    for login, items in by_owner.items():
        try:
            user = directory(login)
        except Exception:  # noqa: BLE001 - a broken directory entry must not stop the others
            user = None
        if user is None or not user.active:
            report.skipped += len(_update(store, items, {"email_status": "skipped"}, claim=True))
            continue
        if not user.email:
            report.skipped += len(_update(store, items, {"email_status": "no_address"}, claim=True))
            continue
        weekly = [h for h in items if _is_digest(h)]
        items = [h for h in items if not _is_digest(h)]
        claimed_digests = _claim_digests(repo, store, user, weekly, now, report)
        allowed = accessible(repo, user, sorted({h["_source"]["doc_id"] for h in items}))
        gone = [h for h in items if h["_source"]["doc_id"] not in allowed]
        report.withdrawn += len(_update(store, gone, {"email_status": "withdrawn"}, claim=True))
        keep = [h for h in items if h["_source"]["doc_id"] in allowed]
        claimed = _update(store, keep, {"email_status": "sending", "email_claimed_at": iso(now)}, claim=True)
        if claimed or claimed_digests:
            outgoing.append((user, claimed + claimed_digests))
    return outgoing


def _is_digest(hit: dict[str, Any]) -> bool:
    return hit["_source"].get("kind") == digests.DIGEST_KIND


def _claim_digests(
    repo: Repository, store: RecordStore, user: Principal, hits: list[dict[str, Any]], now: dt.datetime,
    report: DeliveryReport,
) -> list[dict[str, Any]]:  # fmt: skip
    """A recipient's weekly digests: withdrawn when unsubscribed or computed with other permissions than theirs
    now (the subscription then computes the week again), the others claimed."""
    if not hits:
        return []
    live = digests.live_subscription_ids(repo, sorted({str(h["_source"].get("subscription_id")) for h in hits}))
    scope = digests.digest_scope(user)
    unsubscribed = [h for h in hits if h["_source"].get("subscription_id") not in live]
    changed = [h for h in hits if h["_source"].get("subscription_id") in live and h["_source"].get("scope") != scope]
    report.withdrawn += len(_update(store, unsubscribed, {"email_status": "withdrawn"}, claim=True))
    for h in _update(store, changed, {"email_status": "withdrawn", "email_last_error": "permissions changed"},
                     claim=True):  # fmt: skip
        report.withdrawn += 1
        digests.reset_week(store, str(h["_source"]["subscription_id"]))
    keep = [h for h in hits if h not in unsubscribed and h not in changed]
    return _update(store, keep, {"email_status": "sending", "email_claimed_at": iso(now)}, claim=True)


def _messages(
    cfg: SmtpConfig, user: Principal, items: list[dict[str, Any]]
) -> list[tuple[EmailMessage, list[dict[str, Any]]]]:
    """One e-mail for the recipient's view notifications, one for each weekly digest."""
    out: list[tuple[EmailMessage, list[dict[str, Any]]]] = []
    views = [h for h in items if not _is_digest(h)]
    if views:
        sources = [h["_source"] for h in views]
        digest = all(s.get("frequency") == "daily" for s in sources)
        out.append((build_message(cfg, user.email or "", user.name, user.lang, sources, digest=digest), views))
    for h in items:
        if _is_digest(h):
            s = h["_source"]
            lang = s.get("lang") or user.lang
            out.append((build_digest_message(cfg, user.email or "", user.name, lang, s.get("body") or {}), [h]))
    return out


def _deliver_round(
    repo: Repository, store: RecordStore, now: dt.datetime, directory: Directory, cfg: SmtpConfig
) -> DeliveryReport:
    report = DeliveryReport()
    body = saved.due_notifications_body(Principal.system(), iso(now), iso(now - STALE_SENDING), DELIVERY_BATCH)
    hits = hits_of(repo.search(KIND, body))
    report.due = len(hits)
    if not hits:
        return report
    outgoing = _claim(repo, store, hits, now, directory, report)
    if not outgoing:
        store.refresh(KIND)
        return report

    def requeue(items: list[dict[str, Any]], error: str) -> None:
        # every item of one recipient shares the attempt count of the oldest
        attempts = max(int(h["_source"].get("email_attempts") or 0) for h in items) + 1
        _update(
            store, items,
            {"email_status": "queued", "email_attempts": attempts, "email_due_at": iso(now + backoff(attempts)),
             "email_last_error": error[:300]},
        )  # fmt: skip
        report.requeued += len(items)

    try:
        with Mailer(cfg) as mailer:
            for user, all_items in outgoing:
                for msg, items in _messages(cfg, user, all_items):
                    try:
                        mailer.send(msg)
                    except Exception as exc:  # noqa: BLE001 - smtplib and sockets raise many kinds
                        report.errors.append(f"{user.login}: {type(exc).__name__}: {exc}")
                        requeue(items, f"{type(exc).__name__}: {exc}")
                        continue
                    _update(store, items, {"email_status": "sent", "email_sent_at": iso(now)})
                    report.emails_sent += 1
                    if any(_is_digest(h) for h in items):
                        report.digests_sent += 1
                    else:
                        report.notifications_sent += len(items)
    except SmtpUnavailable as exc:
        log.warning("SMTP unavailable (%s): %d notifications stay queued", exc, sum(len(i) for _, i in outgoing))
        report.errors.append(str(exc))
        for _user, items in outgoing:
            requeue(items, str(exc))
    store.refresh(KIND)
    return report
