"""Review queue (Klärfälle): /review

Documents the pipeline could not file with confidence, newest first, within the user's scope. Filing takes
two clicks: the register is preselected with the classifier's suggestion, and each candidate customer is a
button ("→ Müller Bau GmbH"); any other customer is found with the autocomplete box. The change is a partial
update of the document, refreshed at once, with an audit entry.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from app import review
from app.access import fileable_registers
from cockpit import components as C
from cockpit import ids
from cockpit.context import ctx, error_text, safe_layout, user
from cockpit.i18n import current_lang, fmt_date, fmt_datetime, fmt_int, t
from domain.errors import AppError
from indexing.schema import REGISTERS
from search.documents import ReviewItem

log = logging.getLogger("cockpit.pages.review")

dash.register_page(__name__, path="/review", name="review", title="Klärfälle – Dossier Cockpit", order=4)


def _register_options(registers: list[str], lang: str) -> list[dict[str, str]]:
    return [{"label": C.register_label(r, lang), "value": r} for r in registers if r != "review"]


def _item(item: ReviewItem, lang: str, can_file: bool, registers: list[str]) -> html.Div:
    """One review item; its register dropdown offers the registers the user may file into in its tenant."""
    doc = item.doc_id
    candidates = (
        [
            dbc.Button(
                [
                    C.icon("bi-arrow-right-circle"),
                    " ",
                    name,
                    html.Span(f" {number}", className="opacity-75") if number else None,
                ],
                id={"type": ids.REVIEW_CANDIDATE, "doc": doc, "customer": cid},
                color="outline-primary",
                size="sm",
                className="me-2 mb-2 candidate-btn",
                n_clicks=0,
                disabled=not can_file,
                title=t("review.assign_to", lang, name=name),
            )
            for cid, name, number in item.candidates
        ]
        if item.candidates
        else [html.Span(t("review.no_candidates", lang), className="text-muted small")]
    )
    reasons = [r for r in item.reasons if r] + ([item.register_reason] if item.register_reason else [])
    return html.Div(
        [
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(dcc.Link(item.title, href=C.document_href(doc)), className="h6 mb-1 review-title"),
                            html.Div(
                                [
                                    html.Span(
                                        [C.icon("bi-file-earmark"), " ", item.file_name], className="me-3 text-break"
                                    )
                                    if item.file_name
                                    else None,
                                    html.Span(
                                        [C.icon("bi-calendar3"), " ", fmt_date(item.doc_date, lang)], className="me-3"
                                    ),
                                    html.Span(f"{t('review.received', lang)}: {fmt_datetime(item.received_at, lang)}"),
                                ],
                                className="small text-muted",
                            ),
                        ]
                    ),
                ],
                className="review-head",
            ),
            html.Details(
                [
                    html.Summary(t("review.why", lang), className="small"),
                    html.Ul([html.Li(r) for r in reasons], className="small mb-1"),
                ],
                className="review-why",
            )
            if reasons
            else None,
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(t("review.register", lang), className="small fw-semibold mb-1"),
                            dcc.Dropdown(
                                id={"type": ids.REVIEW_REGISTER, "doc": doc},
                                options=_register_options(registers, lang),
                                value=item.suggested_register
                                if item.suggested_register in registers and item.suggested_register != "review"
                                else None,
                                clearable=False,
                                searchable=False,
                                className="review-register",
                                disabled=not can_file,
                            ),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        [
                            html.Div(t("review.candidates", lang), className="small fw-semibold mb-1"),
                            html.Div(candidates, className="candidates"),
                            html.Div(
                                [
                                    html.Div(
                                        dcc.Dropdown(
                                            id={"type": ids.REVIEW_CUSTOMER, "doc": doc},
                                            options=[],
                                            placeholder=t("review.customer.placeholder", lang),
                                            searchable=True,
                                            clearable=True,
                                            disabled=not can_file,
                                            className="review-customer",
                                        ),
                                        className="flex-grow-1",
                                        title=t("review.customer", lang),
                                    ),
                                    dbc.Button(
                                        t("review.assign", lang),
                                        id={"type": ids.REVIEW_ASSIGN, "doc": doc},
                                        color="primary",
                                        size="sm",
                                        n_clicks=0,
                                        disabled=not can_file,
                                        className="ms-2",
                                    ),  # fmt: skip
                                ],
                                className="d-flex align-items-start other-customer",
                            ),
                        ],
                        md=8,
                    ),
                ],
                className="g-2 mt-1",
            ),
            html.Div(id={"type": ids.REVIEW_STATUS, "doc": doc}, className="mt-2"),
        ],
        className="review-item",
        id={"type": "review-item", "doc": doc},
    )


@safe_layout
def layout(**kwargs: Any) -> Any:
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    items, total = review.review_queue(ctx(), u)
    can_file = u.can("review")
    body: list[Any]
    if not items:
        body = [html.Div([html.Div(C.icon("bi-check2-circle", "fs-2 text-success")), html.P(t("review.empty", lang), className="mb-0")],
                         className="empty-state", id="review-empty")]  # fmt: skip
    else:
        fileable: dict[str, list[str]] = {}  # per tenant, asked once
        for i in items:
            if i.tenant not in fileable:
                fileable[i.tenant] = fileable_registers(ctx(), u, i.tenant, REGISTERS)
        body = [_item(i, lang, can_file, fileable[i.tenant]) for i in items]
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("review.title", lang), className="h3 mb-1"),
                    html.P(t("review.intro", lang), className="text-muted small mb-1"),
                    html.Div(
                        t("review.count_one", lang) if total == 1 else t("review.count", lang, n=fmt_int(total, lang)),
                        className="fw-semibold small",
                        id="review-count",
                    )
                    if total
                    else None,
                ],
                className="mb-3",
            ),
            None if can_file else dbc.Alert(t("review.error.denied", lang), color="secondary", className="py-2 small"),
            html.Div(body, id=ids.REVIEW_LIST, className="review-list"),
        ],
        className="review-page",
    )


@callback(
    Output({"type": ids.REVIEW_CUSTOMER, "doc": MATCH}, "options"),
    Input({"type": ids.REVIEW_CUSTOMER, "doc": MATCH}, "search_value"),
    prevent_initial_call=True,
)
def _customer_options(search: str | None) -> Any:
    from cockpit.app import customer_options

    return customer_options(search)


@callback(
    Output({"type": ids.REVIEW_STATUS, "doc": MATCH}, "children"),
    Output({"type": "review-item", "doc": MATCH}, "className"),
    Input({"type": ids.REVIEW_CANDIDATE, "doc": MATCH, "customer": ALL}, "n_clicks"),
    Input({"type": ids.REVIEW_ASSIGN, "doc": MATCH}, "n_clicks"),
    State({"type": ids.REVIEW_REGISTER, "doc": MATCH}, "value"),
    State({"type": ids.REVIEW_CUSTOMER, "doc": MATCH}, "value"),
    prevent_initial_call=True,
)
def _assign(cand_clicks: list[int | None], assign_clicks: int | None, register: str | None, other: str | None) -> Any:
    trig = dash.ctx.triggered_id
    if not isinstance(trig, dict):
        raise PreventUpdate
    if trig.get("type") == ids.REVIEW_CANDIDATE:
        if not any(cand_clicks or []):
            raise PreventUpdate
        customer_id = str(trig.get("customer") or "")
    else:
        if not assign_clicks:
            raise PreventUpdate
        customer_id = str(other or "")
    doc_id = str(trig.get("doc") or "")
    u = user()
    if u is None:
        raise PreventUpdate
    if not register:
        return dbc.Alert(t("review.error.register"), color="warning", className="py-2 small mb-0"), "review-item"
    try:
        result = review.assign_review(ctx(), u, doc_id, customer_id, register)
    except AppError as exc:
        return dbc.Alert(error_text(exc), color="warning", className="py-2 small mb-0"), "review-item"
    msg = [C.icon("bi-check2-circle"), " ", t("review.done", name=result.customer_name, register=C.register_label(result.register)), " ",
           dcc.Link(t("search.open_dossier"), href=C.dossier_href(customer_id), className="ms-2")]  # fmt: skip
    return dbc.Alert(msg, color="success", className="py-2 small mb-0 review-done"), "review-item done"
