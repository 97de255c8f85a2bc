"""Opaque page cursors: the page number bound to the query it belongs to, signed with the server's secret
(itsdangerous), so a tampered cursor or one of another query is refused rather than misread."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from domain.errors import Invalid


def _fingerprint(query: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:24]


class Cursors:
    def __init__(self, secret: str) -> None:
        self._s = URLSafeSerializer(secret, salt="api-cursor")

    def make(self, query: dict[str, Any], page: int) -> str:
        return str(self._s.dumps({"q": _fingerprint(query), "p": int(page)}))

    def page(self, cursor: str | None, query: dict[str, Any], *, max_page: int) -> int:
        """The page a cursor points to (1 without a cursor); Invalid for a tampered or foreign cursor."""
        if not cursor:
            return 1
        try:
            data = self._s.loads(cursor)
        except BadSignature as exc:
            raise Invalid("api.error.cursor") from exc
        if not isinstance(data, dict) or data.get("q") != _fingerprint(query) or not isinstance(data.get("p"), int):
            raise Invalid("api.error.cursor")
        page = int(data["p"])
        if page < 1 or page > max_page:
            raise Invalid("api.error.cursor")
        return page
