"""Load the query embedder (torch, one thread) and the query analysis (spaCy) off the request path, once."""

from __future__ import annotations

import logging
import time

from app.context import AppContext
from search.request import SearchRequest

log = logging.getLogger(__name__)


def warm_up(ctx: AppContext) -> None:
    with ctx._dv_lock:
        if ctx.warm_started:
            return
        ctx.warm_started = True

    def run() -> None:
        t0 = time.perf_counter()
        try:
            ctx.search.analyze(SearchRequest(text="Rechnungen Lieferung verspätet"))
            ctx.search.embed_query("Wo ist meine Lieferung?")
            log.info("search models ready in %.1f s", time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - warm-up is best effort
            log.warning("warm-up failed: %s", exc)

    ctx.background(run)


def warm_worker(ctx: AppContext) -> None:
    """A queue worker's models, before its first job: the passage embedder, the extractors and language tools
    (used in this process for single files) and the helper process of bulk batches."""
    from indexing import pipeline
    from nlp.embeddings import get_embedder

    t0 = time.perf_counter()
    get_embedder().encode(["Sehr geehrte Damen und Herren, anbei die Rechnung."])
    pipeline.warm_in_process()
    pipeline.worker_pool(1)
    ctx.data_version()
    log.info("worker ready in %.1f s", time.perf_counter() - t0)
