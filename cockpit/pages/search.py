"""Search page: /search?q=...&mode=...&f.register=...&group=...&sort=...&page=...

Every state lives in the URL (see `cockpit.urlstate`). Facet values, mode, grouping, sorting and paging are
plain links to the next state; only the text box, the export and "save as view" need callbacks.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app import search, views
from cockpit import components as C
from cockpit import ids
from cockpit.components import A
from cockpit.context import ctx, error_text, safe_layout, user
from cockpit.i18n import current_lang, t
from cockpit.urlstate import GROUPS_PER_PAGE, SearchState, parse_search_params
from domain.errors import AppError
from search.request import GROUP_BYS, MODES, SORTS

log = logging.getLogger("cockpit.pages.search")

dash.register_page(__name__, path="/search", name="search", title="Suche – Dossier Cockpit", order=1)


def _mode_switch(state: SearchState, lang: str) -> html.Div:
    buttons = []
    for m in MODES:
        active = state.mode == m
        buttons.append(
            dcc.Link(
                t(f"mode.{m}", lang),
                href=replace(state, mode=m, page=1).href(),
                className="btn btn-sm " + ("btn-primary active" if active else "btn-outline-primary"),
                title=t(f"mode.{m}.help", lang),
                id=f"mode-{m}",
            )
        )
    return html.Div(buttons, className="btn-group mode-switch", role="group", id=ids.SEARCH_MODE,
                    **A({"aria-label": t("search.mode", lang)}))  # fmt: skip


def _menu(
    label_key: str, current_key: str, items: list[tuple[str, str, bool]], menu_id: str, icon_name: str
) -> dbc.DropdownMenu:
    return dbc.DropdownMenu(
        [dbc.DropdownMenuItem(label, href=href, active=active, external_link=False) for label, href, active in items],
        label=[C.icon(icon_name), f" {t(label_key)}: ", html.Strong(t(current_key))],
        size="sm",
        color="light",
        id=menu_id,
        className="toolbar-menu",
    )


def _toolbar(state: SearchState, result: Any, u: Any, lang: str) -> html.Div:
    group_items = [(t("group.none", lang), replace(state, group=None, page=1).href(), state.group is None)] + [
        (t(f"group.{g}", lang), replace(state, group=g, page=1).href(), state.group == g) for g in GROUP_BYS
    ]
    sort_items = [(t(f"sort.{s}", lang), replace(state, sort=s, page=1).href(), state.sort == s) for s in SORTS]
    took = f" · {t('search.took', lang, ms=int(result.took_ms))}" if result.took_ms is not None else ""
    right: list[Any] = [
        _menu("search.group", f"group.{state.group or 'none'}", group_items, ids.SEARCH_GROUP, "bi-collection"),
        # browsing without query text is newest first (relevance means nothing there)
        _menu(
            "search.sort",
            f"sort.{'date_desc' if not state.q and state.sort == 'relevance' else state.sort}",
            sort_items,
            ids.SEARCH_SORT,
            "bi-sort-down",
        ),  # fmt: skip
    ]
    if u.can("export"):
        right.append(
            dbc.DropdownMenu(
                [
                    dbc.DropdownMenuItem(
                        [C.icon("bi-filetype-csv"), " ", t("search.export.csv", lang)], id=ids.EXPORT_CSV, n_clicks=0
                    ),
                    dbc.DropdownMenuItem(
                        [C.icon("bi-file-earmark-excel"), " ", t("search.export.xlsx", lang)],
                        id=ids.EXPORT_XLSX,
                        n_clicks=0,
                    ),
                ],
                label=[C.icon("bi-download"), " ", t("search.export", lang)],
                size="sm",
                color="light",
                id="export-menu",
                className="toolbar-menu",
                toggle_class_name="export-toggle",
            )
        )
    if u.can("save_view"):
        right.append(
            dbc.Button(
                [C.icon("bi-bookmark-plus"), " ", t("search.save_view", lang)],
                id=ids.SAVE_VIEW_OPEN,
                size="sm",
                color="light",
                className="toolbar-btn",
                n_clicks=0,
            )  # fmt: skip
        )
    return html.Div(
        [
            html.Div(
                [
                    html.Span(
                        C.result_summary(result, state),
                        className="fw-semibold",
                        **C.A({"data-total": str(result.total)}),
                    ),  # fmt: skip
                    html.Span(took, className="text-muted"),
                ],
                className="result-summary",
                id=ids.SEARCH_SUMMARY,
            ),  # fmt: skip
            html.Div(right, className="toolbar-actions"),
        ],
        className="result-toolbar",
    )


def _save_view_modal(lang: str) -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("search.save_view", lang))),
            dbc.ModalBody(
                [
                    dbc.Label(t("search.save_view.name", lang), html_for=ids.SAVE_VIEW_NAME),
                    dbc.Input(id=ids.SAVE_VIEW_NAME, maxlength=120, autocomplete="off"),
                    html.Div(id=ids.SAVE_VIEW_STATUS, className="mt-2"),
                ]
            ),
            dbc.ModalFooter(dbc.Button(t("search.save", lang), id=ids.SAVE_VIEW_SAVE, color="primary", n_clicks=0)),
        ],
        id=ids.SAVE_VIEW_MODAL,
        is_open=False,
    )


@safe_layout
def layout(**kwargs: Any) -> Any:
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    state, url_msgs = parse_search_params(kwargs)
    context = ctx()
    result = search.search(context, u, state.to_request(tz=ctx().tz))
    messages = C.url_messages(url_msgs) + [C.message_text(m, lang) for m in result.messages]

    facet_cids = [b.value for b in result.facets.get("customer_ids", [])]
    group_cids = [g.key for g in result.groups if g.key] if state.group == "customer" else []
    hit_cids = [c for h in result.hits for c in h.customer_ids]
    hits_for_labels = list(result.hits) + [h for g in result.groups for h in g.hits]
    labels = C.merge_labels(
        C.labels_from_hits(hits_for_labels), search.customer_labels(context, u, facet_cids + group_cids + hit_cids)
    )

    if state.group:
        body: list[Any] = [C.group_section(g, state, labels, index=i, q=state.q) for i, g in enumerate(result.groups)]
        page_nav = C.pager(state, result.total_groups, per_page=GROUPS_PER_PAGE)
    else:
        body = [C.hit_row(h, q=state.q, labels=labels, lang=lang) for h in result.hits]
        page_nav = C.pager(state, result.total)
    if not body:
        body = [
            html.Div(
                [
                    html.Div(C.icon("bi-search", "fs-2 text-muted")),
                    html.P(t("search.none", lang), className="fw-semibold mb-1"),
                    html.P(t("search.none_hint", lang), className="text-muted small"),
                ],  # fmt: skip
                className="empty-state",
                id="search-empty",
            )
        ]

    search_form = html.Div(
        [
            html.Label(t("search.title", lang), htmlFor=ids.SEARCH_Q, className="visually-hidden"),
            dbc.InputGroup(
                [
                    dbc.Input(
                        id=ids.SEARCH_Q,
                        value=state.q,
                        type="search",
                        placeholder=t("search.placeholder.short", lang),
                        autocomplete="off",
                        maxlength=1000,
                        debounce=False,
                    ),  # fmt: skip
                    dbc.Button([C.icon("bi-search"), " ", t("search.submit", lang)], id=ids.SEARCH_GO, color="primary"),
                ],
                className="search-input",
            ),
            _mode_switch(state, lang),
        ],
        className="search-form",
    )
    return html.Div(
        [
            dcc.Location(id=ids.SEARCH_NAV, refresh="callback-nav"),
            dcc.Store(id=ids.SEARCH_STATE, data=state.query_string()),
            dcc.Download(id=ids.EXPORT_DOWNLOAD),
            html.H1(t("search.title", lang), className="visually-hidden"),
            search_form,
            html.P(t("search.syntax_hint", lang), className="small text-muted mt-n2 mb-3") if not state.q else None,
            C.messages_alert(messages),
            dbc.Row(
                [
                    dbc.Col(
                        C.facet_sidebar(result.facets, state, labels),
                        md=4,
                        lg=3,
                        className="sidebar",
                        id="search-facets",
                    ),
                    dbc.Col(
                        [
                            _toolbar(state, result, u, lang),
                            html.Div(id=ids.EXPORT_STATUS),
                            C.active_filter_chips(state, labels),
                            html.Div(body, className="hit-list", id=ids.SEARCH_RESULTS),
                            html.Div(page_nav, className="mt-3"),
                        ],
                        md=8,
                        lg=9,
                        className="results",
                    ),
                ],
                className="g-3",
            ),
            _save_view_modal(lang),
        ],
        className="search-page",
    )


# ----------------------------------------------------------------------------------------------- callbacks


@callback(
    Output(ids.SEARCH_NAV, "href"),
    Input(ids.SEARCH_Q, "n_submit"),
    Input(ids.SEARCH_GO, "n_clicks"),
    State(ids.SEARCH_Q, "value"),
    State(ids.SEARCH_STATE, "data"),
    prevent_initial_call=True,
)
def _submit(_n_submit: int | None, _n_clicks: int | None, value: str | None, state_qs: str | None) -> str:
    state, _ = parse_search_params(state_qs or "")
    q = " ".join((value or "").split())
    return replace(state, q=q, page=1).href()


@callback(
    Output(ids.EXPORT_DOWNLOAD, "data"),
    Output(ids.EXPORT_STATUS, "children"),
    Input(ids.EXPORT_CSV, "n_clicks"),
    Input(ids.EXPORT_XLSX, "n_clicks"),
    State(ids.SEARCH_STATE, "data"),
    prevent_initial_call=True,
)
def _export(n_csv: int | None, n_xlsx: int | None, state_qs: str | None) -> Any:
    from app.exports import export_table, to_csv, to_xlsx
    from app.search import MAX_EXPORT_ROWS

    trigger = dash.ctx.triggered_id
    if trigger not in (ids.EXPORT_CSV, ids.EXPORT_XLSX) or not (n_csv or n_xlsx):
        raise PreventUpdate
    u = user()
    if u is None or not u.can("export"):
        return no_update, dbc.Alert(t("search.export.denied"), color="warning", className="py-2 small")
    state, _ = parse_search_params(state_qs or "")
    try:
        exported = search.export(ctx(), u, state.to_request(tz=ctx().tz))
    except Exception as exc:  # noqa: BLE001 - refused or ES trouble: a message, not a traceback
        log.warning("export failed: %s", exc)
        return no_update, dbc.Alert(t("search.export.failed"), color="danger", className="py-2 small")
    rows, truncated = exported.rows, exported.truncated
    header, table = export_table(rows, C.register_label)
    stamp = __import__("datetime").date.today().isoformat()
    if trigger == ids.EXPORT_CSV:
        data = dcc.send_bytes(to_csv(header, table), f"treffer-{stamp}.csv")
    else:
        data = dcc.send_bytes(to_xlsx(header, table), f"treffer-{stamp}.xlsx")
    note = (
        dbc.Alert(t("search.export.truncated", n=MAX_EXPORT_ROWS), color="info", className="py-2 small")
        if truncated
        else None
    )
    return data, note


@callback(
    Output(ids.SAVE_VIEW_MODAL, "is_open"),
    Input(ids.SAVE_VIEW_OPEN, "n_clicks"),
    prevent_initial_call=True,
)
def _open_save(n: int | None) -> bool:
    if not n:
        raise PreventUpdate
    return True


@callback(
    Output(ids.SAVE_VIEW_STATUS, "children"),
    Input(ids.SAVE_VIEW_SAVE, "n_clicks"),
    State(ids.SAVE_VIEW_NAME, "value"),
    State(ids.SEARCH_STATE, "data"),
    prevent_initial_call=True,
)
def _save_view(n: int | None, name: str | None, state_qs: str | None) -> Any:
    if not n:
        raise PreventUpdate
    name = " ".join((name or "").split())[:120]
    if not name:
        return dbc.Alert(t("search.save_view.noname"), color="warning", className="py-2 small")
    u = user()
    if u is None or not u.can("save_view"):
        raise PreventUpdate
    state, _ = parse_search_params(state_qs or "")
    try:
        views.save_view_from_search(ctx(), u, state.to_request(tz=ctx().tz), name)
    except AppError as exc:
        log.info("save view refused: %s", exc)
        return dbc.Alert(t("search.save_view.failed", error=error_text(exc)), color="danger", className="py-2 small")
    except Exception:  # noqa: BLE001 - a storage failure: a message, never a traceback
        log.exception("save view failed")
        return dbc.Alert(t("search.save_view.failed", error=t("common.error")), color="danger", className="py-2 small")
    return dbc.Alert(t("search.save_view.saved", name=name), color="success", className="py-2 small")
