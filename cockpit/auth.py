"""Login, users and request protection for the cockpit's Flask server.

- Users are `domain.principal.Principal`s from the one users file (`app.users.UserDirectory`, re-read when it
  changes); flask-login holds a `SessionUser` around the principal.
- flask-login keeps the session; every route except the login page and static files needs a logged-in user
  (`/_dash-*` and downloads answer 401, pages redirect to /login?next=...).
- CSRF: double-submit cookie. The server sets `_csrf_token` (SameSite=Strict); dash-renderer sends it back as
  the `X-CSRFToken` header on every callback POST, the login form carries it as a hidden field. A POST whose
  token does not match (or whose Origin is another site) is refused with 403. Session cookies are HttpOnly and
  SameSite=Lax.
- Login attempts are limited per account and per address, shared by all workers (`cockpit.security.LoginLimiter`,
  Redis; settings login_limit / login_ip_limit), consumed atomically *before* the password check.
- Sessions are revocable server-side: a session carries its login id and a fingerprint of the password hash it
  was opened with; logout revokes the id (Redis), a changed hash in the users file ends every older session.
- COCKPIT_SECURE_COOKIES=true (behind TLS): Secure session and CSRF cookies and an HSTS header. Every cockpit
  response carries a Content-Security-Policy (`CSP`) that Dash works with.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, Response, abort, g, redirect, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from markupsafe import escape

from app.users import LoginRefused, UserDirectory
from cockpit.i18n import LANGS, t
from cockpit.security import LoginLimiter, SessionRevocations, Unavailable
from domain.principal import Principal

log = logging.getLogger("cockpit.auth")

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
CSRF_FIELD = "csrf_token"
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/_favicon.ico"})  # exactly these paths
PUBLIC_PREFIXES = ("/vendor/", "/assets/", "/_dash-component-suites/", "/lang/")
API_PREFIXES = ("/_dash-", "/original/", "/_reload-hash")
SESSION_ID = "_login_id"  # this login's id (revoked at logout)
SESSION_FP = "_pw_fp"  # fingerprint of the password hash the login was made with
SESSION_LIFETIME_S = 8 * 3600
# Dash's renderer evaluates code (clientside callbacks, plotly) and has an inline bootstrap script: 'unsafe-eval'
# and 'unsafe-inline' for scripts; everything is served by us ('self'), nothing from a CDN.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; worker-src 'self' blob:; frame-ancestors 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"


class SessionUser:
    """flask-login's view of a logged-in `Principal` (the cockpit works with the principal itself)."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.principal.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.principal.login


# ------------------------------------------------------------------------------------------------ helpers


def safe_next(target: str | None) -> str:
    """Only local paths ("/search?q=x"); anything else (other hosts, //evil, javascript:) becomes "/"."""
    if not target or not isinstance(target, str):
        return "/"
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def csrf_token() -> str:
    """The current request's CSRF token (the cookie's, or a fresh one set on the response)."""
    token = getattr(g, "_csrf_token", None)
    if token:
        return str(token)
    token = request.cookies.get(CSRF_COOKIE) or ""
    if len(token) < 32:
        token = secrets.token_urlsafe(32)
        g._csrf_new = True
    g._csrf_token = token
    return token


def password_fingerprint(secret: str, password_hash: str) -> str:
    """Names the password hash a session was opened with (keyed: the cookie reveals nothing about the hash)."""
    return hmac.new(secret.encode(), password_hash.encode(), "sha256").hexdigest()[:32]


def current_cockpit_user() -> Principal | None:
    """The logged-in principal of this request (None outside a request or when nobody is logged in)."""
    try:
        user = current_user._get_current_object()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - outside a request
        return None
    return user.principal if isinstance(user, SessionUser) else None


def secret_key_for(var_dir: Path) -> str:
    """COCKPIT_SECRET_KEY, else a key generated once into var/secret-key (0600) so all workers share it."""
    from core.settings import get_settings

    configured = get_settings().secret_key
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    path = var_dir / "secret-key"
    try:
        return path.read_text().strip()
    except OSError:
        pass
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
    except FileExistsError:
        return path.read_text().strip()
    except OSError as exc:
        log.warning("cannot keep the secret key in %s (%s): sessions end when the process restarts", path, exc)
    return key


# ------------------------------------------------------------------------------------------------ login page


_LOGIN_HTML = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – {app}</title>
<link rel="stylesheet" href="/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/vendor/font/bootstrap-icons.min.css">
<link rel="stylesheet" href="/assets/cockpit.css">
</head><body class="login-body">
<main class="login-card card shadow-sm">
<div class="card-body p-4">
<div class="login-brand mb-3"><i class="bi bi-folder2-open" aria-hidden="true"></i> {app}</div>
<h1 class="h4 mb-1">{title}</h1>
<p class="text-muted small mb-3">{intro}</p>
{message}
<form method="post" action="/login" novalidate>
<input type="hidden" name="{csrf_field}" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<div class="mb-3"><label class="form-label" for="login-user">{user_label}</label>
<input class="form-control" id="login-user" name="username" autocomplete="username" autofocus required value="{username}"></div>
<div class="mb-3"><label class="form-label" for="login-password">{pw_label}</label>
<input class="form-control" id="login-password" type="password" name="password" autocomplete="current-password" required></div>
<button class="btn btn-primary w-100" id="login-submit" type="submit">{submit}</button>
</form>
<div class="mt-3 text-end small"><a href="/lang/{other}?next={next_q}">{switch}</a></div>
</div></main></body></html>"""


def render_login(
    message_key: str | None = None, *, username: str = "", next_url: str = "/", kind: str = "danger"
) -> str:
    lang = session.get("lang") if session.get("lang") in LANGS else "de"
    message = (
        f'<div class="alert alert-{kind} py-2 small" role="alert" id="login-message">{escape(t(message_key, lang))}</div>'
        if message_key
        else ""
    )
    return _LOGIN_HTML.format(
        lang=lang,
        title=escape(t("login.title", lang)),
        app=escape(t("app.title", lang)),
        intro=escape(t("login.intro", lang)),
        message=message,
        csrf_field=CSRF_FIELD,
        csrf=escape(csrf_token()),
        next=escape(next_url),
        next_q=escape(quote(f"/login?next={next_url}", safe="")),
        user_label=escape(t("login.user", lang)),
        pw_label=escape(t("login.password", lang)),
        username=escape(username),
        submit=escape(t("login.submit", lang)),
        other="en" if lang == "de" else "de",
        switch=escape(t("lang.switch", lang)),
    )


# ------------------------------------------------------------------------------------------------ wiring


def init_auth(
    server: Flask,
    directory: UserDirectory,
    *,
    secure_cookies: bool = False,
    exempt_prefixes: tuple[str, ...] = (),
    store_uri: str = "memory://",
    login_limit: str | None = None,
    login_ip_limit: str | None = None,
    namespace: str = "dossier",
) -> None:
    """`store_uri`: where login counts and revoked sessions live (Redis URL; memory:// = this process only)."""
    from core.settings import get_settings

    settings = get_settings()
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME_S,
    )
    limiter = LoginLimiter(
        store_uri,
        account_limit=login_limit or settings.login_limit,
        ip_limit=login_ip_limit or settings.login_ip_limit,
        namespace=namespace,
    )
    revocations = SessionRevocations(store_uri, lifetime_s=SESSION_LIFETIME_S, namespace=namespace)
    server.extensions["cockpit_login_limiter"] = limiter
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.init_app(server)

    def _fingerprint(login: str) -> str:
        account = directory.accounts().get(login)
        basis = account.password_hash if account is not None else "directory:" + login  # company logins: no hash
        return password_fingerprint(str(server.secret_key), basis)

    @manager.user_loader
    def _load(login: str) -> SessionUser | None:
        key = str(login or "").strip().lower()
        if not hmac.compare_digest(str(session.get(SESSION_FP) or "").encode(), _fingerprint(key).encode()):
            return None  # opened with another password hash (changed since), or before sessions had one
        sid = session.get(SESSION_ID)
        if not isinstance(sid, str) or not sid:
            return None
        try:
            if revocations.revoked(sid):
                return None
        except Unavailable as exc:
            log.error("session refused: revoked sessions cannot be checked, the store does not answer: %s", exc)
            return None
        principal = directory.get(key)
        return SessionUser(principal) if principal and principal.active else None

    @server.before_request
    def _gate() -> Any:
        path = request.path
        exempt = bool(exempt_prefixes) and path.startswith(exempt_prefixes)
        _set_origin("api" if exempt else "cockpit")
        if exempt:
            return None  # another door (the REST API) authenticates these itself
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            origin = request.headers.get("Origin")
            if origin and origin != "null" and urlsplit(origin).netloc != request.host:
                abort(403)
            sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
            cookie = request.cookies.get(CSRF_COOKIE) or ""
            if not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
                if path == "/login":
                    g._csrf_failed = True
                else:
                    abort(403)
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
        if not public and not current_user.is_authenticated:
            if path.startswith(API_PREFIXES):
                abort(401)
            full = request.full_path if request.query_string else path
            return redirect("/login?next=" + quote(safe_next(full), safe=""))
        return None

    @server.after_request
    def _csrf_cookie(resp: Response) -> Response:
        if exempt_prefixes and request.path.startswith(exempt_prefixes):
            return resp  # not a cockpit page: no cookie of ours
        token = getattr(g, "_csrf_token", None)
        if token is None and not request.cookies.get(CSRF_COOKIE):
            token = csrf_token()
        if token and (getattr(g, "_csrf_new", False) or not request.cookies.get(CSRF_COOKIE)):
            resp.set_cookie(
                CSRF_COOKIE, token, samesite="Strict", secure=secure_cookies, httponly=False, max_age=12 * 3600
            )
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Content-Security-Policy", CSP)  # /original sets a stricter one of its own
        if secure_cookies:
            resp.headers.setdefault("Strict-Transport-Security", HSTS)
        return resp

    @server.route("/login", methods=["GET", "POST"])
    def _login() -> Any:
        next_url = safe_next(request.values.get("next"))
        if request.method == "GET":
            if current_user.is_authenticated:
                return redirect(next_url)
            msg = "login.logged_out" if request.args.get("bye") else None
            return Response(render_login(msg, next_url=next_url, kind="info"), mimetype="text/html")
        username = (request.form.get("username") or "").strip().lower()[:100]
        if getattr(g, "_csrf_failed", False):
            return Response(render_login("login.csrf", username=username, next_url=next_url), 400, mimetype="text/html")
        address = request.remote_addr or "-"
        try:
            allowed = limiter.acquire(username, address)  # consumed before the password check (atomic)
        except Unavailable as exc:
            log.error("login refused: the login limiter's store (Redis) does not answer: %s", exc)
            return Response(
                render_login("login.unavailable", username=username, next_url=next_url), 503, mimetype="text/html"
            )
        if not allowed:
            log.warning("login limit reached for %r from %s", username, address)
            return Response(
                render_login("login.throttled", username=username, next_url=next_url), 429, mimetype="text/html"
            )
        fingerprint = _fingerprint(username)  # before the check: a hash changed meanwhile ends the session
        refused: LoginRefused | None = None
        try:
            user = directory.authenticate(username, request.form.get("password") or "")
        except LoginRefused as exc:  # company logins: no mapped group, or the directory unreachable
            user, refused = None, exc
        if user is None:
            log.info("failed login for %r from %s", username, request.remote_addr)
            why = {"outcome": "refused", "reason": refused.reason} if refused else {}
            _audit(server, "login_failed", _claimed(directory, username), **why)
            return Response(
                render_login(refused.message_code if refused else "login.failed", username=username, next_url=next_url),
                503 if refused and refused.reason == "directory_unreachable" else 401,
                mimetype="text/html",
            )
        limiter.succeeded(username, address)
        lang = session.get("lang")
        session.clear()
        login_user(SessionUser(user))
        session[SESSION_ID] = SessionRevocations.new_id()
        session[SESSION_FP] = fingerprint
        session["lang"] = lang if lang in LANGS else user.lang
        session.permanent = True
        _audit(server, "login", user)
        return redirect(next_url)

    @server.route("/logout", methods=["POST"])
    def _logout() -> Any:
        lang = session.get("lang")
        if current_user.is_authenticated:
            _audit(server, "logout", current_user.principal)
        sid = session.get(SESSION_ID)
        if isinstance(sid, str) and sid:
            try:
                revocations.revoke(sid)  # a copy of this session cookie stops working too
            except Unavailable as exc:
                log.error("logout: cannot revoke the session, the store does not answer: %s", exc)
        logout_user()
        session.clear()
        if lang in LANGS:
            session["lang"] = lang
        return redirect("/login?bye=1")

    @server.route("/lang/<code>")
    def _lang(code: str) -> Any:
        """Switch the UI language and go back where the user was (`next`, else the same-site Referer)."""
        if code in LANGS:
            session["lang"] = code
        target = request.args.get("next")
        if not target and request.referrer:
            ref = urlsplit(request.referrer)
            if ref.netloc == request.host:
                target = ref.path + (f"?{ref.query}" if ref.query else "")
        return redirect(safe_next(target))

    @server.route("/healthz")
    def _health() -> Any:
        return {"ok": True}


def _audit(server: Flask, action: str, user: Principal, **details: Any) -> None:
    from app import audit

    ctx = server.extensions.get("app_context")
    if ctx is not None:
        audit.record(ctx, action, user, **details)


def _claimed(directory: UserDirectory, username: str) -> Principal:
    """Who a failed login claimed to be: the known user (their tenants' trail), else just the name."""
    known = directory.get(username) if username else None
    return known or Principal(login=username or "-", name=username or "-")


def _set_origin(via: str) -> None:
    from app import audit

    audit.set_origin(audit.Origin(via, ip=request.remote_addr, user_agent=str(request.user_agent)[:200] or None))
