"""Basic builders: fast plain-JSON elements, safe hrefs, icons, register and customer labels, badges, alerts,
the "not found" and error panels, cards, and `plain` (component tree -> JSON data)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from cockpit.i18n import fmt_int, t, t_or

Labels = Mapping[str, tuple[str, str | None]]  # customer id -> (name, number)

REGISTER_ICONS: dict[str, str] = {
    "offer": "bi-file-earmark-text",
    "order": "bi-cart3",
    "order_confirmation": "bi-cart-check",
    "delivery_note": "bi-truck",
    "invoice": "bi-receipt",
    "credit_note": "bi-arrow-counterclockwise",
    "complaint": "bi-exclamation-triangle",
    "correspondence": "bi-envelope",
    "contract": "bi-file-earmark-lock",
    "service": "bi-tools",
    "other": "bi-file-earmark",
    "review": "bi-question-circle",
}
REGISTER_COLORS: dict[str, str] = {
    "offer": "#6f42c1",
    "order": "#0d6efd",
    "order_confirmation": "#3d8bfd",
    "delivery_note": "#20c997",
    "invoice": "#198754",
    "credit_note": "#6c9a3b",
    "complaint": "#dc3545",
    "correspondence": "#6c757d",
    "contract": "#b8860b",
    "service": "#fd7e14",
    "other": "#adb5bd",
    "review": "#d63384",
}


# --------------------------------------------------------------------------------------------- fast elements
# The hot paths (result rows, facet values, highlighted text) build Dash's JSON form directly: constructing
# component objects and serialising them costs ~25 µs per element, a result page has ~1,000 of them.


def A(attributes: dict[str, Any]) -> dict[str, Any]:  # noqa: N802 - reads like a keyword
    """Hyphenated HTML attributes (aria-*, data-*) for a component: ``html.Div(..., **A({"aria-label": x}))``."""
    return attributes


_HTML = "dash_html_components"
_DCC = "dash_core_components"


def h(tag: str, children: Any = None, **props: Any) -> Any:
    """An html.<tag> element as plain JSON data. `attrs={"data-x": ..}` for hyphenated attributes.
    Children must be plain too (strings, `h`, `link`), never component objects (see `plain`)."""
    extra = props.pop("attrs", None) or {}
    return {"type": tag, "namespace": _HTML, "props": {"children": children, **props, **extra}}


def link(children: Any, href: str, **props: Any) -> Any:
    """A dcc.Link (client-side navigation) as plain JSON data."""
    return {"type": "Link", "namespace": _DCC, "props": {"children": children, "href": href, **props}}


# --------------------------------------------------------------------------------------------- hrefs


def document_href(doc_id: str, q: str = "") -> str:
    href = "/document/" + quote(str(doc_id), safe="")
    return href + "?" + urlencode({"q": q}) if q else href


def dossier_href(customer_id: str, **params: str) -> str:
    href = "/dossier/" + quote(str(customer_id), safe="")
    params = {k: v for k, v in params.items() if v}
    return href + "?" + urlencode(params) if params else href


def original_href(doc_id: str) -> str:
    return "/original/" + quote(str(doc_id), safe="")


# --------------------------------------------------------------------------------------------- small pieces


def icon(name: str, className: str = "") -> Any:  # noqa: N803 - Dash naming
    return h("I", className=f"bi {name} {className}".strip(), attrs={"aria-hidden": "true"})


def register_label(register: str | None, lang: str | None = None) -> str:
    if not register:
        return t("common.none", lang)
    return t_or(f"register.{register}", register, lang)


def register_badge(register: str | None, lang: str | None = None, count: int | None = None) -> Any:
    reg = register or "other"
    label = register_label(reg, lang)
    children: list[Any] = [icon(REGISTER_ICONS.get(reg, "bi-file-earmark")), " ", label]
    if count is not None:
        children += [" ", h("Span", fmt_int(count, lang), className="reg-count")]
    return h("Span", children, className=f"reg-badge reg-{reg}", title=label)


def customer_label(cid: str | None, labels: Labels, fallback: str | None = None) -> str:
    if cid is None:
        return t("common.unknown_customer")
    name, number = labels.get(cid, (fallback or "", None))
    name = name or fallback or cid
    return f"{name} ({number})" if number else name


def messages_alert(messages: Iterable[str], color: str = "warning", className: str = "") -> dbc.Alert | None:
    msgs = [m for m in messages if m]
    if not msgs:
        return None
    body: Any = msgs[0] if len(msgs) == 1 else html.Ul([html.Li(m) for m in msgs], className="mb-0 ps-3")
    return dbc.Alert(body, color=color, className=f"py-2 small {className}".strip(), id="page-messages")


def not_found(message_key: str) -> html.Div:
    """The one "not found" page: unknown ids and other tenants' ids look exactly the same."""
    return html.Div(
        [
            html.Div(icon("bi-search", "display-5 text-muted"), className="mb-3"),
            html.H1(t("notfound.title"), className="h3"),
            html.P(t(message_key), className="text-muted"),
            html.Div(
                [
                    dcc.Link([icon("bi-house"), " ", t("common.home")], href="/", className="btn btn-primary me-2"),
                    dcc.Link(
                        [icon("bi-search"), " ", t("common.back_search")],
                        href="/search",
                        className="btn btn-outline-secondary",
                    ),
                ]
            ),
        ],
        className="not-found text-center py-5",
        id="not-found",
    )


def error_panel() -> html.Div:
    return html.Div(
        [
            html.Div(icon("bi-cloud-slash", "display-5 text-muted"), className="mb-3"),
            html.P(t("common.error"), className="text-muted"),
            dcc.Link(t("common.home"), href="/", className="btn btn-outline-primary"),
        ],
        className="text-center py-5",
        id="page-error",
    )


def kpi_card(label: str, value: str, *, icon_name: str, sub: Any = None, href: str | None = None,
             tone: str = "", help_text: str | None = None, kpi_id: str | None = None, md: int = 4) -> dbc.Col:  # fmt: skip
    body = [
        html.Div([icon(icon_name), " ", label], className="kpi-label", title=help_text or label),
        html.Div(value, className="kpi-value"),
    ]
    if sub is not None:
        body.append(html.Div(sub, className="kpi-sub"))
    inner: Any = dcc.Link(body, href=href, className="kpi-link") if href else html.Div(body)
    attrs: dict[str, Any] = {"id": kpi_id} if kpi_id else {}
    return dbc.Col(html.Div(inner, className=f"kpi-card {tone}".strip(), **attrs), xs=6, md=md, xl=True)


def card(title: Any, body: Any, *, className: str = "", card_id: str | None = None, actions: Any = None) -> dbc.Card:
    header_children: list[Any] = [html.H2(title, className="card-title-sm mb-0")]
    if actions is not None:
        header_children.append(html.Div(actions, className="ms-auto"))
    attrs: dict[str, Any] = {"id": card_id} if card_id else {}
    return dbc.Card(
        [dbc.CardHeader(html.Div(header_children, className="d-flex align-items-center gap-2")), dbc.CardBody(body)],
        className=f"panel {className}".strip(),
        **attrs,
    )


def definition_list(rows: Sequence[tuple[str, Any]]) -> html.Dl:
    children: list[Any] = []
    for label, value in rows:
        if value is None or (isinstance(value, str | list | tuple) and not value):
            continue
        children += [html.Dt(label), html.Dd(value)]
    return html.Dl(children, className="small mb-0 kv")


Builder = Callable[..., Any]


def plain(obj: Any) -> Any:
    """A component tree as plain JSON data (what Dash sends anyway). Dash's encoder (plotly's, with orjson)
    fails on component objects and falls back to a slow cleaning pass over every node; plain data goes
    straight through orjson — about 10× faster for a result page.

    Dicts are taken as already plain: elements from `h`/`link` hold only plain children (never component
    objects), and the other dicts in props (figures, styles, pattern ids) hold no components at all."""
    if isinstance(obj, Component):
        d = obj.to_plotly_json()
        d["props"] = {k: plain(v) for k, v in d["props"].items()}
        return d
    if isinstance(obj, list | tuple):
        return [plain(x) for x in obj]
    return obj
