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
