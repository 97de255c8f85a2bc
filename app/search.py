"""Use cases of the document search: search, export, customer suggestions and labels."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from app import audit
from app.context import AppContext
from app.exports import EXPORT_FIELDS
from domain.principal import EXPORT, SEARCH, Principal
from search import lookups
from search.dossier import customer_body
from search.parse import CustomerSuggestion, SearchResult, hits_of
from search.repository import ReadFailed
from search.request import SearchRequest
from search.service import SEARCH_FAILED

MAX_EXPORT_ROWS = 10_000


@dataclass(frozen=True)
class ExportResult:
    rows: list[dict[str, Any]]
    truncated: bool


def search(ctx: AppContext, principal: Principal, request: SearchRequest) -> SearchResult:
    """One search, recorded in the audit trail (query, filters, hit count; written in the background)."""
    principal.require(SEARCH)
    result: SearchResult = ctx.cached(
        "search",
        principal.scope_key,
        (request.cache_key(),),
        lambda: ctx.search.search(request, principal),
        keep=lambda r: SEARCH_FAILED not in r.messages,
    )
    audit.record(ctx, "search", principal, query=request.text, filters=_audited_filters(request), hits=result.total,
                 outcome="failed" if SEARCH_FAILED in result.messages else "ok")  # fmt: skip
    return result


def _audited_filters(request: SearchRequest) -> dict[str, Any]:
    out: dict[str, Any] = {k: list(v) for k, v in request.filters.items() if v}
    out.update({f"customer.{k}": list(v) for k, v in request.customer_attrs.items() if v})
    if request.date_range is not None:
        rng = request.date_range
        out["date"] = [rng.field, str(rng.gte or ""), str(rng.lte or "")]
    return out


def export(
    ctx: AppContext, principal: Principal, request: SearchRequest, *, limit: int = MAX_EXPORT_ROWS
) -> ExportResult:
    """Every permitted match of the request (keyword semantics), at most `limit` rows."""
    principal.require(EXPORT)
    limit = max(0, min(int(limit), MAX_EXPORT_ROWS))
    found = lookups.export(ctx.repo, principal, request, ctx.search.analyze, fields=EXPORT_FIELDS)
    rows = list(itertools.islice(found, limit + 1))
    audit.record(ctx, "export", principal, query=request.text[:500], filters=dict(request.filters),
                 rows=min(len(rows), limit))  # fmt: skip
    return ExportResult(rows[:limit], len(rows) > limit)


def suggest_customers(ctx: AppContext, principal: Principal, text: str, size: int = 10) -> list[CustomerSuggestion]:
    text = (text or "").strip()[:100]
    if not text:
        return []
    return list(
        ctx.cached(
            "suggest",
            principal.scope_key,
            (text.lower(), size),
            lambda: lookups.suggest_customers(ctx.repo, principal, text, size),
            timeout=60,
        )  # fmt: skip
    )


def customer_labels(ctx: AppContext, principal: Principal, customer_ids: Any) -> dict[str, tuple[str, str | None]]:
    """customer id -> (name, number), for facet and group labels (only customers the principal may see)."""
    ids = tuple(sorted({str(c) for c in customer_ids if c}))
    if not ids:
        return {}

    def compute() -> dict[str, tuple[str, str | None]]:
        try:
            resp = ctx.repo.search("customers", customer_body(principal, ids))
        except ReadFailed:
            return {}
        out = {}
        for h in hits_of(resp):
            s = h.get("_source") or {}
            out[str(s.get("customer_id") or h["_id"])] = (str(s.get("name") or ""), s.get("number"))
        return out

    return dict(ctx.cached("customer_labels", principal.scope_key, ids, compute))
