"""Facet and grouping aggregations of the document search (pure).

Facets: the user's facet selections go to `post_filter`; every facet aggregation is wrapped in a `filter`
aggregation holding all *other* selections, so each facet's counts exclude its own selection (multi-select OR
within a facet, AND across facets).

Grouping (by customer, register, month) uses a `terms` aggregation + `top_hits` inside a `filter` aggregation
holding all selections, plus a `cardinality` for the number of groups — not `collapse`, because
(1) customer grouping is over the multi-valued `customer_ids`, (2) groups get exact document counts from the
aggregation, (3) the hybrid ranking is fused in the application, so groups are re-ordered in Python anyway.
Terms aggregations cannot skip buckets (bucket_sort is in the missing `aggregations` module): group page N
fetches N×group_size buckets (capped at MAX_GROUP_BUCKETS) and the parser slices.

Aggregations sit inside a query that already holds the permission filter; they take the principal anyway,
so a caller cannot combine them with a query built for someone else by accident.
"""

from __future__ import annotations

from typing import Any

from domain.principal import Principal
from search.clauses import MISSING_GROUP_KEY, SOURCE_FIELDS, selections, sort_clause
from search.permissions import require_principal
from search.query_parser import ParsedQuery
from search.request import FACET_FIELDS, GROUP_FIELDS, SearchRequest

MAX_GROUP_BUCKETS = 500
FACET_ORDER: dict[str, dict[str, str]] = {"year_month": {"_key": "desc"}}


# -------------------------------------------------------------------------------------------- aggregations


def facet_aggs(req: SearchRequest, principal: Principal) -> dict[str, Any]:
    """One `filter` agg per facet with all other selections; inside: top values + exact counts of the
    selected values (so a selected value outside the top N, or with no hits, still shows with its count)."""
    require_principal(principal)
    wanted = list(req.wanted_facets)
    if "tenant" not in wanted and req.facets is None and len(principal.tenants) > 1:
        wanted.append("tenant")  # only users who see several tenants get the tenant facet by default
    aggs: dict[str, Any] = {}
    for facet in wanted:
        others = selections(req, exclude=facet)
        terms: dict[str, Any] = {"field": FACET_FIELDS[facet], "size": req.facet_size}
        if facet in FACET_ORDER:
            terms["order"] = FACET_ORDER[facet]
        inner: dict[str, Any] = {"values": {"terms": terms}}
        chosen = req.filters.get(facet, ())
        if chosen:
            inner["selected"] = {"filters": {"filters": {v: {"term": {FACET_FIELDS[facet]: v}} for v in chosen}}}
        aggs[f"facet:{facet}"] = {
            "filter": {"bool": {"filter": others}} if others else {"match_all": {}},
            "aggs": inner,
        }
    return aggs


def group_bucket_count(req: SearchRequest) -> int:
    return min(MAX_GROUP_BUCKETS, req.group_page * req.group_size)


def group_aggs(req: SearchRequest, principal: Principal, parsed: ParsedQuery) -> dict[str, Any]:
    require_principal(principal)
    if req.group_by is None:
        return {}
    fld = GROUP_FIELDS[req.group_by]
    sel = selections(req)
    ranked = req.sort == "relevance" and not parsed.is_empty
    if req.group_by == "month":
        order: dict[str, str] = {"_key": "asc" if req.sort == "date_asc" else "desc"}
    elif req.sort == "customer" and req.group_by == "customer":
        order = {"_key": "asc"}
    else:
        order = {"_count": "desc"}
    size = group_bucket_count(req)
    if ranked and req.group_by != "month":
        # re-ordered by relevance in Python: a somewhat wider set of buckets (groups the fused ranking surfaces
        # beyond them are counted by `group_count_body`)
        size = min(MAX_GROUP_BUCKETS, max(2 * size, 20))
    top_hits: dict[str, Any] = {
        "size": req.hits_per_group,
        "_source": {"includes": SOURCE_FIELDS},
        "sort": sort_clause(req, parsed) if not ranked else ["_score", {"doc_id": {"order": "asc"}}],
    }
    terms: dict[str, Any] = {
        "field": fld,
        "size": size,
        "order": [order, {"_key": "asc"}] if "_count" in order else order,
    }
    if req.group_by != "month":
        terms["missing"] = MISSING_GROUP_KEY
    return {
        "groups": {
            "filter": {"bool": {"filter": sel}} if sel else {"match_all": {}},
            "aggs": {
                "keys": {"terms": terms, "aggs": {"top": {"top_hits": top_hits}}},
                "count": {"cardinality": {"field": fld, "precision_threshold": 3000}},
            },
        }
    }
