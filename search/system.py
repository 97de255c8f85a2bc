"""Reads that describe the data as a whole (pure): the data version that keys every cache.

The data version changes after every ingest, manual filing or other write: the documents count, the newest
`indexed_at`, and the newest data-changing audit entry. It is the same for everyone (it reveals nothing but
that something changed), so it is built for the system principal.
"""

from __future__ import annotations

from typing import Any

from domain.principal import Principal
from search.permissions import permission_filter, tenant_filter

READ_ONLY_AUDIT_ACTIONS = ["login", "logout", "view_document", "download_original", "export", "search", "api_call"]


def data_version_bodies(principal: Principal) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            "documents",
            {
                "size": 0,
                "track_total_hits": True,
                "query": {"bool": {"filter": [permission_filter(principal)]}},
                "aggs": {"m": {"max": {"field": "indexed_at"}}},
            },
        ),
        (
            "audit",
            {
                "size": 0,
                "query": {
                    "bool": {
                        "filter": [tenant_filter(principal)],
                        "must_not": [{"terms": {"action": READ_ONLY_AUDIT_ACTIONS}}],
                    }
                },
                "aggs": {"m": {"max": {"field": "created_at"}}},
            },
        ),
    ]


def audit_body(
    principal: Principal,
    *,
    actions: list[str] | None = None,
    owner: str | None = None,
    size: int = 100,
) -> dict[str, Any]:
    """The audit trail of the principal's tenants, newest first (optionally some action kinds, one person)."""
    flt: list[dict[str, Any]] = [tenant_filter(principal)]
    if actions:
        flt.append({"terms": {"action": sorted(set(actions))}})
    if owner:
        flt.append({"term": {"owner": owner}})
    return {
        "query": {"bool": {"filter": flt}},
        "size": max(1, min(int(size), 1000)),
        "sort": [{"created_at": {"order": "desc", "unmapped_type": "date"}}],
    }
