"""Pure parts of the ingest pipeline's worker side: the in-flight window and the per-run worker context."""

from __future__ import annotations

import pickle

from indexing import pipeline as P


def test_window_keeps_workers_busy_but_bounded():
    assert not P.window_full(1, 10**12, workers=1)  # one file is always handed out, however large
    ahead = P._IN_FLIGHT_PER_WORKER
    assert ahead >= 128  # deep: a run of slow scans must not starve the model of text
    assert not P.window_full(ahead, 1000, workers=1)
    assert P.window_full(ahead + 1, 1000, workers=1)
    assert not P.window_full(2 * ahead, 1000, workers=2)
    assert P.window_full(5, P._IN_FLIGHT_BYTES + 1, workers=4)
    assert not P.window_full(4, 0, workers=0)  # never below 4


def test_worker_context_is_loaded_once_per_run(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "_CTX", None)
    monkeypatch.setattr(P, "_CTX_FILE", None)
    customer = {"customer_id": "C1", "number": "K-10001", "name": "Alpha GmbH", "tenant": "nord"}
    files = []
    for tenant in ("nord", "sued"):
        path = tmp_path / f"{tenant}.pickle"
        path.write_bytes(pickle.dumps(P.WorkerContext(tenant, [customer], 1000, 10)))
        files.append(str(path))
    first = P._context_for(files[0])
    assert first.tenant == "nord" and first.names == {"C1": "Alpha GmbH"}
    assert P._context_for(files[0]) is first  # cached
    assert P._context_for(files[1]).tenant == "sued"  # next run, same worker process


def _result(passages_per_doc: list[int]) -> P.WorkResult:
    docs = [type("Doc", (), {"passages": ["p"] * n})() for n in passages_per_doc]
    return P.WorkResult("u", docs, [], {})  # type: ignore[arg-type]


def test_results_go_to_the_model_in_batches_of_passages_or_files():
    assert not P.batch_full([_result([3, 2])])
    assert P.batch_full([_result([40]), _result([30])])  # enough passages for one model call
    assert P.batch_full([_result([])] * P._BATCH_RESULTS)  # many files without text (failures, known files)
    assert not P.batch_full([_result([])] * (P._BATCH_RESULTS - 1))


def test_model_embeds_later_results_while_the_oldest_is_still_extracted():
    """GIVEN the oldest file still in extraction and two later ones done WHEN the main process waits
    THEN it embeds the later ones' passages once each, and only then waits."""
    from collections import deque
    from concurrent.futures import Future

    class FakeIngestor:
        def __init__(self) -> None:
            self.embedded: list[list[str]] = []

        def pre_embed(self, docs, summary) -> None:
            self.embedded.append([p for d in docs for p in d.passages])

    def done(passages: list[str]) -> Future:
        f: Future = Future()
        f.set_result(P.WorkResult("u", [type("Doc", (), {"passages": passages})()], [], {}))  # type: ignore[list-item]
        return f

    head: Future = Future()
    later_a, later_b = done(["a1", "a2"]), done(["b1"])
    window = deque([(later_a, 1), (later_b, 1)])
    ingestor, summary = FakeIngestor(), P.RunSummary(tenant="nord", started_at="")
    step = P._embed_ahead(window, ingestor, summary)  # type: ignore[arg-type]
    step(head)
    assert ingestor.embedded == [["a1", "a2", "b1"]]
    head.set_result(P.WorkResult("u", [], [], {}))
    step(head)  # nothing new to embed: waits (returns at once, the head is done)
    assert ingestor.embedded == [["a1", "a2", "b1"]]
    assert "wait" in summary.stage_seconds
