"""Test helpers: synthetic documents and customers with the project's mapping (for the views and notification
tests and the views benchmark), the repository and record store over a test prefix, principals.

Not used by the application. Bodies follow `indexing.schema.documents_mapping` (no passages: views run
keyword requests; the kNN side is exercised by the search tests).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch

from domain.principal import Principal
from indexing import store as istore
from indexing.access_policy import builtin_policy
from indexing.documents import permission_fields
from indexing.records import RecordStore
from indexing.schema import alias_name
from search.repository import Repository


def make_doc(
    doc_id: str,
    *,
    tenant: str = "nord",
    register: str = "correspondence",
    customer_ids: Iterable[str] = (),
    customer_names: Iterable[str] | None = None,
    doc_date: str | dt.date = "2026-11-20",
    title: str | None = None,
    text: str = "",
    status: str | None = None,
    acl_groups: Iterable[str] | None = None,
    received_at: str | None = None,
    indexed_at: str | None = None,
    is_latest: bool = True,
    language: str = "de",
    source_kind: str = "file",
    **extra: Any,
) -> dict[str, Any]:
    """An index body as the pipeline writes it; `extra` sets further fields (direction, channel, total_amount…)."""
    doc_date = doc_date.isoformat() if isinstance(doc_date, dt.date) else doc_date
    customer_ids = list(customer_ids)
    if status is None:
        status = "open" if register in ("complaint", "invoice") else "n/a"
    return {
        "doc_id": doc_id,
        "family_id": hashlib.sha256(doc_id.encode()).hexdigest()[:24],
        "version": 1,
        "is_latest": is_latest,
        "content_sha256": hashlib.sha256(("c" + doc_id).encode()).hexdigest(),
        "source_kind": source_kind,
        "tenant": tenant,
        **permission_fields(tenant, register, builtin_policy()),
        **({"acl_groups": list(acl_groups), "export_groups": list(acl_groups)} if acl_groups is not None else {}),
        "title": title or f"{register} {doc_id}",
        "text": text or f"{register} {doc_id}",
        "lemmas": (text or "").lower(),
        "language": language,
        "customer_ids": customer_ids,
        "customer_names": list(customer_names) if customer_names is not None else [f"Kunde {c}" for c in customer_ids],
        "primary_customer_id": customer_ids[0] if customer_ids else None,
        "register": register,
        "filing": {"status": "auto", "confidence": 1.0},
        "status": status,
        "doc_date": doc_date,
        "received_at": received_at or f"{doc_date}T09:00:00+01:00",
        "indexed_at": indexed_at or f"{doc_date}T10:00:00+01:00",
        "year_month": doc_date[:7] if doc_date else None,
        **extra,
    }


def make_customer(
    customer_id: str,
    *,
    tenant: str = "nord",
    account_manager: str = "",
    department: str = "",
    name: str | None = None,
    segment: str = "",
) -> dict[str, Any]:
    name = name or f"Kunde {customer_id}"
    return {
        "customer_id": customer_id,
        "number": customer_id,
        "number_norm": customer_id.lower(),
        "name": name,
        "tenant": tenant,
        "acl_groups": ["all"],
        "account_manager": account_manager,
        "department": department,
        "segment": segment,
        "suggest": {"input": [name, customer_id], "contexts": {"tenant": [tenant]}},
    }


def index_documents(es: Elasticsearch, prefix: str, docs: Iterable[dict[str, Any]], *, refresh: bool = True) -> int:
    istore.ensure_index(es, prefix, "documents")
    index = alias_name(prefix, "documents")
    docs = list(docs)
    failures = istore.bulk_write(
        es, ({"_op_type": "index", "_index": index, "_id": d["doc_id"], "_source": d} for d in docs), chunk_size=1000
    )
    if failures:
        raise RuntimeError(f"{len(failures)} documents not indexed: {failures[:3]}")
    if refresh:
        es.indices.refresh(index=index)
    return len(docs)


def index_customers(es: Elasticsearch, prefix: str, customers: Iterable[dict[str, Any]]) -> None:
    istore.ensure_index(es, prefix, "customers")
    index = alias_name(prefix, "customers")
    failures = istore.bulk_write(
        es, ({"_op_type": "index", "_index": index, "_id": c["customer_id"], "_source": c} for c in customers)
    )
    if failures:
        raise RuntimeError(f"{len(failures)} customers not indexed: {failures[:3]}")
    es.indices.refresh(index=index)


class RecordingSmtp:
    """A real local SMTP server (aiosmtpd) that records what arrived. `with RecordingSmtp() as smtp: ...`"""

    def __init__(self, port: int | None = None, *, credentials: tuple[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.credentials = credentials  # require AUTH LOGIN/PLAIN with these (plain connection, tests only)
        self.messages: list[Any] = []  # email.message.EmailMessage
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller: Any = None

    def start(self) -> RecordingSmtp:
        from email import message_from_bytes, policy

        from aiosmtpd.controller import Controller

        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802, ANN001
                outer.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                outer.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
                return "250 OK"

        kwargs: dict[str, Any] = {}
        if self.credentials is not None:
            from aiosmtpd.smtp import AuthResult, LoginPassword

            user, password = self.credentials

            def authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
                ok = isinstance(auth_data, LoginPassword) and (
                    auth_data.login.decode() == user and auth_data.password.decode() == password
                )
                return AuthResult(success=ok)

            kwargs = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> RecordingSmtp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def repo(es: Elasticsearch, prefix: str) -> Repository:
    """The read side's repository over a test prefix."""
    return Repository(es, prefix)


def records(es: Elasticsearch, prefix: str) -> RecordStore:
    """The record store (writes) over a test prefix."""
    return RecordStore(es, prefix)


def principal(login: str, tenants: Iterable[str] = ("nord",), groups: Iterable[str] = ("all",), **kw: Any) -> Principal:
    return Principal(login=login, tenants=frozenset(tenants), groups=frozenset(groups), **kw)


def app_context(es: Elasticsearch, prefix: str, *, cache: Any = None, users_file: Any = None, **kw: Any) -> Any:
    """The application context over a test prefix (no embedder: keyword search only unless one is given)."""
    from app.context import AppContext

    return AppContext.create(es, prefix, cache=cache, users_file=users_file, **kw)


class HashEmbedder:
    """A bag-of-words "embedder" for tests: each word hashed into one of 384 dimensions (no model to load)."""

    dims = 384
    model_name = "test-hash"

    def encode(self, texts: list[str], **_: Any) -> list[list[float]]:
        out = []
        for text in texts:
            vec = [0.0] * self.dims
            for word in text.lower().split():
                vec[int(hashlib.sha256(word.encode()).hexdigest(), 16) % self.dims] += 1.0
            norm = sum(v * v for v in vec) ** 0.5 or 1.0
            out.append([v / norm for v in vec])
        return out


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Build an app with the garbage collector paused. CPython 3.11.7 (this machine's) can raise "AST constructor
    recursion depth mismatch" when a collection releases the GIL while werkzeug compiles URL rules with
    `ast.parse` and another thread parses too (python/cpython#106905, fixed in later 3.11 releases); a server
    builds its rules once at start, the test suite builds hundreds."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def drop_prefix(prefix: str) -> None:
    """Delete every index of a test prefix (as the administrator: the audit trail is append-only for the app)."""
    from core.es import get_admin_client

    get_admin_client().options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")
