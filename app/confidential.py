"""Confidential documents: restrict a document (all its versions) to named users and groups of its tenant.

A confidential document is read only by the users and groups named on it — the register's groups no longer
count, nor does being admin or holding a dossier grant (a grant on that one document still opens it). Whoever
marks it must be able to read it and is always named, so nobody locks themselves out; new versions of the
document keep the marking (`indexing.pipeline`). Marking, changing and lifting are audited; the `grant`
capability is needed (managers, admins).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app import audit
from app.access import refused
from app.context import AppContext
from domain.errors import Invalid, NotFound, Unavailable
from domain.principal import GRANT, Principal, as_set
from indexing.records import WriteConflict, WriteFailed
from search import grants as G
from search.parse import hits_of
from search.repository import ReadFailed

MAX_NAMES = 50


@dataclass(frozen=True)
class Confidentiality:
    doc_id: str
    confidential: bool
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    by: str | None = None
    at: str | None = None

    @classmethod
    def of(cls, doc_id: str, src: dict[str, Any]) -> Confidentiality:
        return cls(doc_id, bool(src.get("confidential")), tuple(sorted(src.get("confidential_users") or ())),
                   tuple(sorted(src.get("confidential_groups") or ())), src.get("confidential_by"),
                   src.get("confidential_at"))  # fmt: skip


def _document(ctx: AppContext, principal: Principal, doc_id: str) -> dict[str, Any]:
    try:
        hits = hits_of(ctx.repo.search_or_empty("documents", G.document_access_body(principal, doc_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not hits:
        refused(ctx, principal, "document", doc_id=doc_id)
        raise NotFound("notfound.document", doc_id=doc_id)
    return hits[0].get("_source") or {}


def of_document(ctx: AppContext, principal: Principal, doc_id: str) -> Confidentiality:
    return Confidentiality.of(doc_id, _document(ctx, principal, doc_id))


def mark(
    ctx: AppContext,
    principal: Principal,
    doc_id: str,
    *,
    users: Iterable[str] = (),
    groups: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> Confidentiality:
    """Make a document confidential for these users and groups (and the one who marks it), or change who."""
    principal.require(GRANT)
    src = _document(ctx, principal, doc_id)
    tenant = str(src.get("tenant") or "")
    logins = sorted({u.lower() for u in as_set(users)} | {principal.login})
    names = sorted(as_set(groups))
    if len(logins) + len(names) > MAX_NAMES:
        raise Invalid("confidential.error.too_many", n=MAX_NAMES)
    for login in logins:
        user = ctx.directory.get(login) if login != principal.login else principal
        if user is None or tenant not in user.tenants:  # another tenant's user: unknown here
            refused(ctx, principal, "grantee", grantee=login, tenant=tenant)
            raise NotFound("grants.error.grantee", grantee=login)
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat()
    change = {"confidential": True, "confidential_users": logins, "confidential_groups": names,
              "confidential_by": principal.login, "confidential_at": stamp}  # fmt: skip
    _apply(ctx, principal, tenant, str(src.get("family_id") or doc_id), change)
    audit.record(ctx, "confidential_set", principal, wait=True, tenant=tenant, doc_id=doc_id,
                 users=logins, groups=names)  # fmt: skip
    return Confidentiality.of(doc_id, change)


def lift(ctx: AppContext, principal: Principal, doc_id: str) -> Confidentiality:
    """Make a confidential document follow its register's row again (only someone named on it can)."""
    principal.require(GRANT)
    src = _document(ctx, principal, doc_id)
    if not src.get("confidential"):
        return Confidentiality.of(doc_id, src)
    tenant = str(src.get("tenant") or "")
    change: dict[str, Any] = {"confidential": False, "confidential_users": [], "confidential_groups": [],
                              "confidential_by": principal.login, "confidential_at": dt.datetime.now(dt.UTC).isoformat()}  # fmt: skip
    _apply(ctx, principal, tenant, str(src.get("family_id") or doc_id), change)
    audit.record(ctx, "confidential_lifted", principal, wait=True, tenant=tenant, doc_id=doc_id)
    return Confidentiality.of(doc_id, change)


def _apply(ctx: AppContext, principal: Principal, tenant: str, family_id: str, change: dict[str, Any]) -> None:
    """The same change on every version of the family, each with its concurrency token."""
    try:
        hits = hits_of(ctx.repo.search("documents", G.family_versions_body(principal, tenant, family_id)))
        for h in hits:
            ctx.store.update("documents", h["_id"], change, concrete_index=h.get("_index"),
                             if_seq_no=h.get("_seq_no"), if_primary_term=h.get("_primary_term"))  # fmt: skip
        ctx.store.refresh("documents")
    except (ReadFailed, WriteConflict, WriteFailed) as exc:
        raise Unavailable("confidential.error.write") from exc
    ctx.invalidate()
