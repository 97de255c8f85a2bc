"""A complaint e-mail becomes a case and is worked to its end in the browser.

A real Dovecot mailbox holds a complaint mail to dossier+K-10001; the real mail-in port submits it, a real queue
worker indexes it and opens its case in the service queue (kundenservice-nord). In headless Chromium: jonas.weber
sees the dossier's open complaints (2: an older case and this one), finds the new case in the queue on
"Meine Aufgaben", claims it, captures and checks it; anna.schmidt (manager) decides on a credit note; jonas
answers and closes. The dossier's count drops by one, and the complaint document is closed."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from app import audit, cases
from core.settings import get_settings
from domain.principal import Principal
from intake.mailin import MailboxConfig, poll_once
from tests.e2e._cockpit import browser_login, customer, document, goto, index_all, make_app, severe_logs, shot
from tests.imap_server import DovecotServer
from tests.worker_proc import WorkerProc
from web.cli_intake import mail_submitter

pytestmark = pytest.mark.timeout(420)

MAILBOX = "dossier@example.com"


def complaint_mail(marker: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Einkauf Müller Bau <einkauf@mueller-bau.example>"
    msg["To"] = "Dossier <dossier+K-10001@example.com>"
    msg["Subject"] = f"Reklamation Ventile {marker}"
    msg["Message-ID"] = make_msgid(domain="mueller-bau.example")
    msg.set_content(
        "Guten Tag,\n\nhiermit reklamieren wir die Lieferung vom 2. Dezember: die Ventile DN50 sind undicht. "
        "Wir bitten um eine Gutschrift oder Ersatzlieferung.\n\nMüller Bau GmbH, Kundennummer K-10001\n"
    )
    return msg.as_bytes(policy=SMTP)


def by_id(id_: dict[str, str]) -> tuple[str, str]:
    """A pattern-matching Dash id as the DOM has it (keys sorted, compact JSON)."""
    return By.XPATH, f"//*[@id='{json.dumps(id_, sort_keys=True, separators=(',', ':'))}']"


def click(d: Any, el: Any) -> None:
    """Scroll the element to the middle of the window (the sticky header must not cover it), then click it."""
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    time.sleep(0.2)
    el.click()


def wait_for(what: Callable[[], Any], timeout: float, message: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(message)


def relogin(dash_duo: Any, base: str, user: str) -> None:
    d = dash_duo.driver
    d.delete_all_cookies()
    d.get(base + "/login")
    d.find_element(By.ID, "login-user").send_keys(user)
    d.find_element(By.ID, "login-password").send_keys("demo")
    d.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_element("#brand", timeout=30)


def open_complaints(dash_duo: Any, base: str) -> int:
    goto(dash_duo, base + "/dossier/C1", "#kpi-open-complaints", timeout=30)
    return int(dash_duo.find_element("#kpi-open-complaints .kpi-value").text.strip())


def complete(dash_duo: Any, ctx: Any, case_id: str, step: tuple[str, str], then: str,
             fields: dict[str, str] | None = None) -> None:  # fmt: skip
    """Fill the form of `step` (id, German label) — text fields by id, a choice by its label — complete it, and
    wait until the case stands in step `then`."""
    d = dash_duo.driver
    dash_duo.wait_for_contains_text("#case-form", step[1], timeout=30)
    for name, value in (fields or {}).items():
        if name == "choice":
            click(d, d.find_element(By.XPATH, f"//*[@id='case-form']//label[normalize-space()='{value}']"))
        else:
            d.find_element(*by_id({"field": name, "type": "case-field"})).send_keys(value)
    click(d, d.find_element(*by_id({"action": "complete", "type": "case-act"})))
    wait_for(lambda: cases.get_case(ctx, Principal.system(), case_id).step == then, 30,
             f"the step {step[0]} was not completed")  # fmt: skip


def test_a_complaint_mail_is_worked_to_its_end_in_the_browser(dash_duo, es, index_prefix, redis_url, artifacts_dir,
                                                               tmp_path):  # fmt: skip
    older = document("rek-alt", title="Reklamation Pumpe (älter)", text="Reklamation Pumpe defekt",
                     register="complaint", customers=(("C1", "Müller Bau GmbH"),))  # fmt: skip
    index_all(es, index_prefix, [customer("C1", "Müller Bau GmbH", "nord", number="K-10001")], [older])
    app = make_app(index_prefix, get_settings().archive_dir, es)
    ctx = app.server.extensions["app_context"]
    assert len(cases.open_for_new_documents(ctx, ["rek-alt"]).opened) == 1
    marker = uuid.uuid4().hex[:6]
    worker = WorkerProc(index_prefix, tmp_path / "worker.log").start()
    imap = DovecotServer(users=(MAILBOX,)).start()
    try:
        base = browser_login(dash_duo, app, "jonas.weber")  # first: the browser is not left idle while the mail runs
        user = imap.users[MAILBOX]
        with imap.client(MAILBOX) as c:
            c.append("INBOX", complaint_mail(marker))
        report = poll_once(MailboxConfig(tenant="nord", host=imap.host, port=imap.port, user=user.name,
                                         password=user.password), mail_submitter(ctx))  # fmt: skip
        assert (report.submitted, report.errors) == (1, [])
        system = Principal.system()
        new = wait_for(
            lambda: [c for c in cases.cases_of_customer(ctx, system, "C1") if "rek-alt" not in c.doc_ids],
            180, "the mail's case was not opened (see the worker log)",
        )[0]  # fmt: skip
        assert (new.department, new.step, new.assignee) == ("kundenservice-nord", "capture", None)

        assert open_complaints(dash_duo, base) == 2
        goto(dash_duo, base + "/aufgaben", ".tasks-page", timeout=30)
        dash_duo.wait_for_element_by_css_selector(".tasks-page table", timeout=30)
        claim = by_id({"action": "claim", "case": new.case_id, "type": "tasks-act"})
        click(dash_duo.driver, wait_for(lambda: dash_duo.driver.find_elements(*claim), 30, "not in the queue")[0])
        dash_duo.wait_for_element("#tasks-done", timeout=30)
        shot(dash_duo, artifacts_dir, "case-tasks")
        assert cases.get_case(ctx, system, new.case_id).assignee == "jonas.weber"

        goto(dash_duo, base + f"/fall/{new.case_id}", "#case-form", timeout=30)
        cid = new.case_id
        complete(dash_duo, ctx, cid, ("capture", "Erfassen"), "check")
        complete(dash_duo, ctx, cid, ("check", "Prüfen"), "decide", {"comment": "Lieferschein geprüft, DN50 betroffen"})
        relogin(dash_duo, base, "anna.schmidt")
        goto(dash_duo, base + f"/fall/{cid}", "#case-form", timeout=30)
        complete(dash_duo, ctx, cid, ("decide", "Entscheiden"), "answer", {"choice": "Gutschrift", "amount": "240,50"})
        relogin(dash_duo, base, "jonas.weber")
        goto(dash_duo, base + f"/fall/{cid}", "#case-form", timeout=30)
        complete(dash_duo, ctx, cid, ("answer", "Antworten"), "close", {"comment": "Gutschrift per E-Mail angekündigt"})
        complete(dash_duo, ctx, cid, ("close", "Abschließen"), "closed")
        shot(dash_duo, artifacts_dir, "case-closed")

        closed = cases.get_case(ctx, system, new.case_id)
        assert (closed.status, closed.decision) == ("closed", "credit_note")
        steps = [(e["step"], e["by"]) for e in closed.protocol if e["action"] == "completed"]
        assert steps == [("capture", "jonas.weber"), ("check", "jonas.weber"), ("decide", "anna.schmidt"),
                         ("answer", "jonas.weber"), ("close", "jonas.weber")]  # fmt: skip
        assert open_complaints(dash_duo, base) == 1
        shot(dash_duo, artifacts_dir, "case-dossier-after")
        assert severe_logs(dash_duo) == []
    finally:
        audit.flush(ctx)
        imap.close()
        worker.stop()
