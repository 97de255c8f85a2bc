"""Meine Aufgaben: /aufgaben — the open cases assigned to me, and the queue I may pick up from (my department's
cases and the steps of a higher role I hold), soonest due first. Claim and give back here; "Öffnen" leads to
the case page (/fall/<case_id>). Refusals (someone else was faster: ``cases.error.claimed``) are messages.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, callback, html
from dash.exceptions import PreventUpdate

from app import case_work, cases
from app.case_views import case_documents
from cockpit import components as C
from cockpit import ids
from cockpit.components.cases import task_table, works_cases
from cockpit.components.cases_callbacks import step_labels
from cockpit.context import ctx, display_name, error_text, safe_layout, user
from cockpit.i18n import current_lang, fmt_int, t
from domain.errors import AppError
from domain.principal import Principal

log = logging.getLogger("cockpit.pages.tasks")

dash.register_page(__name__, path="/aufgaben", name="tasks", title="Meine Aufgaben – Dossier Cockpit", order=5)


def _may_claim(u: Principal, c: cases.Case) -> bool:
    try:
        step = cases.definition_of(ctx(), c).steps.get(c.step)
    except AppError:
        return False
    return step is not None and cases.may_work(u, step, c.department)


def tasks_body(u: Principal, lang: str) -> list[Any]:
    mine = cases.my_tasks(ctx(), u)
    queue = [c for c in cases.work_queue(ctx(), u) if c.assignee != u.login]
    docs = case_documents(ctx(), u, [*mine, *queue])
    labels = step_labels([*mine, *queue], lang)
    common: dict[str, Any] = {
        "me": u.login,
        "may_claim": lambda c: _may_claim(u, c),
        "name": display_name,
        "lang": lang,
    }

    def section(title: str, found: list[cases.Case], table_id: str, empty: str) -> Any:
        badge = html.Span(fmt_int(len(found), lang), className="badge rounded-pill text-bg-secondary ms-2")
        return C.card([t(title, lang), badge], task_table(found, docs, labels, table_id=table_id, empty_key=empty, **common),
                      card_id=f"{table_id}-card")  # fmt: skip

    return [
        section("tasks.mine", mine, "tasks-mine", "tasks.mine.empty"),
        html.Div(className="mb-3"),
        section("tasks.queue", queue, "tasks-queue", "tasks.queue.empty"),
    ]


@safe_layout
def layout(**_: Any) -> Any:
    u = user()
    if u is None or not works_cases(u):
        return C.not_found("notfound.page")
    lang = current_lang()
    return html.Div([
        html.H1(t("tasks.title", lang), className="h3 mb-1"),
        html.P(t("tasks.intro", lang), className="text-muted small"),
        html.Div(id=ids.TASKS_STATUS),
        html.Div(tasks_body(u, lang), id=ids.TASKS_BODY),
    ], className="tasks-page")  # fmt: skip


@callback(
    Output(ids.TASKS_STATUS, "children"),
    Output(ids.TASKS_BODY, "children"),
    Input({"type": ids.TASKS_ACT, "action": ALL, "case": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def _act(_clicks: list[int | None]) -> Any:
    """Claim a case or give it back, then list both sections again."""
    u, trig = user(), dash.ctx.triggered_id
    if u is None or not isinstance(trig, dict) or not (dash.ctx.triggered and dash.ctx.triggered[0].get("value")):
        raise PreventUpdate  # no click (a button appearing)
    lang, case_id, action = current_lang(), str(trig.get("case") or ""), trig.get("action")
    try:
        if action == "claim":
            case_work.claim(ctx(), u, case_id)
            done = t("tasks.claimed", lang)
        elif action == "give_back":
            case_work.give_back(ctx(), u, case_id)
            done = t("tasks.given_back", lang)
        else:
            raise PreventUpdate
        msg = dbc.Alert(done, color="success", className="py-2 small", id="tasks-done")
    except AppError as exc:
        msg = dbc.Alert(error_text(exc, lang), color="warning", className="py-2 small", id="tasks-error")
    try:
        return msg, tasks_body(u, lang)
    except AppError as exc:
        return dbc.Alert(error_text(exc, lang), color="warning", className="py-2 small"), dash.no_update
