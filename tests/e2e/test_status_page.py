"""The system status page (administrators) loads in headless Chromium and shows the doctor's report."""

from __future__ import annotations

from tests.e2e._cockpit import browser_login, goto, make_app, severe_logs, shot


def test_status_page_shows_component_report(dash_duo, es, index_prefix, redis_url, artifacts_dir, tmp_path):
    app = make_app(index_prefix, tmp_path / "archive", es)
    base = browser_login(dash_duo, app, "admin")
    dash_duo.wait_for_text_to_equal(".brand", "Dossier Cockpit", timeout=10)
    goto(dash_duo, base + "/status", "#status-table")
    dash_duo.wait_for_contains_text("#status-table", "Elasticsearch", timeout=120)
    table = dash_duo.find_element("#status-table").text
    assert "Redis" in table and "Tesseract" in table
    shot(dash_duo, artifacts_dir, "status-page")
    assert severe_logs(dash_duo) == []


def test_status_page_is_closed_to_other_roles(dash_duo, es, index_prefix, tmp_path):
    app = make_app(index_prefix, tmp_path / "archive", es)
    base = browser_login(dash_duo, app, "jonas.weber")
    goto(dash_duo, base + "/status", "#status-denied")
    assert not dash_duo.driver.find_elements("css selector", "#nav-status")
