"""Messages are codes with parameters; errors of the application layer carry one.

The front doors translate them at the edge (`i18n.t(code, lang, **params)`): the Dash pages into the
user's language, the REST API into an RFC 9457 problem document (`code` and `params` as members, `detail`
translated by Accept-Language). Nothing below the adapters formats prose for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


class AppError(Exception):
    """A refusal or failure a person must be told about. `status` is the HTTP status an API maps it to."""

    status = 400
    title = "Bad request"

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> Message:
        return Message(self.code, self.params)

    def __str__(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.code}({extra})" if extra else self.code


class Invalid(AppError):
    status = 422
    title = "Invalid request"


class Unauthorized(AppError):
    status = 401
    title = "Not authenticated"


class Forbidden(AppError):
    status = 403
    title = "Not allowed"


class NotFound(AppError):
    """Also what a principal gets for things of another tenant or that they may not see."""

    status = 404
    title = "Not found"


class Conflict(AppError):
    status = 409
    title = "Conflict"


class Unavailable(AppError):
    status = 503
    title = "Service unavailable"
