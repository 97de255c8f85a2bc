"""Search-page pieces: the facet sidebar and filter chips, result groups, the pager, the result summary, and
the translation of the search service's messages."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from dash import dcc, html

from cockpit.components.basic import (
    REGISTER_ICONS,
    A,
    Labels,
    customer_label,
    dossier_href,
    h,
    icon,
    link,
    register_label,
)
from cockpit.components.hits import hit_row
from cockpit.i18n import current_lang, fmt_date, fmt_int, fmt_month, t, t_or
from cockpit.urlstate import MAX_PAGE, PAGE_SIZE, SearchState
from domain.errors import Message
from search.parse import FacetBucket, Group, SearchResult

FACET_ORDER = ("register", "customer_ids", "year_month", "status", "case_state", "filing.status", "source_kind", "channel",
               "direction", "complaint_reason", "language", "currency", "entity_facets", "tenant")  # fmt: skip
# facet -> catalogue prefix of its values
VALUE_KEYS = {"language": "language", "source_kind": "source", "status": "status", "filing.status": "filing",
              "channel": "channel", "direction": "direction", "complaint_reason": "reason", "case_state": "case_state"}  # fmt: skip
FACET_VISIBLE = 6


# --------------------------------------------------------------------------------------------- facets


def facet_value_label(facet: str, value: str, labels: Labels, lang: str | None = None) -> str:
    if facet == "register":
        return register_label(value, lang)
    if facet == "customer_ids":
        return customer_label(value, labels)
    if facet == "year_month":
        return fmt_month(value, lang)
    if facet in VALUE_KEYS:
        return t_or(f"{VALUE_KEYS[facet]}.{value}", value, lang)
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
    if state.filters or state.attrs or state.date_from or state.date_to:
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
    if not state.filters and not state.attrs and not state.date_from and not state.date_to:
        return None
    lang = current_lang()
    chips = []
    for name, values in state.attrs:
        label = f"{t(f'attr.{name}', lang)}: {', '.join(values)}"
        chips.append(dcc.Link([label, " ", icon("bi-x")], href=state.without_attr(name).href(), className="filter-chip",
                              title=t("search.remove_filter", lang, label=label)))  # fmt: skip
    if state.date_from or state.date_to:
        label = t(f"search.dates.{state.date_field}", lang, start=fmt_date(state.date_from, lang) if state.date_from else "…",
                  end=fmt_date(state.date_to, lang) if state.date_to else "…")  # fmt: skip
        chips.append(dcc.Link([label, " ", icon("bi-x")], href=state.without_dates().href(), className="filter-chip",
                              id="date-chip", title=t("search.remove_filter", lang, label=label)))  # fmt: skip
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


def message_text(message: Message, lang: str | None = None) -> str:
    """A message code of the application layer in the user's language."""
    return t(message.code, lang, **dict(message.params))


def url_messages(messages: Iterable[tuple[str, str]]) -> list[str]:
    return [t(key, value=value, n=value) for key, value in messages]
