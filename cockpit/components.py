"""Pure Dash component builders: data in, components out. No I/O, no request state except the language.

Document text, titles and highlights are only ever rendered as text children and `html.Mark` — never as
HTML — so whatever a document contains (``<script>``, ``<img onerror>``) stays inert text. Every href is built
here from ids with `urllib.parse.quote`, never taken from document content.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from cockpit.i18n import current_lang, fmt_date, fmt_int, fmt_month, t, t_or
from cockpit.urlstate import MAX_PAGE, PAGE_SIZE, SearchState
from search.parse import FacetBucket, Group, Hit, SearchResult

Fragment = tuple[tuple[str, bool], ...]
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
FACET_ORDER = ("register", "customer_ids", "year_month", "status", "filing.status", "source_kind", "language",
               "entity_facets", "tenant")  # fmt: skip
FACET_VISIBLE = 6
MAX_MARKS = 2000  # a document with more highlighted words shows the rest unmarked


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


def fragment_children(fragment: Fragment, budget: list[int] | None = None) -> list[Any]:
    """(("a ", False), ("b", True)) -> ["a ", html.Mark("b")]. Text stays text."""
    out: list[Any] = []
    for text, marked in fragment:
        if not text:
            continue
        if marked and (budget is None or budget[0] > 0):
            out.append(h("Mark", text))
            if budget is not None:
                budget[0] -= 1
        else:
            out.append(text)
    return out


def snippet(fragments: Sequence[Fragment], className: str = "hit-snippet") -> Any:
    if not fragments:
        return None
    children: list[Any] = []
    for i, frag in enumerate(fragments[:3]):
        if i:
            children.append(" … ")
        children.extend(fragment_children(frag))
    return h("P", children, className=className)


_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")


def highlighted_text(pieces: Fragment) -> list[Any]:
    """The document text with its marks; extraction's blank lines between elements are folded to line breaks."""
    folded = tuple((_BLANK_LINES.sub("\n", text), marked) for text, marked in pieces)
    return fragment_children(folded, budget=[MAX_MARKS])


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


# --------------------------------------------------------------------------------------------- result rows


def hit_row(hit: Hit, *, q: str = "", labels: Labels | None = None, lang: str | None = None,
            show_customers: bool = True, compact: bool = False) -> Any:  # fmt: skip
    labels = labels or {}
    lang = lang or current_lang()
    title_frags = hit.highlights.get("title")
    title_children: list[Any] = fragment_children(title_frags[0]) if title_frags else [hit.title or hit.doc_id]
    badges: list[Any] = []
    if hit.version and hit.version > 1:
        badges.append(
            h(
                "Span",
                f"v{hit.version}",
                className="badge bg-info ms-2 version-badge",
                title=t("search.version", lang, v=hit.version),
            )
        )
    if hit.is_latest is False:
        badges.append(h("Span", t("search.older_version", lang), className="badge bg-secondary ms-1 version-badge"))
    status = (hit.source or {}).get("status")
    if status == "open" and hit.register in ("complaint", "invoice"):
        badges.append(h("Span", t("status.open", lang), className="badge bg-warning text-dark ms-1"))
    sep = h("Span", " · ", className="sep")
    meta: list[Any] = []
    if show_customers:
        if hit.customer_ids:
            for i, cid in enumerate(hit.customer_ids[:3]):
                name = hit.customer_names[i] if i < len(hit.customer_names) else None
                if i:
                    meta.append(", ")
                meta.append(link(customer_label(cid, labels, name), dossier_href(cid), className="hit-customer"))
        else:
            meta.append(h("Span", t("common.unknown_customer", lang), className="text-muted"))
        meta.append(sep)
    meta.append(h("Span", [icon("bi-calendar3"), " ", fmt_date(hit.doc_date, lang)], className="hit-date"))
    if hit.language:
        meta += [
            sep,
            h(
                "Span",
                hit.language.upper(),
                className="hit-lang",
                title=t_or(f"language.{hit.language}", hit.language, lang),
            ),
        ]
    file_name = (hit.source or {}).get("file_name")
    if file_name and not compact:
        meta += [
            sep,
            h("Span", [icon("bi-paperclip"), " ", str(file_name)], className="hit-file", title=str(file_name)),
        ]
    reg = hit.register or "other"
    reg_label = register_label(reg, lang)
    children: list[Any] = [
        h(
            "Div",
            [
                h(
                    "Span",
                    icon(REGISTER_ICONS.get(reg, "bi-file-earmark")),
                    className=f"hit-icon reg-{reg}",
                    title=reg_label,
                ),
                h(
                    "Div",
                    [
                        h(
                            "H3",
                            [link(title_children, document_href(hit.doc_id, q), className="hit-title"), *badges],
                            className="hit-heading",
                        ),
                        h(
                            "Div",
                            [register_badge(reg, lang), h("Span", " ", className="sep"), *meta],
                            className="hit-meta",
                        ),
                    ],
                    className="hit-head-text",
                ),
            ],
            className="hit-head",
        )
    ]
    if not compact:
        snip = snippet(hit.snippet)
        if snip is not None:
            children.append(snip)
    return h(
        "Article", children, className="hit" + (" hit-compact" if compact else ""), attrs={"data-doc-id": hit.doc_id}
    )


def compact_list(hits: Sequence[Hit], *, labels: Labels | None = None, show_customers: bool = True,
                 empty_key: str = "search.none", list_id: str | None = None) -> Any:  # fmt: skip
    if not hits:
        return (
            html.Div(html.P(t(empty_key), className="text-muted small mb-0"), id=list_id)
            if list_id
            else html.P(t(empty_key), className="text-muted small mb-0")
        )
    rows = [hit_row(h, labels=labels, show_customers=show_customers, compact=True) for h in hits]
    attrs: dict[str, Any] = {"id": list_id} if list_id else {}
    return html.Div(rows, className="hit-list compact", **attrs)


# --------------------------------------------------------------------------------------------- facets


def facet_value_label(facet: str, value: str, labels: Labels, lang: str | None = None) -> str:
    if facet == "register":
        return register_label(value, lang)
    if facet == "customer_ids":
        return customer_label(value, labels)
    if facet == "year_month":
        return fmt_month(value, lang)
    if facet == "language":
        return t_or(f"language.{value}", value, lang)
    if facet == "source_kind":
        return t_or(f"source.{value}", value, lang)
    if facet == "status":
        return t_or(f"status.{value}", value, lang)
    if facet == "filing.status":
        return t_or(f"filing.{value}", value, lang)
    if facet == "entity_facets" and ":" in value:
        kind, _, val = value.partition(":")
        return f"{t_or(f'entity.{kind}', kind, lang)}: {val}"
    return value


def _facet_item(facet: str, b: FacetBucket, state: SearchState, labels: Labels, lang: str) -> Any:
    label = facet_value_label(facet, b.value, labels, lang)
    inner = link(
        [
            h("Span", None, className="facet-check", attrs={"aria-hidden": "true"}),
            h("Span", label, className="facet-label", title=label),
            h("Span", fmt_int(b.count, lang), className="facet-count"),
        ],
        state.toggle(facet, b.value).href(),
        className="facet-item" + (" selected" if b.selected else ""),
    )
    return h("Div", inner, role="checkbox", className="facet-row",
             attrs={"aria-checked": "true" if b.selected else "false", "data-facet": facet, "data-value": b.value})  # fmt: skip


def facet_sidebar(facets: Mapping[str, list[FacetBucket]], state: SearchState, labels: Labels) -> Any:
    lang = current_lang()
    sections: list[Any] = []
    for facet in FACET_ORDER:
        buckets = facets.get(facet) or []
        if not buckets:
            continue
        if facet == "filing.status" and len(buckets) < 2 and not any(b.selected for b in buckets):
            continue  # nothing to choose
        ordered = sorted(buckets, key=lambda b: (not b.selected,)) if facet != "year_month" else buckets
        visible = [b for b in ordered[:FACET_VISIBLE]]
        rest = [b for b in ordered[FACET_VISIBLE:]]
        items: list[Any] = [_facet_item(facet, b, state, labels, lang) for b in visible]
        if rest:
            items.append(
                html.Details(
                    [html.Summary(t("facet.more", lang, n=len(rest)), className="facet-more")]
                    + [_facet_item(facet, b, state, labels, lang) for b in rest],
                    open=any(b.selected for b in rest),
                )
            )
        sections.append(
            html.Section(
                [html.H3(t(f"facet.{facet}", lang), className="facet-title"), html.Div(items, className="facet-items")],
                className="facet",
                id=f"facet-{facet.replace('.', '-').replace('_', '-')}",
            )
        )
    if state.filters:
        sections.insert(
            0,
            dcc.Link(
                [icon("bi-x-circle"), " ", t("search.clear_filters", lang)],
                href=state.without_filters().href(),
                className="btn btn-sm btn-outline-secondary w-100 mb-3",
                id="clear-filters",
            ),  # fmt: skip
        )
    return html.Nav(sections, className="facets", **A({"aria-label": t("search.filters", lang)}))


def active_filter_chips(state: SearchState, labels: Labels) -> html.Div | None:
    if not state.filters:
        return None
    lang = current_lang()
    chips = []
    for facet, values in state.filters:
        for v in values:
            label = f"{t(f'facet.{facet}', lang)}: {facet_value_label(facet, v, labels, lang)}"
            chips.append(
                dcc.Link(
                    [label, " ", icon("bi-x")],
                    href=state.toggle(facet, v).href(),
                    className="filter-chip",
                    title=t("search.remove_filter", lang, label=label),
                )  # fmt: skip
            )
    return html.Div(chips, className="filter-chips", id="filter-chips")


# --------------------------------------------------------------------------------------------- groups & paging


def group_label(group_by: str, key: str | None, group: Group, labels: Labels, lang: str) -> str:
    if key is None:
        return t("common.unknown_customer", lang) if group_by == "customer" else t("search.group_key_none", lang)
    if group_by == "customer":
        fallback = None
        for h in group.hits:
            if key in h.customer_ids:
                i = h.customer_ids.index(key)
                fallback = h.customer_names[i] if i < len(h.customer_names) else None
                break
        return customer_label(key, labels, fallback)
    if group_by == "register":
        return register_label(key, lang)
    if group_by == "month":
        return fmt_month(key, lang)
    return key


GROUP_FACET = {"customer": "customer_ids", "register": "register", "month": "year_month"}


def group_section(group: Group, state: SearchState, labels: Labels, *, index: int, q: str) -> html.Details:
    lang = current_lang()
    gb = state.group or "customer"
    label = group_label(gb, group.key, group, labels, lang)
    head: list[Any] = []
    if gb == "register" and group.key:
        head.append(
            html.Span(
                icon(REGISTER_ICONS.get(group.key, "bi-file-earmark")), className=f"hit-icon reg-{group.key} me-2"
            )
        )
    head += [
        html.Span(label, className="group-label"),
        html.Span(fmt_int(group.count, lang), className="group-count badge rounded-pill"),
    ]
    links: list[Any] = []
    if group.key is not None:
        links.append(
            dcc.Link(
                t("common.show_all", lang, n=fmt_int(group.count, lang)),
                href=state.only(GROUP_FACET[gb], group.key).href(),
                className="group-all small",
            )
        )
        if gb == "customer":
            links.append(
                dcc.Link(
                    [icon("bi-folder2-open"), " ", t("search.open_dossier", lang)],
                    href=dossier_href(group.key),
                    className="group-all small ms-3",
                )
            )
    body = [hit_row(h, q=q, labels=labels, show_customers=gb != "customer") for h in group.hits]
    if links:
        body.append(html.Div(links, className="group-links"))
    return html.Details([html.Summary(head, className="group-summary"), html.Div(body, className="group-body")],
                        open=True, className="group", id=f"group-{index}")  # fmt: skip


def pager(state: SearchState, total: int, *, per_page: int = PAGE_SIZE) -> html.Nav | None:
    lang = current_lang()
    pages = min(MAX_PAGE, max(1, math.ceil(total / per_page))) if total else 1
    if pages <= 1 and state.page <= 1:
        return None
    current = state.page
    from dataclasses import replace

    def item(p: int, label: Any, *, active: bool = False, disabled: bool = False, aria: str | None = None) -> html.Li:
        cls = "page-item" + (" active" if active else "") + (" disabled" if disabled else "")
        inner: Any = (html.Span(label, className="page-link") if disabled or active
                      else dcc.Link(label, href=replace(state, page=p).href(), className="page-link", title=aria))  # fmt: skip
        return html.Li(inner, className=cls, **A({"aria-current": "page"} if active else {}))

    items = [item(current - 1, t("search.prev", lang), disabled=current <= 1)]
    window = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    prev = 0
    for p in window:
        if p - prev > 1:
            items.append(html.Li(html.Span("…", className="page-link"), className="page-item disabled"))
        items.append(item(p, str(p), active=p == current, aria=t("search.page", lang, page=p)))
        prev = p
    items.append(item(current + 1, t("search.next", lang), disabled=current >= pages))
    return html.Nav(
        html.Ul(items, className="pagination pagination-sm mb-0 flex-wrap"),
        id="pager",
        **A({"aria-label": t("search.pagination", lang)}),
    )


def result_summary(result: SearchResult, state: SearchState) -> str:
    lang = current_lang()
    if state.group:
        groups = (
            t("search.groups_one", lang)
            if result.total_groups == 1
            else t("search.groups_total", lang, n=fmt_int(result.total_groups, lang))
        )
        hits = (
            t("search.total_one", lang) if result.total == 1 else t("search.total", lang, n=fmt_int(result.total, lang))
        )
        return f"{groups} · {hits}"
    if result.total == 1:
        return t("search.total_one", lang)
    if not result.total_is_exact:
        return t("search.total_about", lang, n=fmt_int(result.total, lang))
    return t("search.total", lang, n=fmt_int(result.total, lang))


# --------------------------------------------------------------------------------------------- service messages

_SERVICE_MESSAGES: tuple[tuple[str, str], ...] = (
    ("You have no access", "msg.no_access"),
    ("Semantic search is unavailable", "msg.semantic_unavailable"),
    ("The search could not be completed", "msg.search_failed"),
    ("No more results", "msg.beyond"),
    ("Only the first", "msg.window"),
)


_SERVICE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"The query was [\d,.]+ characters long; only the first (?P<value>\d+)"), "msg.query_too_long"),
    (re.compile(r"Unknown document type '(?P<value>.*)'"), "msg.unknown_type"),
    (re.compile(r"'(?P<value>.*)' is not a number"), "msg.not_a_number"),
    (re.compile(r"'(?P<value>.*)' is not a valid date"), "msg.bad_date"),
    (re.compile(r"Only the first (?P<value>\d+) words"), "msg.too_many_words"),
)


def translate_service_message(message: str) -> str:
    """The search service speaks English; the cockpit shows its known messages in the user's language."""
    for prefix, key in _SERVICE_MESSAGES:
        if message.startswith(prefix):
            return t(key)
    for pattern, key in _SERVICE_PATTERNS:
        m = pattern.search(message)
        if m:
            value = m.group("value")
            return t(key, value=value, n=value)
    return message


def url_messages(messages: Iterable[tuple[str, str]]) -> list[str]:
    return [t(key, value=value, n=value) for key, value in messages]


# --------------------------------------------------------------------------------------------- charts


def timeline_figure(timeline: Sequence[tuple[str, str, int]], lang: str | None = None) -> dict[str, Any]:
    """Documents per month, stacked by register: a plain plotly figure dict (go.Figure's validation costs
    ~40 ms per page; the dict is what the browser receives either way)."""
    lang = lang or current_lang()
    months = _month_range(sorted({m for m, _, _ in timeline}))
    regs = sorted(
        {r for _, r, _ in timeline}, key=lambda r: list(REGISTER_COLORS).index(r) if r in REGISTER_COLORS else 99
    )
    counts = {(m, r): c for m, r, c in timeline}
    totals: dict[str, int] = {}
    for m, _, c in timeline:
        totals[m] = totals.get(m, 0) + c
    peak = max(totals.values(), default=1)
    labels = [fmt_month(m, lang, short=True) for m in months]
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": [counts.get((m, r), 0) for m in months],
            "name": register_label(r, lang),
            "marker": {"color": REGISTER_COLORS.get(r, "#adb5bd")},
            "hovertemplate": "%{x}: %{y}<extra>" + register_label(r, lang) + "</extra>",
        }
        for r in regs
    ]
    layout = {
        "barmode": "stack",
        "bargap": 0.55 if len(months) <= 3 else 0.25,
        "margin": {"l": 30, "r": 10, "t": 10, "b": 30},
        "height": 260,
        "legend": {"orientation": "h", "y": -0.18, "font": {"size": 11}},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "yaxis": {
            "gridcolor": "#eef0f3",
            "rangemode": "tozero",
            "tickformat": "d",
            "dtick": max(1, math.ceil(peak / 5)),
        },
        "xaxis": {"type": "category", "nticks": 12},
    }
    return {"data": data, "layout": layout}


def _month_range(months: list[str], limit: int = 120) -> list[str]:
    """["2025-02", "2025-05"] -> every month from the first to the last (empty months count too)."""
    if not months:
        return []
    try:
        y, m = (int(x) for x in months[0].split("-")[:2])
        y2, m2 = (int(x) for x in months[-1].split("-")[:2])
    except ValueError:
        return months
    out: list[str] = []
    while (y, m) <= (y2, m2) and len(out) < limit:
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out if len(out) < limit else months


def map_figure(points: Sequence[dict[str, Any]], lang: str | None = None) -> dict[str, Any]:
    """Addresses on an offline plotly geo map (Natural Earth shapes served from our assets: no tile server)."""
    lats = [float(p["lat"]) for p in points]
    lons = [float(p["lon"]) for p in points]
    lat_c = (max(lats) + min(lats)) / 2
    lon_c = (max(lons) + min(lons)) / 2
    span = max(max(lats) - min(lats), (max(lons) - min(lons)) * 0.5, 3.0)
    in_europe = all(EUROPE_LAT[0] <= la <= EUROPE_LAT[1] for la in lats) and all(
        EUROPE_LON[0] <= lo <= EUROPE_LON[1] for lo in lons
    )
    data = [
        {
            "type": "scattergeo",
            "lat": lats,
            "lon": lons,
            "text": [p.get("label", "") for p in points],
            "hovertemplate": "%{text}<extra></extra>",
            "mode": "markers",
            "marker": {
                "size": 11,
                "color": ["#0d6efd" if p.get("kind") == "billing" else "#20c997" for p in points],
                "line": {"width": 1, "color": "white"},
            },  # fmt: skip
        }
    ]
    geo = {
        "scope": "europe" if in_europe else "world",
        "resolution": 50 if in_europe else 110,
        "projection": {"type": "mercator"},
        "center": {"lat": lat_c, "lon": lon_c},
        "lataxis": {"range": [lat_c - span * 0.9, lat_c + span * 0.9]},
        "lonaxis": {"range": [lon_c - span * 2.6, lon_c + span * 2.6]},
        "showcountries": True,
        "countrycolor": "#c8ccd2",
        "showland": True,
        "landcolor": "#f3f4f6",
        "showocean": True,
        "oceancolor": "#e8f1fb",
        "showlakes": False,
        "showframe": False,
    }
    return {
        "data": data,
        "layout": {"geo": geo, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "height": 240, "paper_bgcolor": "white"},
    }


TOPOJSON_URL = "/assets/topojson/"  # europe_50m / world_110m shipped in cockpit/assets (no CDN)
EUROPE_LAT = (30.0, 80.0)
EUROPE_LON = (-25.0, 50.0)


def graph(figure: Any, graph_id: str, label: str) -> html.Div:
    config: Any = {"displayModeBar": False, "responsive": True, "topojsonURL": TOPOJSON_URL}
    return html.Div(
        dcc.Graph(id=graph_id, figure=figure, config=config, className="chart"),
        role="img",
        **A({"aria-label": label}),
    )


def labels_from_hits(hits: Iterable[Hit]) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for h in hits:
        for i, cid in enumerate(h.customer_ids):
            if cid not in out and i < len(h.customer_names):
                out[cid] = (h.customer_names[i], None)
    return out


def merge_labels(*sources: Mapping[str, tuple[str, str | None]]) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for s in sources:
        out.update(s)
    return out


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
