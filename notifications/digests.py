"""Weekly dashboard digests: the subscription, the week it reports on, and its place in the outbox.

A user subscribes to the manager dashboard as they filtered it (the URL query, e.g. ``period=30d&segment=A``):
one record per user in the subscriptions index (``kind = "dashboard_digest"``, id = hash(login)); the filters
are applied again at every send with the recipient's permissions *as of then* (`app.digests` rebuilds the
recipient from the user directory and runs the dashboard use case as them).

Once per ISO week (Monday at the digest hour, local time — or the first delivery run after it) the digest of
the last complete week is written into the outbox, the notifications index (``kind = "dashboard_digest"``,
create-only id = hash(login, week, scope)), and the subscription records the week: a second run in the same week
writes nothing. `notifications.delivery.deliver_pending` sends it like every other notification e-mail (claim,
retry with back-off, stale-sending recovery), checking the recipient once more: gone or inactive → ``skipped``,
no address → ``no_address``, unsubscribed or different permissions than the figures were computed with →
``withdrawn`` (after a permission change the subscription's week is reset, so the next run computes the digest
again with the new permissions).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from domain.principal import Principal
from indexing.records import RecordStore, WriteConflict, WriteFailed
from notifications.common import iso, settings_value, stable_hash
from search import saved
from search.parse import hits_of
from search.repository import Repository

log = logging.getLogger(__name__)

DIGEST_KIND = saved.DIGEST_KIND
SUBSCRIPTIONS = "subscriptions"
OUTBOX = "notifications"
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class DigestSubscription:
    id: str
    login: str
    query: str  # the dashboard URL query, without "?"
    lang: str | None = None  # None: the recipient's language
    created_at: str | None = None
    updated_at: str | None = None
    last_week: str | None = None  # the last ISO week ("2026-W49") a digest was written for
    last_sent_at: str | None = None

    @classmethod
    def from_hit(cls, hit: dict[str, Any]) -> DigestSubscription:
        s = hit.get("_source") or {}
        return cls(
            id=hit["_id"],
            login=str(s.get("owner") or ""),
            query=str(s.get("query") or ""),
            lang=s.get("lang") or None,
            created_at=s.get("created_at"),
            updated_at=s.get("updated_at"),
            last_week=s.get("last_week") or None,
            last_sent_at=s.get("last_sent_at"),
        )


@dataclass(frozen=True)
class DigestWeek:
    """The ISO week a digest reports on (the last complete week) and when its digest is due."""

    label: str  # "2026-W49"
    year: int
    number: int
    first: dt.date  # its Monday
    last: dt.date  # its Sunday
    due_at: dt.datetime  # the Monday after it, at the digest hour (local time)


def digest_subscription_id(login: str) -> str:
    return stable_hash("dashboard_digest", login)


def digest_outbox_id(login: str, week: str, scope: str) -> str:
    """Deterministic: one digest per recipient, week and permissions, ever."""
    return stable_hash("dashboard_digest", login, week, scope)


def digest_scope(user: Principal) -> str:
    """What decides the figures a user gets: tenants, groups, admin, role and department."""
    return json.dumps([user.scope_key, user.role, user.department or ""], separators=(",", ":"))


def digest_week(now: dt.datetime, tz: str | None = None, hour: int | None = None) -> DigestWeek:
    """The week a digest sent at `now` reports on: the ISO week before `now`'s (local time)."""
    zone = ZoneInfo(tz or settings_value("timezone", "Europe/Berlin"))
    hour = int(settings_value("digest_hour", 7) if hour is None else hour)
    local = (now if now.tzinfo else now.replace(tzinfo=dt.UTC)).astimezone(zone)
    monday = local.date() - dt.timedelta(days=local.weekday())
    first = monday - dt.timedelta(weeks=1)
    year, number, _ = first.isocalendar()
    return DigestWeek(
        label=f"{year}-W{number:02d}",
        year=year,
        number=number,
        first=first,
        last=monday - dt.timedelta(days=1),
        due_at=dt.datetime(monday.year, monday.month, monday.day, hour, tzinfo=zone),
    )


# ------------------------------------------------------------------------------------------- subscriptions


def subscribe(
    repo: Repository, store: RecordStore, principal: Principal, query: str, lang: str | None = None,
    *, now: dt.datetime | None = None,
) -> DigestSubscription:  # fmt: skip
    """Subscribe (again = change the filters or the language; the week already sent stays sent)."""
    now = now or dt.datetime.now(dt.UTC)
    sid = digest_subscription_id(principal.login)
    existing = digest_subscription(repo, principal)
    doc: dict[str, Any] = {
        "kind": DIGEST_KIND,
        "tenant": sorted(principal.tenants),
        "owner": principal.login,
        "query": query[:MAX_QUERY_CHARS],
        "lang": lang,
        "active": True,
        "created_at": (existing.created_at if existing else None) or iso(now),
        "updated_at": iso(now),
        "last_week": existing.last_week if existing else None,
        "last_sent_at": existing.last_sent_at if existing else None,
    }
    store.put(SUBSCRIPTIONS, sid, doc)
    return DigestSubscription.from_hit({"_id": sid, "_source": doc})


def unsubscribe(store: RecordStore, principal: Principal) -> bool:
    return store.delete(SUBSCRIPTIONS, digest_subscription_id(principal.login))


def digest_subscription(repo: Repository, principal: Principal) -> DigestSubscription | None:
    sid = digest_subscription_id(principal.login)
    body = saved.digest_subscriptions_body(principal, sub_ids=[sid])
    hits = hits_of(repo.search_or_empty(SUBSCRIPTIONS, body))
    return DigestSubscription.from_hit(hits[0]) if hits else None


def all_digest_subscriptions(repo: Repository) -> list[DigestSubscription]:
    """Every active digest subscription (a system read for the deliverer; each is then checked per recipient)."""
    return [DigestSubscription.from_hit(h)
            for h in repo.scan(SUBSCRIPTIONS, saved.digest_subscriptions_body(Principal.system()))]  # fmt: skip


def live_subscription_ids(repo: Repository, sub_ids: list[str]) -> set[str]:
    """Which of these digest subscriptions still exist (the deliverer withdraws the others' digests)."""
    if not sub_ids:
        return set()
    body = saved.digest_subscriptions_body(Principal.system(), sub_ids=sub_ids)
    return {h["_id"] for h in hits_of(repo.search_or_empty(SUBSCRIPTIONS, body))}


def mark_week(store: RecordStore, sub: DigestSubscription, user: Principal, week: str, now: dt.datetime) -> None:
    """The week is done for this subscription (its digest is in the outbox, or there was none to write)."""
    store.update(SUBSCRIPTIONS, sub.id, {"last_week": week, "last_sent_at": iso(now), "tenant": sorted(user.tenants)})


def reset_week(store: RecordStore, sub_id: str) -> None:
    """Compute this week's digest again at the next run (its figures were withdrawn)."""
    try:
        store.update(SUBSCRIPTIONS, sub_id, {"last_week": None})
    except WriteFailed as exc:  # the subscription is gone: nothing to compute again
        log.info("digest subscription %s not reset: %s", sub_id, exc)


# ------------------------------------------------------------------------------------------------ outbox


def enqueue(
    store: RecordStore, user: Principal, sub: DigestSubscription, week: DigestWeek, content: dict[str, Any],
    lang: str, now: dt.datetime,
) -> bool:  # fmt: skip
    """Write the week's digest into the outbox, due at once (create-only: False if it is there already).

    `content` is plain data (figures, relative links, message codes) that `notifications.mailer` renders when
    it sends; it is stored unindexed."""
    scope = digest_scope(user)
    doc = {
        "kind": DIGEST_KIND,
        "tenant": sorted(user.tenants),
        "owner": user.login,
        "subscription_id": sub.id,
        "week": week.label,
        "scope": scope,
        "lang": lang,
        "created_at": iso(now),
        "read": True,  # never an inbox entry
        "email_status": "queued" if user.email else "no_address",
        "email_due_at": iso(now),
        "email_attempts": 0,
        "body": content,
    }
    try:
        store.put(OUTBOX, digest_outbox_id(user.login, week.label, scope), doc, create=True)
    except WriteConflict:
        return False
    return True
