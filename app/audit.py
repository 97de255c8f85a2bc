"""The audit trail: who did what, when, in which tenant (``<prefix>-audit``).

`record` appends an entry; reads and other non-changing actions are written in the background (they must not
slow the answer down), changes with `wait=True` (they are part of the data version).
"""

from __future__ import annotations

import datetime as dt
import logging
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


def entry(action: str, principal: Principal, now: dt.datetime, **body: Any) -> dict[str, Any]:
    tenants = sorted(principal.tenants)
    return {
        "action": action,
        "tenant": body.pop("tenant", None) or (tenants[0] if tenants else None),
        "owner": principal.login,
        "principal_kind": principal.kind,
        "created_at": now.isoformat(),
        "body": body,
    }


def record(ctx: AppContext, action: str, principal: Principal, *, wait: bool = False, **body: Any) -> None:
    doc = entry(action, principal, dt.datetime.now(dt.UTC), **body)

    def write() -> None:
        try:
            ctx.store.put(KIND, None, doc, refresh=wait)
        except WriteFailed as exc:
            log.error("audit write failed (%s): %s", action, exc)

    if wait:
        write()
    else:
        ctx.background(write)


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
