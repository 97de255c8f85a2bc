"""Dossier cover: /dossier/<customer_id>[?tab=<register>]

Master data, key figures computed live from Elasticsearch (one request, permission-filtered), register tabs
with their newest documents, a timeline by register, contacts, addresses on an offline map, a search box
scoped to this dossier, the views package's dossier-scoped view buttons and the "Befristete Freigaben" card
(cockpit.components.access_callbacks, shared with the document page).
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from app import dossier, views
from cockpit import components as C
from cockpit import ids
from cockpit.components.access_callbacks import grants_section, register_callbacks
from cockpit.components.intake import upload_widget
from cockpit.context import ctx, display_name, safe_layout, user
from cockpit.i18n import current_lang, fmt_date, fmt_int, fmt_money, t, t_or
from cockpit.urlstate import clean_text_param, search_href
from domain.principal import UPLOAD, Principal
from search.dossier import DossierData

log = logging.getLogger("cockpit.pages.dossier")

dash.register_page(
    __name__, path_template="/dossier/<customer_id>", name="dossier", title="Kundenakte – Dossier Cockpit", order=2
)
register_callbacks()  # the grants card (dossier and document pages)


def _view_buttons(u: Any, customer_id: str) -> Any:
    try:
        out = views.dossier_view_buttons(ctx(), u, customer_id)
    except Exception as exc:  # noqa: BLE001 - the view buttons must not break the dossier
        log.warning("dossier view buttons failed: %s", exc)
        return None
    if not out:
        return None
    buttons: list[Any] = []
    for b in out:
        badge = html.Span(fmt_int(b.count), className="badge bg-light text-dark ms-2") if b.count is not None else None
        buttons.append(dcc.Link([C.icon("bi-bookmark"), " ", b.name, badge], href=b.href,
                                className="btn btn-sm btn-outline-primary", title=b.description or b.name))  # fmt: skip
    if not buttons:
        return None
    return html.Div([html.Span([C.icon("bi-bookmark-star"), " ", t("dossier.views")], className="me-2 small text-muted"), *buttons],
                    className="view-buttons", id="dossier-view-buttons")  # fmt: skip


def _master_card(d: DossierData, lang: str) -> Any:
    c = d.customer
    if not c:
        return C.card(
            t("dossier.master", lang),
            html.P(t("dossier.no_master", lang), className="text-muted small mb-0"),
            card_id="dossier-master",
        )
    addresses = []
    for a in c.get("addresses") or []:
        kind = t_or(f"dossier.address.{a.get('kind')}", t("dossier.address", lang), lang)
        lines = [a.get("street") or "", " ".join(x for x in (a.get("zip"), a.get("city")) if x), a.get("country") or ""]
        addresses.append((kind, html.Span([x for line in lines if line for x in (line, html.Br())][:-1])))
    rows: list[tuple[str, Any]] = [
        (t("dossier.number", lang), c.get("number")),
        (t("dossier.name", lang), c.get("name")),
        (t("dossier.segment", lang), c.get("segment")),
        (t("dossier.account_manager", lang), display_name(c.get("account_manager"))),
        (t("dossier.department", lang), c.get("department")),
        (t("dossier.tenant", lang), c.get("tenant")),
        (t("dossier.emails", lang), ", ".join(c.get("emails") or [])),
        (t("dossier.phones", lang), ", ".join(c.get("phones") or [])),
        (t("dossier.vat_id", lang), c.get("vat_id")),
        *addresses,
    ]
    return C.card(t("dossier.master", lang), C.definition_list(rows), card_id="dossier-master")


def _map_card(d: DossierData, lang: str) -> Any:
    points: dict[tuple[float, float], dict[str, Any]] = {}
    for a in (d.customer or {}).get("addresses") or []:
        if a.get("lat") is None or a.get("lon") is None:
            continue
        key = (round(float(a["lat"]), 4), round(float(a["lon"]), 4))
        label = f"{t_or('dossier.address.' + str(a.get('kind')), '', lang)}: {a.get('street', '')}, {a.get('zip', '')} {a.get('city', '')}"
        if key in points:
            points[key]["lines"].append(label)
        else:
            points[key] = {"lat": key[0], "lon": key[1], "lines": [label], "kind": a.get("kind")}
    if not points:
        body: Any = html.P(t("dossier.map.none", lang), className="text-muted small mb-0")
    else:
        body = C.graph(C.map_figure(list(points.values()), lang), ids.DOSSIER_MAP, t("dossier.map", lang))
    return C.card(t("dossier.map", lang), body, card_id="dossier-map-card")


def _contacts_card(d: DossierData, lang: str) -> Any:
    sections = []
    for kind in ("person", "email", "phone", "order_number"):
        values = d.entities.get(kind) or []
        if not values:
            continue
        sections.append(
            html.Div(
                [
                    html.Div(t(f"entity.{kind}", lang), className="small text-muted fw-semibold"),
                    html.Ul(
                        [
                            html.Li(
                                [
                                    dcc.Link(
                                        v, href=search_href(customer_ids=d.customer_id, entity_facets=f"{kind}:{v}")
                                    ),
                                    html.Span(f" {fmt_int(n, lang)}", className="text-muted small"),
                                ]
                            )  # fmt: skip
                            for v, n in values
                        ],
                        className="list-unstyled small mb-2 entity-list",
                    ),
                ]
            )
        )
    body: list[Any] = sections or [html.P(t("dossier.contacts.none", lang), className="text-muted small mb-0")]
    return C.card(t("dossier.contacts", lang), body, card_id="dossier-contacts")


def _kpis(d: DossierData, lang: str) -> Any:
    cid = d.customer_id
    last_order = d.last_order
    last_delivery = d.last_delivery
    revenue_sub = t("dossier.kpi.revenue.help", lang) if d.revenue_count else None
    return dbc.Row(
        [
            C.kpi_card(
                t("dossier.kpi.open_complaints", lang),
                fmt_int(d.open_complaints, lang),
                icon_name="bi-exclamation-triangle",
                href=search_href(customer_ids=cid, register="complaint", status="open"),
                tone="warn" if d.open_complaints else "",
                sub=html.Span(
                    t("dossier.kpi.overdue", lang, n=fmt_int(d.overdue_cases, lang)),
                    className="text-danger fw-semibold",
                    id="kpi-overdue-cases",
                )
                if d.overdue_cases
                else None,
                kpi_id="kpi-open-complaints",
            ),  # fmt: skip
            C.kpi_card(
                t("dossier.kpi.last_order", lang),
                fmt_date(last_order.doc_date if last_order else None, lang),
                icon_name="bi-cart3",
                href=C.document_href(last_order.doc_id) if last_order else None,
                sub=(last_order.title[:60] if last_order else None),
                kpi_id="kpi-last-order",
            ),  # fmt: skip
            C.kpi_card(
                t("dossier.kpi.last_delivery", lang),
                fmt_date(last_delivery.doc_date if last_delivery else None, lang),
                icon_name="bi-truck",
                href=C.document_href(last_delivery.doc_id) if last_delivery else None,
                sub=(last_delivery.title[:60] if last_delivery else None),
                kpi_id="kpi-last-delivery",
            ),  # fmt: skip
            C.kpi_card(
                t("dossier.kpi.revenue", lang),
                fmt_money(d.revenue_12m, d.currency or "EUR", lang)
                if d.revenue_12m is not None
                else t("common.none", lang),
                icon_name="bi-graph-up-arrow",
                sub=revenue_sub,
                help_text=t("dossier.kpi.revenue.help", lang),
                href=search_href(customer_ids=cid, register="invoice"),
                kpi_id="kpi-revenue",
            ),  # fmt: skip
            C.kpi_card(
                t("dossier.kpi.documents", lang),
                fmt_int(d.total, lang),
                icon_name="bi-files",
                href=search_href(customer_ids=cid),
                kpi_id="kpi-documents",
            ),  # fmt: skip
        ],
        className="g-3 mb-3 kpis",
    )


def _add_documents(u: Principal, d: DossierData, lang: str) -> Any:
    """Collapsed "add documents": files dropped here are filed to this customer (callbacks: pages/upload.py)."""
    tenant = (d.customer or {}).get("tenant")
    if not u.can(UPLOAD) or not tenant or tenant not in u.tenants:
        return None
    from app.access import fileable_registers
    from core.settings import get_settings

    widget = upload_widget("dossier", tenants=[tenant], customer_id=d.customer_id, lang=lang,
                           max_mb=float(get_settings().max_file_mb),
                           registers=fileable_registers(ctx(), u, tenant))  # fmt: skip
    return html.Details(
        [
            html.Summary([C.icon("bi-cloud-arrow-up"), " ", t("dossier.add_documents", lang)], className="fw-semibold"),
            html.P(t("dossier.add_documents.intro", lang, name=d.name), className="text-muted small mt-2"),
            widget,
        ],
        className="dossier-add-documents panel card card-body mb-3",
        id="dossier-add-documents",
    )


def _tabs(d: DossierData, active: str, lang: str) -> Any:
    overview = html.Div(
        [
            html.H2(t("dossier.timeline", lang), className="card-title-sm mt-1"),
            C.graph(C.timeline_figure(d.timeline, lang), ids.DOSSIER_TIMELINE, t("dossier.timeline", lang))
            if d.timeline
            else html.P(t("dossier.timeline.empty", lang), className="text-muted small"),
            html.H2(t("dossier.latest", lang), className="card-title-sm mt-3"),
            C.compact_list(d.latest, show_customers=False, list_id="dossier-latest", draggable=True),
        ],
        className="pt-3",
    )
    tabs = [dbc.Tab(overview, label=t("dossier.overview", lang), tab_id="overview", id="tab-overview")]
    for reg, count, hits in d.registers:
        body = [
            C.compact_list(
                hits,
                show_customers=False,
                empty_key="dossier.register.empty",
                list_id=f"register-list-{reg}",
                draggable=True,
            )
        ]
        if count > len(hits) or count:
            body.append(
                dcc.Link(
                    [C.icon("bi-box-arrow-up-right"), " ", t("dossier.register.all", lang, n=fmt_int(count, lang))],
                    href=search_href(customer_ids=d.customer_id, register=reg),
                    className="small d-inline-block mt-2",
                )  # fmt: skip
            )
        tabs.append(
            dbc.Tab(
                html.Div(body, className="pt-3"),
                label=f"{C.register_label(reg, lang)} ({fmt_int(count, lang)})",
                tab_id=f"reg-{reg}",
                id=f"tab-{reg}",
                label_class_name=f"reg-tab reg-{reg}",
            )  # fmt: skip
        )
    valid = {"overview"} | {f"reg-{r}" for r, _, _ in d.registers}
    return dbc.Tabs(
        tabs, active_tab=active if active in valid else "overview", id=ids.DOSSIER_TABS, className="dossier-tabs"
    )


@safe_layout
def layout(customer_id: str = "", **kwargs: Any) -> Any:
    u = user()
    customer_id = clean_text_param(customer_id, 100)
    if u is None or not customer_id:
        return C.not_found("notfound.customer")
    lang = current_lang()
    d = dossier.dossier(ctx(), u, customer_id)
    c = d.customer or {}
    tab = clean_text_param(kwargs.get("tab"), 40)
    active = "overview" if not tab or tab == "overview" else f"reg-{tab}"
    sub = [
        html.Span(c.get("number") or customer_id, className="me-3"),
        dbc.Badge(f"{t('dossier.segment', lang)} {c['segment']}", color="light", text_color="dark", className="me-2")
        if c.get("segment")
        else None,
        html.Span(
            [C.icon("bi-person-badge"), " ", display_name(c.get("account_manager"))],
            className="me-3 text-muted",
            title=t("dossier.account_manager", lang),
        )
        if c.get("account_manager")
        else None,
        html.Span(
            [C.icon("bi-building"), " ", c.get("tenant")], className="text-muted", title=t("dossier.tenant", lang)
        )
        if c.get("tenant")
        else None,
    ]
    search_box = html.Div(
        [
            html.Label(t("dossier.search.label", lang), htmlFor=ids.DOSSIER_Q, className="visually-hidden"),
            dbc.InputGroup(
                [
                    dbc.Input(
                        id=ids.DOSSIER_Q,
                        type="search",
                        placeholder=t("dossier.search.placeholder", lang),
                        autocomplete="off",
                        maxlength=500,
                    ),
                    dbc.Button(
                        C.icon("bi-search"), id=ids.DOSSIER_Q_GO, color="primary", title=t("dossier.search.label", lang)
                    ),
                ],
                size="sm",
            ),
        ],
        className="dossier-search",
    )
    return html.Div(
        [
            dcc.Location(id=ids.DOSSIER_NAV, refresh="callback-nav"),
            dcc.Store(id=ids.DOSSIER_CUSTOMER, data=customer_id),
            html.Div(
                [
                    html.Div(
                        [
                            html.Div([C.icon("bi-folder2-open"), " ", t("dossier.title", lang)], className="eyebrow"),
                            html.H1(d.name, className="h3 mb-1", id="dossier-name"),
                            html.Div([s for s in sub if s is not None], className="dossier-sub small"),
                        ],
                        className="dossier-title",
                    ),
                    search_box,
                ],
                className="dossier-header",
            ),
            _view_buttons(u, customer_id),
            _kpis(d, lang),
            _add_documents(u, d, lang),
            dbc.Row(
                [
                    dbc.Col(
                        C.card(t("dossier.registers", lang), _tabs(d, active, lang), card_id="dossier-registers"), lg=8
                    ),
                    dbc.Col(
                        [
                            _cases_card(u, customer_id, lang),
                            _master_card(d, lang),
                            grants_section(u, {"customer_id": customer_id, "tenant": str(c.get("tenant") or "")}, lang)
                            if c
                            else None,
                            _map_card(d, lang),
                            _contacts_card(d, lang),
                        ],
                        lg=4,
                        className="side-col",
                    ),
                ],
                className="g-3",
            ),
            _dashboard(u, customer_id, lang),
        ],
        className="dossier-page",
    )


def _cases_card(u: Principal, customer_id: str, lang: str) -> Any:
    """ "Offene Fälle" of this customer (a failure leaves the card out, never breaks the dossier)."""
    if u.kind == "api_client" or not u.tenants:
        return None
    from app.cases import cases_of_customer
    from cockpit.components.cases import dossier_cases_card
    from cockpit.components.cases_callbacks import step_labels

    try:
        found = cases_of_customer(ctx(), u, customer_id)
    except Exception as exc:  # noqa: BLE001 - a side card
        log.warning("cases of %s unavailable: %s", customer_id, exc)
        return None
    return dossier_cases_card(found, step_labels(found, lang), lang)


def _dashboard(u: Any, customer_id: str, lang: str) -> Any:
    """The same panels as /dashboard for this customer (clicks and exports: cockpit.pages.dashboard)."""
    from app.dashboards import customer_dashboard
    from cockpit.components.dashboard import dossier_section

    board = customer_dashboard(ctx(), u, customer_id)
    return html.Div(dossier_section(board, lang, customer_id, exports=u.can("export")), className="mt-3")


@callback(
    Output(ids.DOSSIER_NAV, "href"),
    Input(ids.DOSSIER_Q, "n_submit"),
    Input(ids.DOSSIER_Q_GO, "n_clicks"),
    State(ids.DOSSIER_Q, "value"),
    State(ids.DOSSIER_CUSTOMER, "data"),
    prevent_initial_call=True,
)
def _dossier_search(_s: int | None, _c: int | None, value: str | None, customer_id: str | None) -> str:
    if not customer_id:
        raise PreventUpdate
    q = " ".join((value or "").split())[:500]
    return search_href(q, customer_ids=customer_id)
