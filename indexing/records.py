"""Writes of the records around the documents (views, subscriptions, notifications, audit, API keys, customers):
one `RecordStore` per prefix, the write side's counterpart of `search.repository.Repository`.

Elasticsearch's exceptions do not leave `indexing.store`/`indexing.records`: a write that lost an optimistic
concurrency race raises `WriteConflict`, any other failure `WriteFailed`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.helpers import streaming_bulk

from indexing import schema
from indexing.store import ensure_index

log = logging.getLogger(__name__)

ES_ERRORS = (ApiError, TransportError)


class WriteFailed(RuntimeError):
    pass


class WriteConflict(WriteFailed):
    """The record changed (or exists already) since it was read."""


@dataclass(frozen=True)
class BulkOutcome:
    id: str
    ok: bool
    status: int
    error: str = ""


class RecordStore:
    def __init__(self, es: Elasticsearch, prefix: str) -> None:
        self.es = es
        self.prefix = prefix
        self._ready: set[str] = set()

    def index(self, kind: str) -> str:
        return schema.alias_name(self.prefix, kind)

    def ensure(self, kind: str) -> str:
        if kind not in self._ready:
            try:
                ensure_index(self.es, self.prefix, kind)
            except ES_ERRORS as exc:
                raise WriteFailed(f"ensure {kind}: {exc}") from exc
            self._ready.add(kind)
        return self.index(kind)

    def put(
        self,
        kind: str,
        record_id: str | None,
        doc: dict[str, Any],
        *,
        create: bool = False,
        if_seq_no: int | None = None,
        if_primary_term: int | None = None,
        refresh: bool = True,
    ) -> str:
        """Write a whole record; `create`: only if new; `if_seq_no`: only if unchanged since read. Returns its id."""
        index = self.ensure(kind)
        params: dict[str, Any] = {"index": index, "document": doc, "refresh": True if refresh else None}
        if record_id is not None:
            params["id"] = record_id
        if create:
            params["op_type"] = "create"
        if if_seq_no is not None and if_primary_term is not None:
            params["if_seq_no"], params["if_primary_term"] = if_seq_no, if_primary_term
        try:
            return str(self.es.index(**params)["_id"])
        except ConflictError as exc:
            raise WriteConflict(f"{kind}/{record_id}") from exc
        except ES_ERRORS as exc:
            raise WriteFailed(f"{kind}/{record_id}: {exc}") from exc

    def update(
        self,
        kind: str,
        record_id: str,
        partial: dict[str, Any],
        *,
        concrete_index: str | None = None,
        if_seq_no: int | None = None,
        if_primary_term: int | None = None,
        refresh: bool = True,
    ) -> None:
        """A partial update (`concrete_index`: the index a search hit came from, when the alias spans several)."""
        params: dict[str, Any] = {"index": concrete_index or self.index(kind), "id": record_id, "doc": partial}
        if if_seq_no is not None and if_primary_term is not None:
            params["if_seq_no"], params["if_primary_term"] = if_seq_no, if_primary_term
        if refresh:
            params["refresh"] = True
        try:
            self.es.update(**params)
        except ConflictError as exc:
            raise WriteConflict(f"{kind}/{record_id}") from exc
        except NotFoundError as exc:
            raise WriteConflict(f"{kind}/{record_id} is gone") from exc
        except ES_ERRORS as exc:
            raise WriteFailed(f"{kind}/{record_id}: {exc}") from exc

    def delete(self, kind: str, record_id: str, *, refresh: bool = True) -> bool:
        try:
            resp = self.es.options(ignore_status=404).delete(
                index=self.index(kind), id=record_id, refresh=True if refresh else None
            )
        except ES_ERRORS as exc:
            raise WriteFailed(f"delete {kind}/{record_id}: {exc}") from exc
        return resp.get("result") == "deleted"

    def bulk(self, kind: str, actions: Iterable[dict[str, Any]], *, refresh: bool = True) -> Iterator[BulkOutcome]:
        """Bulk actions against the kind's alias (`_index` is filled in), retried on 429; one outcome each."""
        index = self.ensure(kind)

        def addressed() -> Iterator[dict[str, Any]]:
            for action in actions:
                yield {"_index": index, **action}

        try:
            for ok, item in streaming_bulk(
                self.es, addressed(), chunk_size=500, max_retries=5, initial_backoff=1,
                raise_on_error=False, raise_on_exception=False,
            ):  # fmt: skip
                info = next(iter(item.values()))
                yield BulkOutcome(str(info.get("_id")), bool(ok), int(info.get("status") or 0),
                                  "" if ok else str(info.get("error"))[:300])  # fmt: skip
        except ES_ERRORS as exc:
            raise WriteFailed(f"bulk {kind}: {exc}") from exc
        if refresh:
            self.refresh(kind)

    def refresh(self, kind: str) -> None:
        try:
            self.es.indices.refresh(index=self.index(kind))
        except NotFoundError:
            pass
        except ES_ERRORS as exc:
            log.warning("refresh %s failed: %s", kind, exc)


def get_versioned(store: RecordStore, kind: str, record_id: str) -> tuple[dict[str, Any], int, int] | None:
    """A record (realtime) with its `_seq_no` and `_primary_term`, for a later conditional write; None if absent."""
    store.ensure(kind)
    try:
        resp = store.es.options(ignore_status=404).get(index=store.index(kind), id=record_id)
    except ES_ERRORS as exc:
        raise WriteFailed(f"get {kind}/{record_id}: {exc}") from exc
    if not resp.get("found"):
        return None
    return dict(resp.get("_source") or {}), int(resp["_seq_no"]), int(resp["_primary_term"])
