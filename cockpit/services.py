"""The cockpit's read side (and its two small writes): everything the pages ask Elasticsearch.

`CockpitServices` wraps `search.service.SearchService` (search, suggestions, similar documents, export) and adds
the queries only the cockpit needs: the dossier cover's aggregations, the document page, the home page, the
review queue and its partial update, the audit trail and the data version. Request bodies are built by pure
functions (`*_body`) that take the `UserScope` first and always start from `search.builder.permission_filter`,
so there is no query here without the permission filter (tests check every body).

Caching: `cached(namespace, user, parts, compute)` keys on the user's scope (not the user: equal scopes
share answers), the data version and the parts; the data version (documents count + newest `indexed_at` +
newest data-changing audit entry) is itself cached for a few seconds per process, so it costs nothing on most
requests and changes right after an ingest or a manual filing.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, ConflictError, Elasticsearch, TransportError

from cockpit.cache import cache_key, safe_get, safe_set
from cockpit.urlstate import SearchState
from indexing.schema import REGISTERS, alias_name
from search.builder import POST_TAG, PRE_TAG, SOURCE_FIELDS, permission_filter
from search.parse import CustomerSuggestion, Hit, SearchResult, parse_hit, split_marked
from search.request import UserScope
from search.service import GENERIC_ERROR, SearchError, SearchService

log = logging.getLogger("cockpit.services")

ES_ERRORS = (ApiError, TransportError)
DATA_VERSION_TTL_S = 5.0
CACHE_TIMEOUT_S = 300
MAX_TEXT_CHARS = 200_000  # the document page shows at most this much text
MAX_EXPORT_ROWS = 10_000
REGISTER_LIST_SIZE = 10  # newest documents per register tab; "open all in the search" shows the rest
READ_ONLY_AUDIT_ACTIONS = ["login", "view_document", "download_original", "export", "search"]
EXPORT_FIELDS = [
    "doc_id",
    "title",
    "customer_ids",
    "customer_names",
    "register",
    "doc_date",
    "language",
    "version",
    "is_latest",
    "status",
    "file_name",
    "source_kind",
    "total_amount",
    "currency",
]


def _body(resp: Any) -> dict[str, Any]:
    return resp.body if hasattr(resp, "body") else resp


def _hits(resp: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(((resp.get("hits") or {}).get("hits")) or [])


def _total(resp: Mapping[str, Any]) -> int:
    total = (resp.get("hits") or {}).get("total")
    if isinstance(total, Mapping):
        return int(total.get("value", 0))
    return int(total or 0)


def _id_clause(doc_id: str) -> dict[str, Any]:
    return {
        "bool": {"should": [{"ids": {"values": [doc_id]}}, {"term": {"doc_id": doc_id}}], "minimum_should_match": 1}
    }


def _latest_sort() -> list[Any]:
    return [{"doc_date": {"order": "desc", "missing": "_last"}}, {"doc_id": {"order": "asc"}}]


# ================================================================================================ data


@dataclass(frozen=True)
class DossierData:
    customer_id: str
    customer: dict[str, Any] | None
    name: str
    total: int
    registers: list[tuple[str, int, list[Hit]]]  # (register, count, newest documents), by count
    open_complaints: int
    last_order: Hit | None
    last_delivery: Hit | None
    revenue_12m: float | None
    currency: str | None
    revenue_count: int
    timeline: list[tuple[str, str, int]]  # (yyyy-mm, register, count)
    latest: list[Hit]
    entities: dict[str, list[tuple[str, int]]]


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


@dataclass(frozen=True)
class HomeData:
    total: int
    open_complaints: int
    review: int
    customers: int
    latest: list[Hit]
    my_customers: list[dict[str, Any]]


@dataclass(frozen=True)
class AssignResult:
    ok: bool
    message_key: str
    customer_name: str = ""
    register: str = ""


@dataclass
class Original:
    data: bytes
    file_name: str
    mime_type: str


# ================================================================================================ bodies (pure)


def dossier_body(scope: UserScope, customer_id: str, today: dt.date) -> dict[str, Any]:
    """All figures of a dossier cover in one request (latest versions of the customer's permitted documents)."""
    since = (today - dt.timedelta(days=365)).isoformat()
    src = {"includes": SOURCE_FIELDS}
    newest = {"size": 1, "sort": _latest_sort(), "_source": src}
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {
            "bool": {
                "filter": [
                    permission_filter(scope),
                    {"term": {"customer_ids": customer_id}},
                    {"term": {"is_latest": True}},
                ]
            }
        },
        "aggs": {
            "registers": {
                "terms": {"field": "register", "size": len(REGISTERS) + 5},
                "aggs": {"top": {"top_hits": {"size": REGISTER_LIST_SIZE, "sort": _latest_sort(), "_source": src}}},
            },
            "open_complaints": {
                "filter": {"bool": {"filter": [{"term": {"register": "complaint"}}, {"term": {"status": "open"}}]}}
            },
            "last_order": {
                "filter": {"terms": {"register": ["order", "order_confirmation"]}},
                "aggs": {"top": {"top_hits": newest}},
            },
            "last_delivery": {"filter": {"term": {"register": "delivery_note"}}, "aggs": {"top": {"top_hits": newest}}},
            "revenue": {
                "filter": {
                    "bool": {
                        "filter": [
                            {"term": {"register": "invoice"}},
                            {"range": {"doc_date": {"gte": since, "lte": today.isoformat()}}},
                        ]
                    }
                },
                "aggs": {
                    "sum": {"sum": {"field": "total_amount"}},
                    "with_amount": {"value_count": {"field": "total_amount"}},
                    "currency": {"terms": {"field": "currency", "size": 3}},
                },
            },
            "timeline": {
                "date_histogram": {"field": "doc_date", "calendar_interval": "month", "format": "yyyy-MM"},
                "aggs": {"reg": {"terms": {"field": "register", "size": len(REGISTERS) + 5}}},
            },
            "latest": {"top_hits": {"size": 8, "sort": _latest_sort(), "_source": src}},
            "ent_person": {"terms": {"field": "entities.person", "size": 8}},
            "ent_email": {"terms": {"field": "entities.email", "size": 8}},
            "ent_phone": {"terms": {"field": "entities.phone", "size": 6}},
            "ent_order_number": {"terms": {"field": "entities.order_number", "size": 6}},
        },
    }


def customer_body(scope: UserScope, customer_ids: Iterable[str], size: int = 1) -> dict[str, Any]:
    ids = sorted(set(customer_ids))
    return {
        "size": max(size, len(ids)),
        "query": {"bool": {"filter": [permission_filter(scope), {"terms": {"customer_id": ids}}]}},
        "_source": {"excludes": ["suggest"]},
    }


def document_body(scope: UserScope, doc_id: str, highlight_text: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "size": 1,
        "query": {"bool": {"filter": [permission_filter(scope), _id_clause(doc_id)]}},
        "_source": {"excludes": ["passages", "lemmas"]},
        "seq_no_primary_term": True,
    }
    if highlight_text:
        from search.query_parser import parse_query

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


def versions_body(scope: UserScope, family_id: str) -> dict[str, Any]:
    return {
        "size": 50,
        "query": {"bool": {"filter": [permission_filter(scope), {"term": {"family_id": family_id}}]}},
        "sort": [{"version": {"order": "desc"}}],
        "_source": {"includes": ["doc_id", "version", "is_latest", "doc_date", "indexed_at", "title", "file_name"]},
    }


def docs_by_id_body(scope: UserScope, doc_ids: Iterable[str]) -> dict[str, Any]:
    ids = sorted(set(doc_ids))
    return {
        "size": len(ids),
        "query": {"bool": {"filter": [permission_filter(scope), {"ids": {"values": ids}}]}},
        "_source": {"includes": ["doc_id", "title", "file_name", "register", "doc_date", "subject"]},
    }


def review_body(scope: UserScope, size: int = 50) -> dict[str, Any]:
    return {
        "size": size,
        "track_total_hits": True,
        "query": {
            "bool": {
                "filter": [permission_filter(scope), {"term": {"register": "review"}}, {"term": {"is_latest": True}}]
            }
        },
        "sort": [{"received_at": {"order": "desc", "missing": "_last"}}, {"doc_id": {"order": "asc"}}],
        "_source": {
            "includes": ["doc_id", "title", "file_name", "doc_date", "received_at", "filing", "tenant", "subject"]
        },
    }


def home_body(scope: UserScope) -> dict[str, Any]:
    return {
        "size": 8,
        "track_total_hits": True,
        "query": {"bool": {"filter": [permission_filter(scope), {"term": {"is_latest": True}}]}},
        "sort": [{"indexed_at": {"order": "desc", "missing": "_last"}}, {"doc_id": {"order": "asc"}}],
        "_source": {"includes": SOURCE_FIELDS},
        "aggs": {
            "open_complaints": {
                "filter": {"bool": {"filter": [{"term": {"register": "complaint"}}, {"term": {"status": "open"}}]}}
            },
            "review": {"filter": {"term": {"register": "review"}}},
        },
    }


def my_customers_body(scope: UserScope, login: str, size: int = 12) -> dict[str, Any]:
    return {
        "size": size,
        "track_total_hits": True,
        "query": {"bool": {"filter": [permission_filter(scope)]}},
        "sort": [{"name.raw": {"order": "asc"}}],
        "_source": {"includes": ["customer_id", "number", "name", "segment", "account_manager", "addresses.city"]},
        "aggs": {
            "mine": {
                "filter": {"term": {"account_manager": login}},
                "aggs": {
                    "top": {
                        "top_hits": {
                            "size": size,
                            "sort": [{"name.raw": {"order": "asc"}}],
                            "_source": {"includes": ["customer_id", "number", "name", "segment", "addresses.city"]},
                        }
                    }
                },
            }
        },
    }


def data_version_searches(docs_index: str, audit_index: str) -> list[dict[str, Any]]:
    return [
        {"index": docs_index, "ignore_unavailable": True},
        {"size": 0, "track_total_hits": True, "aggs": {"m": {"max": {"field": "indexed_at"}}}},
        {"index": audit_index, "ignore_unavailable": True},
        {
            "size": 0,
            "query": {"bool": {"must_not": [{"terms": {"action": READ_ONLY_AUDIT_ACTIONS}}]}},
            "aggs": {"m": {"max": {"field": "created_at"}}},
        },
    ]


# ================================================================================================ parsing (pure)


def parse_dossier(
    customer_id: str, customer_resp: Mapping[str, Any], docs_resp: Mapping[str, Any]
) -> DossierData | None:
    chits = _hits(customer_resp)
    customer = dict(chits[0].get("_source") or {}) if chits else None
    total = _total(docs_resp)
    if customer is None and total == 0:
        return None
    aggs = docs_resp.get("aggregations") or {}

    def top(agg: Mapping[str, Any] | None) -> list[Hit]:
        return [parse_hit(h) for h in (((agg or {}).get("top") or {}).get("hits") or {}).get("hits") or []]

    registers = [
        (str(b["key"]), int(b["doc_count"]), top(b)) for b in (aggs.get("registers") or {}).get("buckets") or []
    ]
    timeline = []
    for b in (aggs.get("timeline") or {}).get("buckets") or []:
        month = str(b.get("key_as_string") or "")[:7]
        for rb in (b.get("reg") or {}).get("buckets") or []:
            timeline.append((month, str(rb["key"]), int(rb["doc_count"])))
    revenue = aggs.get("revenue") or {}
    rev_count = int((revenue.get("with_amount") or {}).get("value") or 0)
    currencies = [str(b["key"]) for b in (revenue.get("currency") or {}).get("buckets") or []]
    last_order = top(aggs.get("last_order"))
    last_delivery = top(aggs.get("last_delivery"))
    latest = [parse_hit(h) for h in ((aggs.get("latest") or {}).get("hits") or {}).get("hits") or []]
    entities = {
        kind: [(str(b["key"]), int(b["doc_count"])) for b in (aggs.get(f"ent_{kind}") or {}).get("buckets") or []]
        for kind in ("person", "email", "phone", "order_number")
    }
    name = str((customer or {}).get("name") or "")
    if not name:
        for h in latest:
            if customer_id in h.customer_ids:
                idx = h.customer_ids.index(customer_id)
                if idx < len(h.customer_names):
                    name = h.customer_names[idx]
                    break
    return DossierData(
        customer_id=customer_id,
        customer=customer,
        name=name or customer_id,
        total=total,
        registers=registers,
        open_complaints=int((aggs.get("open_complaints") or {}).get("doc_count") or 0),
        last_order=last_order[0] if last_order else None,
        last_delivery=last_delivery[0] if last_delivery else None,
        revenue_12m=float((revenue.get("sum") or {}).get("value") or 0.0) if rev_count else None,
        currency=currencies[0] if currencies else None,
        revenue_count=rev_count,
        timeline=timeline,
        latest=latest,
        entities=entities,
    )


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


# ================================================================================================ service


class CockpitServices:
    def __init__(
        self,
        es: Elasticsearch,
        prefix: str,
        *,
        archive_root: Path,
        cache: Any = None,
        embedder_factory: Callable[[], Any] | None = None,
        data_version_ttl: float = DATA_VERSION_TTL_S,
    ) -> None:
        self.es = es
        self.prefix = prefix
        self.archive_root = Path(archive_root)
        self.cache = cache
        self.use_cache = cache is not None
        self.docs_index = alias_name(prefix, "documents")
        self.customers_index = alias_name(prefix, "customers")
        self.audit_index = alias_name(prefix, "audit")
        self.search_service = SearchService(es, prefix, embedder_factory)
        self.data_version_ttl = data_version_ttl
        self._dv: str | None = None
        self._dv_at = 0.0
        self._dv_lock = threading.Lock()
        self._audit_ready = False
        self._bg = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cockpit-bg")
        self._warm = threading.Event()

    # -------------------------------------------------------------------------------------------- plumbing

    def _msearch(self, pairs: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        searches: list[dict[str, Any]] = []
        for index, body in pairs:
            searches += [{"index": index}, body]
        resp = _body(self.es.msearch(searches=searches))
        out: list[dict[str, Any]] = []
        for r in resp["responses"]:
            if "error" in r:
                err = r["error"]
                reason = err.get("type") if isinstance(err, Mapping) else str(err)
                if reason == "index_not_found_exception":
                    out.append({})
                    continue
                raise SearchError(f"{reason}: {str(err)[:300]}")
            out.append(r)
        return out

    def data_version(self) -> str:
        """Changes after every ingest run, manual filing or other write; cached for a few seconds."""
        now = time.monotonic()
        dv = self._dv
        if dv is not None and now - self._dv_at < self.data_version_ttl:
            return dv
        with self._dv_lock:
            if self._dv is not None and time.monotonic() - self._dv_at < self.data_version_ttl:
                return self._dv
            try:
                resp = _body(self.es.msearch(searches=data_version_searches(self.docs_index, self.audit_index)))
                docs, audit = resp["responses"]
                parts = [
                    str(_total(docs)),
                    str(((docs.get("aggregations") or {}).get("m") or {}).get("value_as_string") or ""),
                    str(((audit.get("aggregations") or {}).get("m") or {}).get("value_as_string") or ""),
                ]
                value = "|".join(parts)
            except ES_ERRORS as exc:
                log.warning("data version unavailable (%s): caching off for now", type(exc).__name__)
                value = f"unavailable-{int(time.time())}"
            self._dv, self._dv_at = value, time.monotonic()
            return value

    def invalidate(self) -> None:
        with self._dv_lock:
            self._dv = None

    def cached(self, namespace: str, scope_key: str, parts: tuple[Any, ...], compute: Callable[[], Any],
               *, timeout: int = CACHE_TIMEOUT_S, keep: Callable[[Any], bool] | None = None) -> Any:  # fmt: skip
        if not self.use_cache or self.cache is None:
            return compute()
        key = cache_key(namespace, scope_key, self.data_version(), *parts)
        hit = safe_get(self.cache, key)
        if hit is not None:
            return hit
        value = compute()
        if value is not None and (keep is None or keep(value)):
            safe_set(self.cache, key, value, timeout=timeout)
        return value

    def background(self, fn: Callable[[], Any]) -> None:
        with contextlib.suppress(RuntimeError):  # shut down
            self._bg.submit(fn)

    def warm_up(self) -> None:
        """Load the query embedder (torch, one thread) and the query analysis (spaCy, lingua) off the request path."""
        if self._warm.is_set():
            return
        self._warm.set()

        def run() -> None:
            t0 = time.perf_counter()
            try:
                from search.request import SearchRequest

                self.search_service.analyze(SearchRequest(text="Rechnungen Lieferung verspätet"))
                self.search_service.embed_query("Wo ist meine Lieferung?")
                log.info("search models ready in %.1f s", time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - warm-up is best effort
                log.warning("warm-up failed: %s", exc)

        self.background(run)

    # -------------------------------------------------------------------------------------------- audit

    def _ensure_audit(self) -> None:
        if self._audit_ready:
            return
        from indexing.store import ensure_index

        ensure_index(self.es, self.prefix, "audit")
        self._audit_ready = True

    def audit(self, action: str, user: Any, *, wait: bool = False, **body: Any) -> None:
        """Append to the audit trail (who, what, when). Read actions are written in the background."""
        tenants = sorted(getattr(user, "tenants", ()) or ())
        doc = {
            "action": action,
            "tenant": body.pop("tenant", None) or (tenants[0] if tenants else None),
            "owner": getattr(user, "login", None) or str(user),
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "body": body,
        }

        def write() -> None:
            try:
                self._ensure_audit()
                self.es.index(index=self.audit_index, document=doc, refresh=True if wait else None)
            except ES_ERRORS as exc:
                log.error("audit write failed (%s): %s", action, exc)

        if wait:
            write()
        else:
            self.background(write)

    # -------------------------------------------------------------------------------------------- search

    def search(self, state: SearchState, user: Any) -> SearchResult:
        scope: UserScope = user.scope

        def compute() -> SearchResult:
            return self.search_service.search(state.to_request(), scope)

        return self.cached(
            "search", user.scope_key, (state.cache_parts(),), compute,
            keep=lambda r: GENERIC_ERROR not in r.messages,
        )  # fmt: skip

    def customer_labels(self, customer_ids: Iterable[str], user: Any) -> dict[str, tuple[str, str | None]]:
        """customer id -> (name, number), for facet and group labels (only customers the user may see)."""
        ids = tuple(sorted({c for c in customer_ids if c}))
        if not ids:
            return {}

        def compute() -> dict[str, tuple[str, str | None]]:
            try:
                resp = _body(self.es.search(index=self.customers_index, body=customer_body(user.scope, ids)))
            except ES_ERRORS as exc:
                log.warning("customer labels failed: %s", exc)
                return {}
            out = {}
            for h in _hits(resp):
                s = h.get("_source") or {}
                out[str(s.get("customer_id") or h["_id"])] = (str(s.get("name") or ""), s.get("number"))
            return out

        return dict(self.cached("customer_labels", user.scope_key, ids, compute))

    def suggest_customers(self, text: str, user: Any, size: int = 10) -> list[CustomerSuggestion]:
        text = (text or "").strip()[:100]
        if not text:
            return []
        return list(
            self.cached(
                "suggest",
                user.scope_key,
                (text.lower(), size),
                lambda: self.search_service.suggest_customers(text, user.scope, size=size),
                timeout=60,
            )  # fmt: skip
        )

    def export_rows(
        self, state: SearchState, user: Any, limit: int = MAX_EXPORT_ROWS
    ) -> tuple[list[dict[str, Any]], bool]:
        """Every permitted match of the search state (keyword semantics), at most `limit` rows; (rows, truncated)."""
        request = state.to_request()
        rows = list(itertools.islice(self.search_service.export(request, user.scope, fields=EXPORT_FIELDS), limit + 1))
        truncated = len(rows) > limit
        self.audit("export", user, query=state.query_string(), rows=min(len(rows), limit))
        return rows[:limit], truncated

    # -------------------------------------------------------------------------------------------- dossier

    def dossier(self, customer_id: str, user: Any, today: dt.date | None = None) -> DossierData | None:
        today = today or dt.date.today()
        scope = user.scope

        def compute() -> DossierData | None:
            cust, docs = self._msearch(
                [
                    (self.customers_index, customer_body(scope, [customer_id])),
                    (self.docs_index, dossier_body(scope, customer_id, today)),
                ]
            )
            return parse_dossier(customer_id, cust, docs)

        return self.cached("dossier", user.scope_key, (customer_id, today.isoformat()), compute)  # type: ignore[no-any-return]

    # -------------------------------------------------------------------------------------------- document

    def document(self, doc_id: str, user: Any, highlight: str = "") -> DocumentData | None:
        scope = user.scope

        def compute() -> DocumentData | None:
            resp = _body(self.es.search(index=self.docs_index, body=document_body(scope, doc_id, highlight or None)))
            hits = _hits(resp)
            if not hits:
                return None
            src, pieces, total_chars = parse_document_hit(hits[0])
            real_id = str(src.get("doc_id") or hits[0]["_id"])
            pairs: list[tuple[str, dict[str, Any]]] = []
            if src.get("family_id"):
                pairs.append((self.docs_index, versions_body(scope, str(src["family_id"]))))
            cids = [str(c) for c in src.get("customer_ids") or []]
            if cids:
                pairs.append((self.customers_index, customer_body(scope, cids)))
            related_ids = [str(x) for x in ([src.get("parent_id")] + list(src.get("attachment_ids") or [])) if x]
            if related_ids:
                pairs.append((self.docs_index, docs_by_id_body(scope, related_ids)))
            responses = self._msearch(pairs) if pairs else []
            it = iter(responses)
            versions = [h.get("_source") or {} for h in _hits(next(it))] if src.get("family_id") else []
            names = dict(zip(cids, [str(n) for n in src.get("customer_names") or []], strict=False))
            master: dict[str, Mapping[str, Any]] = {}
            if cids:
                for h in _hits(next(it)):
                    s = h.get("_source") or {}
                    master[str(s.get("customer_id") or h["_id"])] = s
            customers = [
                (
                    cid,
                    str((master.get(cid) or {}).get("name") or names.get(cid) or cid),
                    (master.get(cid) or {}).get("number"),
                )
                for cid in cids
            ]
            related: dict[str, dict[str, Any]] = {}
            if related_ids:
                for h in _hits(next(it)):
                    related[str(h["_id"])] = dict(h.get("_source") or {})
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

        return self.cached("document", user.scope_key, (doc_id, highlight), compute)  # type: ignore[no-any-return]

    def similar(self, doc_id: str, user: Any, k: int = 6) -> list[Hit]:
        return list(
            self.cached(
                "similar", user.scope_key, (doc_id, k), lambda: self.search_service.similar(doc_id, user.scope, k)
            )
        )

    def original(self, doc_id: str, user: Any) -> Original | None:
        """The original bytes of a document the user may see (verified against its SHA-256); None = not found."""
        from indexing.archive import Archive, ArchiveError

        body = {
            "size": 1,
            "query": {"bool": {"filter": [permission_filter(user.scope), _id_clause(doc_id)]}},
            "_source": {"includes": ["content_sha256", "file_name", "mime_type", "tenant"]},
        }
        try:
            hits = _hits(_body(self.es.search(index=self.docs_index, body=body)))
        except ES_ERRORS as exc:
            log.warning("original(%s) lookup failed: %s", doc_id, exc)
            return None
        if not hits:
            return None
        src = hits[0].get("_source") or {}
        sha = str(src.get("content_sha256") or "")
        try:
            data = Archive(self.archive_root).get(sha)
        except ArchiveError as exc:
            log.error("original of %s unavailable: %s", doc_id, exc)
            return None
        self.audit("download_original", user, doc_id=doc_id, tenant=src.get("tenant"))
        return Original(data, str(src.get("file_name") or f"{doc_id}.bin"), str(src.get("mime_type") or ""))

    # -------------------------------------------------------------------------------------------- home

    def home(self, user: Any) -> HomeData:
        scope = user.scope

        def compute() -> HomeData:
            docs, cust = self._msearch(
                [(self.docs_index, home_body(scope)), (self.customers_index, my_customers_body(scope, user.login))]
            )
            aggs = docs.get("aggregations") or {}
            mine = (((cust.get("aggregations") or {}).get("mine") or {}).get("top") or {}).get("hits") or {}
            return HomeData(
                total=_total(docs),
                open_complaints=int((aggs.get("open_complaints") or {}).get("doc_count") or 0),
                review=int((aggs.get("review") or {}).get("doc_count") or 0),
                customers=_total(cust),
                latest=[parse_hit(h) for h in _hits(docs)],
                my_customers=[dict(h.get("_source") or {}) for h in mine.get("hits") or []],
            )

        return self.cached("home", user.scope_key + "|" + user.login, (), compute)  # type: ignore[no-any-return]

    # -------------------------------------------------------------------------------------------- review queue

    def review_queue(self, user: Any, size: int = 50) -> tuple[list[ReviewItem], int]:
        scope = user.scope
        resp = _body(self.es.search(index=self.docs_index, body=review_body(scope, size)))
        raw = _hits(resp)
        cand_ids = {str(c) for h in raw for c in ((h.get("_source") or {}).get("filing") or {}).get("candidates") or []}
        labels = self.customer_labels(cand_ids, user) if cand_ids else {}
        items = []
        for h in raw:
            s = h.get("_source") or {}
            f = s.get("filing") or {}
            cands = [str(c) for c in f.get("candidates") or []]
            items.append(
                ReviewItem(
                    doc_id=str(s.get("doc_id") or h["_id"]),
                    title=str(s.get("title") or s.get("subject") or s.get("file_name") or h["_id"]),
                    file_name=str(s.get("file_name") or ""),
                    doc_date=s.get("doc_date"),
                    received_at=s.get("received_at"),
                    suggested_register=f.get("suggested_register"),
                    reasons=[str(r) for r in f.get("reasons") or []],
                    register_reason=str(f.get("register_reason") or ""),
                    candidates=[(c, labels[c][0], labels[c][1]) for c in cands if c in labels],
                    tenant=str(s.get("tenant") or ""),
                    confidence=f.get("confidence"),
                )
            )
        return items, _total(resp)

    def assign_review(self, doc_id: str, customer_id: str, register: str, user: Any) -> AssignResult:
        """File a review document to a customer and register: partial update, visible at once (refresh)."""
        from indexing.documents import acl_groups_for, document_status

        if not user.can("review"):
            return AssignResult(False, "review.error.denied")
        if register not in REGISTERS or register == "review":
            return AssignResult(False, "review.error.register")
        if not customer_id:
            return AssignResult(False, "review.error.pick")
        scope = user.scope
        body = {
            "size": 1,
            "query": {
                "bool": {"filter": [permission_filter(scope), _id_clause(doc_id), {"term": {"register": "review"}}]}
            },
            "_source": {"includes": ["tenant", "text", "filing.reasons", "doc_id"]},
            "seq_no_primary_term": True,
        }
        try:
            hits = _hits(_body(self.es.search(index=self.docs_index, body=body)))
            if not hits:
                return AssignResult(False, "review.error.gone")
            hit = hits[0]
            src = hit.get("_source") or {}
            tenant = str(src.get("tenant") or "")
            cbody = customer_body(scope, [customer_id])
            cbody["query"]["bool"]["filter"].append({"term": {"tenant": tenant}})
            chits = _hits(_body(self.es.search(index=self.customers_index, body=cbody)))
            if not chits:
                return AssignResult(False, "review.error.customer")
            cust = chits[0].get("_source") or {}
            name = str(cust.get("name") or customer_id)
            reasons = [str(r) for r in ((src.get("filing") or {}).get("reasons") or [])]
            reasons.append(f"manuell zugeordnet von {user.login}")
            update = {
                "customer_ids": [customer_id],
                "customer_names": [name],
                "primary_customer_id": customer_id,
                "register": register,
                "acl_groups": acl_groups_for(register),
                "status": document_status(register, str(src.get("text") or "")),
                "filing": {"status": "manual", "confidence": 1.0, "reasons": reasons},
            }
            self.es.update(
                index=hit["_index"],
                id=hit["_id"],
                doc=update,
                if_seq_no=hit["_seq_no"],
                if_primary_term=hit["_primary_term"],
                refresh=True,
            )
        except ConflictError:
            return AssignResult(False, "review.error.conflict")
        except ES_ERRORS as exc:
            log.error("assign_review(%s) failed: %s", doc_id, exc)
            return AssignResult(False, "review.error.failed")
        self.audit(
            "manual_filing", user, wait=True, tenant=tenant, doc_id=doc_id, customer_id=customer_id, register=register
        )
        self.invalidate()
        return AssignResult(True, "review.done", name, register)


# ================================================================================================ export files


def export_table(rows: list[dict[str, Any]], labels: Callable[[str], str]) -> tuple[list[str], list[list[Any]]]:
    """Rows of `CockpitServices.export_rows` -> (header, rows) with readable values."""
    header = ["doc_id", "title", "customer_ids", "customer_names", "register", "doc_date", "language",
              "version", "latest", "status", "file_name", "source", "total_amount", "currency"]  # fmt: skip
    out: list[list[Any]] = []
    for r in rows:
        out.append(
            [
                r.get("doc_id"),
                r.get("title") or "",
                "; ".join(r.get("customer_ids") or []),
                "; ".join(r.get("customer_names") or []),
                labels(str(r.get("register") or "")),
                r.get("doc_date") or "",
                r.get("language") or "",
                r.get("version"),
                "yes" if r.get("is_latest") else "no",
                r.get("status") or "",
                r.get("file_name") or "",
                r.get("source_kind") or "",
                r.get("total_amount"),
                r.get("currency") or "",
            ]
        )
    return header, out


def _cell(value: Any) -> Any:
    """Spreadsheet formula injection guard: text starting with = + - @ is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else _cell(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 umlauts correctly


def to_xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "Treffer"
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([_cell(v) for v in r])
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJKLMN", (34, 50, 18, 36, 20, 12, 8, 8, 7, 9, 36, 10, 12, 8), strict=False):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
