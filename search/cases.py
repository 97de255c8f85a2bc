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
OVERDUE = "overdue"  # a state of an open case (record field `state`, document field `case_state`)
CASE_STATES = (OPEN, OVERDUE, CLOSED)
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
    roles: Iterable[str] = (),
    doc_ids: Iterable[str] = (),
    status: str | None = OPEN,
    state: str | None = None,
    customer_id: str | None = None,
    tenant: str | None = None,
    size: int = MAX_CASES,
    with_protocol: bool = False,
) -> dict[str, Any]:
    """Cases of the principal's tenants: assigned to `assignee`, in one of `departments`' queues, on one of
    `doc_ids`; open ones unless `status` says otherwise (None: any). `departments` and `roles` widen each other
    (a case in one of the queues or standing in a step of one of the roles). Soonest due first; without the
    definition snapshot, and without the protocol unless `with_protocol` (lists do not show it)."""
    flt: list[dict[str, Any]] = [tenant_filter(principal), {"term": {"kind": CASE_KIND}}]
    if status is not None:
        flt.append({"term": {"status": status}})
    if state is not None:
        flt.append({"term": {"state": state}})
    if customer_id is not None:
        flt.append({"term": {"customer_id": customer_id}})
    if assignee is not None:
        flt.append({"term": {"assignee": assignee}})
    deps, role_list = sorted(set(departments)), sorted(set(roles))
    if deps or role_list:  # in one of these queues, or standing in a step of one of these roles
        either = [{"terms": {"department": deps}}] if deps else []
        either += [{"terms": {"role": role_list}}] if role_list else []
        flt.append({"bool": {"should": either, "minimum_should_match": 1}})
    if ids := sorted(set(doc_ids)):
        flt.append({"terms": {"doc_ids": ids}})
    if tenant is not None:
        flt.append({"term": {"tenant": tenant}})
    return {
        "size": max(0, min(size, MAX_CASES)),
        "query": {"bool": {"filter": flt}},
        "sort": [{"due_at": {"order": "asc", "missing": "_last"}}, {"opened_at": {"order": "asc"}}],
        "_source": {"excludes": ["definition"] if with_protocol else ["definition", "protocol"]},
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


def new_complaints_body(principal: Principal, doc_ids: Iterable[str]) -> dict[str, Any]:
    """Of these new documents, the incoming complaints not yet in a case (a case opens itself for each)."""
    ids = sorted(set(doc_ids))
    return {
        "size": len(ids),
        "query": {
            "bool": {
                "filter": [
                    permission_filter(principal),
                    {"ids": {"values": ids}},
                    {"term": {"register": "complaint"}},
                    {"term": {"is_latest": True}},
                ],
                "must_not": [{"term": {"direction": "out"}}, {"exists": {"field": "case_id"}}],
            }
        },  # fmt: skip
        "_source": {"includes": [*DOCUMENT_FIELDS, "thread_id", "received_at"]},
    }


def thread_case_body(principal: Principal, tenant: str, thread_id: str) -> dict[str, Any]:
    """The open case a mail thread is worked in (a follow-up joins it)."""
    return {
        "size": 1,
        "query": {
            "bool": {
                "filter": [
                    tenant_filter(principal),
                    {"term": {"kind": CASE_KIND}},
                    {"term": {"tenant": tenant}},
                    {"term": {"status": OPEN}},
                    {"term": {"thread_ids": thread_id}},
                ]
            }
        },  # fmt: skip
        "sort": [{"opened_at": {"order": "asc"}}],
        "seq_no_primary_term": True,
    }


def due_state_body(principal: Principal, today: str, size: int = MAX_CASES) -> dict[str, Any]:
    """Open cases whose state no longer fits their due date: due before `today` but not overdue, or overdue
    but due today or later (a step moved on, a new due date). The sweep (app.case_sync) corrects them."""
    late = {"bool": {"filter": [{"range": {"due_at": {"lt": today}}}], "must_not": [{"term": {"state": OVERDUE}}]}}
    not_late = {"bool": {"filter": [{"term": {"state": OVERDUE}}, {"range": {"due_at": {"gte": today}}}]}}
    return {
        "size": size,
        "query": {
            "bool": {
                "filter": [tenant_filter(principal), {"term": {"kind": CASE_KIND}}, {"term": {"status": OPEN}}],
                "should": [late, not_late],
                "minimum_should_match": 1,
            }
        },  # fmt: skip
        "seq_no_primary_term": True,
        "_source": {"excludes": ["definition"]},
    }


def assigned_cases_body(principal: Principal, size: int = MAX_CASES) -> dict[str, Any]:
    """Open cases someone holds (the sweep gives back those whose holder lost access)."""
    return {
        "size": size,
        "query": {
            "bool": {
                "filter": [
                    tenant_filter(principal),
                    {"term": {"kind": CASE_KIND}},
                    {"term": {"status": OPEN}},
                    {"exists": {"field": "assignee"}},
                ]
            }
        },  # fmt: skip
        "seq_no_primary_term": True,
        "_source": {"excludes": ["definition"]},
    }


def documents_of_case_body(principal: Principal, tenant: str, doc_ids: Iterable[str]) -> dict[str, Any]:
    """A case's documents (in its tenant) with their customers: what the case page lists and re-filing checks."""
    ids = sorted(set(doc_ids))
    return {
        "size": len(ids),
        "query": {
            "bool": {"filter": [permission_filter(principal), {"term": {"tenant": tenant}}, {"ids": {"values": ids}}]}
        },  # fmt: skip
        "_source": {"includes": [*DOCUMENT_FIELDS, "customer_names", "doc_date", "case_id", "confidential"]},
    }


def documents_with_cases_body(principal: Principal, doc_ids: Iterable[str]) -> dict[str, Any]:
    """These documents with the case they are in and their customers (re-filing moves the case along)."""
    ids = sorted(set(doc_ids))
    return {
        "size": len(ids),
        "query": {"bool": {"filter": [permission_filter(principal), {"ids": {"values": ids}}]}},
        "_source": {"includes": ["case_id", "customer_ids", "primary_customer_id", "tenant"]},
    }


def uncased_complaints_body(principal: Principal, size: int = MAX_CASES) -> dict[str, Any]:
    """Open incoming complaints (current versions) not in any case — the demo opens cases for them."""
    return {
        "size": max(0, min(size, MAX_CASES)),
        "query": {
            "bool": {
                "filter": [
                    permission_filter(principal),
                    {"term": {"register": "complaint"}},
                    {"term": {"is_latest": True}},
                ],
                "must_not": [
                    {"term": {"direction": "out"}},
                    {"exists": {"field": "case_id"}},
                    {"term": {"status": CLOSED}},
                ],
            }
        },  # fmt: skip
        "sort": [{"doc_id": {"order": "asc"}}],
        "_source": {"includes": ["tenant"]},
    }


def family_case_body(principal: Principal, tenant: str, family_id: str, doc_id: str) -> dict[str, Any]:
    """An earlier version of a document (its family) that is in a case: a new version joins that case."""
    return {
        "size": 1,
        "query": {
            "bool": {
                "filter": [
                    permission_filter(principal),
                    {"term": {"tenant": tenant}},
                    {"term": {"family_id": family_id}},
                    {"exists": {"field": "case_id"}},
                ],
                "must_not": [{"ids": {"values": [doc_id]}}],
            }
        },  # fmt: skip
        "sort": [{"version": {"order": "desc", "unmapped_type": "integer"}}],
        "_source": {"includes": ["case_id"]},
    }
