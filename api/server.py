"""The REST API `/api/v1` on the deployment's Flask server (flask-openapi3: pydantic models, OpenAPI 3.1 at
`/api/v1/openapi.json`, interactive docs at `/api/v1/`).

Every call: authenticated (API key or the cockpit session), rate-limited per key (Flask-Limiter, Redis when
there is one), body size bounded, audited with the caller's name; every error an RFC 9457 problem document.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, g, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_openapi3 import APIBlueprint, Info, OpenAPI
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from api import auth, problems
from api.cursor import Cursors
from api.deps import Deps
from api.routes_access import add_access_routes
from api.routes_audit import add_audit_routes
from api.routes_cases import add_case_routes
from api.routes_compliance import add_compliance_routes
from api.routes_documents import add_document_routes, add_notification_routes, add_view_routes
from api.routes_intake import add_intake_routes
from api.routes_search import add_routes as add_search_routes
from app import audit
from app.context import AppContext
from domain.errors import AppError
from indexing.records import WriteFailed
from search.repository import ReadFailed

log = logging.getLogger("api")

PREFIX = "/api/v1"
VERSION = "1.0.0"
SECURITY_SCHEMES: dict[str, Any] = {
    "apiKey": {"type": "http", "scheme": "bearer", "description": "an integration's key: `Bearer dck_…`"},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "the cockpit's login (same origin; unsafe methods need the X-CSRFToken header)"},
}  # fmt: skip


class CockpitOpenAPI(OpenAPI):
    """flask-openapi3's app, whose document declares our problem+json for every error status."""

    def generate_spec_json(self) -> None:
        super().generate_spec_json()
        self.spec_json = problems.openapi_error_responses(self.spec_json)


def make_server(import_name: str) -> CockpitOpenAPI:
    return CockpitOpenAPI(
        import_name,
        info=Info(
            title="Dossier Cockpit API",
            version=VERSION,
            description="ERP/CRM integration: search, customers and dossiers, documents, views, notifications, "
            "temporary grants and confidential documents, cases (complaints worked step by step) and resubmissions. "
            "Errors are RFC 9457 problem documents.",
        ),  # fmt: skip
        security_schemes=SECURITY_SCHEMES,
        doc_prefix=PREFIX,
        doc_url="/openapi.json",
        validation_error_status=422,
        validation_error_callback=lambda exc: problems.from_validation_error(exc),
    )


def _is_api() -> bool:
    return request.path.startswith(PREFIX + "/") or request.path == PREFIX


def _rate_key() -> str:
    token = auth.presented_token()
    if token:
        return "key:" + token.split("_")[1] if token.count("_") >= 2 else "key:?"
    principal = auth.session_principal()
    return "user:" + principal.login if principal else "ip:" + (request.remote_addr or "?")


def register(
    server: Flask,
    ctx: AppContext,
    *,
    secret: str,
    csrf_cookie: str,
    csrf_header: str,
    rate_limit: str,
    limiter_storage: str,
    max_body_bytes: int,
    upload_max_bytes: int = 51 * 1024 * 1024,
) -> None:
    """Add `/api/v1` to a `make_server()` Flask app that already has (or not) the cockpit's login manager."""
    assert isinstance(server, OpenAPI), "the API needs the server from api.server.make_server"
    server.extensions.setdefault("app_context", ctx)
    deps = Deps(ctx, Cursors(secret))
    bp = APIBlueprint("api_v1", __name__, url_prefix=PREFIX, abp_security=[{"apiKey": []}, {"session": []}])
    add_search_routes(bp, deps)
    add_document_routes(bp, deps)
    add_view_routes(bp, deps)
    add_notification_routes(bp, deps)
    add_intake_routes(bp, deps)
    add_compliance_routes(bp, deps)
    add_audit_routes(bp, deps)
    add_access_routes(bp, deps)
    add_case_routes(bp, deps)

    @bp.before_request
    def _before() -> Response | None:
        audit.set_origin(audit.Origin("api", ip=request.remote_addr, user_agent=str(request.user_agent)[:200] or None))
        upload = request.method == "POST" and request.path == f"{PREFIX}/documents"
        limit = upload_max_bytes if upload else max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return problems.problem(413, "api.error.too_large", n=limit)
        request.max_content_length = limit
        if upload:
            if request.mimetype != "multipart/form-data":
                return problems.problem(415, "api.error.content_type_multipart")
        elif request.method in ("POST", "PUT", "PATCH") and request.get_data(cache=True):  # bodiless: claim, done
            if request.mimetype != "application/json":
                return problems.problem(415, "api.error.content_type")
            try:
                json.loads(request.get_data(cache=True) or b"null")
            except (ValueError, UnicodeDecodeError):
                return problems.problem(400, "api.error.json")
        auth.authenticate(ctx, csrf_cookie=csrf_cookie, csrf_header=csrf_header)
        return None

    @bp.after_request
    def _audit(resp: Response) -> Response:
        principal = getattr(g, "api_principal", None) or auth.ANONYMOUS
        audit.record(ctx, "api_call", principal, method=request.method, path=request.path[:300],
                     status=resp.status_code, outcome="ok" if resp.status_code < 400 else str(resp.status_code))  # fmt: skip
        resp.headers.setdefault("Cache-Control", "private, no-store")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        return resp

    limiter = Limiter(_rate_key, app=server, storage_uri=limiter_storage, default_limits=[], headers_enabled=True,
                      strategy="fixed-window", swallow_errors=True)  # fmt: skip
    limiter.limit(rate_limit)(bp)
    server.register_api(bp)  # type: ignore[attr-defined]
    server.add_url_rule(f"{PREFIX}/<path:rest>", "api_unknown", lambda rest: problems.problem(404, "api.error.path"))
    _register_errors(server)


def _register_errors(server: Flask) -> None:
    @server.errorhandler(AppError)
    def _app_error(exc: AppError) -> Any:
        if not _is_api():
            raise exc
        resp = problems.from_app_error(exc)
        if exc.status == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer realm="dossier-cockpit"'
        return resp

    @server.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> Any:
        if not _is_api():
            raise exc
        return problems.from_validation_error(exc)

    @server.errorhandler(RateLimitExceeded)
    def _limited(exc: RateLimitExceeded) -> Any:
        resp = problems.problem(429, "api.error.rate", limit=str(exc.description))
        retry = getattr(exc, "retry_after", None)
        resp.headers["Retry-After"] = str(int(retry)) if retry else "60"
        return resp

    @server.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if not _is_api():
            return exc
        if exc.response is not None and exc.response.mimetype == problems.PROBLEM_TYPE:
            return exc.response  # flask-openapi3's validation answer, already a problem document
        code = exc.code or 500
        return problems.problem(
            code, f"api.error.http.{code}" if code in (404, 405, 406, 413, 415) else "api.error.bad"
        )

    @server.errorhandler(ReadFailed)
    @server.errorhandler(WriteFailed)
    def _storage(exc: Exception) -> Any:
        if not _is_api():
            raise exc
        log.error("storage failure on %s %s: %s", request.method, request.path, exc)
        return problems.problem(503, "error.unavailable", headers={"Retry-After": "30"})

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return _http(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not _is_api():
            return Response("Internal error", 500)
        return problems.problem(500, "api.error.internal")
