"""The job queue: Dramatiq on the project's Redis (password, AOF), shared by every producer and worker.

Why Dramatiq (and not Celery or RQ): with its Redis broker a message is acknowledged only after the job ran
(a message fetched by a worker that dies is put back by the broker's maintenance once the worker's heartbeat is
older than `queue_heartbeat_ms`), retries with exponential backoff and a dead-letter queue are built in, actor
priorities order the messages a worker has prefetched (an upload overtakes a prefetched backfill batch), and
a worker is a plain process (no fork per job, so the embedding model is loaded once). Celery's Redis transport
redelivers only after a visibility timeout (default one hour) and has no dead-letter queue; RQ forks a process
per job and marks a job of a dead worker as failed rather than redelivering it.

Keys live under a namespace per deployment (`queue-<index prefix>`, e.g. `queue-dossier`): two deployments, or
two test runs, on one Redis never take each other's jobs.

Two queues: `intake` (a person's upload, an API push, mail-in, hot folders: one file per message) and `bulk`
(`cockpit ingest` backfills: batches of files). A worker consumes both; intake goes first.
"""

from __future__ import annotations

import threading
from typing import Any

QUEUE_INTAKE = "intake"
QUEUE_BULK = "bulk"
QUEUES = (QUEUE_INTAKE, QUEUE_BULK)
ACTOR_INTAKE = "ingest_intake"
ACTOR_BULK = "ingest_bulk"
ACTOR_REFILE = "refile_review"

MAX_RETRIES = 20  # exponential backoff 1 s … 60 s: about 15 minutes of an outage are waited out
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 60_000
JOB_TIME_LIMIT_MS = 60 * 60 * 1000  # a bulk batch; the per-file limits are the extractor's

_lock = threading.Lock()
_brokers: dict[str, Any] = {}


class TransientError(RuntimeError):
    """A fault the job survives by being retried later (Elasticsearch or Redis away, a write refused)."""


def _retry_when(retries: int, exc: BaseException) -> bool:
    return isinstance(exc, TransientError) and retries < MAX_RETRIES


def make_broker(
    url: str, *, prefix: str | None = None, heartbeat_ms: int | None = None, maintenance_chance: int | None = None
) -> Any:
    """A Dramatiq RedisBroker on `url` with the project's middleware (retries only for transient faults)."""
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware import (
        AgeLimit,
        Callbacks,
        CurrentMessage,
        Pipelines,
        Retries,
        ShutdownNotifications,
        TimeLimit,
    )

    from core.settings import get_settings

    settings = get_settings()
    middleware = [
        AgeLimit(),
        TimeLimit(time_limit=JOB_TIME_LIMIT_MS),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS, retry_when=_retry_when),
        CurrentMessage(),
    ]
    return RedisBroker(
        url=url,
        namespace=namespace(prefix),
        middleware=middleware,
        heartbeat_timeout=heartbeat_ms or settings.queue_heartbeat_ms,
        # One command in ten runs the broker's maintenance (requeue a dead worker's messages): cheap, and a
        # killed worker's job comes back within seconds of its heartbeat timing out.
        maintenance_chance=maintenance_chance or 100_000,
        socket_timeout=10,
        socket_connect_timeout=5,
        health_check_interval=30,
    )


def get_broker(prefix: str | None = None) -> Any:
    """The broker of a deployment (index prefix; default: the settings'), on the project's Redis. The default
    one is also Dramatiq's global broker (the worker's actors are declared on it)."""
    ns = namespace(prefix)
    with _lock:
        broker = _brokers.get(ns)
        if broker is None:
            import dramatiq

            from core import services

            url = services.redis_url()
            if not url:
                raise TransientError("Redis is not running: the job queue needs it (cockpit services up)")
            broker = _brokers[ns] = make_broker(url, prefix=prefix)
            if prefix is None:
                dramatiq.set_broker(broker)
        return broker


def reset_broker() -> None:
    """Forget the brokers (tests that restart Redis on another URL)."""
    with _lock:
        _brokers.clear()


def namespace(prefix: str | None = None) -> str:
    from core.settings import get_settings

    return f"queue-{prefix or get_settings().index_prefix}"


def queue_key(queue: str, suffix: str = "", prefix: str | None = None) -> str:
    """The Redis key of a queue (`.DQ` delayed, `.XQ` dead letters) in the broker's namespace."""
    return f"{namespace(prefix)}:{queue}{suffix}"
