"""Mail-in (intake/mailin.py) against a real Dovecot (tests/imap_server.py): messages put in with IMAP APPEND,
taken by poll_once / run, moved to "Verarbeitet"; submit failures, a crash between submit and move, a server
without MOVE, an outage, IDLE. The submit function is a recorder that dedups by job_key (the port's contract)."""

from __future__ import annotations

import base64
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path

import pytest

from intake.mailin import (
    MailboxConfig,
    MailboxLoginFailed,
    MailboxUnavailable,
    MailItem,
    RejectMessage,
    customer_hint,
    load_configs,
    poll_once,
    run,
)
from tests.imap_server import DovecotServer

pytestmark = pytest.mark.timeout(60)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
_numbers = itertools.count(1)
POOL = 16  # users created up front (a user added later takes up to a second to appear)


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def imap() -> Iterator[DovecotServer]:
    server = DovecotServer(users=tuple(f"mb{i}@example.com" for i in range(1, POOL + 1))).start()
    yield server
    server.close()


@pytest.fixture()
def mailbox(imap: DovecotServer) -> MailboxConfig:
    """A fresh mailbox (user) per test on the shared server."""
    user = imap.users[f"mb{next(_numbers)}@example.com"]
    return MailboxConfig(tenant="nord", host=imap.host, port=imap.port, user=user.name, password=user.password)


class Recorder:
    """The port's contract: records every call, keeps one item per job_key; raises for names containing `fail`."""

    def __init__(self) -> None:
        self.calls: list[MailItem] = []
        self.items: dict[str, MailItem] = {}
        self.fail: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, config: MailboxConfig, item: MailItem) -> None:
        with self.lock:
            self.calls.append(item)
            if any(f in item.file_name for f in self.fail):
                raise RuntimeError("queue unavailable")
            self.items.setdefault(item.job_key, item)


def message(subject: str, to: str = "dossier@example.com", body: str = "Hallo.\n", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Kunde <kunde@example.org>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.org")
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


def with_pdf(subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "scanner@example.org"
    msg["To"] = "dossier@example.com"
    msg["Subject"] = subject
    msg.set_content("Scan anbei.\n")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="scan.pdf")
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

# "Akte Müller" as a UTF-16 encoded word, then a Latin-1 one
MIXED_SUBJECT = (
    "=?utf-16?b?" + base64.b64encode("Akte Müller".encode("utf-16")).decode() + "?= =?iso-8859-1?q?Gr=FC=DFe?="
)


def append(server: DovecotServer, config: MailboxConfig, *raws: bytes, folder: str = "INBOX") -> None:
    with server.client(config.user) as c:
        for raw in raws:
            c.append(folder, raw)


def count(server: DovecotServer, config: MailboxConfig, folder: str) -> int:
    with server.client(config.user) as c:
        if not c.folder_exists(folder):
            return -1
        return int(c.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])


def bodies(server: DovecotServer, config: MailboxConfig, folder: str) -> list[bytes]:
    with server.client(config.user) as c:
        c.select_folder(folder, readonly=True)
        uids = c.search("ALL")
        return [v[b"BODY[]"] for v in c.fetch(uids, ["BODY.PEEK[]"]).values()] if uids else []


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# --------------------------------------------------------------------------- poll_once


def test_poll_submits_each_message_once_and_moves_it(imap: DovecotServer, mailbox: MailboxConfig) -> None:
    raws = [
        message("Rechnung 4711"),
        with_pdf("Scan: Vertrag"),
        BROKEN,
        message("Kündigung", to="Dossier <dossier+K-10234@example.com>"),
        message(MIXED_SUBJECT),
    ]
    append(imap, mailbox, *raws)
    rec = Recorder()

    report = poll_once(mailbox, rec)

    assert (report.seen, report.submitted, report.moved, report.errors) == (5, 5, 5, [])
    assert len(rec.calls) == 5 and len(rec.items) == 5
    assert [i.raw for i in rec.calls] == raws  # raw bytes unchanged, in UID order, the MIME-broken one too
    names = [i.file_name for i in rec.calls]
    assert names[0].endswith("-Rechnung_4711.eml") and names[1].endswith("-Scan_Vertrag.eml")
    assert names[2].endswith(".eml") and "Grüße" in names[2]  # 8-bit header: Latin-1, never an exception
    assert names[3].endswith("-Kündigung.eml")
    assert names[4].endswith("-Akte_MüllerGrüße.eml")  # UTF-16 and Latin-1 words, adjacent words joined
    uids = [int(n.split("-", 1)[0]) for n in names]
    assert uids == sorted(uids)
    assert [i.customer_hint for i in rec.calls] == [None, None, None, "K-10234", None]
    user = mailbox.user.replace("@", "%40")
    uidvalidity = rec.calls[0].source_uri.split("/")[-2]
    assert rec.calls[0].source_uri == f"imap://{user}@{imap.host}/INBOX/{uidvalidity}/{uids[0]}"
    assert all(len(i.job_key) == 32 for i in rec.calls)

    assert count(imap, mailbox, "INBOX") == 0
    assert count(imap, mailbox, "Verarbeitet") == 5
    assert count(imap, mailbox, "Fehlgeschlagen") == 0  # created, empty
    assert sorted(bodies(imap, mailbox, "Verarbeitet")) == sorted(raws)  # moved, never altered

    again = poll_once(mailbox, rec)
    assert (again.seen, again.submitted, len(rec.calls)) == (0, 0, 5)


def test_a_failing_submit_leaves_exactly_that_message(imap: DovecotServer, mailbox: MailboxConfig) -> None:
    append(imap, mailbox, message("eins"), message("zwei"), message("drei"))
    rec = Recorder()
    rec.fail = {"zwei"}

    report = poll_once(mailbox, rec)

    assert (report.seen, report.submitted, report.moved) == (3, 2, 2)
    assert len(report.errors) == 1 and "zwei" in report.errors[0] and "queue unavailable" in report.errors[0]
    assert count(imap, mailbox, "INBOX") == 1
    assert b"Subject: zwei" in bodies(imap, mailbox, "INBOX")[0]

    rec.fail = set()
    report = poll_once(mailbox, rec)
    assert (report.seen, report.submitted, report.moved, report.errors) == (1, 1, 1, [])
    assert sorted(i.file_name.split("-", 1)[1] for i in rec.items.values()) == ["drei.eml", "eins.eml", "zwei.eml"]
    assert count(imap, mailbox, "INBOX") == 0
    assert count(imap, mailbox, "Verarbeitet") == 3


class Crash(BaseException):
    """The process dying right after submit returned (not an Exception: nothing may catch it)."""


def test_crash_between_submit_and_move_resubmits_the_same_job_key(imap: DovecotServer, mailbox: MailboxConfig) -> None:
    append(imap, mailbox, message("Angebot"))
    rec = Recorder()

    def submit_then_die(config: MailboxConfig, item: MailItem) -> None:
        rec(config, item)
        raise Crash

    with pytest.raises(Crash):
        poll_once(mailbox, submit_then_die)
    assert len(rec.items) == 1
    assert count(imap, mailbox, "INBOX") == 1  # submitted, not moved

    report = poll_once(mailbox, rec)  # the restarted process
    assert (report.submitted, report.moved) == (1, 1)
    assert len(rec.calls) == 2 and rec.calls[0].job_key == rec.calls[1].job_key  # the same job: the caller dedups
    assert rec.calls[0] == rec.calls[1]
    assert len(rec.items) == 1
    assert (count(imap, mailbox, "INBOX"), count(imap, mailbox, "Verarbeitet")) == (0, 1)


def test_a_rejected_message_goes_to_the_failed_folder(imap: DovecotServer, mailbox: MailboxConfig) -> None:
    append(imap, mailbox, message("zu gross"), message("normal"))

    def submit(config: MailboxConfig, item: MailItem) -> None:
        if "zu_gross" in item.file_name:
            raise RejectMessage("too large")

    report = poll_once(mailbox, submit)
    assert (report.submitted, report.moved, report.rejected) == (1, 1, 1)
    assert "rejected: too large" in report.errors[0]
    assert [count(imap, mailbox, f) for f in ("INBOX", "Verarbeitet", "Fehlgeschlagen")] == [0, 1, 1]


def test_without_move_copy_and_expunge_only_that_uid(mailbox: MailboxConfig) -> None:
    # Dovecot announcing no MOVE: the fallback COPY + \Deleted + UID EXPUNGE must leave other \Deleted mail alone
    caps = "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE UIDPLUS NAMESPACE UNSELECT CHILDREN"
    with DovecotServer(users=("plain@example.com",), extra_conf=f"imap_capability = {caps}\n") as server:
        user = server.users["plain@example.com"]
        config = MailboxConfig(
            tenant="sued", host=server.host, port=server.port, user=user.name, password=user.password
        )
        with server.client(user.name) as c:
            assert not c.has_capability("MOVE")
            c.append("INBOX", message("weg"), flags=[b"\\Deleted"])  # someone else's deleted mail, not expunged
        append(server, config, message("A"), message("B"))
        rec = Recorder()

        report = poll_once(config, rec)

        assert (report.seen, report.submitted, report.moved, report.errors) == (2, 2, 2, [])
        assert count(server, config, "Verarbeitet") == 2
        left = bodies(server, config, "INBOX")
        assert len(left) == 1 and b"Subject: weg" in left[0]


def test_login_refused() -> None:
    # its own server: Dovecot delays every login from an address after a failed one (auth penalty, up to 15 s)
    with DovecotServer(users=("u",)) as server:
        bad = MailboxConfig(tenant="nord", host=server.host, port=server.port, user="u", password="wrong")
        with pytest.raises(MailboxLoginFailed) as err:
            poll_once(bad, Recorder())
    assert "wrong" not in repr(bad) + str(err.value) and "password" not in repr(bad)


def test_server_down_raises_a_connection_error(imap: DovecotServer, mailbox: MailboxConfig) -> None:
    append(imap, mailbox, message("kommt später"))
    rec = Recorder()
    imap.stop()
    try:
        with pytest.raises(ConnectionError) as err:
            poll_once(mailbox, rec, timeout_s=5)
        assert isinstance(err.value, MailboxUnavailable)
        assert mailbox.password not in str(err.value)
    finally:
        imap.start()
    assert poll_once(mailbox, rec).submitted == 1


# --------------------------------------------------------------------------- run


def _run_in_thread(
    config: MailboxConfig, rec: Recorder, **kw: object
) -> tuple[threading.Thread, threading.Event, list[str]]:
    stop = threading.Event()
    logs: list[str] = []
    t = threading.Thread(
        target=run, args=([config], rec), kwargs={"stop": stop, "log": logs.append, "timeout_s": 5, **kw}, daemon=True
    )
    t.start()
    return t, stop, logs


def test_run_waits_in_idle_and_takes_new_mail_at_once(imap: DovecotServer, mailbox: MailboxConfig) -> None:
    rec = Recorder()
    thread, stop, logs = _run_in_thread(mailbox, rec, every_s=30.0, idle=True)
    try:
        assert wait_for(lambda: any("waiting in IDLE" in line for line in logs), 10), logs
        time.sleep(0.3)
        sent = time.monotonic()
        append(imap, mailbox, message("per IDLE"))
        assert wait_for(lambda: len(rec.items) == 1, 5), logs
        assert time.monotonic() - sent < 5  # far below every_s: IDLE, not the periodic poll
        assert wait_for(lambda: count(imap, mailbox, "Verarbeitet") == 1, 5)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert count(imap, mailbox, "INBOX") == 0


def test_run_without_idle_polls_every_s(imap: DovecotServer, mailbox: MailboxConfig) -> None:
    rec = Recorder()
    thread, stop, logs = _run_in_thread(mailbox, rec, every_s=0.5, idle=False)
    try:
        append(imap, mailbox, message("gepollt"))
        assert wait_for(lambda: len(rec.items) == 1, 5), logs
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert not any("IDLE" in line for line in logs)


def test_run_survives_outages_and_delivers_afterwards(imap: DovecotServer, mailbox: MailboxConfig) -> None:
    append(imap, mailbox, message("vor dem Ausfall"))
    rec = Recorder()
    imap.stop()
    thread, stop, logs = _run_in_thread(mailbox, rec, every_s=2.0, idle=True)
    try:
        time.sleep(3.5)  # several retries (1 s, 2 s, ...)
        assert rec.calls == []
        assert sum("unavailable" in line for line in logs) == 1, logs  # once per outage
        imap.start()
        assert wait_for(lambda: len(rec.items) == 1, 8), logs
        assert wait_for(lambda: any("reachable again" in line for line in logs), 2), logs
        assert wait_for(lambda: any("waiting in IDLE" in line for line in logs), 5), logs

        # the server goes away while the watcher sits in IDLE, and comes back
        imap.stop()
        assert wait_for(lambda: sum("unavailable" in line for line in logs) == 2, 5), logs
        imap.start()
        append(imap, mailbox, message("nach dem Ausfall"))
        assert wait_for(lambda: len(rec.items) == 2, 8), logs
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(8)
        imap.start()  # whatever happened: the module's server runs again
    assert not thread.is_alive()
    assert wait_for(lambda: count(imap, mailbox, "Verarbeitet") == 2, 5)
    assert len(rec.calls) == 2  # nothing taken twice


# --------------------------------------------------------------------------- configuration and hints (no server)


def test_customer_hint_prefers_the_mailbox_own_plus_address() -> None:
    from email.parser import BytesHeaderParser

    def hint(headers: bytes, user: str = "dossier@example.com") -> str | None:
        return customer_hint(BytesHeaderParser().parsebytes(headers + b"\r\n"), user)

    assert hint(b"To: dossier+K-10234@example.com\r\n") == "K-10234"
    assert hint(b"To: news+weekly@other.org, Dossier <dossier+K-1@example.com>\r\n") == "K-1"
    assert (
        hint(b"To: team@example.com\r\nCc: boss+x1@example.com\r\nDelivered-To: postfach+K-7@example.com\r\n") == "K-7"
    )
    assert hint(b"X-Original-To: dossier+K-9@example.com\r\nTo: undisclosed-recipients:;\r\n") == "K-9"
    assert hint(b"To: dossier@example.com\r\n") is None
    assert hint(b"To: dossier+@example.com, dossier+<bad>@example.com\r\n") is None
    assert hint(b"To: =?utf-8?q?M=C3=BCller?= <dossier+K-3@example.com>\r\n") == "K-3"


def test_load_configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILIN_NORD_PW", "geheim-nord")
    (tmp_path / "sued.pw").write_text("geheim-sued\n")
    conf = tmp_path / "mailin.toml"
    conf.write_text(
        '[[mailbox]]\ntenant = "nord"\nhost = "imap.example.com"\nport = 993\nssl = true\n'
        'user = "dossier@example.com"\npassword_env = "MAILIN_NORD_PW"\n\n'
        '[[mailbox]]\ntenant = "sued"\nhost = "127.0.0.1"\nport = 1143\nuser = "sued"\n'
        'password_file = "sued.pw"\nprocessed_folder = "INBOX.Erledigt"\n'
    )
    nord, sued = load_configs(conf)
    assert (nord.tenant, nord.port, nord.ssl, nord.password, nord.folder) == ("nord", 993, True, "geheim-nord", "INBOX")
    assert (sued.password, sued.processed_folder, sued.failed_folder) == (
        "geheim-sued",
        "INBOX.Erledigt",
        "Fehlgeschlagen",
    )
    assert "geheim" not in repr(nord) + repr(sued)

    def refused(text: str) -> str:
        conf.write_text(text)
        with pytest.raises(ValueError) as err:
            load_configs(conf)
        return str(err.value)

    ok = '[[mailbox]]\ntenant = "nord"\nhost = "127.0.0.1"\nport = 143\nuser = "u"\npassword_env = "MAILIN_NORD_PW"\n'
    msg = refused(ok + '[[mailbox]]\ntenant = "sued"\nhost = "127.0.0.1"\nuser = "u"\n')
    assert "#2" in msg and "'sued'" in msg and "port" in msg
    assert "MAILIN_MISSING" in refused(ok.replace("MAILIN_NORD_PW", "MAILIN_MISSING"))
    assert "no 'password'" in refused(ok + 'password = "x"\n')
    assert "exactly one" in refused(ok + 'password_file = "x"\n')
    assert "unencrypted" in refused(ok.replace("127.0.0.1", "imap.example.com"))
    assert "unknown keys" in refused(ok + "sll = true\n")
    assert "same mailbox" in refused(ok + ok)
    assert "missing" in refused('[[mailbox]]\ntenant = "x"\n') and "#1" in refused('[[mailbox]]\ntenant = "x"\n')
