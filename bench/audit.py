"""The audit trail's costs (issue 12).

``latency``: what recording a search in the audit trail adds to the search itself. The same requests as
`bench/query_latency.py` (hybrid, all facets, grouped by customer, non-admin scopes, precomputed query
vectors) on its 100k index, each query run twice in alternating order: through `SearchService.search`
(without) and through the use case `app.search.search` (with: the entry is built, queued and written in bulk
by the background flush — the writes run concurrently with the later searches, as in production). No
cache. Also callable as ``bench/query_latency.py --audit``.

``verify``: `cockpit audit verify`'s use case over N generated entries (default 1M, two tenant chains, written
through `indexing.audit_log.AuditLog` in batches; reused when the prefix already holds them).

    .venv/bin/python -m bench.audit latency --queries 300 --out bench/results/audit_latency.json
    .venv/bin/python -m bench.audit verify --entries 1000000 --out bench/results/audit_verify.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench._common import es_client, percentiles

VERIFY_PREFIX = "bench-audit"


def measure_latency(es: Any, n_docs: int, n_queries: int) -> dict[str, Any]:
    from app import audit
    from app import search as search_uc
    from app.context import AppContext
    from bench.query_latency import VectorTable, ensure_index, query_texts, scopes
    from search.request import SearchRequest

    prefix = ensure_index(es, n_docs)
    table = VectorTable()
    texts = query_texts(n_queries + 50, seed=n_docs + 7)
    for i, t in enumerate(texts):
        table.add(t, seed=10_000 + i)
    ctx = AppContext.create(es, prefix, embedder_factory=lambda: table)
    req = SearchRequest(mode="hybrid", group_by="customer", size=20)
    sc = scopes()
    for t in texts[-50:]:  # warm-up
        ctx.search.search(req.with_(text=t), sc[0])
    without: list[float] = []
    with_audit: list[float] = []
    for j, t in enumerate(texts[:n_queries]):
        r, p = req.with_(text=t), sc[j % len(sc)]
        order = [False, True] if j % 2 == 0 else [True, False]
        for audited in order:
            t0 = time.perf_counter()
            if audited:
                search_uc.search(ctx, p, r)
            else:
                ctx.search.search(r, p)
            (with_audit if audited else without).append((time.perf_counter() - t0) * 1000.0)
    ctx.flush_background(timeout=30)
    audit.flush(ctx)
    ctx.store.refresh("audit")
    written = ctx.repo.count("audit", {"query": {"term": {"action": "search"}}})
    a, b = percentiles(without), percentiles(with_audit)
    out = {
        "documents": n_docs, "queries": n_queries, "without": a | {"mean": round(statistics.fmean(without), 2)},
        "with_audit": b | {"mean": round(statistics.fmean(with_audit), 2)},
        "delta_p50_ms": round(b["p50"] - a["p50"], 2), "delta_p95_ms": round(b["p95"] - a["p95"], 2),
        "search_entries_in_trail": written,
    }  # fmt: skip
    print(f"  without audit  p50 {a['p50']:6.1f} ms  p95 {a['p95']:6.1f} ms", flush=True)
    print(f"  with audit     p50 {b['p50']:6.1f} ms  p95 {b['p95']:6.1f} ms", flush=True)
    print(f"  delta          p50 {out['delta_p50_ms']:+6.2f} ms  p95 {out['delta_p95_ms']:+6.2f} ms "
          f"({written} search entries written)", flush=True)  # fmt: skip
    return out


def _generate(ctx: Any, n: int) -> float:
    """n entries in two chains (60 % nord, 40 % sued), written through the chain writer in batches."""
    import datetime as dt

    from indexing.audit_log import AuditLog

    log = AuditLog(ctx.store)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    t0 = time.perf_counter()
    batch = 20_000
    for b0 in range(0, n, batch):
        entries = []
        for i in range(b0, min(n, b0 + batch)):
            at = start + dt.timedelta(seconds=i * 25)
            entries.append({"action": ("search", "view_document", "download_original", "login")[i % 4],
                            "tenant": "nord" if i % 5 < 3 else "sued", "owner": f"user{i % 97}",
                            "principal_kind": "user", "roles": ["agent"], "created_at": at.isoformat(),
                            "day": at.date().isoformat(), "doc_id": f"doc-{i % 50_000}", "ip": "10.0.0.1",
                            "query": "Rechnung Müller" if i % 4 == 0 else None, "body": {}})  # fmt: skip
        log.append(entries)
        if (b0 // batch) % 10 == 0:
            print(f"  generated {b0 + len(entries):,} entries ({time.perf_counter() - t0:.0f} s)", flush=True)
    ctx.store.refresh("audit")
    return time.perf_counter() - t0


def measure_verify(es: Any, n: int, runs: int) -> dict[str, Any]:
    from app.audit_verify import verify_trail
    from app.context import AppContext
    from domain.principal import Principal

    prefix = f"{VERIFY_PREFIX}-{n}"
    ctx = AppContext.create(es, prefix)
    ctx.audit_anchor_dir = None
    generated = {"query": {"bool": {"must_not": [{"term": {"action": "audit_verify"}}]}}}  # each run adds one
    have = ctx.repo.count("audit", generated)
    out: dict[str, Any] = {"entries": n}
    if have != n:
        if have:
            raise SystemExit(f"{prefix} holds {have} entries, not {n}: drop it as the administrator first")
        out["generate_s"] = round(_generate(ctx, n), 1)
        print(f"  generated {n:,} entries in {out['generate_s']} s", flush=True)
    times = []
    for _ in range(runs):
        ctx.flush_background()
        ctx.store.refresh("audit")
        expected = ctx.repo.count("audit", {"query": {"match_all": {}}})
        report = verify_trail(ctx, Principal.system())
        if not report.ok or report.entries != expected:
            raise SystemExit(f"verify found {len(report.findings)} findings over {report.entries} entries")
        times.append(report.seconds)
        print(f"  verify: {report.entries:,} entries, {len(report.chains)} chains, {report.seconds:.1f} s "
              f"({report.entries / report.seconds:,.0f} entries/s)", flush=True)  # fmt: skip
    ctx.flush_background()
    out |= {"verify_s": [round(t, 1) for t in times], "median_s": round(statistics.median(times), 1),
            "entries_per_s": round(n / statistics.median(times))}  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["latency", "verify"])
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    es = es_client()
    if args.what == "latency":
        result = measure_latency(es, args.documents, args.queries)
    else:
        result = measure_verify(es, args.entries, args.runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
