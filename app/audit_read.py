"""Reading the audit trail: the filtered trail (a page, or every row as CSV) and a document's history.

    trail(ctx, principal, AuditQuery(doc_id="…"))          -> AuditPage   (needs AUDIT)
    trail_csv(ctx, principal, AuditQuery(user="anna…"))     -> Iterator[bytes] (needs AUDIT; audited as `export`)
    document_history(ctx, principal, doc_id)                -> History     (needs HISTORY and sight of the document)

Only the principal's tenants are ever read (`search.audit` starts every body from the tenant filter). Reading
the trail or a history writes nothing (a document page that shows its history records only its own
`view_document`); the CSV export is itself an export and is recorded with the number of rows.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from app import audit
from app.context import AppContext
from domain.errors import Invalid, NotFound, Unavailable
from domain.principal import AUDIT, HISTORY, Principal
from search.audit import (
    AuditQuery,
    Cursor,
    audit_scan_body,
    audit_trail_body,
    document_history_body,
    history_subject_body,
)
from search.parse import hits_of
from search.repository import ReadFailed

log = logging.getLogger(__name__)

MAX_CSV_ROWS = 100_000
CSV_BATCH = 1000
HISTORY_LIMIT = 50
MAX_VALUE_CHARS = 300
DETAIL_SKIP = frozenset({"tenant", "doc_id", "customer_id", "outcome", "ip", "user_agent", "owner"})

CSV_HEADER = ["created_at", "action", "tenant", "owner", "actor_name", "principal_kind", "key_name", "roles", "ip",
              "user_agent", "outcome", "doc_id", "customer_id", "view_id", "query", "filters", "hits", "rows", "seq",
              "hash", "via", "target", "details"]  # fmt: skip

# history kinds of the document page's "Verlauf" card, by action
HISTORY_KINDS = {
    "ingest": "added",
    "intake": "added",
    "view_document": "viewed",
    "download_original": "downloaded",
    "refiled": "refiled",
    "manual_filing": "filed",
    "hold_set": "hold_set",
    "hold_lifted": "hold_lifted",
    "grant_given": "grant_given",
    "grant_revoked": "grant_revoked",
    "confidential_set": "confidential_set",
    "confidential_lifted": "confidential_lifted",
}


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:MAX_VALUE_CHARS]


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the trail (fields an older entry lacks at the top level are read from its details)."""

    id: str
    created_at: str
    action: str
    tenant: str | None = None
    owner: str | None = None
    actor_name: str | None = None
    principal_kind: str | None = None
    key_name: str | None = None
    roles: tuple[str, ...] = ()
    ip: str | None = None
    user_agent: str | None = None
    outcome: str | None = None
    doc_id: str | None = None
    customer_id: str | None = None
    view_id: str | None = None
    query: str | None = None
    filters: str | None = None
    hits: int | None = None
    rows: int | None = None
    seq: int | None = None
    hash: str | None = None
    via: str | None = None  # cockpit | api | cli | worker
    target: str | None = None  # what the action was on: a legal hold's subject, a changed user's login
    on_behalf_of: str | None = None  # who sent a file the system ingested (`owner_login`)
    body: Mapping[str, Any] = field(default_factory=dict)
    sort: Cursor | None = None

    @classmethod
    def from_hit(cls, hit: Mapping[str, Any]) -> AuditEntry:
        src: Mapping[str, Any] = hit.get("_source") or {}
        body: Mapping[str, Any] = src.get("body") if isinstance(src.get("body"), Mapping) else {}  # type: ignore[assignment]

        def pick(name: str) -> Any:
            value = src.get(name)
            return body.get(name) if value is None or value == "" else value

        filters = pick("filters")
        if filters is not None and not isinstance(filters, str):
            filters = json.dumps(filters, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
        roles = src.get("roles") or ()
        raw_sort: list[Any] = list(hit.get("sort") or [])
        sort = (int(raw_sort[0]), int(raw_sort[1])) if len(raw_sort) >= 2 else None
        return cls(
            id=str(hit.get("_id") or ""), created_at=str(src.get("created_at") or ""), action=str(src.get("action") or ""),
            tenant=_text(src.get("tenant")), owner=_text(src.get("owner")), actor_name=_text(pick("actor_name")),
            principal_kind=_text(src.get("principal_kind")), key_name=_text(pick("key_name")),
            roles=tuple(str(r) for r in (roles if isinstance(roles, list | tuple) else [roles])),
            ip=_text(pick("ip")), user_agent=_text(pick("user_agent")), outcome=_text(pick("outcome")),
            doc_id=_text(pick("doc_id")), customer_id=_text(pick("customer_id")), view_id=_text(pick("view_id")),
            query=_text(pick("query")), filters=_text(filters), hits=_int(pick("hits")), rows=_int(pick("rows")),
            seq=_int(src.get("seq")), hash=_text(src.get("hash")), via=_text(src.get("via")),
            target=_text(pick("target")), on_behalf_of=_text(pick("owner_login")), body=dict(body), sort=sort,
        )  # fmt: skip

    @property
    def details(self) -> list[tuple[str, str]]:
        """What the columns do not show, as (name, value) pairs: the request of an API call, a search's query,
        an export's rows, a view, the other details."""
        out: list[tuple[str, str]] = []
        b = self.body
        if b.get("method") or b.get("path"):
            status = f" {b['status']}" if b.get("status") is not None else ""
            out.append(("request", f"{b.get('method') or ''} {b.get('path') or ''}{status}".strip()))
        for name in ("via", "key_name", "target", "query", "filters", "hits", "rows", "view_id"):
            value = getattr(self, name)
            if value is not None and value != "":
                out.append((name, str(value)))
        shown = {n for n, _ in out} | DETAIL_SKIP | {"method", "path", "status", "actor_name"}
        for key, value in b.items():
            if key in shown or value is None or value == "" or value == [] or value == {}:
                continue
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            out.append((str(key), text[:MAX_VALUE_CHARS]))
        return out

    def short_details(self, max_chars: int = 140) -> str:
        text = " · ".join(f"{k}={v}" for k, v in self.details)
        return text if len(text) <= max_chars else text[: max_chars - 1] + "…"

    def csv_row(self) -> list[Any]:
        return [self.created_at, self.action, self.tenant, self.owner, self.actor_name, self.principal_kind,
                self.key_name, ", ".join(self.roles), self.ip, self.user_agent, self.outcome, self.doc_id,
                self.customer_id, self.view_id, self.query, self.filters, self.hits, self.rows, self.seq, self.hash,
                self.via, self.target,
                json.dumps(dict(self.body), ensure_ascii=False, default=str, sort_keys=True) if self.body else ""]  # fmt: skip


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int  # matching entries (counted up to `search.audit.TOTAL_LIMIT`)
    total_exact: bool
    newer: Cursor | None  # `AuditQuery(before=…)` of the newer page, None on the newest
    older: Cursor | None  # `AuditQuery(after=…)` of the older page, None on the oldest


def _check(principal: Principal, query: AuditQuery) -> None:
    principal.require(AUDIT)
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise Invalid("audit.error.period", date_from=query.date_from.isoformat(), date_to=query.date_to.isoformat())


def trail(ctx: AppContext, principal: Principal, query: AuditQuery) -> AuditPage:
    """One page of the trail of the principal's tenants, newest first (needs AUDIT)."""
    _check(principal, query)
    size = max(1, min(int(query.size), 200))
    try:
        resp = ctx.repo.search_or_empty(audit.KIND, audit_trail_body(principal, query, tz=ctx.tz))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    hits = hits_of(resp)
    more = len(hits) > size
    entries = [AuditEntry.from_hit(h) for h in hits[:size]]
    total_raw = ((resp.get("hits") or {}).get("total")) or {}
    total = int(total_raw.get("value", 0)) if isinstance(total_raw, Mapping) else int(total_raw or 0)
    exact = not isinstance(total_raw, Mapping) or total_raw.get("relation", "eq") == "eq"
    if query.before is not None:
        entries.reverse()
        newer = entries[0].sort if more and entries else None
        older = entries[-1].sort if entries else None
    else:
        newer = entries[0].sort if query.after is not None and entries else None
        older = entries[-1].sort if more and entries else None
    return AuditPage(entries=entries, total=total, total_exact=exact, newer=newer, older=older)


def _cell(value: Any) -> Any:
    """Spreadsheet formula injection guard (as `app.exports`): text starting with = + - @ gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_chunk(rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    for r in rows:
        w.writerow([_cell(v) for v in r])
    return buf.getvalue().encode("utf-8")


def trail_csv(
    ctx: AppContext, principal: Principal, query: AuditQuery, *, limit: int = MAX_CSV_ROWS
) -> Iterator[bytes]:
    """Every matching entry (at most `limit`), newest first, as CSV chunks (UTF-8 with BOM, `;`, formula-safe),
    read under a point in time. The permission check and opening the point in time happen before this returns
    (a refusal is an error, never a broken file); the export is audited (`export`, rows = what was written) in
    every tenant it read, when it ends."""
    _check(principal, query)
    limit = max(0, min(int(limit), MAX_CSV_ROWS))
    body = audit_scan_body(principal, query, tz=ctx.tz)
    try:
        pit = ctx.repo.open_pit(audit.KIND) if ctx.repo.exists(audit.KIND) else None
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    return _stream(ctx, principal, query, body, pit, limit)


def _stream(ctx: AppContext, principal: Principal, query: AuditQuery, body: dict[str, Any], pit: str | None,
            limit: int) -> Iterator[bytes]:  # fmt: skip
    written = 0
    truncated = False
    try:
        yield b"\xef\xbb\xbf" + _csv_chunk([CSV_HEADER])  # BOM: Excel opens UTF-8 umlauts correctly
        after: list[Any] | None = None
        while pit is not None and written < limit:
            batch = min(CSV_BATCH, limit - written)
            page: dict[str, Any] = {**body, "size": batch + 1, "pit": {"id": pit, "keep_alive": "2m"}}
            if after is not None:
                page["search_after"] = after
            try:
                resp = ctx.repo.search_pit(page)
            except ReadFailed:
                log.exception("audit CSV export broke off after %d rows", written)
                raise
            pit = str(resp.get("pit_id") or pit)
            hits = hits_of(resp)
            take = hits[:batch]
            if take:
                yield _csv_chunk([AuditEntry.from_hit(h).csv_row() for h in take])
                written += len(take)
                after = take[-1].get("sort")
            if len(hits) <= batch:
                break
            truncated = written >= limit
    finally:
        if pit is not None:
            ctx.repo.close_pit(pit)
        # recorded in the trail of every tenant the export read (never in one the principal does not have)
        covered = [query.tenant] if query.tenant and query.tenant in principal.tenants else sorted(principal.tenants)
        for tenant in covered or [""]:
            audit.record(ctx, "export", principal, tenant=tenant or None, export="audit", filters=query.filters(),
                         rows=written, truncated=truncated)  # fmt: skip


# ------------------------------------------------------------------------------------------------ history


@dataclass(frozen=True)
class HistoryEvent:
    kind: str  # added | viewed | downloaded | refiled | filed | hold_set | hold_lifted
    action: str
    at: str
    login: str | None  # who (for an ingest: who sent it in; the system for an automatic re-filing)
    name: str | None  # their display name, when the entry has it
    channel: str | None = None  # how it came in (upload, api, mail, hotfolder, cli …)
    source: str | None = None  # the file name it came in as
    customer_id: str | None = None
    register: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class History:
    doc_id: str
    events: list[HistoryEvent]
    more: bool  # there are older events than these


def _event(entry: AuditEntry) -> HistoryEvent:
    b = entry.body
    login = entry.owner
    if entry.action == "ingest" and entry.on_behalf_of:
        login = entry.on_behalf_of  # the system wrote it; the person (or key) who sent the file is named
    return HistoryEvent(
        kind=HISTORY_KINDS.get(entry.action, entry.action), action=entry.action, at=entry.created_at, login=login,
        name=entry.actor_name if login == entry.owner else None, channel=_text(b.get("channel")),
        source=_text(b.get("file") or b.get("file_name")), customer_id=entry.customer_id,
        register=_text(b.get("register")), outcome=entry.outcome,
    )  # fmt: skip


def document_history(ctx: AppContext, principal: Principal, doc_id: str, *, limit: int = HISTORY_LIMIT) -> History:
    """Who added, viewed, downloaded, (re-)filed or held a document, newest first (at most `limit`). Needs
    HISTORY and sight of the document (NotFound otherwise, like the document itself); writes nothing."""
    principal.require(HISTORY)
    doc_id = str(doc_id or "").strip()
    if not doc_id or len(doc_id) > 300:
        raise NotFound("notfound.document", doc_id=doc_id[:300])
    limit = max(1, min(int(limit), 200))
    try:
        found = hits_of(ctx.repo.search("documents", history_subject_body(principal, doc_id)))
        if not found:
            raise NotFound("notfound.document", doc_id=doc_id)
        src = found[0].get("_source") or {}
        real_id = str(src.get("doc_id") or found[0]["_id"])
        customers = [str(c) for c in src.get("customer_ids") or []]
        resp = ctx.repo.search_or_empty(audit.KIND, document_history_body(principal, [real_id], customers, size=limit))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    hits = hits_of(resp)
    events = [_event(AuditEntry.from_hit(h)) for h in hits[:limit]]
    return History(doc_id=real_id, events=events, more=len(hits) > limit)
