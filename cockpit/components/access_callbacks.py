"""The I/O side of the access cards (cockpit.components.access builds them, purely): loading the grants of a
dossier or a document for the "Befristete Freigaben" card, and its one callback — give a grant (the form) or
revoke one (its button), then list the grants again — serving the dossier page and the document page alike
(the card's `GRANTS_TARGET` store says which). Thin over `app.grants`; errors become translated messages.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, no_update
from dash.exceptions import PreventUpdate

from app import grants
from cockpit import ids
from cockpit.components.access import grants_card, grants_list, grants_unavailable, until_label
from cockpit.context import ctx, display_name, error_text, user
from cockpit.i18n import current_lang, t
from domain.errors import AppError, Invalid, NotFound
from domain.principal import GRANT, Principal

log = logging.getLogger("cockpit.access")


def _load_grants(u: Principal, target: dict[str, Any]) -> list[grants.Grant]:
    tenant = str(target.get("tenant") or "") or None
    if target.get("family_id"):
        return grants.on_document(ctx(), u, str(target["family_id"]), tenant)
    return grants.on_dossier(ctx(), u, str(target.get("customer_id") or ""), tenant)


def _names(found: list[grants.Grant]) -> dict[str, str]:
    logins = {g.granted_by for g in found} | {g.grantee for g in found if g.grantee_kind == "user"}
    return {x: display_name(x) for x in logins if x}


def grants_section(u: Principal, target: dict[str, Any], lang: str) -> Any:
    """The "Befristete Freigaben" card of a dossier or a document (`target`: see `grants_card`); a failure to
    read the grants leaves a note, never breaks the page."""
    try:
        found = _load_grants(u, target)
    except NotFound:
        return None
    except AppError as exc:
        log.warning("grants of %s unavailable: %s", target, exc)
        return grants_unavailable(error_text(exc, lang), lang)
    return grants_card(found, dt.datetime.now(dt.UTC), lang, target=target, can_grant=u.can(GRANT), names=_names(found))


def _until(value: Any) -> dt.date:
    """The date picker's value ("2026-12-10", or an ISO date-time): a day, else Invalid (a message)."""
    text = str(value or "").strip()
    if not text:
        raise Invalid("grants.error.until")
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise Invalid("access.grants.bad_date") from None


def register_callbacks() -> None:
    """The grants card's callback. Called by the dossier page module, which Dash executes anew for every app it
    builds (a callback registered at import of this module would reach only the first app of a process); it
    serves the document page's card too."""

    @callback(
        Output(ids.GRANT_STATUS, "children"),
        Output(ids.GRANTS_LIST, "children"),
        Input(ids.GRANT_GIVE, "n_clicks"),
        Input({"type": ids.GRANT_REVOKE, "grant": ALL}, "n_clicks"),
        State(ids.GRANT_KIND, "value"),
        State(ids.GRANT_GRANTEE, "value"),
        State(ids.GRANT_UNTIL, "date"),
        State(ids.GRANT_REASON, "value"),
        State(ids.GRANTS_TARGET, "data"),
        prevent_initial_call=True,
    )
    def _grant_act(give: int | None, _revokes: list[int | None], kind: str | None, grantee: str | None, until: Any,
                   reason: str | None, target: dict[str, Any] | None) -> Any:  # fmt: skip
        """Give a grant (the form) or revoke one (its button), then list the grants again."""
        u = user()
        trig = dash.ctx.triggered_id
        if u is None or not isinstance(target, dict) or not trig:
            raise PreventUpdate
        lang = current_lang()
        try:
            if trig == ids.GRANT_GIVE:
                if not give:
                    raise PreventUpdate
                g = grants.give(ctx(), u, grantee_kind=str(kind or "user"), grantee=str(grantee or ""), until=_until(until),
                                reason=str(reason or ""), customer_id=target.get("customer_id") or None,
                                doc_id=target.get("doc_id") or None, tenant=target.get("tenant") or None)  # fmt: skip
                done = t("access.grants.given", lang, grantee=g.grantee, until=until_label(g.until, lang))
            elif isinstance(trig, dict) and trig.get("type") == ids.GRANT_REVOKE:
                if not (dash.ctx.triggered and dash.ctx.triggered[0].get("value")):
                    raise PreventUpdate  # a button appearing, not a click
                g = grants.revoke(ctx(), u, str(trig.get("grant") or ""))
                done = t("access.grants.revoked", lang, grantee=g.grantee)
            else:
                raise PreventUpdate
        except AppError as exc:
            return dbc.Alert(
                error_text(exc, lang), color="danger", className="py-2 small mb-0", id="grant-error"
            ), no_update
        try:
            found = _load_grants(u, target)
        except AppError as exc:  # done, but the list cannot be read again now: say so, keep the old list
            return dbc.Alert(
                [done, " ", error_text(exc, lang)], color="warning", className="py-2 small mb-0"
            ), no_update
        listed = grants_list(found, dt.datetime.now(dt.UTC), lang, can_grant=u.can(GRANT), names=_names(found))
        return dbc.Alert(done, color="success", className="py-2 small mb-0", id="grant-done"), listed
