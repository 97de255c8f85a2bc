"""The read side's only I/O: every read of Elasticsearch goes through a `Repository`.

Bodies come from the pure builders of `search/` (each starting from the permission filter); the repository
only addresses them to an index kind (`documents`, `customers`, `views`, …, resolved to the prefix's alias)
and runs them. Elasticsearch's exceptions do not leave this module: a failed read raises `ReadFailed`
(with `missing_index` when the index does not exist yet), and the layers above decide what the person sees.

The write side has its own I/O module (`indexing.store`); nothing else imports the Elasticsearch client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from indexing.schema import alias_name
from search.parse import hits_of

log = logging.getLogger(__name__)

ES_ERRORS = (ApiError, TransportError)


class ReadFailed(RuntimeError):
    """A read that could not be answered (cluster away, bad request, missing index)."""

    def __init__(self, message: str, *, missing_index: bool = False) -> None:
        super().__init__(message)
        self.missing_index = missing_index


def _body(resp: Any) -> dict[str, Any]:
    return resp.body if hasattr(resp, "body") else dict(resp)


def _failed(exc: Exception, what: str) -> ReadFailed:
    missing = isinstance(exc, NotFoundError) and "index_not_found" in str(exc)
    return ReadFailed(f"{what}: {type(exc).__name__}: {str(exc)[:300]}", missing_index=missing)


class Repository:
    def __init__(self, es: Elasticsearch, prefix: str, *, request_cache: bool | None = None) -> None:
        self.es = es
        self.prefix = prefix
        # None = the index default (only size=0 requests are cached); True = cache hits as well
        self.request_cache = request_cache

    def index(self, kind: str) -> str:
        return alias_name(self.prefix, kind)

    def exists(self, kind: str) -> bool:
        try:
            return bool(self.es.indices.exists(index=self.index(kind)))  # an alias or an append-only index
        except ES_ERRORS as exc:
            raise _failed(exc, f"exists({kind})") from exc

    def search(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return _body(self.es.search(index=self.index(kind), body=dict(body), request_cache=self.request_cache))
        except ES_ERRORS as exc:
            raise _failed(exc, f"search({kind})") from exc

    def search_or_empty(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """A search whose missing index means "nothing there yet" (views, notifications before their first use)."""
        try:
            return self.search(kind, body)
        except ReadFailed as exc:
            if exc.missing_index:
                return {}
            raise

    def msearch(
        self,
        pairs: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        missing_ok: bool = False,
        filter_path: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Several bodies in one round trip; each answer is the response or ``{"error": …}`` (never raises for
        one failed body). `missing_ok`: a missing index answers like an empty one."""
        if not pairs:
            return []
        searches: list[dict[str, Any]] = []
        for kind, body in pairs:
            header: dict[str, Any] = {"index": self.index(kind)}
            if missing_ok:
                header["ignore_unavailable"] = True
            if self.request_cache is not None:
                header["request_cache"] = self.request_cache
            searches += [header, dict(body)]
        try:
            extra: dict[str, Any] = {"filter_path": list(filter_path)} if filter_path else {}
            resp = _body(self.es.msearch(searches=searches, **extra))
        except ES_ERRORS as exc:
            raise _failed(exc, "msearch") from exc
        return [dict(r) for r in resp["responses"]]

    def count(self, kind: str, body: Mapping[str, Any]) -> int:
        try:
            return int(_body(self.es.count(index=self.index(kind), body=dict(body)))["count"])
        except NotFoundError:
            return 0
        except ES_ERRORS as exc:
            raise _failed(exc, f"count({kind})") from exc

    # ---------------------------------------------------------------------------------------------- scans

    def open_pit(self, kind: str, keep_alive: str = "2m") -> str:
        try:
            return str(_body(self.es.open_point_in_time(index=self.index(kind), keep_alive=keep_alive))["id"])
        except ES_ERRORS as exc:
            raise _failed(exc, f"open_point_in_time({kind})") from exc

    def search_pit(self, body: Mapping[str, Any], *, filter_path: str | None = None) -> dict[str, Any]:
        """One page of a point-in-time search (the body names the PIT; no index)."""
        try:
            return _body(self.es.search(body=dict(body), filter_path=filter_path))
        except ES_ERRORS as exc:
            raise _failed(exc, "search(pit)") from exc

    def close_pit(self, pit: str) -> None:
        try:
            self.es.close_point_in_time(id=pit)
        except ES_ERRORS as exc:  # expired already: nothing to clean
            log.debug("close PIT: %s", exc)

    def scan(self, kind: str, body: Mapping[str, Any], *, batch: int = 500) -> Iterator[dict[str, Any]]:
        """Every hit of a body's query (point-in-time + search_after, stable under concurrent writes)."""
        if not self.exists(kind):
            return
        pit = self.open_pit(kind)
        try:
            after: list[Any] | None = None
            while True:
                page = {**dict(body), "size": batch, "pit": {"id": pit, "keep_alive": "2m"}}
                page["sort"] = [{"_shard_doc": "asc"}]
                if after is not None:
                    page["search_after"] = after
                resp = self.search_pit(page)
                pit = str(resp.get("pit_id", pit))
                hits = hits_of(resp)
                yield from hits
                if len(hits) < batch:
                    return
                after = hits[-1]["sort"]
        finally:
            self.close_pit(pit)
