"""Start page (/): a big search box, the user's figures, their customers and the newest documents."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from app import dossier
from cockpit import components as C
from cockpit.context import ctx, safe_layout, user
from cockpit.i18n import current_lang, fmt_int, t
from cockpit.urlstate import search_href

dash.register_page(__name__, path="/", name="home", title="Dossier Cockpit", order=0)

HOME_Q = "home-q"
HOME_GO = "home-go"
HOME_NAV = "home-nav"


@safe_layout
def layout(**kwargs: Any) -> Any:
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    data = dossier.home(ctx(), u)
    kpis = dbc.Row(
        [
            C.kpi_card(
                t("home.documents", lang),
                fmt_int(data.total, lang),
                icon_name="bi-files",
                href="/search",
                kpi_id="kpi-documents",
                md=3,
            ),
            C.kpi_card(
                t("home.customers", lang),
                fmt_int(data.customers, lang),
                icon_name="bi-people",
                kpi_id="kpi-customers",
                md=3,
            ),
            C.kpi_card(
                t("home.open_complaints", lang),
                fmt_int(data.open_complaints, lang),
                icon_name="bi-exclamation-triangle",
                href=search_href(register="complaint", status="open"),
                tone="warn" if data.open_complaints else "",
                kpi_id="kpi-open-complaints",
                md=3,
            ),  # fmt: skip
            C.kpi_card(
                t("home.review", lang),
                fmt_int(data.review, lang),
                icon_name="bi-clipboard-check",
                href="/review",
                tone="attention" if data.review else "",
                kpi_id="kpi-review",
                md=3,
            ),  # fmt: skip
        ],
        className="g-3 mb-4 kpis",
    )
    mine = (
        html.Ul(
            [
                html.Li(
                    [
                        dcc.Link(
                            c.get("name") or c.get("customer_id"),
                            href=C.dossier_href(str(c.get("customer_id"))),
                            className="fw-semibold",
                        ),
                        html.Span(f" {c.get('number') or ''}", className="text-muted small"),
                        html.Span(
                            " · "
                            + ", ".join(sorted({a.get("city", "") for a in c.get("addresses") or [] if a.get("city")})),
                            className="text-muted small",
                        ),
                    ]
                )
                for c in data.my_customers
            ],
            className="list-unstyled mb-0 my-customers",
        )
        if data.my_customers
        else html.P(t("home.my_customers.none", lang), className="text-muted small mb-0")
    )
    return html.Div(
        [
            dcc.Location(id=HOME_NAV, refresh="callback-nav"),
            html.Div(
                [
                    html.H1(t("home.greeting", lang, name=u.name.split(" ")[0]), className="h3 mb-1"),
                    html.P(t("home.intro", lang), className="text-muted"),
                    html.Label(t("header.search.label", lang), htmlFor=HOME_Q, className="visually-hidden"),
                    dbc.InputGroup(
                        [
                            dbc.Input(
                                id=HOME_Q,
                                type="search",
                                placeholder=t("search.placeholder.short", lang),
                                autocomplete="off",
                                maxlength=1000,
                                autofocus=True,
                            ),  # fmt: skip
                            dbc.Button(
                                [C.icon("bi-search"), " ", t("search.submit", lang)], id=HOME_GO, color="primary"
                            ),
                        ],
                        size="lg",
                    ),
                    html.P(t("search.syntax_hint", lang), className="small text-muted mt-2 mb-0"),
                ],
                className="home-hero",
            ),
            kpis,
            dbc.Row(
                [
                    dbc.Col(C.card(t("home.latest", lang), C.compact_list(data.latest, list_id="home-latest")), lg=8),
                    dbc.Col(C.card(t("home.my_customers", lang), mine, card_id="home-my-customers"), lg=4),
                ],
                className="g-3",
            ),
        ],
        className="home-page",
    )


@callback(
    Output(HOME_NAV, "href"),
    Input(HOME_Q, "n_submit"),
    Input(HOME_GO, "n_clicks"),
    State(HOME_Q, "value"),
    prevent_initial_call=True,
)
def _go(_s: int | None, _c: int | None, value: str | None) -> str:
    q = " ".join((value or "").split())[:1000]
    return "/search?" + urlencode({"q": q}) if q else "/search"
