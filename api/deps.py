"""What every route needs: the application context, the cursor signer, the caller, links and the language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, request
from pydantic import BaseModel

from api import auth
from api.convert import Linker
from api.cursor import Cursors
from api.problems import request_lang
from app.context import AppContext
from domain.principal import Principal

MAX_PAGE_ITEMS = 10_000


@dataclass
class Deps:
    ctx: AppContext
    cursors: Cursors

    @property
    def principal(self) -> Principal:
        return auth.current()

    @property
    def links(self) -> Linker:
        return Linker(request.url_root)

    @property
    def lang(self) -> str:
        return request_lang()


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    resp = Response(model.model_dump_json(), status=status, mimetype="application/json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def link_header(**rels: Any) -> dict[str, str]:
    parts = [f'<{url}>; rel="{rel}"' for rel, url in rels.items() if url]
    return {"Link": ", ".join(parts)} if parts else {}
