"""The document search: run the bodies `search.builder` builds (through `search.repository`) and parse them.

`SearchService(repo, embedder_factory)`:

- `search(request, principal)`: keyword = one search; semantic / hybrid = two `msearch` round trips: the light
  lexical request (BM25 ids/scores + facets + groups) ∥ the light kNN request, fused in Python
  (`search.fusion`); then the page's sources, highlights and best passages. Without query text the request is
  a browse (filters, facets, newest first) and needs no embedding. A date/customer sort in hybrid mode orders
  every keyword match (the semantic ranking has nothing to add to a date order).
- `runs(text, principal)`: the raw keyword and semantic runs (benchmarks, fusion tuning).

Similar documents, customer suggestions and the export live in `search.lookups`.

Elasticsearch errors never reach the user as such: `search` returns a `SearchResult` with a message code (and
logs the details), `export` raises `domain.errors.Unavailable`. Messages are `domain.errors.Message` codes,
translated by the front doors.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from domain.errors import Message
from domain.principal import Principal
from search import builder as B
from search import customer_scope
from search.analysis import QueryAnalysis, analyze_query
from search.fusion import FusionPolicy, fuse_hybrid, policy_for
from search.parse import (
    Group,
    Hit,
    SearchResult,
    best_passage_of,
    hits_of,
    missing_group_keys,
    parse_facets,
    parse_groups,
    parse_hit,
    parse_keyword_response,
    parse_light_hit,
    run_of,
)
from search.permissions import require_principal
from search.query_parser import ParsedQuery, parse_query
from search.repository import ReadFailed, Repository
from search.request import GROUP_FIELDS, MAX_RESULT_WINDOW, SearchRequest

log = logging.getLogger(__name__)

CANDIDATE_DEPTH = 100  # documents per run that the hybrid fuses (recall@100 needs 100)
MAX_FUSED_DEPTH = 1000
SEARCH_FAILED = Message("msg.search_failed")
SEMANTIC_UNAVAILABLE = Message("msg.semantic_unavailable")


class SearchService:
    def __init__(
        self,
        repo: Repository,
        embedder_factory: Callable[[], Any] | None = None,
        *,
        fusion_policy: FusionPolicy | None = None,
        tuning: B.KeywordTuning = B.DEFAULT_TUNING,
        lemma_policy: str = "auto",
        candidate_depth: int = CANDIDATE_DEPTH,
        num_candidates_factor: float = 2.0,
        query_vector_cache: int = 512,
    ) -> None:
        self.repo = repo
        self._embedder_factory = embedder_factory
        self._embedder: Any = None
        self._embedder_lock = threading.Lock()
        self._fusion_policy = fusion_policy
        self.tuning = tuning
        self.lemma_policy = lemma_policy
        self.candidate_depth = candidate_depth
        self.num_candidates_factor = num_candidates_factor
        self._vec_cache: OrderedDict[str, list[float]] = OrderedDict()
        self._vec_cache_size = query_vector_cache
        self._vec_lock = threading.Lock()

    # ------------------------------------------------------------------------------------- embeddings

    def _get_embedder(self) -> Any:
        if self._embedder is None and self._embedder_factory is not None:
            with self._embedder_lock:
                if self._embedder is None:
                    self._embedder = self._embedder_factory()
        return self._embedder

    @property
    def model_name(self) -> str | None:
        emb = self._get_embedder()
        for attr in ("model_name", "name", "model_id"):
            value = getattr(emb, attr, None)
            if isinstance(value, str):
                return value
        try:
            from core.settings import get_settings

            return get_settings().embedding_model
        except Exception:  # noqa: BLE001
            return None

    @property
    def fusion_policy(self) -> FusionPolicy:
        return self._fusion_policy or policy_for(self.model_name)

    def embed_query(self, text: str) -> list[float] | None:
        with self._vec_lock:
            cached = self._vec_cache.get(text)
            if cached is not None:
                self._vec_cache.move_to_end(text)
                return cached
        emb = self._get_embedder()
        if emb is None:
            return None
        encode_query = getattr(emb, "encode_query", None) or getattr(emb, "encode_queries", None)
        vectors = encode_query([text]) if encode_query is not None else emb.encode([text])
        vector = [float(x) for x in vectors[0]]
        with self._vec_lock:
            self._vec_cache[text] = vector
            if len(self._vec_cache) > self._vec_cache_size:
                self._vec_cache.popitem(last=False)
        return vector

    # ------------------------------------------------------------------------------------- search

    def analyze(self, request: SearchRequest) -> tuple[ParsedQuery, QueryAnalysis]:
        parsed = parse_query(request.text)
        analysis = analyze_query(parsed.text, policy=self.lemma_policy) if parsed.has_text else QueryAnalysis()
        return parsed, analysis

    def search(self, request: SearchRequest, principal: Principal) -> SearchResult:
        require_principal(principal)
        started = time.perf_counter()
        parsed, analysis = self.analyze(request)
        messages = list(parsed.messages)
        if principal.sees_nothing:
            return SearchResult(messages=[*messages, Message("msg.no_access")], mode=request.mode)
        if request.offset + request.size > MAX_RESULT_WINDOW:
            messages.append(Message("msg.window", {"n": MAX_RESULT_WINDOW}))
            return self._finish(SearchResult(messages=messages, mode=request.mode), started, analysis)
        try:
            request = customer_scope.resolve(self.repo, principal, request)
            mode = request.mode
            if not parsed.has_text:
                mode = "keyword"  # browse: no text to rank by
            if mode == "keyword":
                result = self._keyword(request, principal, parsed, analysis, messages)
            else:
                result = self._vector_modes(request, principal, parsed, analysis, messages, mode)
        except ReadFailed as exc:
            log.warning("search failed for %r: %s", request.text[:200], exc)
            return SearchResult(messages=[*messages, SEARCH_FAILED], mode=request.mode)
        return self._finish(result, started, analysis)

    def _finish(self, result: SearchResult, started: float, analysis: QueryAnalysis) -> SearchResult:
        return replace(
            result,
            took_ms=(time.perf_counter() - started) * 1000.0,
            language=analysis.language if analysis.lemmas else result.language,
        )

    def _keyword(
        self,
        request: SearchRequest,
        principal: Principal,
        parsed: ParsedQuery,
        analysis: QueryAnalysis,
        messages: list[Message],
    ) -> SearchResult:
        body = B.keyword_body(request, principal, parsed, analysis, tuning=self.tuning)
        resp = self.repo.search("documents", body)
        result = parse_keyword_response(resp, request, messages=messages)
        return replace(result, mode="keyword")

    def _vector_modes(
        self,
        request: SearchRequest,
        principal: Principal,
        parsed: ParsedQuery,
        analysis: QueryAnalysis,
        messages: list[Message],
        mode: str,
    ) -> SearchResult:
        """Semantic and hybrid relevance in two round trips:

        1. one msearch with the light lexical request (ids + scores of the top `depth`, facets, groups) and the
           light kNN request (ids + similarities) -> fused in Python;
        2. one msearch fetching only what the page shows: sources + highlights of the page's hits (and of the
           group leaders), their best passages (exact kNN restricted to those ids), exact counts of groups the
           fusion surfaced beyond the aggregation's buckets.
        Fetching sources, highlights and inner hits for 2×100 candidates was most of the cost (measured with
        bench/query_latency.py)."""
        try:
            vector = self.embed_query(parsed.text)
        except Exception as exc:  # noqa: BLE001 - a broken model must not break search
            log.warning("query embedding failed: %s", exc)
            vector = None
        if vector is None:
            messages.append(SEMANTIC_UNAVAILABLE)
            return self._keyword(request, principal, parsed, analysis, messages)

        relevance = request.sort == "relevance"
        if mode == "hybrid" and not relevance:
            # a date/customer sort orders every keyword match; semantic ranking has nothing to add
            return self._keyword(request, principal, parsed, analysis, messages)
        depth = min(MAX_FUSED_DEPTH, max(self.candidate_depth, request.offset + request.size))
        fields: list[str] = []
        if request.group_by is not None:
            fields.append(GROUP_FIELDS[request.group_by])
        if not relevance:
            fields += ["doc_date", "customer_names.raw"]

        # semantic mode: facets and groups describe the filtered collection (no BM25 text)
        lex_parsed = parsed if mode == "hybrid" else replace(parsed, text="", terms=(), identifiers=())
        lexical = B.keyword_body(
            request,
            principal,
            lex_parsed,
            analysis if mode == "hybrid" else None,
            size=depth if mode == "hybrid" else 0,
            from_=0,
            tuning=self.tuning,
            light=True,
            fields=fields,
        )
        lexical.pop("search_after", None)
        knn = B.knn_body(
            request,
            principal,
            parsed,
            vector,
            analysis,
            k=depth,
            num_candidates=int(depth * self.num_candidates_factor),
            tuning=self.tuning,
            light=True,
            fields=fields,
        )
        kw_resp, sem_resp = self.repo.msearch([("documents", lexical), ("documents", knn)])
        if "error" in kw_resp and "error" in sem_resp:
            log.warning("msearch failed: %s / %s", kw_resp["error"], sem_resp["error"])
            return SearchResult(messages=[*messages, SEARCH_FAILED], mode=mode)
        if "error" in sem_resp:
            log.warning("kNN request failed: %s", sem_resp["error"])
            messages.append(SEMANTIC_UNAVAILABLE)
            sem_resp = {}
        if "error" in kw_resp:
            log.warning("lexical request failed: %s", kw_resp["error"])
            kw_resp = {}

        kw_run = run_of(kw_resp) if mode == "hybrid" else []
        sem_run = run_of(sem_resp)
        if mode == "hybrid":
            fused = fuse_hybrid(kw_run, sem_run, language=analysis.language, policy=self.fusion_policy)
            ranking, dense_weight = fused.ranking, fused.dense_weight
        else:
            ranking, dense_weight = sem_run, 1.0
        raw_by_id = {str(h["_id"]): h for h in hits_of(sem_resp)}
        raw_by_id.update({str(h["_id"]): h for h in hits_of(kw_resp)})
        candidates = [parse_light_hit(raw_by_id[d], score) for d, score in ranking if d in raw_by_id]
        if not relevance:  # semantic mode with a date/customer sort: order the neighbours
            candidates = _sorthits_of(candidates, request.sort)
        page = candidates[request.offset : request.offset + request.size]
        aggs = kw_resp.get("aggregations") or {}
        rank_of = {h.doc_id: i for i, h in enumerate(candidates)}
        groups, total_groups = parse_groups(aggs, request, rank_of=rank_of, fused_hits=candidates)

        # phase 2: what the page shows
        light_ids = [h.doc_id for h in page] + [h.doc_id for g in groups for h in g.hits if h.doc_id in rank_of]
        need = list(dict.fromkeys(light_ids))
        missing_keys = missing_group_keys(groups, aggs)
        full: dict[str, Hit] = {}
        extra_counts: dict[str | None, int] = {}
        if need or missing_keys:
            searches: list[tuple[str, dict[str, Any]]] = []
            if need:
                for body in B.page_fetch_bodies(
                    principal, parsed, analysis, vector, need, highlight=request.highlight, tuning=self.tuning
                ):
                    searches.append(("documents", body))
            if missing_keys:
                body = B.group_count_body(
                    request, principal, lex_parsed, analysis if mode == "hybrid" else None, missing_keys, self.tuning
                )
                searches.append(("documents", body))
            responses = self.repo.msearch(searches)
            if need:
                fetched, passages = responses[0], responses[1]
                if "error" in fetched:
                    log.warning("page fetch failed: %s", fetched["error"])
                    return SearchResult(messages=[*messages, SEARCH_FAILED], mode=mode)
                best = {str(h["_id"]): h for h in hits_of(passages)} if "error" not in passages else {}
                for h in hits_of(fetched):
                    hit = parse_hit(h)
                    if (p := best.get(str(h["_id"]))) is not None:
                        text, ord_ = best_passage_of(p)
                        hit = replace(hit, best_passage=text, best_passage_ord=ord_)
                    full[str(h["_id"])] = hit
            if missing_keys and "error" not in responses[-1]:
                count_aggs = responses[-1].get("aggregations") or {}
                for key in missing_keys:
                    extra_counts[key] = 0
                for b in (count_aggs.get("keys") or {}).get("buckets") or []:
                    extra_counts[str(b["key"])] = int(b["doc_count"])
                if "none" in count_aggs:
                    extra_counts[None] = int(count_aggs["none"].get("doc_count", 0))
        if extra_counts:
            groups, total_groups = parse_groups(
                aggs, request, rank_of=rank_of, fused_hits=candidates, extra_counts=extra_counts
            )

        def complete(h: Hit) -> Hit | None:
            if h.doc_id not in rank_of:
                return h  # a top hit of the aggregation: already complete
            f = full.get(h.doc_id)
            return None if f is None else replace(f, score=h.score)

        hits = [x for x in (complete(h) for h in page) if x is not None]
        kw_total = int(((kw_resp.get("hits") or {}).get("total") or {}).get("value", 0)) if kw_resp else 0
        # hybrid result set = keyword matches ∪ semantic candidates. When the keyword run holds every keyword
        # match, the semantic-only candidates are exactly the extra documents: totals and group counts are exact;
        # otherwise some of them may be deeper keyword matches and the counts are lower bounds.
        kw_ids = {d for d, _ in kw_run}
        kw_complete = kw_total <= len(kw_run)
        sem_only = [h for h in candidates if h.doc_id not in kw_ids] if mode == "hybrid" else []
        if mode == "hybrid":
            total = kw_total + len(sem_only) if kw_complete else max(kw_total, len(candidates))
        else:
            total = len(candidates)
        group_field = GROUP_FIELDS[request.group_by] if request.group_by else None
        added: dict[str | None, int] = {}
        members: dict[str | None, int] = {}
        if group_field is not None and mode == "hybrid":
            for cand in candidates:
                for key in _keys(cand, group_field):
                    members[key] = members.get(key, 0) + 1
                    if cand.doc_id not in kw_ids:
                        added[key] = added.get(key, 0) + 1

        provisional = set(missing_keys) - set(extra_counts)

        def group_count(g: Group) -> int:
            if mode != "hybrid":
                return g.count
            if kw_complete and g.key not in provisional:
                return g.count + added.get(g.key, 0)
            return max(g.count, members.get(g.key, 0))

        groups = [
            Group(g.key, group_count(g), tuple(x for x in (complete(h) for h in g.hits) if x is not None))
            for g in groups
        ]
        if not page and candidates:
            messages.append(Message("msg.beyond", {"page": request.page, "n": len(candidates)}))
        return SearchResult(
            hits=hits,
            total=total,
            total_is_exact=mode != "hybrid" or kw_complete,
            facets=parse_facets(aggs, request),
            groups=groups,
            total_groups=total_groups,
            next_search_after=None,
            messages=messages,
            mode=mode,
            language=analysis.language,
            dense_weight=dense_weight,
        )

    # ------------------------------------------------------------------------------------- runs (benchmarks)

    def runs(
        self, text: str, principal: Principal, *, depth: int = CANDIDATE_DEPTH, request: SearchRequest | None = None
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]], QueryAnalysis]:
        """The raw keyword and semantic runs of a query (one msearch of the same light bodies `search` uses,
        same permission filter) — for benchmarks and fusion tuning."""
        request = request or SearchRequest(text=text, size=depth, facets=(), highlight=False)
        parsed, analysis = self.analyze(request)
        lexical = B.keyword_body(
            request, principal, parsed, analysis, size=depth, from_=0, with_facets=False, with_groups=False,
            tuning=self.tuning, track_total_hits=False, light=True,
        )  # fmt: skip
        vector = self.embed_query(parsed.text) if parsed.has_text else None
        searches: list[tuple[str, dict[str, Any]]] = [("documents", lexical)]
        if vector is not None:
            knn = B.knn_body(
                request, principal, parsed, vector, analysis, k=depth,
                num_candidates=int(depth * self.num_candidates_factor), tuning=self.tuning, light=True,
            )  # fmt: skip
            searches.append(("documents", knn))
        resp = self.repo.msearch(searches)
        for r in resp:
            if "error" in r:
                raise ReadFailed(str(r["error"])[:500])
        kw_run = run_of(resp[0])
        sem_run = run_of(resp[1]) if len(resp) > 1 else []
        return kw_run, sem_run, analysis


def _keys(hit: Hit, field: str) -> tuple[str | None, ...]:
    value = hit.source.get(field) if hit.source else None
    if value is None or value == []:
        return (None,)
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def _sorthits_of(hits: list[Hit], sort: str) -> list[Hit]:
    if sort == "date_desc":
        return sorted(hits, key=lambda h: h.doc_date or "", reverse=True)
    if sort == "date_asc":
        return sorted(hits, key=lambda h: (h.doc_date is None, h.doc_date or ""))
    if sort == "customer":
        return sorted(hits, key=lambda h: (not h.customer_names, (h.customer_names or ("",))[0].lower()))
    return hits
