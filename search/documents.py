"""One document and the review queue: bodies (pure, from the permission filter) and parsing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.principal import Principal
from search.clauses import POST_TAG, PRE_TAG
from search.parse import split_marked
from search.permissions import permission_filter
from search.query_parser import parse_query

MAX_TEXT_CHARS = 200_000  # the document page shows at most this much text


def id_clause(doc_id: str) -> dict[str, Any]:
    return {
        "bool": {"should": [{"ids": {"values": [doc_id]}}, {"term": {"doc_id": doc_id}}], "minimum_should_match": 1}
    }


@dataclass(frozen=True)
class DocumentData:
    doc_id: str
    source: dict[str, Any]
    text_pieces: tuple[tuple[str, bool], ...]  # the (possibly highlighted) text
    text_total_chars: int
    versions: list[dict[str, Any]]
    customers: list[tuple[str, str, str | None]]  # (customer id, name, number)
    related: dict[str, dict[str, Any]]  # doc id -> {"title", ...} for the parent e-mail and attachments
    seq_no: int | None = None
    primary_term: int | None = None


@dataclass(frozen=True)
class ReviewItem:
    doc_id: str
    title: str
    file_name: str
    doc_date: str | None
    received_at: str | None
    suggested_register: str | None
    reasons: list[str]
    register_reason: str
    candidates: list[tuple[str, str, str | None]]  # (customer id, name, number)
    tenant: str
    confidence: float | None


def document_body(principal: Principal, doc_id: str, highlight_text: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "size": 1,
        "query": {"bool": {"filter": [permission_filter(principal), id_clause(doc_id)]}},
        "_source": {"excludes": ["passages", "lemmas"]},
        "seq_no_primary_term": True,
    }
    if highlight_text:
        parsed = parse_query(highlight_text)
        should: list[dict[str, Any]] = []
        if parsed.text:
            should.append({"match": {"text": {"query": parsed.text}}})
        should.extend({"match_phrase": {"text": p}} for p in parsed.phrases)
        if should:
            body["highlight"] = {
                "pre_tags": [PRE_TAG],
                "post_tags": [POST_TAG],
                "max_analyzed_offset": 999_999,
                "fields": {"text": {"number_of_fragments": 0}},
                "highlight_query": {"bool": {"should": should}},
            }
    return body


def versions_body(principal: Principal, family_id: str) -> dict[str, Any]:
    return {
        "size": 50,
        "query": {"bool": {"filter": [permission_filter(principal), {"term": {"family_id": family_id}}]}},
        "sort": [{"version": {"order": "desc"}}],
        "_source": {"includes": ["doc_id", "version", "is_latest", "doc_date", "indexed_at", "title", "file_name"]},
    }


def docs_by_id_body(principal: Principal, doc_ids: Iterable[str]) -> dict[str, Any]:
    ids = sorted(set(doc_ids))
    return {
        "size": len(ids),
        "query": {"bool": {"filter": [permission_filter(principal), {"ids": {"values": ids}}]}},
        "_source": {"includes": ["doc_id", "title", "file_name", "register", "doc_date", "subject"]},
    }


def original_body(principal: Principal, doc_id: str) -> dict[str, Any]:
    """What the original download needs (hash, name, type) — only of a document the principal may see."""
    return {
        "size": 1,
        "query": {"bool": {"filter": [permission_filter(principal), id_clause(doc_id)]}},
        "_source": {"includes": ["content_sha256", "file_name", "mime_type", "tenant", "size_bytes"]},
    }


def passages_body(principal: Principal, doc_id: str) -> dict[str, Any]:
    """The passages (the units of semantic search) of a document the principal may see, without vectors."""
    return {
        "size": 1,
        "query": {"bool": {"filter": [permission_filter(principal), id_clause(doc_id)]}},
        "_source": {"includes": ["doc_id", "passages.ord", "passages.text"]},
    }


def review_item_body(principal: Principal, doc_id: str) -> dict[str, Any]:
    """A document of the review queue, with its concurrency token (for the filing update)."""
    return {
        "size": 1,
        "query": {
            "bool": {"filter": [permission_filter(principal), id_clause(doc_id), {"term": {"register": "review"}}]}
        },
        "_source": {
            "includes": ["tenant", "text", "filing.reasons", "doc_id", "doc_date", "received_at", "contract_end"]
        },
        "seq_no_primary_term": True,
    }


def review_body(principal: Principal, size: int = 50) -> dict[str, Any]:
    return {
        "size": size,
        "track_total_hits": True,
        "query": {
            "bool": {
                "filter": [
                    permission_filter(principal),
                    {"term": {"register": "review"}},
                    {"term": {"is_latest": True}},
                ]
            }
        },
        "sort": [{"received_at": {"order": "desc", "missing": "_last"}}, {"doc_id": {"order": "asc"}}],
        "_source": {
            "includes": ["doc_id", "title", "file_name", "doc_date", "received_at", "filing", "tenant", "subject"]
        },
    }


def review_pending_body(principal: Principal, tenant: str) -> dict[str, Any]:
    """Every document of a tenant still waiting in review, with what re-filing needs (the original's hash)."""
    return {
        "query": {
            "bool": {
                "filter": [
                    permission_filter(principal),
                    {"term": {"tenant": tenant}},
                    {"term": {"register": "review"}},
                    {"term": {"is_latest": True}},
                ]
            }
        },
        "_source": {
            "includes": [
                "doc_id",
                "content_sha256",
                "file_name",
                "filing",
                "tenant",
                "sources",
                "doc_date",
                "received_at",
                "contract_end",
            ]
        },
    }


def limit_text(pieces: tuple[tuple[str, bool], ...], max_chars: int) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    used = 0
    for text, marked in pieces:
        if used >= max_chars:
            break
        take = text[: max_chars - used]
        out.append((take, marked))
        used += len(take)
    return tuple(out)


def parse_document_hit(raw: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[tuple[str, bool], ...], int]:
    src = dict(raw.get("_source") or {})
    text = str(src.pop("text", "") or "")
    hl = ((raw.get("highlight") or {}).get("text")) or []
    pieces = split_marked(hl[0]) if hl else ((text, False),) if text else ()
    # the highlighter analyses at most ~1M characters: keep the untouched rest
    shown = sum(len(p) for p, _ in pieces)
    if hl and shown < len(text):
        pieces = pieces + ((text[shown:], False),)
    return src, limit_text(pieces, MAX_TEXT_CHARS), len(text)
