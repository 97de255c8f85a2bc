"""The audit page and the document's "Verlauf" card in headless Chromium: a compliance officer filters the trail
by a document and finds its entries; an administrator sees who added and viewed a document on its page."""

from __future__ import annotations

import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from app import audit
from domain.principal import Principal
from tests.e2e._cockpit import browser_login, customer, document, index_all, make_app, severe_logs, shot


def click(dash_duo, css: str, timeout: float = 15) -> None:
    """A real click: scrolled into view, the mouse moved there first."""
    el = dash_duo.wait_for_element(css, timeout=timeout)
    d = dash_duo.driver
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    time.sleep(0.2)
    ActionChains(d).move_to_element_with_offset(el, 1, 1).pause(0.1).move_to_element(el).pause(0.2).click().perform()


def login_as(dash_duo, base: str, user: str) -> None:
    d = dash_duo.driver
    d.delete_all_cookies()
    d.get(base + "/login")
    dash_duo.wait_for_element("#login-user", timeout=20).send_keys(user)
    d.find_element(By.ID, "login-password").send_keys("demo")
    d.find_element(By.ID, "login-submit").click()
    dash_duo.wait_for_element("#brand", timeout=30)


def test_compliance_filters_the_trail_by_document_and_admin_sees_the_history(dash_duo, es, index_prefix, tmp_path,
                                                                               artifacts_dir):  # fmt: skip
    index_all(es, index_prefix, [customer("C1", "Müller Bau GmbH", "nord")], [
        document("a1", title="Rechnung RE-77", text="Rechnung über Pumpen"),
        document("a2", title="Angebot AN-5", text="Angebot Ventile", register="offer"),
    ])  # fmt: skip
    app = make_app(index_prefix, tmp_path / "archive", es)
    ctx = app.server.extensions["app_context"]
    ctx.audit_anchor_dir = tmp_path / "anchors"
    lena = ctx.directory.get("lena.hoffmann")
    audit.record(ctx, "ingest", Principal.system(), wait=True, tenant="nord", doc_id="a1", owner_login="jonas.weber",
                 channel="mail", file="RE-77.pdf", outcome="indexed")  # fmt: skip
    audit.record(ctx, "download_original", lena, wait=True, tenant="nord", doc_id="a1")
    audit.record(ctx, "view_document", lena, wait=True, tenant="nord", doc_id="a2")

    base = browser_login(dash_duo, app, "clara.vogt")
    d = dash_duo.driver
    assert d.find_elements(By.ID, "nav-audit") and d.find_elements(By.ID, "nav-search")
    assert not d.find_elements(By.ID, "nav-review")  # compliance does not work the review queue
    assert d.find_elements(By.ID, "nav-retention")  # the retention page (Aufbewahrung)
    click(dash_duo, "#nav-audit")
    dash_duo.wait_for_element("#audit-table .audit-row", timeout=30)
    assert len(d.find_elements(By.CSS_SELECTOR, "#audit-table .audit-row")) >= 3
    dash_duo.wait_for_element("#audit-doc").send_keys("a1")
    click(dash_duo, "#audit-apply")
    dash_duo.wait_for_contains_text("#audit-summary", "2 Einträge", timeout=30)
    assert "doc=a1" in d.current_url
    table = dash_duo.find_element("#audit-table").text
    assert "Original heruntergeladen" in table and "Indexiert" in table and "lena.hoffmann" in table
    assert "a2" not in table.split()
    shot(dash_duo, artifacts_dir, "audit-page")

    login_as(dash_duo, base, "admin")
    d.get(base + "/document/a1")
    dash_duo.wait_for_element("#document-history .history-event", timeout=30)
    card = dash_duo.find_element("#document-history").text
    assert "Verlauf" in card and "Hinzugefügt" in card and "jonas.weber" in card and "RE-77.pdf" in card
    assert "Heruntergeladen" in card
    shot(dash_duo, artifacts_dir, "document-history")
    click(dash_duo, "#history-audit-link")
    dash_duo.wait_for_contains_text("#audit-summary", "Einträge", timeout=30)
    assert "doc=a1" in d.current_url
    shot(dash_duo, artifacts_dir, "audit-from-document")
    assert severe_logs(dash_duo) == []
