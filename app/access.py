"""The permission table in use (`domain.access`), refusals as "not found", and what a principal may file.

The table is validated when the application context is created (a malformed file stops every front door with
its line number) and re-read when the file changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from app import audit
from app.context import AppContext
from domain.access import AccessPolicy
from domain.principal import Principal
from indexing.access_policy import configured_policy
from indexing.schema import REGISTERS


def policy(ctx: AppContext | None = None) -> AccessPolicy:
    """The table of this context (validated at its start), re-read when the configured file changes."""
    if ctx is not None and ctx.access is not None and ctx.access_file is None:
        return ctx.access  # type: ignore[no-any-return]  # given explicitly (tests, benchmarks)
    return configured_policy(ctx.access_file if ctx is not None else None)


def fileable_registers(ctx: AppContext, principal: Principal, tenant: str,
                       registers: Iterable[str] = REGISTERS) -> list[str]:  # fmt: skip
    """The registers (not the review queue) this principal may file documents of `tenant` into."""
    return policy(ctx).fileable(principal, tenant, [r for r in registers if r != "review"])


def refused(ctx: AppContext, principal: Principal, what: str, **ids: str | None) -> None:
    """Audit a refusal the user sees as "not found" (`what`: document, dossier, original, grant, file …)."""
    details: dict[str, str] = {k: v for k, v in ids.items() if v}
    audit.record(ctx, "access_refused", principal, target=what, **details)  # type: ignore[arg-type]


def refused_document(ctx: AppContext, principal: Principal, doc_id: str) -> None:
    """A document the principal asked for and may not read: audited when it exists (in the document's tenant),
    so compliance sees the attempt; the principal sees "not found" either way."""
    from search.parse import hits_of
    from search.repository import ReadFailed
    from search.saved import documents_by_id_body

    try:
        hits = hits_of(ctx.repo.search_or_empty("documents", documents_by_id_body(Principal.system(), [doc_id],
                                                                                  ["tenant"])))  # fmt: skip
    except ReadFailed:
        hits = []
    if hits:
        refused(ctx, principal, "document", doc_id=doc_id, tenant=str((hits[0].get("_source") or {}).get("tenant")))


def refused_customer(ctx: AppContext, principal: Principal, customer_id: str) -> None:
    """A dossier the principal asked for and may not see: audited (in each tenant that has that customer)."""
    from search.dossier import customer_body
    from search.parse import hits_of
    from search.repository import ReadFailed

    try:
        hits = hits_of(ctx.repo.search_or_empty("customers", customer_body(Principal.system(), [customer_id], size=5)))
    except ReadFailed:
        hits = []
    for h in hits:
        refused(ctx, principal, "dossier", customer_id=customer_id, tenant=str((h.get("_source") or {}).get("tenant")))
