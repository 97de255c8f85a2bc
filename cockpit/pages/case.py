"""Case page: /fall/<case_id>

Header (process, customer, state, due date, holder), the steps as a vertical stepper, the current step's form
for whoever may work it ("Schritt abschließen" names the step shown: a parallel change is
``cases.error.changed``), claim / give back / hand over, the documents (a drop zone for documents dragged from
the dossier, and a document-id field as the keyboard fallback), comments, the protocol, "Wiedereröffnen" for a
closed case, and the "Wiedervorlage" card. A case the user may not see looks exactly like an unknown one.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app import case_work, cases
from app.case_views import case_documents
from cockpit import components as C
from cockpit import ids
from cockpit.components.cases import case_header, protocol_table, step_label, stepper, works_cases
from cockpit.components.cases_callbacks import register_callbacks, resubmission_section
from cockpit.components.cases_forms import comments_card, documents_card, reopen_form, step_form, work_panel
from cockpit.context import ctx, display_name, safe_layout, user
from cockpit.i18n import current_lang, t, t_or
from cockpit.urlstate import clean_text_param
from domain.errors import AppError, NotFound
from domain.principal import Principal
from domain.process import Process

log = logging.getLogger("cockpit.pages.case")

dash.register_page(__name__, path_template="/fall/<case_id>", name="case", title="Fall – Dossier Cockpit", order=6)
register_callbacks()  # the "Wiedervorlage" card and the document page's "Fall" card

DONE_KEYS = {"claim": "tasks.claimed", "give_back": "tasks.given_back", "complete": "cases.page.completed",
             "comment": "cases.page.commented", "add_document": "cases.page.doc_added", "reopen": "cases.page.reopened"}  # fmt: skip


def _definition(case: cases.Case) -> Process | None:
    try:
        return cases.definition_of(ctx(), case)
    except AppError as exc:
        log.warning("process of case %s unavailable: %s", case.case_id, exc)
        return None


def _work_card(u: Principal, case: cases.Case, process: Process | None, lang: str) -> Any:
    if not case.is_open:
        return C.card([C.icon("bi-arrow-counterclockwise"), " ", t("cases.page.reopen", lang)], reopen_form(lang),
                      card_id="case-work")  # fmt: skip
    step = process.steps.get(case.step) if process is not None else None
    if step is None:
        return None
    can = cases.may_work(u, step, case.department)
    held_by_other = bool(case.assignee) and case.assignee != u.login and not u.is_admin
    body: list[Any] = []
    if can and not held_by_other:
        body.append(step_form(step, step_label(process, step.id, lang), lang))
    elif not can:
        who = " / ".join(x for x in (step.role, step.department or case.department) if x)
        body.append(
            html.P(t("cases.page.form.not_yours", lang, who=who), className="small text-muted", id="case-not-yours")
        )
    may_give_back = bool(case.assignee) and (case.assignee == u.login or u.is_admin)
    body.append(work_panel(case, me=u.login, may_work=can, may_give_back=may_give_back, lang=lang))
    return C.card([C.icon("bi-pencil-square"), " ", t("cases.page.work", lang)], body, card_id="case-work")


def case_parts(u: Principal, case: cases.Case, lang: str) -> tuple[Any, Any, Any]:
    """(header, main column, stepper) of a case as this user sees it."""
    process = _definition(case)
    docs = case_documents(ctx(), u, [case])
    tz = ctx().tz
    main = [
        dcc.Store(id=ids.CASE_STEP, data=case.step),
        _work_card(u, case, process, lang),
        documents_card(case, docs, lang, can_add=case.is_open),
        comments_card(case, tz, lang),
        protocol_table(case, process, tz, lang),
    ]
    return case_header(case, process, docs, display_name, lang), main, stepper(case, process, display_name, tz, lang)


@safe_layout
def layout(case_id: str = "", **_: Any) -> Any:
    u = user()
    case_id = clean_text_param(case_id, 100)
    if u is None or not case_id or not works_cases(u):
        return C.not_found("notfound.case")
    lang = current_lang()
    try:
        case = cases.get_case(ctx(), u, case_id, check_holder=True)
    except NotFound:
        return C.not_found("notfound.case")
    header, main, side = case_parts(u, case, lang)
    return html.Div([
        dcc.Store(id=ids.CASE_ID, data=case.case_id),
        html.Div(header, id=ids.CASE_HEADER),
        html.Div(id=ids.CASE_STATUS),
        dbc.Row([
            dbc.Col(html.Div(main, id=ids.CASE_BODY), lg=8),
            dbc.Col([html.Div(side, id=ids.CASE_SIDE),
                     resubmission_section(u, {"case_id": case.case_id}, lang)], lg=4, className="side-col"),
        ], className="g-3"),
    ], className="case-page")  # fmt: skip


def _error(exc: AppError, lang: str) -> str:
    """The refusal as a message; a form field is named by its label ("Kommentar", not "comment")."""
    params = dict(exc.params)
    if params.get("field"):
        params["field"] = t_or(f"cases.field.{params['field']}", str(params["field"]), lang)
    return t(exc.code, lang, **params)


def _values(states: list[Any], index: int, key: str) -> dict[str, Any]:
    """{name: value} of one ALL-pattern State (dash.ctx.states_list[index]) by the id's `key`."""
    found = states[index] if index < len(states) else []
    return {str(s["id"].get(key)): s.get("value") for s in found or [] if isinstance(s.get("id"), dict)}


def _run(u: Principal, action: str, case_id: str, shown_step: str, inputs: dict[str, Any], form: dict[str, Any]) -> tuple[cases.Case, str]:  # fmt: skip
    """Run one action; the case afterwards and the success message."""
    lang = current_lang()
    text = {k: str(v or "").strip() for k, v in inputs.items()}
    if action == "claim":
        return case_work.claim(ctx(), u, case_id), t(DONE_KEYS[action], lang)
    if action == "give_back":
        return case_work.give_back(ctx(), u, case_id), t(DONE_KEYS[action], lang)
    if action == "hand_over":
        case = case_work.hand_over(
            ctx(), u, case_id, text.get("handover_login", ""), note=text.get("handover_note") or None
        )
        return case, t("cases.page.handed_over", lang, login=case.assignee or text.get("handover_login", ""))
    if action == "complete":
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in form.items()}
        values = {k: v for k, v in values.items() if v not in (None, "")}
        return case_work.complete_step(ctx(), u, case_id, values, shown_step), t(DONE_KEYS[action], lang)
    if action == "comment":
        return case_work.comment(ctx(), u, case_id, text.get("comment", "")), t(DONE_KEYS[action], lang)
    if action == "add_document":
        if not text.get("doc_id"):
            raise PreventUpdate
        return case_work.add_document(ctx(), u, case_id, text["doc_id"]), t(DONE_KEYS[action], lang)
    if action == "reopen":
        return case_work.reopen(ctx(), u, case_id, text.get("reopen_reason", "")), t(DONE_KEYS[action], lang)
    raise PreventUpdate


@callback(
    Output(ids.CASE_STATUS, "children"),
    Output(ids.CASE_HEADER, "children"),
    Output(ids.CASE_BODY, "children"),
    Output(ids.CASE_SIDE, "children"),
    Input({"type": ids.CASE_ACT, "action": ALL}, "n_clicks"),
    State({"type": ids.CASE_INPUT, "name": ALL}, "value"),
    State({"type": ids.CASE_FIELD, "field": ALL}, "value"),
    State(ids.CASE_ID, "data"),
    State(ids.CASE_STEP, "data"),
    prevent_initial_call=True,
)
def _act(_clicks: list[int | None], _inputs: list[Any], _fields: list[Any], case_id: str | None,
         shown_step: str | None) -> Any:  # fmt: skip
    """Every button of the case page: run the use case with the session's principal, show the case again."""
    u, trig = user(), dash.ctx.triggered_id
    if u is None or not case_id or not isinstance(trig, dict):
        raise PreventUpdate
    if not (dash.ctx.triggered and dash.ctx.triggered[0].get("value")):
        raise PreventUpdate  # a button appearing, not a click
    lang = current_lang()
    states = list(dash.ctx.states_list or [])
    try:
        case, done = _run(u, str(trig.get("action")), case_id, str(shown_step or ""), _values(states, 0, "name"),
                          _values(states, 1, "field"))  # fmt: skip
    except AppError as exc:
        return (
            dbc.Alert(_error(exc, lang), color="warning", className="py-2 small", id="case-error"),
            no_update,
            no_update,
            no_update,
        )
    msg = dbc.Alert(done, color="success", className="py-2 small", id="case-done")
    try:
        case = cases.get_case(
            ctx(), u, case_id, check_holder=True
        )  # as this user sees it now (e.g. after handing it over)
    except NotFound:
        return msg, C.not_found("notfound.case"), [], []
    except AppError:
        pass
    header, main, side = case_parts(u, case, lang)
    return msg, header, main, side
