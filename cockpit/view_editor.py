"""The saved-view editor of the views page (/views?new=1, /views?edit=<id>): the modal with every field of a
view (filters, date range, grouping, sorting, columns, scope and sharing), its parsing into view data, and the
save callback (through `app.views`)."""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app import views as uc
from cockpit import components as C
from cockpit.context import ctx, user
from cockpit.i18n import current_lang
from cockpit.i18n import t as tr
from cockpit.urlstate import view_href
from domain.errors import AppError
from domain.principal import SAVE_VIEW, Principal
from indexing.schema import REGISTERS
from search.request import DATE_FIELDS, GROUP_BYS, MODES, SORTS
from views.compile import KNOWN_VALUES, visible_columns
from views.model import COLUMNS, View
from views.store import ViewValidationError

log = logging.getLogger("cockpit.view_editor")

LANGUAGES = ("de", "en", "pl", "es", "tr", "und")
RANGE_KINDS = ("none", "last", "today", "yesterday", "this", "previous", "since", "between")
UNITS = ("day", "week", "month", "quarter", "year")


def _opts(values: Any, label: Any) -> list[dict[str, str]]:
    return [{"label": label(v), "value": v} for v in values]


def editor(viewer: Principal, view: View | None, lang: str, open_: bool) -> dbc.Modal:
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
                        value=[k for k in ("my_customers", "my_department", "my_cases") if getattr(v, k)],
                        options=[
                            {"label": tr("views.my_customers", lang), "value": "my_customers"},
                            {"label": tr("views.my_department", lang), "value": "my_department"},
                            {"label": tr("views.my_cases", lang), "value": "my_cases"},
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
        "my_cases": "my_cases" in flags,
    }


def register_callbacks() -> None:
    """The editor's save callback. Called by the views page module, which Dash executes anew for every app it
    builds (a callback registered at import of this module would reach only the first app of a process)."""

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
        data = editor_data(*fields)
        try:
            if view_id:
                saved = uc.update_view(ctx(), u, view_id, data)
            else:
                if not u.can(SAVE_VIEW):
                    return dbc.Alert(
                        tr("views.no_permission", lang), color="warning", className="py-2 small"
                    ), no_update
                saved = uc.create_view(ctx(), u, data)
        except ViewValidationError as exc:
            items = [html.Li(line) for line in exc.lines]
            return dbc.Alert([tr("views.error", lang, error=""), html.Ul(items, className="mb-0")], color="danger",
                             className="py-2 small", id="views-ed-error"), no_update  # fmt: skip
        except AppError as exc:
            return dbc.Alert(tr("views.error", lang, error=str(exc)), color="danger", className="py-2 small",
                             id="views-ed-error"), no_update  # fmt: skip
        return dbc.Alert(tr("views.saved", lang, name=saved.name), color="success", className="py-2 small"), view_href(
            saved.id or ""
        )
