"""RFC 9457 problem documents (``application/problem+json``) for every error of the API, never a stack trace.

An `AppError` of the application layer keeps its code and parameters as extension members and its message,
translated from the one catalogue by the request's Accept-Language, as ``detail``. Validation errors of the
request models list each offending field. The OpenAPI document declares the same shape for every error status.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

import i18n
from domain.errors import AppError

log = logging.getLogger("api.problems")

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class FieldProblem(BaseModel):
    location: str = Field(description="where: query, path, body and the field path, e.g. body.customers.0.name")
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    code: str = Field("", description="message code of the catalogue (i18n/catalogue.toml)")
    params: dict[str, Any] = Field(default_factory=dict)
    errors: list[FieldProblem] = Field(default_factory=list)


def request_lang() -> str:
    best = request.accept_languages.best_match(i18n.LANGS) if request else None
    return best or i18n.DEFAULT_LANG


def problem(status: int, code: str = "", *, detail: str = "", headers: dict[str, str] | None = None,
            **params: Any) -> Response:  # fmt: skip
    lang = request_lang()
    text = detail or (i18n.t(code, lang, **params) if code else "")
    body = Problem(
        title=TITLES.get(status, "Error"),
        status=status,
        detail=text if text != code else "",
        instance=request.path if request else "",
        code=code,
        params={k: (v if isinstance(v, str | int | float | bool) or v is None else str(v)) for k, v in params.items()},
    )
    resp = Response(body.model_dump_json(), status=status, mimetype=PROBLEM_TYPE)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def from_app_error(exc: AppError) -> Response:
    return problem(exc.status, exc.code, **exc.params)


def from_validation_error(exc: ValidationError, where: str = "") -> Response:
    errors = []
    for e in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = ".".join(str(p) for p in e.get("loc", ()))
        errors.append(FieldProblem(location=f"{where}.{loc}" if where and loc else (loc or where), message=str(e.get("msg")),
                                   type=str(e.get("type"))))  # fmt: skip
    resp = problem(422, "api.error.invalid", n=len(errors))
    body = Problem.model_validate_json(resp.get_data())
    body.errors = errors[:50]
    resp.set_data(body.model_dump_json())
    return resp


def openapi_error_responses(spec: dict[str, Any]) -> dict[str, Any]:
    """Declare the problem document for every error status of every operation (flask-openapi3 declares its own
    validation error shape; ours replaces it)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, model in (("Problem", Problem), ("FieldProblem", FieldProblem)):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.pop("$defs", None)
        schemas[name] = schema
    schemas.pop("ValidationErrorModel", None)
    content = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status in ("400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429", "500", "503"):
                responses[status] = {"description": TITLES[int(status)], "content": content}
    return spec
