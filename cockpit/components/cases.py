"""The pieces of the case pages (pure: data in, components out): badges, the task tables of /aufgaben, the case
page's header, stepper, protocol and comments, the dossier's "Offene Fälle" card and the document's "Fall" card.
Forms (step form, actions, documents, resubmissions): cockpit.components.cases_forms; callbacks:
cockpit/pages/tasks.py, cockpit/pages/case.py, cockpit.components.cases_callbacks.

Every value from a case (comments, notes, names, titles) is rendered as text, never as HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.case_views import customer_name, first_document
from app.cases import Case
from cockpit import ids
from cockpit.components.basic import card, document_href, dossier_href, h, icon, link
from cockpit.i18n import fmt_date, fmt_datetime, fmt_decimal, t, t_or
from domain.principal import Principal
from domain.process import Process

STATE_COLORS = {"open": "primary", "overdue": "danger", "closed": "secondary"}


def works_cases(u: Principal | None) -> bool:
    """Who sees the case pages: people of a tenant (not API clients)."""
    return u is not None and u.kind != "api_client" and bool(u.tenants)


def case_href(case_id: str) -> str:
    return f"/fall/{quote(str(case_id), safe='')}"


def local(iso: str | None, tz: str) -> str | None:
    """A stored UTC timestamp in the configured time zone (for display)."""
    if not iso:
        return iso
    try:
        return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(tz)).isoformat()
    except (ValueError, KeyError):
        return iso


def step_label(process: Process | None, step_id: str, lang: str) -> str:
    step = process.steps.get(step_id) if process is not None else None
    if step is None:
        return step_id
    return str(step.labels.get(lang) or step.labels.get("de") or step.id)


def process_label(process: Process | None, fallback: str, lang: str) -> str:
    if process is None:
        return fallback
    return str(process.labels.get(lang) or process.labels.get("de") or process.name)


def state_badge(case: Case, lang: str) -> Any:
    state = case.state or case.status
    return dbc.Badge(t_or(f"case_state.{state}", state, lang), color=STATE_COLORS.get(state, "secondary"),
                     className="case-state", id={"type": "case-state", "case": case.case_id})  # fmt: skip


def due_cell(case: Case, lang: str) -> Any:
    overdue = (
        dbc.Badge(t("case_state.overdue", lang), color="danger", className="ms-2 overdue-badge")
        if case.overdue
        else None
    )  # fmt: skip
    return html.Span([fmt_date(case.due_at, lang) if case.due_at else "–", overdue], className="text-nowrap")


def holder_cell(case: Case, name: Callable[[str | None], str], lang: str) -> Any:
    if not case.assignee:
        return html.Span(t("cases.page.unassigned", lang), className="text-muted")
    lost = (
        dbc.Badge([icon("bi-exclamation-triangle"), " ", t("cases.page.holder_lost", lang)], color="warning",
                  text_color="dark", className="ms-2 holder-lost", title=t_or(case.holder_lost or "", "", lang))
        if case.holder_lost
        else None
    )  # fmt: skip
    return html.Span([name(case.assignee), lost])


def task_table(found: Sequence[Case], docs: Mapping[str, Mapping[str, Any]], labels: Mapping[str, str], *,
               me: str, may_claim: Callable[[Case], bool], name: Callable[[str | None], str], lang: str,
               table_id: str, empty_key: str) -> Any:  # fmt: skip
    """One row per case: customer, first document, step, due date, holder, actions (claim, give back, open).
    Built as plain JSON (`h`/`link`): a page of rows is sent without Dash's slow component pass."""
    if not found:
        return html.P(t(empty_key, lang), className="text-muted small mb-0", id=table_id)
    head = h("Thead", h("Tr", [h("Th", t(f"cases.page.col.{k}", lang)) for k in
                                ("customer", "document", "step", "due", "holder")] + [h("Th", "")]))  # fmt: skip
    claim, give_back, open_ = t("cases.page.claim", lang), t("cases.page.give_back", lang), t("cases.page.open", lang)
    rows = []
    for c in found:
        first = first_document(docs, c)
        actions: list[Any] = []
        if c.assignee != me and (not c.assignee or c.holder_lost) and may_claim(c):
            actions.append(h("Button", claim, id={"type": ids.TASKS_ACT, "action": "claim", "case": c.case_id},
                             n_clicks=0, className="btn btn-primary btn-sm me-1"))  # fmt: skip
        if c.assignee == me:
            actions.append(h("Button", give_back, id={"type": ids.TASKS_ACT, "action": "give_back", "case": c.case_id},
                             n_clicks=0, className="btn btn-outline-secondary btn-sm me-1"))  # fmt: skip
        actions.append(link([icon("bi-box-arrow-up-right"), " ", open_], case_href(c.case_id),
                            className="btn btn-sm btn-outline-primary case-open"))  # fmt: skip
        customer = customer_name(docs, c)
        rows.append(h("Tr", [
            h("Td", link(customer, dossier_href(c.customer_id)) if c.customer_id else "–", className="text-break"),
            h("Td", link(first[1], document_href(first[0])) if first else "–", className="text-break"),
            h("Td", labels.get(c.case_id, c.step)),
            h("Td", _due(c, lang)),
            h("Td", _holder(c, name, lang)),
            h("Td", actions, className="text-nowrap"),
        ], className="case-row" + (" table-danger" if c.overdue else ""), id={"type": "case-row", "case": c.case_id}))  # fmt: skip
    table = h("Table", [head, h("Tbody", rows)], className="table table-sm table-hover case-table mb-0", id=table_id)
    return h("Div", table, className="table-responsive")


def _due(case: Case, lang: str) -> Any:
    badge = h("Span", t("case_state.overdue", lang), className="badge text-bg-danger ms-2 overdue-badge")
    return h("Span", [fmt_date(case.due_at, lang) if case.due_at else "–", badge if case.overdue else None],
             className="text-nowrap")  # fmt: skip


def _holder(case: Case, name: Callable[[str | None], str], lang: str) -> Any:
    if not case.assignee:
        return h("Span", t("cases.page.unassigned", lang), className="text-muted")
    lost = h("Span", [icon("bi-exclamation-triangle"), " ", t("cases.page.holder_lost", lang)],
             className="badge text-bg-warning ms-2 holder-lost", title=t_or(case.holder_lost or "", "", lang))  # fmt: skip
    return h("Span", [name(case.assignee), lost if case.holder_lost else None])


# ------------------------------------------------------------------------------------------------ case page


def case_header(case: Case, process: Process | None, docs: Mapping[str, Mapping[str, Any]],
                name: Callable[[str | None], str], lang: str) -> Any:  # fmt: skip
    customer = customer_name(docs, case)
    sub: list[Any] = [
        html.Span([icon("bi-folder2-open"), " ", dcc.Link(customer, href=dossier_href(case.customer_id))], className="me-3",
                  id="case-customer") if case.customer_id else None,
        state_badge(case, lang),
        html.Span([icon("bi-calendar-event"), " ", t("cases.page.due", lang, due=fmt_date(case.due_at, lang))],
                  className="ms-3", id="case-due") if case.due_at and case.is_open else None,
        html.Span([icon("bi-person"), " ", t("cases.page.holder", lang, name=name(case.assignee)) if case.assignee
                   else t("cases.page.unassigned", lang)], className="ms-3", id="case-holder") if case.is_open else None,
        html.Span([t("cases.page.decision", lang), ": ", t_or(f"cases.choice.{case.decision}", case.decision, lang)],
                  className="ms-3") if case.decision else None,
    ]  # fmt: skip
    return html.Div([
        html.Div([icon("bi-briefcase"), " ", t("cases.page.eyebrow", lang)], className="eyebrow"),
        html.H1([process_label(process, case.process, lang), html.Span(f" · {customer}", className="text-muted")
                 if customer else None], className="h4 mb-1", id="case-title"),
        html.Div([s for s in sub if s is not None], className="small d-flex flex-wrap align-items-center"),
    ], className="case-header mb-3")  # fmt: skip


def stepper(case: Case, process: Process | None, name: Callable[[str | None], str], tz: str, lang: str) -> Any:
    """The process's steps top to bottom: done ones with who and when, the current one highlighted with its due
    date, later ones greyed."""
    if process is None:
        return html.P(case.step, className="small")
    done: dict[str, dict[str, Any]] = {}
    for e in case.protocol:
        if e.get("action") == "completed":
            done[str(e.get("step"))] = e
    items = []
    for step in process.steps.values():
        current = case.is_open and step.id == case.step
        entry = done.get(step.id)
        if current:
            state, mark = "current", icon("bi-arrow-right-circle-fill", "text-primary")
            sub = t("cases.page.step.current", lang, due=fmt_date(case.due_at, lang)) if case.due_at else None
        elif entry is not None:
            state, mark = "done", icon("bi-check-circle-fill", "text-success")
            sub = t("cases.page.step.done", lang, name=str(entry.get("by_name") or name(entry.get("by"))),
                    when=fmt_datetime(local(str(entry.get("at") or ""), tz), lang))  # fmt: skip
        else:
            state, mark, sub = "later", icon("bi-circle", "text-muted"), None
        items.append(html.Li([
            html.Div([mark, " ", html.Span(step_label(process, step.id, lang), className="fw-semibold" if current else "")]),
            html.Div(sub, className="small " + ("text-danger" if current and case.overdue else "text-muted")) if sub else None,
        ], className=f"case-step step-{state}" + (" text-muted opacity-50" if state == "later" else ""),
           id={"type": "case-stepper-step", "step": step.id}))  # fmt: skip
    closed = (html.P(t("cases.page.closed_at", lang, when=fmt_datetime(local(case.closed_at, tz), lang)), className="small mb-0 mt-2")
              if not case.is_open and case.closed_at else None)  # fmt: skip
    return card(t("cases.page.steps", lang), [html.Ol(items, className="list-unstyled case-stepper mb-0"), closed],
                card_id="case-steps")  # fmt: skip


def _value(v: Any, lang: str) -> str:
    """A form value as the reader writes it: a choice by its label, a number in the reader's notation."""
    if isinstance(v, str):
        return t_or(f"cases.choice.{v}", v, lang)
    if isinstance(v, int | float) and not isinstance(v, bool):
        return fmt_decimal(v, lang)
    return str(v)


def _details(e: Mapping[str, Any], process: Process | None, lang: str) -> Any:
    action = e.get("action")
    if action == "comment":
        return e.get("text")
    if action in ("reopened", "handed_over"):
        parts = [str(e.get("to") or ""), str(e.get("note") or "")]
        return " · ".join(p for p in parts if p)
    if action == "completed":
        values = e.get("values") or {}
        shown = [f"{t_or('cases.field.' + str(k), str(k), lang)}: {_value(v, lang)}" for k, v in values.items()]
        if e.get("next") and e.get("next") in (process.steps if process else {}):
            shown.append(f"→ {step_label(process, str(e['next']), lang)}")
        return " · ".join(shown)
    if action in ("document_added", "joined", "new_version", "opened") and e.get("doc_id"):
        return dcc.Link(t("cases.page.protocol.document", lang), href=document_href(str(e["doc_id"])))
    if action == "customer_changed":
        return f"{e.get('from_customer') or '–'} → {e.get('to_customer') or '–'}"
    if action == "released" and e.get("holder"):
        why = t_or(str(e["reason"]), "", lang) if e.get("reason") else ""
        return " · ".join(p for p in (str(e.get("holder")), why) if p)
    return None


def protocol_table(case: Case, process: Process | None, tz: str, lang: str) -> Any:
    head = html.Thead(html.Tr([html.Th(t(f"cases.page.protocol.{k}", lang))
                               for k in ("when", "who", "action", "step", "details")]))  # fmt: skip
    rows = [html.Tr([
        html.Td(fmt_datetime(local(str(e.get("at") or ""), tz), lang), className="text-nowrap"),
        html.Td(str(e.get("by_name") or e.get("by") or ""), className="text-break"),
        html.Td(t_or(f"cases.action.{e.get('action')}", str(e.get("action") or ""), lang)),
        html.Td(step_label(process, str(e.get("step") or ""), lang)),
        html.Td(_details(e, process, lang), className="text-break small"),
    ], className=f"protocol-{e.get('action')}") for e in case.protocol]  # fmt: skip
    table = dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, className="case-protocol mb-0")
    return card(t("cases.page.protocol", lang), table, card_id="case-protocol")


def comments_list(case: Case, tz: str, lang: str) -> Any:
    if not case.comments:
        return html.P(t("cases.page.comments.none", lang), className="text-muted small", id="case-comments-none")
    return html.Ul([html.Li([
        html.Div([html.Span(str(c.get("by_name") or c.get("by") or ""), className="fw-semibold"),
                  html.Span(f" · {fmt_datetime(local(str(c.get('at') or ''), tz), lang)}", className="text-muted")],
                 className="small"),
        html.Div(str(c.get("text") or ""), className="case-comment-text text-break", style={"whiteSpace": "pre-wrap"}),
    ], className="mb-2") for c in case.comments], className="list-unstyled case-comments mb-2")  # fmt: skip


# ------------------------------------------------------------------------------------------------ other pages


def dossier_cases_card(found: Sequence[Case], labels: Mapping[str, str], lang: str) -> Any:
    """The dossier's "Offene Fälle": step, due date, an overdue flag, a link each."""
    if not found:
        body: Any = html.P(t("dossier.cases.none", lang), className="text-muted small mb-0")
    else:
        body = html.Ul([html.Li([
            dcc.Link([icon("bi-briefcase"), " ", labels.get(c.case_id, c.step)], href=case_href(c.case_id)),
            html.Span(" · ", className="text-muted"), due_cell(c, lang),
        ], className="small mb-1" + (" text-danger fw-semibold case-overdue" if c.overdue else ""),
           id={"type": "dossier-case", "case": c.case_id}) for c in found], className="list-unstyled mb-0")  # fmt: skip
    return card([icon("bi-briefcase"), " ", t("dossier.cases", lang)], body, card_id=ids.DOSSIER_CASES)


def document_case_body(found: Sequence[Case], labels: Mapping[str, str], lang: str, *, can_open: bool) -> Any:
    """The inside of the document's "Fall" card: its open case (link, step, state), else "Fall eröffnen"."""
    if found:
        c = found[0]
        return html.Div([
            dcc.Link([icon("bi-briefcase"), " ", t("document.case.link", lang)], href=case_href(c.case_id),
                     className="fw-semibold", id="document-case-link"),
            html.Div([labels.get(c.case_id, c.step), " ", state_badge(c, lang), " ", due_cell(c, lang)], className="small mt-1"),
        ])  # fmt: skip
    return html.Div([
        html.P(t("document.case.none", lang), className="text-muted small mb-2"),
        dbc.Button([icon("bi-plus-circle"), " ", t("document.case.open", lang)], id=ids.DOC_CASE_OPEN, color="primary",
                   size="sm", n_clicks=0) if can_open else None,
    ])  # fmt: skip


def document_case_card(body: Any, lang: str) -> Any:
    return card([icon("bi-briefcase"), " ", t("document.case.title", lang)],
                [html.Div(body, id=ids.DOC_CASE_BODY)], card_id=ids.DOC_CASE_CARD)  # fmt: skip
