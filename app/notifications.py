"""Use cases of subscriptions and the inbox, and the workers' matching and delivery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from app import audit
from app.context import AppContext
from domain.principal import SEARCH, Principal
from notifications import delivery, inbox, matching
from notifications import subscriptions as subs
from notifications.mailer import SmtpConfig

Subscription = subs.Subscription
Notification = inbox.Notification


def subscribe(
    ctx: AppContext, principal: Principal, view_id: str, frequency: str = "immediate", *,
    customer_id: str | None = None, now: dt.datetime | None = None,
) -> subs.Subscription:  # fmt: skip
    principal.require(SEARCH)
    sub = subs.subscribe(ctx.repo, ctx.store, principal, view_id, frequency, customer_id=customer_id, now=now)
    audit.record(ctx, "subscribed", principal, wait=True, tenant=sub.tenant, view_id=view_id, frequency=frequency,
                 customer_id=sub.customer_id)  # fmt: skip
    return sub


def unsubscribe(ctx: AppContext, principal: Principal, view_id: str, *, customer_id: str | None = None) -> bool:
    done = subs.unsubscribe(ctx.store, principal, view_id, customer_id=customer_id)
    if done:
        audit.record(ctx, "unsubscribed", principal, wait=True, view_id=view_id, customer_id=customer_id)
    return done


def list_subscriptions(ctx: AppContext, principal: Principal) -> list[subs.Subscription]:
    return subs.list_subscriptions(ctx.repo, principal)


def subscription_for(
    ctx: AppContext, principal: Principal, view_id: str, customer_id: str | None = None
) -> subs.Subscription | None:
    return subs.subscription_for(ctx.repo, principal, view_id, customer_id)


def notifications(
    ctx: AppContext, principal: Principal, *, unread_only: bool = False, size: int = 50, page: int = 1
) -> tuple[list[inbox.Notification], int]:
    return inbox.list_notifications(ctx.repo, principal, unread_only=unread_only, size=size, page=page)


def unread_count(ctx: AppContext, principal: Principal) -> int:
    return inbox.unread_count(ctx.repo, principal)


def mark_read(
    ctx: AppContext, principal: Principal, notification_ids: Iterable[str] | None = None, *, read: bool = True
) -> int:
    return inbox.mark_read(ctx.repo, ctx.store, principal, notification_ids, read=read)


# ------------------------------------------------------------------------------------------------ workers


def deliver(
    ctx: AppContext, now: dt.datetime | None = None, *, smtp: SmtpConfig | None = None
) -> delivery.DeliveryReport:
    """Send due notification e-mails (the deliverer of `cockpit serve` and `cockpit deliver`)."""
    return delivery.deliver_pending(ctx.repo, ctx.store, ctx.directory, now, smtp=smtp)


def case_rounds(ctx: AppContext, now: dt.datetime | None = None) -> tuple[Any, Any]:
    """The deliverer's round before sending: due resubmissions released into the inbox as reminders
    (app.resubmissions.release_due), then cases' overdue states and holders (app.case_sync.sweep) — so the
    e-mails of this round already carry them."""
    from app.case_sync import sweep
    from app.resubmissions import release_due

    released = release_due(ctx, now)  # first: a reminder must not wait for the sweep
    swept = sweep(ctx, now)
    if released.released:
        ctx.store.refresh("notifications")
    return swept, released


def after_ingest(
    ctx: AppContext, new_doc_ids: Iterable[str], now: dt.datetime | None = None, *,
    smtp: SmtpConfig | None = None, send: bool = True,
) -> matching.MatchReport:  # fmt: skip
    """Match an indexing run's new documents against every subscription, then send what is due."""
    ctx.invalidate()
    return matching.after_ingest(
        ctx.search, ctx.store, new_doc_ids, ctx.directory, now,
        deliver=(lambda at: deliver(ctx, at, smtp=smtp)) if send else None,
    )  # fmt: skip
