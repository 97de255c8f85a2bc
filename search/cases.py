"""Bodies of cases (pure): case records by id, task lists and queues, and the documents a case rests on.

Case records carry a tenant but no ACL of their own: they start from the tenant filter, and the use cases
(`app.cases`) show a case only to a principal who may read at least one of its documents (the permission
filter, `readable_documents_body`). The document bodies start from the permission filter like every read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.principal import Principal
from search.documents import id_clause
from search.permissions import permission_filter, tenant_filter

CASE_KIND = "case"
OPEN, CLOSED = "open", "closed"
MAX_CASES = 1000
DOCUMENT_FIELDS = ["doc_id", "tenant", "register", "title", "file_name", "customer_ids", "primary_customer_id",
                   "family_id", "status", "is_latest"]  # fmt: skip


def case_body(principal: Principal, case_id: str) -> dict[str, Any]:
    """One case record of the principal's tenants, with its concurrency tokens."""
    return {
        "size": 1,
        "query": {
            "bool": {
                "filter": [tenant_filter(principal), {"term": {"kind": CASE_KIND}}, {"ids": {"values": [case_id]}}]
            }
        },  # fmt: skip
        "seq_no_primary_term": True,
    }


def cases_body(
    principal: Principal,
    *,
    assignee: str | None = None,
    departments: Iterable[str] = (),
    doc_ids: Iterable[str] = (),
    status: str | None = OPEN,
    tenant: str | None = None,
    size: int = MAX_CASES,
) -> dict[str, Any]:
    """Cases of the principal's tenants: assigned to `assignee`, in one of `departments`' queues, on one of
    `doc_ids`; open ones unless `status` says otherwise (None: any). Soonest due first."""
    flt: list[dict[str, Any]] = [tenant_filter(principal), {"term": {"kind": CASE_KIND}}]
    if status is not None:
        flt.append({"term": {"status": status}})
    if assignee is not None:
        flt.append({"term": {"assignee": assignee}})
    if deps := sorted(set(departments)):
        flt.append({"terms": {"department": deps}})
    if ids := sorted(set(doc_ids)):
        flt.append({"terms": {"doc_ids": ids}})
    if tenant is not None:
        flt.append({"term": {"tenant": tenant}})
    return {
        "size": max(0, min(size, MAX_CASES)),
        "query": {"bool": {"filter": flt}},
        "sort": [{"due_at": {"order": "asc", "missing": "_last"}}, {"opened_at": {"order": "asc"}}],
        "_source": {"excludes": ["definition"]},
    }


def case_document_body(principal: Principal, doc_id: str) -> dict[str, Any]:
    """The document a case is opened from, if the principal may read it."""
    return {
        "size": 1,
        "query": {"bool": {"filter": [permission_filter(principal), id_clause(doc_id)]}},
        "_source": {"includes": DOCUMENT_FIELDS},
    }


def readable_documents_body(principal: Principal, doc_ids: Iterable[str]) -> dict[str, Any]:
    """Which of these documents the principal may read (ids only)."""
    ids = sorted(set(doc_ids))
    return {
        "size": len(ids),
        "query": {"bool": {"filter": [permission_filter(principal), {"ids": {"values": ids}}]}},
        "_source": False,
    }


def closing_documents_body(principal: Principal, tenant: str, doc_ids: Iterable[str]) -> dict[str, Any]:
    """The complaint documents of a case (in its tenant) whose status closing the case sets."""
    ids = sorted(set(doc_ids))
    return {
        "size": len(ids),
        "query": {
            "bool": {
                "filter": [
                    permission_filter(principal),
                    {"term": {"tenant": tenant}},
                    {"ids": {"values": ids}},
                    {"term": {"register": "complaint"}},
                ]
            }
        },  # fmt: skip
        "_source": ["status"],
    }
