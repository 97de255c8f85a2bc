"""API keys of the integrations (ERP, CRM, …): created and revoked by administrators (CLI), presented by the
integration on every call.

A key is ``dck_<key id>_<secret>``: 32 random bytes of secret, stored only as its SHA-256 (a random secret of that
length needs no slow hash; the comparison is constant-time). Each key is scoped to one tenant, a set of groups
and a set of capabilities, may expire, and authenticates as a `Principal` of kind ``api_client`` whose login is
``api:<name>`` — the name every audit entry of its calls carries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from app import audit
from app.context import AppContext
from domain.errors import Invalid, Unauthorized
from domain.principal import CAPABILITIES, SEARCH, Principal, as_set
from indexing.records import WriteFailed
from search import saved
from search.parse import hits_of
from search.repository import ReadFailed

KIND = "api_keys"
KEY_TTL_S = 10.0  # a key record is reused this long per process: a revocation takes effect within it
PREFIX = "dck"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$")
TOKEN_RE = re.compile(r"^dck_([a-f0-9]{16})_([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    tenant: str
    groups: frozenset[str]
    capabilities: frozenset[str]
    created_at: str
    created_by: str
    expires_at: str | None = None
    revoked_at: str | None = None

    @property
    def login(self) -> str:
        return f"api:{self.name}"

    def active(self, now: dt.datetime) -> bool:
        if self.revoked_at:
            return False
        return not (self.expires_at and dt.datetime.fromisoformat(self.expires_at) <= now)

    def principal(self) -> Principal:
        return Principal(
            login=self.login,
            kind="api_client",
            name=self.name,
            tenants=frozenset({self.tenant}),
            groups=self.groups,
            capabilities=self.capabilities,
            extra={"key_id": self.key_id},
        )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _from_hit(hit: dict[str, Any]) -> ApiKey:
    s = hit["_source"]
    return ApiKey(
        key_id=hit["_id"],
        name=str(s.get("name") or ""),
        tenant=str(s.get("tenant") or ""),
        groups=as_set(s.get("groups")),
        capabilities=as_set(s.get("capabilities")),
        created_at=str(s.get("created_at") or ""),
        created_by=str(s.get("owner") or ""),
        expires_at=s.get("expires_at"),
        revoked_at=s.get("revoked_at"),
    )


def create_key(
    ctx: AppContext,
    admin: Principal,
    *,
    name: str,
    tenant: str,
    groups: set[str] | frozenset[str],
    capabilities: set[str] | frozenset[str] = frozenset({SEARCH}),
    expires: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key (record, token). The token is shown once and never stored."""
    now = now or dt.datetime.now(dt.UTC)
    if not admin.is_admin and not admin.is_system:
        raise Invalid("apikey.error.admin")
    if not NAME_RE.match(name or ""):
        raise Invalid("apikey.error.name", name=name)
    if not admin.is_system and tenant not in admin.tenants:
        raise Invalid("apikey.error.tenant", tenant=tenant)
    unknown = set(capabilities) - set(CAPABILITIES)
    if unknown or not capabilities:
        raise Invalid("apikey.error.capabilities", capabilities=", ".join(sorted(unknown)) or "-")
    if not groups:
        raise Invalid("apikey.error.groups")
    if expires is not None and expires <= now:
        raise Invalid("apikey.error.expires", expires=expires.isoformat())
    if any(k.name == name and k.tenant == tenant and k.active(now) for k in list_keys(ctx, admin)):
        raise Invalid("apikey.error.exists", name=name)
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    doc = {
        "kind": "api_key",
        "name": name,
        "tenant": tenant,
        "groups": sorted(groups),
        "capabilities": sorted(capabilities),
        "secret_sha256": _hash(secret),
        "owner": admin.login,
        "created_at": now.isoformat(),
        "expires_at": expires.isoformat() if expires else None,
        "revoked_at": None,
    }
    ctx.store.put(KIND, key_id, doc, create=True)
    audit.record(ctx, "api_key_created", admin, wait=True, tenant=tenant, key_id=key_id, name=name,
                 capabilities=sorted(capabilities), groups=sorted(groups))  # fmt: skip
    return _from_hit({"_id": key_id, "_source": doc}), f"{PREFIX}_{key_id}_{secret}"


def list_keys(ctx: AppContext, admin: Principal) -> list[ApiKey]:
    return [_from_hit(h) for h in hits_of(ctx.repo.search_or_empty(KIND, saved.api_keys_body(admin)))]


def revoke_key(ctx: AppContext, admin: Principal, key_id: str, now: dt.datetime | None = None) -> ApiKey:
    now = now or dt.datetime.now(dt.UTC)
    found = [k for k in list_keys(ctx, admin) if k.key_id == key_id]
    if not found:
        raise Invalid("apikey.error.unknown", key_id=key_id)
    ctx.store.update(KIND, key_id, {"revoked_at": now.isoformat()})
    ctx.forget(f"api_key:{key_id}")  # this process at once; others within KEY_TTL_S
    audit.record(ctx, "api_key_revoked", admin, wait=True, tenant=found[0].tenant, key_id=key_id, name=found[0].name)
    return found[0]


def authenticate(ctx: AppContext, token: str, now: dt.datetime | None = None) -> Principal:
    """The principal of a presented key; Unauthorized (one message for every kind of bad key) otherwise."""
    m = TOKEN_RE.match((token or "").strip())
    if not m:
        raise Unauthorized("api.error.key")
    key_id, secret = m.groups()

    def lookup() -> tuple[str, ApiKey] | None:
        try:
            hits = hits_of(ctx.repo.search_or_empty(KIND, saved.api_key_body(Principal.system(), key_id)))
        except ReadFailed as exc:
            raise Unauthorized("api.error.key_check") from exc
        return (str(hits[0]["_source"].get("secret_sha256") or ""), _from_hit(hits[0])) if hits else None

    found = ctx.memo(f"api_key:{key_id}", KEY_TTL_S, lookup)
    if found is None or not hmac.compare_digest(found[0], _hash(secret)):
        raise Unauthorized("api.error.key")
    key = found[1]
    if not key.active(now or dt.datetime.now(dt.UTC)):
        raise Unauthorized("api.error.key")
    from app.grants import attach  # a key's groups hold grants too

    return attach(ctx, key.principal())


__all__ = ["ApiKey", "WriteFailed", "authenticate", "create_key", "list_keys", "revoke_key"]
