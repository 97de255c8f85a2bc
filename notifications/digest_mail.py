"""The weekly dashboard digest e-mail (pure): an outbox record's content → subject, plain text and simple HTML.

The content is plain data written by `app.digests.digest_content` (figures, links relative to the cockpit,
message codes); the text comes from the catalogue (``digest.dashboard.*``) in the recipient's language. Customer
names and every other value are untrusted: whitespace is collapsed, and in HTML everything is escaped. Links
are the configured base URL plus a path (anything else is dropped). A missing section says "no data"; an empty
one says so ("no open complaints"), it never fails.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from i18n import fmt_date, fmt_int, fmt_money, t

MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class Item:
    text: str
    url: str | None = None
    indent: int = 0


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


def _clean(value: Any, limit: int = MAX_NAME_CHARS) -> str:
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(value or "")).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: Any, lang: str, digits: int = 1) -> str:
    try:
        s = f"{float(value):,.{digits}f}"
    except (TypeError, ValueError):
        return t("common.none", lang)
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".") if lang == "de" else s


def _int(value: Any, lang: str) -> str:
    try:
        return fmt_int(int(value or 0), lang)
    except (TypeError, ValueError):
        return fmt_int(0, lang)


def _percent(rate: Any, lang: str) -> str:
    return f"{_num(float(rate) * 100, lang, 0)} %" if lang == "de" else f"{_num(float(rate) * 100, lang, 0)}%"


def _url(base_url: str, href: Any) -> str | None:
    href = str(href or "")
    if not href.startswith("/") or href.startswith("//"):
        return None
    return base_url.rstrip("/") + href


def _span(period: Any, lang: str) -> str:
    if isinstance(period, list | tuple) and len(period) == 2 and all(period):
        return " " + t("digest.dashboard.span", lang, first=fmt_date(period[0], lang), last=fmt_date(period[1], lang))
    return ""


def sections(content: Mapping[str, Any], lang: str, base_url: str) -> list[Section]:
    """The digest's sections in order, each a title and lines (with their absolute links)."""

    def tr(key: str, **params: Any) -> str:
        return t(f"digest.dashboard.{key}", lang, **params)

    def link(href: Any) -> str | None:
        return _url(base_url, href)

    board = link(content.get("dashboard")) or _url(base_url, "/dashboard")
    na = (Item(tr("unavailable"), board),)
    out: list[Section] = []

    c = content.get("complaints")
    if isinstance(c, Mapping):
        n, mean = int(c.get("n") or 0), _num(c.get("mean") or 0, lang)
        line = tr("complaints.last_week", n=_int(n, lang), mean=mean) if n else tr("complaints.none", mean=mean)
        items = [Item(line + (" — " + tr("complaints.spike") if c.get("spike") else ""), link(c.get("href")) or board)]
        items.append(Item(tr("complaints.spikes", n=_int(c.get("spikes"), lang)), board))
        out.append(Section(tr("complaints.title"), tuple(items)))
    else:
        out.append(Section(tr("complaints.title"), na))

    o = content.get("open")
    if isinstance(o, Mapping):
        n = int(o.get("n") or 0)
        if n:
            ages = [Item(tr("open.age", range=_clean(a.get("x"), 20), n=_int(a.get("n"), lang)),
                         link(a.get("href")) or board, 1)
                    for a in o.get("ages") or [] if isinstance(a, Mapping) and a.get("n")]  # fmt: skip
            out.append(Section(tr("open.title"), (Item(tr("open.count", n=_int(n, lang)), board), *ages)))
        else:
            out.append(Section(tr("open.title"), (Item(tr("open.none"), board),)))
    else:
        out.append(Section(tr("open.title"), na))

    k = content.get("cases")  # digests queued before cases were reported have no such section
    if isinstance(k, Mapping):
        n, overdue = int(k.get("open") or 0), int(k.get("overdue") or 0)
        share = _percent(k.get("share"), lang) if k.get("share") is not None else "–"
        line = tr("cases.figures", n=_int(n, lang), overdue=_int(overdue, lang), share=share) if n else tr("cases.none")
        out.append(Section(tr("cases.title"), (Item(line, (link(k.get("href")) if overdue else None) or board),)))

    r = content.get("response")
    if isinstance(r, Mapping):
        href = link(r.get("href")) or board
        if r.get("median") is not None:
            line = tr("response.figures", median=_num(r.get("median"), lang), p90=_num(r.get("p90"), lang),
                      answered=_int(r.get("answered"), lang), n=_int(r.get("n"), lang))  # fmt: skip
        elif r.get("n"):
            line = tr("response.none", n=_int(r.get("n"), lang))
        else:
            line = tr("response.no_complaints")
        out.append(Section(tr("response.title") + _span(r.get("period"), lang), (Item(line, href),)))
    else:
        out.append(Section(tr("response.title"), na))

    v = content.get("revenue")
    if isinstance(v, Mapping):
        items = []
        for cur in v.get("currencies") or []:
            if not isinstance(cur, Mapping):
                continue
            code = _clean(cur.get("currency"), 8)
            items.append(Item(code, None))
            for rank, row in enumerate(cur.get("top") or [], 1):
                try:
                    amount = fmt_money(float(row.get("value")), code, lang)
                except (TypeError, ValueError):
                    amount = t("common.none", lang)
                name = _clean(row.get("name") or row.get("id"))
                items.append(Item(tr("revenue.row", rank=rank, name=name, amount=amount), link(row.get("href")), 1))
        out.append(Section(tr("revenue.title") + _span(v.get("period"), lang),
                           tuple(items) or (Item(tr("revenue.none"), board),)))  # fmt: skip
    else:
        out.append(Section(tr("revenue.title"), na))

    q = content.get("quiet")
    if isinstance(q, Mapping):
        line = tr("quiet.count", n=_int(q.get("n"), lang), days=_int(q.get("days"), lang))
        out.append(Section(tr("quiet.title"), (Item(line, link(q.get("href")) or board),)))
    else:
        out.append(Section(tr("quiet.title"), na))

    f = content.get("filing")
    if isinstance(f, Mapping):
        href = link(f.get("href")) or board
        rate = f.get("auto_rate")
        first = Item(tr("filing.auto_rate", rate=_percent(rate, lang), n=_int(f.get("n"), lang)), href) \
            if rate is not None and f.get("n") else Item(tr("filing.none"), href)  # fmt: skip
        review = Item(tr("filing.review", n=_int(f.get("review"), lang)), link(f.get("review_href")) or board)
        out.append(Section(tr("filing.title") + _span(f.get("period"), lang), (first, review)))
    else:
        out.append(Section(tr("filing.title"), na))

    g = content.get("failures")
    if isinstance(g, Mapping) and not g.get("unavailable"):
        line = tr("failures.count", n=_int(g.get("n"), lang)) if g.get("n") else tr("failures.none")
        out.append(
            Section(tr("failures.title") + _span(g.get("period"), lang), (Item(line, link(g.get("href")) or board),))
        )
    else:
        out.append(Section(tr("failures.title"), na))
    return out


def render_digest(content: Mapping[str, Any], lang: str, name: str, base_url: str) -> RenderedDigest:
    def tr(key: str, **params: Any) -> str:
        return t(f"digest.dashboard.{key}", lang, **params)

    raw_week = content.get("week")
    week: Mapping[str, Any] = raw_week if isinstance(raw_week, Mapping) else {}
    number, year = _clean(week.get("number"), 4), _clean(week.get("year"), 6)
    subject = tr("subject", week=number, year=year)
    board = _url(base_url, content.get("dashboard")) or _url(base_url, "/dashboard") or base_url
    hello = tr("hello", name=_clean(name) or "")
    intro = tr("intro", week=number, year=year, first=fmt_date(week.get("first"), lang),
               last=fmt_date(week.get("last"), lang))  # fmt: skip
    scope = tr("period", first=fmt_date((content.get("period") or ["", ""])[0], lang),
               last=fmt_date((content.get("period") or ["", ""])[-1], lang)) if content.get("period") else ""  # fmt: skip
    notes = []
    for m in content.get("messages") or []:
        if isinstance(m, Mapping) and m.get("code"):
            params = {k: _clean(v) for k, v in (m.get("params") or {}).items()}
            notes.append(t(str(m["code"]), lang, **params))
    body = sections(content, lang, base_url)
    footer = tr("footer", url=board)

    lines = [hello, "", intro]
    if scope:
        lines.append(scope)
    lines += notes
    lines += [f"{tr('open_dashboard')}: {board}", ""]
    for sec in body:
        lines.append(f"■ {sec.title}")
        for item in sec.items:
            pad = "  " * (item.indent + 1)
            lines.append(f"{pad}{item.text}")
            if item.url:
                lines.append(f"{pad}  {item.url}")
        lines.append("")
    lines += ["-- ", footer]
    text = "\n".join(lines)

    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(subject)}</title></head>',
        '<body style="font-family: sans-serif; font-size: 14px; color: #222;">',
        f"<p>{e(hello)}</p>",
        f"<p>{e(intro)}" + (f"<br>{e(scope)}" if scope else "") + "</p>",
        *(f"<p><em>{e(n)}</em></p>" for n in notes),
        f'<p><a href="{e(board)}">{e(tr("open_dashboard"))}</a></p>',
    ]
    for sec in body:
        parts.append(f'<h3 style="margin-bottom: 4px;">{e(sec.title)}</h3>')
        parts.append('<ul style="margin-top: 0;">')
        for item in sec.items:
            label = f'<a href="{e(item.url)}">{e(item.text)}</a>' if item.url else e(item.text)
            style = f' style="margin-left: {1.5 * item.indent}em;"' if item.indent else ""
            parts.append(f"<li{style}>{label}</li>")
        parts.append("</ul>")
    parts += [f'<p style="color: #666; font-size: 12px;">{e(footer)}</p>', "</body></html>"]
    return RenderedDigest(subject=subject, text=text, html="\n".join(parts))
