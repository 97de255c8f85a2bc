"""The placeholder cockpit page loads in headless Chromium and shows the doctor's report."""

from __future__ import annotations

from cockpit.app import create_app


def test_status_page_shows_component_report(dash_duo, es_endpoint, redis_url, artifacts_dir):
    app = create_app()
    dash_duo.start_server(app)
    dash_duo.wait_for_text_to_equal(".navbar-brand", "Dossier Cockpit", timeout=10)
    dash_duo.wait_for_contains_text("#status-table", "Elasticsearch", timeout=120)
    table = dash_duo.find_element("#status-table").text
    assert "Redis" in table and "Tesseract" in table
    dash_duo.driver.save_screenshot(str(artifacts_dir / "status-page.png"))
    assert dash_duo.get_logs() == []
