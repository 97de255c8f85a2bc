"""Failure drills of the intake queue with real processes: a worker killed with SIGKILL in the middle of a batch,
Elasticsearch stopped for a minute during a 200-file backfill, Redis restarted with 30 jobs waiting, Redis away for
10 s while a worker writes its results.

Each drill is bounded in time and fails with its figures (how many jobs in which state, after how long, the worker's
log). What must hold every time: every job ends done, every document is indexed exactly once (ids derive from the
content; counted by content hash in Elasticsearch), nothing fails.

The module has its own index prefix, hence its own queue namespace; one worker (tests/worker_proc.py) is started,
killed and restarted by the drills as they need it. The Elasticsearch and Redis drills stop the project's own
services (and start them again on the same port): another test session using them at the same time is disturbed.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from app import audit
from app.intake import Upload, job_store, submit, submit_bulk
from app.jobs import Job
from core import services
from core.settings import get_settings
from indexing.documents import doc_id_for
from indexing.schema import alias_name
from tests.helpers import app_context, drop_prefix, principal
from tests.worker_proc import WorkerProc, purge_queue, wait_jobs

pytestmark = pytest.mark.timeout(600)

TENANT = "nord"
OPERATOR = principal("admin.drill", tenants=(TENANT,), roles={"admin"})
VOCABULARY = (
    "Lieferung Rechnung Angebot Auftrag Reklamation Palette Baustelle Termin Zahlung Mahnung Gutschrift Vertrag "
    "Kündigung Wartung Ersatzteil Montage Abholung Lager Spedition Kalksandstein Beton Schalung Gerüst Dämmung "
    "Fenster Dach Estrich Fliesen Leitung Pumpe Kran Bagger Container Entsorgung Prüfung Abnahme Mangel Frist"
)
WORDS = VOCABULARY.split()


@dataclass
class Drill:
    prefix: str
    es: Any
    ctx: Any
    worker: WorkerProc
    log: list[str] = field(default_factory=list)

    @property
    def store(self) -> Any:
        return job_store(self.ctx)

    @property
    def index(self) -> str:
        return alias_name(self.prefix, "documents")

    def states(self, ids: list[str]) -> Counter[str]:
        return Counter(j.state for j in self.store.get_many(ids).values())

    def wait_all_done(self, ids: list[str], timeout: float, what: str) -> dict[str, Job]:
        t0 = time.monotonic()
        found = wait_jobs(self.store, ids, timeout, until="finished")
        states = Counter(j.state for j in found.values())
        failed = [(j.file_name, j.reason_code, j.reason[:120]) for j in found.values() if j.state == "failed"]
        assert states == Counter({"done": len(ids)}) and not failed, (
            f"{what}: after {time.monotonic() - t0:.0f} s of {len(ids)} jobs: {dict(states)}, "
            f"{len(ids) - len(found)} without record; failed: {failed[:5]}\n"
            f"drill timeline: {self.log}\nworker log:\n{self.worker.log_tail(80)}"
        )
        return found

    def assert_indexed_once(self, datas: list[bytes], jobs: dict[str, Job]) -> None:
        """Every content is one document (no duplicates, none missing), and each job names it."""
        shas = [hashlib.sha256(d).hexdigest() for d in datas]
        self.es.indices.refresh(index=self.index)
        resp = self.es.search(
            index=self.index,
            size=0,
            track_total_hits=True,
            query={"terms": {"content_sha256": shas}},
            aggs={"per_sha": {"terms": {"field": "content_sha256", "size": len(shas) + 10, "min_doc_count": 1}}},
        )
        counts = {b["key"]: b["doc_count"] for b in resp["aggregations"]["per_sha"]["buckets"]}
        duplicates = {k: n for k, n in counts.items() if n > 1}
        missing = [s for s in shas if s not in counts]
        assert resp["hits"]["total"]["value"] == len(shas) and not duplicates and not missing, (
            f"{resp['hits']['total']['value']} documents for {len(shas)} contents: {len(duplicates)} duplicated "
            f"{list(duplicates.items())[:3]}, {len(missing)} missing"
        )
        wrong = [j.file_name for j in jobs.values() if j.doc_id != doc_id_for(TENANT, j.sha256)]
        assert not wrong, f"jobs naming another document than their content's: {wrong[:5]}"

    def mark(self, t0: float, event: str) -> None:
        self.log.append(f"{time.monotonic() - t0:6.1f}s {event}")


@pytest.fixture(scope="module")
def drill(es: Any, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    prefix = f"test-drill-{uuid.uuid4().hex[:8]}"
    worker = WorkerProc(prefix, tmp_path_factory.mktemp("intake-drills") / "worker.log")
    ctx = app_context(es, prefix)
    try:
        yield Drill(prefix, es, ctx, worker)
    finally:
        audit.flush(ctx)  # buffered audit entries of the submits: into the index before it is deleted
        worker.stop()
        purge_queue(prefix)
        drop_prefix(prefix)


@pytest.fixture(autouse=True)
def timeline(drill: Drill) -> Iterator[None]:
    drill.log.clear()
    yield
    print("drill timeline:", *drill.log, sep="\n  ")  # shown with -rP (and on failure)


def letter(rng: random.Random, n: int, words: int) -> bytes:
    """A distinct German-looking letter of about `words` words."""
    lines = [f"Schreiben {n} · Vorgang {uuid.uuid4().hex}", "", "Sehr geehrte Damen und Herren,", ""]
    for _ in range(max(1, words // 12)):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(12)) + ".")
    lines += ["", "Mit freundlichen Grüßen", "Einkauf"]
    return "\n".join(lines).encode()


def one_page_pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, text=text)
    return bytes(pdf.output())


def ensure_worker(drill: Drill) -> None:
    if not drill.worker.running:
        drill.worker.start()


# --------------------------------------------------------------------------- Redis restarted


def test_redis_restart_keeps_the_queued_jobs(drill: Drill) -> None:
    drill.worker.stop()  # nobody consumes: the 30 jobs wait on the queue across the restart
    rng = random.Random(3)
    bulk_datas = [letter(rng, n, 60) for n in range(20)]
    single_datas = [letter(rng, 100 + n, 60) for n in range(10)]
    t0 = time.monotonic()
    bulk = submit_bulk(drill.ctx, OPERATOR, [Upload(d, f"alt-{n}.txt") for n, d in enumerate(bulk_datas)],
                       tenant=TENANT, batch=10)  # fmt: skip
    singles = []
    for n, d in enumerate(single_datas):
        upload = Upload(d, f"api-{n}.txt", source_system="SAP", source_doc_id=f"D{n}")
        singles.append(submit(drill.ctx, OPERATOR, upload, channel="api", tenant=TENANT))
    ids = [j.id for j in bulk + singles]
    depths = drill.store.queue_depths()
    assert (depths["bulk"], depths["intake"]) == (2, 10), depths

    old_url = services.redis_url()
    new_url = services.restart_redis(get_settings())
    drill.mark(t0, "redis restarted")
    assert new_url == old_url  # same port and password: every client reconnects
    after = drill.store.queue_depths()
    assert (after["bulk"], after["intake"]) == (2, 10), f"queue lost in the restart: {after}"
    assert drill.states(ids) == Counter({"queued": 30})

    drill.worker.start()
    drill.mark(t0, "worker ready")
    found = drill.wait_all_done(ids, timeout=90, what="after the Redis restart")
    drill.mark(t0, "all done")
    drill.assert_indexed_once(bulk_datas + single_datas, found)
    assert all(j.attempts == 1 for j in found.values())


def test_redis_away_while_the_worker_writes_its_results(drill: Drill) -> None:
    """Redis stopped for 10 s while a batch is being indexed: the worker waits to write the job records (raising
    would dead-letter the message and leave its jobs "running" for good), then carries on."""
    settings = get_settings()
    ensure_worker(drill)
    rng = random.Random(4)
    datas = [letter(rng, n, 600) for n in range(6)]
    t0 = time.monotonic()
    jobs = submit_bulk(drill.ctx, OPERATOR, [Upload(d, f"lang-{n}.txt") for n, d in enumerate(datas)],
                       tenant=TENANT, batch=3)  # fmt: skip
    ids = [j.id for j in jobs]
    states: Counter[str] = Counter()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not states["running"]:
        states = drill.states(ids)
        time.sleep(0.05)
    assert states["running"], f"no batch running: {dict(states)}"
    old_url = services.redis_url()
    try:
        services.stop_redis(settings)
        drill.mark(t0, f"redis stopped at {dict(states)}")
        time.sleep(10)
    finally:
        new_url = services.start_redis(settings)
        drill.mark(t0, "redis started")
    assert new_url == old_url, "Redis came back on another port: the worker cannot follow"
    found = drill.wait_all_done(ids, timeout=90, what="after Redis was away for 10 s")
    drill.mark(t0, "all done")
    drill.assert_indexed_once(datas, found)
    depths = drill.store.queue_depths()
    assert depths["bulk_dead"] == 0 and depths["intake_dead"] == 0, f"messages dead-lettered: {depths}"


# --------------------------------------------------------------------------- worker killed with SIGKILL


def test_a_worker_killed_mid_batch_loses_nothing_and_indexes_nothing_twice(drill: Drill) -> None:
    ensure_worker(drill)
    rng = random.Random(1)
    datas = [letter(rng, n, 400) for n in range(20)]  # a few passages each: a batch of 5 takes a second or two
    t0 = time.monotonic()
    jobs = submit_bulk(drill.ctx, OPERATOR, [Upload(d, f"akte-{n:02d}.txt") for n, d in enumerate(datas)],
                       tenant=TENANT, batch=5)  # fmt: skip
    ids = [j.id for j in jobs]

    batches = [ids[i : i + 5] for i in range(0, len(ids), 5)]
    states: Counter[str] = Counter()
    started = False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not started:
        found = drill.store.get_many(ids)
        states = Counter(j.state for j in found.values())
        # a batch has just started (all its jobs running, none finished yet) after at least one finished
        started = states["done"] >= 1 and any(all(found[i].state == "running" for i in b) for b in batches)
        if not started:
            time.sleep(0.03)
    assert started, f"never saw a fresh batch running after one was done: {dict(states)}"
    drill.worker.kill9()
    drill.mark(t0, f"worker killed at {dict(states)}")
    frozen = drill.store.get_many(ids)
    killed = [i for i, j in frozen.items() if j.state == "running"]
    done_before = [i for i, j in frozen.items() if j.state == "done"]
    assert killed, f"the kill did not hit a running batch: {Counter(j.state for j in frozen.values())}"
    assert len(done_before) < len(ids)

    drill.worker.start()  # its broker's maintenance puts the dead worker's messages back (5 s heartbeat)
    drill.mark(t0, "new worker ready")
    found = drill.wait_all_done(ids, timeout=120, what="after kill -9 and a new worker")
    drill.mark(t0, "all done")
    drill.assert_indexed_once(datas, found)
    rerun = {i: (found[i].attempts, found[i].outcome) for i in killed}
    assert all(attempts >= 2 for attempts, _ in rerun.values()), f"killed jobs not run again: {rerun}"
    assert all(found[i].attempts == 1 for i in done_before)  # finished jobs are never run again
    outcomes = Counter(j.outcome for j in found.values())
    assert set(outcomes) <= {"indexed", "review", "unchanged"}, outcomes


# --------------------------------------------------------------------------- Elasticsearch away for a minute


def test_elasticsearch_stopped_for_a_minute_during_a_backfill(drill: Drill, es: Any) -> None:
    settings = get_settings()
    if not services.elasticsearch_running(settings):
        pytest.fail("this drill stops and starts the project's own Elasticsearch node; ES_URL/an external one cannot")
    ensure_worker(drill)
    rng = random.Random(2)
    datas = [one_page_pdf(letter(rng, n, 40).decode()) if n % 10 == 0 else letter(rng, n, 40) for n in range(200)]
    uploads = [Upload(d, f"bestand-{n:03d}.{'pdf' if n % 10 == 0 else 'txt'}") for n, d in enumerate(datas)]
    t0 = time.monotonic()
    jobs = submit_bulk(drill.ctx, OPERATOR, uploads, tenant=TENANT)
    ids = [j.id for j in jobs]
    drill.mark(t0, f"{len(ids)} jobs queued")

    states: Counter[str] = Counter()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and states["done"] < 1:
        states = drill.states(ids)
        time.sleep(0.1)
    assert states["done"] >= 1, f"nothing done before the outage: {dict(states)}"
    try:
        services.stop_elasticsearch(settings)
        down_at = time.monotonic()
        drill.mark(t0, f"ES stopped at {dict(drill.states(ids))}")
        assert services.es_health(services.es_endpoint(settings)) is None, "ES still answers after the stop"
        at_stop = drill.states(ids)
        assert at_stop["done"] < len(ids), f"everything was done before ES went down: {dict(at_stop)}"
        time.sleep(max(0.0, 60 - (time.monotonic() - down_at)))
        during = drill.states(ids)
        drill.mark(t0, f"after 60 s without ES: {dict(during)}")
        assert during["failed"] == 0, f"jobs failed while ES was away: {dict(during)}"
    finally:
        services.start_elasticsearch(settings)  # same port, same password
        drill.mark(t0, "ES healthy again")
    assert es.cluster.health(wait_for_status="yellow", timeout="60s")["status"] in ("green", "yellow")

    found = drill.wait_all_done(ids, timeout=180, what="after Elasticsearch came back")
    drill.mark(t0, "all done")
    drill.assert_indexed_once(datas, found)
    assert drill.store.failed_count() == 0
    retried = sum(1 for j in found.values() if j.attempts >= 2)
    assert retried >= 1, "no job met the outage: the drill did not test anything"
    # the session's own client works on (the node came back on the same port)
    assert es.count(index=drill.index)["count"] >= len(ids)
