"""The document page's "Verlauf" card and the audit trail's small pieces (pure: data in, components out).

Every value from an audit entry (logins, names, file names, ids) is rendered as text, never as HTML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from dash import dcc, html

from app.audit_read import History, HistoryEvent
from cockpit import ids
from cockpit.components.basic import A, card, icon
from cockpit.i18n import t, t_or

HISTORY_ICONS = {
    "added": "bi-box-arrow-in-down",
    "viewed": "bi-eye",
    "downloaded": "bi-download",
    "refiled": "bi-arrow-repeat",
    "filed": "bi-folder-check",
    "hold_set": "bi-lock",
    "hold_lifted": "bi-unlock",
    "grant_given": "bi-person-plus",
    "grant_revoked": "bi-person-dash",
    "confidential_set": "bi-shield-lock",
    "confidential_lifted": "bi-shield",
}


def action_label(action: str | None, lang: str | None = None) -> str:
    return t_or(f"audit.action.{action}", str(action or ""), lang)


def fmt_time(value: str | None, tz: str, lang: str | None = None, *, seconds: bool = True) -> str:
    """An entry's ISO time in the deployment's zone ("05.03.2026 14:02:07")."""
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        local = moment.astimezone(ZoneInfo(tz))
    except (ValueError, KeyError):
        return str(value)[:32]
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return local.strftime(("%d.%m.%Y " if lang != "en" else "%Y-%m-%d ") + clock)


def who_label(login: str | None, name: str | None, lang: str | None = None) -> str:
    if not login or login == "system":
        return t("history.system", lang)
    if name and name != login:
        return f"{name} ({login})"
    return login


def audit_doc_href(doc_id: str) -> str:
    return "/audit?" + urlencode({"doc": doc_id})


def _event_line(e: HistoryEvent, tz: str, lang: str) -> Any:
    what: list[Any] = [html.Strong(t_or(f"history.kind.{e.kind}", action_label(e.action, lang), lang))]
    extra: list[str] = []
    if e.kind == "added":
        if e.channel:
            extra.append(t("history.via", lang, channel=t_or(f"upload.channel.{e.channel}", e.channel, lang)))
        if e.source:
            extra.append(t("history.as", lang, file=e.source))
    if e.kind in ("refiled", "filed") and e.customer_id:
        extra.append(t("history.to", lang, customer=e.customer_id))
    if e.outcome and e.outcome not in ("ok", "indexed"):
        extra.append(t_or(f"audit.outcome.{e.outcome}", e.outcome, lang))
    if extra:
        what.append(html.Span(" · " + " · ".join(extra), className="text-muted"))
    return html.Li(
        [
            html.Div([icon(HISTORY_ICONS.get(e.kind, "bi-dot")), " ", *what]),
            html.Div(
                [
                    html.Span(fmt_time(e.at, tz, lang, seconds=False), className="text-nowrap"),
                    " · ",
                    html.Span(who_label(e.login, e.name, lang), className="text-break"),
                ],
                className="text-muted",
            ),  # fmt: skip
        ],
        className=f"history-event history-{e.kind}",
        **A({"data-kind": e.kind}),
    )


def history_card(history: History | None, doc_id: str, tz: str, lang: str, *, audit_link: bool) -> Any:
    """Who added, viewed, downloaded, (re-)filed or held the document, newest first; a link to the whole trail
    of the document for those who may read the audit trail."""
    if history is None:
        body: list[Any] = [html.P(t("history.unavailable", lang), className="text-muted small mb-0")]
    elif not history.events:
        body = [html.P(t("history.none", lang), className="text-muted small mb-0")]
    else:
        body = [html.Ul([_event_line(e, tz, lang) for e in history.events], className="list-unstyled small mb-0 history-list",
                        id="history-list")]  # fmt: skip
    if audit_link:
        label = t("history.more" if history is not None and history.more else "history.audit", lang)
        body.append(
            html.Div(
                dcc.Link([icon("bi-journal-text"), " ", label], href=audit_doc_href(doc_id), id="history-audit-link"),
                className="small mt-2",
            )
        )
    return card(t("history.title", lang), body, card_id=ids.HISTORY_CARD)
