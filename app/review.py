"""Use cases of the review queue (Klärfälle): the queue and the manual filing of one document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app import audit
from app.access import policy as access_policy
from app.access import refused
from app.context import AppContext
from app.search import customer_labels
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from domain.principal import REVIEW, SEARCH, Principal
from indexing.records import WriteConflict, WriteFailed
from indexing.schema import REGISTERS
from search.documents import ReviewItem, review_body, review_item_body
from search.dossier import customer_body
from search.parse import hits_of, total_of
from search.repository import ReadFailed


@dataclass(frozen=True)
class Filed:
    doc_id: str
    customer_id: str
    customer_name: str
    register: str


def review_queue(ctx: AppContext, principal: Principal, size: int = 50) -> tuple[list[ReviewItem], int]:
    principal.require(SEARCH)
    try:
        resp = ctx.repo.search("documents", review_body(principal, max(1, min(int(size), 200))))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    raw = hits_of(resp)
    cand_ids = {str(c) for h in raw for c in ((h.get("_source") or {}).get("filing") or {}).get("candidates") or []}
    labels = customer_labels(ctx, principal, cand_ids) if cand_ids else {}
    items = []
    for h in raw:
        s = h.get("_source") or {}
        f = s.get("filing") or {}
        cands = [str(c) for c in f.get("candidates") or []]
        items.append(
            ReviewItem(
                doc_id=str(s.get("doc_id") or h["_id"]),
                title=str(s.get("title") or s.get("subject") or s.get("file_name") or h["_id"]),
                file_name=str(s.get("file_name") or ""),
                doc_date=s.get("doc_date"),
                received_at=s.get("received_at"),
                suggested_register=f.get("suggested_register"),
                reasons=[str(r) for r in f.get("reasons") or []],
                register_reason=str(f.get("register_reason") or ""),
                candidates=[(c, labels[c][0], labels[c][1]) for c in cands if c in labels],
                tenant=str(s.get("tenant") or ""),
                confidence=f.get("confidence"),
            )
        )
    return items, total_of(resp)


def assign_review(ctx: AppContext, principal: Principal, doc_id: str, customer_id: str, register: str) -> Filed:
    """File a review document to a customer (of the document's tenant) and a register: a partial update,
    visible at once, audited. Access follows the register's row of the permission table
    (`indexing.documents.permission_fields`); the principal must be allowed to file into `register`, so the
    choice of register never opens a document beyond that row (refused: audited, the register unavailable)."""
    from indexing.documents import document_status, permission_fields

    if not principal.can(REVIEW):
        raise Forbidden("review.error.denied")
    if register not in REGISTERS or register == "review":
        raise Invalid("review.error.register", register=register)
    if not customer_id:
        raise Invalid("review.error.pick")
    try:
        hits = hits_of(ctx.repo.search("documents", review_item_body(principal, doc_id)))
        if not hits:
            raise NotFound("review.error.gone", doc_id=doc_id)
        hit = hits[0]
        src = hit.get("_source") or {}
        tenant = str(src.get("tenant") or "")
        chits = hits_of(ctx.repo.search("customers", customer_body(principal, [customer_id], tenant=tenant)))
    except ReadFailed as exc:
        raise Unavailable("review.error.failed") from exc
    if not chits:
        raise NotFound("review.error.customer", customer_id=customer_id)
    if not access_policy(ctx).allows(principal, tenant, register, "file"):
        refused(ctx, principal, "file", tenant=tenant, doc_id=doc_id, register=register)
        raise Invalid("review.error.register", register=register)
    name = str((chits[0].get("_source") or {}).get("name") or customer_id)
    reasons = [str(r) for r in ((src.get("filing") or {}).get("reasons") or [])]
    reasons.append(f"manuell zugeordnet von {principal.login}")
    update = {
        "customer_ids": [customer_id],
        "customer_names": [name],
        "primary_customer_id": customer_id,
        "register": register,
        **permission_fields(tenant, register, access_policy(ctx)),
        "status": document_status(register, str(src.get("text") or "")),
        "filing": {"status": "manual", "confidence": 1.0, "reasons": reasons},
        **_retention(ctx, register, src),  # the register decides the period: computed again
    }
    try:
        ctx.store.update(
            "documents", hit["_id"], update, concrete_index=hit["_index"],
            if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"],
        )  # fmt: skip
    except WriteConflict as exc:
        raise Conflict("review.error.conflict", doc_id=doc_id) from exc
    except WriteFailed as exc:
        raise Unavailable("review.error.failed") from exc
    audit.record(ctx, "manual_filing", principal, wait=True, tenant=tenant, doc_id=doc_id,
                 customer_id=customer_id, register=register)  # fmt: skip
    ctx.invalidate()
    _cases_follow(ctx, [doc_id])
    return Filed(doc_id, customer_id, name, register)


def _retention(ctx: AppContext, register: str, src: dict[str, Any]) -> dict[str, Any]:
    """`retain_until` & co. for a document filed into `register` (its date and contract end unchanged)."""
    import datetime as dt

    from app.retention import table
    from indexing.retention import fields_of_source

    return fields_of_source({**src, "register": register}, table=table(ctx), now=dt.datetime.now(dt.UTC))


@dataclass
class Refiled:
    tenant: str
    checked: int = 0
    filed: int = 0
    still_review: int = 0
    unreadable: int = 0


def refile_pending(ctx: AppContext, tenant: str) -> Refiled:
    """New master data (a CRM re-import or an API upsert): every document of `tenant` still in review is
    extracted and filed again from its original; those the new data makes matchable leave the queue (a worker's
    task, as the system; each change audited)."""
    from indexing.archive import Archive, ArchiveError
    from indexing.documents import document_status, permission_fields
    from indexing.pipeline import prepare_again, worker_context
    from search.documents import review_pending_body

    system = Principal.system()
    report = Refiled(tenant)
    moved: list[str] = []
    wc = worker_context(ctx.store.es, ctx.prefix, tenant, str(ctx.archive_root)).build()
    archive = Archive(ctx.archive_root)
    for hit in ctx.repo.scan("documents", review_pending_body(system, tenant)):
        src = hit.get("_source") or {}
        report.checked += 1
        try:
            data = archive.get(str(src.get("content_sha256") or ""))
        except ArchiveError:
            report.unreadable += 1
            continue
        uri = str(((src.get("sources") or [{}])[0]).get("uri") or hit["_id"])
        doc = prepare_again(data, str(src.get("file_name") or "document"), uri, wc)
        if doc is None or doc.filing_status == "review" or not doc.customer_ids:
            report.still_review += 1
            continue
        reasons = [*doc.reasons, "nach neuen Stammdaten automatisch zugeordnet"]
        update = {
            "customer_ids": doc.customer_ids,
            "customer_names": doc.customer_names,
            "primary_customer_id": doc.customer_ids[0],
            "register": doc.register,
            **permission_fields(tenant, doc.register, access_policy(ctx)),
            "status": document_status(doc.register, doc.text),
            "filing": {"status": "auto", "confidence": round(doc.confidence, 3), "reasons": reasons,
                       "register_reason": doc.register_reason, "candidates": doc.candidates,
                       "suggested_register": doc.register},
            **_retention(ctx, doc.register, src),
        }  # fmt: skip
        try:
            ctx.store.update("documents", hit["_id"], update, concrete_index=hit.get("_index"))
        except (WriteConflict, WriteFailed):
            report.still_review += 1
            continue
        report.filed += 1
        moved.append(str(hit["_id"]))
        audit.record(ctx, "refiled", system, tenant=tenant, doc_id=hit["_id"], customer_id=doc.customer_ids[0],
                     register=doc.register)  # fmt: skip
    if report.filed:
        ctx.invalidate()
        _cases_follow(ctx, moved)
    return report


def _cases_follow(ctx: AppContext, doc_ids: list[str]) -> None:
    """A document filed anew: a complaint now opens its case, a case of it follows it to its new customer."""
    from app.case_work import refiled
    from app.cases import open_for_new_documents

    ctx.store.refresh("documents")
    refiled(ctx, doc_ids)
    open_for_new_documents(ctx, doc_ids)
