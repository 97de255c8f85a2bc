"""Audit page (/audit, compliance and administrators): who did what, when, in which tenant.

Filters (person, document, customer, actions, period, tenant for those with several) and the page live in the
URL (`app.audit_urls`), so a filtered trail can be bookmarked or sent on; the document page's "Verlauf" card
links here with `?doc=<id>`. Paging is newer/older (search_after), the CSV export writes every matching entry
through the use case (permission-checked, and itself audited). Invalid URL values are dropped with a message.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app import audit_read
from app.audit_read import AuditEntry, AuditPage
from app.audit_urls import audit_href, audit_query_string, page_href, parse_audit_params
from cockpit import components as C
from cockpit import ids
from cockpit.components.history import action_label, fmt_time, who_label
from cockpit.context import ctx, error_text, safe_layout, user
from cockpit.i18n import current_lang, fmt_int, t, t_or
from domain.errors import AppError
from domain.principal import AUDIT
from search.audit import AUDIT_ACTIONS, AuditQuery

log = logging.getLogger("cockpit.pages.audit")

dash.register_page(__name__, path="/audit", name="audit", title="Audit-Protokoll – Dossier Cockpit", order=8)

OUTCOME_COLORS = {"ok": "success", "indexed": "success", "new_version": "success", "review": "info",
                  "refused": "warning", "failed": "danger", "error": "danger"}  # fmt: skip


@safe_layout
def layout(**kwargs: Any) -> Any:
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    if not u.can(AUDIT):
        return html.Div(dbc.Alert(t("audit.denied", lang), color="secondary"), className="py-4", id="audit-denied")
    query, url_msgs = parse_audit_params(kwargs)
    messages = C.url_messages(url_msgs)
    page: AuditPage | None = None
    try:
        page = audit_read.trail(ctx(), u, query)
    except AppError as exc:
        messages.append(error_text(exc, lang))
    return html.Div(
        [
            dcc.Location(id=ids.AUDIT_NAV, refresh="callback-nav"),
            dcc.Store(id=ids.AUDIT_STATE, data=audit_query_string(query)),
            dcc.Download(id=ids.AUDIT_DOWNLOAD),
            html.H1(t("audit.heading", lang), className="h3 mb-1"),
            html.P(t("audit.intro", lang, tenants=", ".join(sorted(u.tenants))), className="text-muted mb-2"),
            C.messages_alert(messages) or html.Div(),
            _filters(u, query, lang),
            _toolbar(page, lang),
            html.Div(id=ids.AUDIT_EXPORT_STATUS),
            _table(page, lang) if page is not None else html.Div(id=ids.AUDIT_TABLE),
            _pager(query, page, lang),
        ],
        className="audit-page",
    )


# ----------------------------------------------------------------------------------------------- pieces


def _field(label: str, control: Any, fid: str, **col: Any) -> Any:
    return dbc.Col([dbc.Label(label, html_for=fid, className="small mb-0"), control], **col)


def _filters(u: Any, query: AuditQuery, lang: str) -> Any:
    logins = sorted(login for login, p in ctx().directory.all().items() if p.tenants & u.tenants)
    actions = sorted({*AUDIT_ACTIONS, *query.actions}, key=lambda a: action_label(a, lang).lower())
    cols = [
        _field(t("audit.filter.user", lang), html.Div([
            dbc.Input(id=ids.AUDIT_USER, value=query.user or "", type="text", size="sm", maxlength=300,
                      list="audit-user-list", placeholder=t("audit.filter.user.hint", lang), autocomplete="off"),
            html.Datalist([html.Option(value=x) for x in logins], id="audit-user-list"),
        ]), ids.AUDIT_USER, md=4, lg=2),
        _field(t("audit.filter.doc", lang), dbc.Input(id=ids.AUDIT_DOC, value=query.doc_id or "", type="text", size="sm",
               maxlength=300, placeholder=t("audit.filter.doc.hint", lang)), ids.AUDIT_DOC, md=4, lg=2),
        _field(t("audit.filter.customer", lang), dbc.Input(id=ids.AUDIT_CUSTOMER, value=query.customer_id or "",
               type="text", size="sm", maxlength=300, placeholder=t("audit.filter.customer.hint", lang)),
               ids.AUDIT_CUSTOMER, md=4, lg=2),
        _field(t("audit.filter.action", lang), dcc.Dropdown(
            id=ids.AUDIT_ACTION, options=[{"label": action_label(a, lang), "value": a} for a in actions],
            value=list(query.actions), multi=True, placeholder=t("audit.filter.all", lang)), ids.AUDIT_ACTION, md=6, lg=3),
        _field(t("audit.filter.period", lang), dcc.DatePickerRange(
            id=ids.AUDIT_PERIOD, start_date=_iso(query.date_from), end_date=_iso(query.date_to),
            display_format="DD.MM.YYYY", first_day_of_week=1, clearable=True,
            start_date_placeholder_text=t("audit.filter.from", lang), end_date_placeholder_text=t("audit.filter.to", lang),
        ), ids.AUDIT_PERIOD, md=6, lg=3),
    ]  # fmt: skip
    if len(u.tenants) > 1:
        cols.append(_field(t("audit.filter.tenant", lang), dcc.Dropdown(
            id=ids.AUDIT_TENANT, options=[{"label": x, "value": x} for x in sorted(u.tenants)], value=query.tenant,
            placeholder=t("audit.filter.all", lang)), ids.AUDIT_TENANT, md=4, lg=2))  # fmt: skip
    else:
        cols.append(dcc.Store(id=ids.AUDIT_TENANT, data=None))
    buttons = dbc.Col(
        [
            dbc.Button(
                [C.icon("bi-funnel"), " ", t("audit.filter.apply", lang)],
                id=ids.AUDIT_APPLY,
                color="primary",
                size="sm",
                n_clicks=0,
                className="me-2",
            ),
            dcc.Link(
                t("audit.filter.reset", lang),
                href="/audit",
                className="btn btn-sm btn-outline-secondary",
                id="audit-reset",
            ),
        ],  # fmt: skip
        width="auto",
    )
    return html.Div(
        dbc.Row([*cols, buttons], className="g-2 align-items-end"),
        className="audit-filters mb-3",
        id="audit-filters",
        role="search",
    )


def _toolbar(page: AuditPage | None, lang: str) -> Any:
    if page is None:
        summary = ""
    elif page.total_exact:
        summary = t("audit.total", lang, n=fmt_int(page.total, lang))
    else:
        summary = t("audit.total_more", lang, n=fmt_int(page.total, lang))
    return html.Div(
        [
            html.Span(
                summary,
                className="fw-semibold",
                id="audit-summary",
                **C.A({"data-total": str(page.total if page else 0)}),
            ),
            dbc.Button(
                [C.icon("bi-filetype-csv"), " ", t("audit.export.csv", lang)],
                id=ids.AUDIT_EXPORT,
                size="sm",
                color="light",
                className="toolbar-btn",
                n_clicks=0,
                title=t("audit.export.title", lang),
            ),
        ],  # fmt: skip
        className="result-toolbar d-flex justify-content-between align-items-center mb-2",
    )


def _who(e: AuditEntry, lang: str) -> Any:
    children: list[Any] = [html.Span(who_label(e.owner, e.actor_name, lang), className="text-break")]
    if e.principal_kind and e.principal_kind != "user":
        kind = t_or(f"audit.kind.{e.principal_kind}", e.principal_kind, lang)
        children += [" ", dbc.Badge(kind, color="light", text_color="secondary", className="border")]
    return children


def _outcome(outcome: str | None, lang: str) -> Any:
    if not outcome:
        return ""
    return dbc.Badge(t_or(f"audit.outcome.{outcome}", outcome, lang), color=OUTCOME_COLORS.get(outcome, "secondary"))


def _row(e: AuditEntry, tz: str, lang: str) -> Any:
    doc = dcc.Link(e.doc_id if len(e.doc_id) <= 18 else e.doc_id[:16] + "…", href=C.document_href(e.doc_id),
                   title=e.doc_id) if e.doc_id else ""  # fmt: skip
    cust = dcc.Link(e.customer_id, href=C.dossier_href(e.customer_id)) if e.customer_id else ""
    details = e.short_details()
    return html.Tr(
        [
            html.Td(fmt_time(e.created_at, tz, lang), className="text-nowrap"),
            html.Td(_who(e, lang)),
            html.Td(action_label(e.action, lang), **C.A({"data-action": e.action})),
            html.Td(e.tenant or ""),
            html.Td(doc, className="text-nowrap"),
            html.Td(cust, className="text-nowrap"),
            html.Td(_outcome(e.outcome, lang)),
            html.Td(e.ip or "", className="text-nowrap"),
            html.Td(
                details,
                className="small text-muted text-break audit-details",
                title=" · ".join(f"{k}={v}" for k, v in e.details),
            ),  # fmt: skip
        ],
        className="audit-row",
        **C.A({"data-entry": e.id}),
    )


def _table(page: AuditPage, lang: str) -> Any:
    if not page.entries:
        return html.P(t("audit.none", lang), className="text-muted", id=ids.AUDIT_TABLE)
    cols = ("time", "who", "action", "tenant", "document", "customer", "outcome", "ip", "details")
    head = html.Thead(html.Tr([html.Th(t(f"audit.col.{c}", lang)) for c in cols]))
    tz = ctx().tz
    rows = [_row(e, tz, lang) for e in page.entries]
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="small audit-table",
                     id=ids.AUDIT_TABLE)  # fmt: skip


def _pager(query: AuditQuery, page: AuditPage | None, lang: str) -> Any:
    if page is None:
        return html.Div()
    links: list[Any] = []
    if page.newer is not None:
        links += [
            dcc.Link([C.icon("bi-chevron-double-left"), " ", t("audit.page.newest", lang)], href=audit_href(query, page=False),
                     className="btn btn-sm btn-outline-secondary", id="audit-newest"),
            dcc.Link([C.icon("bi-chevron-left"), " ", t("audit.page.newer", lang)], href=page_href(query, before=page.newer),
                     className="btn btn-sm btn-outline-secondary", id="audit-newer"),
        ]  # fmt: skip
    if page.older is not None:
        links.append(
            dcc.Link(
                [t("audit.page.older", lang), " ", C.icon("bi-chevron-right")],
                href=page_href(query, after=page.older),
                className="btn btn-sm btn-outline-secondary",
                id="audit-older",
            )  # fmt: skip
        )
    return html.Div(links, className="d-flex gap-2 mt-2", id="audit-pager")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# ----------------------------------------------------------------------------------------------- callbacks


@callback(
    Output(ids.AUDIT_NAV, "href"),
    Input(ids.AUDIT_APPLY, "n_clicks"),
    Input(ids.AUDIT_USER, "n_submit"),
    Input(ids.AUDIT_DOC, "n_submit"),
    Input(ids.AUDIT_CUSTOMER, "n_submit"),
    State(ids.AUDIT_USER, "value"),
    State(ids.AUDIT_DOC, "value"),
    State(ids.AUDIT_CUSTOMER, "value"),
    State(ids.AUDIT_ACTION, "value"),
    State(ids.AUDIT_PERIOD, "start_date"),
    State(ids.AUDIT_PERIOD, "end_date"),
    State(ids.AUDIT_TENANT, "value"),
    prevent_initial_call=True,
)
def _apply(_n, _s1, _s2, _s3, who, doc, customer, actions, start, end, tenant):  # type: ignore[no-untyped-def]
    """The filters on screen -> the page's URL (first page); the page itself reads and validates it."""
    return filters_href(who, doc, customer, actions, start, end, tenant)


def filters_href(who: Any, doc: Any, customer: Any, actions: Any, start: Any, end: Any, tenant: Any) -> str:
    params: dict[str, Any] = {
        "user": who, "doc": doc, "customer": customer, "action": [str(a) for a in actions or []],
        "from": str(start)[:10] if start else None, "to": str(end)[:10] if end else None, "tenant": tenant,
    }  # fmt: skip
    query, _ = parse_audit_params({k: v for k, v in params.items() if v})
    return audit_href(query, page=False)


@callback(
    Output(ids.AUDIT_DOWNLOAD, "data"),
    Output(ids.AUDIT_EXPORT_STATUS, "children"),
    Input(ids.AUDIT_EXPORT, "n_clicks"),
    State(ids.AUDIT_STATE, "data"),
    prevent_initial_call=True,
)
def _export(n: int | None, state_qs: str | None) -> Any:
    if not n:
        raise PreventUpdate
    u = user()
    lang = current_lang()
    if u is None or not u.can(AUDIT):
        return no_update, dbc.Alert(t("audit.denied", lang), color="warning", className="py-2 small")
    query, _ = parse_audit_params(state_qs or "")
    try:
        data = b"".join(audit_read.trail_csv(ctx(), u, query))
    except AppError as exc:
        return no_update, dbc.Alert(error_text(exc, lang), color="warning", className="py-2 small")
    except Exception:  # noqa: BLE001 - ES trouble: a message, never a traceback
        log.exception("audit export failed")
        return no_update, dbc.Alert(t("audit.export.failed", lang), color="danger", className="py-2 small")
    stamp = dt.date.today().isoformat()
    return dcc.send_bytes(data, f"audit-{stamp}.csv"), None
