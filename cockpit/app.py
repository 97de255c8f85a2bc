"""Dash app factory: shell (header, navigation), pages registered from `cockpit.pages`."""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Dash, html

from cockpit.cache import cache_config
from cockpit.i18n import t

VENDOR_URL = "/vendor"


def _vendor_dir() -> Path:
    """Bootstrap CSS as shipped by the bootstrap-flask package: served by us, never from a CDN."""
    import flask_bootstrap

    return Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css"


def create_app() -> Dash:
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="pages",
        external_stylesheets=[f"{VENDOR_URL}/bootstrap.min.css"],
        title=t("app.title"),
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    from flask import send_from_directory
    from flask_caching import Cache

    vendor = _vendor_dir()

    @app.server.route(f"{VENDOR_URL}/<path:name>")
    def _vendor(name: str):  # type: ignore[no-untyped-def]
        return send_from_directory(vendor, name, max_age=86400)


    cache = Cache(config=cache_config())
    cache.init_app(app.server)
    app.server.extensions["dossier_cache"] = cache
    app.layout = html.Div(
        [
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand(t("app.title"), href="/"),
                        html.Span(t("app.tagline"), className="navbar-text text-light small"),
                    ]
                ),
                color="dark",
                dark=True,
                className="mb-3",
            ),
            dbc.Container(dash.page_container, fluid="lg"),
        ]
    )
    return app
