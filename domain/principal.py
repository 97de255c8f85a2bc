"""Who asks: one `Principal` for a cockpit user, an API client (an integration's key) and the system itself.

Permission rule (turned into Elasticsearch by `search.permissions.permission_filter`), inside the principal's
tenants: a document that is not confidential and whose register the principal's groups may read
(``acl_groups ∩ groups ≠ ∅``, written from the permission table `domain.access`); a confidential document
only when the principal is named on it (login or group); and whatever an active temporary grant opens
(`grants`: a dossier's non-confidential documents or one document). An admin skips the register check but
stays inside their tenants (a tenant is a legal entity; nobody reads across tenants they were not given) and
is not named on confidential documents by being admin. An empty tenant set, an inactive principal, or a
non-admin without groups and grants sees nothing.

Capabilities say what a principal may *do* beyond reading within that scope. A user's come from their roles
(`ROLE_CAPABILITIES`); an API client's are given to its key explicitly. Use cases check them
(`Principal.require`), whoever calls: the Dash pages, the REST API, the CLI or a worker.

`Principal.system()` is the workers' identity for reads that serve every tenant at once (e.g. the metadata
of newly indexed documents before each subscriber's own permission-checked match). It is never built from a
request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

from domain.errors import Forbidden

Kind = Literal["user", "api_client", "system"]

ROLES: tuple[str, ...] = ("agent", "analyst", "manager", "compliance", "admin")

# capabilities (besides reading within the principal's scope)
SEARCH = "search"
GRANT = "grant"  # give and revoke temporary access, mark documents confidential
EXPORT = "export"
REVIEW = "review"
SAVE_VIEW = "save_view"
STATUS = "status"
AUDIT = "audit"  # read the audit trail of one's tenants (audit page, CSV)
HISTORY = "history"  # the "Verlauf" card of a document: who added, viewed, downloaded, re-filed it
RETENTION = "retention"  # legal holds, the disposal report and disposal runs
MASTER_DATA = "master_data"
UPLOAD = "upload"  # send documents in (cockpit upload, API push)
CAPABILITIES: tuple[str, ...] = (
    SEARCH,
    EXPORT,
    REVIEW,
    SAVE_VIEW,
    STATUS,
    AUDIT,
    HISTORY,
    RETENTION,
    MASTER_DATA,
    UPLOAD,
    GRANT,
)

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    "agent": frozenset({SEARCH, REVIEW, UPLOAD}),
    "analyst": frozenset({SEARCH, EXPORT, REVIEW, SAVE_VIEW, UPLOAD}),
    "manager": frozenset({SEARCH, EXPORT, REVIEW, SAVE_VIEW, UPLOAD, HISTORY, GRANT}),
    # compliance officers read everything of their tenants' trail, set legal holds and run disposal
    "compliance": frozenset({SEARCH, EXPORT, AUDIT, HISTORY, RETENTION}),
    "admin": frozenset(
        {SEARCH, EXPORT, REVIEW, SAVE_VIEW, STATUS, AUDIT, HISTORY, RETENTION, MASTER_DATA, UPLOAD, GRANT}
    ),
}
ADMIN_ROLE = "admin"


def as_set(value: Any) -> frozenset[str]:
    """A string ("a, b"), a collection or None -> a frozenset of trimmed, non-empty strings."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(v.strip() for v in value.split(",") if v.strip())
    return frozenset(str(v).strip() for v in value if v is not None and str(v).strip())


def capabilities_of(roles: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for role in roles:
        out |= ROLE_CAPABILITIES.get(role, frozenset())
    return frozenset(out)


@dataclass(frozen=True, order=True)
class GrantScope:
    """What one active temporary grant opens to its holder (read only): a dossier (`customer_id`: the documents
    of the registers its giver could read, `via`) or one document in all its versions (`family_id`), in
    `tenant`, until `until` (ISO time, UTC)."""

    tenant: str
    target: Literal["dossier", "document"]
    key: str  # customer_id | family_id
    until: str
    grant_id: str = ""
    # a dossier grant passes on the giver's own reach: the registers these groups read ("*": every register —
    # the giver was an admin); nobody can open more than they could read themselves
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class Principal:
    login: str
    tenants: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    capabilities: frozenset[str] | None = None  # None: derived from the roles
    kind: Kind = "user"
    name: str = ""
    department: str | None = None
    email: str | None = None
    lang: str = "de"
    active: bool = True
    grants: tuple[GrantScope, ...] = ()  # active temporary grants, attached per request (app.grants)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # what pure functions derived from this (immutable) principal, e.g. its permission filters; never copied by
    # `with_` (a changed principal starts empty)
    derived: dict[str, Any] = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        for attr in ("tenants", "groups", "roles"):
            value = getattr(self, attr)
            if isinstance(value, str):
                raise TypeError(f"Principal.{attr} must be a collection of strings, not a string")
            object.__setattr__(self, attr, as_set(value))
        grants = self.grants
        if not (isinstance(grants, tuple) and all(a < b for a, b in zip(grants, grants[1:], strict=False))):
            grants = tuple(sorted(set(grants)))  # app.grants.attach hands them over sorted and unique already
        object.__setattr__(self, "grants", grants)
        caps = capabilities_of(self.roles) if self.capabilities is None else as_set(self.capabilities)
        object.__setattr__(self, "capabilities", caps)
        if not self.name:
            object.__setattr__(self, "name", self.login)

    # -------------------------------------------------------------------------------------- factories

    @classmethod
    def system(cls) -> Principal:
        return cls(login="system", kind="system", roles=frozenset({ADMIN_ROLE}), name="system")

    def with_(self, **changes: Any) -> Principal:
        return replace(self, **changes)

    # -------------------------------------------------------------------------------------- what it is

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles and self.kind != "api_client"

    @property
    def role(self) -> str:
        for r in reversed(ROLES):
            if r in self.roles:
                return r
        return "agent"

    @property
    def memberships(self) -> frozenset[str]:
        """Groups a view can be shared with: the principal's groups and their department."""
        return self.groups | ({self.department} if self.department else frozenset())

    @property
    def default_tenant(self) -> str | None:
        return sorted(self.tenants)[0] if self.tenants else None

    @property
    def sees_nothing(self) -> bool:
        if self.is_system:
            return False
        return not self.active or not self.tenants or (not self.is_admin and not self.groups and not self.grants)

    @cached_property
    def scope_key(self) -> str:
        """What decides visibility — tenants, groups, admin, the login (confidential documents name users) and
        the active grants: principals with equal scopes share cached answers; a grant that expires or is
        revoked changes the key, so no cached answer outlives it."""
        if self.is_system:
            return "system"
        tenants = sorted(self.tenants) if self.active else []
        grants = [[g.tenant, g.target, g.key, list(g.via)] for g in self.granted()]
        # the login: confidential documents name users
        return json.dumps([tenants, sorted(self.groups), self.is_admin, self.login, grants], separators=(",", ":"))

    @property
    def holder_key(self) -> str:
        """Who a grant can be given to: the login and the groups (tenants bound what it opens)."""
        return json.dumps([self.kind, self.login, sorted(self.groups), sorted(self.tenants)], separators=(",", ":"))

    def granted(self) -> list[GrantScope]:
        """The grants inside the principal's tenants (a grant never opens another tenant), de-duplicated."""
        found = self.derived.get("granted")
        if found is None:
            found = self.derived["granted"] = self._granted()
        return list(found)

    def _granted(self) -> list[GrantScope]:
        seen: dict[tuple[str, str, str, tuple[str, ...]], GrantScope] = {}
        for g in self.grants:
            if g.tenant in self.tenants:
                seen.setdefault((g.tenant, g.target, g.key, g.via), g)
        return [seen[k] for k in sorted(seen)]

    # -------------------------------------------------------------------------------------- what it may do

    def can(self, capability: str) -> bool:
        return self.active and capability in (self.capabilities or frozenset())

    def require(self, capability: str) -> None:
        if not self.can(capability):
            raise Forbidden("error.capability", capability=capability)
