"""The I/O side of the shared case cards: the "Wiedervorlage" card (case and document pages: set one, mark one
done) and the document page's "Fall" card ("Fall eröffnen"). Thin over `app.resubmissions` and `app.cases`;
errors become translated messages. `register_callbacks()` is called by cockpit/pages/case.py (Dash executes a
page module anew for every app it builds).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, no_update
from dash.exceptions import PreventUpdate

from app import cases, resubmissions
from app.resubmissions import Resubmission
from cockpit import ids
from cockpit.components.cases import document_case_body, document_case_card, step_label
from cockpit.components.cases_forms import resubmission_card, resubmission_list
from cockpit.context import ctx, error_text, user
from cockpit.i18n import current_lang, fmt_date, t
from domain.errors import AppError
from domain.principal import Principal

log = logging.getLogger("cockpit.cases")


def _resubs(u: Principal, target: dict[str, Any]) -> list[Resubmission]:
    if target.get("case_id"):
        return resubmissions.of_target(ctx(), u, case_id=str(target["case_id"]))
    return resubmissions.of_target(ctx(), u, doc_id=str(target.get("doc_id") or ""))


def resubmission_section(u: Principal, target: dict[str, str], lang: str) -> Any:
    """The "Wiedervorlage" card of a document or a case (a failure to read leaves the list empty, never breaks
    the page); none for API clients."""
    if u.kind == "api_client" or not u.tenants:
        return None
    try:
        found = _resubs(u, target)
    except AppError as exc:
        log.warning("resubmissions of %s unavailable: %s", target, exc)
        found = []
    today = dt.datetime.now(ZoneInfo(ctx().tz)).date()
    return resubmission_card(target, found, u.login, today, lang)


def moved_text(r: Resubmission, lang: str) -> str | None:
    if not r.moved_from:
        return None
    return t("resubmissions.moved", lang, day=fmt_date(r.moved_from, lang),
             holiday=f" ({r.holiday})" if r.holiday else "", due=fmt_date(r.due_on, lang))  # fmt: skip


def step_labels(found: list[cases.Case], lang: str) -> dict[str, str]:
    """case id -> the label of its current step (from the version of the process it runs)."""
    out: dict[str, str] = {}
    for c in found:
        try:
            out[c.case_id] = step_label(cases.definition_of(ctx(), c), c.step, lang)
        except AppError:
            out[c.case_id] = c.step
    return out


def document_case_section(u: Principal, doc_id: str, lang: str) -> Any:
    """The document page's "Fall" card (none for API clients; a failure leaves a note)."""
    if u.kind == "api_client" or not u.tenants:
        return None
    try:
        found = cases.cases_of_document(ctx(), u, doc_id)
    except AppError as exc:
        return document_case_card(error_text(exc, lang), lang)
    return document_case_card(document_case_body(found, step_labels(found, lang), lang, can_open=True), lang)


def register_callbacks() -> None:
    @callback(
        Output(ids.RESUB_STATUS, "children"),
        Output(ids.RESUB_LIST, "children"),
        Input(ids.RESUB_SET, "n_clicks"),
        Input({"type": ids.RESUB_DONE, "id": ALL}, "n_clicks"),
        State(ids.RESUB_DATE, "date"),
        State(ids.RESUB_NOTE, "value"),
        State(ids.RESUB_FOR, "value"),
        State(ids.RESUB_LOGIN, "value"),
        State(ids.RESUB_TARGET, "data"),
        prevent_initial_call=True,
    )
    def _resubmit(set_clicks: int | None, _done: list[int | None], day: Any, note: str | None, whom: str | None,
                  login: str | None, target: dict[str, Any] | None) -> Any:  # fmt: skip
        """Set a resubmission (the form) or mark one done (its button), then list mine again."""
        u, trig = user(), dash.ctx.triggered_id
        if u is None or not isinstance(target, dict) or not trig:
            raise PreventUpdate
        lang = current_lang()
        try:
            if trig == ids.RESUB_SET:
                if not set_clicks:
                    raise PreventUpdate
                r = resubmissions.create(ctx(), u, on=str(day or "")[:10], note=str(note or ""),
                                         doc_id=target.get("doc_id") or None, case_id=target.get("case_id") or None,
                                         for_login=str(login or "").strip() or None if whom == "other" else None)  # fmt: skip
                done = " ".join(
                    x for x in (t("resub.created", lang, due=fmt_date(r.due_on, lang)), moved_text(r, lang)) if x
                )
            elif isinstance(trig, dict) and trig.get("type") == ids.RESUB_DONE:
                if not (dash.ctx.triggered and dash.ctx.triggered[0].get("value")):
                    raise PreventUpdate  # a button appearing, not a click
                resubmissions.done(ctx(), u, str(trig.get("id") or ""))
                done = t("resub.marked_done", lang)
            else:
                raise PreventUpdate
        except AppError as exc:
            return dbc.Alert(
                error_text(exc, lang), color="danger", className="py-2 small mb-0", id="resub-error"
            ), no_update
        try:
            listed: Any = resubmission_list(_resubs(u, target), u.login, lang)
        except AppError:
            listed = no_update
        return dbc.Alert(done, color="success", className="py-2 small mb-0", id="resub-done-msg"), listed

    @callback(
        Output(ids.DOC_CASE_BODY, "children"),
        Input(ids.DOC_CASE_OPEN, "n_clicks"),
        State(ids.DOCUMENT_ID, "data"),
        prevent_initial_call=True,
    )
    def _open_case(clicks: int | None, doc_id: str | None) -> Any:
        u = user()
        if u is None or not clicks or not doc_id:
            raise PreventUpdate
        lang = current_lang()
        try:
            case = cases.open_case(ctx(), u, doc_id)
        except AppError as exc:
            return dbc.Alert(
                error_text(exc, lang), color="danger", className="py-2 small mb-0", id="document-case-error"
            )
        body = document_case_body([case], step_labels([case], lang), lang, can_open=False)
        return [dbc.Alert(t("cases.page.opened", lang), color="success", className="py-2 small mb-2"), body]
