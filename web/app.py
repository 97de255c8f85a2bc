"""`create_app()`: the cockpit (Dash) and the REST API (`/api/v1`) on one server, sharing the application
context, the session login, the cache and the secret key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import Dash

from api.server import PREFIX, make_server, register
from cockpit.app import create_app as create_cockpit
from cockpit.auth import CSRF_COOKIE, CSRF_HEADER


def create_app(
    index_prefix: str | None = None,
    users_file: Path | None = None,
    *,
    rate_limit: str | None = None,
    limiter_storage: str | None = None,
    **cockpit_kwargs: Any,
) -> Dash:
    from core.services import redis_url
    from core.settings import get_settings

    settings = get_settings()
    server = make_server("dossier_cockpit")
    dash_app = create_cockpit(index_prefix, users_file, server=server, exempt_prefixes=(PREFIX + "/",),
                              **cockpit_kwargs)  # fmt: skip
    ctx = server.extensions["app_context"]
    storage = limiter_storage or redis_url(settings) or "memory://"
    register(
        server,
        ctx,
        secret=str(server.secret_key),
        csrf_cookie=CSRF_COOKIE,
        csrf_header=CSRF_HEADER,
        rate_limit=rate_limit or settings.api_rate_limit,
        limiter_storage=storage,
        max_body_bytes=int(settings.api_max_body_mb * 1024 * 1024),
        upload_max_bytes=int(settings.max_file_mb * 1024 * 1024) + 64 * 1024,
    )
    return dash_app
