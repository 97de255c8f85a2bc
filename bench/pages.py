"""Server-side response time of the cockpit's pages (issue 5).

    .venv/bin/python -m bench.pages --out bench/results/pages.json [--sizes 10000 100000] [--requests 60]

What is timed: the request dash-renderer sends when a user opens a page — the pages router callback,
``POST /_dash-update-component`` with the URL's path and query — through the Flask test client of the real
app (login, CSRF, session, permission filter, cache, Elasticsearch, layout building, JSON encoding). No browser
and no network in between: this is the server's share of a page view.

- search:   ``/search?q=<1–4 words>`` — hybrid (BM25 ∥ kNN, fused), all default facets, 20 hits, highlights,
            customer labels; the query is embedded by the real model (one torch thread), every query new.
- dossier:  ``/dossier/<customer>`` — master data + one aggregation request for all key figures, register
            lists, timeline and contacts; every customer new.
- document: ``/document/<id>?q=<word>`` — the document with highlights, its versions and dossiers.

"cold" = every request different (nothing in the cockpit cache, the query-vector cache or Elasticsearch's
request cache can answer it); "cached" = the same requests again, answered from the cockpit's Redis cache
(the keys carry the user's scope and the data version).

The corpora are the synthetic indices of `bench/query_latency.py` (fixed prefixes `bench-latency-10k` /
`bench-latency-100k`, built there and reused here; 2,000 customers, 3 tenants, 4 ACL groups). The user is an
analyst of tenant "nord" with the groups sales and service — and "all", the group every user of the product has
and customer master data carries (`indexing.customers.customer_doc`); no synthetic document carries it, so the
documents the user sees are those of sales and service.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np

# Run as a script, Python puts bench/ first on sys.path, where bench/views.py would shadow the views
# package: the repository goes first instead.
if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench._common import es_client, percentiles

BENCH_USER = "bench.analyst"
SCOPE_TENANT = "nord"
SCOPE_GROUPS = ("sales", "service")
MASTER_DATA_GROUP = "all"  # customer records carry acl_groups ["all"]; the read side applies the permission filter


def users_file(tmp: Path) -> Path:
    from app.users import hash_password

    path = tmp / "users.toml"
    path.write_text(
        "[[users]]\n"
        f'login = "{BENCH_USER}"\nname = "Bench Analyst"\npassword_hash = "{hash_password("bench")}"\n'
        f'tenants = ["{SCOPE_TENANT}"]\ngroups = {json.dumps([*SCOPE_GROUPS, MASTER_DATA_GROUP])}\nroles = ["analyst"]\n'
    )
    return path


CITY = {"nord": ("Hamburg", "20095", 53.5511, 9.9937), "sued": ("München", "80331", 48.1351, 11.582),
        "west": ("Köln", "50667", 50.9375, 6.9603)}  # fmt: skip


def ensure_customers(es: Any, prefix: str) -> int:
    """Master data for the synthetic corpus's 2,000 customers (bench/query_latency.CUSTOMERS), so dossier covers
    and customer labels cost what they cost in production. Created once per prefix, reused."""
    import datetime as dt

    from elasticsearch.helpers import bulk

    from bench.query_latency import CUSTOMERS
    from indexing.customers import customer_doc, customer_record_id
    from indexing.schema import alias_name
    from indexing.store import ensure_index

    alias = alias_name(prefix, "customers")
    if es.indices.exists_alias(name=alias):
        first = customer_record_id(CUSTOMERS[0][2], CUSTOMERS[0][0])
        if int(es.count(index=alias)["count"]) == len(CUSTOMERS) and es.exists(index=alias, id=first):
            return len(CUSTOMERS)
        # records of an older run (bare customer ids as record ids): written again with tenant-qualified ids
        es.delete_by_query(index=alias, query={"match_all": {}}, refresh=True, conflicts="proceed")
    ensure_index(es, prefix, "customers")
    now = dt.datetime.now(dt.UTC)
    actions = []
    for number, name, tenant in CUSTOMERS:
        city, zip_, lat, lon = CITY[tenant]
        row = {"customer_id": number, "customer_number": number, "name": name, "tenant": tenant, "segment": "B",
               "account_manager": BENCH_USER, "department": f"vertrieb-{tenant}", "billing_street": "Hauptstraße 1",
               "billing_zip": zip_, "billing_city": city, "billing_country": "DE", "billing_lat": str(lat),
               "billing_lon": str(lon), "email_domain": "", "contact_email": "", "phone": "", "iban": "", "vat_id": ""}  # fmt: skip
        actions.append({"_index": alias, "_id": customer_record_id(tenant, number), "_source": customer_doc(row, now)})
    bulk(es, actions, chunk_size=500, refresh=True)
    return len(actions)


def sample_targets(es: Any, prefix: str, n: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Documents and customers the bench user may see (random but fixed sample)."""
    from indexing.schema import alias_name

    index = alias_name(prefix, "documents")
    scope = {"bool": {"filter": [{"term": {"tenant": SCOPE_TENANT}}, {"terms": {"acl_groups": list(SCOPE_GROUPS)}},
                                 {"term": {"is_latest": True}}]}}  # fmt: skip
    docs = es.search(
        index=index,
        size=n,
        query={"function_score": {"query": scope, "random_score": {"seed": seed, "field": "_seq_no"}}},
        source=False,
    )["hits"]["hits"]
    customers = es.search(
        index=index, size=0, query=scope, aggs={"c": {"terms": {"field": "customer_ids", "size": n * 3}}}
    )["aggregations"]["c"]["buckets"]
    rng = np.random.default_rng(seed)
    cust = [b["key"] for b in customers]
    rng.shuffle(cust)
    return [h["_id"] for h in docs], cust[:n]


def time_pages(client: Any, urls: list[str]) -> list[float]:
    out = []
    for url in urls:
        t0 = time.perf_counter()
        client.page(url)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def stats(cold: list[float], cached: list[float]) -> dict[str, Any]:
    c, w = percentiles(cold), percentiles(cached)
    return {
        "p50_ms": c["p50"],
        "p95_ms": c["p95"],
        "p99_ms": c["p99"],
        "mean_ms": round(statistics.fmean(cold), 2),
        "cached_p50_ms": w["p50"],
        "cached_p95_ms": w["p95"],
        "requests": len(cold),
    }


def measure(es: Any, n_docs: int, requests: int, tmp: Path, seed: int) -> dict[str, Any]:
    from bench.query_latency import ensure_index, query_texts
    from cockpit.app import create_app
    from cockpit.cache import cache_config
    from cockpit.dashclient import DashClient

    prefix = ensure_index(es, n_docs)
    ensure_customers(es, prefix)
    cfg = cache_config(prefix)
    app = create_app(index_prefix=prefix, users_file=users_file(tmp), archive_dir=tmp / "archive", es=es,
                     cache_config=cfg, warm_up=False)  # fmt: skip
    client = DashClient(app)
    client.login(BENCH_USER, "bench")
    ctx = app.server.extensions["app_context"]  # app.context.AppContext
    with contextlib.suppress(Exception):  # a clean cache for this corpus: "cold" must be cold
        app.server.extensions["dossier_cache"].clear()
    # Elasticsearch's shard request cache keeps size=0 answers (the dossier's aggregations) across runs
    es.indices.clear_cache(index=f"{prefix}-*", request=True)

    warm = 8
    texts = query_texts(requests + warm, seed=n_docs + seed)
    doc_ids, customers = sample_targets(es, prefix, requests + warm, seed)
    urls = {
        "search": [f"/search?{urlencode({'q': q})}" for q in texts],
        "dossier": [f"/dossier/{quote(c, safe='')}" for c in customers],
        "document": [
            f"/document/{quote(d, safe='')}?{urlencode({'q': q.split()[0]})}"
            for d, q in zip(doc_ids, texts, strict=False)
        ],
    }
    # warm-up (model load, JIT, page cache): not measured
    for page, lst in urls.items():
        time_pages(client, lst[:warm])
        print(f"  {n_docs:>7,} docs | {page:8s} warm-up done", flush=True)
    out: dict[str, Any] = {"documents": int(es.count(index=f"{prefix}-documents")["count"])}
    for page, lst in urls.items():
        measured = lst[warm:]
        cold = time_pages(client, measured)
        cached = time_pages(client, measured)
        out[page] = stats(cold, cached)
        s = out[page]
        print(f"  {n_docs:>7,} docs | {page:8s} | cold p50 {s['p50_ms']:7.1f} ms  p95 {s['p95_ms']:7.1f} | "
              f"cached p50 {s['cached_p50_ms']:5.1f}  p95 {s['cached_p95_ms']:5.1f}", flush=True)  # fmt: skip
    out["cache"] = cfg["CACHE_TYPE"]
    out["embedder_loaded"] = bool(getattr(ctx.search, "_embedder", None))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--requests", type=int, default=60, help="measured requests per page and size")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=None, help="sample seed (default: a new one per run)")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time()) % 100_000

    es = es_client()
    results: dict[str, Any] = {}
    load = os.getloadavg()[0]
    print(f"load average at start: {load:.2f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        for n in args.sizes:
            results[str(n)] = measure(es, n, args.requests, Path(tmp), seed)
            results[str(n)]["seed"] = seed
            results[str(n)]["load_avg_1m"] = round(os.getloadavg()[0], 2)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
