"""Hostile document content renders inert; the review queue files a document in two clicks.

Both write to Elasticsearch, so they use a fresh `index_prefix` with the project mapping and a tiny corpus.
"""

from __future__ import annotations

import time

from selenium.webdriver.common.by import By

from indexing.schema import alias_name
from tests.e2e._cockpit import (
    browser_login,
    customer,
    document,
    goto,
    index_all,
    make_app,
    pick_option,
    severe_logs,
    shot,
)

EVIL_TITLE = 'Rechnung <script>window.__xss = "title"</script>'
EVIL_TEXT = (
    "Sehr geehrte Damen und Herren,\n\n"
    "<script>window.__xss = 'script';</script>\n"
    '<img src="x" onerror="window.__xss = \'img\'">\n'
    "<a href=\"javascript:window.__xss='link'\">klick</a>\n"
    "Rechnung RE-2026-0042 ist offen.\n"
)


def test_script_and_img_onerror_in_a_document_stay_inert(dash_duo, es, index_prefix, tmp_path, artifacts_dir):
    index_all(
        es,
        index_prefix,
        [customer("C1", "Müller <b>Bau</b> GmbH", "nord")],
        [
            document(
                "evil1",
                title=EVIL_TITLE,
                text=EVIL_TEXT,
                customers=(("C1", "Müller <b>Bau</b> GmbH"),),
                subject="<img src=x onerror=\"window.__xss='subject'\">",
            )
        ],  # fmt: skip
    )
    app = make_app(index_prefix, tmp_path / "archive", es)
    base = browser_login(dash_duo, app, "anna.schmidt")

    goto(dash_duo, base + "/document/evil1?q=Rechnung%20script%20onerror", "#document-text")
    text_el = dash_duo.find_element("#document-text")
    assert "<script>window.__xss = 'script';</script>" in text_el.text
    assert "onerror=" in text_el.text
    assert text_el.find_elements(By.CSS_SELECTOR, "img, script, a") == []
    assert text_el.find_elements(By.CSS_SELECTOR, "mark")  # the query terms are marked as components
    assert "<script>" in dash_duo.find_element("#document-title").text
    shot(dash_duo, artifacts_dir, "cockpit-xss-document")

    goto(dash_duo, base + "/search?q=Rechnung&mode=keyword", "#search-results article.hit")
    hit = dash_duo.find_element("#search-results article.hit")
    assert "<script>" in hit.text and hit.find_elements(By.CSS_SELECTOR, "script, img") == []
    goto(dash_duo, base + "/dossier/C1", "#dossier-name")
    assert dash_duo.find_element("#dossier-name").text == "Müller <b>Bau</b> GmbH"
    shot(dash_duo, artifacts_dir, "cockpit-xss-search-dossier", full=False)

    time.sleep(0.5)
    assert dash_duo.driver.execute_script("return window.__xss === undefined")
    assert severe_logs(dash_duo) == []


def test_review_queue_files_a_document_in_two_clicks(dash_duo, es, index_prefix, tmp_path, artifacts_dir):
    index_all(
        es,
        index_prefix,
        [customer("C1", "Müller Bau GmbH", "nord"), customer("C2", "Maier Anlagen GmbH", "nord")],
        [
            document(
                "r1",
                title="Anfrage Müller",
                text="Bitte um Rückruf wegen der Lieferung",
                register="review",
                customers=(),
                filing_status="review",
                candidates=("C1", "C2"),
                suggested="correspondence",
            ),  # fmt: skip
            document(
                "r2",
                title="Telefonnotiz",
                text="Anruf",
                register="review",
                customers=(),
                filing_status="review",
                suggested="correspondence",
            ),  # fmt: skip
        ],
    )
    app = make_app(index_prefix, tmp_path / "archive", es)
    base = browser_login(dash_duo, app, "anna.schmidt")
    goto(dash_duo, base + "/review", ".review-item")
    shot(dash_duo, artifacts_dir, "cockpit-review")

    # click 1: the register (preselected "Korrespondenz"; change it to "Aufträge"); click 2: the candidate
    item = dash_duo.find_element("[id*='\"doc\":\"r1\"'][id*='review-item']")
    item.find_element(By.CSS_SELECTOR, ".review-register").click()
    pick_option(dash_duo, "Aufträge")
    buttons = item.find_elements(By.CSS_SELECTOR, ".candidate-btn")
    next(b for b in buttons if "Maier Anlagen GmbH" in b.text).click()
    done = dash_duo.wait_for_element(".review-done", timeout=15)
    assert "Maier Anlagen GmbH" in done.text and "Aufträge" in done.text
    shot(dash_duo, artifacts_dir, "cockpit-review-filed", full=False)

    src = es.get(index=alias_name(index_prefix, "documents"), id="r1")["_source"]
    assert src["customer_ids"] == ["C2"] and src["register"] == "order" and src["filing"]["status"] == "manual"
    assert src["filing"]["reasons"][-1] == "manuell zugeordnet von anna.schmidt"

    # the other document: find a customer with the autocomplete box, then "Zuordnen"
    item2 = dash_duo.find_element("[id*='\"doc\":\"r2\"'][id*='review-item']")
    trigger = item2.find_element(By.CSS_SELECTOR, ".review-customer")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", trigger)
    time.sleep(0.3)
    trigger.click()
    popover = dash_duo.driver.find_element(By.ID, trigger.get_attribute("aria-controls"))
    popover.find_element(By.CSS_SELECTOR, "input").send_keys("Mül")
    pick_option(dash_duo, "Müller Bau GmbH")
    assign = item2.find_element(By.CSS_SELECTOR, "button.btn-primary")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", assign)
    assign.click()
    dash_duo.wait_for_element('[id*=\'"doc":"r2"\'] .review-done', timeout=15)
    assert es.get(index=alias_name(index_prefix, "documents"), id="r2")["_source"]["customer_ids"] == ["C1"]

    # the queue is empty now
    goto(dash_duo, base + "/review", "#review-empty")
    assert severe_logs(dash_duo) == []
