"""/dashboard and the dossier cover's dashboard section in headless Chromium.

For every kind of panel (weekly bars, stacked bars, a pie, horizontal bars, the response-time figures, the quiet
customers' table) a click opens the search page (or the dossier), and the search page's hit count equals the
number the panel showed for that bar. Screenshots at 1366×768 and 820×1180 (test-artifacts/)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from tests.e2e._cockpit import browser_login, make_app, severe_logs, shot
from tests.helpers import index_customers, index_documents
from tests.integration.test_dashboards import world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# the hand-built world of the integration test, shifted to today: its "now" is 2026-12-07
SHIFT_FIELDS = ("doc_date", "received_at", "indexed_at")


def shifted(docs: list[dict], days: int) -> list[dict]:
    import datetime as dt

    out = []
    for d in docs:
        d = dict(d)
        for f in SHIFT_FIELDS:
            v = d.get(f)
            if v:
                if len(v) == 10:
                    d[f] = (dt.date.fromisoformat(v) + dt.timedelta(days=days)).isoformat()
                else:
                    d[f] = (dt.datetime.fromisoformat(v.replace("Z", "+00:00")) + dt.timedelta(days=days)).isoformat()
        if d.get("doc_date"):
            d["year_month"] = d["doc_date"][:7]
        out.append(d)
    return out


@pytest.fixture()
def app(es, index_prefix):
    import datetime as dt

    docs, customers = world()
    days = (dt.date.today() - dt.date(2026, 12, 7)).days
    for c in customers:  # the demo users' tenant and names: anna.schmidt is a manager of "nord"
        c["name"] = {"K1": "Nordwind <b>GmbH</b>", "K2": "Küstenbau AG"}.get(c["customer_id"], c["name"])
    index_customers(es, index_prefix, customers)
    index_documents(es, index_prefix, shifted(docs, days))
    return make_app(index_prefix, None, es)


def wait_for(dash_duo, css: str, timeout: float = 20):
    return dash_duo.wait_for_element(css, timeout=timeout)


def test_every_panel_kind_drills_down_to_its_number(dash_duo, app, artifacts_dir):
    base = browser_login(dash_duo, app)
    cases = [
        "#panel-complaints_weekly .point path",  # weekly bars (the spike week is the biggest)
        "#panel-complaints_open_age .point path",
        "#panel-volume_register .point path",  # stacked bars
        "#panel-volume_language .slice path.surface",  # a pie slice
        "#panel-revenue_top .point path",  # horizontal bars, per currency
        "#panel-complaint_rate_top .point path",
        "#panel-revenue_segment .point path",
        "#panel-filing_weekly .point path",  # weeks of arrival (indexed_at, Berlin weeks)
    ]
    checked = 0
    for selector in cases:
        d = dash_duo.driver
        d.get(base + "/dashboard?period=365d")
        wait_for(dash_duo, "#dash-section-complaints .js-plotly-plot")
        time.sleep(0.5)
        els = d.find_elements(By.CSS_SELECTOR, selector)
        # bars that stand for documents, the biggest first (a real mouse click on a 2-pixel bar is a lottery)
        order = sorted(range(len(els)), key=lambda i: -(els[i].rect["height"] * els[i].rect["width"]))
        got = None
        for idx in order:
            got = _try(dash_duo, base, selector, idx)
            if got is not None:
                break
        assert got is not None, selector
        expected, total = got
        assert expected == total, (selector, expected, total)
        checked += 1
    assert checked == len(cases)
    # the response-time panel links its complaints; the quiet customers' table links the dossiers
    dash_duo.driver.get(base + "/dashboard")
    shown = int(wait_for(dash_duo, "#panel-complaint_response .dash-drill-count").get_attribute("data-count"))
    _click(dash_duo, "#panel-complaint_response a.dash-drill")
    assert int(wait_for(dash_duo, "#search-summary [data-total]").get_attribute("data-total")) == shown
    dash_duo.driver.get(base + "/dashboard")
    wait_for(dash_duo, "#panel-quiet_customers a")
    _click(dash_duo, "#panel-quiet_customers a")
    wait_for(dash_duo, "#dossier-name")
    # the weekly e-mail of this dashboard, with the filters on screen
    dash_duo.driver.get(base + "/dashboard?period=90d&segment=A")
    _click(dash_duo, "#dash-digest")
    dash_duo.wait_for_contains_text("#dash-digest-status", "Abonniert", timeout=15)
    dash_duo.driver.get(base + "/dashboard")
    dash_duo.wait_for_contains_text("#dash-digest", "abbestellen", timeout=15)
    assert severe_logs(dash_duo) == []


def _click(dash_duo, css: str) -> None:
    el = dash_duo.driver.find_element(By.CSS_SELECTOR, css)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    time.sleep(0.3)
    dash_duo.driver.execute_script("arguments[0].click()", el)


def _try(dash_duo, base: str, selector: str, idx: int) -> tuple[int, int] | None:
    """Hover and click one bar / slice with the real mouse; (the panel's count for it, the search's hit count)."""
    d = dash_duo.driver
    el = d.find_elements(By.CSS_SELECTOR, selector)[idx]
    count = d.execute_script(
        "const el = arguments[0]; const trace = el.closest('.trace').__data__[0].trace;"
        "const c = (trace.customdata || [])[el.__data__.i]; return c && c[0] ? c[1] : null;",
        el,
    )
    if not count:
        return None
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    time.sleep(0.3)
    # plotly finds the point under the mouse from mouse moves (a first move only arms its hover throttle)
    # a donut's middle is its hole: aim at the ring (the world's documents are all German: one full slice)
    dy = -int(el.rect["height"] / 2) + 12 if "slice" in selector else 0
    ActionChains(d).move_to_element_with_offset(el, -3, dy - 3).pause(0.2).move_to_element_with_offset(el, 0, dy).pause(
        0.4
    ).click().perform()
    try:
        total = wait_for(dash_duo, "#search-summary [data-total]", 30).get_attribute("data-total")
    except TimeoutException:
        d.save_screenshot(str(ARTIFACTS / "dashboard-click-failed.png"))
        raise AssertionError(f"{selector}[{idx}] {el.rect} did not open the search; url {d.current_url}") from None
    return int(count), int(total)


@pytest.mark.parametrize("size", [(1366, 768), (820, 1180)])
def test_dashboard_and_dossier_section_screens(dash_duo, app, artifacts_dir, size):
    base = browser_login(dash_duo, app, size=size)
    d = dash_duo.driver
    d.get(base + "/dashboard?period=bogus&segment=A&o.nope=1")
    wait_for(dash_duo, "#dash-section-complaints")
    alert = d.find_element(By.CSS_SELECTOR, ".alert").text
    assert "period" in alert  # an invalid value is named, the defaults apply
    assert not d.find_elements(By.CSS_SELECTOR, "#panel-revenue_top b")  # a name is text, never markup
    shot(dash_duo, artifacts_dir, f"dashboard-{size[0]}x{size[1]}")
    d.get(base + "/dossier/K1")
    wait_for(dash_duo, "#dossier-dashboard #panel-revenue_monthly")
    shot(dash_duo, artifacts_dir, f"dossier-dashboard-{size[0]}x{size[1]}")
    d.get(base + "/dashboard?period=custom&from=2001-01-01&to=2001-02-01")
    wait_for(dash_duo, ".dash-empty")
    assert severe_logs(dash_duo) == []
