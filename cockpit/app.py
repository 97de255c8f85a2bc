"""Dash app factory: the shell (header with navigation, global search, customer finder, language switch, user
menu), login and CSRF protection, the original-file download route, and the pages of `cockpit.pages`.

    app = create_app()                                  # settings from the environment
    app = create_app(index_prefix="test-demo-1234", archive_dir=tmp / "archive")   # tests

Nothing heavy is imported here: torch and spaCy load lazily in the serving process on the first query (or in
the background warm-up after the first request), never when the app is created.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import dash
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from cockpit import ids
from cockpit.auth import csrf_token, current_cockpit_user, init_auth, secret_key_for
from cockpit.cache import cache_config as default_cache_config
from cockpit.cache import harden as harden_cache
from cockpit.i18n import current_lang, t

log = logging.getLogger("cockpit.app")

VENDOR_URL = "/vendor"
HERE = Path(__file__).resolve().parent


def _vendor_dir() -> Path:
    """Bootstrap CSS and icons as shipped by the bootstrap-flask package: served by us, never from a CDN."""
    import flask_bootstrap

    return Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css"


def create_app(
    index_prefix: str | None = None,
    users_file: Path | None = None,
    *,
    archive_dir: Path | None = None,
    es: Any = None,
    embedder_factory: Callable[[], Any] | None = None,
    secret_key: str | None = None,
    cache_config: dict[str, Any] | None = None,
    secure_cookies: bool | None = None,
    login_store: str | None = None,
    warm_up: bool = True,
    server: Any = None,
    exempt_prefixes: tuple[str, ...] = (),
) -> Dash:
    """The cockpit on its own Flask server, or on `server` (the deployment's, shared with the REST API: see
    `web.create_app`); paths under `exempt_prefixes` are left to the door that owns them (its own auth)."""
    # plotly's JSON encoder peeks into sys.modules for numpy, pandas and PIL.Image without taking their import
    # locks; the background warm-up (sentence-transformers) imports them too. Import them here, in this thread,
    # so a request never sees a half-initialised module.
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import PIL.Image  # noqa: F401

    from core.settings import get_settings

    settings = get_settings()
    prefix = index_prefix or settings.index_prefix
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="pages",
        assets_folder=str(HERE / "assets"),
        external_stylesheets=[f"{VENDOR_URL}/bootstrap.min.css", f"{VENDOR_URL}/font/bootstrap-icons.min.css"],
        title=t("app.title"),
        update_title=None,  # type: ignore[arg-type]  # None = keep the title while callbacks run
        suppress_callback_exceptions=True,
        serve_locally=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        **({"server": server} if server is not None else {}),
    )
    server = app.server
    server.secret_key = secret_key or secret_key_for(settings.var_dir)

    from flask import Response, send_file, send_from_directory
    from flask_caching import Cache

    vendor = _vendor_dir()

    @server.route(f"{VENDOR_URL}/<path:name>")
    def _vendor(name: str) -> Any:
        return send_from_directory(vendor, name, max_age=86400)

    cache = Cache(config=cache_config or default_cache_config(prefix))
    cache.init_app(server)
    harden_cache(server.extensions["cache"][cache])  # whatever the configuration: Redis values are never pickled
    server.extensions["dossier_cache"] = cache

    if es is None:
        from core.es import get_client

        es = get_client()
    if embedder_factory is None:

        def embedder_factory() -> Any:
            from nlp.embeddings import get_embedder  # torch loads here, on the first semantic query

            return get_embedder()

    from app.context import AppContext

    context = AppContext.create(
        es, prefix, archive_root=Path(archive_dir) if archive_dir else settings.archive_dir, cache=cache,
        embedder_factory=embedder_factory, users_file=users_file,
    )  # fmt: skip
    server.extensions["app_context"] = context
    context.directory.on_change = lambda changes: _audit_permission_changes(context, changes)
    from cockpit.security import storage_uri
    from core.services import redis_url

    init_auth(
        server, context.directory, exempt_prefixes=exempt_prefixes, namespace=prefix,
        secure_cookies=settings.secure_cookies if secure_cookies is None else secure_cookies,
        store_uri=login_store or storage_uri(redis_url(settings)),
    )  # fmt: skip

    if warm_up:
        started = {"done": False}

        @server.before_request
        def _warm() -> None:
            if not started["done"]:
                started["done"] = True
                from app.warmup import warm_up

                warm_up(context)

    @server.route("/original/<path:doc_id>")
    def _original(doc_id: str) -> Any:
        from app.documents import original
        from domain.errors import AppError

        user = current_cockpit_user()
        try:
            if user is None:
                raise LookupError(doc_id)
            orig = original(context, user, doc_id)
        except (AppError, LookupError):
            return Response(_not_found_html(), 404, mimetype="text/html")
        resp = send_file(
            io.BytesIO(orig.data),
            mimetype=_safe_mime(orig.mime_type),
            as_attachment=True,
            download_name=orig.file_name,
            max_age=0,
        )
        resp.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        resp.headers["Cache-Control"] = "private, no-store"
        return resp

    app.layout = shell_layout
    _register_shell_callbacks(app)
    return app


def _safe_mime(mime: str) -> str:
    """Never let a stored original be rendered as active content by the browser."""
    mime = (mime or "").split(";")[0].strip().lower()
    if not mime or "html" in mime or "svg" in mime or "xml" in mime or "javascript" in mime:
        return "application/octet-stream"
    return mime


def _not_found_html() -> str:
    from markupsafe import escape

    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/vendor/bootstrap.min.css">'
        f"<title>{escape(t('notfound.title'))}</title></head><body class='p-5 text-center'>"
        f"<h1 class='h3'>{escape(t('notfound.title'))}</h1><p class='text-muted'>{escape(t('notfound.document'))}</p>"
        f"<a class='btn btn-primary' href='/'>{escape(t('common.home'))}</a></body></html>"
    )


# ----------------------------------------------------------------------------------------------- shell


def _icon(name: str) -> Any:
    from cockpit.components import icon

    return icon(name)


def _page_registered(suffix: str) -> dict[str, Any] | None:
    for module, page in dash.page_registry.items():
        if module.split(".")[-1] == suffix:
            return page
    return None


def _nav_links(user: Any, lang: str) -> list[Any]:
    links = [
        dbc.NavLink(
            [_icon("bi-house-door"), " ", t("nav.home", lang)],
            href="/",
            active="exact",
            id="nav-home",
        ),
        dbc.NavLink(
            [_icon("bi-search"), " ", t("nav.search", lang)],
            href="/search",
            active="partial",
            id="nav-search",
        ),
    ]
    if user is None or user.can("review"):  # compliance officers do not work the review queue
        links.append(
            dbc.NavLink(
                [_icon("bi-clipboard-check"), " ", t("nav.review", lang)],
                href="/review",
                active="partial",
                id="nav-review",
            )
        )
    if user is not None and user.can("upload"):
        links.append(
            dbc.NavLink(
                [_icon("bi-cloud-arrow-up"), " ", t("nav.upload", lang)], href="/neu", active="exact", id="nav-upload"
            )
        )
    if user is not None and user.kind != "api_client" and user.tenants:  # cases: people of a tenant
        links.append(
            dbc.NavLink([_icon("bi-list-check"), " ", t("nav.tasks", lang)], href="/aufgaben", active="partial",
                        id="nav-tasks")
        )  # fmt: skip
    for suffix, key, icon_name in (
        ("views", "nav.views", "bi-bookmark-star"),
        ("dashboard", "nav.dashboard", "bi-graph-up"),
        ("inbox", "nav.inbox", "bi-bell"),
    ):
        page = _page_registered(suffix)
        if page is not None:
            label: list[Any] = [_icon(icon_name), " ", t(key, lang)]
            if suffix == "inbox":
                label.append(html.Span(id=ids.INBOX_BADGE, className="badge rounded-pill bg-danger ms-1 nav-badge"))
            links.append(
                dbc.NavLink(label, href=page.get("path") or f"/{suffix}", active="partial", id=f"nav-{suffix}")
            )
    if user is not None and user.can("audit"):
        links.append(
            dbc.NavLink(
                [_icon("bi-journal-text"), " ", t("nav.audit", lang)], href="/audit", active="partial", id="nav-audit"
            )
        )
    if user is not None and user.can("retention"):
        links.append(
            dbc.NavLink([_icon("bi-archive"), " ", t("nav.retention", lang)], href="/retention", active="partial",
                        id="nav-retention")
        )  # fmt: skip
    if user is not None and user.can("status"):
        links.append(
            dbc.NavLink(
                [_icon("bi-activity"), " ", t("nav.status", lang)],
                href="/status",
                active="exact",
                id="nav-status",
            )
        )
    return links


def _user_menu(user: Any, lang: str) -> Any:
    if user is None:
        return None
    info = html.Div(
        [
            html.Div(user.name, className="fw-semibold"),
            html.Div(f"{t('user.role', lang)}: {t('role.' + user.role, lang)}", className="small text-muted"),
            html.Div(f"{t('user.tenants', lang)}: {', '.join(sorted(user.tenants))}", className="small text-muted"),
            html.Div(f"{t('user.department', lang)}: {user.department or '—'}", className="small text-muted"),
        ],
        className="px-3 py-2",
    )
    logout = html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token()),
            html.Button(
                [_icon("bi-box-arrow-right"), " ", t("user.logout", lang)],
                type="submit",
                className="dropdown-item",
                id="logout-button",
            ),  # fmt: skip
        ],
        action="/logout",
        method="POST",
    )
    return dbc.DropdownMenu(
        [info, dbc.DropdownMenuItem(divider=True), logout],
        label=[
            _icon("bi-person-circle"),
            " ",
            html.Span(user.name, className="user-name"),
        ],
        align_end=True,
        nav=True,
        in_navbar=True,
        id="user-menu",
        toggle_class_name="user-toggle",
    )


def shell_layout() -> html.Div:
    user = current_cockpit_user()
    lang = current_lang()
    other = "en" if lang == "de" else "de"

    topbar = html.Div(
        html.Div(
            [
                html.A(
                    [_icon("bi-folder2-open me-2"), t("app.title", lang)],
                    href="/",
                    className="brand",
                    id="brand",
                ),
                dbc.Nav(_nav_links(user, lang), className="main-nav", navbar=True, id="main-nav"),
                html.Div(
                    [
                        html.A(
                            [
                                _icon("bi-translate"),
                                " ",
                                html.Span(t("lang.switch", lang), className="lang-long"),
                                html.Span(other.upper(), className="lang-short"),
                            ],
                            href=f"/lang/{other}",
                            className="lang-switch",
                            id="lang-switch",
                            title=t("lang.switch.title", lang),
                            lang=other,
                        ),  # fmt: skip
                        dbc.Nav(_user_menu(user, lang), navbar=True, className="user-nav"),
                    ],
                    className="topbar-right",
                ),
            ],
            className="topbar-inner",
        ),
        className="topbar",
    )
    searchbar = html.Div(
        html.Div(
            [
                html.Div(
                    [
                        html.Label(t("header.search.label", lang), htmlFor=ids.HEADER_Q, className="visually-hidden"),
                        dbc.InputGroup(
                            [
                                dbc.InputGroupText(_icon("bi-search")),
                                dbc.Input(
                                    id=ids.HEADER_Q,
                                    type="search",
                                    placeholder=t("header.search.placeholder", lang),
                                    autocomplete="off",
                                    maxlength=1000,
                                ),  # fmt: skip
                                dbc.Button(t("header.search.button", lang), id=ids.HEADER_Q_GO, color="primary"),
                            ],
                            size="sm",
                        ),
                    ],
                    className="header-search",
                ),
                html.Div(
                    [
                        html.Label(
                            t("header.finder.label", lang), htmlFor=ids.CUSTOMER_FINDER, className="visually-hidden"
                        ),
                        dcc.Dropdown(
                            id=ids.CUSTOMER_FINDER,
                            options=[],
                            placeholder=t("header.finder.placeholder", lang),
                            searchable=True,
                            clearable=True,
                            className="customer-finder",
                            labels={
                                "no_options_found": t("header.finder.none", lang),
                                "search": t("header.finder.placeholder", lang),
                            },
                            maxHeight=320,
                        ),
                    ],
                    className="header-finder",
                ),
            ],
            className="searchbar-inner",
        ),
        className="searchbar",
    )
    return html.Div(
        [
            dcc.Location(id=ids.SHELL_NAV_SEARCH, refresh="callback-nav"),
            dcc.Location(id=ids.SHELL_NAV_FINDER, refresh="callback-nav"),
            html.Header([topbar, searchbar], className="app-header"),
            html.Main(
                # a spinner only when a page takes longer than 300 ms (the first semantic query loads the model)
                dcc.Loading(
                    dash.page_container,
                    delay_show=300,
                    target_components=cast(Any, {"_pages_content": "children"}),
                    type="circle",
                    color="#0b63ce",
                    overlay_style={"visibility": "visible", "opacity": 0.55},
                ),
                className="page",
                id="main",
            ),
            html.Footer(t("footer.text", lang), className="app-footer"),
        ],
        className="app-shell",
        lang=lang,
    )


def _register_shell_callbacks(app: Dash) -> None:
    from urllib.parse import urlencode

    @app.callback(
        Output(ids.SHELL_NAV_SEARCH, "href"),
        Input(ids.HEADER_Q, "n_submit"),
        Input(ids.HEADER_Q_GO, "n_clicks"),
        State(ids.HEADER_Q, "value"),
        prevent_initial_call=True,
    )
    def _header_search(_submit: int | None, _clicks: int | None, value: str | None) -> str:
        q = " ".join((value or "").split())[:1000]
        return "/search?" + urlencode({"q": q}) if q else "/search"

    @app.callback(
        Output(ids.INBOX_BADGE, "children"),
        Output(ids.INBOX_BADGE, "title"),
        Input("_pages_location", "pathname"),
    )
    def _inbox_badge(_path: str | None) -> Any:
        return inbox_badge(current_cockpit_user())

    @app.callback(
        Output(ids.CUSTOMER_FINDER, "options"),
        Input(ids.CUSTOMER_FINDER, "search_value"),
        prevent_initial_call=True,
    )
    def _finder_options(search: str | None) -> Any:
        return customer_options(search)

    @app.callback(
        Output(ids.SHELL_NAV_FINDER, "href"),
        Output(ids.CUSTOMER_FINDER, "value"),
        Input(ids.CUSTOMER_FINDER, "value"),
        prevent_initial_call=True,
    )
    def _finder_open(value: str | None) -> Any:
        if not value:
            raise PreventUpdate
        from cockpit.components import dossier_href

        return dossier_href(str(value)), None


def inbox_badge(user: Any) -> tuple[str | None, str]:
    """The unread count next to the inbox link (refreshed on every page change); nothing when zero or unknown."""
    if user is None:
        return None, ""
    from app.notifications import unread_count
    from cockpit.context import ctx

    try:
        n = unread_count(ctx(), user)
    except Exception:  # noqa: BLE001 - a badge never breaks the page
        log.warning("inbox badge failed", exc_info=True)
        return None, ""
    if n <= 0:
        return None, ""
    return ("99+" if n > 99 else str(n)), t("inbox.unread", current_lang(), n=n)


def customer_options(search: str | None) -> Any:
    """Dropdown options for a typed customer name or number (within the user's scope)."""
    search = (search or "").strip()
    if len(search) < 1:
        raise PreventUpdate
    from app.search import suggest_customers
    from cockpit.context import ctx

    user = current_cockpit_user()
    if user is None:
        return []
    try:
        found = suggest_customers(ctx(), user, search, size=10)
    except Exception as exc:  # noqa: BLE001 - a failing suggestion must not break the header
        log.warning("customer suggestions failed: %s", exc)
        return no_update
    return [
        {
            "label": f"{s.name} ({s.number})" if s.number else s.name,
            "value": s.customer_id,
            "search": f"{search} {s.name} {s.number or ''} {s.customer_id}",
        }
        for s in found
    ]


def _audit_permission_changes(context: Any, changes: list[dict[str, Any]]) -> None:
    """The users file changed: each added or removed user and each change of roles, tenants or groups is
    recorded (in every tenant it touches), by the cockpit process that serves the logins."""
    from app import audit
    from domain.principal import Principal

    system = Principal(login="users-file", kind="system", roles=frozenset({"admin"}), name="users file")
    for change in changes:
        for tenant in change["tenants"] or [None]:
            audit.record(context, change["action"], system, wait=True, tenant=tenant, target=change["target"],
                         before=change["before"], after=change["after"])  # fmt: skip
