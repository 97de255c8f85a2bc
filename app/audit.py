"""The audit trail: who did what, when, in which tenant, from where (``<prefix>-audit-log``).

`record` appends an entry to its tenant's hash chain (`indexing.audit_log`, `domain.audit_chain`). Reads and
other non-changing actions are written in the background (they must not slow the answer down) — queued and
written in bulk at most `FLUSH_S` later —, changes with `wait=True` at once (they are part of the data version).

Where a request came from (address, user agent, which door) is set once per request by the adapters
(`origin_scope` / `set_origin`) and read here, so use cases do not pass it along.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.context import AppContext
from domain.principal import Principal
from indexing.audit_log import AuditLog, AuditNotWritten
from indexing.records import WriteFailed

log = logging.getLogger(__name__)

KIND = "audit"
FLUSH_S = 1.0
# details lifted out of the body into indexed fields (the rest stays in `body`)
LIFTED = ("doc_id", "customer_id", "view_id", "outcome", "target", "hits", "rows", "owner_login")
MAX_TEXT = 500
MAX_PENDING = 100_000  # entries kept in memory while the index cannot take them


@dataclass(frozen=True)
class Origin:
    via: str  # cockpit | api | cli | worker
    ip: str | None = None
    user_agent: str | None = None


_ORIGIN: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("audit_origin", default=None)


def set_origin(origin: Origin | None) -> contextvars.Token[Origin | None]:
    return _ORIGIN.set(origin)


@contextlib.contextmanager
def origin_scope(origin: Origin) -> Iterator[None]:
    token = _ORIGIN.set(origin)
    try:
        yield
    finally:
        _ORIGIN.reset(token)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    return str(value)[:MAX_TEXT]


def entry(action: str, principal: Principal, now: dt.datetime, **body: Any) -> dict[str, Any]:
    """The entry as indexed (before it is linked into its chain)."""
    tenants = sorted(principal.tenants)
    origin = _ORIGIN.get()
    doc: dict[str, Any] = {
        "action": action,
        "tenant": body.pop("tenant", None) or (tenants[0] if tenants else None),
        "owner": principal.login,
        "actor_name": principal.name,
        "principal_kind": principal.kind,
        "roles": sorted(principal.roles),
        "created_at": now.isoformat(),
        "day": now.astimezone(dt.UTC).date().isoformat(),
    }
    if principal.kind == "api_client":
        doc["key_name"] = principal.name
    if origin is not None:
        doc["via"] = origin.via
        if origin.ip:
            doc["ip"] = origin.ip[:64]
        if origin.user_agent:
            doc["user_agent"] = origin.user_agent[:200]
    for key in LIFTED:
        if body.get(key) is not None and body.get(key) != "":
            doc[key] = _scalar(body[key])
    if "query" in body:
        doc["query"] = str(body.pop("query") or "")[:MAX_TEXT]
    if "filters" in body:
        filters = body.pop("filters") or {}
        doc["filters"] = json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str)[:MAX_TEXT]
    doc["body"] = {k: v for k, v in body.items() if k not in LIFTED}
    return doc


def _log(ctx: AppContext) -> AuditLog:
    return AuditLog(ctx.store, ctx.audit_anchor_dir)


def record(ctx: AppContext, action: str, principal: Principal, *, wait: bool = False, **body: Any) -> None:
    doc = entry(action, principal, dt.datetime.now(dt.UTC), **body)
    if wait:
        try:
            _log(ctx).append([doc], refresh=True)
        except WriteFailed as exc:
            log.error("audit write failed (%s), kept for the next flush: %s", action, exc)
            _keep(ctx, exc)
        return
    if not ctx.audit_exit_hook:  # entries still queued when the process ends are written on the way out
        ctx.audit_exit_hook = True
        atexit.register(flush, ctx)
    ctx.audit_pending.append(doc)
    if len(ctx.audit_pending) == 1:  # the first of a batch arms the flush
        timer = threading.Timer(FLUSH_S, lambda: ctx.background(lambda: flush(ctx)))
        timer.daemon = True
        timer.start()


def flush(ctx: AppContext) -> None:
    """Write every queued entry (an earlier flush may have taken them all already)."""
    docs: list[dict[str, Any]] = []
    while ctx.audit_pending:
        try:
            docs.append(ctx.audit_pending.popleft())
        except IndexError:
            break
    linked, ctx.audit_linked = ctx.audit_linked, []
    if not docs and not linked:
        return
    auditlog = _log(ctx)
    try:
        if linked:
            auditlog.write_linked(linked)
            linked = []
        auditlog.append(docs)
    except WriteFailed as exc:
        log.error("audit write of %d entries failed, kept for the next flush: %s", len(docs) + len(linked), exc)
        if linked:  # write_linked failed: nothing of `docs` was tried
            ctx.audit_linked = linked + ctx.audit_linked
            ctx.audit_pending.extendleft(reversed(docs))
            _rearm(ctx)
        else:
            _keep(ctx, exc)


def _keep(ctx: AppContext, exc: WriteFailed) -> None:
    """Entries the index did not take stay queued (in order) for the next flush; never more than MAX_PENDING."""
    if isinstance(exc, AuditNotWritten):
        ctx.audit_linked = exc.linked + ctx.audit_linked
        ctx.audit_pending.extendleft(reversed([dict(d) for d in exc.unlinked]))
    while len(ctx.audit_pending) > MAX_PENDING:
        dropped = ctx.audit_pending.pop()
        log.error("audit queue full: entry dropped (%s of %s)", dropped.get("action"), dropped.get("owner"))
    _rearm(ctx)


def _rearm(ctx: AppContext) -> None:
    timer = threading.Timer(FLUSH_S * 5, lambda: ctx.background(lambda: flush(ctx)))
    timer.daemon = True
    timer.start()
