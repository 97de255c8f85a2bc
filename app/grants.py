"""Temporary grants: a manager gives a user or a group read access to a dossier or one document until a date.

A grant is a record of the `grants` kind (never deleted: a revoked grant keeps who revoked it, when and why).
It opens, read only and inside its tenant, a dossier's non-confidential documents (and the customer's master
data) or one document in all its versions — confidential ones included, since whoever grants it can read it.
It is in force while it is not revoked and ``valid_from ≤ now < until``.

Every principal a front door builds gets its grants attached (`attach`, through the user directory and the API
key check); the holder's grants are looked up at most every `LOOKUP_TTL_S` seconds per process and filtered by
the request's time, so an expired grant closes at once and a revoked one within `LOOKUP_TTL_S` everywhere
(at once in the process that revoked it). The grants are part of the principal's scope key, so no cached
answer outlives them. Giving, revoking and refusing are audited; a refusal looks like "not found".
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from app import audit
from app.access import refused
from app.context import AppContext
from domain.errors import Conflict, Invalid, NotFound, Unavailable
from domain.principal import GRANT, GrantScope, Principal
from indexing.records import WriteConflict, WriteFailed
from search import grants as G
from search.dossier import customer_body
from search.parse import hits_of
from search.repository import ReadFailed

log = logging.getLogger(__name__)

KIND = "grants"
LOOKUP_TTL_S = 30.0
MAX_DAYS = 366  # a temporary grant, not a permanent role: at most a year
MAX_REASON = 1000
GranteeKind = Literal["user", "group"]


@dataclass(frozen=True)
class Grant:
    grant_id: str
    tenant: str
    grantee_kind: str
    grantee: str
    target: str  # dossier | document
    reason: str
    valid_from: str
    until: str
    granted_by: str
    created_at: str
    customer_id: str | None = None
    doc_id: str | None = None
    family_id: str | None = None
    label: str = ""
    active: bool = True  # False once revoked
    revoked_by: str | None = None
    revoked_at: str | None = None
    revoke_reason: str | None = None

    @classmethod
    def from_hit(cls, hit: dict[str, Any]) -> Grant:
        s = hit.get("_source") or {}
        return cls(
            grant_id=str(hit["_id"]), tenant=str(s.get("tenant") or ""), grantee_kind=str(s.get("grantee_kind") or ""),
            grantee=str(s.get("grantee") or ""), target=str(s.get("target") or ""), reason=str(s.get("reason") or ""),
            valid_from=str(s.get("valid_from") or ""), until=str(s.get("until") or ""),
            granted_by=str(s.get("owner") or ""), created_at=str(s.get("created_at") or ""),
            customer_id=s.get("customer_id"), doc_id=s.get("doc_id"), family_id=s.get("family_id"),
            label=str(s.get("label") or ""), active=bool(s.get("active")), revoked_by=s.get("revoked_by"),
            revoked_at=s.get("revoked_at"), revoke_reason=s.get("revoke_reason"),
        )  # fmt: skip

    def state(self, now: dt.datetime) -> str:
        """active | revoked | expired | pending (starts later)."""
        if not self.active:
            return "revoked"
        if _parse(self.until) <= now:
            return "expired"
        if _parse(self.valid_from) > now:
            return "pending"
        return "active"


def _parse(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


# ------------------------------------------------------------------------------------------------ holders


def attach(ctx: AppContext, principal: Principal, now: dt.datetime | None = None) -> Principal:
    """The principal with the grants in force for it now (users and API clients; the system needs none)."""
    if principal.is_system or not principal.active or not principal.tenants:
        return principal
    moment = _now(now)
    held: Held = ctx.memo("grants:" + principal.holder_key, LOOKUP_TTL_S, lambda: _lookup(ctx, principal, moment))
    scopes = held.at(moment.isoformat(), principal.tenants)
    if not scopes:
        return principal.with_(grants=()) if principal.grants else principal
    return principal.with_(grants=scopes)


class Held:
    """One holder's unrevoked, unended grants as looked up, and the scopes in force at a time — computed once
    per interval between two grant boundaries (a start or an end), so a request costs a comparison."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.bounds = sorted({r["valid_from"] for r in records} | {r["until"] for r in records})
        # (from, to, tenants, scopes): replaced as one tuple, so concurrent requests never see a torn pair
        self._cached: tuple[str, str, frozenset[str], tuple[GrantScope, ...]] | None = None

    def __bool__(self) -> bool:  # the memo keeps a holder without grants too
        return True

    def at(self, stamp: str, tenants: frozenset[str]) -> tuple[GrantScope, ...]:
        w = self._cached
        if w is not None and w[0] <= stamp < w[1] and w[2] == tenants:
            return w[3]
        lo = max((b for b in self.bounds if b <= stamp), default="")
        hi = min((b for b in self.bounds if b > stamp), default="\uffff")
        scopes = {GrantScope(r["tenant"], r["target"], r["key"], r["until"], r["id"], r["via"])  # type: ignore[arg-type]
                  for r in self.records if r["valid_from"] <= stamp < r["until"] and r["tenant"] in tenants}  # fmt: skip
        found = tuple(sorted(scopes))
        self._cached = (lo, hi, tenants, found)
        return found


def _lookup(ctx: AppContext, principal: Principal, moment: dt.datetime) -> Held:  # noqa: C901
    body = G.holder_grants_body(principal, principal.login, principal.groups, moment.isoformat())
    try:
        hits = hits_of(ctx.repo.search_or_empty(KIND, body))
    except ReadFailed as exc:  # no grants is the safe side: access by the table only
        log.warning("grants of %s unavailable (%s): none applied", principal.login, exc)
        return Held([])
    out: list[dict[str, Any]] = []
    for h in hits:
        s = h.get("_source") or {}
        key = s.get("customer_id") if s.get("target") == "dossier" else s.get("family_id")
        if not key or s.get("target") not in ("dossier", "document"):
            continue
        via = tuple(sorted(str(v) for v in s.get("via") or ()))  # none recorded: the grant opens no register
        out.append({"id": str(h["_id"]), "tenant": str(s.get("tenant")), "target": str(s["target"]), "key": str(key),
                    "via": via,  # type: ignore[dict-item]
                    "valid_from": _parse(str(s.get("valid_from") or s.get("created_at") or "")).isoformat(),
                    "until": _parse(s["until"]).isoformat()})  # fmt: skip
    return Held(out)


def forget_cached(ctx: AppContext) -> None:
    """Drop this process's looked-up grants (after giving or revoking one)."""
    with ctx._memo_lock:
        for key in [k for k in ctx._memo if k.startswith("grants:")]:
            ctx._memo.pop(key, None)


# ------------------------------------------------------------------------------------------------ give


def _reason(text: str | None) -> str:
    reason = " ".join(str(text or "").split())
    if not reason:
        raise Invalid("grants.error.reason")
    if len(reason) > MAX_REASON:
        raise Invalid("grants.error.reason_long", n=MAX_REASON)
    return reason


def _window(valid_from: dt.datetime | None, until: dt.datetime | dt.date | None, now: dt.datetime) -> tuple[str, str]:
    if until is None:
        raise Invalid("grants.error.until")
    if isinstance(until, dt.date) and not isinstance(until, dt.datetime):  # a date: to the end of that day (UTC)
        until = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    end = until if until.tzinfo else until.replace(tzinfo=dt.UTC)
    start = (valid_from if valid_from.tzinfo else valid_from.replace(tzinfo=dt.UTC)) if valid_from else now
    if end <= now:
        raise Invalid("grants.error.past")
    if end <= start:
        raise Invalid("grants.error.order")
    if end - now > dt.timedelta(days=MAX_DAYS):
        raise Invalid("grants.error.too_long", days=MAX_DAYS)
    return start.astimezone(dt.UTC).isoformat(), end.astimezone(dt.UTC).isoformat()


def _grantee(ctx: AppContext, principal: Principal, kind: str, grantee: str, tenant: str) -> str:
    name = str(grantee or "").strip()
    if kind == "user":
        name = name.lower()
        user = ctx.directory.get(name) if name else None
        if user is None or not user.active or tenant not in user.tenants:  # another tenant's user: unknown here
            refused(ctx, principal, "grantee", grantee=name, tenant=tenant)
            raise NotFound("grants.error.grantee", grantee=name)
        return name
    if kind == "group":
        if not name or len(name) > 100:
            raise Invalid("grants.error.group")
        return name
    raise Invalid("grants.error.grantee_kind")


def give(
    ctx: AppContext,
    principal: Principal,
    *,
    grantee_kind: str,
    grantee: str,
    until: dt.datetime | dt.date | None,
    reason: str,
    customer_id: str | None = None,
    doc_id: str | None = None,
    tenant: str | None = None,
    valid_from: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Grant:
    """Give `grantee` read access to a dossier (`customer_id`) or a document (`doc_id`) the giver can read."""
    principal.require(GRANT)
    moment = _now(now)
    reason = _reason(reason)
    start, end = _window(valid_from, until, moment)
    customer_id, doc_id = (customer_id or "").strip() or None, (doc_id or "").strip() or None
    if bool(customer_id) == bool(doc_id):
        raise Invalid("grants.error.target")
    record: dict[str, Any] = {"kind": G.GRANT_KIND, "reason": reason, "active": True, "valid_from": start, "until": end,
                              "via": ["*"] if principal.is_admin or principal.is_system else sorted(principal.groups)}  # fmt: skip
    if doc_id:
        src = _document(ctx, principal, doc_id, tenant)
        tenant = str(src.get("tenant") or "")
        label = str(src.get("title") or src.get("file_name") or doc_id)
        record.update(target="document", doc_id=doc_id, family_id=str(src.get("family_id") or doc_id))
    else:
        assert customer_id is not None
        tenant, label = _dossier(ctx, principal, customer_id, tenant)
        record.update(target="dossier", customer_id=customer_id)
    who = _grantee(ctx, principal, grantee_kind, grantee, tenant)
    grant_id = uuid.uuid4().hex[:20]
    record.update(tenant=tenant, grantee_kind=grantee_kind, grantee=who, owner=principal.login,
                  owner_name=principal.name, created_at=moment.isoformat(), label=label[:300])  # fmt: skip
    try:
        ctx.store.put(KIND, grant_id, record, create=True)
    except WriteFailed as exc:
        raise Unavailable("grants.error.write") from exc
    audit.record(ctx, "grant_given", principal, wait=True, tenant=tenant, doc_id=doc_id, customer_id=customer_id,
                 grant_id=grant_id, target=record["target"], grantee=f"{grantee_kind}:{who}", until=end,
                 valid_from=start, reason=reason)  # fmt: skip
    forget_cached(ctx)
    ctx.invalidate()
    return Grant.from_hit({"_id": grant_id, "_source": record})


def _document(ctx: AppContext, principal: Principal, doc_id: str, tenant: str | None) -> dict[str, Any]:
    try:
        hits = hits_of(ctx.repo.search_or_empty("documents", G.document_access_body(principal, doc_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    src = (hits[0].get("_source") or {}) if hits else {}
    if not hits or (tenant and src.get("tenant") != tenant):
        refused(ctx, principal, "document", doc_id=doc_id)
        raise NotFound("grants.error.document", doc_id=doc_id)
    return src


def _dossier(ctx: AppContext, principal: Principal, customer_id: str, tenant: str | None) -> tuple[str, str]:
    try:
        hits = hits_of(ctx.repo.search_or_empty("customers", customer_body(principal, [customer_id], size=5,
                                                                          tenant=tenant)))  # fmt: skip
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if len(hits) != 1:  # unknown, or (an admin of several tenants) ambiguous without the tenant
        if hits:
            raise Invalid("grants.error.tenant_needed")
        refused(ctx, principal, "dossier", customer_id=customer_id)
        raise NotFound("grants.error.customer", customer_id=customer_id)
    src = hits[0].get("_source") or {}
    return str(src.get("tenant") or ""), str(src.get("name") or customer_id)


# ------------------------------------------------------------------------------------------------ revoke, list


def revoke(
    ctx: AppContext, principal: Principal, grant_id: str, *, reason: str = "", now: dt.datetime | None = None
) -> Grant:
    """End a grant now (the record stays, with who revoked it, when and why)."""
    principal.require(GRANT)
    moment = _now(now)
    try:
        hits = hits_of(ctx.repo.search_or_empty(KIND, G.grants_body(principal, grant_ids=[grant_id])))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not hits:
        refused(ctx, principal, "grant", grant_id=grant_id)
        raise NotFound("grants.error.grant", grant_id=grant_id)
    hit = hits[0]
    if not (hit.get("_source") or {}).get("active"):
        raise Conflict("grants.error.revoked", grant_id=grant_id)
    change = {"active": False, "revoked_by": principal.login, "revoked_at": moment.isoformat(),
              "revoke_reason": " ".join(str(reason or "").split())[:MAX_REASON] or None}  # fmt: skip
    try:
        ctx.store.update(KIND, hit["_id"], change, concrete_index=hit.get("_index"),
                         if_seq_no=hit.get("_seq_no"), if_primary_term=hit.get("_primary_term"))  # fmt: skip
    except WriteConflict as exc:
        raise Conflict("grants.error.changed", grant_id=grant_id) from exc
    except WriteFailed as exc:
        raise Unavailable("grants.error.write") from exc
    src = {**(hit.get("_source") or {}), **change}
    audit.record(ctx, "grant_revoked", principal, wait=True, tenant=src.get("tenant"), grant_id=grant_id,
                 doc_id=src.get("doc_id"), customer_id=src.get("customer_id"), target=src.get("target"),
                 grantee=f"{src.get('grantee_kind')}:{src.get('grantee')}", reason=change["revoke_reason"])  # fmt: skip
    forget_cached(ctx)
    ctx.invalidate()
    return Grant.from_hit({"_id": hit["_id"], "_source": src})


def on_dossier(ctx: AppContext, principal: Principal, customer_id: str, tenant: str | None = None) -> list[Grant]:
    """The grants on a dossier the principal can see (every state, newest first); an unknown dossier (or one
    of another tenant) is not found."""
    tenant, _ = _dossier(ctx, principal, customer_id, tenant)
    return _listed(ctx, principal, G.grants_body(principal, customer_id=customer_id, tenant=tenant))


def on_document(ctx: AppContext, principal: Principal, family_id: str, tenant: str | None = None) -> list[Grant]:
    """The grants on a document (all its versions); not found unless the principal may read a version of it."""
    try:
        readable = hits_of(ctx.repo.search_or_empty("documents", G.family_versions_body(principal, tenant, family_id)))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if not readable:
        refused(ctx, principal, "grant", family_id=family_id)
        raise NotFound("grants.error.document", doc_id=family_id)
    return _listed(ctx, principal, G.grants_body(principal, family_ids=[family_id], tenant=tenant))


def on_document_id(ctx: AppContext, principal: Principal, doc_id: str) -> list[Grant]:
    """The grants on the document `doc_id` (all its versions); not found unless the principal may read it."""
    src = _document(ctx, principal, doc_id, None)
    return on_document(ctx, principal, str(src.get("family_id") or doc_id), str(src.get("tenant") or "") or None)


def _listed(ctx: AppContext, principal: Principal, body: dict[str, Any]) -> list[Grant]:
    try:
        return [Grant.from_hit(h) for h in hits_of(ctx.repo.search_or_empty(KIND, body))]
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
