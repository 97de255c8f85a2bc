"""Query latency of the read side (issue 4 §8).

    .venv/bin/python -m bench.query_latency --sizes 10000 100000 --out bench/results/query_latency.json

What is measured, per index size:

- hybrid search (BM25 ∥ kNN in one msearch, fused in Python) with all default facets and grouping by customer,
  page size 20, through `search.service.SearchService.search` with a normal (non-admin) principal;
- 1 client and 8 concurrent clients (threads, each its own queries);
- "uncached": every request is a different query text and a different query vector;
  "repeated": the same request again and again (warm OS page cache / ES query caches, no request cache);
  "request-cache": the same request repeated with `request_cache=true` on the msearch lines
  (`search.repository.Repository(..., request_cache=True)`);
- the query embedding separately: p50/p95 of `nlp.embeddings` encoding one short query with one torch thread
  (the serving configuration); search timings use precomputed vectors so the two add up.

The documents are synthetic, generated here directly as index bodies of the project's mapping: German-ish
text from a Zipf vocabulary, 3 tenants, 4 ACL groups, 2,000 customers, registers, three years of dates, facets,
identifiers, 1–3 passages with *random unit vectors* (no model time; random vectors are the hard case for
HNSW). Indices live under the fixed prefixes `bench-latency-10k` / `bench-latency-100k` and are reused when
their document count matches, so the 100k build is paid once (and resumes when interrupted).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

# Run as a script, Python puts bench/ first on sys.path, where bench/views.py would shadow the views
# package: the repository goes first instead.
if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench._common import es_client, percentiles, principal, search_service
from indexing.schema import REGISTERS as SCHEMA_REGISTERS

DIMS = 384
TENANTS = ("nord", "sued", "west")
GROUPS = ("sales", "service", "finance", "management")
REGISTERS = tuple(r for r in SCHEMA_REGISTERS if r not in ("other", "review"))  # the document types
LANGS = ("de",) * 7 + ("en",) * 2 + ("pl",)
SOURCES = ("file", "email", "attachment", "erp", "upload")
N_CUSTOMERS = 2000
VOCAB_SIZE = 6000
WORD_SEED = 7

_SYLLABLES = (
    "ver",
    "lie",
    "fer",
    "rech",
    "nung",
    "an",
    "ge",
    "bot",
    "schrau",
    "ben",
    "kun",
    "de",
    "auf",
    "trag",
    "lei",
    "stung",
    "ter",
    "min",
    "zah",
    "lung",
    "mah",
    "war",
    "tung",
    "ser",
    "vice",
    "ma",
    "schi",
    "ne",
    "teil",
    "preis",
    "mon",
    "ta",
    "ge",
    "wer",
    "kzeug",
    "stahl",
    "rohr",
    "ven",
    "til",
    "pum",
    "pe",
)


def vocabulary() -> list[str]:
    rng = np.random.default_rng(WORD_SEED)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < VOCAB_SIZE:
        w = "".join(rng.choice(_SYLLABLES, size=int(rng.integers(2, 5))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


VOCAB = vocabulary()
_ZIPF = 1.0 / np.arange(1, VOCAB_SIZE + 1) ** 1.05
_ZIPF /= _ZIPF.sum()


def customers() -> list[tuple[str, str, str]]:
    rng = np.random.default_rng(11)
    out = []
    for i in range(N_CUSTOMERS):
        name = " ".join(rng.choice(VOCAB[:800], size=2)).title() + rng.choice([" GmbH", " AG", " KG", " SE"])
        out.append((f"K-{10000 + i}", name, TENANTS[i % len(TENANTS)]))
    return out


CUSTOMERS = customers()


def make_doc(i: int) -> dict[str, Any]:
    rng = np.random.default_rng(1_000_003 + i)
    cust = CUSTOMERS[int(rng.integers(0, N_CUSTOMERS))]
    register = REGISTERS[int(rng.integers(0, len(REGISTERS)))]
    n_words = int(rng.integers(60, 400))
    words = rng.choice(VOCAB, size=n_words, p=_ZIPF)
    text = " ".join(words)
    title = " ".join(rng.choice(VOCAB, size=int(rng.integers(2, 6)), p=_ZIPF)).capitalize()
    day = int(rng.integers(0, 3 * 365))
    date = np.datetime64("2024-01-01") + np.timedelta64(day, "D")
    date_s = str(date)
    n_pass = 1 + n_words // 160
    vecs = rng.normal(size=(n_pass, DIMS)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    doc_no = f"RE-{date_s[:4]}-{i:05d}"
    acl = sorted({GROUPS[int(rng.integers(0, len(GROUPS)))], GROUPS[int(rng.integers(0, 2))]})
    return {
        "doc_id": f"d{i}",
        "family_id": f"f{i // 2 if i % 10 == 0 else i}",
        "version": 1,
        "is_latest": bool(i % 10 != 0 or rng.random() < 0.5),
        "tenant": cust[2],
        "acl_groups": acl,
        "export_groups": acl,
        "source_kind": SOURCES[int(rng.integers(0, len(SOURCES)))],
        "title": title,
        "text": text,
        "lemmas": text,
        "language": LANGS[int(rng.integers(0, len(LANGS)))],
        "customer_ids": [cust[0]],
        "customer_names": [cust[1]],
        "primary_customer_id": cust[0],
        "register": register,
        "status": "open" if rng.random() < 0.3 else "closed",
        "filing": {"status": "auto" if rng.random() < 0.9 else "review", "confidence": float(rng.random())},
        "doc_date": date_s,
        "year_month": date_s[:7],
        "ids": [cust[0].replace("-", "").lower(), doc_no.replace("-", "").lower()],
        "entities": {"customer_number": [cust[0]], "invoice_number": [doc_no]},
        "entity_facets": [f"customer_number:{cust[0]}", f"invoice_number:{doc_no}"],
        "passages": [
            {
                "ord": k,
                "text": " ".join(words[k * 160 : (k + 1) * 160])[:300],
                "vector": [round(float(x), 5) for x in v],
            }
            for k, v in enumerate(vecs)
        ],
    }


def ensure_index(es: Any, n: int) -> str:
    from elasticsearch.helpers import streaming_bulk

    from indexing import schema

    label = f"{n // 1000}k" if n % 1000 == 0 else str(n)
    prefix = f"bench-latency-{label}"
    alias = schema.alias_name(prefix, "documents")
    name = schema.index_name(prefix, "documents")
    if not es.indices.exists(index=name):
        es.indices.create(
            index=name,
            mappings=schema.documents_mapping(),
            settings=schema.index_settings("documents") | {"refresh_interval": "-1"},
            aliases={alias: {}},
        )
    es.indices.refresh(index=name)
    have = int(es.count(index=name)["count"])
    if have >= n:
        print(f"{prefix}: reusing {have:,} documents", flush=True)
        return prefix
    start = max(0, have - 2000)  # bulk order is not guaranteed at the edge: redo a margin (ids are stable)
    print(f"{prefix}: indexing documents {start:,}..{n:,}", flush=True)
    es.indices.put_settings(index=name, settings={"refresh_interval": "-1"})

    def actions() -> Iterator[dict[str, Any]]:
        for i in range(start, n):
            yield {"_op_type": "index", "_index": name, "_id": f"d{i}", "_source": make_doc(i)}

    t0 = time.perf_counter()
    bulk = streaming_bulk(es, actions(), chunk_size=500, raise_on_error=False, max_retries=5, request_timeout=300)
    for done, (ok, item) in enumerate(bulk, start=1):
        if not ok:
            print(f"  failure: {str(item)[:300]}", file=sys.stderr)
        if done % 10000 == 0:
            rate = done / (time.perf_counter() - t0)
            print(f"  {start + done:,}/{n:,} ({rate:.0f} docs/s)", flush=True)
    es.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
    es.indices.refresh(index=name)
    print(f"  indexed in {time.perf_counter() - t0:.0f} s; force-merging", flush=True)
    es.options(request_timeout=3600).indices.forcemerge(index=name, max_num_segments=1)
    return prefix


# ------------------------------------------------------------------------------------------------ queries


class VectorTable:
    """The "embedder" used during the search timings: a precomputed random unit vector per query text."""

    model_name = "all-minilm-l6-v2"  # the product policy's fusion weights

    def __init__(self) -> None:
        self._vecs: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def add(self, text: str, seed: int) -> None:
        v = np.random.default_rng(seed).normal(size=DIMS).astype(np.float32)
        self._vecs[text] = v / np.linalg.norm(v)

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vecs[t] for t in texts])


def query_texts(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(1, 5))
        out.append(" ".join(rng.choice(VOCAB[20:3000], size=k)))  # skip the stop-word-like head
    return out


def scopes() -> list[Any]:
    """Normal (non-admin) principals: analysts of one or two tenants with one or two groups."""
    return [
        principal("u1", {"nord"}, {"sales"}),
        principal("u2", {"nord", "sued"}, {"sales", "service"}),
        principal("u3", {"west"}, {"finance", "sales"}),
    ]


def run_clients(
    svc: Any, texts: list[str], clients: int, *, repeat_same: bool, request: Any
) -> tuple[list[float], float, int]:
    from search.request import SearchRequest
    from search.service import SEARCH_FAILED

    lat: list[float] = []
    lock = threading.Lock()
    errors = 0
    sc = scopes()
    per_client = len(texts) // clients

    def worker(c: int) -> None:
        nonlocal errors
        mine = texts[c * per_client : (c + 1) * per_client]
        local: list[float] = []
        bad = 0
        for j, t in enumerate(mine):
            req: SearchRequest = request.with_(text=mine[0] if repeat_same else t)
            t0 = time.perf_counter()
            res = svc.search(req, sc[(c + j) % len(sc)] if not repeat_same else sc[0])
            local.append((time.perf_counter() - t0) * 1000.0)
            if any(m.code == SEARCH_FAILED.code for m in res.messages):
                bad += 1
        with lock:
            lat.extend(local)
            errors += bad

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    return lat, len(lat) / wall, errors


def measure_size(es: Any, n: int, n_queries: int) -> dict[str, Any]:
    from search.request import SearchRequest

    prefix = ensure_index(es, n)
    table = VectorTable()
    texts = query_texts(n_queries * 3 + 50, seed=n)
    for i, t in enumerate(texts):
        table.add(t, seed=i)
    req = SearchRequest(mode="hybrid", group_by="customer", size=20)
    out: dict[str, Any] = {"documents": int(es.count(index=f"{prefix}-documents")["count"])}
    svc = search_service(es, prefix, lambda: table, query_vector_cache=0)
    # warm-up: JIT, HNSW graph and doc values into the page cache
    run_clients(svc, texts[-50:], 1, repeat_same=False, request=req)
    cases = [
        ("1 client, uncached", 1, False, svc, texts[:n_queries]),
        ("8 clients, uncached", 8, False, svc, texts[n_queries : 3 * n_queries]),
        ("1 client, repeated", 1, True, svc, texts[:n_queries]),
        ("8 clients, repeated", 8, True, svc, texts[: 2 * n_queries]),
    ]
    cached_svc = search_service(es, prefix, lambda: table, query_vector_cache=0, request_cache=True)
    cases += [
        ("1 client, request-cache", 1, True, cached_svc, texts[:n_queries]),
        ("8 clients, request-cache", 8, True, cached_svc, texts[: 2 * n_queries]),
    ]
    for label, clients, same, s, qs in cases:
        lat, qps, errors = run_clients(s, qs, clients, repeat_same=same, request=req)
        stats = percentiles(lat) | {
            "mean": round(statistics.fmean(lat), 2),
            "qps": round(qps, 1),
            "requests": len(lat),
            "errors": errors,
        }
        out[label] = stats
        print(
            f"  {n:>7,} docs | {label:26s} | p50 {stats['p50']:7.1f} ms  p95 {stats['p95']:7.1f}  "
            f"p99 {stats['p99']:7.1f}  {qps:6.1f} q/s",
            flush=True,
        )
    # a keyword-only and a browse request for comparison
    for label, r in [
        ("1 client, keyword + facets + groups", req.with_(mode="keyword")),
        ("1 client, browse (no text) + facets", req.with_(group_by=None)),
    ]:
        lat, qps, errors = run_clients(
            svc, texts[:n_queries] if "keyword" in label else [""] * n_queries, 1, repeat_same=False, request=r
        )
        out[label] = percentiles(lat) | {"qps": round(qps, 1), "errors": errors}
        print(
            f"  {n:>7,} docs | {label:26s} | p50 {out[label]['p50']:7.1f} ms  p95 {out[label]['p95']:7.1f}", flush=True
        )
    return out


def measure_embedding(n: int = 200) -> dict[str, Any]:
    import torch

    from nlp.embeddings import get_embedder

    emb = get_embedder()
    if hasattr(emb, "set_threads"):
        emb.set_threads(1)
    torch.set_num_threads(1)
    texts = [f"Reklamation {t} Lieferung verspätet" for t in query_texts(n + 20, seed=99)]
    emb.encode(texts[:20])  # load + warm up
    lat = []
    for t in texts[20:]:
        t0 = time.perf_counter()
        emb.encode([t])
        lat.append((time.perf_counter() - t0) * 1000.0)
    out = percentiles(lat) | {"torch_threads": torch.get_num_threads(), "queries": len(lat)}
    print(f"  query embedding (1 torch thread): p50 {out['p50']} ms, p95 {out['p95']} ms", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=200, help="requests per single-client case")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--skip-embedding", action="store_true")
    ap.add_argument("--audit", action="store_true", help="only: search with and without the audit entry (bench.audit)")
    args = ap.parse_args(argv)
    if args.audit:
        from bench.audit import main as audit_main

        return audit_main(["latency", "--queries", str(args.queries), "--documents", str(args.sizes[-1]),
                           "--out", str(args.out)])  # fmt: skip

    es = es_client()
    results: dict[str, Any] = {
        "note": "synthetic documents generated as index bodies with random unit vectors; search timings use "
        "precomputed query vectors (embedding measured separately); hybrid = BM25 + kNN msearch + fusion, all "
        "default facets, grouping by customer, 20 hits, non-admin scopes",
        "sizes": {},
    }
    if not args.skip_embedding:
        results["query_embedding"] = measure_embedding()
    for n in args.sizes:
        results["sizes"][str(n)] = measure_size(es, n, args.queries)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
