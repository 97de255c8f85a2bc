"""Status page (/status, administrators): the doctor's report and the job queue (depths, live workers, jobs
finished per minute, failed jobs with a retry button)."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from app import intake
from app.intake import QueueStatus
from app.status import status
from cockpit import ids
from cockpit.components import icon
from cockpit.components.intake import reason_text
from cockpit.context import ctx, error_text, user
from cockpit.i18n import current_lang, fmt_datetime, fmt_int, t, t_or
from domain.errors import AppError
from domain.principal import STATUS

log = logging.getLogger("cockpit.pages.status")

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
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(t("queue.title"), className="h5 mb-0"),
                            dbc.Button(
                                [icon("bi-arrow-clockwise"), " ", t("queue.refresh")],
                                id=ids.QUEUE_REFRESH,
                                color="outline-secondary",
                                size="sm",
                                n_clicks=0,
                                className="ms-auto",
                            ),
                        ],
                        className="d-flex align-items-center mb-2",
                    ),  # fmt: skip
                    dcc.Loading(html.Div(t("status.loading"), id=ids.QUEUE_PANEL)),
                ],
                className="queue-section mb-4",
            ),
            html.H2(t("status.checks"), className="h5"),
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


# ------------------------------------------------------------------------------------------------ the queue


def _number(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "de" else text


def _stat(label: str, value: str, stat_id: str, tone: str = "") -> Any:
    return dbc.Col(
        html.Div([html.Div(label, className="kpi-label"), html.Div(value, className="kpi-value")],
                 className=f"kpi-card {tone}".strip(), id=stat_id),
        xs=6, md=True,
    )  # fmt: skip


def _workers(workers: list[dict[str, Any]], lang: str) -> Any:
    if not workers:
        return dbc.Alert(t("queue.workers.none", lang), color="warning", className="py-2 small", id="queue-no-workers")
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in ("queue.host", "queue.pid", "queue.ready", "queue.busy",
                                                             "queue.started")]))  # fmt: skip
    rows = [
        html.Tr(
            [
                html.Td(str(w.get("host", ""))),
                html.Td(str(w.get("pid", ""))),
                html.Td(t("queue.ready.yes" if w.get("ready") else "queue.ready.no", lang)),
                html.Td(str(w.get("busy", 0))),
                html.Td(fmt_datetime(str(w.get("started") or ""), lang), className="text-nowrap"),
            ]
        )
        for w in workers
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, className="small", id="queue-workers")


def _failed(qs: QueueStatus, lang: str) -> Any:
    if not qs.failed:
        return html.P(t("queue.failed.none", lang), className="text-muted small mb-0", id="queue-failed-none")
    cols = ("upload.col.file", "upload.col.tenant", "upload.col.channel", "upload.col.reason", "upload.col.time", "")
    head = html.Thead(html.Tr([html.Th(t(k, lang) if k else "") for k in cols]))
    rows = []
    for j in qs.failed:
        retry = dbc.Button([icon("bi-arrow-repeat"), " ", t("queue.retry", lang)], id={"type": ids.QUEUE_RETRY, "job": j.id},
                           color="outline-primary", size="sm", n_clicks=0)  # fmt: skip
        rows.append(
            html.Tr(
                [
                    html.Td(j.file_name, className="text-break"),
                    html.Td(j.tenant),
                    html.Td(t_or(f"upload.channel.{j.channel}", j.channel, lang)),
                    html.Td(reason_text(j.reason_code, j.reason, lang), className="text-break"),
                    html.Td(fmt_datetime(j.finished_at or j.created_at, lang), className="text-nowrap"),
                    html.Td([retry, html.Div(id={"type": ids.QUEUE_RETRY_RESULT, "job": j.id}, className="mt-1")]),
                ],
                className="queue-failed-row",
            )
        )
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, className="small", id="queue-failed")


def queue_panel(qs: QueueStatus, lang: str) -> Any:
    d = qs.depths
    dead = sum(v for k, v in d.items() if k.endswith("_dead"))
    stats = dbc.Row(
        [
            _stat(t("queue.intake", lang), fmt_int(d.get("intake", 0), lang), "queue-depth-intake"),
            _stat(t("queue.bulk", lang), fmt_int(d.get("bulk", 0), lang), "queue-depth-bulk"),
            _stat(t("queue.dead", lang), fmt_int(dead, lang), "queue-depth-dead", "warn" if dead else ""),
            _stat(t("queue.per_minute", lang), _number(qs.per_minute, lang), "queue-per-minute"),
            _stat(t("queue.failed_total", lang), fmt_int(qs.failed_total, lang), "queue-failed-total",
                  "warn" if qs.failed_total else ""),
        ],
        className="g-2 mb-3 kpis",
    )  # fmt: skip
    return html.Div(
        [
            stats,
            html.H3(t("queue.workers", lang, n=fmt_int(len(qs.workers), lang)), className="h6"),
            _workers(qs.workers, lang),
            html.H3(t("queue.failed", lang), className="h6 mt-3"),
            _failed(qs, lang),
        ]
    )


def _unavailable(lang: str) -> Any:
    return dbc.Alert(t("error.queue_unavailable", lang), color="warning", id="queue-unavailable")


@callback(
    Output(ids.QUEUE_PANEL, "children"),
    Input(ids.STATUS_TRIGGER, "n_intervals"),
    Input(ids.QUEUE_REFRESH, "n_clicks"),
)
def _queue(_n: int | None, _clicks: int | None) -> Any:
    u = user()
    lang = current_lang()
    if u is None or not u.can(STATUS):
        return dbc.Alert(t("status.denied", lang), color="secondary", id="queue-denied")
    try:
        return queue_panel(intake.queue_status(ctx(), u), lang)
    except AppError as exc:
        if exc.code == "error.queue_unavailable":
            return _unavailable(lang)
        return dbc.Alert(error_text(exc, lang), color="warning")
    except Exception:  # noqa: BLE001 - Redis away or broken: a message in the panel, never an error page
        log.warning("queue status unavailable", exc_info=True)
        return _unavailable(lang)


@callback(
    Output({"type": ids.QUEUE_RETRY_RESULT, "job": MATCH}, "children"),
    Output({"type": ids.QUEUE_RETRY, "job": MATCH}, "disabled"),
    Input({"type": ids.QUEUE_RETRY, "job": MATCH}, "n_clicks"),
    prevent_initial_call=True,
)
def _retry(n_clicks: int | None) -> tuple[Any, bool]:
    trig = dash.ctx.triggered_id
    if not n_clicks or not isinstance(trig, dict):
        raise PreventUpdate
    u = user()
    if u is None:
        raise PreventUpdate
    lang = current_lang()
    job_id = str(trig.get("job") or "")[:64]
    try:
        job = intake.retry(ctx(), u, job_id)
    except AppError as exc:
        return dbc.Alert(error_text(exc, lang), color="warning", className="py-1 px-2 small mb-0"), False
    except Exception:  # noqa: BLE001 - Redis away: a message, never an error page
        log.warning("retry of %s failed", job_id, exc_info=True)
        return dbc.Alert(t("error.queue_unavailable", lang), color="warning", className="py-1 px-2 small mb-0"), False
    msg = t("queue.retried", lang, name=job.file_name)
    return dbc.Alert(msg, color="success", className="py-1 px-2 small mb-0 queue-retried"), True
