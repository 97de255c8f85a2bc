"""Request and response models of the access routes (temporary grants, confidential documents): api/routes_access.py."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from api.models import Out, Strict, no_control
from app.confidential import MAX_NAMES, Confidentiality
from app.grants import MAX_DAYS, MAX_REASON, Grant

DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Name = Annotated[str, Field(min_length=1, max_length=100)]
Names = Annotated[list[Name], Field(max_length=MAX_NAMES)]


def _date_or_datetime(value: Any) -> Any:
    """ "2026-12-10" is a day (the grant ends when it ends, UTC); anything else must be an ISO date-time."""
    if isinstance(value, str) and DATE_ONLY.match(value.strip()):
        return dt.date.fromisoformat(value.strip())
    return value


class GrantIn(Strict):
    grantee_kind: Literal["user", "group"] = Field(description="a user (login) or a group")
    grantee: str = Field(min_length=1, max_length=100, description="the user's login or the group's name")
    until: dt.datetime | dt.date = Field(
        description="a day (`2026-12-10`: up to and including that day, UTC) or a date-time (the end, exclusive); "
        f"at most {MAX_DAYS} days ahead"
    )
    valid_from: dt.datetime | None = Field(None, description="when the grant starts (default: now)")
    reason: str = Field(min_length=1, max_length=MAX_REASON, description="why (audited)")
    customer_id: str | None = Field(None, min_length=1, max_length=200, description="a dossier …")
    doc_id: str | None = Field(None, min_length=1, max_length=300, description="… or one document (all its versions)")
    tenant: str | None = Field(None, max_length=100, description="the dossier's tenant, for callers of several")

    _text = field_validator("reason", "grantee")(no_control)
    _until = field_validator("until", mode="before")(_date_or_datetime)


class GrantPath(Strict):
    grant_id: str = Field(min_length=1, max_length=40)


class RevokeIn(Strict):
    reason: str = Field("", max_length=MAX_REASON, description="why it is revoked (audited)")

    _text = field_validator("reason")(no_control)


class GrantsQuery(Strict):
    tenant: str | None = Field(None, max_length=100)


class ConfidentialIn(Strict):
    users: Names = Field(default_factory=list, description="logins of the tenant (the caller is always named)")
    groups: Names = Field(default_factory=list, description="groups")

    @field_validator("users", "groups")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        return [no_control(v) for v in value]


class GrantOut(Out):
    id: str
    tenant: str
    target: str = Field(description="dossier | document")
    customer_id: str | None = None
    doc_id: str | None = None
    family_id: str | None = None
    label: str = ""
    grantee_kind: str
    grantee: str
    reason: str
    valid_from: str
    until: str
    granted_by: str
    created_at: str
    state: str = Field(description="active | pending | expired | revoked")
    revoked_by: str | None = None
    revoked_at: str | None = None
    revoke_reason: str | None = None


class GrantsOut(Out):
    grants: list[GrantOut]


class ConfidentialityOut(Out):
    doc_id: str
    confidential: bool
    users: list[str]
    groups: list[str]
    by: str | None = None
    at: str | None = None


def grant_out(g: Grant, now: dt.datetime | None = None) -> GrantOut:
    return GrantOut(
        id=g.grant_id, tenant=g.tenant, target=g.target, customer_id=g.customer_id, doc_id=g.doc_id,
        family_id=g.family_id, label=g.label, grantee_kind=g.grantee_kind, grantee=g.grantee, reason=g.reason,
        valid_from=g.valid_from, until=g.until, granted_by=g.granted_by, created_at=g.created_at,
        state=g.state(now or dt.datetime.now(dt.UTC)), revoked_by=g.revoked_by, revoked_at=g.revoked_at,
        revoke_reason=g.revoke_reason,
    )  # fmt: skip


def confidentiality_out(c: Confidentiality) -> ConfidentialityOut:
    return ConfidentialityOut(doc_id=c.doc_id, confidential=c.confidential, users=list(c.users),
                              groups=list(c.groups), by=c.by, at=c.at)  # fmt: skip
