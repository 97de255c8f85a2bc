"""Ingest benchmark (issue 3): throughput vs the embedding-only ceiling, re-ingest speed-up, filing quality.

    .venv/bin/python bench/ingest.py [--corpus DIR | --customers 60 --documents 400] --out bench/results/ingest.json

In one run: generate (or reuse) the demo corpus, ingest it into a fresh index prefix with a cold
embedding cache, measure docs/s, passages/s, time per stage and peak RSS; embed the very same passages
with the model alone (the ceiling, same torch threads); ingest again unchanged (the re-ingest ratio);
compare filing against ground_truth.jsonl per language.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from core.es import get_admin_client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import core  # noqa: E402,F401
from core.es import get_client  # noqa: E402
from indexing import schema  # noqa: E402
from indexing.customers import ingest_customer_file  # noqa: E402
from indexing.pipeline import RunSummary, run_ingest  # noqa: E402
from indexing.store import scan_all  # noqa: E402


def peak_rss_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"main_mb": round(own, 1), "largest_child_mb": round(children, 1)}


def ingest_all(
    corpus: Path, tenants: list[str], es: Any, prefix: str, var_dir: Path, embedder: Any, workers: int
) -> list[RunSummary]:
    from indexing.pipeline import own_identifiers_from

    return [
        run_ingest(
            [corpus / t], tenant=t, es=es, prefix=prefix, embedder=embedder, var_dir=var_dir, workers=workers,
            own_identifiers=own_identifiers_from(corpus / "manifest.json", t),
        )
        for t in tenants
    ]  # fmt: skip


def totals(runs: list[RunSummary]) -> dict[str, Any]:
    out: dict[str, Any] = defaultdict(float)
    stages: dict[str, float] = defaultdict(float)
    for r in runs:
        for key in ("seconds", "files_seen", "attachments_seen", "documents_indexed", "new_versions", "unchanged",
                    "duplicates_merged", "sent_to_review", "passages", "passages_embedded"):  # fmt: skip
            out[key] += getattr(r, key)
        out["failed"] += len(r.failed)
        for k, v in r.stage_seconds.items():
            stages[k] += v
    out["stage_seconds"] = {k: round(v, 2) for k, v in stages.items()}
    out["adds_up"] = all(r.adds_up() for r in runs)
    out["failures"] = [f.__dict__ for r in runs for f in r.failed]
    return dict(out)


def filing_quality(es: Any, prefix: str, corpus: Path) -> dict[str, Any]:
    truth = [json.loads(line) for line in (corpus / "ground_truth.jsonl").read_text().splitlines() if line.strip()]
    by_uri: dict[str, dict[str, Any]] = {}
    for hit in scan_all(es, schema.alias_name(prefix, "documents"), {"match_all": {}}):
        src = hit["_source"]
        for s in src.get("sources") or []:
            by_uri[s["uri"]] = src
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misfiled: list[dict[str, Any]] = []
    for t in truth:
        lang = t.get("language", "?")
        for key in (lang, "all"):
            stats[key]["documents"] += 1
        doc = by_uri.get(t["doc_key"])
        if doc is None:
            for key in (lang, "all"):
                stats[key]["missing"] += 1
            continue
        if t["numbers"].get("total"):
            got = f"{doc.get('total_amount') or 0:.2f} {doc.get('currency')}"
            for key in (lang, "all"):
                stats[key]["with_total"] += 1
                stats[key]["total_ok"] += int(got == t["numbers"]["total"])
        auto = doc["filing"]["status"] == "auto"
        register = doc["filing"].get("suggested_register") or doc["register"]
        for key in (lang, "all"):
            stats[key]["auto"] += int(auto)
            stats[key]["register_ok"] += int(register == t["register"])
            if auto:
                ok = bool(t["customer_ids"]) and doc.get("primary_customer_id") == t["customer_ids"][0]
                stats[key]["auto_correct"] += int(ok)
        if auto and not (t["customer_ids"] and doc.get("primary_customer_id") == t["customer_ids"][0]):
            misfiled.append(
                {
                    "doc": t["doc_key"],
                    "expected": t["customer_ids"],
                    "got": doc.get("customer_ids"),
                    "reasons": doc["filing"]["reasons"],
                }
            )
    report = {}
    for key, s in sorted(stats.items()):
        n = max(s["documents"] - s["missing"], 1)
        report[key] = {
            "documents": s["documents"],
            "missing": s["missing"],
            "auto_filed_pct": round(100 * s["auto"] / n, 2),
            "precision_auto_pct": round(100 * s["auto_correct"] / max(s["auto"], 1), 2),
            "register_accuracy_pct": round(100 * s["register_ok"] / n, 2),
            "gross_total_correct": f"{s['total_ok']}/{s['with_total']}",
        }
    return {"by_language": report, "misfiled_examples": misfiled[:20]}


def ceiling(es: Any, prefix: str, embedder: Any) -> dict[str, float]:
    texts = [
        p["text"]
        for h in scan_all(es, schema.alias_name(prefix, "documents"))
        for p in h["_source"].get("passages") or []
    ]
    t0 = time.perf_counter()
    embedder.encode(texts)
    secs = time.perf_counter() - t0
    return {"passages": len(texts), "seconds": round(secs, 2), "passages_per_s": round(len(texts) / secs, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, help="an existing demo corpus (else one is generated)")
    ap.add_argument("--customers", type=int, default=60)
    ap.add_argument("--documents", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("bench/results/ingest.json"))
    ap.add_argument("--keep", action="store_true", help="keep the benchmark indices")
    ap.add_argument(
        "--warm-workers",
        action="store_true",
        help="start the extraction workers (imports, spaCy) before the timed ingest, as the embedder is; "
        "without it their warm-up counts as ingest time",
    )
    args = ap.parse_args()

    from nlp.embeddings import get_embedder

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    corpus = args.corpus
    if corpus is None:
        from demo.generate import generate

        corpus = work / "corpus"
        t0 = time.perf_counter()
        generate(corpus, customers=args.customers, documents=args.documents, seed=args.seed)
        print(f"corpus generated in {time.perf_counter() - t0:.1f} s")
    tenants = sorted(p.name for p in corpus.iterdir() if p.is_dir())
    es = get_client()
    prefix = f"bench-ingest-{int(time.time())}"
    embedder = get_embedder()
    embedder.encode(["warm up"])  # model load is not ingest time
    worker_warmup_s = None
    if args.warm_workers and args.workers > 0:
        from indexing.pipeline import _worker_ready, worker_pool

        t0 = time.perf_counter()
        worker_pool(args.workers).submit(_worker_ready).result()
        worker_warmup_s = round(time.perf_counter() - t0, 2)
        print(f"extraction workers warmed up before the timed ingest in {worker_warmup_s} s")
    var_dir = work / "var"
    try:
        ingest_customer_file(corpus / "customers.csv", es=es, prefix=prefix)
        first = totals(ingest_all(corpus, tenants, es, prefix, var_dir, embedder, args.workers))
        ceil = ceiling(es, prefix, embedder)
        second = totals(ingest_all(corpus, tenants, es, prefix, var_dir, embedder, args.workers))
        quality = filing_quality(es, prefix, corpus)
    finally:
        if not args.keep:
            get_admin_client().options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")
        shutil.rmtree(work, ignore_errors=True)

    docs = first["documents_indexed"] + first["new_versions"]
    e2e_pps = first["passages"] / first["seconds"]
    result = {
        "machine": "2 cores, 24 GiB (shared, noisy)",
        "corpus": {"customers": args.customers, "documents": args.documents, "seed": args.seed},
        "first_ingest": first | {"docs_per_s": round(docs / first["seconds"], 2), "passages_per_s": round(e2e_pps, 2)},
        "workers": args.workers,
        "worker_warmup_outside_timing_s": worker_warmup_s,  # None: the warm-up is part of first_ingest
        "embedding_ceiling": ceil,
        "ratio_to_ceiling": round(e2e_pps / ceil["passages_per_s"], 3),
        "reingest": second | {"speedup": round(first["seconds"] / max(second["seconds"], 1e-6), 1)},
        "peak_rss": peak_rss_mb(),
        "filing": quality,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(
        f"first ingest: {first['seconds']:.1f} s, {docs} documents ({result['first_ingest']['docs_per_s']} docs/s), "
        f"{first['passages']:.0f} passages ({e2e_pps:.2f}/s), failed {first['failed']:.0f}, adds up {first['adds_up']}"
    )
    print(f"stages (s): {first['stage_seconds']}")
    print(f"embedding-only ceiling: {ceil['passages_per_s']} passages/s -> ratio {result['ratio_to_ceiling']:.1%}")
    print(
        f"re-ingest unchanged: {second['seconds']:.1f} s -> {result['reingest']['speedup']}x faster; "
        f"unchanged {second['unchanged']:.0f}, new {second['documents_indexed']:.0f}"
    )
    print(f"peak RSS: {result['peak_rss']}")
    print(f"{'language':<8} {'docs':>5} {'auto %':>7} {'prec %':>7} {'register %':>10} {'gross total':>12}")
    for lang, r in quality["by_language"].items():
        print(
            f"{lang:<8} {r['documents']:>5} {r['auto_filed_pct']:>7} {r['precision_auto_pct']:>7} "
            f"{r['register_accuracy_pct']:>10} {r['gross_total_correct']:>12}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
