"""Inbox page: /inbox[?unread=1&page=N] — notifications about new documents in subscribed views.

The unread badge of the shell uses `app.notifications.unread_count`. Documents the user can no longer
see are listed without their details. Notifications are marked read one by one or all at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from app import notifications as notes
from app import views
from cockpit import components as C
from cockpit.context import ctx, safe_layout, user
from cockpit.i18n import current_lang, fmt_date, fmt_datetime, fmt_int
from cockpit.i18n import t as tr
from domain.principal import Principal

log = logging.getLogger("cockpit.pages.inbox")

dash.register_page(__name__, path="/inbox", name="inbox", title="Posteingang – Dossier Cockpit", order=4)

PAGE_SIZE = 30


def data_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    return attrs


def _local(iso: str | None) -> str | None:
    """A stored UTC timestamp in the configured time zone (for display)."""
    if not iso:
        return iso
    try:
        from zoneinfo import ZoneInfo

        from core.settings import get_settings

        return (
            dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
            .astimezone(ZoneInfo(get_settings().timezone))
            .isoformat()
        )
    except (ValueError, KeyError):
        return iso


def _href(unread: bool, page: int = 1) -> str:
    params: dict[str, Any] = {}
    if unread:
        params["unread"] = 1
    if page > 1:
        params["page"] = page
    return "/inbox" + ("?" + urlencode(params) if params else "")


def notification_item(n: notes.Notification, lang: str) -> dbc.ListGroupItem:
    if n.available:
        title: Any = dcc.Link(n.title or n.doc_id, href=C.document_href(n.doc_id), className="fw-semibold")
        meta: list[Any] = [C.register_badge(n.register, lang), " "]
        for i, cid in enumerate(n.customer_ids[:3]):
            name = n.customer_names[i] if i < len(n.customer_names) else cid
            meta += [", " if i else "", dcc.Link(name, href=C.dossier_href(cid))]
        meta += [html.Span(" · "), C.icon("bi-calendar3"), " ", fmt_date(n.doc_date, lang)]
    else:
        title = html.Span(tr("inbox.unavailable", lang), className="text-muted fst-italic")
        meta = []
    reminder = n.kind == "reminder"
    if reminder and n.available:
        meta = [dbc.Badge([C.icon("bi-alarm"), " ", tr("inbox.reminder", lang)], color="warning", text_color="dark",
                          className="me-2 reminder-badge"), *meta]  # fmt: skip
        if n.note:
            meta.append(html.Div(n.note, className="reminder-note text-break", style={"whiteSpace": "pre-wrap"}))
    email = {"queued": "inbox.email.queued", "sent": "inbox.email.sent", "no_address": "inbox.email.no_address"}
    right: list[Any] = []
    if not n.read:
        right.append(dbc.Button(tr("inbox.mark_read", lang), id={"type": "inbox-read", "index": n.id}, size="sm",
                                color="outline-secondary", n_clicks=0))  # fmt: skip
    return html.Div(
        html.Div(
            [
                html.Div(
                    [
                        html.Div([C.icon("bi-circle-fill", "text-primary small me-2") if not n.read else None, title]),
                        html.Div(meta, className="small"),
                        html.Div(
                            [
                                *_origin(n, lang),
                                tr("inbox.received", lang, when=fmt_datetime(_local(n.created_at), lang)),
                                f" · {tr(email[n.email_status], lang)}" if n.email_status in email else "",
                            ],
                            className="small text-muted",
                        ),
                    ],
                    className="flex-grow-1 me-3",
                ),
                html.Div(right),
            ],
            className="d-flex align-items-start",
        ),
        className="list-group-item inbox-item" + ("" if n.read else " unread"),
        **data_attrs({"data-notification-id": n.id, "data-read": "1" if n.read else "0"}),
    )


def _origin(n: notes.Notification, lang: str) -> list[Any]:
    """Where a notification comes from: its view, or for a reminder who set it (and its case)."""
    if n.kind != "reminder":
        return [dcc.Link([C.icon("bi-bookmark-star"), " ", n.view_name], href="/views?" + urlencode({"view": n.view_id}),
                         className="me-2")]  # fmt: skip
    out: list[Any] = []
    if n.case_id:
        from cockpit.components.cases import case_href

        out.append(dcc.Link([C.icon("bi-briefcase"), " ", tr("inbox.reminder.case", lang)], href=case_href(n.case_id),
                            className="me-2 reminder-case"))  # fmt: skip
    if n.set_by:
        from cockpit.context import display_name

        out.append(html.Span(tr("inbox.reminder.set_by", lang, name=display_name(n.set_by)) + " · "))
    return out


def _subscriptions_card(viewer: Principal, lang: str) -> Any:
    try:
        items = notes.list_subscriptions(ctx(), viewer)
        visible = {v.id: v for v in views.list_views(ctx(), viewer)}
    except Exception as exc:  # noqa: BLE001
        log.warning("subscriptions unavailable: %s", exc)
        items, visible = [], {}
    rows = []
    for s in items:
        v = visible.get(s.view_id)
        if v is None:
            continue
        params = {"view": s.view_id} | ({"customer": s.customer_id} if s.customer_id else {})
        rows.append(
            html.Li(
                [
                    dcc.Link(v.name, href="/views?" + urlencode(params)),
                    html.Span(f" · {tr('views.subscription.' + s.frequency, lang)}", className="text-muted"),
                    html.Span(f" · {s.customer_id}", className="text-muted") if s.customer_id else None,
                ],  # fmt: skip
                **data_attrs({"data-view-id": s.view_id}),
            )
        )
    body = (
        html.Ul(rows, className="small mb-0 ps-3")
        if rows
        else html.P(tr("inbox.subscriptions.none", lang), className="small text-muted mb-0")
    )
    return C.card(tr("inbox.subscriptions", lang), body, card_id="inbox-subscriptions")


def inbox_body(viewer: Principal, lang: str, only_unread: bool, page_no: int) -> list[Any]:
    items, total = notes.notifications(ctx(), viewer, unread_only=only_unread, size=PAGE_SIZE, page=page_no)
    n_unread = notes.unread_count(ctx(), viewer)
    toggle = dcc.Link(tr("inbox.show_all", lang) if only_unread else tr("inbox.only_unread", lang), href=_href(not only_unread),
                      className="btn btn-sm btn-outline-secondary me-2", id="inbox-filter")  # fmt: skip
    mark_all = dbc.Button(tr("inbox.mark_all", lang), id="inbox-mark-all", size="sm", color="primary", n_clicks=0,
                          disabled=n_unread == 0)  # fmt: skip
    listing: Any = (
        html.Div([notification_item(n, lang) for n in items], className="list-group", id="inbox-list")
        if items
        else html.Div(
            [
                html.Div(C.icon("bi-bell-slash", "fs-2 text-muted")),
                html.P(tr("inbox.empty", lang), className="text-muted"),
            ],
            className="empty-state",
            id="inbox-list",
        )  # fmt: skip
    )
    pages = max(1, math.ceil(total / PAGE_SIZE))
    pager = None
    if pages > 1:
        pager = html.Nav(
            [dcc.Link(tr("views.prev", lang), href=_href(only_unread, page_no - 1), className="btn btn-sm btn-outline-secondary me-2") if page_no > 1 else None,
             html.Span(tr("views.page", lang, page=page_no, pages=pages), className="small text-muted me-2"),
             dcc.Link(tr("views.next", lang), href=_href(only_unread, page_no + 1), className="btn btn-sm btn-outline-secondary") if page_no < pages else None],
            className="d-flex align-items-center mt-3",
        )  # fmt: skip
    return [
        html.Div(
            [
                html.Div(
                    [
                        html.H1(
                            [
                                tr("inbox.title", lang),
                                " ",
                                html.Span(
                                    fmt_int(n_unread, lang),
                                    id="inbox-unread",
                                    className="badge rounded-pill "
                                    + ("text-bg-danger" if n_unread else "text-bg-secondary"),
                                    **data_attrs({"data-unread": str(n_unread)}),
                                ),
                            ],
                            className="h3 mb-1",
                        ),
                        html.P(tr("inbox.intro", lang), className="text-muted mb-0"),
                    ]  # fmt: skip
                ),
                html.Div([toggle, mark_all], className="ms-auto"),
            ],
            className="d-flex align-items-center mb-3",
        ),
        dbc.Row([dbc.Col([listing, pager], lg=8), dbc.Col(_subscriptions_card(viewer, lang), lg=4)], className="g-3"),
    ]


@safe_layout
def layout(unread: str | None = None, page: str | None = None, **_: Any) -> Any:
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    only_unread = unread in ("1", "true", "yes")
    try:
        page_no = max(1, min(int(page or 1), 300))
    except ValueError:
        page_no = 1
    return html.Div(
        [
            dcc.Store(id="inbox-ctx", data={"unread": only_unread, "page": page_no}),
            html.Div(inbox_body(u, lang, only_unread, page_no), id="inbox-body"),
        ],
        className="inbox-page",
    )


@callback(
    Output("inbox-body", "children"),
    Input("inbox-mark-all", "n_clicks"),
    Input({"type": "inbox-read", "index": ALL}, "n_clicks"),
    State("inbox-ctx", "data"),
    prevent_initial_call=True,
)
def _mark(n_all: int | None, n_each: list[int | None], state: dict[str, Any] | None) -> Any:
    trigger = dash.ctx.triggered_id
    u = user()
    if u is None or trigger is None:
        raise PreventUpdate
    if trigger == "inbox-mark-all":
        if not n_all:
            raise PreventUpdate
        notes.mark_read(ctx(), u, None)
    else:
        if not any(n_each or []):
            raise PreventUpdate
        notes.mark_read(ctx(), u, [trigger["index"]])
    state = state or {}
    return inbox_body(u, current_lang(), bool(state.get("unread")), int(state.get("page") or 1))
