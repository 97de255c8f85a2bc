"""The permission filter every read starts from (pure).

Documents (`permission_filter`), inside the principal's tenants, any of:

1. not confidential, and the register's read groups (``acl_groups``, written from the permission table
   `domain.access`) meet the principal's groups — admins skip this group check;
2. confidential, and the principal is named on it (``confidential_users`` ∋ login, or
   ``confidential_groups`` ∩ groups) — being admin does not name anyone;
3. an active temporary grant of the principal: a dossier's non-confidential documents (``customer_ids``) of
   the registers its giver could read, or one document in all its versions (``family_id``), only in the
   grant's tenant.

With ``action="export"`` the register's export groups (``export_groups``) count instead and grants open
nothing (a grant is read access). Customers (`customer_filter`): tenant + groups, or a granted dossier.
Records without ACL (views, notifications, audit …) use `tenant_filter`. A principal who sees nothing gets a
filter that matches nothing, never an absent filter. The system principal (workers reading for every tenant
before they check each recipient) is the one explicit exception.
"""

from __future__ import annotations

from typing import Any, Literal

from domain.principal import Principal

MATCH_NOTHING: dict[str, Any] = {"bool": {"must_not": [{"match_all": {}}]}}
IS_CONFIDENTIAL: dict[str, Any] = {"term": {"confidential": True}}

Action = Literal["read", "export"]
_GROUP_FIELD = {"read": "acl_groups", "export": "export_groups"}


def require_principal(principal: Principal) -> None:
    if not isinstance(principal, Principal):
        raise TypeError("a Principal is required for every search body")


def _any(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if not clauses:
        return MATCH_NOTHING
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def permission_filter(principal: Principal, action: Action = "read") -> dict[str, Any]:
    """Documents (anything with `tenant` + `acl_groups` + the confidential fields) the principal may read
    (or, `action="export"`, export). Built once per principal object — a request builds several bodies and a
    principal with many grants makes a large clause; bodies embed it and never modify it (the permission test
    checks that)."""
    require_principal(principal)
    key = f"permission_filter:{action}"
    found = principal.derived.get(key)
    if found is None:
        found = principal.derived[key] = _permission_filter(principal, action)
    return found  # type: ignore[no-any-return]


def _permission_filter(principal: Principal, action: Action) -> dict[str, Any]:
    if principal.is_system:
        return {"match_all": {}}
    if principal.sees_nothing:
        return MATCH_NOTHING
    tenants = {"terms": {"tenant": sorted(principal.tenants)}}
    groups = sorted(principal.groups)
    by_register: list[dict[str, Any]] = [] if principal.is_admin else [{"terms": {_GROUP_FIELD[action]: groups}}]
    clauses: list[dict[str, Any]] = []
    if principal.is_admin or groups:
        clauses.append({"bool": {"filter": [tenants, *by_register], "must_not": [IS_CONFIDENTIAL]}})
    named: list[dict[str, Any]] = [{"term": {"confidential_users": principal.login}}]
    if groups:
        named.append({"terms": {"confidential_groups": groups}})
    confidential = [tenants, IS_CONFIDENTIAL, _any(named)]
    if action == "export" and not principal.is_admin:
        confidential.append({"terms": {"export_groups": groups}} if groups else MATCH_NOTHING)
    clauses.append({"bool": {"filter": confidential}})
    if action == "read":
        clauses.extend(grant_clauses(principal))
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def grant_clauses(principal: Principal) -> list[dict[str, Any]]:
    """What the principal's active grants open: per tenant, the granted document families; per tenant and
    giver's reach, the granted dossiers' non-confidential documents of the registers the giver could read."""
    families: dict[str, list[str]] = {}
    dossiers: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for g in principal.granted():
        if g.target == "dossier":
            dossiers.setdefault((g.tenant, g.via), []).append(g.key)
        else:
            families.setdefault(g.tenant, []).append(g.key)
    out: list[dict[str, Any]] = []
    for (tenant, via), values in sorted(dossiers.items()):
        flt: list[dict[str, Any]] = [{"term": {"tenant": tenant}}, {"terms": {"customer_ids": sorted(set(values))}}]
        if "*" not in via:
            flt.append({"terms": {"acl_groups": sorted(via)}} if via else MATCH_NOTHING)
        out.append({"bool": {"filter": flt, "must_not": [IS_CONFIDENTIAL]}})
    for tenant, values in sorted(families.items()):
        out.append({"bool": {"filter": [{"term": {"tenant": tenant}}, {"terms": {"family_id": sorted(set(values))}}]}})
    return out


def customer_filter(principal: Principal) -> dict[str, Any]:
    """Customer master data the principal may see: their tenants' customers by group (admins: all of their
    tenants'), and the customers of dossiers granted to them. Built once per principal object, like
    `permission_filter`."""
    require_principal(principal)
    found = principal.derived.get("customer_filter")
    if found is None:
        found = principal.derived["customer_filter"] = _customer_filter(principal)
    return found  # type: ignore[no-any-return]


def _customer_filter(principal: Principal) -> dict[str, Any]:
    if principal.is_system:
        return {"match_all": {}}
    if principal.sees_nothing:
        return MATCH_NOTHING
    clauses: list[dict[str, Any]] = []
    tenants = {"terms": {"tenant": sorted(principal.tenants)}}
    if principal.is_admin:
        clauses.append(tenants)
    elif principal.groups:
        clauses.append({"bool": {"filter": [tenants, {"terms": {"acl_groups": sorted(principal.groups)}}]}})
    per_tenant: dict[str, list[str]] = {}
    for g in principal.granted():
        if g.target == "dossier":
            per_tenant.setdefault(g.tenant, []).append(g.key)
    for tenant, ids in sorted(per_tenant.items()):
        clauses.append({"bool": {"filter": [{"term": {"tenant": tenant}}, {"terms": {"customer_id": sorted(ids)}}]}})
    return _any(clauses)


def tenant_filter(principal: Principal) -> dict[str, Any]:
    """Records that belong to a tenant but carry no ACL groups (views, subscriptions, notifications, audit)."""
    require_principal(principal)
    if principal.is_system:
        return {"match_all": {}}
    if not principal.active or not principal.tenants:
        return MATCH_NOTHING
    return {"terms": {"tenant": sorted(principal.tenants)}}
