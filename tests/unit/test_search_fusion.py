"""search.fusion: RRF and normalised-score fusion, the per-language hybrid policy."""

from __future__ import annotations

import pytest

from search.fusion import FusionPolicy, Mix, agreement, fuse_hybrid, linear, normalise, policy_for, rrf

KW = [("a", 12.0), ("b", 10.0), ("c", 4.0)]
SEM = [("c", 0.9), ("d", 0.8), ("a", 0.5)]


def test_rrf_values() -> None:
    fused = dict(rrf([KW, SEM], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 63)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert fused["d"] == pytest.approx(1 / 62)
    # weights
    only_kw = rrf([KW, SEM], [1.0, 0.0])
    assert [d for d, _ in only_kw][:3] == ["a", "b", "c"]


def test_minmax_and_zscore() -> None:
    assert normalise(KW) == {"a": 1.0, "b": 0.75, "c": 0.0}
    z = normalise(KW, "zscore")
    assert z["a"] > z["b"] > z["c"]
    assert normalise([("x", 3.0)]) == {"x": 1.0}
    assert normalise([]) == {}


def test_linear_weights_select_a_run() -> None:
    assert [d for d, _ in linear([KW, SEM], [1.0, 0.0])][:3] == ["a", "b", "c"]
    assert [d for d, _ in linear([KW, SEM], [0.0, 1.0])][:3] == ["c", "d", "a"]
    mixed = dict(linear([KW, SEM], [0.5, 0.5]))
    assert mixed["a"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)  # a is the semantic run's minimum
    assert mixed["c"] == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)
    assert mixed["d"] == pytest.approx(0.5 * 0.0 + 0.5 * 0.75)


def test_ties_keep_keyword_order() -> None:
    fused = linear([[("x", 1.0), ("y", 1.0)], []], [1.0, 0.0])
    assert [d for d, _ in fused] == ["x", "y"]


def test_agreement() -> None:
    assert agreement(KW, SEM, depth=3) == pytest.approx(2 / 3)
    assert agreement([], SEM) == 0.0


def test_policy_by_language() -> None:
    pol = FusionPolicy(
        model="m", mixes={"en": Mix("zscore", 0.6), "de": Mix("zscore", 0.3)}, default=Mix("minmax", 0.2)
    )
    assert pol.dense_weight("en") == 0.6
    assert pol.dense_weight("de") == 0.3
    assert pol.dense_weight("tr") == 0.2
    assert pol.dense_weight("und") == 0.2
    assert pol.mix("tr").method == "minmax"
    low = FusionPolicy(model="m", mixes={"en": Mix("zscore", 0.6)}, min_dense_similarity=0.3, low_confidence_factor=0.5)
    assert low.dense_weight("en", [("a", 0.1)]) == pytest.approx(0.3)
    assert low.dense_weight("en", [("a", 0.5)]) == pytest.approx(0.6)


def test_policy_for_model_names() -> None:
    assert policy_for("sentence-transformers/all-MiniLM-L6-v2").model == "all-minilm-l6-v2"
    assert policy_for("unknown-model").model == "*"
    assert policy_for(None).model == "*"


def test_fuse_hybrid_empty_runs() -> None:
    assert [d for d, _ in fuse_hybrid(KW, [], language="de").ranking] == ["a", "b", "c"]
    assert [d for d, _ in fuse_hybrid([], SEM, language="de").ranking] == ["c", "d", "a"]
    res = fuse_hybrid(KW, SEM, language="de", policy=FusionPolicy(model="m", mixes={"de": Mix("zscore", 0.25)}))
    assert res.dense_weight == 0.25 and res.method == "zscore"
    assert {d for d, _ in res.ranking} == {"a", "b", "c", "d"}


def test_english_trusts_dense_more_than_german() -> None:
    pol = policy_for("all-MiniLM-L6-v2")
    assert pol.dense_weight("en") > pol.dense_weight("de")
    assert pol.dense_weight("pl") <= pol.dense_weight("en")
