"""What a page or callback needs from the current request: the services, the user, a safe wrapper."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from cockpit.auth import User, current_cockpit_user

log = logging.getLogger("cockpit.pages")

F = TypeVar("F", bound=Callable[..., Any])


def services() -> Any:
    from flask import current_app

    return current_app.extensions["cockpit"]


def user() -> User | None:
    return current_cockpit_user()


def safe_layout(fn: F) -> F:
    """A page layout never shows a traceback: any failure becomes the friendly error panel (and a log line)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from cockpit.components import error_panel, plain

        try:
            return plain(fn(*args, **kwargs))
        except Exception:  # noqa: BLE001 - the page must render; the log has the details
            log.exception("page %s failed", fn.__module__)
            return error_panel()

    return wrapper  # type: ignore[return-value]


def display_name(login: str | None) -> str:
    """A user's display name for a login (account managers are stored by login), else the login itself."""
    if not login:
        return ""
    try:
        from flask import current_app

        found = current_app.extensions["cockpit_users"].get(login)
    except Exception:  # noqa: BLE001 - outside a request or no user store
        found = None
    return found.name if found is not None else str(login)
