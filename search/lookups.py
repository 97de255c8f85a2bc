"""Reads around the document search (permission filter by construction, through `search.repository`):

- `similar(repo, principal, doc_id, k)`: vector neighbours of a document's first passage (itself and its
  other versions excluded); None when the document itself is not visible;
- `suggest_customers(repo, principal, text)`: completion suggester (tenant context) + number prefix;
- `export(repo, principal, request, analyze)`: point-in-time + search_after over every permitted match.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from domain.errors import Unavailable
from domain.principal import Principal
from search import builder as B
from search import customer_scope
from search.analysis import QueryAnalysis
from search.parse import CustomerSuggestion, Hit, hits_of, parse_customer_suggestions, parse_hit
from search.permissions import require_principal
from search.query_parser import ParsedQuery
from search.repository import ReadFailed, Repository
from search.request import SearchRequest

log = logging.getLogger(__name__)

Analyzer = Callable[[SearchRequest], tuple[ParsedQuery, QueryAnalysis]]


def similar(repo: Repository, principal: Principal, doc_id: str, k: int = 10) -> list[Hit] | None:
    """Neighbours of a document; None when the principal may not see the document itself. A failed read raises
    `ReadFailed` (the caller decides: the cockpit shows none, the API answers 503)."""
    require_principal(principal)
    if principal.sees_nothing:
        return None
    hits = hits_of(repo.search("documents", B.source_vector_body(principal, doc_id)))
    if not hits:
        return None
    src = hits[0].get("_source") or {}
    passages = [p for p in (src.get("passages") or []) if p.get("vector")]
    if not passages:
        return []
    first = min(passages, key=lambda p: p.get("ord", 0))
    body = B.similar_body(
        principal,
        str(src.get("doc_id") or hits[0]["_id"]),
        first["vector"],
        k=k,
        exclude_family=str(src["family_id"]) if src.get("family_id") else None,
    )
    return [parse_hit(h) for h in hits_of(repo.search("documents", body))]


def suggest_customers(repo: Repository, principal: Principal, text: str, size: int = 10) -> list[CustomerSuggestion]:
    require_principal(principal)
    if principal.sees_nothing or not (text or "").strip():
        return []
    try:
        resp = repo.search("customers", B.customer_suggest_body(principal, text, size=size))
    except ReadFailed as exc:
        log.warning("suggest_customers(%r) failed: %s", text[:100], exc)
        return []
    return parse_customer_suggestions(resp, principal, size=size)


def export(
    repo: Repository,
    principal: Principal,
    request: SearchRequest,
    analyze: Analyzer,
    *,
    fields: list[str] | None = None,
    batch: int = 500,
    keep_alive: str = "2m",
) -> Iterator[dict[str, Any]]:
    """Every permitted document matching the request (keyword semantics: query text + filters + facet
    selections), in the request's sort order (relevance = score), as `_source` dicts with `doc_id`."""
    require_principal(principal)
    if principal.sees_nothing:
        return
    parsed, analysis = analyze(request)
    try:
        request = customer_scope.resolve(repo, principal, request)
        pit = repo.open_pit("documents", keep_alive)
    except ReadFailed as exc:
        log.warning("export: open PIT failed: %s", exc)
        raise Unavailable("msg.search_failed") from exc
    after: list[Any] | None = None
    try:
        while True:
            body = B.export_body(
                request, principal, parsed, analysis, pit_id=pit, search_after=after, batch=batch, fields=fields,
                keep_alive=keep_alive,
            )  # fmt: skip
            try:
                resp = repo.search_pit(body)
            except ReadFailed as exc:
                log.warning("export page failed: %s", exc)
                raise Unavailable("msg.search_failed") from exc
            pit = str(resp.get("pit_id", pit))
            hits = hits_of(resp)
            for h in hits:
                src = dict(h.get("_source") or {})
                src.setdefault("doc_id", h.get("_id"))
                yield src
            if len(hits) < batch:
                break
            after = hits[-1]["sort"]
    finally:
        repo.close_pit(pit)
