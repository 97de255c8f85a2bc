"""Dashboard drill-downs and the dashboard's own URL state (pure).

`drill_href` turns an `app.dashboard_model.Drill` into the link a click opens: the search page with exactly
that filter state (its hit count is the panel's number), a dossier, or the status page.

The dashboard's own URL state is `app.dashboard_urls` (re-exported here for the pages).
"""

from __future__ import annotations

from urllib.parse import quote

from app.dashboard_model import DashboardRequest, Drill
from app.dashboard_urls import dashboard_query, parse_dashboard_params
from cockpit.urlstate import SearchState

__all__ = ["dashboard_href", "dashboard_query", "drill_href", "drill_state", "parse_dashboard_params"]


def drill_state(drill: Drill) -> SearchState:
    state = SearchState(mode="keyword", sort="date_desc").with_filters(dict(drill.filters))
    return SearchState(
        mode=state.mode, sort=state.sort, filters=state.filters,
        attrs=tuple(sorted((k, tuple(sorted(v))) for k, v in drill.attrs.items() if v)),
        date_field=drill.date_field, date_from=drill.date_from, date_to=drill.date_to,
    )  # fmt: skip


def drill_href(drill: Drill | None) -> str | None:
    if drill is None:
        return None
    if drill.page == "dossier" and drill.customer_id:
        return f"/dossier/{quote(drill.customer_id, safe='')}"
    if drill.page == "status":
        return "/status"
    return drill_state(drill).href()


def dashboard_href(req: DashboardRequest) -> str:
    qs = dashboard_query(req)
    return f"/dashboard?{qs}" if qs else "/dashboard"
