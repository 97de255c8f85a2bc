"""The views and inbox pages in headless Chromium: sections with live counts, a view opened, the editor's
validation messages, saving, subscribing, and the inbox with its unread badge."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from app import notifications as notes
from app.users import hash_password
from cockpit.app import create_app
from domain.principal import Principal
from tests.helpers import app_context, index_customers, index_documents, make_customer, make_doc, records, repo
from views.seed import seed_examples, seed_id

PASSWORD = "views-e2e-pw"


@pytest.fixture()
def world(es, index_prefix, tmp_path):
    today = dt.date.today()
    index_customers(es, index_prefix, [
        make_customer("K1", account_manager="anna.test", department="vertrieb-nord", name="Nordwind GmbH"),
        make_customer("K2", account_manager="ben.test", department="service-nord", name="Küstenbau AG"),
    ])  # fmt: skip
    index_documents(es, index_prefix, [
        make_doc("c1", register="complaint", customer_ids=["K1"], customer_names=["Nordwind GmbH"],
                 doc_date=today.isoformat(), title="Reklamation Pumpe"),
        make_doc("c2", register="complaint", customer_ids=["K2"], customer_names=["Küstenbau AG"],
                 doc_date=(today - dt.timedelta(days=3)).isoformat(), title="Reklamation Ventil"),
        make_doc("i1", register="invoice", customer_ids=["K1"], customer_names=["Nordwind GmbH"],
                 doc_date=(today - dt.timedelta(days=20)).isoformat(), title="Rechnung 4711", status="open"),
        make_doc("o1", register="order", customer_ids=["K1"], customer_names=["Nordwind GmbH"],
                 doc_date=(today - dt.timedelta(days=30)).isoformat(), title="Auftrag 1"),
    ])  # fmt: skip
    seed_examples(repo(es, index_prefix), records(es, index_prefix), tenants=["nord"])
    pw = hash_password(PASSWORD)
    users = tmp_path / "users.toml"
    users.write_text(
        "\n".join(
            f'[[users]]\nlogin = "{login}"\nname = "{name}"\npassword_hash = "{pw}"\ntenants = ["nord"]\n'
            f'roles = ["{role}"]\ngroups = ["all"]\ndepartment = "{dept}"\nemail = "{login}@example.org"\n'
            for login, name, role, dept in (("anna.test", "Anna Test", "analyst", "vertrieb-nord"),
                                            ("ben.test", "Ben Test", "agent", "service-nord"))
        ),
        encoding="utf-8",
    )  # fmt: skip
    return {"prefix": index_prefix, "users_file": users}


def login(dash_duo, name: str) -> None:
    dash_duo.driver.get(dash_duo.server.url + "/login")
    dash_duo.wait_for_element("#login-user", timeout=20).send_keys(name)
    dash_duo.find_element("#login-password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#main-nav", timeout=30)


def go(dash_duo, path: str, selector: str, timeout: int = 30):
    dash_duo.driver.get(dash_duo.server.url + path)
    return dash_duo.wait_for_element(selector, timeout=timeout)


def counts(dash_duo) -> dict[str, str]:
    out = {}
    for item in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".view-item"):
        name = item.find_element(By.CSS_SELECTOR, ".view-name").text
        out[name] = item.find_element(By.CSS_SELECTOR, ".view-count").get_attribute("data-count")
    return out


def test_views_and_inbox_pages(dash_duo, es, world, artifacts_dir):
    app = create_app(index_prefix=world["prefix"], users_file=world["users_file"], es=es, warm_up=False,
                     cache_config={"CACHE_TYPE": "NullCache"})  # fmt: skip
    dash_duo.start_server(app, navigate=False)  # "/" redirects to the login page: no Dash entry point there
    dash_duo._url = dash_duo.server.url
    login(dash_duo, "anna.test")

    # overview: sections and live counts
    go(dash_duo, "/views", "#views-overview")
    c = counts(dash_duo)
    assert c["Reklamationen der letzten 14 Tage"] == "2"
    assert c["Offene Rechnungen meiner Kunden"] == "1"
    assert c["Aufträge dieses Kunden in den letzten 3 Monaten"] == ""  # runs on the dossier cover
    dash_duo.driver.save_screenshot(str(artifacts_dir / "views-overview.png"))

    # one view opened
    go(dash_duo, f"/views?view={seed_id('nord', 'complaints-14d')}", "#views-table")
    rows = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#views-table tbody tr")
    assert [r.get_attribute("data-doc-id") for r in rows] == ["c1", "c2"]
    assert "Reklamation Pumpe" in rows[0].text and "Nordwind GmbH" in rows[0].text
    # a dossier view inside a dossier
    go(dash_duo, f"/views?view={seed_id('nord', 'customer-orders-3m')}&customer=K1", "#views-total")
    assert dash_duo.find_element("#views-total").get_attribute("data-total") == "1"

    # the editor: invalid dates are refused with a clear message, a valid view is saved
    go(dash_duo, "/views?new=1", "#views-ed-name")
    dash_duo.find_element("#views-ed-name").send_keys("Reklamationen Februar")
    Select(dash_duo.find_element("#views-ed-date-kind")).select_by_value("between")
    dash_duo.find_element("#views-ed-start").send_keys("2026-02-31")
    dash_duo.find_element("#views-ed-end").send_keys("2026-03-01")
    dash_duo.find_element("#views-ed-save").click()
    dash_duo.wait_for_contains_text("#views-ed-error", "February 2026 has 28 days", timeout=20)
    start = dash_duo.find_element("#views-ed-start")
    start.clear()
    start.send_keys("2026-03-05")
    dash_duo.find_element("#views-ed-save").click()
    dash_duo.wait_for_contains_text("#views-ed-error", "before the start date", timeout=20)
    Select(dash_duo.find_element("#views-ed-date-kind")).select_by_value("last")
    n = dash_duo.find_element("#views-ed-n")
    n.clear()
    n.send_keys("7")
    dash_duo.find_element("#views-ed-sharing input[value='tenant']").click()
    dash_duo.find_element("#views-ed-save").click()
    dash_duo.wait_for_element("#views-detail", timeout=30)
    assert dash_duo.find_element("#views-name").text == "Reklamationen Februar"
    assert dash_duo.find_element("#views-total").get_attribute("data-total") == "2"  # c1, c2; i1 and o1 are older

    # subscribe to the complaints view, then a new document arrives
    go(dash_duo, f"/views?view={seed_id('nord', 'complaints-14d')}", "#views-sub")
    Select(dash_duo.find_element("#views-sub")).select_by_value("immediate")
    dash_duo.wait_for_contains_text("#views-sub-status", "Sofort", timeout=20)
    index_documents(es, world["prefix"], [make_doc("c3", register="complaint", customer_ids=["K1"],
                                                   doc_date=dt.date.today().isoformat(), title="Reklamation Lager")])  # fmt: skip
    ctx = app_context(es, world["prefix"], users_file=world["users_file"])
    report = notes.after_ingest(ctx, ["c3"], send=False)
    assert report.notifications_created == 1

    go(dash_duo, "/inbox", "#inbox-list")
    assert dash_duo.find_element("#inbox-unread").get_attribute("data-unread") == "1"
    dash_duo.wait_for_text_to_equal("#nav-inbox-badge", "1", timeout=20)  # the header's unread badge
    assert "Reklamation Lager" in dash_duo.find_element("#inbox-list").text
    dash_duo.driver.save_screenshot(str(artifacts_dir / "views-inbox.png"))
    dash_duo.find_element("#inbox-mark-all").click()
    deadline = time.time() + 20
    while time.time() < deadline:
        if dash_duo.find_element("#inbox-unread").get_attribute("data-unread") == "0":
            break
        time.sleep(0.3)
    assert dash_duo.find_element("#inbox-unread").get_attribute("data-unread") == "0"
    assert notes.unread_count(ctx, Principal("anna.test", frozenset({"nord"}), frozenset({"all"}))) == 0
    go(dash_duo, "/views", "#views-overview")
    dash_duo.wait_for_text_to_equal("#nav-inbox-badge", "", timeout=20)

    # ben (an agent) sees the tenant-wide view read-only and cannot open anna's private ones
    dash_duo.driver.delete_all_cookies()
    login(dash_duo, "ben.test")
    go(dash_duo, f"/views?view={seed_id('nord', 'complaints-14d')}", "#views-detail")
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#views-edit")
    assert dash_duo.get_logs() == []
