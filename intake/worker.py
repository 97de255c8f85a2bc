"""The queue worker: `cockpit worker [--concurrency N]` runs Dramatiq on this module.

Each worker process loads the embedding model and the extractors once (at boot, in the background, so that
the first upload is fast), announces itself in Redis every few seconds (the status page counts live workers)
and runs the actors below: thin adapters over `app.intake.process`. Any number of workers on any number of
machines that reach the same Redis, Elasticsearch and archive storage share the work.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

from core.queue import ACTOR_BULK, ACTOR_INTAKE, ACTOR_REFILE, QUEUE_BULK, QUEUE_INTAKE, get_broker
from indexing.archive import PROCESS_UMASK
from indexing.retention import configured_table

os.umask(PROCESS_UMASK)  # also when started as `dramatiq intake.worker` directly: files are the service user's
configured_table()  # a bad retention table stops the worker at start, the offending key named
log = logging.getLogger("cockpit.worker")
logging.getLogger("elastic_transport").setLevel(logging.WARNING)

HEARTBEAT_S = 5.0


class _Process:
    """What one worker process holds: its application context, its id, whether it is warm."""

    def __init__(self) -> None:
        self.ctx: Any = None
        self.lock = threading.Lock()
        self.worker_id = f"{uuid.uuid4().hex[:12]}"
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.busy = 0
        self.worker: Any = None  # dramatiq's Worker of this process (its prefetched messages)

    def context(self) -> Any:
        with self.lock:
            if self.ctx is None:
                from app.context import AppContext

                self.ctx = AppContext.create()
            return self.ctx


_proc = _Process()


class WorkerLifecycle(Middleware):
    """Warm-up at boot, heartbeats while running, a goodbye at shutdown."""

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        from indexing import pipeline

        _proc.worker = worker
        pipeline.POOL_START_METHOD = "spawn"  # this process has threads: never fork it
        threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
        threading.Thread(target=_heartbeats, name="heartbeat", daemon=True).start()

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        _proc.stop.set()
        try:
            from app.intake import job_store

            job_store(_proc.context()).worker_gone(_proc.worker_id)
        except Exception:  # noqa: BLE001,S110 - Redis may be the reason we stop; the entry goes stale
            pass

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        # The jobs have ended: stop the extraction pool now. Its processes are non-daemon children that this
        # (multiprocessing) process joins on its way out, and atexit handlers never run here: left running, they
        # would keep a worker that was asked to stop (SIGTERM to the dramatiq master) alive for good.
        from app import audit
        from indexing import pipeline

        pipeline.shutdown_worker_pool()
        if _proc.ctx is not None:  # atexit does not run in a dramatiq worker process: write the last entries now
            audit.flush(_proc.ctx)


def _warm_up() -> None:
    try:
        from app.warmup import warm_worker

        warm_worker(_proc.context())
    except Exception:  # noqa: BLE001 - the first job reports what is missing
        log.exception("worker warm-up failed")
    finally:
        _proc.ready.set()


def _heartbeats() -> None:
    from app.intake import job_store, worker_identity

    info = worker_identity()
    while not _proc.stop.is_set():
        try:
            job_store(_proc.context()).heartbeat(
                _proc.worker_id, {**info, "ready": _proc.ready.is_set(), "busy": _proc.busy}
            )
        except Exception as exc:  # noqa: BLE001 - Redis away: try again
            log.debug("heartbeat failed: %s", exc)
        _proc.stop.wait(HEARTBEAT_S)


def _interactive_waiting() -> bool:
    """Whether this process has fetched an upload (priority 0) that waits behind the running bulk batch."""
    worker = _proc.worker
    if worker is None:
        return False
    try:
        return any(item.priority == 0 for item in list(worker.work_queue.queue))
    except Exception:  # noqa: BLE001 - dramatiq internals changed: never stop a batch for that
        return False


def _run(job_ids: list[str], *, workers: int, yield_to_uploads: bool = False) -> None:
    from app.intake import process

    _proc.ready.wait(timeout=300)  # the warm-up loads the model; a job never loads it twice
    _proc.busy += 1
    try:
        stop = _interactive_waiting if yield_to_uploads else None
        done = process(_proc.context(), [str(j) for j in job_ids], workers=workers, should_stop=stop)
        log.info("%d jobs in %.1f s: %s", done.jobs, done.seconds, done.outcomes)
    finally:
        _proc.busy -= 1


broker = get_broker()
broker.add_middleware(WorkerLifecycle())


@dramatiq.actor(actor_name=ACTOR_INTAKE, queue_name=QUEUE_INTAKE, priority=0)
def ingest_intake(job_ids: list[str]) -> None:
    """One file a person or a system sent (upload, API push, mail, hot folder)."""
    _run(job_ids, workers=0)


@dramatiq.actor(actor_name=ACTOR_BULK, queue_name=QUEUE_BULK, priority=10)
def ingest_bulk(job_ids: list[str]) -> None:
    """A batch of a backfill: extraction in a helper process overlaps the embedding here. When an upload arrives,
    the files not started yet go back on the queue and the upload goes first."""
    _run(job_ids, workers=1, yield_to_uploads=True)


@dramatiq.actor(actor_name=ACTOR_REFILE, queue_name=QUEUE_BULK, priority=5)
def refile_review(tenant: str) -> None:
    """New master data: documents waiting in review are filed again where the new data makes them matchable."""
    from app.intake import forget_contexts
    from app.review import refile_pending

    forget_contexts()
    report = refile_pending(_proc.context(), tenant)
    log.info("re-filing %s: %s", tenant, report)
