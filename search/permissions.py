"""The permission filter every read starts from (pure).

``tenant ∈ tenants AND acl_groups ∩ groups ≠ ∅`` for documents (admins: tenant only), the tenant alone for
records without ACL groups (customers, views, notifications …). A principal who sees nothing gets a filter
that matches nothing, never an absent filter. The system principal (workers reading for every tenant before
they check each recipient) is the one explicit exception.
"""

from __future__ import annotations

from typing import Any

from domain.principal import Principal

MATCH_NOTHING: dict[str, Any] = {"bool": {"must_not": [{"match_all": {}}]}}


def require_principal(principal: Principal) -> None:
    if not isinstance(principal, Principal):
        raise TypeError("a Principal is required for every search body")


def permission_filter(principal: Principal) -> dict[str, Any]:
    """Documents (and anything else with `tenant` + `acl_groups`) the principal may read."""
    require_principal(principal)
    if principal.is_system:
        return {"match_all": {}}
    if principal.sees_nothing:
        return MATCH_NOTHING
    clauses: list[dict[str, Any]] = [{"terms": {"tenant": sorted(principal.tenants)}}]
    if not principal.is_admin:
        clauses.append({"terms": {"acl_groups": sorted(principal.groups)}})
    return {"bool": {"filter": clauses}}


def tenant_filter(principal: Principal) -> dict[str, Any]:
    """Records that belong to a tenant but carry no ACL groups (views, subscriptions, notifications, audit)."""
    require_principal(principal)
    if principal.is_system:
        return {"match_all": {}}
    if not principal.active or not principal.tenants:
        return MATCH_NOTHING
    return {"terms": {"tenant": sorted(principal.tenants)}}
