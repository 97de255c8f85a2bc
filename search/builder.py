"""SearchRequest + Principal -> Elasticsearch request bodies of the document search (pure).

Every public builder takes the `Principal` as a required, positional argument and starts from
`search.permissions.permission_filter`; it is placed

- in the `bool.filter` of every query (so aggregations, grouping and top_hits only ever see permitted docs),
- inside `knn.filter` (a post_filter alone would let kNN pick forbidden neighbours first and drop them later),
- in similar-document, export and suggestion bodies.

The pieces live in `search.clauses` (filters, text query, sort, highlight) and `search.aggs` (facets, groups).
Extra conditions are parameters of the builders, never patches to their output.
"""

from __future__ import annotations

from typing import Any

from domain.principal import Principal
from search.aggs import facet_aggs, group_aggs
from search.analysis import QueryAnalysis
from search.clauses import (
    DEFAULT_TUNING,
    POST_TAG,
    PRE_TAG,
    SOURCE_FIELDS,
    VECTOR_FIELD,
    KeywordTuning,
    constraint_filters,
    hard_text_constraints,
    highlight_clause,
    keyword_query,
    post_filter,
    selections,
    sort_clause,
    text_query,
)
from search.permissions import customer_filter, permission_filter, require_principal
from search.query_parser import ParsedQuery, identifier_variants, normalize_identifier
from search.request import GROUP_FIELDS, MAX_RESULT_WINDOW, SearchRequest

__all__ = ["POST_TAG", "PRE_TAG", "SOURCE_FIELDS", "KeywordTuning", "DEFAULT_TUNING", "permission_filter"]

# -------------------------------------------------------------------------------------------- bodies


def keyword_body(
    req: SearchRequest,
    principal: Principal,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None = None,
    *,
    size: int | None = None,
    from_: int | None = None,
    with_facets: bool = True,
    with_groups: bool = True,
    tuning: KeywordTuning = DEFAULT_TUNING,
    track_total_hits: bool | int = True,
    light: bool = False,
    fields: list[str] | None = None,
) -> dict[str, Any]:
    """The lexical (BM25 + filters) request: hits, facets, groups.

    `size`/`from_` override the request's paging (the hybrid fetches a candidate list of fixed depth).
    `light`: ids and scores only (no _source, no highlight) plus the doc-value `fields` asked for — the
    candidate lists of the hybrid; the page itself is fetched with `page_fetch_bodies`."""
    require_principal(principal)
    size = req.size if size is None else size
    from_ = req.offset if from_ is None else from_
    if from_ + size > MAX_RESULT_WINDOW:
        from_ = max(0, MAX_RESULT_WINDOW - size)
    body: dict[str, Any] = {
        "query": keyword_query(req, principal, parsed, analysis, tuning),
        "size": size,
        "sort": sort_clause(req, parsed),
        "_source": {"includes": SOURCE_FIELDS},
        "track_total_hits": track_total_hits,
    }
    if req.search_after is not None:
        body["search_after"] = list(req.search_after)
    elif from_:
        body["from"] = from_
    if (pf := post_filter(req)) is not None:
        body["post_filter"] = pf
    aggs: dict[str, Any] = {}
    if with_facets:
        aggs.update(facet_aggs(req, principal))
    if with_groups:
        aggs.update(group_aggs(req, principal, parsed))
    if aggs:
        body["aggs"] = aggs
    if light:
        body["_source"] = False
        if fields:
            body["docvalue_fields"] = list(fields)
    elif req.highlight and size > 0:  # the text query only, never the (possibly large) permission filter
        hq = text_query(parsed, analysis, tuning)
        body["highlight"] = highlight_clause(hq if hq is not None else {"match_none": {}})
    return body


def knn_filters(req: SearchRequest, principal: Principal, parsed: ParsedQuery) -> list[dict[str, Any]]:
    return constraint_filters(req, principal, parsed) + hard_text_constraints(parsed) + selections(req)


def knn_body(
    req: SearchRequest,
    principal: Principal,
    parsed: ParsedQuery,
    vector: list[float],
    analysis: QueryAnalysis | None = None,
    *,
    k: int = 100,
    num_candidates: int | None = None,
    size: int | None = None,
    tuning: KeywordTuning = DEFAULT_TUNING,
    light: bool = False,
    fields: list[str] | None = None,
) -> dict[str, Any]:
    """Top-level kNN over the nested passage vectors: one hit per document (its best passage's similarity),
    the passage itself as inner hit. Permission and every filter are inside `knn.filter`."""
    require_principal(principal)
    k = max(1, min(k, 10_000))
    num_candidates = min(10_000, max(k, num_candidates or max(2 * k, 100)))
    body: dict[str, Any] = {
        "knn": {
            "field": VECTOR_FIELD,
            "query_vector": [float(x) for x in vector],
            "k": k,
            "num_candidates": num_candidates,
            "filter": knn_filters(req, principal, parsed),
            "inner_hits": {"size": 1, "_source": {"includes": ["passages.text", "passages.ord"]}},
        },
        "size": k if size is None else size,
        "_source": {"includes": SOURCE_FIELDS},
        "track_total_hits": False,
    }
    if light:
        body["_source"] = False
        del body["knn"]["inner_hits"]
        if fields:
            body["docvalue_fields"] = list(fields)
    elif req.highlight:
        hq = text_query(parsed, analysis, tuning)
        body["highlight"] = highlight_clause(hq if hq is not None else {"match_none": {}})
    return body


def page_fetch_bodies(
    principal: Principal,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None,
    vector: list[float] | None,
    ids: list[str],
    *,
    highlight: bool = True,
    tuning: KeywordTuning = DEFAULT_TUNING,
) -> list[dict[str, Any]]:
    """Second phase of the hybrid/semantic search: the page's documents (and group leaders) with their
    sources and highlights, and — given the query vector — each one's best passage (exact kNN restricted to
    those ids). Still behind the permission filter."""
    require_principal(principal)
    ids_filter = {"ids": {"values": list(ids)}}
    hq = text_query(parsed, analysis, tuning)
    query: dict[str, Any] = {"bool": {"filter": [permission_filter(principal), ids_filter]}}
    if hq is not None:
        query["bool"]["should"] = [hq]
    fetch: dict[str, Any] = {
        "query": query,
        "size": len(ids),
        "_source": {"includes": SOURCE_FIELDS},
        "track_total_hits": False,
    }
    if highlight:  # the text query only: the permission filter (large with many grants) is no highlight source
        fetch["highlight"] = highlight_clause(hq if hq is not None else {"match_none": {}})
    bodies = [fetch]
    if vector is not None:
        bodies.append(
            {
                "knn": {
                    "field": VECTOR_FIELD,
                    "query_vector": [float(x) for x in vector],
                    "k": len(ids),
                    "num_candidates": max(len(ids), 10),
                    "filter": [permission_filter(principal), ids_filter],
                    "inner_hits": {"size": 1, "_source": {"includes": ["passages.text", "passages.ord"]}},
                },
                "size": len(ids),
                "_source": False,
                "track_total_hits": False,
            }
        )
    return bodies


def group_count_body(
    req: SearchRequest,
    principal: Principal,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None,
    keys: list[str | None],
    tuning: KeywordTuning = DEFAULT_TUNING,
) -> dict[str, Any]:
    """Exact document counts of the given group keys (groups the fused ranking surfaced that were not among
    the aggregation's buckets; None = documents without a value) — same query and selections as the group
    aggregation."""
    require_principal(principal)
    if req.group_by is None:
        raise ValueError("group_count_body needs a request with group_by")
    fld = GROUP_FIELDS[req.group_by]
    query = keyword_query(req, principal, parsed, analysis, tuning, extra_filters=selections(req))
    values = [k for k in keys if k is not None]
    aggs: dict[str, Any] = {}
    if values:
        aggs["keys"] = {"terms": {"field": fld, "size": len(values), "include": values}}
    if len(values) < len(keys):
        aggs["none"] = {"missing": {"field": fld}}
    return {"query": query, "size": 0, "track_total_hits": False, "aggs": aggs}


def similar_body(
    principal: Principal, doc_id: str, vector: list[float], *, k: int = 10, exclude_family: str | None = None
) -> dict[str, Any]:
    """Vector neighbours of a document (latest versions, permitted, excluding the document itself and, given
    `exclude_family`, its other versions)."""
    require_principal(principal)
    exclude: list[dict[str, Any]] = [{"term": {"doc_id": doc_id}}, {"ids": {"values": [doc_id]}}]
    if exclude_family:
        exclude.append({"term": {"family_id": exclude_family}})
    return {
        "knn": {
            "field": VECTOR_FIELD,
            "query_vector": [float(x) for x in vector],
            "k": k,
            "num_candidates": max(100, 4 * k),
            "filter": [
                permission_filter(principal),
                {"term": {"is_latest": True}},
                {"bool": {"must_not": exclude}},
            ],
            "inner_hits": {"size": 1, "_source": {"includes": ["passages.text", "passages.ord"]}},
        },
        "size": k,
        "_source": {"includes": SOURCE_FIELDS},
    }


def source_vector_body(principal: Principal, doc_id: str) -> dict[str, Any]:
    """Fetch a permitted document's first passage vector (a search, so the permission filter applies)."""
    require_principal(principal)
    return {
        "query": {
            "bool": {
                "filter": [
                    permission_filter(principal),
                    {"bool": {"should": [{"ids": {"values": [doc_id]}}, {"term": {"doc_id": doc_id}}]}},
                ]
            }
        },
        "size": 1,
        "_source": {"includes": ["doc_id", "family_id", "passages.ord", "passages.vector"]},
    }


def export_body(
    req: SearchRequest,
    principal: Principal,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None = None,
    *,
    pit_id: str,
    search_after: list[Any] | None = None,
    batch: int = 500,
    fields: list[str] | None = None,
    keep_alive: str = "2m",
) -> dict[str, Any]:
    """One page of a point-in-time export (keyword query + selections as filters, sorted, no aggs): only what
    the principal may export (the registers' export groups; grants are read only)."""
    require_principal(principal)
    exportable = permission_filter(principal, "export")
    query = keyword_query(req, principal, parsed, analysis, extra_filters=[*selections(req), exportable])
    sort = sort_clause(req, parsed)
    sort = [s for s in sort if not (isinstance(s, dict) and "doc_id" in s)] + [{"_shard_doc": "asc"}]
    body: dict[str, Any] = {
        "query": query,
        "size": batch,
        "sort": sort,
        "pit": {"id": pit_id, "keep_alive": keep_alive},
        "_source": {"includes": fields or SOURCE_FIELDS},
        "track_total_hits": False,
    }
    if search_after is not None:
        body["search_after"] = search_after
    return body


def count_body(
    req: SearchRequest,
    principal: Principal,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None = None,
    *,
    tuning: KeywordTuning = DEFAULT_TUNING,
) -> dict[str, Any]:
    """How many documents match (keyword semantics: query text, filters and selections) — a view's count."""
    require_principal(principal)
    query = keyword_query(req, principal, parsed, analysis, tuning, extra_filters=selections(req))
    return {"query": query, "size": 0, "track_total_hits": True}


def match_body(
    req: SearchRequest,
    principal: Principal,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None,
    ids: list[str],
    *,
    tuning: KeywordTuning = DEFAULT_TUNING,
) -> dict[str, Any]:
    """Which of `ids` match the request for this principal (subscription matching of new documents)."""
    require_principal(principal)
    extra = [*selections(req), {"ids": {"values": list(ids)}}]
    query = keyword_query(req, principal, parsed, analysis, tuning, extra_filters=extra)
    return {"query": query, "size": len(ids), "sort": ["_doc"], "_source": False, "track_total_hits": False}


def customer_suggest_body(principal: Principal, prefix_text: str, *, size: int = 10) -> dict[str, Any]:
    """Completion on customers.suggest within the user's tenants + prefix match on the normalised number."""
    require_principal(principal)
    prefix_text = (prefix_text or "").strip()[:100]
    should: list[dict[str, Any]] = []
    if prefix_text and any(ch.isdigit() for ch in prefix_text):
        # "10234", "K-102", "k 10234": prefix of the normalised number (bare digits also as "k…")
        forms = list(dict.fromkeys(identifier_variants(prefix_text) + [normalize_identifier(prefix_text)]))
        digits = normalize_identifier(prefix_text)
        if digits.isdigit():
            forms.append("k" + digits)
        for form in dict.fromkeys(f for f in forms if f):
            should.append({"prefix": {"number_norm": {"value": form}}})
    body: dict[str, Any] = {
        "size": size if should else 0,
        "_source": {"includes": ["customer_id", "number", "name", "tenant", "acl_groups", "segment"]},
        "query": {
            "bool": {
                "filter": [customer_filter(principal)],
                "should": should or [{"match_none": {}}],
                "minimum_should_match": 1,
            }
        },
    }
    if prefix_text and not principal.sees_nothing and not should:
        # names only: the completion field's simple analyzer drops digits ("K-2" would suggest every "K-…")
        body["suggest"] = {
            "customers": {
                "prefix": prefix_text,
                "completion": {
                    "field": "suggest",
                    "size": size,
                    "skip_duplicates": True,
                    "contexts": {"tenant": sorted(principal.tenants)},
                },
            }
        }
    return body
