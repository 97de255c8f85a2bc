"""Status page (/status, administrators): the doctor's report."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from app.status import status
from cockpit import ids
from cockpit.context import user
from cockpit.i18n import t
from domain.errors import AppError

dash.register_page(__name__, path="/status", name="status", title="Systemstatus – Dossier Cockpit", order=9)


def report_table(checks: list[dict[str, object]], lang: str = "de") -> dbc.Table:
    rows = []
    for c in checks:
        if c["ok"]:
            badge = dbc.Badge(t("status.ok", lang), color="success")
        elif c["required"]:
            badge = dbc.Badge(t("status.missing", lang), color="danger")
        else:
            badge = dbc.Badge(t("status.optional", lang), color="warning")
        rows.append(
            html.Tr(
                [html.Td(str(c["component"])), html.Td(badge), html.Td(str(c["version"])), html.Td(str(c["detail"]))]
            )
        )
    head = html.Thead(
        html.Tr([html.Th(t(k, lang)) for k in ("status.component", "status.state", "status.version", "status.detail")])
    )
    return dbc.Table([head, html.Tbody(rows)], bordered=False, hover=True, responsive=True, className="status-table")


def layout(**kwargs: str) -> html.Div:
    u = user()
    if u is None or not u.can("status"):
        return html.Div(dbc.Alert(t("status.denied"), color="secondary"), className="py-4", id="status-denied")
    return html.Div(
        [
            html.H1(t("status.heading"), className="h3"),
            html.P(t("status.intro"), className="text-muted"),
            dcc.Interval(id=ids.STATUS_TRIGGER, interval=200, max_intervals=1),
            dcc.Loading(html.Div(t("status.loading"), id=ids.STATUS_TABLE)),
        ]
    )


@callback(Output(ids.STATUS_TABLE, "children"), Input(ids.STATUS_TRIGGER, "n_intervals"))
def _load(_n: int | None) -> object:
    u = user()
    if u is None or not u.can("status"):
        return dbc.Alert(t("status.denied"), color="secondary")
    try:
        return report_table(status(u))
    except AppError as exc:
        return dbc.Alert(t(exc.code), color="danger")
