"""The cockpit's Content-Security-Policy (issue 13) in headless Chromium: the pages still render (Dash renderer,
plotly charts, bootstrap icons) and the browser reports no CSP violation."""

from __future__ import annotations

from cockpit.auth import CSP
from tests.e2e._cockpit import browser_login, demo_app, goto, severe_logs


def test_pages_render_under_the_content_security_policy(dash_duo, demo_index, es):  # type: ignore[no-untyped-def]
    app = demo_app(demo_index, es)
    assert app.server.test_client().get("/login").headers["Content-Security-Policy"] == CSP
    base = browser_login(dash_duo, app, "anna.schmidt")
    dash_duo.wait_for_element("#home-latest", timeout=20)
    goto(dash_duo, base + "/dashboard", ".js-plotly-plot", timeout=40)
    goto(dash_duo, base + "/search?q=Rechnung", "#search-results article.hit", timeout=30)
    violations = [e for e in dash_duo.get_logs() if "Content Security Policy" in str(e.get("message"))]
    assert not violations, violations
    assert not severe_logs(dash_duo)
