"""Reads for the cockpit's case pages: the documents of cases as the principal may see them (title, customer).

A case holds document ids only; the task list and the case page show each document's title and the customer's
name. One round trip per tenant (`search.cases.documents_of_case_body`, the permission filter first): documents
the principal cannot read are simply missing from the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.cases import Case
from app.context import AppContext
from domain.errors import Unavailable
from domain.principal import Principal
from search import cases as C
from search.parse import hits_of
from search.repository import ReadFailed


def case_documents(ctx: AppContext, principal: Principal, found: Iterable[Case]) -> dict[str, dict[str, Any]]:
    """doc id -> its source (title, file name, register, customers, ...) for the readable documents of these cases."""
    by_tenant: dict[str, set[str]] = {}
    for case in found:
        by_tenant.setdefault(case.tenant, set()).update(case.doc_ids)
    out: dict[str, dict[str, Any]] = {}
    for tenant, doc_ids in sorted(by_tenant.items()):
        if not doc_ids or tenant not in principal.tenants:
            continue
        try:
            hits = hits_of(ctx.repo.search_or_empty("documents", C.documents_of_case_body(principal, tenant, doc_ids)))
        except ReadFailed as exc:
            raise Unavailable("error.unavailable") from exc
        out.update({str(h["_id"]): dict(h.get("_source") or {}) for h in hits})
    return out


def customer_name(docs: Mapping[str, Mapping[str, Any]], case: Case) -> str:
    """The case's customer's name as its readable documents carry it (else the customer id)."""
    cid = case.customer_id or ""
    for doc_id in case.doc_ids:
        src = docs.get(doc_id) or {}
        ids, names = list(src.get("customer_ids") or []), list(src.get("customer_names") or [])
        if cid in ids and ids.index(cid) < len(names):
            return str(names[ids.index(cid)])
    return cid


def first_document(docs: Mapping[str, Mapping[str, Any]], case: Case) -> tuple[str, str] | None:
    """(doc id, title) of the case's first document the principal may read."""
    for doc_id in case.doc_ids:
        if doc_id in docs:
            src = docs[doc_id]
            return doc_id, str(src.get("title") or src.get("file_name") or doc_id)
    return None
