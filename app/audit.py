"""The audit trail: who did what, when, in which tenant (``<prefix>-audit``).

`record` appends an entry; reads and other non-changing actions are written in the background (they must not
slow the answer down) — queued and written in bulk at most `FLUSH_S` later, so a stream of calls costs one
request a second —, changes with `wait=True` at once (they are part of the data version).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
from typing import Any

from app.context import AppContext
from domain.errors import Unavailable
from domain.principal import AUDIT, Principal
from indexing.records import WriteFailed
from search.parse import hits_of
from search.repository import ReadFailed
from search.system import audit_body

log = logging.getLogger(__name__)

KIND = "audit"
FLUSH_S = 1.0


def entry(action: str, principal: Principal, now: dt.datetime, **body: Any) -> dict[str, Any]:
    tenants = sorted(principal.tenants)
    return {
        "action": action,
        "tenant": body.pop("tenant", None) or (tenants[0] if tenants else None),
        "owner": principal.login,
        "principal_kind": principal.kind,
        "created_at": now.isoformat(),
        **({"outcome": str(body["outcome"])} if body.get("outcome") else {}),  # searchable: failures per week
        "body": body,
    }


def record(ctx: AppContext, action: str, principal: Principal, *, wait: bool = False, **body: Any) -> None:
    doc = entry(action, principal, dt.datetime.now(dt.UTC), **body)
    if wait:
        try:
            ctx.store.put(KIND, None, doc, refresh=True)
        except WriteFailed as exc:
            log.error("audit write failed (%s): %s", action, exc)
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
    """Write every queued entry in one bulk request (an earlier flush may have taken them all already)."""
    docs: list[dict[str, Any]] = []
    while ctx.audit_pending:
        try:
            docs.append(ctx.audit_pending.popleft())
        except IndexError:
            break
    if not docs:
        return
    try:
        failed = [o for o in ctx.store.bulk(KIND, ({"_op_type": "index", "_source": d} for d in docs), refresh=False)
                  if not o.ok]  # fmt: skip
    except WriteFailed as exc:
        log.error("audit write of %d entries failed: %s", len(docs), exc)
        return
    for o in failed:
        log.error("audit entry not written: %s", o.error)


def trail(
    ctx: AppContext,
    principal: Principal,
    *,
    actions: list[str] | None = None,
    owner: str | None = None,
    size: int = 100,
) -> list[dict[str, Any]]:
    """Who did what, when — the entries of the principal's tenants, newest first (needs the audit capability)."""
    principal.require(AUDIT)
    body = audit_body(principal, actions=actions, owner=owner, size=size)
    try:
        return [h.get("_source") or {} for h in hits_of(ctx.repo.search_or_empty(KIND, body))]
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
