"""Bodies of resubmissions (Wiedervorlagen, pure): a principal's own, one by id, and those due for release.

A resubmission belongs to the person it is for (`owner`) in its tenant; reading one's own starts from the tenant
filter and the owner, and `app.resubmissions` shows its document only as far as the owner may still read it.
"""

from __future__ import annotations

from typing import Any

from domain.principal import Principal
from search.permissions import tenant_filter

RESUBMISSION_KIND = "resubmission"
PENDING, RELEASED, DONE, WITHDRAWN = "pending", "released", "done", "withdrawn"
MAX_ITEMS = 500


def mine_body(
    principal: Principal, *, statuses: tuple[str, ...] = (PENDING, RELEASED), size: int = MAX_ITEMS
) -> dict[str, Any]:
    """The principal's resubmissions in these states, soonest due first."""
    return {
        "size": max(0, min(size, MAX_ITEMS)),
        "query": {
            "bool": {
                "filter": [
                    tenant_filter(principal),
                    {"term": {"kind": RESUBMISSION_KIND}},
                    {"term": {"owner": principal.login}},
                    {"terms": {"status": list(statuses)}},
                ]
            }
        },  # fmt: skip
        "sort": [{"due_at": {"order": "asc"}}],
    }


def one_body(principal: Principal, resubmission_id: str) -> dict[str, Any]:
    """One resubmission of the principal's tenants (its owner or creator may change it: app.resubmissions)."""
    return {
        "size": 1,
        "query": {
            "bool": {
                "filter": [
                    tenant_filter(principal),
                    {"term": {"kind": RESUBMISSION_KIND}},
                    {"ids": {"values": [resubmission_id]}},
                ]
            }
        },  # fmt: skip
        "seq_no_primary_term": True,
    }


def of_target_body(principal: Principal, *, doc_id: str | None = None, case_id: str | None = None) -> dict[str, Any]:
    """The principal's open resubmissions of one document or case."""
    target = {"term": {"case_id": case_id}} if case_id else {"term": {"doc_id": doc_id}}
    return {
        "size": MAX_ITEMS,
        "query": {
            "bool": {
                "filter": [
                    tenant_filter(principal),
                    {"term": {"kind": RESUBMISSION_KIND}},
                    {"term": {"owner": principal.login}},
                    target,
                    {"terms": {"status": [PENDING, RELEASED]}},
                ]
            }
        },  # fmt: skip
        "sort": [{"due_at": {"order": "asc"}}],
    }


def due_body(principal: Principal, now_iso: str, size: int = MAX_ITEMS) -> dict[str, Any]:
    """Pending resubmissions due at `now_iso` or before (the deliverer releases them into the inbox)."""
    return {
        "size": size,
        "query": {
            "bool": {
                "filter": [
                    tenant_filter(principal),
                    {"term": {"kind": RESUBMISSION_KIND}},
                    {"term": {"status": PENDING}},
                    {"range": {"due_at": {"lte": now_iso}}},
                ]
            }
        },  # fmt: skip
        "sort": [{"due_at": {"order": "asc"}}],
        "seq_no_primary_term": True,
    }
