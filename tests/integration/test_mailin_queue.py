"""Mail-in through the queue: a real Dovecot (tests/imap_server.py), the real port `web.cli_intake.mail_submitter`
(system principal, channel "mail", idempotency key = the message's UID key, plus-address -> customer), job records
in the real Redis and the worker's task (`app.intake.process`, in this process, with the test embedder) writing
to the real Elasticsearch.

Steps: three messages (plus-addressed with a PDF, unknown sender, MIME-broken) -> three mail jobs, all moved;
processed -> the mail filed for C1 with its attachment as its own document (parent = the mail); the same bytes
taken again under a new UID -> still one document; the same MailItem submitted again -> no second job; the
server down -> MailboxUnavailable and nothing submitted, back up -> the mail that arrived meanwhile taken once."""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from app import audit, intake
from app.jobs import OUTCOMES, Job
from domain.principal import Principal
from indexing.schema import alias_name
from intake.mailin import MailboxConfig, MailboxUnavailable, MailItem, poll_once
from tests.helpers import HashEmbedder, drop_prefix
from tests.imap_server import DovecotServer
from tests.integration.api_world import build
from web.cli_intake import mail_submitter

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

ADMIN = Principal(login="admin-mailin", tenants=frozenset({"nord"}), roles=frozenset({"admin"}))
MAILBOX = "dossier@example.com"
OTHER = "eingang@example.com"
SUBJECT_A = "Reklamation Ventile"


# --------------------------------------------------------------------------- messages


def complaint_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in (  # no customer named: the attachment is filed where its mail went
        "Reklamation",
        "Die gelieferten Ventile DN50 sind undicht.",
        "Wir bitten um Ersatzlieferung bis Monatsende.",
    ):
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


PDF = complaint_pdf()


def plus_addressed() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Einkauf Müller Bau <einkauf@mueller-bau.example>"
    msg["To"] = "Dossier <dossier+K-10001@example.com>"
    msg["Subject"] = SUBJECT_A
    msg["Message-ID"] = make_msgid(domain="mueller-bau.example")
    msg["Date"] = "Mon, 03 Mar 2025 09:15:00 +0100"
    msg.set_content("Guten Tag,\n\nanbei unsere Reklamation zu den Ventilen (siehe PDF).\n\nGrüße\n")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="Reklamation.pdf")
    return msg.as_bytes(policy=SMTP)


def plain(subject: str, to: str = MAILBOX) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Unbekannt <irgendwer@unknown.example>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="unknown.example")
    msg.set_content(f"Hallo,\n\n{subject}: bitte melden Sie sich bei uns. {uuid.uuid4().hex}\n")
    return msg.as_bytes(policy=SMTP)


BROKEN = (
    b"From: =?utf-8?b?!!!kaputt?= <x@example.org>\r\n"
    b"To: dossier@example.com\r\n"
    b"Subject: Gr\xfc\xdfe =?unknown-charset?q?=FF=FE?= \xff\xfe\r\n"
    b'Content-Type: multipart/mixed; boundary="DECLARED"\r\n'
    b"\r\n"
    b"--SOMETHING-ELSE\r\n"
    b"Content-Type: application/pdf; name=x.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"!!!not base64!!!\r\n"
    b"--SOMETHING-ELSE--\r\n"
)


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def world(es, redis_url, tmp_path_factory) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    prefix = f"test-mailq-{uuid.uuid4().hex[:8]}"
    intake.forget_contexts()  # the worker's per-tenant master data cache: another module's world may sit in it
    w = build(es, prefix, tmp_path_factory.mktemp("mailq"))
    yield w
    audit.flush(w["ctx"])  # the audit entries queued by submit/process, before the indices go
    intake.forget_contexts()
    drop_prefix(prefix)
    store = intake.job_store(w["ctx"])
    keys = list(store.r.scan_iter(match=f"{store.ns}*", count=1000))
    if keys:
        store.r.delete(*keys)


@pytest.fixture(scope="module")
def imap() -> Iterator[DovecotServer]:
    server = DovecotServer(users=(MAILBOX, OTHER)).start()
    yield server
    server.close()


def config_for(imap: DovecotServer, name: str) -> MailboxConfig:
    user = imap.users[name]
    return MailboxConfig(tenant="nord", host=imap.host, port=imap.port, user=user.name, password=user.password)


class Port:
    """The real mail_submitter, with a note of every item it was given (passes everything through)."""

    def __init__(self, ctx: Any) -> None:
        self.real = mail_submitter(ctx)
        self.items: list[MailItem] = []

    def __call__(self, config: MailboxConfig, item: MailItem) -> None:
        self.items.append(item)
        self.real(config, item)


def all_jobs(ctx: Any) -> list[Job]:
    return intake.job_store(ctx).recent("nord", 1000)


def count(server: DovecotServer, user: str, folder: str) -> int:
    with server.client(user) as c:
        if not c.folder_exists(folder):
            return -1
        return int(c.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])


def docs_where(es: Any, prefix: str, field: str, value: str) -> list[dict[str, Any]]:
    resp = es.search(
        index=alias_name(prefix, "documents"),
        query={"bool": {"filter": [{"term": {field: value}}]}},
        source_excludes=["passages", "lemmas", "stems"],
        size=20,
    )
    return [h["_source"] for h in resp["hits"]["hits"]]


@pytest.fixture(scope="module")
def taken(world: dict[str, Any], imap: DovecotServer) -> dict[str, Any]:
    """Step 1: three messages in the mailbox of tenant nord, one poll through the real port."""
    cfg = config_for(imap, MAILBOX)
    raws = {"a": plus_addressed(), "b": plain("Anfrage Wartungsvertrag"), "c": BROKEN}
    with imap.client(MAILBOX) as c:
        for raw in raws.values():
            c.append("INBOX", raw)
    port = Port(world["ctx"])
    report = poll_once(cfg, port)
    by_raw = {item.raw: item for item in port.items}
    items = {k: by_raw[raw] for k, raw in raws.items() if raw in by_raw}
    return {"cfg": cfg, "port": port, "report": report, "raws": raws, "items": items}


@pytest.fixture(scope="module")
def processed(world: dict[str, Any], taken: dict[str, Any]) -> dict[str, Any]:
    """Step 2: the worker's task over the three jobs."""
    jobs = {j.source_uri: j for j in all_jobs(world["ctx"])}
    ids = {k: jobs[item.source_uri].id for k, item in taken["items"].items()}
    done = intake.process(world["ctx"], list(ids.values()), workers=0, embedder=HashEmbedder())
    after = {j.id: j for j in intake.jobs(world["ctx"], ADMIN, list(ids.values()))}
    return {"ids": ids, "done": done, "jobs": {k: after[i] for k, i in ids.items()}}


# --------------------------------------------------------------------------- 1. taken: three mail jobs


def test_every_message_becomes_one_mail_job_and_is_moved(world, imap, taken):
    report = taken["report"]
    assert (report.seen, report.submitted, report.moved, report.rejected, report.errors) == (3, 3, 3, 0, [])
    assert set(taken["items"]) == {"a", "b", "c"}  # each raw message submitted, unchanged
    assert taken["items"]["a"].customer_hint == "K-10001"

    jobs = intake.recent(world["ctx"], ADMIN)
    assert len(jobs) == 3
    by_uri = {j.source_uri: j for j in jobs}
    assert set(by_uri) == {item.source_uri for item in taken["items"].values()}
    for key, item in taken["items"].items():
        job = by_uri[item.source_uri]
        assert (job.channel, job.tenant, job.owner, job.source_kind) == ("mail", "nord", f"mail:{MAILBOX}", "email")
        assert job.state == "queued" and job.file_name == item.file_name and job.file_name.endswith(".eml")
        assert job.sha256 == hashlib.sha256(taken["raws"][key]).hexdigest() and job.size == len(taken["raws"][key])
    assert by_uri[taken["items"]["a"].source_uri].customer_id == "C1"  # K-10001 of tenant nord
    assert by_uri[taken["items"]["b"].source_uri].customer_id == ""
    assert by_uri[taken["items"]["c"].source_uri].customer_id == ""

    assert count(imap, MAILBOX, "INBOX") == 0
    assert count(imap, MAILBOX, "Verarbeitet") == 3
    assert count(imap, MAILBOX, "Fehlgeschlagen") == 0


# --------------------------------------------------------------------------- 2. processed: every job accounted


def test_the_worker_files_the_mail_and_its_attachment(world, es, taken, processed):
    jobs = processed["jobs"]
    assert set(processed["done"].outcomes) == set(processed["ids"].values())
    assert all(j.finished for j in jobs.values()), {k: (j.state, j.reason_code) for k, j in jobs.items()}

    # (a) the plus-addressed mail: indexed for C1, its PDF a document of its own below it
    a = jobs["a"]
    assert (a.state, a.outcome) == ("done", "indexed") and a.doc_id
    prefix = world["prefix"]
    mail = es.get(index=alias_name(prefix, "documents"), id=a.doc_id)["_source"]
    assert mail["customer_ids"] == ["C1"] and mail["filing"]["status"] == "auto"
    assert mail["content_sha256"] == hashlib.sha256(taken["raws"]["a"]).hexdigest()
    assert mail["subject"] == SUBJECT_A and mail["source_kind"] == "email" and mail["parent_id"] is None
    assert mail["thread_id"] and mail["thread_id"] in taken["raws"]["a"].decode()  # its Message-ID
    assert [s["uri"] for s in mail["sources"]] == [taken["items"]["a"].source_uri]
    children = docs_where(es, prefix, "parent_id", a.doc_id)
    assert len(children) == 1, children
    pdf = children[0]
    assert pdf["content_sha256"] == hashlib.sha256(PDF).hexdigest()  # the attachment's own bytes
    assert pdf["mime_type"] == "application/pdf" and pdf["source_kind"] == "attachment"
    assert "undicht" in pdf["text"] and "Ventile" in pdf["text"]
    assert pdf["tenant"] == mail["tenant"] == "nord"
    assert pdf["customer_ids"] == ["C1"] and pdf["filing"]["status"] == "auto"  # the mail's customer
    assert pdf["filing"]["reasons"][0].startswith("Anhang der E-Mail")
    # its thread is the mail's (reached through parent_id; the attachment carries no thread_id of its own yet)
    assert pdf.get("thread_id") in (None, mail["thread_id"])
    assert mail["attachment_ids"] == [pdf["doc_id"]]
    assert pdf["sources"][0]["uri"].startswith(taken["items"]["a"].source_uri + "#")

    # (b) an unknown sender: indexed or sent to review, never failed
    b = jobs["b"]
    assert b.state == "done" and b.outcome in ("indexed", "review") and b.doc_id, (b.outcome, b.reason)
    assert es.get(index=alias_name(prefix, "documents"), id=b.doc_id)["_source"]["customer_ids"] in ([], None)

    # (c) MIME-broken: accounted either way (a document, or a failure with its reason code), never lost
    c = jobs["c"]
    if c.state == "failed":
        assert c.outcome == "failed" and c.reason_code, c
        assert c.id in {j.id for j in intake.job_store(world["ctx"]).failed()}
    else:
        assert c.state == "done" and c.outcome in OUTCOMES and c.outcome != "failed" and c.doc_id

    # a redelivered queue message finds its jobs finished
    assert intake.process(world["ctx"], list(processed["ids"].values()), embedder=HashEmbedder()).jobs == 0


# --------------------------------------------------------------------------- 3. taken twice


def test_the_same_mail_taken_twice_is_still_one_document(world, es, imap, taken, processed):
    cfg, port, ctx, prefix = taken["cfg"], taken["port"], world["ctx"], world["prefix"]
    raw_a, item_a = taken["raws"]["a"], taken["items"]["a"]
    jobs_before = len(all_jobs(ctx))

    # message (a) copied back into INBOX: the same bytes under a new UID (a new job key)
    with imap.client(MAILBOX) as c:
        c.select_folder("Verarbeitet")
        uids = c.search(["SUBJECT", SUBJECT_A])
        assert len(uids) == 1
        c.copy(uids, "INBOX")
    report = poll_once(cfg, port)
    assert (report.seen, report.submitted, report.moved, report.errors) == (1, 1, 1, [])
    again = port.items[-1]
    assert again.raw == raw_a and again.job_key != item_a.job_key and again.source_uri != item_a.source_uri
    jobs = all_jobs(ctx)
    assert len(jobs) == jobs_before + 1
    job = next(j for j in jobs if j.source_uri == again.source_uri)
    assert job.customer_id == "C1" and job.id != processed["ids"]["a"]

    done = intake.process(ctx, [job.id], workers=0, embedder=HashEmbedder())
    assert done.outcomes[job.id] in ("duplicate", "unchanged")
    job = intake.job(ctx, ADMIN, job.id)
    assert job.state == "done" and job.doc_id == processed["jobs"]["a"].doc_id
    es.indices.refresh(index=alias_name(prefix, "documents"))
    same = docs_where(es, prefix, "content_sha256", hashlib.sha256(raw_a).hexdigest())
    assert len(same) == 1  # one document, now with both sources
    assert {s["uri"] for s in same[0]["sources"]} == {item_a.source_uri, again.source_uri}
    assert len(docs_where(es, prefix, "content_sha256", hashlib.sha256(PDF).hexdigest())) == 1
    assert len(docs_where(es, prefix, "parent_id", same[0]["doc_id"])) == 1

    # the same MailItems submitted again (a crash between submit and move): no second job
    first = intake.job(ctx, ADMIN, processed["ids"]["a"])
    port(cfg, item_a)
    port(cfg, again)
    assert len(all_jobs(ctx)) == jobs_before + 1
    assert intake.job(ctx, ADMIN, first.id) == first  # untouched: still done, same outcome


# --------------------------------------------------------------------------- 4. the server down


def deliver_to_maildir(server: DovecotServer, user: str, raw: bytes) -> None:
    """What the MTA does while IMAP is down: a new file in the user's Maildir/new (with the mailbox's owner)."""
    maildir = server.home_dir / user / "Maildir"
    owner = maildir.stat()
    name = f"{int(time.time())}.M{uuid.uuid4().hex[:12]}P{os.getpid()}.{socket.gethostname()}"
    tmp = maildir / "tmp" / name
    tmp.write_bytes(raw)
    os.chown(tmp, owner.st_uid, owner.st_gid)
    tmp.chmod(0o600)
    tmp.rename(maildir / "new" / name)


def test_imap_down_nothing_submitted_then_delivered_once(world, imap):
    ctx = world["ctx"]
    cfg = config_for(imap, OTHER)
    port = Port(ctx)
    assert poll_once(cfg, port).seen == 0  # the mailbox exists (Maildir created at the first login)
    jobs_before = len(all_jobs(ctx))
    raw = plain("Nachricht während des Ausfalls", to="eingang+K-10009@example.com")  # K-10009: tenant sued's

    imap.stop()
    try:
        with pytest.raises(ConnectionError) as err:
            poll_once(cfg, port, timeout_s=5)
        assert isinstance(err.value, MailboxUnavailable)
        assert cfg.password not in str(err.value)
        assert port.items == [] and len(all_jobs(ctx)) == jobs_before
        deliver_to_maildir(imap, OTHER, raw)  # arrives meanwhile
        assert Path(imap.home_dir / OTHER / "Maildir" / "new").is_dir()
    finally:
        imap.start()

    report = poll_once(cfg, port)
    assert (report.seen, report.submitted, report.moved, report.errors) == (1, 1, 1, [])
    assert [i.raw for i in port.items] == [raw] and port.items[0].customer_hint == "K-10009"
    assert poll_once(cfg, port).seen == 0  # taken exactly once
    jobs = all_jobs(ctx)
    assert len(jobs) == jobs_before + 1
    new = next(j for j in jobs if j.source_uri == port.items[0].source_uri)
    assert (new.channel, new.owner, new.state, new.customer_id) == (
        "mail",
        f"mail:{OTHER}",
        "queued",
        "",
    )  # another tenant's customer: no hint
    assert count(imap, OTHER, "INBOX") == 0 and count(imap, OTHER, "Verarbeitet") == 1


# --------------------------------------------------------------------------- 5. never acceptable


def test_a_mail_over_the_size_limit_goes_to_the_failed_folder(world, imap, monkeypatch):
    from core.settings import get_settings

    ctx = world["ctx"]
    cfg = config_for(imap, OTHER)
    jobs_before = len(all_jobs(ctx))
    small, big = plain("klein"), plain("gross") + b"x" * 4000  # (a body line too long for SMTP: still a mail)
    monkeypatch.setattr(get_settings(), "max_file_mb", 3000 / (1024 * 1024))  # 3000 bytes
    with imap.client(OTHER) as c:
        c.append("INBOX", small)
        c.append("INBOX", big)
    port = Port(ctx)

    report = poll_once(cfg, port)

    assert (report.seen, report.submitted, report.moved, report.rejected) == (2, 1, 1, 1), report
    assert "rejected" in report.errors[0] and "gross" in report.errors[0]
    assert len(all_jobs(ctx)) == jobs_before + 1  # the small one only
    assert count(imap, OTHER, "Fehlgeschlagen") == 1 and count(imap, OTHER, "INBOX") == 0
    assert poll_once(cfg, port).seen == 0  # not offered again and again
