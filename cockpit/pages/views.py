"""Views page: /views (mine / my department's / tenant-wide, with live counts), /views?view=<id>[&customer=<id>]
(a view opened: total, first page as a table of the view's columns, grouping, subscription), /views?new=1 and
/views?edit=<id> (the editor: filters, date range, grouping, sorting, columns, scope and sharing).

All logic lives in the `views` package; this module only lays it out. Every read goes through the permission
rules of `views.access` (a view the user may not see looks exactly like a missing one).
"""

from __future__ import annotations

import logging
import math
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from app import notifications as notes
from app import search as search_uc
from app import views as uc
from cockpit import components as C
from cockpit.context import ctx, safe_layout, user
from cockpit.i18n import current_lang, fmt_date, fmt_int, fmt_month
from cockpit.i18n import t as tr
from cockpit.urlstate import view_href
from cockpit.view_editor import editor, register_callbacks
from domain.principal import SAVE_VIEW, Principal
from search.request import DATE_FIELDS, MAX_RESULT_WINDOW
from views.access import ViewError, ViewNotFound, can_edit
from views.compile import ViewMessage, visible_columns
from views.model import View

log = logging.getLogger("cockpit.pages.views")

dash.register_page(__name__, path="/views", name="views", title="Ansichten – Dossier Cockpit", order=3)
register_callbacks()

PAGE_SIZE = 20
SECTIONS = ("mine", "department", "tenant", "admin")

# ------------------------------------------------------------------------------------------------ plumbing


def _can_create(u: Principal) -> bool:
    return u.can(SAVE_VIEW)


def data_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """data-* attributes for html components (typed loosely for Dash's generated signatures)."""
    return attrs


def _message(m: ViewMessage, lang: str) -> str:
    return C.message_text(m.as_message(), lang)


def range_label(view: View, lang: str) -> str | None:
    r = view.date_range
    if r is None:
        return None
    field = tr(f"views.field.{r.field}", lang) if r.field in DATE_FIELDS else r.field
    if r.kind == "last":
        text = tr("views.range.last", lang, n=r.n, unit=tr(f"views.unit.{r.unit}", lang))
    elif r.kind in ("this", "previous"):
        text = tr(f"views.range.{r.kind}", lang, unit=tr(f"views.unit1.{r.unit}", lang))
    elif r.kind == "since":
        text = tr("views.range.since", lang, start=fmt_date(r.start, lang))
    elif r.kind == "between":
        text = tr("views.range.between", lang, start=fmt_date(r.start, lang), end=fmt_date(r.end, lang))
    else:
        text = tr(f"views.range.{r.kind}", lang)
    return f"{field}: {text}"


def view_badges(view: View, lang: str) -> list[Any]:
    out: list[Any] = []
    if view.share_group:
        out.append(dbc.Badge([C.icon("bi-people"), " ", tr("views.sharing.group", lang, group=view.share_group)],
                             color="info", className="me-1"))  # fmt: skip
    elif view.sharing == "tenant":
        out.append(
            dbc.Badge([C.icon("bi-building"), " ", tr("views.sharing.tenant", lang)], color="primary", className="me-1")
        )
    else:
        out.append(
            dbc.Badge([C.icon("bi-lock"), " ", tr("views.sharing.private", lang)], color="secondary", className="me-1")
        )
    if view.scope == "dossier":
        out.append(dbc.Badge([C.icon("bi-folder2-open"), " ", tr("views.scope.dossier", lang)], color="warning",
                             text_color="dark", className="me-1"))  # fmt: skip
    if (label := range_label(view, lang)) is not None:
        out.append(
            dbc.Badge([C.icon("bi-calendar3"), " ", label], color="light", text_color="dark", className="me-1 border")
        )
    if view.my_customers:
        out.append(dbc.Badge(tr("views.my_customers", lang), color="light", text_color="dark", className="me-1 border"))
    if view.my_department:
        out.append(
            dbc.Badge(tr("views.my_department", lang), color="light", text_color="dark", className="me-1 border")
        )
    return out


def count_badge(count: int | None, view: View, lang: str) -> Any:
    if count is None:
        text = tr("views.count.dossier", lang) if view.scope == "dossier" else tr("views.count.unavailable", lang)
        return html.Span(text, className="text-muted small view-count", **data_attrs({"data-count": ""}))
    tone = "text-bg-dark" if count else "text-bg-light border"
    return html.Span(fmt_int(count, lang), className=f"badge rounded-pill {tone} view-count fs-6",
                     title=tr("views.count", lang, n=count), **data_attrs({"data-count": str(count)}))  # fmt: skip


# ------------------------------------------------------------------------------------------------ overview


def _overview(u: Principal, viewer: Principal, lang: str) -> Any:
    sections = uc.sections_with_counts(ctx(), viewer)
    try:
        subscribed = {s.view_id for s in notes.list_subscriptions(ctx(), viewer)}
    except Exception as exc:  # noqa: BLE001
        log.warning("subscriptions unavailable: %s", exc)
        subscribed = set()
    blocks: list[Any] = []
    for name in SECTIONS:
        items = sections.get(name, [])
        if name == "admin" and not items:
            continue
        rows = []
        for view, count in items:
            actions: list[Any] = []
            if view.id in subscribed:
                actions.append(
                    html.Span(C.icon("bi-bell-fill"), className="text-warning me-2", title=tr("views.subscribed", lang))
                )
            if can_edit(view, viewer):
                actions.append(dcc.Link([C.icon("bi-pencil")], href="/views?" + urlencode({"edit": view.id}),
                                        className="btn btn-sm btn-outline-secondary me-2", title=tr("views.edit", lang)))  # fmt: skip
            actions.append(count_badge(count, view, lang))
            rows.append(
                html.Div(
                    html.Div(
                        [
                            html.Div(
                                [
                                    dcc.Link(
                                        view.name, href=view_href(view.id or ""), className="fw-semibold view-name"
                                    ),
                                    html.Div(view.description, className="small text-muted")
                                    if view.description
                                    else None,
                                    html.Div(view_badges(view, lang), className="mt-1 small"),
                                ],
                                className="flex-grow-1 me-3",
                            ),
                            html.Div(actions, className="d-flex align-items-center"),
                        ],
                        className="d-flex align-items-start",
                    ),
                    className="list-group-item view-item",
                    **data_attrs({"data-view-id": view.id or "", "data-section": name}),
                )
            )
        body = (
            html.Div(rows, className="list-group list-group-flush")
            if rows
            else html.P(tr("views.section.empty", lang), className="text-muted small mb-0")
        )
        blocks.append(
            C.card(tr(f"views.section.{name}", lang), body, card_id=f"views-section-{name}", className="mb-3")
        )
    header_actions = []
    if _can_create(u):
        header_actions.append(dcc.Link([C.icon("bi-plus-lg"), " ", tr("views.new", lang)], href="/views?new=1",
                                       className="btn btn-primary", id="views-new"))  # fmt: skip
    return html.Div(
        [
            html.Div(
                [
                    html.Div(
                        [
                            html.H1(tr("views.title", lang), className="h3 mb-1"),
                            html.P(tr("views.intro", lang), className="text-muted mb-0"),
                        ]
                    ),  # fmt: skip
                    html.Div(header_actions, className="ms-auto"),
                ],
                className="d-flex align-items-center mb-3",
            ),
            *blocks,
        ],
        id="views-overview",
    )


# ------------------------------------------------------------------------------------------------ one view


def _cell(hit: Any, column: str, lang: str) -> Any:
    src = dict(hit.source or {})
    if column == "title":
        return dcc.Link(hit.title or hit.doc_id, href=C.document_href(hit.doc_id), className="hit-title")
    if column == "customer_names":
        links: list[Any] = []
        for i, cid in enumerate(hit.customer_ids[:3]):
            name = hit.customer_names[i] if i < len(hit.customer_names) else cid
            if i:
                links.append(", ")
            links.append(dcc.Link(name, href=C.dossier_href(cid)))
        return links or html.Span(tr("common.unknown_customer", lang), className="text-muted")
    if column == "register":
        return C.register_label(hit.register, lang)
    if column == "doc_date":
        return fmt_date(hit.doc_date, lang)
    if column == "year_month":
        return fmt_month(src.get("year_month"), lang)
    if column == "status":
        status = src.get("status")
        return tr(f"views.status.{status}", lang) if status else "—"
    value = src.get(column)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "—" if value in (None, "") else str(value)


def results_table(hits: list[Any], columns: list[str], lang: str, table_id: str = "views-results") -> Any:
    head = html.Thead(html.Tr([html.Th(tr(f"views.col.{c}", lang)) for c in columns]))
    body = html.Tbody(
        [html.Tr([html.Td(_cell(h, c, lang)) for c in columns], **data_attrs({"data-doc-id": h.doc_id})) for h in hits]
    )
    return dbc.Table([head, body], hover=True, size="sm", responsive=True, className="views-table", id=table_id)


def _group_label(view: View, key: str | None, group: Any, lang: str) -> str:
    if key is None:
        return tr("common.unknown_customer", lang)
    if view.group_by == "customer":
        for h in group.hits:
            for i, cid in enumerate(h.customer_ids):
                if cid == key and i < len(h.customer_names):
                    return f"{h.customer_names[i]} ({key})"
        return key
    if view.group_by == "register":
        return C.register_label(key, lang)
    if view.group_by == "month":
        return fmt_month(key, lang)
    return key


def _pager(view: View, customer: str | None, page: int, total: int, lang: str) -> Any:
    pages = max(1, min(math.ceil(total / PAGE_SIZE), MAX_RESULT_WINDOW // PAGE_SIZE))
    if pages <= 1:
        return None
    items: list[Any] = []
    if page > 1:
        items.append(dcc.Link(tr("views.prev", lang), href=view_href(view.id or "", customer, page - 1),
                              className="btn btn-sm btn-outline-secondary me-2", id="views-prev"))  # fmt: skip
    items.append(html.Span(tr("views.page", lang, page=page, pages=pages), className="small text-muted me-2"))
    if page < pages:
        items.append(dcc.Link(tr("views.next", lang), href=view_href(view.id or "", customer, page + 1),
                              className="btn btn-sm btn-outline-secondary", id="views-next"))  # fmt: skip
    return html.Nav(items, className="d-flex align-items-center mt-3")


def _subscription_control(viewer: Principal, view: View, customer: str | None, lang: str) -> Any:
    if view.scope == "dossier" and not customer:
        return None
    current = notes.subscription_for(ctx(), viewer, view.id or "", customer if view.scope == "dossier" else None)
    value = current.frequency if current else "none"
    return html.Div(
        [
            dbc.Label(
                [C.icon("bi-bell"), " ", tr("views.subscription", lang)],
                html_for="views-sub",
                className="small mb-0 me-2",
            ),
            dbc.Select(
                id="views-sub",
                value=value,
                options=[
                    {"label": tr(f"views.subscription.{k}", lang), "value": k} for k in ("none", "immediate", "daily")
                ],
                size="sm",
                style={"width": "auto"},
            ),
            dcc.Store(
                id="views-sub-ctx", data={"view": view.id, "customer": customer if view.scope == "dossier" else None}
            ),
            html.Span(id="views-sub-status", className="small text-muted ms-2"),
        ],
        className="d-flex align-items-center",
    )


def _detail(u: Principal, viewer: Principal, view_id: str, customer: str | None, page: int, lang: str) -> Any:
    try:
        view = uc.get_view(ctx(), viewer, view_id)
    except ViewNotFound:
        return _not_found(lang)
    run = uc.run_view(ctx(), viewer, view, customer_id=customer, page=page, size=PAGE_SIZE, facets=())
    messages = [_message(m, lang) for m in run.messages]
    if run.result is not None:
        messages += [C.message_text(m, lang) for m in run.result.messages]
    head_actions: list[Any] = []
    if can_edit(view, viewer):
        head_actions.append(dcc.Link([C.icon("bi-pencil"), " ", tr("views.edit", lang)], href="/views?" + urlencode({"edit": view.id}),
                                     className="btn btn-sm btn-outline-secondary me-2", id="views-edit"))  # fmt: skip
    owner_note = (
        tr("views.owner", lang, owner=view.owner)
        if view.owner == viewer.login
        else tr("views.readonly", lang, owner=view.owner)
    )
    subtitle: list[Any] = [html.Span(owner_note, className="me-2")]
    if customer and view.scope == "dossier":
        labels = {}
        try:
            labels = search_uc.customer_labels(ctx(), u, [customer])
        except Exception:  # noqa: BLE001
            labels = {}
        name = C.customer_label(customer, labels, customer)
        subtitle.append(dcc.Link([C.icon("bi-folder2-open"), " ", tr("views.in_dossier", lang, customer=name)],
                                 href=C.dossier_href(customer), id="views-dossier-link"))  # fmt: skip
    header = html.Div(
        [
            html.Div(
                [
                    dcc.Link([C.icon("bi-arrow-left"), " ", tr("views.back", lang)], href="/views", className="small"),
                    html.H1(view.name, className="h3 mb-1 mt-1", id="views-name"),
                    html.P(view.description, className="text-muted mb-1") if view.description else None,
                    html.Div(view_badges(view, lang), className="small mb-1"),
                    html.Div(subtitle, className="small text-muted"),
                ],
                className="flex-grow-1",
            ),
            html.Div(
                [*head_actions, _subscription_control(viewer, view, customer, lang)],
                className="d-flex align-items-start",
            ),
        ],
        className="d-flex align-items-start mb-3 gap-3",
    )
    if run.result is None:
        body: Any = html.Div(C.messages_alert(messages, color="info"), id="views-dossier-only")
        return html.Div([header, body], id="views-detail")
    result = run.result
    columns = visible_columns(view)
    total_line = html.Div(
        [
            html.Span(
                tr("views.count.one", lang)
                if result.total == 1
                else tr("views.count", lang, n=fmt_int(result.total, lang)),
                className="fw-semibold",
                id="views-total",
                **data_attrs({"data-total": str(result.total)}),
            ),
            html.Span(f" · {int(result.took_ms or 0)} ms", className="text-muted small"),
        ],  # fmt: skip
        className="mb-2",
    )
    if view.group_by and result.groups:
        body = html.Div(
            [
                html.Details(
                    [
                        html.Summary(
                            [
                                _group_label(view, g.key, g, lang),
                                " ",
                                dbc.Badge(fmt_int(g.count, lang), color="secondary", pill=True),
                            ]
                        ),
                        results_table(list(g.hits), columns, lang, table_id=f"views-group-{i}"),
                    ],
                    open=i < 5,
                    className="views-group mb-2",
                )
                for i, g in enumerate(result.groups)
            ],
            id="views-results",
        )
    elif result.hits:
        body = html.Div([results_table(list(result.hits), columns, lang, table_id="views-table"),
                         _pager(view, customer, page, result.total, lang)], id="views-results")  # fmt: skip
    else:
        body = html.Div(
            [html.Div(C.icon("bi-inbox", "fs-2 text-muted")), html.P(tr("views.results.none", lang), className="text-muted")],
            className="empty-state", id="views-results",
        )  # fmt: skip
    return html.Div([header, C.messages_alert(messages), total_line, body], id="views-detail")


def _not_found(lang: str) -> Any:
    return html.Div(
        [
            html.H1(tr("notfound.title", lang), className="h3"),
            html.P(tr("views.notfound", lang), className="text-muted"),
            dcc.Link(tr("views.back", lang), href="/views", className="btn btn-outline-primary"),
        ],  # fmt: skip
        className="not-found text-center py-5",
        id="not-found",
    )


# ------------------------------------------------------------------------------------------------ layout


@safe_layout
def layout(view: str | None = None, customer: str | None = None, page: str | None = None, edit: str | None = None,
           new: str | None = None, **_: Any) -> Any:  # fmt: skip
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    viewer = u
    children: list[Any] = [dcc.Location(id="views-nav", refresh="callback-nav")]
    editing: View | None = None
    open_editor = False
    if edit:
        try:
            editing = uc.get_view(ctx(), viewer, edit)
        except ViewNotFound:
            return _not_found(lang)
        if not can_edit(editing, viewer):
            return _not_found(lang)
        open_editor = True
    elif new and _can_create(u):
        open_editor = True
    try:
        page_no = max(1, min(int(page or 1), MAX_RESULT_WINDOW // PAGE_SIZE))
    except ValueError:
        page_no = 1
    if view and not open_editor:
        children.append(_detail(u, viewer, str(view)[:64], (customer or None), page_no, lang))
    else:
        children.append(_overview(u, viewer, lang))
    if open_editor:
        children.append(editor(viewer, editing, lang, True))
    return html.Div(children, className="views-page")


# ------------------------------------------------------------------------------------------------ callbacks


@callback(
    Output("views-nav", "href", allow_duplicate=True),
    Input("views-ed-delete", "submit_n_clicks"),
    State("views-ed-id", "data"),
    prevent_initial_call=True,
)
def _delete(n: int | None, view_id: str | None) -> Any:
    if not n or not view_id:
        raise PreventUpdate
    u = user()
    if u is None:
        raise PreventUpdate
    try:
        uc.delete_view(ctx(), u, view_id)
    except ViewError as exc:
        log.info("delete refused: %s", exc)
        raise PreventUpdate from exc
    return "/views"


@callback(
    Output("views-sub-status", "children"),
    Input("views-sub", "value"),
    State("views-sub-ctx", "data"),
    prevent_initial_call=True,
)
def _subscribe(value: str | None, sub_ctx: dict[str, Any] | None) -> Any:
    u = user()
    if u is None or not sub_ctx or not sub_ctx.get("view"):
        raise PreventUpdate
    lang = current_lang()
    try:
        if value in ("immediate", "daily"):
            notes.subscribe(ctx(), u, sub_ctx["view"], value, customer_id=sub_ctx.get("customer"))
        else:
            notes.unsubscribe(ctx(), u, sub_ctx["view"], customer_id=sub_ctx.get("customer"))
            value = "none"
    except ViewError as exc:
        return tr("views.error", lang, error=str(exc))
    return tr("views.subscription.saved", lang, what=tr(f"views.subscription.{value}", lang))
