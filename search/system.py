"""Reads that describe the data as a whole (pure): the data version that keys every cache.

The data version changes after every ingest, manual filing or other write: the documents count, the newest
`indexed_at`, and the newest data-changing audit entry. It is the same for everyone (it reveals nothing but
that something changed), so it is built for the system principal.
"""

from __future__ import annotations

from typing import Any

from domain.principal import Principal
from search.permissions import permission_filter, tenant_filter

READ_ONLY_AUDIT_ACTIONS = ["login", "logout", "login_failed", "view_document", "download_original", "export", "search",
                           "api_call", "audit_verify", "archive_verify", "view_dossier", "access_refused"]  # fmt: skip


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


def audit_chains_body(principal: Principal) -> dict[str, Any]:
    """The audit chains present among the entries (a chain per tenant; `-` for entries without one), and how
    many entries carry no chain at all (written around the chain)."""
    return {
        "size": 0,
        "query": {"bool": {"filter": [tenant_filter(principal)]}},
        "aggs": {
            "chains": {"terms": {"field": "chain", "size": 10_000}, "aggs": {"last": {"max": {"field": "seq"}}}},
            "unchained": {"missing": {"field": "chain"}},
        },
    }


def audit_chain_entries_body(
    principal: Principal,
    chain: str,
    *,
    unchained: bool = False,
    seq_from: int | None = None,
    seq_to: int | None = None,
    seq_missing: bool = False,
) -> dict[str, Any]:
    """One chain's entries in sequence order, for verification: all, those with ``seq_from <= seq < seq_to``
    (either end open), or those without a sequence number (`seq_missing`); `unchained`: entries without a
    chain."""
    flt: list[dict[str, Any]] = [tenant_filter(principal)]
    if unchained:
        return {"query": {"bool": {"filter": flt, "must_not": [{"exists": {"field": "chain"}}]}}}
    flt.append({"term": {"chain": chain}})
    if seq_missing:
        return {"query": {"bool": {"filter": flt, "must_not": [{"exists": {"field": "seq"}}]}}}
    rng = {k: v for k, v in (("gte", seq_from), ("lt", seq_to)) if v is not None}
    if rng:
        flt.append({"range": {"seq": rng}})
    return {"query": {"bool": {"filter": flt}}, "sort": [{"seq": {"order": "asc", "unmapped_type": "long"}}]}


def audit_heads_body(principal: Principal) -> dict[str, Any]:
    """The writers' claimed heads of the audit chains (one record per chain, id = chain, tenant = chain)."""
    return {"query": {"bool": {"filter": [tenant_filter(principal)]}}}
