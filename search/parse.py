"""Elasticsearch responses -> `SearchResult` (pure).

Highlights arrive with private-use marker characters (`search.builder.PRE_TAG` / `POST_TAG`) and leave as
structured fragments: a fragment is a tuple of ``(text, is_match)`` pieces. Nothing here produces HTML; the
Dash components render pieces as text and `html.Mark`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.errors import Message
from search.clauses import MISSING_GROUP_KEY, POST_TAG, PRE_TAG
from search.request import GROUP_FIELDS, SearchRequest

Fragment = tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Hit:
    doc_id: str
    score: float | None
    title: str = ""
    customer_ids: tuple[str, ...] = ()
    customer_names: tuple[str, ...] = ()
    register: str | None = None
    doc_date: str | None = None
    language: str | None = None
    version: int | None = None
    is_latest: bool | None = None
    # field -> fragments ("title", "text", "subject", "customer_names")
    highlights: Mapping[str, tuple[Fragment, ...]] = field(default_factory=dict)
    best_passage: str | None = None
    best_passage_ord: int | None = None
    sort: tuple[Any, ...] | None = None
    source: Mapping[str, Any] = field(default_factory=dict)

    @property
    def snippet(self) -> tuple[Fragment, ...]:
        """What a result list shows under the title: text highlights, else the best passage."""
        if self.highlights.get("text"):
            return self.highlights["text"]
        if self.best_passage:
            return (((self.best_passage[:300], False),),)
        return ()


@dataclass(frozen=True)
class FacetBucket:
    value: str
    count: int
    selected: bool = False


@dataclass(frozen=True)
class Group:
    key: str | None  # None = documents without a value (e.g. not yet filed to a customer)
    count: int
    hits: tuple[Hit, ...] = ()


@dataclass(frozen=True)
class CustomerSuggestion:
    customer_id: str
    number: str | None
    name: str
    tenant: str | None = None


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    total_is_exact: bool = True
    facets: dict[str, list[FacetBucket]] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    total_groups: int = 0
    next_search_after: tuple[Any, ...] | None = None
    messages: list[Message] = field(default_factory=list)
    mode: str = "keyword"
    language: str | None = None
    dense_weight: float | None = None
    took_ms: float | None = None


# ------------------------------------------------------------------------------------------- highlights


def split_marked(fragment: str) -> Fragment:
    """ "a \\ue000b\\ue001 c" -> (("a ", False), ("b", True), (" c", False)). Stray markers are dropped."""
    pieces: list[tuple[str, bool]] = []
    buf: list[str] = []
    in_match = False
    for ch in fragment:
        if ch in (PRE_TAG, POST_TAG):
            if buf:
                pieces.append(("".join(buf), in_match))
                buf = []
            in_match = ch == PRE_TAG
            continue
        buf.append(ch)
    if buf:
        pieces.append(("".join(buf), in_match))
    merged: list[tuple[str, bool]] = []
    for text, is_match in pieces:
        if merged and merged[-1][1] == is_match:
            merged[-1] = (merged[-1][0] + text, is_match)
        else:
            merged.append((text, is_match))
    return tuple(merged)


def parse_highlights(raw: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[Fragment, ...]]:
    out: dict[str, tuple[Fragment, ...]] = {}
    for fld, fragments in (raw or {}).items():
        parsed = tuple(f for f in (split_marked(x) for x in fragments) if f)
        if parsed:
            out[fld] = parsed
    return out


# ------------------------------------------------------------------------------------------- hits


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if v is not None)
    return (str(value),)


def best_passage_of(raw_hit: Mapping[str, Any]) -> tuple[str | None, int | None]:
    inner = (raw_hit.get("inner_hits") or {}).get("passages") or {}
    hits = ((inner.get("hits") or {}).get("hits")) or []
    if not hits:
        return None, None
    src = hits[0].get("_source") or {}
    # nested inner hits carry the nested object's own source ({"text": .., "ord": ..})
    if "passages" in src and isinstance(src["passages"], Mapping):
        src = src["passages"]
    text = src.get("text")
    ord_ = src.get("ord")
    if ord_ is None:
        ord_ = (hits[0].get("_nested") or {}).get("offset")
    return (str(text) if text is not None else None), (int(ord_) if ord_ is not None else None)


def parse_hit(raw_hit: Mapping[str, Any], *, score: float | None = None) -> Hit:
    src = raw_hit.get("_source") or {}
    passage, passage_ord = best_passage_of(raw_hit)
    version = src.get("version")
    return Hit(
        doc_id=str(src.get("doc_id") or raw_hit.get("_id")),
        score=score if score is not None else raw_hit.get("_score"),
        title=str(src.get("title") or src.get("subject") or src.get("file_name") or ""),
        customer_ids=_tuple(src.get("customer_ids")),
        customer_names=_tuple(src.get("customer_names")),
        register=src.get("register"),
        doc_date=src.get("doc_date"),
        language=src.get("language"),
        version=int(version) if version is not None else None,
        is_latest=src.get("is_latest"),
        highlights=parse_highlights(raw_hit.get("highlight")),
        best_passage=passage,
        best_passage_ord=passage_ord,
        sort=tuple(raw_hit["sort"]) if raw_hit.get("sort") is not None else None,
        source=src,
    )


def run_of(response: Mapping[str, Any]) -> list[tuple[str, float]]:
    """(doc id, score) of a response's hits, for fusion."""
    out = []
    for h in (response.get("hits") or {}).get("hits") or []:
        out.append((str(h.get("_id")), float(h.get("_score") or 0.0)))
    return out


def _total(response: Mapping[str, Any]) -> tuple[int, bool]:
    total = (response.get("hits") or {}).get("total")
    if isinstance(total, Mapping):
        return int(total.get("value", 0)), total.get("relation", "eq") == "eq"
    if isinstance(total, int):
        return total, True
    return len((response.get("hits") or {}).get("hits") or []), False


# ------------------------------------------------------------------------------------------- facets & groups


def parse_facets(aggs: Mapping[str, Any] | None, req: SearchRequest) -> dict[str, list[FacetBucket]]:
    out: dict[str, list[FacetBucket]] = {}
    for name, agg in (aggs or {}).items():
        if not name.startswith("facet:"):
            continue
        facet = name[len("facet:") :]
        chosen = req.filters.get(facet, ())
        buckets: list[FacetBucket] = []
        seen: set[str] = set()
        for b in (agg.get("values") or {}).get("buckets") or []:
            value = str(b.get("key_as_string", b.get("key")))
            seen.add(value)
            buckets.append(FacetBucket(value, int(b.get("doc_count", 0)), value in chosen))
        selected = ((agg.get("selected") or {}).get("buckets")) or {}
        for value in chosen:
            if value not in seen:
                count = int((selected.get(value) or {}).get("doc_count", 0))
                buckets.append(FacetBucket(value, count, True))
        out[facet] = buckets
    return out


def parse_groups(
    aggs: Mapping[str, Any] | None,
    req: SearchRequest,
    *,
    rank_of: Mapping[str, int] | None = None,
    fused_hits: Sequence[Hit] = (),
    extra_counts: Mapping[str | None, int] | None = None,
) -> tuple[list[Group], int]:
    """Groups of the requested page.

    Without `rank_of`: the aggregation's buckets (relevance: by each bucket's best BM25 hit; month: newest
    first; otherwise by count). With `rank_of` (doc id -> fused rank, hybrid/semantic): groups are ordered by
    their best fused hit (months stay chronological), the fused hits lead each group's hit list, and groups
    the fused ranking surfaced beyond the aggregation's buckets are added (their count from `extra_counts`,
    else the number of their fused hits)."""
    if req.group_by is None or not aggs or "groups" not in aggs:
        return [], 0
    g = aggs["groups"]
    total_groups = int((g.get("count") or {}).get("value", 0))
    raw_buckets = (g.get("keys") or {}).get("buckets") or []
    groups: list[tuple[str | None, int, list[Hit], float]] = []
    fld = GROUP_FIELDS[req.group_by]
    fused_by_key: dict[str | None, list[Hit]] = {}
    for hit in fused_hits:
        values = hit.source.get(fld) if hit.source else None
        for key in _tuple(values) or (None,):
            fused_by_key.setdefault(key, []).append(hit)
    never = float(1 << 30)
    seen: set[str | None] = set()
    for pos, b in enumerate(raw_buckets):
        key = str(b.get("key_as_string", b.get("key")))
        key_out: str | None = None if key == MISSING_GROUP_KEY else key
        seen.add(key_out)
        top = ((b.get("top") or {}).get("hits") or {}).get("hits") or []
        hits = [parse_hit(h) for h in top]
        if rank_of is not None:
            lead = fused_by_key.get(key_out, [])
            lead_ids = {h.doc_id for h in lead}
            hits = (lead + [h for h in hits if h.doc_id not in lead_ids])[: req.hits_per_group]
            best = min((rank_of.get(h.doc_id, 1 << 30) for h in lead), default=1 << 30)
            order_key = float(best) if best < (1 << 30) else never + pos
        else:
            max_score = ((b.get("top") or {}).get("hits") or {}).get("max_score")
            order_key = float(pos) if max_score is None or req.sort != "relevance" else -float(max_score)
        groups.append((key_out, int(b.get("doc_count", 0)), hits, order_key))
    if rank_of is not None:
        for key_out, lead in fused_by_key.items():
            if key_out in seen or (req.group_by == "month" and key_out is None):
                continue
            count = (extra_counts or {}).get(key_out, len(lead))
            best = min(rank_of.get(h.doc_id, 1 << 30) for h in lead)
            groups.append((key_out, int(count), lead[: req.hits_per_group], float(best)))
        total_groups = max(total_groups, sum(1 for k, *_ in groups if k is not None))
    if req.group_by == "month":
        groups.sort(key=lambda t: (t[0] is None, t[0] or ""), reverse=req.sort != "date_asc")
        if req.sort != "date_asc":  # reverse put the missing-month group first: move it last
            groups = [t for t in groups if t[0] is not None] + [t for t in groups if t[0] is None]
    elif rank_of is not None or req.sort == "relevance":
        groups.sort(key=lambda t: t[3])
    start = (req.group_page - 1) * req.group_size
    page = groups[start : start + req.group_size]
    return [Group(key, count, tuple(hits)) for key, count, hits, _ in page], total_groups


def missing_group_keys(groups: Sequence[Group], aggs: Mapping[str, Any] | None) -> list[str | None]:
    """Keys of page groups that were not among the aggregation's buckets (their counts are provisional);
    None = the group of documents without a value."""
    buckets = ((aggs or {}).get("groups") or {}).get("keys", {}).get("buckets") or []
    known: set[str | None] = set()
    for b in buckets:
        key = str(b.get("key_as_string", b.get("key")))
        known.add(None if key == MISSING_GROUP_KEY else key)
    return [g.key for g in groups if g.key not in known]


def parse_light_hit(raw_hit: Mapping[str, Any], score: float | None = None) -> Hit:
    """A candidate from a light request: id, score and doc-value fields (as `source`) only."""
    fields = raw_hit.get("fields") or {}
    return Hit(
        doc_id=str(raw_hit.get("_id")),
        score=score if score is not None else raw_hit.get("_score"),
        doc_date=(fields.get("doc_date") or [None])[0],
        customer_names=_tuple(fields.get("customer_names.raw")),
        source={k: v for k, v in fields.items()},
    )


# ------------------------------------------------------------------------------------------- whole results


def parse_keyword_response(
    response: Mapping[str, Any],
    req: SearchRequest,
    *,
    messages: Sequence[Message] = (),
    ranked_groups: bool = False,
) -> SearchResult:
    raw_hits = (response.get("hits") or {}).get("hits") or []
    hits = [parse_hit(h) for h in raw_hits]
    total, exact = _total(response)
    aggs = response.get("aggregations") or {}
    groups, total_groups = parse_groups(aggs, req)
    msgs = list(messages)
    next_after = None
    if hits and len(hits) == req.size and hits[-1].sort is not None and req.offset + len(hits) < total:
        next_after = hits[-1].sort
    if not hits and total and req.size:
        msgs.append(Message("msg.beyond", {"page": req.page, "n": total}))
    return SearchResult(
        hits=hits,
        total=total,
        total_is_exact=exact,
        facets=parse_facets(aggs, req),
        groups=groups,
        total_groups=total_groups,
        next_search_after=next_after,
        messages=msgs,
        mode="keyword",
        took_ms=float(response.get("took", 0)),
    )


def parse_customer_suggestions(response: Mapping[str, Any], scope: Any, *, size: int = 10) -> list[CustomerSuggestion]:
    """Number-prefix hits first, then completion options; de-duplicated; completion options (filtered by
    tenant context only) are checked against the scope's groups here."""
    out: dict[str, CustomerSuggestion] = {}

    granted = {(g.tenant, g.key) for g in scope.granted() if g.target == "dossier"}

    def allowed(src: Mapping[str, Any]) -> bool:
        if src.get("tenant") not in scope.tenants:
            return False
        if scope.is_admin or (src.get("tenant"), src.get("customer_id")) in granted:
            return True
        return bool(set(_tuple(src.get("acl_groups"))) & set(scope.groups))

    def add(src: Mapping[str, Any], fallback_id: str) -> None:
        cid = str(src.get("customer_id") or fallback_id)
        if cid in out or not allowed(src):
            return
        out[cid] = CustomerSuggestion(cid, src.get("number"), str(src.get("name") or cid), src.get("tenant"))

    for h in (response.get("hits") or {}).get("hits") or []:
        add(h.get("_source") or {}, str(h.get("_id")))
    for entry in (response.get("suggest") or {}).get("customers") or []:
        for opt in entry.get("options") or []:
            add(opt.get("_source") or {}, str(opt.get("_id")))
    return list(out.values())[:size]


def hits_of(resp: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return list((((resp or {}).get("hits")) or {}).get("hits") or [])


def total_of(resp: Mapping[str, Any] | None) -> int:
    total = ((resp or {}).get("hits") or {}).get("total")
    if isinstance(total, Mapping):
        return int(total.get("value", 0))
    return int(total or 0)
