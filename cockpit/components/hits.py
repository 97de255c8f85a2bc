"""Result rows: highlighted fragments and snippets (text and `Mark` only, never HTML), hit rows, compact
lists, and customer labels gathered from hits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dash import html

from cockpit.components.basic import (
    REGISTER_ICONS,
    Labels,
    customer_label,
    document_href,
    dossier_href,
    h,
    icon,
    link,
    register_badge,
    register_label,
)
from cockpit.i18n import current_lang, fmt_date, t, t_or
from search.parse import Hit

Fragment = tuple[tuple[str, bool], ...]
MAX_MARKS = 2000  # a document with more highlighted words shows the rest unmarked


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
                 empty_key: str = "search.none", list_id: str | None = None, draggable: bool = False) -> Any:  # fmt: skip
    """Compact hit rows; `draggable`: each row can be dragged onto a case's drop zone (its doc id in the
    drag data: cockpit/assets/case_drop.js)."""
    if not hits:
        return (
            html.Div(html.P(t(empty_key), className="text-muted small mb-0"), id=list_id)
            if list_id
            else html.P(t(empty_key), className="text-muted small mb-0")
        )
    rows = [hit_row(h, labels=labels, show_customers=show_customers, compact=True) for h in hits]
    if draggable:
        rows = [h("Div", r, draggable="true", className="doc-draggable", attrs={"data-doc-id": x.doc_id})
                for r, x in zip(rows, hits, strict=True)]  # fmt: skip
    attrs: dict[str, Any] = {"id": list_id} if list_id else {}
    return html.Div(rows, className="hit-list compact", **attrs)


def labels_from_hits(hits: Iterable[Hit]) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for h in hits:  # noqa: F402 - a hit, not the element builder (unused here)
        for i, cid in enumerate(h.customer_ids):
            if cid not in out and i < len(h.customer_names):
                out[cid] = (h.customer_names[i], None)
    return out


def merge_labels(*sources: Mapping[str, tuple[str, str | None]]) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for s in sources:
        out.update(s)
    return out
