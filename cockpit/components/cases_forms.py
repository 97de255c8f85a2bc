"""The forms of the case pages (pure): the current step's form, claim / give back / hand over, the case's
documents with the drop zone, comments, reopening, and the "Wiedervorlage" card (case and document pages).

Ids: every button of the case page is {"type": CASE_ACT, "action": ...}, every input {"type": CASE_INPUT,
"name": ...}, the step's fields {"type": CASE_FIELD, "field": ...} — one callback (cockpit/pages/case.py) reads
them all, whichever of them the page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.cases import Case
from app.resubmissions import MAX_NOTE, Resubmission
from cockpit import ids
from cockpit.components.basic import card, document_href, icon
from cockpit.components.cases import comments_list
from cockpit.i18n import fmt_date, t, t_or
from domain.process import FormField, Step

MAX_TEXT = 5000


def act(action: str) -> dict[str, str]:
    return {"type": ids.CASE_ACT, "action": action}


def field_input(name: str) -> dict[str, str]:
    return {"type": ids.CASE_INPUT, "name": name}


def button(action: str, label: str, lang: str, *, color: str = "primary", icon_name: str = "", cls: str = "") -> Any:
    body: list[Any] = [icon(icon_name), " ", t(label, lang)] if icon_name else [t(label, lang)]
    return dbc.Button(body, id=act(action), color=color, size="sm", n_clicks=0, className=cls)


def _field(f: FormField, lang: str) -> Any:
    label = t_or(f"cases.field.{f.id}", f.id, lang) + (" *" if f.required else "")
    fid = {"type": ids.CASE_FIELD, "field": f.id}
    if f.type == "choice":
        options = [{"label": t_or(f"cases.choice.{c}", c, lang), "value": c} for c in f.choices]
        control: Any = dbc.RadioItems(id=fid, options=options, value=None, className="case-choice")
    elif f.type == "number":
        control = dbc.Input(id=fid, type="text", inputMode="decimal", size="sm", maxlength=40, className="case-number")
    else:
        control = dbc.Textarea(id=fid, rows=3, maxlength=f.max_length, className="case-text")
    return html.Div([dbc.Label(label, className="small fw-semibold mb-0"), control], className="mb-2")


def step_form(step: Step, step_name: str, lang: str) -> Any:
    """The current step's form and its "Schritt abschließen" button."""
    fields = [_field(f, lang) for f in step.form] or [
        html.P(t("cases.page.form.none", lang), className="small text-muted")
    ]
    return html.Div([
        html.H2(t("cases.page.form", lang, step=step_name), className="h6"),
        *fields,
        button("complete", "cases.page.complete", lang, icon_name="bi-check2-circle"),
    ], className="case-form mb-3", id="case-form")  # fmt: skip


def work_panel(case: Case, *, me: str, may_work: bool, may_give_back: bool, lang: str) -> Any:
    """Claim, give back, hand over (a colleague's login and an optional note)."""
    buttons: list[Any] = []
    if may_work and case.assignee != me and (not case.assignee or case.holder_lost):
        buttons.append(button("claim", "cases.page.claim", lang, icon_name="bi-hand-index", cls="me-2"))
    if may_give_back:
        buttons.append(button("give_back", "cases.page.give_back", lang, color="outline-secondary",
                              icon_name="bi-arrow-return-left", cls="me-2"))  # fmt: skip
    handover = html.Details([
        html.Summary([icon("bi-people"), " ", t("cases.page.hand_over", lang)], className="small fw-semibold"),
        html.Div([
            dbc.Input(id=field_input("handover_login"), size="sm", maxlength=100, className="mb-1",
                      placeholder=t("cases.page.hand_over.login", lang)),
            dbc.Input(id=field_input("handover_note"), size="sm", maxlength=MAX_TEXT, className="mb-1",
                      placeholder=t("cases.page.hand_over.note", lang)),
            button("hand_over", "cases.page.hand_over", lang, color="outline-primary"),
        ], className="mt-2"),
    ], className="mt-2", id="case-handover")  # fmt: skip
    return html.Div([html.Div(buttons), handover if (may_work or may_give_back) else None], className="case-work")


def documents_card(case: Case, docs: Mapping[str, Mapping[str, Any]], lang: str, *, can_add: bool) -> Any:
    """The case's documents (links); the drop zone and the keyboard fallback (a document id) for an open case."""
    items: list[Any] = []
    hidden = 0
    for doc_id in case.doc_ids:
        src = docs.get(doc_id)
        if src is None:
            hidden += 1
            continue
        title = str(src.get("title") or src.get("file_name") or doc_id)
        items.append(html.Li([icon("bi-file-earmark-text"), " ", dcc.Link(title, href=document_href(doc_id))],
                             className="case-document", id={"type": "case-document", "doc": doc_id}))  # fmt: skip
    if hidden:
        items.append(html.Li(f"+{hidden} {t('cases.page.doc_hidden', lang)}", className="text-muted small"))
    body: list[Any] = [html.Ul(items, className="list-unstyled mb-2 case-documents", id="case-documents")]
    if can_add:
        body.append(html.Div([
            html.Div([icon("bi-box-arrow-in-down"), " ", t("cases.page.drop", lang)], className="case-drop-hint small text-muted"),
            html.Div([
                html.Label([html.Span(t("cases.page.add_doc", lang), className="visually-hidden"),
                            dbc.Input(id=field_input("doc_id"), size="sm", maxlength=100, className="case-doc-input",
                                      placeholder=t("cases.page.add_doc.placeholder", lang))],
                           className="flex-grow-1 me-1 mb-0"),
                button("add_document", "cases.page.add_doc", lang, color="outline-primary", cls="case-doc-add text-nowrap"),
            ], className="d-flex mt-1"),
        ], id=ids.CASE_DROP, className="case-drop border border-2 rounded p-2",
            style={"borderStyle": "dashed"}))  # fmt: skip
    return card([icon("bi-files"), " ", t("cases.page.documents", lang)], body, card_id="case-documents-card")


def comments_card(case: Case, tz: str, lang: str) -> Any:
    return card([icon("bi-chat-left-text"), " ", t("cases.page.comments", lang)], [
        comments_list(case, tz, lang),
        dbc.Textarea(id=field_input("comment"), rows=2, maxlength=MAX_TEXT, className="mb-1",
                     placeholder=t("cases.page.comment.placeholder", lang)),
        button("comment", "cases.page.comment", lang, color="outline-primary", icon_name="bi-chat"),
    ], card_id="case-comments-card")  # fmt: skip


def reopen_form(lang: str) -> Any:
    return html.Div([
        dbc.Label(t("cases.page.reopen.reason", lang), className="small mb-0"),
        dbc.Textarea(id=field_input("reopen_reason"), rows=2, maxlength=MAX_TEXT, className="mb-1", required=True),
        button("reopen", "cases.page.reopen", lang, color="warning", icon_name="bi-arrow-counterclockwise"),
    ], className="case-reopen", id="case-reopen")  # fmt: skip


# ------------------------------------------------------------------------------------------------ resubmissions


def resubmission_list(found: Sequence[Resubmission], me: str, lang: str) -> Any:
    if not found:
        return html.P(t("resub.none", lang), className="text-muted small mb-0", id="resub-none")
    return html.Ul([html.Li([
        html.Span(fmt_date(r.due_on, lang), className="fw-semibold me-2"),
        html.Span(r.note, className="text-break me-2") if r.note else None,
        html.Span(t("resub.for_other", lang, login=r.owner), className="text-muted me-2") if r.owner != me else None,
        dbc.Button(t("resub.done", lang), id={"type": ids.RESUB_DONE, "id": r.id}, color="outline-secondary", size="sm",
                   n_clicks=0, className="py-0"),
    ], className="small mb-1 resub-item", id={"type": "resub-item", "id": r.id}) for r in found],
        className="list-unstyled mb-0")  # fmt: skip


def resubmission_card(target: dict[str, str], found: Sequence[Resubmission], me: str, today: dt.date,
                      lang: str) -> Any:  # fmt: skip
    """ "Wiedervorlage": the day, a note, for me or a colleague (login); my resubmissions of this target."""
    whom = [
        {"label": t("resub.for.me", lang), "value": "me"},
        {"label": t("resub.for.colleague", lang), "value": "other"},
    ]
    form = html.Div([
        dbc.Label(t("resub.date", lang), html_for=ids.RESUB_DATE, className="small mb-0"),
        html.Div(dcc.DatePickerSingle(id=ids.RESUB_DATE, min_date_allowed=today.isoformat(),
                                      display_format="DD.MM.YYYY" if lang == "de" else "YYYY-MM-DD",
                                      first_day_of_week=1, clearable=True,
                                      placeholder=t("resub.date.placeholder", lang)), className="mb-1"),
        dbc.Input(id=ids.RESUB_NOTE, size="sm", maxlength=MAX_NOTE, className="mb-1", placeholder=t("resub.note", lang)),
        dbc.Label(t("resub.for", lang), className="small mb-0 me-2"),
        dbc.RadioItems(id=ids.RESUB_FOR, options=whom, value="me", inline=True, className="small"),
        dbc.Input(id=ids.RESUB_LOGIN, size="sm", maxlength=100, className="mb-1",
                  placeholder=t("resub.login.placeholder", lang)),
        dbc.Button([icon("bi-alarm"), " ", t("resub.set", lang)], id=ids.RESUB_SET, color="primary", size="sm", n_clicks=0),
        html.Div(id=ids.RESUB_STATUS, className="mt-2"),
    ])  # fmt: skip
    return card([icon("bi-alarm"), " ", t("resub.title", lang)], [
        dcc.Store(id=ids.RESUB_TARGET, data=target),
        form,
        html.Div(t("resub.mine", lang), className="small text-muted fw-semibold mt-3"),
        html.Div(resubmission_list(found, me, lang), id=ids.RESUB_LIST),
    ], card_id=ids.RESUB_CARD)  # fmt: skip
