"""The cockpit in headless Chromium against the ingested demo corpus: what a customer-service agent does.

Log in, search from the header, click a facet, group by customer, open a dossier, switch a register tab,
open a document, download its original; find a customer with the autocomplete; switch to English. Every page
is kept as a screenshot in test-artifacts/ (1366×768 and tablet 768×1024). No request may fail in the
browser (no CDN, no missing asset): the console log must stay free of errors.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from indexing.schema import alias_name
from tests.e2e._cockpit import browser_login, demo_app, goto, pick_option, severe_logs, shot


def wait_url(dash_duo, fragment: str, timeout: float = 20) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        url = dash_duo.driver.current_url
        if fragment in url:
            return url
        time.sleep(0.1)
    raise AssertionError(f"URL never contained {fragment!r}: {dash_duo.driver.current_url}")


def click(dash_duo, css: str, timeout: float = 15) -> None:
    el = dash_duo.wait_for_element(css, timeout=timeout)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    el.click()


def test_agent_journey_search_facet_group_dossier_document_download(dash_duo, demo_index, es, artifacts_dir):
    app = demo_app(demo_index, es)
    base = browser_login(dash_duo, app, "anna.schmidt")
    dash_duo.wait_for_element("#home-latest", timeout=20)
    shot(dash_duo, artifacts_dir, "cockpit-01-home")

    # global search box in the header
    box = dash_duo.find_element("#header-q")
    box.send_keys("Rechnung", Keys.ENTER)
    wait_url(dash_duo, "/search?q=Rechnung")
    dash_duo.wait_for_element("#search-results article.hit", timeout=30)
    assert dash_duo.find_element("#search-q").get_attribute("value") == "Rechnung"
    shot(dash_duo, artifacts_dir, "cockpit-02-search")

    # a facet click (multi-select checkbox link) narrows the list and lands in the URL
    row = dash_duo.wait_for_element(".facet-row[data-facet='register']")
    register = row.get_attribute("data-value")
    row.find_element(By.CSS_SELECTOR, "a").click()
    wait_url(dash_duo, f"f.register={register}")
    dash_duo.wait_for_element(f".facet-row[data-facet='register'][data-value='{register}'][aria-checked='true']")
    shot(dash_duo, artifacts_dir, "cockpit-03-search-facet")

    # group by customer from the toolbar menu; the facet stays selected
    click(dash_duo, "#search-group .dropdown-toggle")
    items = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#search-group .dropdown-item")
    next(i for i in items if i.text.strip() == "Kunde").click()
    url = wait_url(dash_duo, "group=customer")
    assert parse_qs(urlsplit(url).query)["f.register"] == [register]
    dash_duo.wait_for_element("details.group[open]", timeout=20)
    shot(dash_duo, artifacts_dir, "cockpit-04-search-grouped")

    # the group's "open dossier" link
    click(dash_duo, ".group-links a[href^='/dossier/']")
    wait_url(dash_duo, "/dossier/")
    dash_duo.wait_for_element("#dossier-name", timeout=20)
    dash_duo.wait_for_element("#dossier-timeline .main-svg", timeout=20)
    shot(dash_duo, artifacts_dir, "cockpit-05-dossier")

    # switch to a register tab: its document list shows
    tabs = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#dossier-tabs .nav-link")
    assert len(tabs) >= 2 and "Übersicht" in tabs[0].text
    tabs[1].click()
    pane = dash_duo.wait_for_element(".tab-pane.active [id^='register-list-']", timeout=10)
    WebDriverWait(dash_duo.driver, 10).until(lambda _d: pane.is_displayed())  # the tab fades in
    shot(dash_duo, artifacts_dir, "cockpit-06-dossier-register-tab")

    # open a document from the register list
    link = pane.find_element(By.CSS_SELECTOR, "a.hit-title")
    link.click()
    url = wait_url(dash_duo, "/document/")
    doc_id = urlsplit(url).path.rsplit("/", 1)[-1]
    dash_duo.wait_for_element("#document-title", timeout=20)
    dash_duo.wait_for_element("#similar-list, #document-similar p", timeout=20)
    shot(dash_duo, artifacts_dir, "cockpit-07-document")

    # download the original: the browser saves exactly the archived bytes
    download_dir = Path(dash_duo.download_path)
    click(dash_duo, "#document-download")
    deadline = time.time() + 20
    files: list[Path] = []
    while time.time() < deadline:
        files = [p for p in download_dir.iterdir() if not p.name.endswith(".crdownload")]
        if files:
            break
        time.sleep(0.2)
    assert files, "no file was downloaded"
    src = es.get(index=alias_name(demo_index["prefix"], "documents"), id=doc_id)["_source"]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == src["content_sha256"]

    # customer finder with autocomplete in the header
    name = es.search(index=alias_name(demo_index["prefix"], "customers"), query={"term": {"tenant": "nord"}}, size=1)[
        "hits"
    ]["hits"][0]["_source"]["name"]
    click(dash_duo, "#customer-finder")
    popover = dash_duo.driver.find_element(
        By.ID, dash_duo.find_element("#customer-finder").get_attribute("aria-controls")
    )
    popover.find_element(By.CSS_SELECTOR, "input").send_keys(name[:5])
    dash_duo.wait_for_element(".dash-dropdown-option", timeout=15)
    shot(dash_duo, artifacts_dir, "cockpit-08-customer-finder", full=False)
    pick_option(dash_duo, name[:5])
    wait_url(dash_duo, "/dossier/")
    dash_duo.wait_for_element("#dossier-name", timeout=20)

    # English switch (the whole UI, kept in the session)
    click(dash_duo, "#lang-switch")
    dash_duo.wait_for_text_to_equal("#nav-search", "Search", timeout=20)
    assert "customer dossier" in dash_duo.find_element(".dossier-title").text.lower()
    shot(dash_duo, artifacts_dir, "cockpit-09-dossier-english")
    goto(dash_duo, base + "/lang/de?next=/", "#home-latest")

    assert severe_logs(dash_duo) == [], "the browser logged errors (failed requests?)"


def test_every_page_at_tablet_width_fits_without_sideways_scrolling(dash_duo, demo_index, es, artifacts_dir):
    app = demo_app(demo_index, es)
    base = browser_login(dash_duo, app, "anna.schmidt", size=(768, 1024))
    prefix = demo_index["prefix"]
    cid = es.search(index=alias_name(prefix, "customers"), query={"term": {"tenant": "nord"}}, size=1)["hits"]["hits"][
        0
    ]["_source"]["customer_id"]
    doc = es.search(index=alias_name(prefix, "documents"), query={"bool": {"filter": [{"term": {"tenant": "nord"}},
                    {"term": {"acl_groups": "all"}}]}}, size=1)["hits"]["hits"][0]["_id"]  # fmt: skip
    pages = [
        ("/", "#home-latest", "home"),
        ("/search?q=Rechnung&mode=keyword", "#search-results", "search"),
        ("/search?mode=keyword&group=register", "details.group", "search-grouped"),
        (f"/dossier/{cid}", "#dossier-name", "dossier"),
        (f"/document/{doc}?q=Rechnung", "#document-title", "document"),
        ("/review", ".review-page", "review"),
    ]
    for size in ((768, 1024), (1366, 768)):
        dash_duo.driver.set_window_size(*size)
        for path, css, name in pages:
            goto(dash_duo, base + path, css)
            time.sleep(0.6)
            overflow = dash_duo.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} at {size[0]} px scrolls sideways by {overflow} px"
            # nothing in the header may overlap: the search bar sits below the top bar
            top = dash_duo.driver.execute_script(
                "return document.querySelector('.topbar').getBoundingClientRect().bottom"
            )
            bar = dash_duo.driver.execute_script(
                "return document.querySelector('.searchbar').getBoundingClientRect().top"
            )
            assert bar >= top - 1
            shot(dash_duo, artifacts_dir, f"cockpit-{name}-{size[0]}")
    assert severe_logs(dash_duo) == []


def test_bad_input_gets_a_friendly_page(dash_duo, demo_index, es, artifacts_dir):
    app = demo_app(demo_index, es)
    base = browser_login(dash_duo, app, "anna.schmidt")
    prefix = demo_index["prefix"]
    sued_doc = es.search(index=alias_name(prefix, "documents"), query={"term": {"tenant": "sued"}}, size=1)["hits"][
        "hits"
    ][0]["_id"]
    sued_cust = es.search(index=alias_name(prefix, "customers"), query={"term": {"tenant": "sued"}}, size=1)["hits"][
        "hits"
    ][0]["_source"]["customer_id"]

    texts = {}
    for name, path in [("unknown-customer", "/dossier/C00000"), ("other-tenant-customer", f"/dossier/{sued_cust}"),
                       ("unknown-document", "/document/ffffffffffffffffffffffffffffffff"),
                       ("other-tenant-document", f"/document/{sued_doc}"), ("unknown-page", "/what/ever")]:  # fmt: skip
        el = goto(dash_duo, base + path, "#not-found")
        texts[name] = el.text
        shot(dash_duo, artifacts_dir, f"cockpit-bad-{name}", full=False)
    assert texts["unknown-customer"] == texts["other-tenant-customer"]
    assert texts["unknown-document"] == texts["other-tenant-document"]
    assert "Nicht gefunden" in texts["unknown-page"]

    goto(dash_duo, base + "/search?mode=fuzzy&page=abc&sort=up&group=x&f.nope=1", "#page-messages")
    msgs = dash_duo.find_element("#page-messages").text
    assert "Suchart" in msgs and "Seitenzahl" in msgs
    dash_duo.wait_for_element("#search-results article.hit")
    shot(dash_duo, artifacts_dir, "cockpit-bad-params", full=False)

    goto(dash_duo, base + "/search?mode=keyword&q=" + "Lieferung%20" * 1500, "#page-messages")
    assert "gekürzt" in dash_duo.find_element("#page-messages").text
    shot(dash_duo, artifacts_dir, "cockpit-bad-long-query", full=False)
    assert "Traceback" not in dash_duo.driver.page_source
    assert severe_logs(dash_duo) == []
