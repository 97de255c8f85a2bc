"""Pure parts of the ingest pipeline's worker side: the in-flight window and the per-run worker context."""

from __future__ import annotations

import pickle

from indexing import pipeline as P


def test_window_keeps_workers_busy_but_bounded():
    assert not P.window_full(1, 10**12, workers=1)  # one file is always handed out, however large
    assert not P.window_full(32, 1000, workers=1)
    assert P.window_full(33, 1000, workers=1)
    assert not P.window_full(64, 1000, workers=2)
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
