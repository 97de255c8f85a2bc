"""Legal holds on a document, a dossier or a saved view: set, lift, list, and which documents they cover.

Everything here needs the `retention` capability (roles compliance and admin, the CLI's operator). Holds are
records of the `holds` kind (never deleted: a lifted hold keeps who lifted it, when and why); which documents a
hold covers is decided when a disposal runs (`resolve_holds`), so a hold on a dossier also covers the documents
filed into it later, and a hold on a saved view covers what the view matches at that time. A hold that cannot
be resolved (its view was deleted or no longer compiles) blocks every disposal in its tenant.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from app import audit
from app.context import AppContext
from domain.errors import Conflict, Invalid, NotFound, Unavailable
from domain.principal import RETENTION, Principal
from indexing.records import WriteConflict, WriteFailed
from search import retention as R
from search.dossier import customer_body
from search.parse import hits_of
from search.repository import ReadFailed
from search.saved import tenants_body

log = logging.getLogger(__name__)

KIND = "holds"
TARGETS = ("document", "customer", "view")
MAX_REASON = 1000


def tenants_of(ctx: AppContext, principal: Principal, tenant: str | None = None) -> list[str]:
    """The tenants a retention use case covers: the principal's (the system's: every tenant holding documents),
    or the one asked for — another tenant is "not found"."""
    if principal.is_system:
        if tenant:
            return [tenant]
        try:
            resp = ctx.repo.search_or_empty("documents", tenants_body(principal))
        except ReadFailed as exc:
            raise Unavailable("error.unavailable") from exc
        buckets = ((resp.get("aggregations") or {}).get("t") or {}).get("buckets") or []
        return sorted(str(b["key"]) for b in buckets)
    if tenant:
        if tenant not in principal.tenants:
            raise NotFound("retention.error.tenant", tenant=tenant)
        return [tenant]
    return sorted(principal.tenants)


# ------------------------------------------------------------------------------------------------ holds


@dataclass(frozen=True)
class Hold:
    hold_id: str
    tenant: str
    target: str  # document | customer | view
    reason: str
    set_by: str
    set_at: str
    doc_id: str | None = None
    customer_id: str | None = None
    view_id: str | None = None
    label: str = ""  # the document's title, the customer's name, the view's name (when it was set)
    active: bool = True
    lifted_by: str | None = None
    lifted_at: str | None = None
    lift_reason: str | None = None

    @classmethod
    def from_hit(cls, hit: dict[str, Any]) -> Hold:
        s = hit.get("_source") or {}
        return cls(
            hold_id=str(hit["_id"]), tenant=str(s.get("tenant") or ""), target=str(s.get("target") or ""),
            reason=str(s.get("reason") or ""), set_by=str(s.get("owner") or ""), set_at=str(s.get("created_at") or ""),
            doc_id=s.get("doc_id"), customer_id=s.get("customer_id"), view_id=s.get("view_id"),
            label=str(s.get("label") or ""), active=bool(s.get("active")), lifted_by=s.get("lifted_by"),
            lifted_at=s.get("lifted_at"), lift_reason=s.get("lift_reason"),
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _reason(text: str | None) -> str:
    reason = " ".join(str(text or "").split())
    if not reason:
        raise Invalid("retention.error.reason")
    if len(reason) > MAX_REASON:
        raise Invalid("retention.error.reason_long", n=MAX_REASON)
    return reason


def _clean(value: str | None) -> str | None:
    return (str(value).strip() or None) if value else None


def _one_tenant(principal: Principal, tenant: str | None) -> str:
    if tenant:
        if not principal.is_system and tenant not in principal.tenants:
            raise NotFound("retention.error.tenant", tenant=tenant)
        return tenant
    if not principal.is_system and len(principal.tenants) == 1:
        return next(iter(principal.tenants))
    raise Invalid("retention.error.tenant_needed")


def _document(ctx: AppContext, principal: Principal, doc_id: str) -> dict[str, Any]:
    try:
        hits = hits_of(ctx.repo.search("documents", R.retention_doc_body(principal, doc_id)))
    except ReadFailed as exc:
        if exc.missing_index:
            raise NotFound("retention.error.document", doc_id=doc_id) from exc
        raise Unavailable("error.unavailable") from exc
    if not hits:
        raise NotFound("retention.error.document", doc_id=doc_id)
    return hits[0]


def set_hold(
    ctx: AppContext,
    principal: Principal,
    *,
    reason: str,
    doc_id: str | None = None,
    customer_id: str | None = None,
    view_id: str | None = None,
    tenant: str | None = None,
    now: dt.datetime | None = None,
) -> Hold:
    """Put a legal hold on a document, a customer's dossier or a saved view (with `customer_id`: a
    dossier-scoped view inside that dossier). Nothing it covers can be disposed of until it is lifted."""
    principal.require(RETENTION)
    reason = _reason(reason)
    doc_id, customer_id, view_id = _clean(doc_id), _clean(customer_id), _clean(view_id)
    if doc_id and (customer_id or view_id) or not (doc_id or customer_id or view_id):
        raise Invalid("retention.error.target")
    record: dict[str, Any] = {"kind": R.HOLD_KIND, "reason": reason, "active": True}
    if doc_id:
        src = _document(ctx, principal, doc_id).get("_source") or {}
        found = str(src.get("tenant") or "")
        if tenant and tenant != found:
            raise NotFound("retention.error.document", doc_id=doc_id)
        tenant = found
        label = str(src.get("title") or src.get("file_name") or doc_id)
        record.update(target="document", doc_id=doc_id)
    elif view_id:
        tenant, label = _check_view(ctx, principal, view_id, customer_id, tenant, now)
        record.update(target="view", view_id=view_id, customer_id=customer_id)
    else:
        assert customer_id is not None
        tenant = _one_tenant(principal, tenant)
        label = _customer_name(ctx, principal, customer_id, tenant)
        record.update(target="customer", customer_id=customer_id)
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat()
    hold_id = uuid.uuid4().hex[:20]
    record.update(tenant=tenant, owner=principal.login, owner_name=principal.name, created_at=stamp, label=label[:300])
    try:
        ctx.store.put(KIND, hold_id, record, create=True)
    except WriteFailed as exc:
        raise Unavailable("retention.error.write") from exc
    audit.record(ctx, "hold_set", principal, wait=True, tenant=tenant, doc_id=doc_id, customer_id=customer_id,
                 view_id=view_id, hold_id=hold_id, target=record["target"], reason=reason)  # fmt: skip
    return Hold.from_hit({"_id": hold_id, "_source": record})


def _customer_name(ctx: AppContext, principal: Principal, customer_id: str, tenant: str) -> str:
    try:
        hits = hits_of(ctx.repo.search_or_empty("customers", customer_body(principal, [customer_id], tenant=tenant)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not hits:
        raise NotFound("retention.error.customer", customer_id=customer_id)
    return str((hits[0].get("_source") or {}).get("name") or customer_id)


def _check_view(
    ctx: AppContext, principal: Principal, view_id: str, customer_id: str | None, tenant: str | None,
    now: dt.datetime | None,
) -> tuple[str, str]:  # fmt: skip
    from views import store as vstore
    from views.access import ViewError

    try:
        if principal.is_system:
            view = vstore.get_views_unchecked(ctx.repo, [view_id]).get(view_id)
        else:
            view = vstore.get_view(ctx.repo, view_id, principal)
    except ViewError as exc:
        raise NotFound("retention.error.view", view_id=view_id) from exc
    if view is None or (tenant and view.tenant != tenant):
        raise NotFound("retention.error.view", view_id=view_id)
    if view.scope == "dossier" and not customer_id:
        raise Invalid("retention.error.dossier_view", view_id=view_id)
    if customer_id:
        _customer_name(ctx, principal, customer_id, str(view.tenant))
    if _view_clause(ctx, view, customer_id, now or dt.datetime.now(dt.UTC)) is None:
        raise Invalid("retention.error.view_unresolved", view_id=view_id)
    return str(view.tenant), view.name


def lift_hold(
    ctx: AppContext, principal: Principal, hold_id: str, *, reason: str, now: dt.datetime | None = None
) -> Hold:
    """Lift a hold (the record stays, with who lifted it, when and why)."""
    principal.require(RETENTION)
    reason = _reason(reason)
    try:
        hits = hits_of(ctx.repo.search_or_empty(KIND, R.holds_body(principal, include_lifted=True, hold_ids=[hold_id])))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not hits:
        raise NotFound("retention.error.hold", hold_id=hold_id)
    hit = hits[0]
    if not (hit.get("_source") or {}).get("active"):
        raise Conflict("retention.error.lifted", hold_id=hold_id)
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat()
    change = {"active": False, "lifted_by": principal.login, "lifted_at": stamp, "lift_reason": reason}
    try:
        ctx.store.update(KIND, hit["_id"], change, concrete_index=hit.get("_index"),
                         if_seq_no=hit.get("_seq_no"), if_primary_term=hit.get("_primary_term"))  # fmt: skip
    except WriteConflict as exc:
        raise Conflict("retention.error.hold_changed", hold_id=hold_id) from exc
    except WriteFailed as exc:
        raise Unavailable("retention.error.write") from exc
    hold = Hold.from_hit({"_id": hit["_id"], "_source": {**(hit.get("_source") or {}), **change}})
    audit.record(ctx, "hold_lifted", principal, wait=True, tenant=hold.tenant, doc_id=hold.doc_id,
                 customer_id=hold.customer_id, view_id=hold.view_id, hold_id=hold.hold_id, target=hold.target,
                 reason=reason, hold_reason=hold.reason)  # fmt: skip
    return hold


def list_holds(
    ctx: AppContext, principal: Principal, *, tenant: str | None = None, include_lifted: bool = False
) -> list[Hold]:
    """The holds of the principal's tenants (active ones, or all with `include_lifted`), newest first."""
    principal.require(RETENTION)
    if tenant:
        tenants_of(ctx, principal, tenant)
    return _holds(ctx, principal, tenant=tenant, include_lifted=include_lifted)


def _holds(ctx: AppContext, principal: Principal, *, tenant: str | None, include_lifted: bool = False) -> list[Hold]:
    try:
        resp = ctx.repo.search_or_empty(KIND, R.holds_body(principal, tenant=tenant, include_lifted=include_lifted,
                                                           size=R.MAX_HITS))  # fmt: skip
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    return [Hold.from_hit(h) for h in hits_of(resp)]


# ------------------------------------------------------------------------------------------------ resolving holds


@dataclass(frozen=True)
class ResolvedHolds:
    """The active holds of one tenant as disposal conditions, and the ones that could not be resolved."""

    tenant: str
    holds: tuple[Hold, ...]
    exclusions: R.HoldExclusions
    unresolved: tuple[Hold, ...] = ()

    @property
    def fingerprint(self) -> tuple[str, ...]:
        return tuple(sorted(h.hold_id for h in self.holds))


def _view_clause(ctx: AppContext, view: Any, customer_id: str | None, now: dt.datetime) -> dict[str, Any] | None:
    """A saved view's match clause as its owner would see it, without the owner's group limits (a hold covers
    what the view means, not what one reader may see); None when it cannot be compiled."""
    from app.views import compile_for
    from views.access import ViewError

    owner = ctx.directory.get(view.owner) if view.owner else None
    viewer = Principal(login=str(view.owner or "hold"), tenants=frozenset({str(view.tenant)}), roles=frozenset({"admin"}),
                       department=owner.department if owner else None)  # fmt: skip
    try:
        compiled = compile_for(ctx, view, viewer, now, customer_id, size=0, facets=(), highlight=False)
        parsed, analysis = ctx.search.analyze(compiled.request)
        return R.view_hold_clause(compiled.request, viewer, parsed, analysis)
    except (ViewError, ValueError, ReadFailed) as exc:
        log.warning("hold on view %s cannot be resolved: %s", getattr(view, "id", "?"), exc)
        return None


def resolve_holds(ctx: AppContext, tenant: str, now: dt.datetime) -> ResolvedHolds:
    """Every active hold of `tenant` (read as the system: whoever runs a disposal, all holds count)."""
    from views import store as vstore

    holds = _holds(ctx, Principal.system(), tenant=tenant)
    doc_ids: set[str] = set()
    customers: set[tuple[str, str]] = set()
    clauses: list[dict[str, Any]] = []
    unresolved: list[Hold] = []
    views = vstore.get_views_unchecked(ctx.repo, sorted({h.view_id for h in holds if h.view_id}))
    for h in holds:
        if h.target == "document" and h.doc_id:
            doc_ids.add(h.doc_id)
        elif h.target == "customer" and h.customer_id:
            customers.add((h.tenant, h.customer_id))
        elif h.target == "view" and h.view_id and h.view_id in views:
            clause = _view_clause(ctx, views[h.view_id], h.customer_id, now)
            if clause is None:
                unresolved.append(h)
            else:
                clauses.append({"bool": {"filter": [{"term": {"tenant": h.tenant}}, clause]}})
        else:
            unresolved.append(h)  # a deleted view, a malformed record: block rather than guess
    return ResolvedHolds(tenant, tuple(holds), R.HoldExclusions(frozenset(doc_ids), frozenset(customers),
                                                                 tuple(clauses)), tuple(unresolved))  # fmt: skip


def held_ids(ctx: AppContext, resolved: ResolvedHolds, docs: list[dict[str, Any]]) -> dict[str, str]:
    """Which of these document sources a hold covers: {doc_id: "document" | "customer" | "view"} (the re-check,
    document by document, independent of the query that selected them)."""
    out: dict[str, str] = {}
    ex = resolved.exclusions
    for src in docs:
        doc_id = str(src.get("doc_id") or "")
        if doc_id in ex.doc_ids:
            out[doc_id] = "document"
        elif any((str(src.get("tenant") or ""), str(c)) in ex.customers for c in src.get("customer_ids") or []):
            out[doc_id] = "customer"
    rest = [str(s.get("doc_id")) for s in docs if str(s.get("doc_id")) not in out]
    if ex.view_clauses and rest:
        system = Principal.system()
        for i in range(0, len(rest), 1000):
            chunk = rest[i : i + 1000]
            try:
                hits = hits_of(ctx.repo.search("documents", R.held_among_body(system, chunk, ex.view_clauses)))
            except ReadFailed as exc:
                raise Unavailable("error.unavailable") from exc
            out.update({str(h["_id"]): "view" for h in hits})
    return out
