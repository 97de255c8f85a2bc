"""Document page: /document/<doc_id>[?q=<terms to highlight>]

Metadata, the extracted text (query terms marked with html.Mark — the text is never HTML), recognised
entities, why it was filed here, versions, the dossiers it belongs to, the original (permission-checked
download), similar documents (loaded after the page, so they never slow it down), the "Vertraulich" badge, and
for those who may grant: the confidentiality form and the grants on this document (callbacks of the grants
card: cockpit.components.access_callbacks).
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app import audit_read, confidential, documents
from cockpit import components as C
from cockpit import ids
from cockpit.components.access import confidential_badge, confidential_card, split_names
from cockpit.components.access_callbacks import grants_section
from cockpit.components.cases_callbacks import document_case_section, resubmission_section
from cockpit.components.history import history_card
from cockpit.context import ctx, error_text, safe_layout, user
from cockpit.i18n import current_lang, fmt_date, fmt_datetime, fmt_int, fmt_money, fmt_size, t, t_or
from cockpit.urlstate import clean_text_param
from domain.errors import AppError
from domain.principal import AUDIT, GRANT, HISTORY
from search.documents import DocumentData

log = logging.getLogger("cockpit.pages.document")

dash.register_page(
    __name__, path_template="/document/<doc_id>", name="document", title="Dokument – Dossier Cockpit", order=3
)

ENTITY_KINDS_SHOWN = ("customer_number", "order_number", "invoice_number", "delivery_number", "offer_number",
                      "person", "org", "email", "phone", "iban", "vat_id", "amount", "date")  # fmt: skip


def _meta_card(d: DocumentData, lang: str) -> Any:
    s = d.source
    rows: list[tuple[str, Any]] = [
        (t("document.field.register", lang), C.register_badge(s.get("register"), lang)),
        (t("document.field.date", lang), fmt_date(s.get("doc_date"), lang)),
        (t("document.field.received", lang), fmt_datetime(s.get("received_at"), lang)),
        (
            t("document.field.status", lang),
            t_or(f"status.{s.get('status')}", str(s.get("status") or ""), lang)
            if s.get("status") not in (None, "n/a")
            else None,
        ),
        (
            t("document.field.amount", lang),
            fmt_money(s["total_amount"], s.get("currency"), lang) if s.get("total_amount") is not None else None,
        ),
        (t("document.field.subject", lang), s.get("subject")),
        (t("document.field.from", lang), s.get("mail_from")),
        (
            t("document.field.to", lang),
            ", ".join(s.get("mail_to") or []) if isinstance(s.get("mail_to"), list) else s.get("mail_to"),
        ),
        (
            t("document.field.file", lang),
            html.Span(s.get("file_name"), className="text-break") if s.get("file_name") else None,
        ),
        (t("document.field.type", lang), s.get("mime_type")),
        (t("document.field.size", lang), fmt_size(s.get("file_size"), lang) if s.get("file_size") else None),
        (t("document.field.pages", lang), s.get("pages")),
        (t("document.field.language", lang), t_or(f"language.{s.get('language')}", str(s.get("language") or ""), lang)),
        (
            t("document.field.source", lang),
            t_or(f"source.{s.get('source_kind')}", str(s.get("source_kind") or ""), lang),
        ),
        (t("document.field.version", lang), s.get("version")),
        (t("document.field.indexed", lang), fmt_datetime(s.get("indexed_at"), lang)),
        (t("document.field.id", lang), html.Code(d.doc_id, className="small text-break")),
    ]
    return C.card(t("document.meta", lang), C.definition_list(rows), card_id="document-meta")


def _filing_card(d: DocumentData, lang: str) -> Any:
    f = d.source.get("filing") or {}
    status = str(f.get("status") or "")
    color = {"auto": "success", "manual": "primary", "review": "warning"}.get(status, "secondary")
    conf = f.get("confidence")
    rows: list[tuple[str, Any]] = [
        (
            t("document.filing.status", lang),
            dbc.Badge(t_or(f"filing.{status}", status, lang), color=color) if status else None,
        ),
        (
            t("document.filing.confidence", lang),
            f"{float(conf) * 100:.0f} %" if isinstance(conf, int | float) else None,
        ),
        (t("document.filing.register_reason", lang), f.get("register_reason")),
    ]
    reasons = [str(r) for r in f.get("reasons") or []]
    body: list[Any] = [C.definition_list(rows)]
    if reasons:
        body += [html.Div(t("document.filing.reasons", lang), className="small text-muted fw-semibold mt-2"),
                 html.Ul([html.Li(r) for r in reasons], className="small mb-0 reasons", id="filing-reasons")]  # fmt: skip
    return C.card(t("document.filing", lang), body, card_id="document-filing")


def _dossiers_card(d: DocumentData, lang: str) -> Any:
    if not d.customers:
        body: Any = html.P(t("document.dossiers.none", lang), className="text-muted small mb-0")
    else:
        body = html.Ul(
            [
                html.Li(
                    [
                        C.icon("bi-folder2-open"),
                        " ",
                        dcc.Link(name, href=C.dossier_href(cid)),
                        html.Span(f" {number}", className="text-muted small") if number else None,
                    ]
                )  # fmt: skip
                for cid, name, number in d.customers
            ],
            className="list-unstyled mb-0",
            id="document-dossiers",
        )
    return C.card(t("document.dossiers", lang), body, card_id="document-dossiers-card")


def _versions_card(d: DocumentData, lang: str) -> Any | None:
    if len(d.versions) <= 1:
        return None
    items = []
    for v in d.versions:
        vid = str(v.get("doc_id") or "")
        this = vid == d.doc_id
        label: list[Any] = [
            f"{t('document.field.version', lang)} {v.get('version')}",
            html.Span(f" · {fmt_date(v.get('doc_date'), lang)}", className="text-muted"),
        ]
        if v.get("is_latest"):
            label.append(dbc.Badge(t("document.versions.latest", lang), color="success", className="ms-2"))
        if this:
            label.append(dbc.Badge(t("document.versions.this", lang), color="secondary", className="ms-1"))
        items.append(
            html.Li(html.Span(label) if this else dcc.Link(label, href=C.document_href(vid)), className="version-item")
        )
    return C.card(
        t("document.versions", lang), html.Ul(items, className="list-unstyled mb-0 small"), card_id="document-versions"
    )


def _entities_card(d: DocumentData, lang: str) -> Any:
    ents = d.source.get("entities") or {}
    rows = []
    for kind in ENTITY_KINDS_SHOWN:
        values = [str(v) for v in ents.get(kind) or []]
        if not values:
            continue
        chips = [html.Span(v, className="entity-chip") for v in values[:12]]
        if len(values) > 12:
            chips.append(html.Span(f"+{len(values) - 12}", className="text-muted small"))
        rows.append(
            html.Div(
                [
                    html.Div(t_or(f"entity.{kind}", kind, lang), className="small text-muted fw-semibold"),
                    html.Div(chips, className="mb-2"),
                ]
            )
        )
    body: list[Any] = rows or [html.P(t("document.entities.none", lang), className="text-muted small mb-0")]
    return C.card(t("document.entities", lang), body, card_id="document-entities")


def _related_card(d: DocumentData, lang: str) -> Any | None:
    s = d.source
    items = []
    parent = s.get("parent_id")
    if parent and parent in d.related:
        r = d.related[parent]
        items.append(
            html.Li(
                [
                    html.Span(t("document.parent", lang) + ": ", className="text-muted"),
                    dcc.Link(r.get("title") or r.get("subject") or parent, href=C.document_href(parent)),
                ]
            )
        )
    for aid in s.get("attachment_ids") or []:
        if aid in d.related:
            r = d.related[aid]
            items.append(
                html.Li(
                    [
                        C.icon("bi-paperclip"),
                        " ",
                        dcc.Link(r.get("file_name") or r.get("title") or aid, href=C.document_href(aid)),
                    ]
                )
            )
    if not items:
        return None
    return C.card(
        t("document.attachments", lang),
        html.Ul(items, className="list-unstyled small mb-0"),
        card_id="document-related",
    )


def _text_card(d: DocumentData, q: str, lang: str) -> Any:
    children: list[Any] = []
    if q:
        children.append(
            html.Div(
                [C.icon("bi-highlighter"), " ", t("document.highlight_for", lang, q=q)],
                className="small text-muted mb-2",
            )
        )
    shown = sum(len(p) for p, _ in d.text_pieces)
    if not d.text_pieces:
        children.append(html.P(t("document.text.empty", lang), className="text-muted"))
    else:
        children.append(
            html.Div(
                C.highlighted_text(d.text_pieces),
                className="doc-text",
                id=ids.DOCUMENT_TEXT,
                lang=str(d.source.get("language") or ""),
            )
        )
        if shown < d.text_total_chars:
            children.append(
                html.P(
                    t("document.text.truncated", lang, n=fmt_int(shown, lang), total=fmt_int(d.text_total_chars, lang)),
                    className="small text-muted mt-2",
                )
            )
    return C.card(t("document.text", lang), children, card_id="document-text-card")


@safe_layout
def layout(doc_id: str = "", **kwargs: Any) -> Any:
    u = user()
    doc_id = clean_text_param(doc_id, 100)
    if u is None or not doc_id:
        return C.not_found("notfound.document")
    lang = current_lang()
    q = clean_text_param(kwargs.get("q"), 500)
    d = documents.document(ctx(), u, doc_id, q)
    s = d.source
    title = str(s.get("title") or s.get("subject") or s.get("file_name") or d.doc_id)
    latest = next((v for v in d.versions if v.get("is_latest")), None)
    older = s.get("is_latest") is False
    header_badges: list[Any] = []
    if s.get("version") and int(s["version"]) > 1:
        header_badges.append(dbc.Badge(f"v{s['version']}", color="info", className="ms-2 version-badge"))
    actions: list[Any] = [
        html.A(
            [C.icon("bi-download"), " ", t("document.download", lang)],
            href=C.original_href(d.doc_id),
            className="btn btn-primary btn-sm",
            id=ids.DOCUMENT_DOWNLOAD,
            download=str(s.get("file_name") or ""),
            rel="nofollow",
        ),  # fmt: skip
    ]
    if q:
        from cockpit.urlstate import SearchState

        actions.insert(
            0,
            dcc.Link(
                [C.icon("bi-arrow-left"), " ", t("common.back_search", lang)],
                href=SearchState(q=q).href(),
                className="btn btn-outline-secondary btn-sm",
            ),
        )
    customers_line = [
        html.Span([C.icon("bi-folder2-open"), " ", dcc.Link(name, href=C.dossier_href(cid))], className="me-3")
        for cid, name, _ in d.customers
    ]
    side = [c for c in (_meta_card(d, lang), _filing_card(d, lang), _dossiers_card(d, lang), _versions_card(d, lang),
                        _related_card(d, lang), _entities_card(d, lang)) if c is not None]  # fmt: skip
    conf = confidential.Confidentiality.of(d.doc_id, s)
    if u.can(GRANT):
        target = {
            "doc_id": d.doc_id,
            "family_id": str(s.get("family_id") or d.doc_id),
            "tenant": str(s.get("tenant") or ""),
        }
        side += [confidential_card(conf, lang), grants_section(u, target, lang)]
    side[1:1] = [document_case_section(u, d.doc_id, lang), resubmission_section(u, {"doc_id": d.doc_id}, lang)]
    if u.can(HISTORY):
        side.append(_history(u, d.doc_id, lang))
    side.append(
        C.card(
            t("document.similar", lang),
            dcc.Loading(
                html.Div(t("common.loading", lang), id=ids.DOCUMENT_SIMILAR, className="small text-muted"), type="dot"
            ),
            card_id="document-similar-card",
        )
    )
    return html.Div(
        [
            dcc.Store(id=ids.DOCUMENT_ID, data=d.doc_id),
            html.Div(
                [
                    html.Div(
                        [
                            html.Div(
                                [
                                    C.register_badge(s.get("register"), lang),
                                    html.Span(f" · {fmt_date(s.get('doc_date'), lang)}", className="text-muted small"),
                                ],
                                className="eyebrow",
                            ),
                            html.H1([title, *header_badges], className="h4 mb-1 doc-title", id="document-title"),
                            html.Div(confidential_badge(conf, lang), id=ids.CONFIDENTIAL_BADGE),
                            html.Div(customers_line, className="small"),
                        ],
                        className="doc-heading",
                    ),
                    html.Div(actions, className="doc-actions"),
                ],
                className="doc-header",
            ),
            dbc.Alert(
                [
                    t("document.older", lang),
                    " ",
                    dcc.Link(t("document.open_latest", lang), href=C.document_href(str(latest.get("doc_id")))),
                ],
                color="secondary",
                className="py-2 small",
                id="document-older",
            )
            if older and latest
            else None,  # fmt: skip
            dbc.Row(
                [
                    dbc.Col(_text_card(d, q, lang), lg=8),
                    dbc.Col(side, lg=4, className="side-col"),
                ],
                className="g-3",
            ),
        ],
        className="document-page",
    )


def _history(u: Any, doc_id: str, lang: str) -> Any:
    """The "Verlauf" card (reading it writes nothing; a failure leaves a note, never breaks the page)."""
    try:
        found = audit_read.document_history(ctx(), u, doc_id)
    except Exception as exc:  # noqa: BLE001 - the history is a side card
        log.warning("history(%s) failed: %s", doc_id, exc)
        found = None
    return history_card(found, doc_id, ctx().tz, lang, audit_link=u.can(AUDIT))


@callback(Output(ids.DOCUMENT_SIMILAR, "children"), Input(ids.DOCUMENT_ID, "data"))
def _similar(doc_id: str | None) -> Any:
    u = user()
    if not doc_id or u is None:
        return None
    try:
        hits = documents.similar(ctx(), u, doc_id, k=6)
    except Exception as exc:  # noqa: BLE001 - similar documents are a bonus, never an error page
        log.warning("similar(%s) failed: %s", doc_id, exc)
        hits = []
    return C.compact_list(hits, empty_key="document.similar.none", list_id="similar-list")


@callback(
    Output(ids.CONFIDENTIAL_STATUS, "children"),
    Output(ids.CONFIDENTIAL_BADGE, "children"),
    Input(ids.CONFIDENTIAL_MARK, "n_clicks"),
    Input(ids.CONFIDENTIAL_LIFT, "n_clicks"),
    State(ids.CONFIDENTIAL_USERS, "value"),
    State(ids.CONFIDENTIAL_GROUPS, "value"),
    State(ids.DOCUMENT_ID, "data"),
    prevent_initial_call=True,
)
def _confidential(mark: int | None, lift: int | None, users: str | None, groups: str | None, doc_id: str | None) -> Any:
    """Mark the document confidential for the named users and groups (or change who), or lift it."""
    u = user()
    which = dash.ctx.triggered_id
    if u is None or not doc_id or which not in (ids.CONFIDENTIAL_MARK, ids.CONFIDENTIAL_LIFT):
        raise PreventUpdate
    if not (mark if which == ids.CONFIDENTIAL_MARK else lift):
        raise PreventUpdate
    lang = current_lang()
    try:
        if which == ids.CONFIDENTIAL_MARK:
            conf = confidential.mark(ctx(), u, doc_id, users=split_names(users), groups=split_names(groups))
            done = t("access.confidential.marked", lang)
        else:
            conf = confidential.lift(ctx(), u, doc_id)
            done = t("access.confidential.lifted", lang)
    except AppError as exc:
        return dbc.Alert(error_text(exc, lang), color="danger", className="py-2 small mb-0",
                         id="confidential-error"), no_update  # fmt: skip
    return dbc.Alert(done, color="success", className="py-2 small mb-0", id="confidential-done"), confidential_badge(
        conf, lang
    )
