"""Subscriptions (``<prefix>-subscriptions``, id = hash(login, view, customer)): a user subscribes to a view they
can see, ``immediate`` or ``daily`` (digest); a dossier-scoped view is subscribed inside one dossier."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from domain.principal import Principal
from indexing.records import RecordStore
from notifications.common import iso, subscription_id
from search import saved
from search.parse import hits_of
from search.repository import Repository
from views import store as vstore
from views.access import ViewError

KIND = "subscriptions"
Frequency = Literal["immediate", "daily"]
FREQUENCIES = ("immediate", "daily")


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
    repo: Repository,
    store: RecordStore,
    principal: Principal,
    view_id: str,
    frequency: str = "immediate",
    *,
    customer_id: str | None = None,
    now: dt.datetime | None = None,
) -> Subscription:
    """Subscribe the principal to a view they can see (again = change the frequency). Dossier-scoped views need
    the dossier's `customer_id`; for portfolio views it is ignored."""
    if frequency not in FREQUENCIES:
        raise ViewError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    view = vstore.get_view(repo, view_id, principal)  # raises ViewNotFound when not visible
    if view.scope == "dossier":
        if not customer_id:
            raise ViewError(f"the view {view.name!r} is dossier-scoped: subscribe to it from a customer dossier")
    else:
        customer_id = None
    now = now or dt.datetime.now(dt.UTC)
    sid = subscription_id(principal.login, view_id, customer_id)
    existing = subscription_for(repo, principal, view_id, customer_id)
    doc: dict[str, Any] = {
        "kind": "subscription",
        "tenant": view.tenant,
        "owner": principal.login,
        "view_id": view_id,
        "customer_id": customer_id,
        "frequency": frequency,
        "active": True,
        "created_at": (existing.created_at if existing else None) or iso(now),
        "updated_at": iso(now),
    }
    store.put(KIND, sid, doc)
    return Subscription(sid, principal.login, view_id, view.tenant, frequency, customer_id, str(doc["created_at"]))


def unsubscribe(store: RecordStore, principal: Principal, view_id: str, *, customer_id: str | None = None) -> bool:
    return store.delete(KIND, subscription_id(principal.login, view_id, customer_id))


def list_subscriptions(repo: Repository, principal: Principal) -> list[Subscription]:
    return [Subscription.from_hit(h) for h in hits_of(repo.search_or_empty(KIND, saved.subscriptions_body(principal)))]


def subscription_for(
    repo: Repository, principal: Principal, view_id: str, customer_id: str | None = None
) -> Subscription | None:
    sid = subscription_id(principal.login, view_id, customer_id)
    hits = hits_of(repo.search_or_empty(KIND, saved.subscriptions_body(principal, sub_ids=[sid])))
    return Subscription.from_hit(hits[0]) if hits else None


def delete_subscriptions_of_view(repo: Repository, store: RecordStore, view_id: str) -> int:
    """Every subscription of a deleted view (whoever's): a system cleanup after the owner's delete."""
    ids = [h["_id"] for h in repo.scan(KIND, saved.subscriptions_body(Principal.system(), view_id=view_id))]
    if ids:
        list(store.bulk(KIND, ({"_op_type": "delete", "_id": i} for i in ids)))
    return len(ids)


def all_subscriptions(repo: Repository) -> list[Subscription]:
    return [Subscription.from_hit(h) for h in repo.scan(KIND, saved.subscriptions_body(Principal.system()))]
