"""What a page or callback needs from the current request: the application context, the principal, a safe
wrapper for layouts, and the translation of application errors."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from app.context import AppContext
from cockpit.auth import current_cockpit_user
from domain.errors import AppError
from domain.principal import Principal

log = logging.getLogger("cockpit.pages")

F = TypeVar("F", bound=Callable[..., Any])


def ctx() -> AppContext:
    from flask import current_app

    return current_app.extensions["app_context"]  # type: ignore[no-any-return]


def user() -> Principal | None:
    return current_cockpit_user()


def error_text(exc: AppError, lang: str | None = None) -> str:
    from cockpit.i18n import t

    return t(exc.code, lang, **exc.params)


def safe_layout(fn: F) -> F:
    """A page layout never shows a traceback: a not-found becomes the friendly not-found panel, any other failure
    the error panel (and a log line)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from cockpit.components import error_panel, not_found, plain

        try:
            return plain(fn(*args, **kwargs))
        except AppError as exc:
            if exc.status == 404:
                return plain(not_found(exc.code if exc.code.startswith("notfound.") else "notfound.page"))
            log.warning("page %s refused: %s", fn.__module__, exc)
            return error_panel()
        except Exception:  # noqa: BLE001 - the page must render; the log has the details
            log.exception("page %s failed", fn.__module__)
            return error_panel()

    return wrapper  # type: ignore[return-value]


def display_name(login: str | None) -> str:
    """A user's display name for a login (account managers are stored by login), else the login itself."""
    if not login:
        return ""
    try:
        found = ctx().directory.get(login)
    except Exception:  # noqa: BLE001 - outside a request
        found = None
    return found.name if found is not None else str(login)
