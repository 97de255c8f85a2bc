"""Bodies of temporary grants (pure): the active grants of a holder, the grants on a dossier or document.

Grants are records of the tenant (no ACL groups), so every body starts from `tenant_filter`: a principal
never reads another tenant's grants. A grant is *active* while it is not revoked and ``valid_from ≤ now <
until``; the holder's lookup asks for every unrevoked grant that has not ended yet (also those starting
later), and `app.grants` keeps those in force at each request's time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.principal import Principal
from search.permissions import MATCH_NOTHING, require_principal, tenant_filter

GRANT_KIND = "grant"
MAX_GRANTS = 10_000


def holder_grants_body(principal: Principal, login: str, groups: Iterable[str], now_iso: str) -> dict[str, Any]:
    """Unrevoked grants of `login` or of one of `groups` in the principal's tenants that end after `now`."""
    require_principal(principal)
    holders: list[dict[str, Any]] = [
        {"bool": {"filter": [{"term": {"grantee_kind": "user"}}, {"term": {"grantee": login}}]}}
    ]
    if gs := sorted(set(groups)):
        holders.append({"bool": {"filter": [{"term": {"grantee_kind": "group"}}, {"terms": {"grantee": gs}}]}})
    return {
        "size": MAX_GRANTS,
        "_source": ["tenant", "target", "customer_id", "family_id", "valid_from", "until", "via"],
        "query": {
            "bool": {
                "filter": [
                    tenant_filter(principal),
                    {"term": {"kind": GRANT_KIND}},
                    {"term": {"active": True}},
                    {"range": {"until": {"gt": now_iso}}},
                    {"bool": {"should": holders, "minimum_should_match": 1}},
                ]
            }
        },
    }


def grants_body(
    principal: Principal,
    *,
    customer_id: str | None = None,
    family_ids: Iterable[str] = (),
    grant_ids: Iterable[str] = (),
    tenant: str | None = None,
    size: int = 500,
) -> dict[str, Any]:
    """Grants (also ended and revoked ones) on a dossier, on documents (by family) or by id, newest first."""
    require_principal(principal)
    flt: list[dict[str, Any]] = [tenant_filter(principal), {"term": {"kind": GRANT_KIND}}]
    if tenant is not None:
        flt.append({"term": {"tenant": tenant}})
    targets: list[dict[str, Any]] = []
    if customer_id:
        targets.append({"term": {"customer_id": customer_id}})
    if fams := sorted(set(family_ids)):
        targets.append({"terms": {"family_id": fams}})
    if ids := sorted(set(grant_ids)):
        targets.append({"ids": {"values": ids}})
    flt.append({"bool": {"should": targets, "minimum_should_match": 1}} if targets else MATCH_NOTHING)
    return {
        "query": {"bool": {"filter": flt}},
        "size": max(1, min(int(size), MAX_GRANTS)),
        "sort": [{"created_at": {"order": "desc", "unmapped_type": "date"}}],
        "seq_no_primary_term": True,
    }


ACCESS_FIELDS = ["tenant", "family_id", "title", "file_name", "register", "customer_ids", "confidential",
                 "confidential_users", "confidential_groups", "confidential_by", "confidential_at"]  # fmt: skip


def document_access_body(principal: Principal, doc_id: str) -> dict[str, Any]:
    """One document (by id) with its access fields, if the principal may read it."""
    from search.documents import id_clause
    from search.permissions import permission_filter

    return {
        "size": 1,
        "query": {"bool": {"filter": [permission_filter(principal), id_clause(doc_id)]}},
        "_source": {"includes": ACCESS_FIELDS},
    }


def family_versions_body(principal: Principal, tenant: str | None, family_id: str) -> dict[str, Any]:
    """Every version of a document family (ids and concurrency tokens) the principal may read (in `tenant`)."""
    from search.permissions import permission_filter

    flt: list[dict[str, Any]] = [permission_filter(principal), {"term": {"family_id": family_id}}]
    if tenant is not None:
        flt.append({"term": {"tenant": tenant}})
    return {"size": 1000, "query": {"bool": {"filter": flt}}, "_source": False, "seq_no_primary_term": True}
