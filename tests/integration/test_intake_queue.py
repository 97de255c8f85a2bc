"""The intake queue end to end: producers (`app.intake.submit`, `submit_bulk`, `cockpit ingest`) on a real Redis,
one real worker process (`dramatiq intake.worker`, tests/worker_proc.py) on the module's own index prefix (hence its
own queue namespace), the real pipeline into the real Elasticsearch. The demo corpus's customers are the master data.

Every test reads what really happened: job records in Redis, documents in Elasticsearch, the worker's order of work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app import audit
from app.intake import Upload, job_store, queue_status, retry, submit, submit_bulk
from app.jobs import Job
from domain.errors import Invalid
from indexing.documents import doc_id_for
from indexing.schema import alias_name
from tests.helpers import app_context, drop_prefix, principal
from tests.worker_proc import REPO_ROOT, WorkerProc, purge_queue, wait_jobs

pytestmark = pytest.mark.timeout(300)

TENANT = "nord"
UPLOADER = principal("anna.schmidt", tenants=(TENANT,), roles={"agent"})
ADMIN = principal("admin.queue", tenants=(TENANT,), roles={"admin"})


@dataclass
class World:
    prefix: str
    es: Any
    ctx: Any
    worker: WorkerProc
    customers: list[dict[str, str]]  # master-data rows of TENANT
    tmp: Path

    @property
    def store(self) -> Any:
        return job_store(self.ctx)

    @property
    def index(self) -> str:
        return alias_name(self.prefix, "documents")

    def wait(self, ids: list[str], timeout: float = 60.0) -> dict[str, Job]:
        """The finished job records; fails with the states and the worker's log when they do not finish in time."""
        t0 = time.monotonic()
        found = wait_jobs(self.store, ids, timeout)
        waiting = {i: (j.state, j.attempts) for i, j in found.items() if not j.finished}
        missing = [i for i in ids if i not in found]
        assert not waiting and not missing, (
            f"{len(waiting)} of {len(ids)} jobs not finished after {time.monotonic() - t0:.0f} s "
            f"(state, attempts): {dict(list(waiting.items())[:5])}, no record: {missing[:5]}\n"
            f"worker log:\n{self.worker.log_tail()}"
        )
        return found

    def doc(self, doc_id: str) -> dict[str, Any]:
        self.es.indices.refresh(index=self.index)
        return dict(self.es.get(index=self.index, id=doc_id)["_source"])

    def count(self, query: dict[str, Any]) -> int:
        self.es.indices.refresh(index=self.index)
        return int(self.es.count(index=self.index, query=query)["count"])


@pytest.fixture(scope="module")
def world(es: Any, redis_url: str, demo_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from indexing.customers import ingest_customer_file, read_rows

    prefix = f"test-queue-{uuid.uuid4().hex[:8]}"
    tmp = tmp_path_factory.mktemp("intake-queue")
    worker = WorkerProc(prefix, tmp / "worker.log")
    try:
        load = ingest_customer_file(demo_corpus / "customers.csv", es=es, prefix=prefix)
        assert load.indexed >= 10 and not load.rejected, load.describe()
        es.indices.refresh(index=alias_name(prefix, "customers"))
        rows = [r for r in read_rows(demo_corpus / "customers.csv") if r["tenant"] == TENANT]
        worker.start()  # after the master data: the worker reads the customers at its first job
        ctx = app_context(es, prefix)
        yield World(prefix, es, ctx, worker, rows, tmp)
        audit.flush(ctx)
    finally:
        worker.stop()
        purge_queue(prefix)
        drop_prefix(prefix)


def unique_text(label: str) -> bytes:
    return (
        f"{label}\n\nSehr geehrte Damen und Herren,\nwir bitten um Rückmeldung zu Vorgang {uuid.uuid4().hex}.\n"
        "Mit freundlichen Grüßen\nEinkauf\n"
    ).encode()


def make_pdf(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def latin1_customer(world: World, skip: int = 0) -> dict[str, str]:
    """A customer whose name the PDF core fonts can write (Latin-1)."""
    fit = []
    for row in world.customers:
        try:
            row["name"].encode("latin-1")
        except UnicodeEncodeError:
            continue
        fit.append(row)
    return fit[skip]


def ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


# --------------------------------------------------------------------------- one file


def test_a_pdf_upload_is_indexed_and_filed_to_its_customer(world: World) -> None:
    customer = latin1_customer(world)
    pdf = make_pdf(
        [
            "Rechnung",
            f"Kunde: {customer['name']}",
            f"Kundennummer: {customer['customer_number']}",
            f"Vorgang {uuid.uuid4().hex[:12]}: Lieferung von 40 Paletten Kalksandstein.",
            "Zahlbar innerhalb von 14 Tagen ohne Abzug.",
        ]
    )

    job = submit(world.ctx, UPLOADER, Upload(data=pdf, file_name="Rechnung.pdf"), channel="upload", tenant=TENANT)
    assert job.state == "queued" and job.sha256 == sha(pdf) and job.owner == UPLOADER.login

    done = world.wait([job.id], timeout=60)[job.id]
    assert (done.state, done.outcome, done.reason_code) == ("done", "indexed", ""), done
    assert done.doc_id == doc_id_for(TENANT, sha(pdf))
    assert done.attempts == 1 and done.finished_at
    assert world.count({"term": {"doc_id": done.doc_id}}) == 1
    number_hits = world.es.search(
        index=world.index, query={"match_phrase": {"text": customer["customer_number"]}}, source=["doc_id"]
    )["hits"]["hits"]
    assert [h["_id"] for h in number_hits] == [done.doc_id]
    body = world.doc(done.doc_id)
    assert body["tenant"] == TENANT and body["customer_ids"] == [customer["customer_id"]], body["filing"]
    assert body["filing"]["status"] == "auto"
    assert [s["uri"] for s in body["sources"]] == [job.source_uri]


def test_the_same_bytes_from_two_sources_are_one_document_with_two_sources(world: World) -> None:
    data = unique_text("Lieferschein 7781")
    first_uri, second_uri = "folder:/scans/eingang/ls-7781.txt", "folder:/scans/archiv/ls-7781-kopie.txt"

    first = submit(world.ctx, UPLOADER, Upload(data, "ls-7781.txt", source_uri=first_uri), channel="upload",
                   tenant=TENANT)  # fmt: skip
    first = world.wait([first.id])[first.id]
    second = submit(world.ctx, UPLOADER, Upload(data, "ls-7781-kopie.txt", source_uri=second_uri), channel="upload",
                    tenant=TENANT)  # fmt: skip
    second = world.wait([second.id])[second.id]

    assert first.state == "done" and first.outcome in ("indexed", "review"), first
    assert (second.state, second.outcome) == ("done", "duplicate"), second
    assert second.doc_id == first.doc_id == doc_id_for(TENANT, sha(data))
    assert world.count({"term": {"content_sha256": sha(data)}}) == 1
    assert sorted(s["uri"] for s in world.doc(first.doc_id)["sources"]) == sorted([first_uri, second_uri])


def test_an_idempotency_key_gives_the_same_job_and_one_message(world: World, es: Any) -> None:
    key = f"sap-{uuid.uuid4().hex[:8]}"
    data = unique_text("Auftragsbestätigung")

    # on the live queue: the same job, processed once
    one = submit(world.ctx, UPLOADER, Upload(data, "ab.txt", key=key), channel="api", tenant=TENANT)
    two = submit(world.ctx, UPLOADER, Upload(data, "ab-nochmal.txt", key=key), channel="api", tenant=TENANT)
    assert two.id == one.id and two.file_name == "ab.txt"
    done = world.wait([one.id])[one.id]
    assert done.state == "done" and done.attempts == 1
    three = submit(world.ctx, UPLOADER, Upload(data, "ab-3.txt", key=key), channel="api", tenant=TENANT)
    assert three.id == one.id and three.state == "done"  # a finished job is not queued again
    assert sum(1 for j in world.store.recent(TENANT, 500) if j.id == one.id) == 1
    assert world.count({"term": {"content_sha256": sha(data)}}) == 1

    # on a queue without a worker: exactly one message for the key, one more for another key
    idle_prefix = f"test-queue-idle-{uuid.uuid4().hex[:8]}"
    idle = app_context(es, idle_prefix)
    try:
        a = submit(idle, UPLOADER, Upload(data, "ab.txt", key=key), channel="api", tenant=TENANT)
        b = submit(idle, UPLOADER, Upload(data, "ab.txt", key=key), channel="api", tenant=TENANT)
        assert a.id == b.id and a.id != one.id  # another deployment, its own keys
        assert job_store(idle).queue_depths()["intake"] == 1
        c = submit(idle, UPLOADER, Upload(data, "ab.txt", key=key + "-x"), channel="api", tenant=TENANT)
        assert c.id != a.id and job_store(idle).queue_depths()["intake"] == 2
        # a backfill sent twice with keys (an interrupted `ingest` run again): the same jobs, no second message
        batch = [Upload(unique_text(f"Akte {n}"), f"akte-{n}.txt", key=f"{key}-akte-{n}") for n in range(3)]
        first_run = submit_bulk(idle, ADMIN, batch, tenant=TENANT)
        second_run = submit_bulk(idle, ADMIN, batch, tenant=TENANT)
        assert [j.id for j in second_run] == [j.id for j in first_run]
        assert job_store(idle).queue_depths()["bulk"] == 1, job_store(idle).queue_depths()
    finally:
        audit.flush(idle)  # the buffered audit entries of the submits: written now, not into a deleted index later
        purge_queue(idle_prefix)
        drop_prefix(idle_prefix)


def test_a_corrupt_file_fails_with_a_reason_and_can_be_retried(world: World) -> None:
    bad = b"%PDF-1.4 garbage " + uuid.uuid4().hex.encode()
    job = submit(world.ctx, UPLOADER, Upload(bad, "kaputt.pdf"), channel="upload", tenant=TENANT)

    failed = world.wait([job.id])[job.id]
    assert (failed.state, failed.outcome) == ("failed", "failed"), failed
    assert failed.reason_code == "corrupt" and failed.reason, failed
    assert failed.doc_id == "" and failed.attempts == 1
    status = queue_status(world.ctx, ADMIN)
    assert job.id in [j.id for j in status.failed] and status.failed_total >= 1
    assert any(w.get("ready") for w in status.workers)

    again = retry(world.ctx, ADMIN, job.id)
    # queued again (the worker may already have taken it: then it runs, or failed once more on a 2nd attempt)
    assert again.state in ("queued", "running") or again.attempts == 2, again
    refailed = world.wait([job.id])[job.id]
    assert (refailed.state, refailed.reason_code, refailed.attempts) == ("failed", "corrupt", 2), refailed
    assert job.id in [j.id for j in queue_status(world.ctx, ADMIN).failed]
    fine = submit(world.ctx, UPLOADER, Upload(unique_text("ok"), "ok.txt"), channel="upload", tenant=TENANT)
    assert world.wait([fine.id])[fine.id].state == "done"
    with pytest.raises(Invalid) as refused:  # only failed jobs go back on the queue
        retry(world.ctx, ADMIN, fine.id)
    assert refused.value.code == "intake.error.not_failed"


def test_a_customer_hint_files_the_upload_manually_and_an_unknown_customer_is_refused(world: World) -> None:
    customer = world.customers[1]
    data = unique_text("Gesprächsnotiz zum Telefonat")  # nothing in it names a customer

    job = submit(world.ctx, UPLOADER, Upload(data, "notiz.txt", customer_id=customer["customer_id"]),
                 channel="upload", tenant=TENANT)  # fmt: skip
    assert job.customer_id == customer["customer_id"] and job.filed_by == UPLOADER.login
    done = world.wait([job.id])[job.id]
    assert (done.state, done.outcome) == ("done", "indexed"), done
    body = world.doc(done.doc_id)
    assert body["customer_ids"] == [customer["customer_id"]]
    assert body["filing"]["status"] == "manual", body["filing"]

    unknown = f"C{uuid.uuid4().hex[:6]}"
    before = len(world.store.recent(TENANT, 1000))
    with pytest.raises(Invalid) as refused:
        submit(world.ctx, UPLOADER, Upload(data, "notiz.txt", customer_id=unknown), channel="upload", tenant=TENANT)
    assert refused.value.code == "intake.error.customer"
    assert len(world.store.recent(TENANT, 1000)) == before  # no job for a refused upload


def test_an_upload_overtakes_a_queued_bulk_batch(world: World) -> None:
    long_letter = " ".join(["Die Lieferung der Paletten verzögert sich wegen der Sperrung der Zufahrt."] * 30)
    batch_a = [Upload(unique_text(f"Altbestand Brief {n}\n{long_letter}"), f"alt-{n:02d}.txt") for n in range(25)]
    batch_b = [Upload(unique_text(f"Altbestand Notiz {n}"), f"notiz-{n:02d}.txt") for n in range(25)]
    bulk = submit_bulk(world.ctx, ADMIN, batch_a + batch_b, tenant=TENANT, batch=25)  # two messages: A, then B
    ids_a, ids_b = [j.id for j in bulk[:25]], [j.id for j in bulk[25:]]

    states: set[str] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = {j.state for j in world.store.get_many(ids_a).values()}
        if "running" in states or "done" in states:
            break
        time.sleep(0.05)
    assert states == {"running"}, f"batch A not running in time (or already done): {states}"
    upload = submit(world.ctx, UPLOADER, Upload(unique_text("Reklamation eilig"), "eilig.txt"), channel="upload",
                    tenant=TENANT)  # fmt: skip
    deadline = time.monotonic() + 10
    while world.store.queue_depths()["intake"] and time.monotonic() < deadline:
        time.sleep(0.02)  # until the worker has fetched it (the work waits in its priority queue)
    a_when_fetched = {j.state for j in world.store.get_many(ids_a).values()}
    assert a_when_fetched == {"running"}, f"batch A finished before the worker fetched the upload: {a_when_fetched}"

    found = world.wait([*ids_a, *ids_b, upload.id], timeout=180)
    assert all(j.state == "done" for j in found.values()), {j.state for j in found.values()}
    a_done = max(ts(found[i].finished_at) for i in ids_a)
    b_done = min(ts(found[i].finished_at) for i in ids_b)
    up_done = ts(found[upload.id].finished_at)
    assert ts(found[upload.id].created_at) < a_done  # sent while batch A was running
    assert up_done < b_done, (
        f"the upload finished {(up_done - b_done).total_seconds():.2f} s after bulk batch B, queued before it "
        f"(A done {a_done.time()}, upload done {up_done.time()}, B done {b_done.time()})"
    )


def test_cockpit_ingest_waits_for_the_worker_and_accounts_for_every_file(world: World) -> None:
    folder = world.tmp / "backfill"
    folder.mkdir()
    datas: dict[str, bytes] = {}
    for n in range(8):
        datas[f"brief-{n}.txt"] = unique_text(f"Altakte Schreiben {n}")
    for n in range(2):
        datas[f"scan-{n}.pdf"] = make_pdf([f"Lieferschein LS-{n}-{uuid.uuid4().hex[:8]}", "Ware vollständig erhalten."])
    for name, data in datas.items():
        (folder / name).write_bytes(data)
    summary_file = world.tmp / "backfill-summary.json"
    env = {**os.environ, "COCKPIT_INDEX_PREFIX": world.prefix, "DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1"}
    cmd = [str(Path(sys.executable).parent / "cockpit"), "ingest", str(folder), "--tenant", TENANT, "--wait",
           "--batch", "4", "--timeout", "150", "--summary", str(summary_file)]  # fmt: skip

    t0 = time.monotonic()
    run = subprocess.run(cmd, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=200)
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"exit {run.returncode} after {time.monotonic() - t0:.0f} s:\n{output[-3000:]}"
    assert "queued 10 files" in output and "every file accounted: yes" in output, output[-3000:]
    report = json.loads(summary_file.read_text())
    assert (report["files_seen"], report["waiting"], report["failed"], report["adds_up"]) == (10, 0, [], True), report
    ids = [doc_id_for(TENANT, sha(d)) for d in datas.values()]
    world.es.indices.refresh(index=world.index)
    docs = world.es.mget(index=world.index, ids=ids, source=["sources"])["docs"]
    assert all(d["found"] for d in docs), [d["_id"] for d in docs if not d["found"]]
    uris = sorted(s["uri"] for d in docs for s in d["_source"]["sources"])
    assert uris == sorted(f"{TENANT}/{name}" for name in datas)
