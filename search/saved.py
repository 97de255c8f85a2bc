"""Bodies for the records around the documents (pure): saved views, subscriptions, notifications, master data
lookups for viewer-relative filters, and the system reads of workers.

Views, subscriptions and notifications belong to a tenant and carry no ACL groups: they start from
`tenant_filter` (plus the visibility rules of views and the owner of subscriptions/notifications); customers
and documents start from `permission_filter`. Bodies for the system principal serve the workers that match
new documents for every subscriber (each match then runs with the subscriber's own permissions).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.principal import Principal
from search.permissions import customer_filter, permission_filter, require_principal, tenant_filter

MAX_VIEWS = 2000
MAX_WINDOW = 10_000  # index.max_result_window  # per listing; a tenant with more views needs paging in the UI
DIGEST_KIND = "dashboard_digest"  # weekly dashboard digests: subscriptions and outbox records of this kind
NOTIFICATION_FIELDS = ["tenant", "title", "customer_ids", "customer_names", "register", "doc_date", "is_latest"]

# ------------------------------------------------------------------------------------------------- views


def view_visibility(principal: Principal, *, include_admin: bool = True) -> dict[str, Any]:
    """The Elasticsearch form of `views.access.can_see`."""
    require_principal(principal)
    flt: list[dict[str, Any]] = [{"term": {"kind": "view"}}, tenant_filter(principal)]
    if principal.is_system or (principal.is_admin and include_admin):
        return {"bool": {"filter": flt}}
    should: list[dict[str, Any]] = [{"term": {"owner": principal.login}}, {"term": {"sharing": "tenant"}}]
    if principal.memberships:
        should.append({"terms": {"share_group": sorted(principal.memberships)}})
    return {"bool": {"filter": flt, "should": should, "minimum_should_match": 1}}


def views_body(principal: Principal, *, scope: str | None = None, include_admin: bool = True) -> dict[str, Any]:
    """Views the principal can see (`scope`: portfolio | dossier), by name."""
    query = view_visibility(principal, include_admin=include_admin)
    if scope is not None:
        query = {"bool": {"filter": [query, {"term": {"scope": scope}}]}}
    return {
        "query": query,
        "size": MAX_VIEWS,
        "sort": [{"name_sort": {"order": "asc", "unmapped_type": "keyword"}}],
    }


def views_by_id_body(principal: Principal, view_ids: Iterable[str]) -> dict[str, Any]:
    """These views, if the principal can see them (with the concurrency token for updates)."""
    ids = sorted(set(view_ids))
    return {
        "query": {"bool": {"filter": [view_visibility(principal), {"ids": {"values": ids}}]}},
        "size": max(1, len(ids)),
        "seq_no_primary_term": True,
    }


def tenants_body(principal: Principal) -> dict[str, Any]:
    """The tenants that hold documents (seeding example views)."""
    return {
        "size": 0,
        "query": {"bool": {"filter": [permission_filter(principal)]}},
        "aggs": {"t": {"terms": {"field": "tenant", "size": 100}}},
    }


# ------------------------------------------------------------------------------------------------- customers


def managed_customers_body(
    principal: Principal, logins: Iterable[str], departments: Iterable[str], tenants: Iterable[str] | None = None
) -> dict[str, Any]:
    """Customers looked after by these account managers or departments ("my customers", "my department"),
    within the principal's permissions (and `tenants`, when given)."""
    should: list[dict[str, Any]] = [{"terms": {"account_manager": sorted(set(logins))}}]
    if depts := sorted(set(departments)):
        should.append({"terms": {"department": depts}})
    flt: list[dict[str, Any]] = [customer_filter(principal)]
    if tenants is not None:
        flt.append({"terms": {"tenant": sorted(set(tenants))}})
    return {
        "query": {"bool": {"filter": flt, "should": should, "minimum_should_match": 1}},
        "_source": {"includes": ["customer_id", "tenant", "account_manager", "department"]},
    }


# ------------------------------------------------------------------------------------------------- subscriptions


def subscriptions_body(
    principal: Principal, *, view_id: str | None = None, sub_ids: Iterable[str] = ()
) -> dict[str, Any]:
    """The principal's own subscriptions (optionally of one view / with these ids); the system's: all active."""
    flt: list[dict[str, Any]] = [tenant_filter(principal)]
    if principal.is_system:
        flt.append({"term": {"active": True}})
    else:
        flt.append({"term": {"owner": principal.login}})
    if view_id is not None:
        flt.append({"term": {"view_id": view_id}})
    if ids := sorted(set(sub_ids)):
        flt.append({"ids": {"values": ids}})
    return {"query": {"bool": {"filter": flt, "must_not": [{"term": {"kind": DIGEST_KIND}}]}}, "size": 1000}


def digest_subscriptions_body(principal: Principal, *, sub_ids: Iterable[str] = ()) -> dict[str, Any]:
    """Weekly dashboard digest subscriptions: the principal's own; the system's: all active (for delivery)."""
    flt: list[dict[str, Any]] = [tenant_filter(principal), {"term": {"kind": DIGEST_KIND}}]
    if principal.is_system:
        flt.append({"term": {"active": True}})
    else:
        flt.append({"term": {"owner": principal.login}})
    if ids := sorted(set(sub_ids)):
        flt.append({"ids": {"values": ids}})
    return {"query": {"bool": {"filter": flt}}, "size": 1000}


# ------------------------------------------------------------------------------------------------- notifications


def inbox_query(principal: Principal, *, unread_only: bool = False, ids: Iterable[str] | None = None) -> dict[str, Any]:
    flt: list[dict[str, Any]] = [tenant_filter(principal), {"term": {"owner": principal.login}}]
    if unread_only:
        flt.append({"term": {"read": False}})
    if ids is not None:
        flt.append({"ids": {"values": sorted(set(ids))}})
    # weekly dashboard digests share the outbox (the notifications index) but are no inbox entries
    not_listed = [{"term": {"email_status": "withdrawn"}}, {"term": {"kind": DIGEST_KIND}}]
    return {"bool": {"filter": flt, "must_not": not_listed}}


def inbox_body(principal: Principal, *, unread_only: bool = False, size: int = 50, page: int = 1) -> dict[str, Any]:
    """One page of the inbox; pages beyond the 10,000th notification are empty (the index's result window)."""
    size = max(1, min(int(size), 200))
    start = min(max(0, (max(1, int(page)) - 1) * size), MAX_WINDOW)
    return {
        "query": inbox_query(principal, unread_only=unread_only),
        "size": max(0, min(size, MAX_WINDOW - start)),
        "from": start,
        "sort": [{"created_at": {"order": "desc", "unmapped_type": "date"}}],
        "track_total_hits": True,
    }


def unread_count_body(principal: Principal) -> dict[str, Any]:
    return {"query": inbox_query(principal, unread_only=True)}


def inbox_targets_body(principal: Principal, *, unread_only: bool, ids: Iterable[str] | None) -> dict[str, Any]:
    """The principal's notifications to mark (read/unread): only their own."""
    return {"query": inbox_query(principal, unread_only=unread_only, ids=ids), "_source": False}


def due_notifications_body(principal: Principal, now_iso: str, stale_iso: str, size: int) -> dict[str, Any]:
    """Notifications whose e-mail is due (queued and due, or stuck in `sending` since before `stale_iso`)."""
    queued = {"bool": {"filter": [{"term": {"email_status": "queued"}}, {"range": {"email_due_at": {"lte": now_iso}}}]}}
    stale = {
        "bool": {"filter": [{"term": {"email_status": "sending"}}, {"range": {"email_claimed_at": {"lte": stale_iso}}}]}
    }
    return {
        "query": {"bool": {"filter": [tenant_filter(principal)], "should": [queued, stale], "minimum_should_match": 1}},
        "size": size,
        "seq_no_primary_term": True,
        "sort": [{"created_at": {"order": "asc", "unmapped_type": "date"}}],
    }


# ------------------------------------------------------------------------------------------------- documents


def documents_by_id_body(
    principal: Principal, doc_ids: Iterable[str], fields: list[str] | None = None
) -> dict[str, Any]:
    """These documents, if the principal may see them (`fields`: the sources wanted; none = ids only)."""
    ids = sorted(set(doc_ids))
    return {
        "query": {"bool": {"filter": [permission_filter(principal), {"ids": {"values": ids}}]}},
        "size": len(ids),
        "_source": {"includes": fields} if fields else False,
    }


# ------------------------------------------------------------------------------------------------- API keys


def api_key_body(principal: Principal, key_id: str) -> dict[str, Any]:
    """One API key record by its id (the key authenticates itself: read by the system, then its hash checked)."""
    return {"query": {"bool": {"filter": [tenant_filter(principal), {"ids": {"values": [key_id]}}]}}, "size": 1}


def api_keys_body(principal: Principal) -> dict[str, Any]:
    """The API keys of the principal's tenants (administrators list and revoke them)."""
    return {
        "query": {"bool": {"filter": [tenant_filter(principal), {"term": {"kind": "api_key"}}]}},
        "size": 1000,
        "sort": [{"created_at": {"order": "desc", "unmapped_type": "date"}}],
    }
