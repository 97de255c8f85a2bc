"""What the permission model costs search (issue 13): the filter with confidential documents and 1,000 grants.

    .venv/bin/python -m bench.access --queries 300 --passes 3 --out bench/results/access.json

On the 100k-document corpus of `bench.query_latency` (reused; built there when missing): hybrid search with
all default facets and grouping by customer, 20 hits, 1 client, uncached (every request another text and
vector), through `search.service.SearchService.search`, for the same analyst (tenant nord, group sales):

- ``legacy``: the filter before this issue (tenant + groups only; patched in for the baseline);
- ``no grants``: today's filter (register groups, confidential documents named, no grants);
- ``10 grants`` / ``1,000 grants``: the principal holds 10 or all of the 1,000 active grants of the grants
  index (half dossiers, half documents), looked up per request by `app.grants.attach` (its per-process memo,
  as the servers do) — the worst case: one person holding every grant there is.

The four cases run interleaved (query i goes to every case in turn) so machine noise spreads evenly; 100
documents are marked confidential. Target: ``1,000 grants`` p95 ≤ 1.10 × ``legacy`` p95.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench._common import es_client, percentiles, principal, search_service
from bench.query_latency import CUSTOMERS, VectorTable, ensure_index, query_texts

N_DOCS = 100_000
N_GRANTS = 1000
HOLDER = "bench.grants"


def legacy_filter(p: Any) -> dict[str, Any]:
    return {"bool": {"filter": [{"terms": {"tenant": sorted(p.tenants)}}, {"terms": {"acl_groups": sorted(p.groups)}}]}}


def prepare(es: Any, prefix: str) -> None:
    """The new mapping fields, 100 confidential documents, the grants index with 1,000 active grants."""
    from elasticsearch.helpers import bulk

    from indexing import schema, store

    index = schema.alias_name(prefix, "documents")
    es.indices.put_mapping(index=index, properties={k: v for k, v in schema.documents_mapping()["properties"].items()
                                                    if k.startswith(("confidential", "export_groups"))})  # fmt: skip
    bulk(es, ({"_op_type": "update", "_index": index, "_id": f"d{i}",
               "doc": {"confidential": True, "confidential_users": ["someone.else"], "confidential_groups": ["board"]}}
              for i in range(0, N_DOCS, N_DOCS // 100)), refresh=True)  # fmt: skip
    store.ensure_index(es, prefix, "grants")
    grants = schema.alias_name(prefix, "grants")
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    nord = [c for c, _, t in CUSTOMERS if t == "nord"]

    def grant(k: int) -> dict[str, Any]:
        src: dict[str, Any] = {"kind": "grant", "tenant": "nord", "grantee_kind": "user", "grantee": HOLDER,
                               "active": True, "valid_from": start, "until": until, "reason": "bench",
                               "owner": "bench", "created_at": start, "via": ["*"]}  # fmt: skip
        if k % 2:
            src.update(target="dossier", customer_id=nord[k % len(nord)])
        else:
            src.update(target="document", family_id=f"f{k * 97}")
        return {"_op_type": "index", "_index": grants, "_id": f"g{k}", "_source": src}

    bulk(es, (grant(k) for k in range(N_GRANTS)), refresh=True)


def run(es: Any, prefix: str, n_queries: int) -> dict[str, Any]:
    import search.builder as builder_mod
    import search.clauses as clauses_mod
    from app import grants
    from app.context import AppContext
    from search.request import SearchRequest

    table = VectorTable()
    texts = query_texts(n_queries + 30, seed=N_DOCS + 13)
    for i, t in enumerate(texts):
        table.add(t, seed=10_000 + i)
    svc = search_service(es, prefix, lambda: table, query_vector_cache=0)
    ctx = AppContext.create(es, prefix)
    analyst = principal("u1", {"nord"}, {"sales"})
    holder = principal(HOLDER, {"nord"}, {"sales"})
    few = grants.attach(ctx, holder).grants[:10]
    req = SearchRequest(mode="hybrid", group_by="customer", size=20)
    real = builder_mod.permission_filter

    def legacy(t: str) -> Any:
        clauses_mod.permission_filter = builder_mod.permission_filter = legacy_filter  # type: ignore[assignment]
        try:
            return svc.search(req.with_(text=t), analyst)
        finally:
            clauses_mod.permission_filter = builder_mod.permission_filter = real  # type: ignore[assignment]

    cases = {
        "legacy": legacy,
        "no grants": lambda t: svc.search(req.with_(text=t), analyst),
        "10 grants": lambda t: svc.search(req.with_(text=t), holder.with_(grants=few)),
        "1,000 grants": lambda t: svc.search(req.with_(text=t), grants.attach(ctx, holder)),
    }
    assert len(grants.attach(ctx, holder).grants) == N_GRANTS, "the holder must hold every grant"
    for t in texts[-30:]:  # warm-up
        for fn in cases.values():
            fn(t)
    lat: dict[str, list[float]] = {k: [] for k in cases}
    totals: dict[str, list[int]] = {k: [] for k in cases}
    for i, t in enumerate(texts[:n_queries]):
        order = list(cases.items())
        order = order[i % len(order) :] + order[: i % len(order)]  # rotate who goes first
        for name, fn in order:
            t0 = time.perf_counter()
            res = fn(t)
            lat[name].append((time.perf_counter() - t0) * 1000.0)
            totals[name].append(int(res.total))
    out: dict[str, Any] = {name: percentiles(v) | {"requests": len(v)} for name, v in lat.items()}
    base = out["legacy"]["p95"]
    for name in cases:
        out[name]["p95_vs_legacy"] = round(out[name]["p95"] / base, 3) if base else None
        print(f"  {name:14s} p50 {out[name]['p50']:7.1f} ms  p95 {out[name]['p95']:7.1f} ms  "
              f"p95/legacy {out[name]['p95_vs_legacy']}", flush=True)  # fmt: skip
    # the grants open documents: the holder's totals are never below the analyst's
    out["holder_sees_more"] = all(a >= b for a, b in zip(totals["1,000 grants"], totals["no grants"], strict=True))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--passes", type=int, default=3, help="the median pass is reported")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    es = es_client()
    prefix = ensure_index(es, N_DOCS)
    prepare(es, prefix)
    passes = [run(es, prefix, args.queries) for _ in range(args.passes)]
    ratios = sorted(float(p["1,000 grants"]["p95_vs_legacy"]) for p in passes)
    p95 = ratios[len(ratios) // 2]  # the median pass
    result = {"documents": N_DOCS, "grants": N_GRANTS, "queries": args.queries, "passes": passes,
              "p95_ratio_per_pass": ratios, "cases": passes[[float(p["1,000 grants"]["p95_vs_legacy"])
                                                               for p in passes].index(p95)]}  # fmt: skip
    result["target_met"] = bool(p95 is not None and p95 <= 1.10)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"1,000 grants: p95 {p95}x legacy, median of {ratios} (target ≤ 1.10): "
          f"{'met' if result['target_met'] else 'NOT met'}")  # fmt: skip
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
