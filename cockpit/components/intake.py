"""The upload widget and the job outcome table (pure builders: data in, components out).

`upload_widget(scope, ...)` is the drop zone with its register and tenant choice, the page's job list (a
`dcc.Store` in the browser's memory, never module state), the 1-second refresh and the outcome table; every id
is a pattern id ``{"type": ids.INTAKE_*, "scope": scope}``, so one set of callbacks (`cockpit.pages.upload`)
serves the page `/neu` ("page") and the dossier's "add documents" section ("dossier") alike.

`outcome_table(rows)` lists jobs (`app.jobs.Job`) and refusals (`Refusal`): file name, state and outcome with
a link to what became of the file. File names, reasons and messages are text children only — never HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.jobs import Job
from cockpit import ids
from cockpit.components.basic import A, document_href, icon, register_label
from cockpit.i18n import fmt_datetime, t, t_or
from indexing.schema import REGISTERS

AUTO = "auto"  # the register dropdown's "detect automatically"
STATE_COLORS = {"queued": "secondary", "running": "info", "done": "success", "failed": "danger"}
MAX_REASON = 300


@dataclass(frozen=True)
class Refusal:
    """A file that was not taken in (or whose job cannot be read now): its sanitised name, the translated reason,
    and the state shown ("refused", or "unknown" while the queue is away)."""

    file_name: str
    text: str
    state: str = "refused"


def pid(kind: str, scope: Any) -> dict[str, Any]:
    """A widget's pattern id (`scope` a string, or `dash.MATCH` in the callbacks)."""
    return {"type": kind, "scope": scope}


def register_options(lang: str, registers: Sequence[str] | None = None) -> list[dict[str, str]]:
    """ "Automatic" and the registers one may file into (`registers`; None: all of them)."""
    auto = [{"label": t("upload.register.auto", lang), "value": AUTO}]
    allowed = [r for r in REGISTERS if r != "review" and (registers is None or r in registers)]
    return auto + [{"label": register_label(r, lang), "value": r} for r in allowed]


def upload_widget(
    scope: str, *, tenants: Sequence[str], max_mb: float, lang: str, customer_id: str = "",
    registers: Sequence[str] | None = None,
) -> html.Div:  # fmt: skip
    """Drop zone, register (and, for several tenants, tenant) choice, the job store, the refresh and the table."""
    tenants = sorted(tenants)
    mb = f"{max_mb:g}"
    drop = dcc.Upload(
        html.Div(
            [
                icon("bi-cloud-arrow-up", "fs-2 d-block mb-1 text-primary"),
                html.Div(t("upload.drop", lang), className="fw-semibold"),
                html.Div(t("upload.drop.hint", lang, mb=mb), className="small text-muted"),
            ]
        ),
        id=pid(ids.INTAKE_DROP, scope),
        multiple=True,
        max_size=int(max_mb * 2 * 1024 * 1024),  # a little over the limit still arrives, to be refused with a message
        className="intake-drop text-center p-4 mb-3",
        style={"border": "2px dashed #adb5bd", "borderRadius": "0.5rem", "cursor": "pointer"},
        style_active={"borderStyle": "solid", "borderColor": "#0b63ce", "backgroundColor": "#eef5ff"},
    )
    register = html.Div(
        [
            html.Label(t("upload.register", lang), className="small fw-semibold mb-1"),
            dcc.Dropdown(
                id=pid(ids.INTAKE_REGISTER, scope),
                options=register_options(lang, registers),
                value=AUTO,
                clearable=False,
                searchable=False,
            ),
        ],
        className="intake-register",
    )
    tenant = html.Div(
        [
            html.Label(t("upload.tenant", lang), className="small fw-semibold mb-1"),
            dcc.Dropdown(
                id=pid(ids.INTAKE_TENANT, scope),
                options=[{"label": x, "value": x} for x in tenants],
                value=tenants[0] if tenants else None,
                clearable=False,
                searchable=False,
            ),
        ],
        className="intake-tenant" if len(tenants) > 1 else "d-none",
    )
    return html.Div(
        [
            dbc.Row([dbc.Col(register, md=6), dbc.Col(tenant, md=6)], className="g-2 mb-3"),
            drop,
            dcc.Store(id=pid(ids.INTAKE_CUSTOMER, scope), data=customer_id),
            dcc.Store(id=pid(ids.INTAKE_ROWS, scope), data=[], storage_type="memory"),
            dcc.Interval(id=pid(ids.INTAKE_TICK, scope), interval=1000, disabled=True, n_intervals=0),
            html.Div(id=pid(ids.INTAKE_TABLE, scope), className="intake-table", **A({"aria-live": "polite"})),
        ],
        className=f"intake-widget intake-{scope}",
    )


# --------------------------------------------------------------------------------------------- the table


def state_badge(state: str, lang: str) -> Any:
    if state in ("refused", "unknown"):
        return dbc.Badge(t(f"upload.state.{state}", lang), color="warning", text_color="dark")
    return dbc.Badge(t_or(f"intake.state.{state}", state, lang), color=STATE_COLORS.get(state, "secondary"))


def reason_text(code: str, message: str, lang: str) -> str:
    """A failed job's reason: the translated code, and the worker's message (plain text, shortened)."""
    label = t_or(f"upload.reason.{code}", code, lang) if code else t("intake.outcome.failed", lang)
    message = " ".join((message or "").split())
    if len(message) > MAX_REASON:
        message = message[: MAX_REASON - 1] + "…"
    return f"{label} – {message}" if message else label


def _link(key: str, href: str, lang: str) -> Any:
    return dcc.Link([icon("bi-box-arrow-up-right"), " ", t(key, lang)], href=href, className="ms-2 small")


def outcome_cell(job: Job, lang: str) -> list[Any]:
    """What became of a job's file, with a link to it (the document, the review queue)."""
    if job.state == "failed" or job.outcome == "failed":
        return [
            html.Span(t("intake.outcome.failed", lang), className="fw-semibold"),
            html.Div(reason_text(job.reason_code, job.reason, lang), className="small text-muted text-break"),
        ]
    if not job.finished:
        return [html.Span(t("common.none", lang), className="text-muted")]
    out: list[Any] = [html.Span(t_or(f"intake.outcome.{job.outcome}", job.outcome, lang))]
    if job.outcome == "review":
        out.append(_link("upload.open_review", "/review", lang))
    if job.doc_id:
        key = "upload.open_existing" if job.outcome in ("unchanged", "duplicate") else "upload.open_document"
        out.append(_link(key, document_href(job.doc_id), lang))
    return out


def _row(item: Job | Refusal, lang: str, with_time: bool) -> Any:
    if isinstance(item, Refusal):
        cells = [html.Td(item.file_name, className="text-break"), html.Td(state_badge(item.state, lang)),
                 html.Td(item.text, className="small")]  # fmt: skip
        extra: dict[str, Any] = {"className": f"intake-row {item.state}"}
    else:
        cells = [html.Td(item.file_name, className="text-break"), html.Td(state_badge(item.state, lang)),
                 html.Td(outcome_cell(item, lang))]  # fmt: skip
        extra = {"className": f"intake-row state-{item.state}", **A({"data-job": item.id})}
    if with_time:
        when = item.created_at if isinstance(item, Job) else ""
        channel = t_or(f"upload.channel.{item.channel}", item.channel, lang) if isinstance(item, Job) else ""
        cells = [html.Td(fmt_datetime(when, lang), className="small text-nowrap"), *cells,
                 html.Td(channel, className="small")]  # fmt: skip
    return html.Tr(cells, **extra)


def outcome_table(items: Sequence[Job | Refusal], lang: str, *, with_time: bool = False,
                  table_id: str | None = None) -> Any:  # fmt: skip
    """File, state, outcome (and, for the recent uploads, time and channel) per file."""
    keys = ["upload.col.file", "upload.col.state", "upload.col.outcome"]
    if with_time:
        keys = ["upload.col.time", *keys, "upload.col.channel"]
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in keys]))
    attrs: dict[str, Any] = {"id": table_id} if table_id else {}
    return dbc.Table([head, html.Tbody([_row(i, lang, with_time) for i in items])], size="sm", hover=True,
                     responsive=True, className="intake-outcomes small mb-0", **attrs)  # fmt: skip
