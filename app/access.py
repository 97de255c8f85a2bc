"""The permission table in use (`domain.access`), refusals as "not found", and what a principal may file.

The table is validated when the application context is created (a malformed file stops every front door with
its line number) and re-read when the file changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app import audit
from app.context import AppContext
from domain.access import AccessPolicy, access_fields
from domain.principal import MASTER_DATA, Principal
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


# ------------------------------------------------------------------------------------------------ the table applied


@dataclass
class Drift:
    """(tenant, register) pairs whose documents differ from the table, and what `apply_table` changed."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    checked: int = 0
    rewritten: int = 0

    @property
    def ok(self) -> bool:
        return not self.pairs


def _expected(pol: AccessPolicy, tenant: str, register: str) -> dict[str, list[str]]:
    return access_fields(pol, tenant, register)


def drift(ctx: AppContext, principal: Principal) -> Drift:
    """Which (tenant, register) documents carry other read/export groups than the table says (one request).
    Documents in the review queue are checked against the register the pipeline suggested, by `apply_table`
    only (their row is their suggested register's)."""
    from search.access import drift_body

    principal.require(MASTER_DATA)
    pol = policy(ctx)
    resp = ctx.repo.search_or_empty("documents", drift_body(principal))
    out = Drift()
    for t in ((resp.get("aggregations") or {}).get("t") or {}).get("buckets") or []:
        for r in (t.get("r") or {}).get("buckets") or []:
            tenant, register, total = str(t["key"]), str(r["key"]), int(r["doc_count"])
            out.checked += total
            if register == "review":
                continue
            want = _expected(pol, tenant, register)
            for agg, fld in (("acl", "acl_groups"), ("export", "export_groups")):
                have = {str(b["key"]): int(b["doc_count"]) for b in (r.get(agg) or {}).get("buckets") or []}
                if set(have) != set(want[fld]) or any(n != total for n in have.values()):
                    out.pairs.append((tenant, register))
                    break
    return out


def apply_table(ctx: AppContext, principal: Principal) -> Drift:
    """Rewrite the read/export groups of every document that differs from the table (audited)."""
    from search.access import rows_body

    found = drift(ctx, principal)
    pol = policy(ctx)
    review = [(t, "review") for t in {t for t, _ in found.pairs} | _tenants_with_review(ctx, principal)]
    for tenant, register in [*found.pairs, *review]:
        for hit in ctx.repo.scan("documents", rows_body(principal, tenant, register)):
            src = hit.get("_source") or {}
            row = register if register != "review" else str((src.get("filing") or {}).get("suggested_register") or "")
            want = _expected(pol, tenant, row or "review")
            if sorted(src.get("acl_groups") or []) == want["acl_groups"] and sorted(
                    src.get("export_groups") or []) == want["export_groups"]:  # fmt: skip
                continue
            ctx.store.update("documents", hit["_id"], want, concrete_index=hit.get("_index"))
            found.rewritten += 1
    ctx.store.refresh("documents")
    audit.record(ctx, "permissions_applied", principal, wait=True, rows=found.rewritten,
                 pairs=[f"{t}/{r}" for t, r in found.pairs])  # fmt: skip
    ctx.invalidate()
    return found


def _tenants_with_review(ctx: AppContext, principal: Principal) -> set[str]:
    from search.saved import tenants_body

    resp = ctx.repo.search_or_empty("documents", {**tenants_body(principal), "query": {"bool": {"filter": [
        tenants_body(principal)["query"], {"term": {"register": "review"}}]}}})  # fmt: skip
    return {str(b["key"]) for b in ((resp.get("aggregations") or {}).get("t") or {}).get("buckets") or []}
