"""The pieces every document query is made of (pure): filters, the scoring text query, sorting, highlighting.

Query shapes used: bool, multi_match, match, match_phrase, term(s), range, exists. Never query_string /
simple_query_string, so user input cannot produce a parse error. `constraint_filters` starts with
`search.permissions.permission_filter`: every query built from these clauses is permission-checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.principal import Principal
from search.analysis import QueryAnalysis
from search.permissions import MATCH_NOTHING, permission_filter
from search.query_parser import ParsedQuery, canonical_identifier, identifier_variants
from search.request import FACET_FIELDS, SearchRequest

PRE_TAG = "\ue000"
POST_TAG = "\ue001"
MISSING_GROUP_KEY = "__none__"
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


def constraint_filters(req: SearchRequest, principal: Principal, parsed: ParsedQuery) -> list[dict[str, Any]]:
    """Permission + everything that narrows the result set for every facet (not facet selections)."""
    out = [permission_filter(principal)]
    if req.latest_only:
        out.append({"term": {"is_latest": True}})
    if req.date_range is not None and (q := req.date_range.to_query()):
        out.append(q)
    if parsed.date_range is not None and (q := parsed.date_range.to_query()):
        out.append(q)
    if parsed.registers:
        out.append({"terms": {"register": list(parsed.registers)}})
    if req.customer_attrs and req.customer_in is None:
        raise ValueError("customer attributes must be resolved (search.customer_scope.resolve) before building")
    if req.customer_in is not None:
        out.append(customer_in_clause(req.customer_in))
    return out


def customer_in_clause(customer_ids: tuple[str, ...]) -> dict[str, Any]:
    """Documents filed to one of these customers; no customers: nothing (never "no restriction")."""
    return {"terms": {"customer_ids": list(customer_ids)}} if customer_ids else MATCH_NOTHING


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
    principal: Principal,
    parsed: ParsedQuery,
    analysis: QueryAnalysis | None = None,
    tuning: KeywordTuning = DEFAULT_TUNING,
    *,
    extra_filters: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    """Permission + constraints (+ `extra_filters`) as filters, typed constraints and the text as `must`."""
    must = hard_text_constraints(parsed)
    scoring = text_query(parsed, analysis, tuning)
    if scoring is not None:
        must.append(scoring)
    body: dict[str, Any] = {"filter": constraint_filters(req, principal, parsed) + list(extra_filters)}
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
