"""Use cases of one document: the document with its text, versions and dossiers; its original; similar ones."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app import audit
from app.access import refused_document
from app.context import AppContext
from domain.errors import NotFound, Unavailable
from domain.principal import SEARCH, Principal
from search import lookups
from search.documents import (
    DocumentData,
    docs_by_id_body,
    document_body,
    original_body,
    parse_document_hit,
    passages_body,
    versions_body,
)
from search.dossier import customer_body
from search.parse import Hit, hits_of
from search.repository import ReadFailed

MAX_ID_CHARS = 300

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Original:
    data: bytes
    file_name: str
    mime_type: str
    sha256: str


def _doc_id(doc_id: str) -> str:
    doc_id = str(doc_id or "").strip()
    if not doc_id or len(doc_id) > MAX_ID_CHARS:
        raise NotFound("notfound.document", doc_id=doc_id[:MAX_ID_CHARS])
    return doc_id


def _load(ctx: AppContext, principal: Principal, doc_id: str, highlight: str) -> DocumentData | None:
    hits = hits_of(ctx.repo.search("documents", document_body(principal, doc_id, highlight or None)))
    if not hits:
        return None
    src, pieces, total_chars = parse_document_hit(hits[0])
    real_id = str(src.get("doc_id") or hits[0]["_id"])
    cids = [str(c) for c in src.get("customer_ids") or []]
    related_ids = [str(x) for x in ([src.get("parent_id")] + list(src.get("attachment_ids") or [])) if x]
    pairs: list[tuple[str, dict[str, Any]]] = []
    if src.get("family_id"):
        pairs.append(("documents", versions_body(principal, str(src["family_id"]))))
    if cids:
        pairs.append(("customers", customer_body(principal, cids)))
    if related_ids:
        pairs.append(("documents", docs_by_id_body(principal, related_ids)))
    it = iter(ctx.repo.msearch(pairs, missing_ok=True))
    versions = [h.get("_source") or {} for h in hits_of(next(it))] if src.get("family_id") else []
    names = dict(zip(cids, [str(n) for n in src.get("customer_names") or []], strict=False))
    master: dict[str, Mapping[str, Any]] = {}
    if cids:
        for h in hits_of(next(it)):
            s = h.get("_source") or {}
            master[str(s.get("customer_id") or h["_id"])] = s
    customers = [
        (cid, str((master.get(cid) or {}).get("name") or names.get(cid) or cid), (master.get(cid) or {}).get("number"))
        for cid in cids
    ]
    related = {str(h["_id"]): dict(h.get("_source") or {}) for h in hits_of(next(it))} if related_ids else {}
    return DocumentData(
        doc_id=real_id,
        source=src,
        text_pieces=pieces,
        text_total_chars=total_chars,
        versions=versions,
        customers=customers,
        related=related,
        seq_no=hits[0].get("_seq_no"),
        primary_term=hits[0].get("_primary_term"),
    )


def document(ctx: AppContext, principal: Principal, doc_id: str, highlight: str = "") -> DocumentData:
    """A document the principal may see (NotFound otherwise); its viewing is audited."""
    principal.require(SEARCH)
    doc_id = _doc_id(doc_id)
    highlight = (highlight or "")[:1000]
    try:
        found = ctx.cached(
            "document", principal.scope_key, (doc_id, highlight), lambda: _load(ctx, principal, doc_id, highlight)
        )
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if found is None:
        refused_document(ctx, principal, doc_id)
        raise NotFound("notfound.document", doc_id=doc_id)
    audit.record(ctx, "view_document", principal, doc_id=found.doc_id, tenant=found.source.get("tenant"),
                 customer_id=next(iter(found.source.get("customer_ids") or []), None))  # fmt: skip
    return found  # type: ignore[no-any-return]


def similar(ctx: AppContext, principal: Principal, doc_id: str, k: int = 6) -> list[Hit]:
    principal.require(SEARCH)
    doc_id = _doc_id(doc_id)
    k = max(1, min(int(k), 50))

    def compute() -> tuple[bool, list[Hit]]:
        try:
            found = lookups.similar(ctx.repo, principal, doc_id, k)
        except ReadFailed as exc:
            raise Unavailable("error.unavailable") from exc
        return (found is not None, found or [])

    visible, hits = ctx.cached("similar", principal.scope_key, (doc_id, k), compute)
    if not visible:
        refused_document(ctx, principal, doc_id)
        raise NotFound("notfound.document", doc_id=doc_id)
    return list(hits)


def _visible_source(ctx: AppContext, principal: Principal, doc_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The `_source` of the one document `body` asks for; NotFound when the principal may not see it."""
    try:
        hits = hits_of(ctx.repo.search("documents", body))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not hits:
        refused_document(ctx, principal, doc_id)
        raise NotFound("notfound.document", doc_id=doc_id)
    return dict(hits[0].get("_source") or {})


def original(ctx: AppContext, principal: Principal, doc_id: str) -> Original:
    """The original bytes of a document the principal may see, verified against its SHA-256."""
    from indexing.archive import Archive, ArchiveError

    principal.require(SEARCH)
    doc_id = _doc_id(doc_id)
    src = _visible_source(ctx, principal, doc_id, original_body(principal, doc_id))
    sha = str(src.get("content_sha256") or "")
    try:
        data = Archive(ctx.archive_root).get(sha)
    except ArchiveError as exc:
        log.error("original of %s not served: %s", doc_id, exc)
        audit.record(ctx, "download_original", principal, wait=True, doc_id=doc_id, tenant=src.get("tenant"),
                     outcome="failed", error=str(exc)[:300])  # fmt: skip
        raise Unavailable("error.original_unavailable", doc_id=doc_id) from exc
    audit.record(ctx, "download_original", principal, doc_id=doc_id, tenant=src.get("tenant"))
    return Original(data, str(src.get("file_name") or f"{doc_id}.bin"), str(src.get("mime_type") or ""), sha)


def passages(ctx: AppContext, principal: Principal, doc_id: str) -> list[tuple[int, str]]:
    """A document's passages (ord, text) in order — what semantic search matches against."""
    principal.require(SEARCH)
    doc_id = _doc_id(doc_id)
    found = _visible_source(ctx, principal, doc_id, passages_body(principal, doc_id)).get("passages") or []
    return sorted((int(p.get("ord") or 0), str(p.get("text") or "")) for p in found if isinstance(p, dict))
