"""SearchRequest + UserScope -> Elasticsearch request bodies (pure).

Every public builder takes the `UserScope` as a required, positional argument and starts from
`permission_filter(scope)`; it is placed

- in the `bool.filter` of every query (so aggregations, grouping and top_hits only ever see permitted docs),
- inside `knn.filter` (a post_filter alone would let kNN pick forbidden neighbours first and drop them later),
- in similar-document, export and suggestion bodies.

Query shapes used: bool, multi_match, match, match_phrase, term(s), range, exists, knn. Never query_string /
simple_query_string, so user input cannot produce a parse error.

Facets: the user's facet selections go to `post_filter`; every facet aggregation is wrapped in a `filter`
aggregation holding all *other* selections, so each facet's counts exclude its own selection (multi-select OR
within a facet, AND across facets). Constraints typed into the query (``typ:``, ``datum:``, ``kunde:``,
``nr:``) and the request's date range / latest-only switch are part of the query itself and narrow every facet.

Grouping (by customer, register, month) uses a `terms` aggregation + `top_hits` inside a `filter` aggregation
holding all selections, plus a `cardinality` for the number of groups — not `collapse`, because
(1) customer grouping is over the multi-valued `customer_ids` (a document filed to two dossiers belongs to both
groups; collapse refuses multi-valued fields), (2) groups get exact document counts from the aggregation,
(3) the hybrid ranking is fused in the application, so groups are re-ordered by fused rank in Python anyway.
Terms aggregations cannot skip buckets (bucket_sort is in the missing `aggregations` module): group page N
fetches N×group_size buckets (capped at MAX_GROUP_BUCKETS) and the parser slices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.analysis import QueryAnalysis
from search.query_parser import ParsedQuery, canonical_identifier, identifier_variants, normalize_identifier
from search.request import FACET_FIELDS, GROUP_FIELDS, MAX_RESULT_WINDOW, SearchRequest, UserScope

PRE_TAG = "\ue000"
POST_TAG = "\ue001"
MISSING_GROUP_KEY = "__none__"
MAX_GROUP_BUCKETS = 500
VECTOR_FIELD = "passages.vector"

# fields returned for a hit (never the full text or the vectors)
SOURCE_FIELDS = [
    "doc_id",
    "family_id",
    "title",
    "customer_ids",
    "customer_names",
    "primary_customer_id",
    "register",
    "doc_date",
    "language",
    "version",
    "is_latest",
    "tenant",
    "source_kind",
    "status",
    "file_name",
    "mime_type",
    "subject",
    "year_month",
]

FACET_ORDER: dict[str, dict[str, str]] = {"year_month": {"_key": "desc"}}


@dataclass(frozen=True)
class KeywordTuning:
    """BM25 query shape. Defaults chosen with bench/retrieval.py on SciFact train qrels and half of the XQuAD
    queries (see search/fusion.py for the measurement notes)."""

    type: str = "best_fields"
    tie_breaker: float = 0.3
    title_boost: float = 1.0
    text_boost: float = 1.0
    customer_boost: float = 2.0
    lemma_boost: float = 1.0
    stem_boost: float = 2.0  # the client-side Snowball `stems` field (nlp.stems); 1/1.5/2/3/5 measured on tuning sets
    id_boost: float = 20.0
    phrase_boost: float = 2.0

    def fields(self) -> list[str]:
        return [
            f"title^{self.title_boost:g}",
            f"text^{self.text_boost:g}",
            f"customer_names^{self.customer_boost:g}",
            "file_name",
            "subject",
        ]


DEFAULT_TUNING = KeywordTuning()

# -------------------------------------------------------------------------------------------- permissions


def _require_scope(scope: UserScope) -> None:
    if not isinstance(scope, UserScope):
        raise TypeError("a UserScope is required for every search body")


def permission_filter(scope: UserScope) -> dict[str, Any]:
    """tenant ∈ scope.tenants AND acl_groups ∩ scope.groups ≠ ∅ (admins: tenant only). Empty scope: nothing."""
    _require_scope(scope)
    if scope.sees_nothing:
        return {"bool": {"must_not": [{"match_all": {}}]}}
    clauses: list[dict[str, Any]] = [{"terms": {"tenant": sorted(scope.tenants)}}]
    if not scope.is_admin:
        clauses.append({"terms": {"acl_groups": sorted(scope.groups)}})
    return {"bool": {"filter": clauses}}


# -------------------------------------------------------------------------------------------- filters


def selection_clause(facet: str, values: tuple[str, ...]) -> dict[str, Any]:
    return {"terms": {FACET_FIELDS[facet]: list(values)}}


def selections(req: SearchRequest, *, exclude: str | None = None) -> list[dict[str, Any]]:
    return [selection_clause(f, v) for f, v in req.filters.items() if f != exclude and v]


def _customer_clause(value: str) -> dict[str, Any]:
    """kunde:<id, number or name>: the customer id as stored, its canonical number, or the name."""
    ids = {value, value.upper(), value.lower()}
    if (canonical := canonical_identifier(value)) is not None:
        ids.add(canonical)
    should: list[dict[str, Any]] = [
        {"terms": {"customer_ids": sorted(ids)}},
        {"match": {"customer_names": {"query": value, "operator": "and"}}},
    ]
    variants = identifier_variants(value)
    if variants:
        should.append({"terms": {"entities.customer_number": variants}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _required_id_clause(variants: str) -> dict[str, Any]:
    forms = [v for v in variants.split("|") if v]
    return {
        "bool": {
            "should": [{"terms": {"ids": forms}}, {"terms": {"customer_ids": forms}}],
            "minimum_should_match": 1,
        }
    }


def _phrase_clause(phrase: str) -> dict[str, Any]:
    return {
        "multi_match": {"query": phrase, "type": "phrase", "fields": ["title", "text", "subject", "customer_names"]}
    }


def constraint_filters(req: SearchRequest, scope: UserScope, parsed: ParsedQuery) -> list[dict[str, Any]]:
    """Permission + everything that narrows the result set for every facet (not facet selections)."""
    out = [permission_filter(scope)]
    if req.latest_only:
        out.append({"term": {"is_latest": True}})
    if req.date_range is not None and (q := req.date_range.to_query()):
        out.append(q)
    if parsed.date_range is not None and (q := parsed.date_range.to_query()):
        out.append(q)
    if parsed.registers:
        out.append({"terms": {"register": list(parsed.registers)}})
    return out


def hard_text_constraints(parsed: ParsedQuery) -> list[dict[str, Any]]:
    """Typed constraints that every hit must satisfy (also applied inside knn.filter)."""
    out: list[dict[str, Any]] = [_phrase_clause(p) for p in parsed.phrases]
    if parsed.customers:
        out.append({"bool": {"should": [_customer_clause(c) for c in parsed.customers], "minimum_should_match": 1}})
    out.extend(_required_id_clause(i) for i in parsed.required_ids)
    return out


# -------------------------------------------------------------------------------------------- queries


def text_query(
    parsed: ParsedQuery, analysis: QueryAnalysis | None = None, tuning: KeywordTuning = DEFAULT_TUNING
) -> dict[str, Any] | None:
    """The scoring part of the keyword query (None when there is no free text)."""
    should: list[dict[str, Any]] = []
    if parsed.has_text:
        should.append(
            {
                "multi_match": {
                    "query": parsed.text,
                    "type": tuning.type,
                    "fields": tuning.fields(),
                    **({"tie_breaker": tuning.tie_breaker} if tuning.type == "best_fields" else {}),
                }
            }
        )
        if analysis is not None and analysis.lemmas and tuning.lemma_boost > 0:
            should.append({"match": {"lemmas": {"query": analysis.lemmas, "boost": tuning.lemma_boost}}})
        if analysis is not None and analysis.stems and tuning.stem_boost > 0:
            should.append({"match": {"stems": {"query": analysis.stems, "boost": tuning.stem_boost}}})
        for phrase in parsed.phrases:
            should.append(
                {
                    "multi_match": {
                        "query": phrase,
                        "type": "phrase",
                        "fields": ["title", "text", "subject"],
                        "boost": tuning.phrase_boost,
                    }
                }
            )
    for ident in parsed.identifiers:
        should.append({"term": {"ids": {"value": ident, "boost": tuning.id_boost}}})
    if not should:
        return None
    return {"bool": {"should": should, "minimum_should_match": 1}}


def keyword_query(
    req: SearchRequest,
    scope: UserScope,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None = None,
    tuning: KeywordTuning = DEFAULT_TUNING,
) -> dict[str, Any]:
    must = hard_text_constraints(parsed)
    scoring = text_query(parsed, analysis, tuning)
    if scoring is not None:
        must.append(scoring)
    body: dict[str, Any] = {"filter": constraint_filters(req, scope, parsed)}
    if must:
        body["must"] = must
    return {"bool": body}


def post_filter(req: SearchRequest) -> dict[str, Any] | None:
    sel = selections(req)
    return {"bool": {"filter": sel}} if sel else None


def sort_clause(req: SearchRequest, parsed: ParsedQuery) -> list[Any]:
    sort = req.sort
    if sort == "relevance" and parsed.is_empty:
        sort = "date_desc"  # browsing: relevance is meaningless, newest first
    tiebreak = {"doc_id": {"order": "asc", "missing": "_last"}}
    if sort == "relevance":
        return ["_score", tiebreak]
    if sort == "date_desc":
        return [{"doc_date": {"order": "desc", "missing": "_last"}}, tiebreak]
    if sort == "date_asc":
        return [{"doc_date": {"order": "asc", "missing": "_last"}}, tiebreak]
    return [
        {"customer_names.raw": {"order": "asc", "missing": "_last"}},
        {"doc_date": {"order": "desc", "missing": "_last"}},
        tiebreak,
    ]


def highlight_clause(highlight_query: dict[str, Any] | None = None) -> dict[str, Any]:
    hl: dict[str, Any] = {
        "pre_tags": [PRE_TAG],
        "post_tags": [POST_TAG],
        "max_analyzed_offset": 500_000,  # long documents: highlight the first 500k chars instead of failing
        "fields": {
            "title": {"number_of_fragments": 0},
            "subject": {"number_of_fragments": 0},
            "customer_names": {"number_of_fragments": 0},
            "text": {"fragment_size": 160, "number_of_fragments": 3, "no_match_size": 160},
        },
    }
    if highlight_query is not None:
        hl["highlight_query"] = highlight_query
    return hl


# -------------------------------------------------------------------------------------------- aggregations


def facet_aggs(req: SearchRequest, scope: UserScope) -> dict[str, Any]:
    """One `filter` agg per facet with all other selections; inside: top values + exact counts of the
    selected values (so a selected value outside the top N, or with no hits, still shows with its count)."""
    _require_scope(scope)
    wanted = list(req.wanted_facets)
    if "tenant" not in wanted and req.facets is None and len(scope.tenants) > 1:
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


def group_aggs(req: SearchRequest, scope: UserScope, parsed: ParsedQuery) -> dict[str, Any]:
    _require_scope(scope)
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


# -------------------------------------------------------------------------------------------- bodies


def keyword_body(
    req: SearchRequest,
    scope: UserScope,
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
    _require_scope(scope)
    size = req.size if size is None else size
    from_ = req.offset if from_ is None else from_
    if from_ + size > MAX_RESULT_WINDOW:
        from_ = max(0, MAX_RESULT_WINDOW - size)
    body: dict[str, Any] = {
        "query": keyword_query(req, scope, parsed, analysis, tuning),
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
        aggs.update(facet_aggs(req, scope))
    if with_groups:
        aggs.update(group_aggs(req, scope, parsed))
    if aggs:
        body["aggs"] = aggs
    if light:
        body["_source"] = False
        if fields:
            body["docvalue_fields"] = list(fields)
    elif req.highlight and size > 0:
        body["highlight"] = highlight_clause()
    return body


def knn_filters(req: SearchRequest, scope: UserScope, parsed: ParsedQuery) -> list[dict[str, Any]]:
    return constraint_filters(req, scope, parsed) + hard_text_constraints(parsed) + selections(req)


def knn_body(
    req: SearchRequest,
    scope: UserScope,
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
    _require_scope(scope)
    k = max(1, min(k, 10_000))
    num_candidates = min(10_000, max(k, num_candidates or max(2 * k, 100)))
    body: dict[str, Any] = {
        "knn": {
            "field": VECTOR_FIELD,
            "query_vector": [float(x) for x in vector],
            "k": k,
            "num_candidates": num_candidates,
            "filter": knn_filters(req, scope, parsed),
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
    scope: UserScope,
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
    _require_scope(scope)
    ids_filter = {"ids": {"values": list(ids)}}
    hq = text_query(parsed, analysis, tuning)
    query: dict[str, Any] = {"bool": {"filter": [permission_filter(scope), ids_filter]}}
    if hq is not None:
        query["bool"]["should"] = [hq]
    fetch: dict[str, Any] = {
        "query": query,
        "size": len(ids),
        "_source": {"includes": SOURCE_FIELDS},
        "track_total_hits": False,
    }
    if highlight:
        fetch["highlight"] = highlight_clause()
    bodies = [fetch]
    if vector is not None:
        bodies.append(
            {
                "knn": {
                    "field": VECTOR_FIELD,
                    "query_vector": [float(x) for x in vector],
                    "k": len(ids),
                    "num_candidates": max(len(ids), 10),
                    "filter": [permission_filter(scope), ids_filter],
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
    scope: UserScope,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None,
    keys: list[str | None],
    tuning: KeywordTuning = DEFAULT_TUNING,
) -> dict[str, Any]:
    """Exact document counts of the given group keys (groups the fused ranking surfaced that were not among
    the aggregation's buckets; None = documents without a value) — same query and selections as the group
    aggregation."""
    _require_scope(scope)
    if req.group_by is None:
        raise ValueError("group_count_body needs a request with group_by")
    fld = GROUP_FIELDS[req.group_by]
    sel = selections(req)
    query = keyword_query(req, scope, parsed, analysis, tuning)
    if sel:
        query["bool"]["filter"] = query["bool"]["filter"] + sel
    values = [k for k in keys if k is not None]
    aggs: dict[str, Any] = {}
    if values:
        aggs["keys"] = {"terms": {"field": fld, "size": len(values), "include": values}}
    if len(values) < len(keys):
        aggs["none"] = {"missing": {"field": fld}}
    return {"query": query, "size": 0, "track_total_hits": False, "aggs": aggs}


def similar_body(scope: UserScope, doc_id: str, vector: list[float], *, k: int = 10) -> dict[str, Any]:
    """Vector neighbours of a document (latest versions, permitted, excluding the document's own family)."""
    _require_scope(scope)
    return {
        "knn": {
            "field": VECTOR_FIELD,
            "query_vector": [float(x) for x in vector],
            "k": k,
            "num_candidates": max(100, 4 * k),
            "filter": [
                permission_filter(scope),
                {"term": {"is_latest": True}},
                {"bool": {"must_not": [{"term": {"doc_id": doc_id}}, {"ids": {"values": [doc_id]}}]}},
            ],
            "inner_hits": {"size": 1, "_source": {"includes": ["passages.text", "passages.ord"]}},
        },
        "size": k,
        "_source": {"includes": SOURCE_FIELDS},
    }


def source_vector_body(scope: UserScope, doc_id: str) -> dict[str, Any]:
    """Fetch a permitted document's first passage vector (a search, so the permission filter applies)."""
    _require_scope(scope)
    return {
        "query": {
            "bool": {
                "filter": [
                    permission_filter(scope),
                    {"bool": {"should": [{"ids": {"values": [doc_id]}}, {"term": {"doc_id": doc_id}}]}},
                ]
            }
        },
        "size": 1,
        "_source": {"includes": ["doc_id", "family_id", "passages.ord", "passages.vector"]},
    }


def export_body(
    req: SearchRequest,
    scope: UserScope,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None = None,
    *,
    pit_id: str,
    search_after: list[Any] | None = None,
    batch: int = 500,
    fields: list[str] | None = None,
) -> dict[str, Any]:
    """One page of a point-in-time export (keyword query + selections as filters, sorted, no aggs)."""
    _require_scope(scope)
    query = keyword_query(req, scope, parsed, analysis)
    sel = selections(req)
    if sel:
        query["bool"]["filter"] = query["bool"]["filter"] + sel
    sort = sort_clause(req, parsed)
    sort = [s for s in sort if not (isinstance(s, dict) and "doc_id" in s)] + [{"_shard_doc": "asc"}]
    body: dict[str, Any] = {
        "query": query,
        "size": batch,
        "sort": sort,
        "pit": {"id": pit_id, "keep_alive": "2m"},
        "_source": {"includes": fields or SOURCE_FIELDS},
        "track_total_hits": False,
    }
    if search_after is not None:
        body["search_after"] = search_after
    return body


def customer_suggest_body(scope: UserScope, prefix_text: str, *, size: int = 10) -> dict[str, Any]:
    """Completion on customers.suggest within the user's tenants + prefix match on the normalised number."""
    _require_scope(scope)
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
                "filter": [permission_filter(scope)],
                "should": should or [{"match_none": {}}],
                "minimum_should_match": 1,
            }
        },
    }
    if prefix_text and not scope.sees_nothing and not should:
        # names only: the completion field's simple analyzer drops digits ("K-2" would suggest every "K-…")
        body["suggest"] = {
            "customers": {
                "prefix": prefix_text,
                "completion": {
                    "field": "suggest",
                    "size": size,
                    "skip_duplicates": True,
                    "contexts": {"tenant": sorted(scope.tenants)},
                },
            }
        }
    return body
