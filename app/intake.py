"""Intake: every way a document comes in ends here, as a job on the queue.

Producers (the cockpit's upload, the API's push, mail-in, hot folders, `cockpit ingest`) call `submit`: the
bytes go into the archive of originals first (content-addressed, written once), then a job record, then a
message on the queue. Workers call `process`: they read the originals back (hash-checked), run the one
indexing pipeline, write each job's outcome, match subscriptions and audit. A job lost with its worker is
redelivered by the queue and finds what is already indexed (ids derive from the content), so a document is
indexed once however often its job runs.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import audit
from app.access import policy as access_policy
from app.access import refused
from app.context import AppContext
from app.jobs import Job, JobStore, new_job_id
from domain.errors import Invalid, NotFound, Unavailable
from domain.principal import STATUS, UPLOAD, Principal
from indexing.archive import Archive
from indexing.schema import REGISTERS
from search.dossier import customer_body
from search.parse import hits_of
from search.repository import ReadFailed

log = logging.getLogger(__name__)

CHANNELS = ("upload", "api", "folder", "mail", "cli")
MAX_NAME = 180


@dataclass(frozen=True)
class Upload:
    """One file sent in, with what the sender says about it."""

    data: bytes
    file_name: str
    customer_id: str | None = None  # the dossier it was dropped on / the integration's customer hint
    register: str | None = None  # chosen by the sender
    source_system: str | None = None  # e.g. "SAP", with its own document id
    source_doc_id: str | None = None
    source_uri: str | None = None  # producers with their own addresses (mail UID, hot-folder path, batch path)
    key: str | None = None  # idempotency key: the same key of the same tenant gives the same job


@dataclass
class QueueStatus:
    depths: dict[str, int]
    workers: list[dict[str, Any]]
    per_minute: float
    failed_total: int
    failed: list[Job] = field(default_factory=list)


def safe_file_name(name: str) -> str:
    """A sender's file name made harmless: last path component, no control characters, bounded length."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if ord(c) >= 32 and ord(c) != 127).strip().lstrip(".")
    if len(name.encode("utf-8")) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        keep = stem if ext else name
        while len((keep + ("." + ext if ext else "")).encode("utf-8")) > MAX_NAME:
            keep = keep[:-1]
        name = keep + ("." + ext if ext else "")
    return name or "unbenannt"


def job_store(ctx: AppContext) -> JobStore:
    """The context's job store (Redis); Unavailable when Redis is not there."""
    store = getattr(ctx, "_job_store", None)
    if store is None:
        from core import services

        url = services.redis_url()
        if not url:
            raise Unavailable("error.queue_unavailable")
        store = JobStore.from_url(url, prefix=ctx.prefix)
        ctx._job_store = store  # type: ignore[attr-defined]
    return store


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.ConnectionError, redis.TimeoutError)


# --------------------------------------------------------------------------- producers


def _tenant_for(principal: Principal, tenant: str | None) -> str:
    if principal.is_system:
        if not tenant:
            raise Invalid("intake.error.tenant", tenant="")
        return tenant
    tenant = tenant or (principal.default_tenant if len(principal.tenants) == 1 else None)
    if not tenant or tenant not in principal.tenants:
        raise Invalid("intake.error.tenant", tenant=tenant or "")
    return tenant


def _check_customer(ctx: AppContext, principal: Principal, tenant: str, customer_id: str) -> None:
    """The hinted customer must exist in the tenant and be visible to the sender; anything else looks unknown."""
    try:
        hits = hits_of(ctx.repo.search("customers", customer_body(principal, [customer_id], tenant=tenant)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not hits:
        raise Invalid("intake.error.customer", customer_id=customer_id)


def prepare(
    ctx: AppContext, principal: Principal, upload: Upload, *, channel: str, tenant: str | None, owner: str | None
) -> Job:
    """Validate an upload and store its original; the job record is not written yet."""
    from core.settings import get_settings

    if channel not in CHANNELS:
        raise Invalid("intake.error.channel", channel=channel)
    if not principal.is_system:
        principal.require(UPLOAD)
    tenant = _tenant_for(principal, tenant)
    name = safe_file_name(upload.file_name)
    limit = int(get_settings().max_file_mb * 1024 * 1024)
    if not upload.data:
        raise Invalid("intake.error.empty", name=name)
    if len(upload.data) > limit:
        raise Invalid("intake.error.too_large", name=name, mb=get_settings().max_file_mb)
    if upload.register and upload.register not in REGISTERS:
        raise Invalid("intake.error.register", register=upload.register)
    if upload.register and not access_policy(ctx).allows(principal, tenant, upload.register, "file"):
        refused(ctx, principal, "file", tenant=tenant, register=upload.register)  # the table decides, not the form
        raise Invalid("intake.error.register_denied", register=upload.register)
    customer_id = (upload.customer_id or "").strip()[:100]
    if customer_id:
        _check_customer(ctx, principal, tenant, customer_id)
    job_id = new_job_id()
    who = owner or principal.login
    if upload.source_uri:
        uri = upload.source_uri
    elif upload.source_system:
        uri = f"{channel}:{upload.source_system}/{upload.source_doc_id or job_id}/{name}"
    else:
        uri = f"{channel}:{who}/{job_id}/{name}"
    sha = Archive(ctx.archive_root).put(upload.data, source=uri, kind=channel, tenant=tenant)
    return Job(
        id=job_id,
        tenant=tenant,
        owner=who,
        channel=channel,
        file_name=name,
        sha256=sha,
        size=len(upload.data),
        source_uri=uri,
        source_kind={"mail": "email", "cli": "file"}.get(channel, channel),
        customer_id=customer_id,
        register=upload.register or "",
        filed_by=principal.login if (customer_id and channel == "upload") else "",
        source_system=(upload.source_system or "")[:100],
        source_doc_id=(upload.source_doc_id or "")[:200],
        priority="bulk" if channel == "cli" else "intake",
    )


def submit(
    ctx: AppContext,
    principal: Principal,
    upload: Upload,
    *,
    channel: str,
    tenant: str | None = None,
    owner: str | None = None,
) -> Job:
    """Take one file in: original archived, job recorded, message queued. Returns the job (an earlier one for
    a repeated idempotency key)."""
    job = prepare(ctx, principal, upload, channel=channel, tenant=tenant, owner=owner)
    jobs = job_store(ctx)
    try:
        job, created = jobs.create(job, key=upload.key)
    except _redis_errors() as exc:
        raise Unavailable("error.queue_unavailable") from exc
    if created:
        _enqueue(ctx, jobs, [job.id], bulk=job.priority == "bulk")
        audit.record(ctx, "intake", principal, job=job.id, channel=channel, file=job.file_name, tenant=job.tenant,
                     sha256=job.sha256, customer_id=job.customer_id or None)  # fmt: skip
    return job


def submit_bulk(
    ctx: AppContext, principal: Principal, uploads: Iterable[Upload], *, tenant: str, batch: int = 25, owner: str = ""
) -> list[Job]:
    """A backfill (`cockpit ingest`): files in batches of `batch` per message on the bulk queue (the worker
    embeds a batch in a few model calls and overlaps extraction with embedding)."""
    jobs = job_store(ctx)
    created: list[Job] = []
    pending: list[str] = []
    for upload in uploads:
        job = prepare(ctx, principal, upload, channel="cli", tenant=tenant, owner=owner or None)
        try:
            job, new = jobs.create(job, key=upload.key)
        except _redis_errors() as exc:
            raise Unavailable("error.queue_unavailable") from exc
        created.append(job)
        if not new:
            continue  # a repeated idempotency key: the earlier job, already on the queue (or finished)
        pending.append(job.id)
        if len(pending) >= batch:
            _enqueue(ctx, jobs, pending, bulk=True)
            pending = []
    if pending:
        _enqueue(ctx, jobs, pending, bulk=True)
    return created


MIN_BATCH, MAX_BATCH = 25, 500


def auto_batch(files: int, live_workers: int) -> int:
    """Files per bulk message: the run spread over the live workers (every worker busy), within 25–500.

    A message is the unit of parallelism between workers, and inside one message extraction overlaps embedding
    without a break (between two messages it does not): as few messages as keep every worker busy. An upload
    still goes first: a batch gives back the files it has not started."""
    per_worker = -(-files // max(1, live_workers))
    return max(MIN_BATCH, min(MAX_BATCH, per_worker))


def _enqueue(ctx: AppContext, jobs: JobStore, job_ids: list[str], *, bulk: bool) -> None:
    from dramatiq import Message

    from core.queue import ACTOR_BULK, ACTOR_INTAKE, QUEUE_BULK, QUEUE_INTAKE, TransientError, get_broker

    errors: tuple[type[BaseException], ...] = (TransientError, *_redis_errors())
    try:
        broker = get_broker(ctx.prefix)
        broker.enqueue(
            Message(
                queue_name=QUEUE_BULK if bulk else QUEUE_INTAKE,
                actor_name=ACTOR_BULK if bulk else ACTOR_INTAKE,
                args=(list(job_ids),),
                kwargs={},
                options={},
            )
        )
    except errors as exc:
        for job_id in job_ids:
            try:
                jobs.finish(job_id, "failed", reason_code="queue_unavailable", reason=str(exc)[:300])
            except _redis_errors():
                break
        raise Unavailable("error.queue_unavailable") from exc


def request_refile(ctx: AppContext, tenant: str) -> None:
    """New master data: ask a worker to file the tenant's review documents again (the bulk queue)."""
    from dramatiq import Message

    from core.queue import ACTOR_REFILE, QUEUE_BULK, TransientError, get_broker

    errors: tuple[type[BaseException], ...] = (TransientError, *_redis_errors())
    try:
        get_broker(ctx.prefix).enqueue(Message(queue_name=QUEUE_BULK, actor_name=ACTOR_REFILE, args=(tenant,), kwargs={},
                                     options={}))  # fmt: skip
    except errors as exc:
        raise Unavailable("error.queue_unavailable") from exc


# --------------------------------------------------------------------------- reading jobs


def _visible(principal: Principal, job: Job) -> bool:
    if principal.is_system:
        return True
    if job.tenant not in principal.tenants:
        return False
    return principal.is_admin or job.owner == principal.login or principal.can(STATUS)


def job(ctx: AppContext, principal: Principal, job_id: str) -> Job:
    """One job; another tenant's (or another sender's, for non-admins) looks unknown."""
    try:
        found = job_store(ctx).get(str(job_id)[:64])
    except _redis_errors() as exc:
        raise Unavailable("error.queue_unavailable") from exc
    if found is None or not _visible(principal, found):
        raise NotFound("notfound.job", job_id=str(job_id)[:64])
    return found


def jobs(ctx: AppContext, principal: Principal, job_ids: list[str]) -> list[Job]:
    """The jobs of these ids that the principal may see, in the given order."""
    ids = [str(i)[:64] for i in job_ids[:1000]]
    try:
        found = job_store(ctx).get_many(ids)
    except _redis_errors() as exc:
        raise Unavailable("error.queue_unavailable") from exc
    return [found[i] for i in ids if i in found and _visible(principal, found[i])]


def recent(ctx: AppContext, principal: Principal, limit: int = 50) -> list[Job]:
    """The principal's latest jobs (admins: of their tenants)."""
    out: list[Job] = []
    store = job_store(ctx)
    try:
        for tenant in sorted(principal.tenants):
            out.extend(j for j in store.recent(tenant, limit * 4) if _visible(principal, j) and
                       (principal.is_admin or j.owner == principal.login))  # fmt: skip
    except _redis_errors() as exc:
        raise Unavailable("error.queue_unavailable") from exc
    return sorted(out, key=lambda j: j.created_at, reverse=True)[:limit]


def queue_status(ctx: AppContext, principal: Principal) -> QueueStatus:
    principal.require(STATUS)
    store = job_store(ctx)
    try:
        failed = [j for j in store.failed(100) if _visible(principal, j)]
        return QueueStatus(
            depths=store.queue_depths(),
            workers=store.live_workers(),
            per_minute=store.finished_per_minute(10),
            failed_total=store.failed_count(),
            failed=failed,
        )
    except _redis_errors() as exc:
        raise Unavailable("error.queue_unavailable") from exc


def retry(ctx: AppContext, principal: Principal, job_id: str) -> Job:
    """Put a failed job back on the queue (admins; the original is still in the archive)."""
    principal.require(STATUS)
    found = job(ctx, principal, job_id)
    if found.state != "failed":
        raise Invalid("intake.error.not_failed", job_id=found.id)
    store = job_store(ctx)
    store.reset_for_retry(found.id)
    _enqueue(ctx, store, [found.id], bulk=found.priority == "bulk")
    audit.record(ctx, "intake_retry", principal, job=found.id, tenant=found.tenant)
    return store.get(found.id) or found


# --------------------------------------------------------------------------- the worker side


_CONTEXTS: dict[tuple[str, str], tuple[float, Any]] = {}
_CONTEXT_TTL_S = 60.0
_context_lock = threading.Lock()


def _worker_context(ctx: AppContext, tenant: str) -> Any:
    """A tenant's master data and filed numbers, reused for a minute by the jobs of this worker process."""
    from indexing.pipeline import worker_context

    with _context_lock:
        hit = _CONTEXTS.get((ctx.prefix, tenant))
        if hit and time.monotonic() - hit[0] < _CONTEXT_TTL_S:
            return hit[1]
    own = job_store(ctx).own_identifiers(tenant)
    wc = worker_context(ctx.store.es, ctx.prefix, tenant, str(ctx.archive_root), own)
    with _context_lock:
        _CONTEXTS[(ctx.prefix, tenant)] = (time.monotonic(), wc)
    return wc


def forget_contexts() -> None:
    """New master data: the next job reloads it."""
    with _context_lock:
        _CONTEXTS.clear()


@dataclass
class Processed:
    jobs: int
    new_doc_ids: list[str]
    outcomes: dict[str, str]
    seconds: float


def process(
    ctx: AppContext,
    job_ids: list[str],
    *,
    workers: int = 1,
    embedder: Any = None,
    should_stop: Any = None,
) -> Processed:
    """Index the files of these jobs (the worker's task). Raises `TransientError` when Elasticsearch or the
    archive cannot be reached: the queue retries the message later; nothing is half-done."""
    from core.queue import TransientError
    from indexing import store as write_store
    from indexing.pipeline import IntakeItem, ingest_items

    t0 = time.perf_counter()
    store = job_store(ctx)
    try:
        found = store.get_many(list(job_ids))
    except _redis_errors() as exc:
        raise TransientError(f"Redis: {exc}") from exc
    todo = [found[i] for i in job_ids if i in found and not found[i].finished]
    for missing in (i for i in job_ids if i not in found):
        log.warning("job %s has no record (expired?): skipped", missing)
    if not todo:
        return Processed(0, [], {}, 0.0)
    archive = Archive(ctx.archive_root)
    outcomes: dict[str, str] = {}
    new_ids: list[str] = []
    deferred: list[str] = []
    by_tenant: dict[str, list[Job]] = {}
    for j in todo:
        by_tenant.setdefault(j.tenant, []).append(j)
    _outlast_redis(store.start_many, [j.id for j in todo])
    try:
        for tenant, group in by_tenant.items():
            items = [
                IntakeItem(
                    source_uri=j.source_uri,
                    file_name=j.file_name,
                    read=_reader(archive, j.sha256),
                    source_kind=j.source_kind,
                    hints=_hints(j),
                )
                for j in group
            ]
            summary, results = ingest_items(
                items, tenant=tenant, workers=workers if len(items) > 1 else 0, es=ctx.store.es, prefix=ctx.prefix,
                embedder=embedder, var_dir=ctx.archive_root.parent, context=_worker_context(ctx, tenant),
                store_summary=False, should_stop=should_stop,
            )  # fmt: skip
            log.info("ingest of %d files (%s): %.1f s, stages %s", len(items), tenant, summary.seconds,
                     {k: round(v, 2) for k, v in summary.stage_seconds.items()})  # fmt: skip
            transient = [o for o in results.values() if o.reason_code == "index_error"]
            if transient:
                raise TransientError(f"{len(transient)} documents not written: {transient[0].message[:200]}")
            for j in group:
                o = results.get(j.source_uri)
                if o is not None and o.status == "deferred":  # an upload goes first: back on the queue
                    _outlast_redis(lambda job_id: store.requeue(job_id, undo_attempt=True), j.id)
                    deferred.append(j.id)
                    continue
                if o is None:
                    _outlast_redis(store.finish, j.id, "failed", "", "not_accounted", "no outcome (internal error)")
                    outcomes[j.id] = "failed"
                    continue
                _outlast_redis(store.finish, j.id, o.status, o.doc_id or "", o.reason_code, o.message)
                outcomes[j.id] = o.status
            new_ids.extend(summary.new_doc_ids)
            _audit_jobs(ctx, group, outcomes, results)
    except Exception as exc:
        transient_exc = isinstance(exc, (TransientError, ReadFailed, OSError, *_redis_errors())) or (
            write_store.is_transient(exc)
        )
        for j in todo:
            if j.id in outcomes or j.id in deferred:
                continue
            if transient_exc:
                _outlast_redis(store.requeue, j.id)
            else:
                _outlast_redis(store.finish, j.id, "failed", "", "internal_error", f"{type(exc).__name__}: {exc}")
        if transient_exc and not isinstance(exc, TransientError):
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        raise
    if deferred:
        _enqueue(ctx, store, deferred, bulk=True)
        log.info("%d jobs put back on the queue: an upload goes first", len(deferred))
    if new_ids:
        _after_ingest(ctx, new_ids)
    return Processed(len(todo), new_ids, outcomes, time.perf_counter() - t0)


REDIS_WAIT_S = 15 * 60.0  # as long as the queue waits out an Elasticsearch outage (core.queue.MAX_RETRIES)


def _outlast_redis(write: Any, *args: Any) -> Any:
    """A worker's job-record write, retried while Redis is away (restarted, failed over) for up to
    `REDIS_WAIT_S`. Raising instead would lose the jobs: the queue's retry and acknowledgement need Redis too, so
    the message ends up dead-lettered or acknowledged while its records still say "running"."""
    deadline = time.monotonic() + REDIS_WAIT_S
    delay = 0.5
    while True:
        try:
            return write(*args)
        except _redis_errors() as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("Redis unavailable (%s): job record write retried in %.1f s", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _reader(archive: Archive, sha256: str) -> Any:
    return lambda: archive.get(sha256)


def _hints(job: Job) -> Any:
    from indexing.pipeline import Hints

    if not (job.customer_id or job.register):
        return None
    if job.filed_by:
        reason = f"In die Akte hochgeladen von {job.filed_by}"
    elif job.source_system:
        reason = f"Kundenhinweis von {job.source_system}"
    else:
        reason = f"Kundenhinweis beim Einliefern ({job.channel})"
    return Hints(customer_id=job.customer_id or None, register=job.register or None, reason=reason,
                     filed_by=job.filed_by)  # fmt: skip


def _audit_jobs(ctx: AppContext, group: list[Job], outcomes: dict[str, str], results: dict[str, Any]) -> None:
    system = Principal.system()
    for j in group:
        o = results.get(j.source_uri)
        audit.record(ctx, "ingest", system, tenant=j.tenant, job=j.id, owner_login=j.owner, channel=j.channel,
                     file=j.file_name, outcome=outcomes.get(j.id), doc_id=getattr(o, "doc_id", None),
                     reason_code=getattr(o, "reason_code", None) or None)  # fmt: skip


def _after_ingest(ctx: AppContext, new_ids: list[str]) -> None:
    """Cases opened for new complaints (a follow-up joins its thread's case), then subscriptions matched for the
    new documents (each subscriber's own rights); never fails the job."""
    from app.cases import open_for_new_documents
    from app.notifications import after_ingest

    try:
        opened = open_for_new_documents(ctx, new_ids)
        for error in opened.errors:
            log.error("case not opened: %s", error)
    except Exception:  # noqa: BLE001 - the documents are indexed; a case can be opened by hand
        log.exception("opening cases after ingest failed")
    try:
        after_ingest(ctx, new_ids)
    except Exception:  # noqa: BLE001 - the documents are indexed; matching is retried by the next delivery
        log.exception("matching subscriptions after ingest failed")


def worker_identity() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "user": getpass.getuser(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}  # fmt: skip


def archive_path(ctx: AppContext) -> Path:
    return ctx.archive_root
