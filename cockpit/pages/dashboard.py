"""Manager dashboard (/dashboard): complaints, volume, customers and operations at a glance.

All state lives in the URL (`cockpit.dashboard_links`): period, tenant (admins), segment, account manager,
department, register, per-panel periods (`o.<panel>=90d`). A click on a bar, point or slice opens the search
page with exactly that filter state (its hit count is the panel's number); every panel exports its data as
CSV / XLSX, and chart panels as PNG (the chart's own camera button). The panels' pattern-matching ids are
shared with the dossier cover's dashboard section (`cockpit.components.dashboard`), whose clicks and exports
are handled here too.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app import dashboards, digests
from app.dashboard_model import PERIODS, DashboardRequest
from cockpit import components as C
from cockpit import ids
from cockpit.components import dashboard as D
from cockpit.context import ctx, safe_layout, user
from cockpit.dashboard_links import dashboard_href, parse_dashboard_params
from cockpit.i18n import current_lang, fmt_date, fmt_int, t
from domain.errors import AppError
from indexing.schema import REGISTERS

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/dashboard", name="dashboard", title="Dashboard – Dossier Cockpit", order=3)

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("complaints", ("complaints_weekly", "complaints_open_age", "complaint_response", "complaint_reasons",
                    "cases_open_age", "cases_sla")),
    ("volume", ("volume_register", "volume_channel", "volume_language")),
    ("customers", ("revenue_top", "complaint_rate_top", "revenue_segment", "revenue_manager", "quiet_customers")),
    ("operations", ("filing_weekly", "ingest_failures")),
)  # fmt: skip
WIDE = {"complaints_weekly", "volume_register", "volume_channel", "filing_weekly"}


@safe_layout
def layout(**kwargs: Any) -> Any:
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    req, url_msgs = parse_dashboard_params(kwargs)
    board, body = _rendered(u, req, lang)
    messages = C.url_messages(url_msgs) + [C.message_text(m, lang) for m in board.messages]
    scope = [html.P(C.message_text(board.scope_note, lang), className="small text-muted mb-2", id="dash-scope")] \
        if board.scope_note else []  # fmt: skip
    return html.Div(
        [
            D.nav_location(),
            dcc.Store(id=ids.DASH_STATE, data=dashboard_href(req)),
            html.Div(
                [html.H1(t("dash.heading", lang), className="h3 mb-1"), _digest_button(u, lang)],
                className="d-flex justify-content-between align-items-start flex-wrap gap-2",
            ),
            html.P(
                t(
                    "dash.period",
                    lang,
                    start=fmt_date(board.period[0], lang),
                    end=fmt_date(board.period[1], lang),
                    n=fmt_int(board.documents, lang),
                ),
                className="text-muted mb-2",
                id="dash-period",
            ),  # fmt: skip
            *scope,
            C.messages_alert(messages) or html.Div(),
            _filters(req, board.options, lang, agent=u.role == "agent" and not u.is_admin),
            *body,
            D.downloads(),
        ],
        className="dashboard-page",
    )


def _rendered(u: Any, req: DashboardRequest, lang: str) -> tuple[Any, Any]:
    """The dashboard and its panels as plain component data, cached like the dashboard itself (per scope,
    request, day, language and data version): building hundreds of drill-down links is most of a page view."""

    def build() -> tuple[Any, Any]:
        board = dashboards.dashboard(ctx(), u, req)
        sections = []
        for name, keys in SECTIONS:
            cards = [dbc.Col(D.panel_card(board.panels[k], lang, query=dashboard_href(req), exports=u.can("export")), lg=12 if k in WIDE else 6,
                             md=12 if k in WIDE else 6) for k in keys if k in board.panels]  # fmt: skip
            if cards:
                sections.append(html.Section([html.H2(t(f"dash.section.{name}", lang), className="h5 mt-3"),
                                              dbc.Row(cards, className="g-3")], id=f"dash-section-{name}"))  # fmt: skip
        body = sections if board.panels else [C.error_panel()]
        return replace(board, panels={}), C.plain(body)

    parts = (req.cache_key(), dashboards.today(ctx()).isoformat(), u.role, u.department or "", lang, u.can("export"))
    return ctx().cached("dashboard_page", u.scope_key, parts, build, keep=lambda r: not r[0].messages)  # type: ignore[no-any-return]


def _digest_button(u: Any, lang: str) -> Any:
    """Subscribe to (or stop) the weekly e-mail of this dashboard with the filters on screen."""
    if u.kind != "user":
        return html.Div()
    # cached per login and data version (subscribing writes an audit entry: a new data version)
    sub = ctx().cached("digest_sub", u.login, (), lambda: (digests.digest_subscription(ctx(), u),))[0]
    label = t("dash.digest.stop" if sub else "dash.digest.subscribe", lang)
    return html.Div([
        dbc.Button([C.icon("bi-envelope"), " ", label], id=ids.DASH_DIGEST, size="sm", color="light",
                   className="toolbar-btn", n_clicks=0, title=t("dash.digest.title", lang)),
        html.Div(t("dash.digest.active", lang) if sub else "", id=ids.DASH_DIGEST_STATUS, className="small text-muted"),
    ], className="text-end")  # fmt: skip


@callback(
    Output(ids.DASH_DIGEST_STATUS, "children"),
    Output(ids.DASH_DIGEST, "children"),
    Input(ids.DASH_DIGEST, "n_clicks"),
    State(ids.DASH_STATE, "data"),
    prevent_initial_call=True,
)
def _digest(n: int | None, current: str | None) -> Any:
    u = user()
    if not n or u is None:
        raise PreventUpdate
    lang = current_lang()
    try:
        if digests.digest_subscription(ctx(), u) is not None:
            digests.unsubscribe_digest(ctx(), u)
            return t("dash.digest.stopped", lang), [C.icon("bi-envelope"), " ", t("dash.digest.subscribe", lang)]
        digests.subscribe_digest(ctx(), u, (current or "").partition("?")[2], lang)
    except AppError as exc:
        return C.message_text(exc.message, lang), no_update
    return t("dash.digest.done", lang), [C.icon("bi-envelope"), " ", t("dash.digest.stop", lang)]


def _filters(req: DashboardRequest, options: Any, lang: str, *, agent: bool) -> Any:
    def select(fid: str, label: str, values: list[tuple[str, str]], value: Any, *, multi: bool = True,
               disabled: bool = False) -> Any:  # fmt: skip
        return dbc.Col([dbc.Label(label, html_for=fid, className="small mb-0"),
                        dcc.Dropdown(id=fid, options=[{"label": lab, "value": v} for v, lab in values], value=value,
                                     multi=multi, clearable=multi, disabled=disabled,
                                     placeholder=t("dash.filter.all", lang))], md=4, lg=2)  # fmt: skip

    periods = [(p, t(f"dash.period.{p}", lang)) for p in PERIODS]
    cols = [
        select(ids.DASH_PERIOD, t("dash.filter.period", lang), periods, req.period, multi=False),
        dbc.Col([dbc.Label(t("dash.filter.custom", lang), className="small mb-0"),
                 dcc.DatePickerRange(id=ids.DASH_RANGE, start_date=_iso(req.date_from), end_date=_iso(req.date_to),
                                     display_format="DD.MM.YYYY", first_day_of_week=1, clearable=True,
                                     disabled=req.period != "custom")], md=8, lg=4),  # fmt: skip
        select(ids.DASH_SEGMENT, t("attr.segment", lang), [(v, v) for v in options.get("segment", ())],
               list(req.segments), disabled=agent),
        select(ids.DASH_MANAGER, t("attr.manager", lang), [(v, v) for v in options.get("manager", ())],
               list(req.managers), disabled=agent),
        select(ids.DASH_DEPARTMENT, t("attr.department", lang), [(v, v) for v in options.get("department", ())],
               list(req.departments), disabled=agent),
        select(ids.DASH_REGISTER, t("facet.register", lang),
               [(r, C.register_label(r, lang)) for r in REGISTERS], list(req.registers)),
    ]  # fmt: skip
    if options.get("tenant"):
        cols.append(select(ids.DASH_TENANT, t("facet.tenant", lang), [(v, v) for v in options["tenant"]],
                           list(req.tenants)))  # fmt: skip
    else:
        cols.append(dcc.Store(id=ids.DASH_TENANT, data=None))
    return html.Form(dbc.Row(cols, className="g-2 align-items-end"), className="dash-filters mb-2", id="dash-filters",
                     role="search")  # fmt: skip


@callback(
    Output(D.NAV, "href", allow_duplicate=True),
    Input(ids.DASH_PERIOD, "value"),
    Input(ids.DASH_RANGE, "start_date"),
    Input(ids.DASH_RANGE, "end_date"),
    Input(ids.DASH_SEGMENT, "value"),
    Input(ids.DASH_MANAGER, "value"),
    Input(ids.DASH_DEPARTMENT, "value"),
    Input(ids.DASH_REGISTER, "value"),
    Input(ids.DASH_TENANT, "value"),
    State(ids.DASH_STATE, "data"),
    prevent_initial_call=True,
)
def _refilter(period, start, end, segments, managers, departments, registers, tenants, current):  # type: ignore[no-untyped-def]
    req, _ = parse_dashboard_params((current or "").partition("?")[2])
    try:
        new = DashboardRequest(
            period=period if period in PERIODS else req.period,
            date_from=_day(start) if period == "custom" else None,
            date_to=_day(end) if period == "custom" else None,
            segments=tuple(segments or ()), managers=tuple(managers or ()), departments=tuple(departments or ()),
            registers=tuple(registers or ()), tenants=tuple(tenants or ()), overrides=req.overrides,
        )  # fmt: skip
    except ValueError:
        raise PreventUpdate from None
    href = dashboard_href(new)
    return href if href != current else no_update


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@callback(
    Output(D.NAV, "href", allow_duplicate=True),
    Input({"type": D.GRAPH, "panel": ALL}, "clickData"),
    prevent_initial_call=True,
)
def _drill(clicks: list[Any]) -> Any:
    """A click on a bar, point or slice: open what it stands for."""
    trig = dash.ctx.triggered_id
    if not trig:
        raise PreventUpdate
    data = next((c for c, spec in zip(clicks, dash.ctx.inputs_list[0], strict=False) if spec["id"] == trig), None)
    href = D.clicked_href(data)
    if not href:
        raise PreventUpdate
    return href


@callback(
    Output(D.DOWNLOAD, "data"),
    Input({"type": D.EXPORT, "panel": ALL, "fmt": ALL, "query": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def _export(clicks: list[int | None]) -> Any:
    trig = dash.ctx.triggered_id
    u = user()
    if not trig or not any(clicks) or u is None:
        raise PreventUpdate
    if not u.can("export"):
        raise PreventUpdate
    try:
        return _download(u, str(trig["panel"]), str(trig["fmt"]), str(trig["query"]), current_lang())
    except Exception:  # noqa: BLE001 - an export that fails is a message, never a traceback
        log.exception("dashboard export failed")
        raise PreventUpdate from None


def _download(u: Any, panel: str, fmt: str, query: str, lang: str) -> Any:
    """One panel's data, recomputed for this user from the page's URL state (the cache makes it cheap)."""
    from app.exports import to_csv, to_xlsx
    from cockpit.components.dashboard_figures import export_rows

    if query.startswith("dossier:"):
        board = dashboards.customer_dashboard(ctx(), u, query.split(":", 1)[1])
    else:
        board = dashboards.dashboard(ctx(), u, parse_dashboard_params(query.partition("?")[2])[0])
    found = board.panels.get(panel)
    if found is None:
        raise PreventUpdate
    header, rows = export_rows(found, lang)
    stamp = dt.date.today().isoformat()
    if fmt == "xlsx":
        return dcc.send_bytes(to_xlsx(header, rows), f"dashboard-{panel}-{stamp}.xlsx")
    return dcc.send_bytes(to_csv(header, rows), f"dashboard-{panel}-{stamp}.csv")
