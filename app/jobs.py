"""Job records: one per file that came in, kept in Redis beside the queue (same durability: AOF).

A record says who sent which file through which channel, where it is (queued, running, done, failed) and what
became of it (indexed, sent to review, a new version, unchanged, one more source of a known document, failed
with a reason code). The queue's messages carry only job ids; the originals wait in the archive.

Keys (in the queue's namespace, `queue-<index prefix>:`): `job:<id>` hash · `jobs:t:<tenant>` ids by time · `jobs:failed` ids of failed
jobs · `jobkey:<tenant>:<key>` idempotency keys (mail UID, hot-folder file, API source id) · `jobs:done:<minute>`
finished jobs per minute · `workers` live workers (heartbeats).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

DONE_TTL_S = 30 * 24 * 3600
KEY_TTL_S = 90 * 24 * 3600
TENANT_LIST_MAX = 20_000
WORKER_STALE_S = 30.0

STATES = ("queued", "running", "done", "failed")
OUTCOMES = ("indexed", "new_version", "review", "unchanged", "duplicate", "failed")


@dataclass
class Job:
    id: str
    tenant: str
    owner: str  # login of the sender (a user, `api:<key>`, `mail:<mailbox>`, `folder:<path>`, `cli:<user>`)
    channel: str  # upload | api | folder | mail | cli
    file_name: str
    sha256: str
    size: int
    source_uri: str
    source_kind: str = "file"
    state: str = "queued"
    outcome: str = ""
    doc_id: str = ""
    reason_code: str = ""
    reason: str = ""
    customer_id: str = ""  # hint: the dossier it was dropped on / the API's customer hint
    register: str = ""  # hint: the register chosen
    filed_by: str = ""  # a person who filed it by dropping it on a dossier
    source_system: str = ""
    source_doc_id: str = ""
    priority: str = "intake"  # intake | bulk
    attempts: int = 0
    created_at: str = ""
    finished_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_redis(self) -> dict[str, str]:
        data = asdict(self)
        data["extra"] = json.dumps(self.extra, ensure_ascii=False)
        return {k: str(v) for k, v in data.items()}

    @classmethod
    def from_redis(cls, raw: dict[bytes, bytes] | dict[str, str]) -> Job:
        data = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in raw.items()
        }
        known = set(cls.__dataclass_fields__)
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        values["size"] = int(values.get("size") or 0)
        values["attempts"] = int(values.get("attempts") or 0)
        values["extra"] = json.loads(values.get("extra") or "{}")
        return cls(**values)


def new_job_id() -> str:
    return "job_" + secrets.token_hex(10)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class JobStore:
    """Job records in Redis; every method is one or a few round trips."""

    def __init__(self, client: Any, prefix: str | None = None) -> None:
        from core.queue import namespace

        self.r = client
        self.prefix = prefix
        self.ns = f"{namespace(prefix)}:"

    @classmethod
    def from_url(cls, url: str, prefix: str | None = None) -> JobStore:
        """Job records of the deployment with this index prefix (default: the settings')."""
        import redis

        client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30)
        return cls(client, prefix)

    # ------------------------------------------------------------------ writing

    def create(self, job: Job, key: str | None = None) -> tuple[Job, bool]:
        """Store a new job; with an idempotency `key` an earlier job of the same key is returned instead
        (second value False)."""
        job.created_at = job.created_at or _now()
        if key:
            slot = f"{self.ns}jobkey:{job.tenant}:{key}"
            if not self.r.set(slot, job.id, nx=True, ex=KEY_TTL_S):
                earlier = self.r.get(slot)
                for _ in range(40):  # a concurrent submit of the same key may be writing its record right now
                    found = self.get(earlier.decode()) if earlier else None
                    if found is not None:
                        return found, False
                    time.sleep(0.05)
                self.r.set(slot, job.id, ex=KEY_TTL_S)  # a key whose job record expired: this job takes it
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(f"{self.ns}job:{job.id}", mapping=job.to_redis())
        pipe.zadd(f"{self.ns}jobs:t:{job.tenant}", {job.id: time.time()})
        pipe.zremrangebyrank(f"{self.ns}jobs:t:{job.tenant}", 0, -TENANT_LIST_MAX - 1)
        pipe.execute()
        return job, True

    def start(self, job_id: str) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(f"{self.ns}job:{job_id}", "state", "running")
        pipe.hincrby(f"{self.ns}job:{job_id}", "attempts", 1)
        pipe.execute()

    def start_many(self, job_ids: list[str]) -> None:
        """Mark jobs running (one round trip)."""
        pipe = self.r.pipeline(transaction=False)
        for job_id in job_ids:
            pipe.hset(f"{self.ns}job:{job_id}", "state", "running")
            pipe.hincrby(f"{self.ns}job:{job_id}", "attempts", 1)
        pipe.execute()

    def requeue(self, job_id: str, *, undo_attempt: bool = False) -> None:
        """Back to "queued"; `undo_attempt`: the job was put back unstarted (it made way for an upload)."""
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(f"{self.ns}job:{job_id}", mapping={"state": "queued"})
        if undo_attempt:
            pipe.hincrby(f"{self.ns}job:{job_id}", "attempts", -1)
        pipe.execute()

    def finish(self, job_id: str, outcome: str, doc_id: str = "", reason_code: str = "", reason: str = "") -> None:
        state = "failed" if outcome == "failed" else "done"
        pipe = self.r.pipeline(transaction=True)
        fields = {
            "state": state,
            "outcome": outcome,
            "doc_id": doc_id,
            "reason_code": reason_code,
            "reason": reason[:2000],
            "finished_at": _now(),
        }
        pipe.hset(f"{self.ns}job:{job_id}", mapping=fields)
        minute = f"{self.ns}jobs:done:{int(time.time() // 60)}"
        pipe.incr(minute)
        pipe.expire(minute, 7200)
        if state == "failed":
            pipe.zadd(f"{self.ns}jobs:failed", {job_id: time.time()})
            pipe.persist(f"{self.ns}job:{job_id}")
        else:
            pipe.zrem(f"{self.ns}jobs:failed", job_id)
            pipe.expire(f"{self.ns}job:{job_id}", DONE_TTL_S)
        pipe.execute()

    def reset_for_retry(self, job_id: str) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(f"{self.ns}job:{job_id}", mapping={"state": "queued", "outcome": "", "reason_code": "", "reason": ""})
        pipe.zrem(f"{self.ns}jobs:failed", job_id)
        pipe.execute()

    # ------------------------------------------------------------------ reading

    def get(self, job_id: str) -> Job | None:
        raw = self.r.hgetall(f"{self.ns}job:{job_id}")
        return Job.from_redis(raw) if raw else None

    def get_many(self, job_ids: list[str]) -> dict[str, Job]:
        pipe = self.r.pipeline(transaction=False)
        for job_id in job_ids:
            pipe.hgetall(f"{self.ns}job:{job_id}")
        return {jid: Job.from_redis(raw) for jid, raw in zip(job_ids, pipe.execute(), strict=True) if raw}

    def recent(self, tenant: str, limit: int = 50) -> list[Job]:
        ids = [i.decode() for i in self.r.zrevrange(f"{self.ns}jobs:t:{tenant}", 0, limit - 1)]
        found = self.get_many(ids)
        return [found[i] for i in ids if i in found]

    def failed(self, limit: int = 100) -> list[Job]:
        ids = [i.decode() for i in self.r.zrevrange(f"{self.ns}jobs:failed", 0, limit - 1)]
        found = self.get_many(ids)
        return [found[i] for i in ids if i in found]

    def failed_count(self) -> int:
        return int(self.r.zcard(f"{self.ns}jobs:failed"))

    def finished_per_minute(self, minutes: int = 10) -> float:
        """Jobs finished per minute over the last `minutes` full minutes."""
        now = int(time.time() // 60)
        keys = [f"{self.ns}jobs:done:{m}" for m in range(now - minutes, now)]
        return sum(int(v) for v in self.r.mget(keys) if v) / minutes

    # ------------------------------------------------------------------ tenant settings the workers need

    def set_own_identifiers(self, tenant: str, identifiers: list[str]) -> None:
        """Our own company's IBAN, VAT id, domain… per tenant (never a customer's): read by every worker."""
        self.r.set(f"{self.ns}tenant:{tenant}:own", json.dumps(sorted(identifiers)))

    def own_identifiers(self, tenant: str) -> list[str]:
        raw = self.r.get(f"{self.ns}tenant:{tenant}:own")
        return list(json.loads(raw)) if raw else []

    # ------------------------------------------------------------------ workers and queues

    def heartbeat(self, worker_id: str, info: dict[str, Any]) -> None:
        self.r.hset(f"{self.ns}workers", worker_id, json.dumps({**info, "seen": time.time()}))

    def worker_gone(self, worker_id: str) -> None:
        self.r.hdel(f"{self.ns}workers", worker_id)

    def live_workers(self) -> list[dict[str, Any]]:
        live: list[dict[str, Any]] = []
        stale: list[str] = []
        for wid, raw in self.r.hgetall(f"{self.ns}workers").items():
            info = json.loads(raw)
            if time.time() - float(info.get("seen", 0)) <= WORKER_STALE_S:
                live.append({"id": wid.decode(), **info})
            elif time.time() - float(info.get("seen", 0)) > 3600:
                stale.append(wid.decode())
        if stale:
            self.r.hdel(f"{self.ns}workers", *stale)
        return sorted(live, key=lambda w: str(w.get("host", "")) + str(w.get("pid", "")))

    def queue_depths(self) -> dict[str, int]:
        from core.queue import QUEUES, queue_key

        pipe = self.r.pipeline(transaction=False)
        for q in QUEUES:
            pipe.llen(queue_key(q, prefix=self.prefix))
            pipe.llen(queue_key(q, ".DQ", prefix=self.prefix))
            pipe.zcard(queue_key(q, ".XQ", prefix=self.prefix))
        values = pipe.execute()
        depths: dict[str, int] = {}
        for n, q in enumerate(QUEUES):
            depths[q] = int(values[3 * n]) + int(values[3 * n + 1])
            depths[f"{q}_dead"] = int(values[3 * n + 2])
        return depths
