"""Who calls the API: an integration's API key (``Authorization: Bearer dck_…`` or ``X-API-Key``), or the
cockpit's own session for same-origin calls (then unsafe methods need the cockpit's CSRF token, double-submit)."""

from __future__ import annotations

import hmac

from flask import g, request

from app import api_keys
from app.context import AppContext
from domain.errors import Forbidden, Unauthorized
from domain.principal import Principal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANONYMOUS = Principal(login="anonymous", kind="api_client", name="anonymous")


def presented_token() -> str | None:
    header = request.headers.get("Authorization") or ""
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("X-API-Key") or None


def session_principal() -> Principal | None:
    """The logged-in cockpit user of this request, if the cockpit's login manager knows one."""
    try:
        from flask_login import current_user

        user = current_user._get_current_object()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - no login manager on this server: no sessions
        return None
    principal = getattr(user, "principal", None)
    if getattr(user, "is_authenticated", False) and isinstance(principal, Principal):
        return principal
    return None


def authenticate(ctx: AppContext, *, csrf_cookie: str, csrf_header: str) -> Principal:
    token = presented_token()
    if token is not None:
        principal = api_keys.authenticate(ctx, token)
    else:
        found = session_principal()
        if found is None:
            raise Unauthorized("api.error.auth")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(csrf_header) or ""
            cookie = request.cookies.get(csrf_cookie) or ""
            if not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
                raise Forbidden("api.error.csrf")
        principal = found
    g.api_principal = principal
    return principal


def current() -> Principal:
    principal = getattr(g, "api_principal", None)
    if not isinstance(principal, Principal):
        raise Unauthorized("api.error.auth")
    return principal
