"""Dashboard panel cards (pure builders), shared by /dashboard and the dossier cover's dashboard section.

A card holds the panel's chart (`dashboard_figures`), its notes (how a number is derived, what is left out),
an empty state, and export buttons. Ids are pattern-matching dicts so one set of callbacks (in
`cockpit.pages.dashboard`) serves every card on every page: `{"type": GRAPH, "panel": key}` for the chart,
`{"type": EXPORT, "panel": key, "fmt": "csv"|"xlsx", "query": <dashboard URL or "dossier:<id>">}` for exports.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.dashboard_model import Dashboard, Panel
from cockpit.components.basic import A, icon, link
from cockpit.components.dashboard_figures import figure
from cockpit.dashboard_links import drill_href
from cockpit.i18n import fmt_date, fmt_int, t

GRAPH = "dash-graph"
EXPORT = "dash-export"
DOWNLOAD = "dash-download"
NAV = "dash-nav"


def nav_location() -> dcc.Location:
    return dcc.Location(id=NAV, refresh="callback-nav")


def downloads() -> dcc.Download:
    return dcc.Download(id=DOWNLOAD)


def clicked_href(click: Any) -> str | None:
    """The drill-down link of a clicked point (its customdata), if it has one."""
    try:
        custom = click["points"][0]["customdata"]
    except (KeyError, IndexError, TypeError):
        return None
    href = custom[0] if isinstance(custom, list | tuple) and custom else None
    return href if isinstance(href, str) and href.startswith("/") and not href.startswith("//") else None


def _figures_line(panel: Panel, lang: str) -> Any:
    f = panel.figures
    if panel.key == "complaint_response":
        text = t("dash.response.counts", lang, n=fmt_int(f.get("count", 0), lang),
                 answered=fmt_int(f.get("answered", 0), lang))  # fmt: skip
        point = panel.points[0] if panel.points else None
        href = drill_href(point.drill) if point is not None and point.count else None
        if href is None or point is None:
            return html.P(text, className="small mb-1")
        return html.P(html.Span(dcc.Link(text, href=href, className="dash-drill"), **A({"data-count": str(point.count)}),
                                className="dash-drill-count"), className="small mb-1")  # fmt: skip
    if panel.key == "complaints_weekly" and f.get("count"):
        slope = f.get("trend_slope") or 0.0
        return html.P(t("dash.weekly.summary", lang, n=fmt_int(f["count"], lang), spikes=fmt_int(f.get("spikes", 0), lang),
                        trend=f"{slope:+.2f}".replace(".", "," if lang == "de" else ".")), className="small mb-1")  # fmt: skip
    if panel.key in ("cases_open_age", "cases_sla"):
        return _cases_line(panel, lang)
    if panel.key == "filing_weekly" and f.get("count"):
        rate = f.get("auto_rate") or 0.0
        return html.P(t("dash.filing.summary", lang, rate=f"{rate * 100:.0f}", review=fmt_int(f.get("review_open", 0), lang)),
                      className="small mb-1")  # fmt: skip
    return None


def _cases_line(panel: Panel, lang: str) -> Any:
    """Open cases / SLA breaches in figures, linked to their documents on the search page (the total point)."""
    f = panel.figures
    if panel.key == "cases_sla":
        share = f.get("share")
        pct = f"{share * 100:.0f}".replace(".", ",") if share is not None else "–"
        text = t("dash.cases.sla_summary", lang, n=fmt_int(f.get("count", 0), lang), open=fmt_int(f.get("open", 0), lang),
                 share=pct)  # fmt: skip
    else:
        text = t("dash.cases.open_summary", lang, n=fmt_int(f.get("count", 0), lang))
    point = next((p for p in panel.points if p.series == "total"), None)
    href = drill_href(point.drill) if point is not None and point.count else None
    if href is None or point is None:
        return html.P(text, className="small mb-1")
    return html.P(html.Span(dcc.Link(text, href=href, className="dash-drill"), **A({"data-count": str(point.count)}),
                            className="dash-drill-count"), className="small mb-1")  # fmt: skip


def _quiet_table(panel: Panel, lang: str) -> Any:
    rows = [
        html.Tr([html.Td(link(p.label or p.x, drill_href(p.drill) or "#")),
                 html.Td(fmt_date(p.series, lang) if p.series else t("dash.quiet.never", lang)),
                 html.Td(fmt_int(p.value, lang) if p.value >= 0 else "–", className="text-end")])
        for p in panel.points[:50]
    ]  # fmt: skip
    head = html.Thead(html.Tr([html.Th(t("dash.quiet.customer", lang)), html.Th(t("dash.quiet.last", lang)),
                               html.Th(t("dash.quiet.days", lang), className="text-end")]))  # fmt: skip
    more = [html.P(t("dash.quiet.more", lang, n=len(panel.points) - 50), className="small text-muted")] \
        if len(panel.points) > 50 else []  # fmt: skip
    return html.Div([html.P(t("dash.quiet.summary", lang, n=fmt_int(len(panel.points), lang),
                                days=panel.figures.get("days", 90)), className="small mb-1"),
                     html.Div(dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-0"), className="dash-table"),
                     *more])  # fmt: skip


def panel_card(panel: Panel, lang: str, *, query: str, exports: bool = True) -> dbc.Card:
    title = t(f"dash.panel.{panel.key}", lang)
    fig = figure(panel, lang)
    if panel.key == "cases_sla" and panel.empty and panel.figures.get("open"):
        body: Any = html.P(t("dash.cases.sla_none", lang), className="text-muted small my-4 text-center dash-empty")
    elif panel.empty and panel.key != "quiet_customers":
        body = html.P(t("dash.empty", lang), className="text-muted small my-4 text-center dash-empty")
    elif fig is None:
        body = _quiet_table(panel, lang)
    else:
        config: Any = {"displayModeBar": "hover", "displaylogo": False, "responsive": True,
                  "modeBarButtons": [["toImage"]],
                  "toImageButtonOptions": {"format": "png", "filename": f"dashboard-{panel.key}", "scale": 2}}  # fmt: skip
        body = html.Div(dcc.Graph(id={"type": GRAPH, "panel": panel.key}, figure=fig, config=config, className="chart"),
                        role="img", **A({"aria-label": title}))  # fmt: skip
    notes = [
        html.P(t(m.code, lang, **dict(m.params)), className="small text-muted mb-0 dash-note") for m in panel.notes
    ]
    period = [html.Span(t("dash.panel.period", lang, start=fmt_date(panel.period[0], lang),
                          end=fmt_date(panel.period[1], lang)), className="small text-muted")] if panel.period else []  # fmt: skip
    actions = [
        dbc.Button([icon("bi-filetype-csv"), " CSV"], id={"type": EXPORT, "panel": panel.key, "fmt": "csv", "query": query},
                   size="sm", color="link", className="p-0 me-2", title=t("dash.export.csv", lang)),
        dbc.Button([icon("bi-file-earmark-spreadsheet"), " XLSX"],
                   id={"type": EXPORT, "panel": panel.key, "fmt": "xlsx", "query": query}, size="sm", color="link",
                   className="p-0", title=t("dash.export.xlsx", lang)),
    ] if exports else []  # fmt: skip
    return dbc.Card(
        [
            dbc.CardHeader([html.Span(title, className="fw-semibold"), html.Span(actions, className="float-end")]),
            dbc.CardBody([*period, _figures_line(panel, lang) or html.Div(), body, *notes]),
        ],
        className="dash-panel h-100",
        id=f"panel-{panel.key}",
    )


def dossier_section(board: Dashboard, lang: str, customer_id: str, *, exports: bool = True) -> html.Details:
    """The dossier cover's collapsible dashboard: the same panels for one customer."""
    order = ("complaints_weekly", "complaints_open_age", "revenue_monthly", "complaint_response")
    cards = [dbc.Col(panel_card(board.panels[k], lang, query=f"dossier:{customer_id}", exports=exports), lg=6)
             for k in order if k in board.panels]  # fmt: skip
    inner = dbc.Row(cards, className="g-3 mt-1") if cards else html.P(t("dash.empty", lang), className="text-muted")
    return html.Details([html.Summary(t("dash.dossier.heading", lang), className="h5"), inner, nav_location(),
                         downloads()], open=True, className="dossier-dashboard mb-3", id="dossier-dashboard")  # fmt: skip
