"""The access pieces of the dossier and document pages (pure: data in, components out): the "Befristete
Freigaben" card (the grants on a dossier or a document, the form to give one, a revoke button per grant still
in force) and the document's confidentiality (badge, form). Callbacks: cockpit.components.access_callbacks
(grants, both pages) and cockpit/pages/document.py (confidentiality).

Every value from a grant (logins, groups, reasons) is rendered as text, never as HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.confidential import Confidentiality
from app.grants import MAX_DAYS, MAX_REASON, Grant
from cockpit import ids
from cockpit.components.basic import card, icon
from cockpit.i18n import fmt_date, fmt_datetime, t

STATE_COLORS = {"active": "success", "pending": "info", "expired": "secondary", "revoked": "dark"}


def _moment(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def until_label(value: str, lang: str | None = None) -> str:
    """A grant's end as a person reads it: a grant "until a date" ends at midnight after that day (UTC), shown
    as that day; any other end with its time."""
    moment = _moment(value)
    if moment is None:
        return str(value)[:32]
    utc = moment.astimezone(dt.UTC)
    if utc.time() == dt.time():
        return fmt_date((utc.date() - dt.timedelta(days=1)).isoformat(), lang)
    return fmt_datetime(utc.isoformat(), lang)


def grantee_label(g: Grant, names: Mapping[str, str], lang: str | None = None) -> str:
    if g.grantee_kind == "group":
        return t("access.grants.group", lang, name=g.grantee)
    name = names.get(g.grantee)
    return t("access.grants.user", lang, name=f"{name} ({g.grantee})" if name and name != g.grantee else g.grantee)


def grants_list(grants: Sequence[Grant], now: dt.datetime, lang: str, *, can_grant: bool,
                names: Mapping[str, str] | None = None) -> Any:  # fmt: skip
    """The grants (every state, as given), a state badge each; a revoke button on those still in force."""
    names = names or {}
    if not grants:
        return html.P(t("access.grants.none", lang), className="text-muted small mb-0", id="grants-none")
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in (
        "access.grants.grantee", "access.grants.until", "access.grants.reason", "access.grants.by",
        "access.grants.state")] + ([html.Th("")] if can_grant else [])))  # fmt: skip
    rows = []
    for g in grants:
        state = g.state(now)
        cells: list[Any] = [
            html.Td(grantee_label(g, names, lang), className="text-break"),
            html.Td(until_label(g.until, lang), className="text-nowrap"),
            html.Td(g.reason, className="text-break"),
            html.Td(names.get(g.granted_by) or g.granted_by, className="text-break"),
            html.Td(dbc.Badge(t(f"access.state.{state}", lang), color=STATE_COLORS.get(state, "secondary"),
                              className="grant-state")),
        ]  # fmt: skip
        if can_grant:
            cells.append(html.Td(dbc.Button(t("access.grants.revoke", lang), id={"type": ids.GRANT_REVOKE, "grant": g.grant_id},
                                            color="outline-danger", size="sm", n_clicks=0)
                                 if state in ("active", "pending") else ""))  # fmt: skip
        rows.append(html.Tr(cells, id={"type": "grant-row", "grant": g.grant_id}, className=f"grant-row grant-{state}"))
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="grants-table mb-0")


def _grant_form(today: dt.date, lang: str) -> Any:
    kinds = [{"label": t(f"access.grants.kind.{k}", lang), "value": k} for k in ("user", "group")]
    return html.Details([
        html.Summary([icon("bi-person-plus"), " ", t("access.grants.form", lang)], className="small fw-semibold"),
        html.Div([
            dbc.RadioItems(id=ids.GRANT_KIND, options=kinds, value="user", inline=True, className="small"),
            dbc.Input(id=ids.GRANT_GRANTEE, size="sm", maxlength=100, className="mb-1",
                      placeholder=t("access.grants.grantee.placeholder", lang)),
            dbc.Label(t("access.grants.until.label", lang), html_for=ids.GRANT_UNTIL, className="small mb-0"),
            html.Div(dcc.DatePickerSingle(id=ids.GRANT_UNTIL, min_date_allowed=today.isoformat(),
                                          max_date_allowed=(today + dt.timedelta(days=MAX_DAYS - 1)).isoformat(),
                                          display_format="DD.MM.YYYY" if lang == "de" else "YYYY-MM-DD",
                                          first_day_of_week=1, clearable=True), className="mb-1"),
            dbc.Input(id=ids.GRANT_REASON, size="sm", maxlength=MAX_REASON, className="mb-1",
                      placeholder=t("access.grants.reason.placeholder", lang)),
            dbc.Button([icon("bi-check2"), " ", t("access.grants.give", lang)], id=ids.GRANT_GIVE, color="primary",
                       size="sm", n_clicks=0),
        ], className="mt-2"),
    ], className="grant-form mt-3", id="grant-form")  # fmt: skip


def grants_card(grants: Sequence[Grant], now: dt.datetime, lang: str, *, target: dict[str, str], can_grant: bool,
                names: Mapping[str, str] | None = None) -> Any:  # fmt: skip
    """The card: `target` ({"customer_id": …} or {"doc_id": …, "family_id": …}, with "tenant") is what the
    callbacks give and list; the form and the revoke buttons only for those who may grant."""
    intro = "access.grants.intro.document" if target.get("doc_id") else "access.grants.intro.dossier"
    body: list[Any] = [
        dcc.Store(id=ids.GRANTS_TARGET, data=target),
        html.Div(grants_list(grants, now, lang, can_grant=can_grant, names=names), id=ids.GRANTS_LIST),
    ]
    if can_grant:
        body += [html.P(t(intro, lang), className="text-muted small mt-2 mb-0"), _grant_form(now.date(), lang),
                 html.Div(id=ids.GRANT_STATUS, className="mt-2")]  # fmt: skip
    return card([icon("bi-person-check"), " ", t("access.grants.title", lang)], body, card_id=ids.GRANTS_CARD)


def grants_unavailable(text: str, lang: str) -> Any:
    """The card when the grants cannot be read (the page still renders)."""
    body = html.P(text, className="text-muted small mb-0", id="grants-unavailable")
    return card([icon("bi-person-check"), " ", t("access.grants.title", lang)], body, card_id=ids.GRANTS_CARD)


# ------------------------------------------------------------------------------------------------ confidential


def confidential_names(c: Confidentiality, lang: str | None = None) -> str:
    return ", ".join([*c.users, *(t("access.grants.group", lang, name=g) for g in c.groups)])


def confidential_badge(c: Confidentiality, lang: str) -> Any:
    """The header's "Vertraulich" badge naming who may read the document (nothing when it is not confidential)."""
    if not c.confidential:
        return None
    return dbc.Badge([icon("bi-shield-lock"), " ", t("access.confidential.badge", lang), ": ", confidential_names(c, lang)],
                     color="danger", className="ms-2 confidential-badge text-wrap", id="confidential-flag")  # fmt: skip


def confidential_card(c: Confidentiality, lang: str) -> Any:
    """For those who may grant: mark the document confidential for users and groups, change who, or lift it."""
    state = (t("access.confidential.is", lang, names=confidential_names(c, lang)) if c.confidential
             else t("access.confidential.not", lang))  # fmt: skip
    body = [
        html.P(state, className="small mb-1", id="confidential-state"),
        html.P(t("access.confidential.intro", lang), className="text-muted small"),
        dbc.Label(t("access.confidential.users", lang), html_for=ids.CONFIDENTIAL_USERS, className="small mb-0"),
        dbc.Input(id=ids.CONFIDENTIAL_USERS, size="sm", maxlength=2000, className="mb-1", value=", ".join(c.users)),
        dbc.Label(t("access.confidential.groups", lang), html_for=ids.CONFIDENTIAL_GROUPS, className="small mb-0"),
        dbc.Input(id=ids.CONFIDENTIAL_GROUPS, size="sm", maxlength=2000, className="mb-2", value=", ".join(c.groups)),
        html.Div([
            dbc.Button([icon("bi-shield-lock"), " ", t("access.confidential.mark", lang)], id=ids.CONFIDENTIAL_MARK,
                       color="danger", size="sm", n_clicks=0, className="me-2"),
            dbc.Button([icon("bi-shield"), " ", t("access.confidential.lift", lang)], id=ids.CONFIDENTIAL_LIFT,
                       color="outline-secondary", size="sm", n_clicks=0),
        ]),
        html.Div(id=ids.CONFIDENTIAL_STATUS, className="mt-2"),
    ]  # fmt: skip
    return card(
        [icon("bi-shield-lock"), " ", t("access.confidential.title", lang)], body, card_id=ids.CONFIDENTIAL_CARD
    )


def split_names(value: str | None) -> list[str]:
    """ "a, b;c" -> ["a", "b", "c"] (commas or semicolons between names)."""
    return [x.strip() for x in str(value or "").replace(";", ",").split(",") if x.strip()]
