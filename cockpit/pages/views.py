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
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from cockpit import components as C
from cockpit.context import safe_layout, services, user
from cockpit.i18n import current_lang, fmt_date, fmt_int, fmt_month
from cockpit.i18n import t as tr
from indexing.schema import REGISTERS
from search.request import DATE_FIELDS, GROUP_BYS, MAX_RESULT_WINDOW, MODES, SORTS
from views import store
from views import subscriptions as subs
from views.access import ViewError, ViewNotFound, can_edit
from views.compile import KNOWN_VALUES, visible_columns
from views.model import COLUMNS, View
from views.service import ViewRun, ViewsService
from views.store import ViewValidationError
from views.users import Viewer

log = logging.getLogger("cockpit.pages.views")

dash.register_page(__name__, path="/views", name="views", title="Ansichten – Dossier Cockpit", order=3)

PAGE_SIZE = 20
SECTIONS = ("mine", "department", "tenant", "admin")
LANGUAGES = ("de", "en", "pl", "es", "tr", "und")
RANGE_KINDS = ("none", "last", "today", "yesterday", "this", "previous", "since", "between")
UNITS = ("day", "week", "month", "quarter", "year")

# ------------------------------------------------------------------------------------------------ plumbing

_SERVICES: dict[int, ViewsService] = {}


class _VersionedCache:
    """The cockpit cache, keyed additionally by the data version (a new ingest = new counts)."""

    def __init__(self, svc: Any) -> None:
        self.svc = svc

    def _key(self, key: str) -> str:
        from cockpit.cache import cache_key

        return cache_key("views", "", self.svc.data_version(), key)

    def get(self, key: str) -> Any:
        from cockpit.cache import safe_get

        return safe_get(self.svc.cache, self._key(key)) if self.svc.cache is not None else None

    def set(self, key: str, value: Any, timeout: int | None = None) -> None:
        from cockpit.cache import safe_set

        if self.svc.cache is not None:
            safe_set(self.svc.cache, self._key(key), value, timeout=timeout)


def views_service() -> ViewsService:
    svc = services()
    vs = _SERVICES.get(id(svc))
    if vs is None:
        cache = _VersionedCache(svc) if getattr(svc, "cache", None) is not None else None
        vs = ViewsService(svc.es, svc.prefix, svc.search_service, cache=cache, cache_timeout=120)
        _SERVICES[id(svc)] = vs
    return vs


def _audit(action: str, u: Any, **body: Any) -> None:
    try:
        services().audit(action, u, **body)
    except Exception as exc:  # noqa: BLE001 - the audit never breaks the page
        log.warning("audit %s failed: %s", action, exc)


def _can_create(u: Any) -> bool:
    can = getattr(u, "can", None)
    return bool(can("save_view")) if callable(can) else True


def data_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """data-* attributes for html components (typed loosely for Dash's generated signatures)."""
    return attrs


def view_href(view_id: str, customer: str | None = None, page: int | None = None) -> str:
    params: dict[str, Any] = {"view": view_id}
    if customer:
        params["customer"] = customer
    if page and page > 1:
        params["page"] = page
    return "/views?" + urlencode(params)


def _message(m: Any, lang: str) -> str:
    key = f"views.msg.{m.code}"
    text = tr(key, lang, **m.params)
    return m.text if text == key else text


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


def _overview(u: Any, viewer: Viewer, lang: str) -> Any:
    vs = views_service()
    sections = vs.sections_with_counts(viewer)
    try:
        subscribed = {s.view_id for s in subs.list_subscriptions(vs.es, vs.prefix, viewer)}
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


def _subscription_control(viewer: Viewer, view: View, customer: str | None, lang: str) -> Any:
    vs = views_service()
    if view.scope == "dossier" and not customer:
        return None
    current = subs.subscription_for(
        vs.es, vs.prefix, viewer, view.id or "", customer if view.scope == "dossier" else None
    )
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


def _detail(u: Any, viewer: Viewer, view_id: str, customer: str | None, page: int, lang: str) -> Any:
    vs = views_service()
    try:
        view = store.get_view(vs.es, vs.prefix, view_id, viewer)
    except ViewNotFound:
        return _not_found(lang)
    run: ViewRun = vs.run_view(view, viewer, customer_id=customer, page=page, size=PAGE_SIZE, facets=())
    messages = [_message(m, lang) for m in run.message_codes]
    if run.result is not None:
        messages += [C.translate_service_message(m) for m in run.result.messages]
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
            labels = services().customer_labels([customer], u)
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


# ------------------------------------------------------------------------------------------------ editor


def _opts(values: Any, label: Any) -> list[dict[str, str]]:
    return [{"label": label(v), "value": v} for v in values]


def editor(viewer: Viewer, view: View | None, lang: str, open_: bool) -> dbc.Modal:
    v = view or View(name="Neue Ansicht")
    r = v.date_range
    memberships = sorted(viewer.memberships | ({v.share_group} if v.share_group else set()))
    sharing_level = v.sharing_level
    f = v.filters

    def field(label_key: str, control: Any, width: int = 12) -> dbc.Col:
        return dbc.Col([dbc.Label(tr(label_key, lang), className="small mb-0"), control], md=width, className="mb-2")

    form = [
        dbc.Row(
            [
                field("views.f.name", dbc.Input(id="views-ed-name", value=view.name if view else "", maxlength=200)),
                field(
                    "views.f.description", dbc.Textarea(id="views-ed-desc", value=v.description, maxlength=2000, rows=2)
                ),
            ]
        ),  # fmt: skip
        dbc.Row(
            [
                field("views.f.query", dbc.Input(id="views-ed-query", value=v.query, maxlength=2000), 8),
                field(
                    "views.f.mode",
                    dbc.Select(id="views-ed-mode", value=v.mode, options=_opts(MODES, lambda m: tr(f"mode.{m}", lang))),
                    4,
                ),  # fmt: skip
            ]
        ),
        html.H3(tr("views.f.filters", lang), className="h6 mt-2"),
        dbc.Row(
            [
                field(
                    "views.f.register",
                    dcc.Dropdown(
                        id="views-ed-register",
                        multi=True,
                        value=f.get("register", []),
                        options=_opts(REGISTERS, lambda x: C.register_label(x, lang)),
                    ),
                ),  # fmt: skip
                field(
                    "views.f.status",
                    dcc.Dropdown(
                        id="views-ed-docstatus",
                        multi=True,
                        value=f.get("status", []),
                        options=_opts(sorted(KNOWN_VALUES["status"]), lambda x: tr(f"status.{x}", lang)),
                    ),
                    4,
                ),  # fmt: skip
                field(
                    "views.f.language",
                    dcc.Dropdown(
                        id="views-ed-language",
                        multi=True,
                        value=f.get("language", []),
                        options=_opts(LANGUAGES, lambda x: tr(f"language.{x}", lang)),
                    ),
                    4,
                ),  # fmt: skip
                field(
                    "views.f.source_kind",
                    dcc.Dropdown(
                        id="views-ed-source",
                        multi=True,
                        value=f.get("source_kind", []),
                        options=_opts(sorted(KNOWN_VALUES["source_kind"]), str),
                    ),
                    4,
                ),  # fmt: skip
                field(
                    "views.f.customer_ids",
                    dbc.Input(id="views-ed-customers", value=", ".join(f.get("customer_ids", []))),
                ),
                field(
                    "views.f.viewer",
                    dbc.Checklist(
                        id="views-ed-viewer",
                        inline=True,
                        value=[k for k in ("my_customers", "my_department") if getattr(v, k)],
                        options=[
                            {"label": tr("views.my_customers", lang), "value": "my_customers"},
                            {"label": tr("views.my_department", lang), "value": "my_department"},
                        ],
                    ),
                ),
            ]
        ),  # fmt: skip
        html.H3(tr("views.f.date", lang), className="h6 mt-2"),
        dbc.Row(
            [
                field(
                    "views.f.date_field",
                    dbc.Select(
                        id="views-ed-date-field",
                        value=r.field if r else "doc_date",
                        options=_opts(DATE_FIELDS, lambda x: tr(f"views.field.{x}", lang)),
                    ),
                    4,
                ),
                field(
                    "views.f.date_kind",
                    dbc.Select(
                        id="views-ed-date-kind",
                        value=r.kind if r else "none",
                        options=_opts(RANGE_KINDS, lambda x: tr(f"views.date.{x}", lang)),
                    ),
                    4,
                ),
                field("views.f.n", dbc.Input(id="views-ed-n", type="number", min=1, value=r.n if r and r.n else 14), 2),
                field(
                    "views.f.unit",
                    dbc.Select(
                        id="views-ed-unit",
                        value=(r.unit if r and r.unit else "day"),
                        options=_opts(UNITS, lambda x: tr(f"views.unit.{x}", lang)),
                    ),
                    2,
                ),
                field(
                    "views.f.start",
                    dbc.Input(
                        id="views-ed-start",
                        type="text",
                        placeholder="2026-01-31",
                        value=r.start.isoformat() if r and r.start else "",
                    ),
                    6,
                ),
                field(
                    "views.f.end",
                    dbc.Input(
                        id="views-ed-end",
                        type="text",
                        placeholder="2026-03-31",
                        value=r.end.isoformat() if r and r.end else "",
                    ),
                    6,
                ),
            ]
        ),  # fmt: skip
        dbc.Row(
            [
                field(
                    "views.f.group_by",
                    dbc.Select(
                        id="views-ed-group",
                        value=v.group_by or "none",
                        options=[{"label": tr("views.group.none", lang), "value": "none"}]
                        + _opts(GROUP_BYS, lambda x: tr(f"group.{x}", lang)),
                    ),
                    4,
                ),
                field(
                    "views.f.sort",
                    dbc.Select(
                        id="views-ed-sort",
                        value=v.sort if v.sort in SORTS else "date_desc",
                        options=_opts(SORTS, lambda x: tr(f"sort.{x}", lang)),
                    ),
                    4,
                ),
                field(
                    "views.f.scope",
                    dbc.RadioItems(
                        id="views-ed-scope",
                        value=v.scope,
                        inline=True,
                        options=_opts(("portfolio", "dossier"), lambda x: tr(f"views.scope.{x}", lang)),
                    ),
                    4,
                ),
                field(
                    "views.f.columns",
                    dbc.Checklist(
                        id="views-ed-columns",
                        inline=True,
                        value=visible_columns(v),
                        options=_opts(COLUMNS, lambda x: tr(f"views.col.{x}", lang)),
                    ),
                ),
                field(
                    "views.f.sharing",
                    dbc.RadioItems(
                        id="views-ed-sharing",
                        value=sharing_level,
                        inline=True,
                        options=[
                            {"label": tr("views.sharing.private", lang), "value": "private"},
                            {"label": tr("views.f.group", lang), "value": "group"},
                            {"label": tr("views.sharing.tenant", lang), "value": "tenant"},
                        ],
                    ),
                    8,
                ),
                field(
                    "views.f.group",
                    dbc.Select(
                        id="views-ed-share-group",
                        value=v.share_group or (memberships[0] if memberships else None),
                        options=_opts(memberships, str),
                    ),
                    4,
                ),
            ]
        ),  # fmt: skip
        html.Div(id="views-ed-status", className="mt-2"),
    ]
    footer: list[Any] = []
    if view is not None and view.id:
        footer.append(dcc.ConfirmDialogProvider(
            dbc.Button([C.icon("bi-trash"), " ", tr("views.delete", lang)], color="outline-danger", id="views-ed-delete-btn"),
            id="views-ed-delete", message=tr("views.delete.confirm", lang)))  # fmt: skip
    footer += [
        dcc.Link(
            tr("views.cancel", lang),
            href=view_href(view.id) if view and view.id else "/views",
            className="btn btn-outline-secondary ms-auto",
        ),  # fmt: skip
        dbc.Button(tr("views.save", lang), id="views-ed-save", color="primary", n_clicks=0),
    ]
    title = tr("views.editor.edit", lang) if view else tr("views.editor.new", lang)
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(title)),
            dbc.ModalBody([dcc.Store(id="views-ed-id", data=view.id if view else None), *form]),
            dbc.ModalFooter(footer, className="d-flex gap-2"),
        ],
        id="views-editor",
        is_open=open_,
        size="lg",
        backdrop="static",
        scrollable=True,
    )


def editor_data(
    name: str | None, desc: str | None, query: str | None, mode: str | None, registers: list[str] | None,
    status: list[str] | None, languages: list[str] | None, sources: list[str] | None, customers: str | None,
    viewer_flags: list[str] | None, date_field: str | None, date_kind: str | None, n: Any, unit: str | None,
    start: str | None, end: str | None, group: str | None, sort: str | None, scope: str | None,
    columns: list[str] | None, sharing: str | None, share_group: str | None,
) -> dict[str, Any]:  # fmt: skip
    """The editor's fields → a View dict (validated by the store)."""
    filters: dict[str, list[str]] = {}
    for key, values in (("register", registers), ("status", status), ("language", languages), ("source_kind", sources)):
        if values:
            filters[key] = list(values)
    cust = [c.strip() for c in (customers or "").replace(";", ",").split(",") if c.strip()]
    if cust:
        filters["customer_ids"] = cust
    date_range: dict[str, Any] | None = None
    if date_kind and date_kind != "none":
        date_range = {"field": date_field or "doc_date", "kind": date_kind}
        if date_kind == "last":
            try:
                date_range["n"] = int(n) if n not in (None, "") else None
            except (TypeError, ValueError):
                date_range["n"] = None
        if date_kind in ("last", "this", "previous"):
            date_range["unit"] = unit or "day"
        if date_kind in ("since", "between"):
            date_range["start"] = (start or "").strip() or None
        if date_kind == "between":
            date_range["end"] = (end or "").strip() or None
    flags = set(viewer_flags or ())
    share = sharing or "private"
    if share == "group":
        share = f"group:{share_group}" if share_group else "group:"
    return {
        "name": name or "",
        "description": desc or "",
        "query": query or "",
        "mode": mode or "keyword",
        "filters": filters,
        "date_range": date_range,
        "group_by": None if group in (None, "", "none") else group,
        "sort": sort or "date_desc",
        "columns": list(columns or []),
        "scope": scope or "portfolio",
        "sharing": share,
        "my_customers": "my_customers" in flags,
        "my_department": "my_department" in flags,
    }


# ------------------------------------------------------------------------------------------------ layout


@safe_layout
def layout(view: str | None = None, customer: str | None = None, page: str | None = None, edit: str | None = None,
           new: str | None = None, **_: Any) -> Any:  # fmt: skip
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    viewer = Viewer.of(u)
    vs = views_service()
    children: list[Any] = [dcc.Location(id="views-nav", refresh="callback-nav")]
    editing: View | None = None
    open_editor = False
    if edit:
        try:
            editing = store.get_view(vs.es, vs.prefix, edit, viewer)
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
    Output("views-ed-status", "children"),
    Output("views-nav", "href", allow_duplicate=True),
    Input("views-ed-save", "n_clicks"),
    State("views-ed-id", "data"),
    State("views-ed-name", "value"),
    State("views-ed-desc", "value"),
    State("views-ed-query", "value"),
    State("views-ed-mode", "value"),
    State("views-ed-register", "value"),
    State("views-ed-docstatus", "value"),
    State("views-ed-language", "value"),
    State("views-ed-source", "value"),
    State("views-ed-customers", "value"),
    State("views-ed-viewer", "value"),
    State("views-ed-date-field", "value"),
    State("views-ed-date-kind", "value"),
    State("views-ed-n", "value"),
    State("views-ed-unit", "value"),
    State("views-ed-start", "value"),
    State("views-ed-end", "value"),
    State("views-ed-group", "value"),
    State("views-ed-sort", "value"),
    State("views-ed-scope", "value"),
    State("views-ed-columns", "value"),
    State("views-ed-sharing", "value"),
    State("views-ed-share-group", "value"),
    prevent_initial_call=True,
)
def _save(n: int | None, view_id: str | None, *fields: Any) -> Any:
    if not n:
        raise PreventUpdate
    u = user()
    if u is None:
        raise PreventUpdate
    lang = current_lang()
    viewer = Viewer.of(u)
    data = editor_data(*fields)
    vs = views_service()
    try:
        if view_id:
            saved = store.update_view(vs.es, vs.prefix, view_id, data, viewer)
            _audit("view_updated", u, view_id=saved.id, name=saved.name)
        else:
            if not _can_create(u):
                return dbc.Alert(tr("views.no_permission", lang), color="warning", className="py-2 small"), no_update
            saved = store.create_view(vs.es, vs.prefix, data, viewer)
            _audit("view_created", u, view_id=saved.id, name=saved.name)
    except ViewValidationError as exc:
        items = [html.Li(line) for line in exc.lines]
        return dbc.Alert([tr("views.error", lang, error=""), html.Ul(items, className="mb-0")], color="danger",
                         className="py-2 small", id="views-ed-error"), no_update  # fmt: skip
    except ViewError as exc:
        return dbc.Alert(tr("views.error", lang, error=str(exc)), color="danger", className="py-2 small",
                         id="views-ed-error"), no_update  # fmt: skip
    return dbc.Alert(tr("views.saved", lang, name=saved.name), color="success", className="py-2 small"), view_href(
        saved.id or ""
    )


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
    vs = views_service()
    try:
        store.delete_view(vs.es, vs.prefix, view_id, Viewer.of(u))
    except ViewError as exc:
        log.info("delete refused: %s", exc)
        raise PreventUpdate from exc
    _audit("view_deleted", u, view_id=view_id)
    return "/views"


@callback(
    Output("views-sub-status", "children"),
    Input("views-sub", "value"),
    State("views-sub-ctx", "data"),
    prevent_initial_call=True,
)
def _subscribe(value: str | None, ctx: dict[str, Any] | None) -> Any:
    u = user()
    if u is None or not ctx or not ctx.get("view"):
        raise PreventUpdate
    lang = current_lang()
    viewer = Viewer.of(u)
    vs = views_service()
    try:
        if value in ("immediate", "daily"):
            subs.subscribe(vs.es, vs.prefix, viewer, ctx["view"], value, customer_id=ctx.get("customer"))
            _audit("view_subscribed", u, view_id=ctx["view"], frequency=value)
        else:
            subs.unsubscribe(vs.es, vs.prefix, viewer, ctx["view"], customer_id=ctx.get("customer"))
            _audit("view_unsubscribed", u, view_id=ctx["view"])
            value = "none"
    except ViewError as exc:
        return tr("views.error", lang, error=str(exc))
    return tr("views.subscription.saved", lang, what=tr(f"views.subscription.{value}", lang))
