"""Company logins (LDAP / Active Directory): the config file and the group mapping (pure).

`COCKPIT_LDAP_FILE` (e.g. `config/ldap.toml`, see `config/ldap.example.toml`) switches company logins on.
`parse_ldap_config` validates the parsed TOML at start-up and raises `LdapConfigError` naming the key
("mapping[2].roles: unknown role 'boss'"); `principal_for` turns a directory entry and its groups into a
`Principal` by the mapping — or None when no mapped group (or no tenant) results.

Finding the user: either a DN template (`user_dn_template = "uid={login},ou=people,dc=example,dc=com"`,
AD: `"{login}@example.com"`) bound directly, or a search (`user_base` + `user_filter` with `{login}`) bound with a
service account (`service_dn` + `service_password`/`service_password_env`). Groups: the user's `memberOf`
attribute (AD, OpenLDAP's memberof overlay) or a search (`group_base` + `group_filter` with `{user_dn}`, e.g.
groupOfNames' `member`). A mapping entry names a group by DN or by CN.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from domain.principal import ROLES, Principal

LANGS = ("de", "en")


class LdapConfigError(ValueError):
    def __init__(self, key: str, problem: str, source: str = "") -> None:
        self.key, self.problem, self.source = key, problem, source
        super().__init__(f"{source + ': ' if source else ''}{key}: {problem}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GroupMapping(_Strict):
    group: str = Field(min_length=1)  # a group's DN, or its CN
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    tenants: tuple[str, ...] = ()
    department: str | None = None

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown roles {unknown} (known: {', '.join(ROLES)})")
        return roles


class LdapConfig(_Strict):
    url: str | list[str]  # ldap://host:389 or ldaps://host:636; several: tried in order
    start_tls: bool = False
    ca_file: str | None = None  # CA bundle for ldaps/StartTLS (default: the system's)
    timeout_s: float = Field(default=5.0, gt=0, le=60)

    user_dn_template: str | None = None
    service_dn: str | None = None
    service_password: SecretStr | None = None
    service_password_env: str | None = None
    user_base: str | None = None
    user_filter: str = "(uid={login})"  # AD: (sAMAccountName={login})

    group_source: Literal["member_of", "search"] = "member_of"
    group_base: str | None = None
    group_filter: str = "(&(objectClass=groupOfNames)(member={user_dn}))"

    name_attribute: str = "cn"  # AD: displayName
    email_attribute: str = "mail"
    lang_attribute: str | None = "preferredLanguage"

    cache_ttl_s: float = Field(default=900.0, ge=0)  # a logged-in user's principal is re-read after this
    mapping: tuple[GroupMapping, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> LdapConfig:
        urls = [self.url] if isinstance(self.url, str) else self.url
        if not urls or any(not u.startswith(("ldap://", "ldaps://")) for u in urls):
            raise ValueError("url: must start with ldap:// or ldaps://")
        if self.user_dn_template is None and self.user_base is None:
            raise ValueError("user_dn_template: missing: set it (direct bind), or user_base + user_filter (search)")
        if self.user_dn_template is not None and "{login}" not in self.user_dn_template:
            raise ValueError("user_dn_template: must contain {login}")
        if self.user_dn_template is not None and "=" not in self.user_dn_template and self.user_base is None:
            raise ValueError("user_base: needed to read the user's entry when user_dn_template is not a DN")
        if self.user_base is not None and "{login}" not in self.user_filter:
            raise ValueError("user_filter: must contain {login}")
        if self.user_base is not None and self.user_dn_template is None and not self.service_dn:
            raise ValueError("service_dn: needed to search for users (or use user_dn_template)")
        if self.service_password is not None and self.service_password_env:
            raise ValueError("service_password / service_password_env: set one, not both")
        if self.group_source == "search":
            if not self.group_base:
                raise ValueError("group_base: needed with group_source = 'search'")
            if "{user_dn}" not in self.group_filter:
                raise ValueError("group_filter: must contain {user_dn}")
        return self

    @property
    def urls(self) -> list[str]:
        return [self.url] if isinstance(self.url, str) else list(self.url)

    def service_secret(self) -> str | None:
        """The service account's password (from the file, or the environment variable it names)."""
        if self.service_password is not None:
            return self.service_password.get_secret_value()
        if self.service_password_env:
            return os.environ.get(self.service_password_env)
        return None


def _key_of(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"  # 1-based: the n-th [[mapping]] table
        elif part in ("str", "list[str]") or str(part).startswith(("function-", "tuple[")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_ldap_config(data: Mapping[str, Any], source: str = "") -> LdapConfig:
    """The parsed TOML (top-level keys, `[[mapping]]` tables) -> LdapConfig; raises LdapConfigError."""
    try:
        return LdapConfig.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _key_of(tuple(err.get("loc") or ())) or "(file)"
        msg = str(err.get("msg") or "invalid").removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            msg = "unknown setting"
        elif err.get("type") == "missing":
            msg = "missing"
        if ": " in msg and key == "(file)":  # the model's own checks name their key first
            key, msg = msg.split(": ", 1)
        raise LdapConfigError(key, msg, source) from None


# ------------------------------------------------------------------------------------------------ the mapping


def _norm_dn(dn: str) -> str:
    return ",".join("=".join(p.strip() for p in rdn.split("=", 1)) for rdn in dn.split(",")).lower()


def _cn_of(dn: str) -> str:
    first = dn.split(",", 1)[0]
    key, _, value = first.partition("=")
    return value.strip().lower() if key.strip().lower() == "cn" else ""


def mapped(config: LdapConfig, group_dns: Iterable[str]) -> list[GroupMapping]:
    """The mapping entries (in the file's order) that match one of the user's groups (by DN or CN)."""
    dns = {_norm_dn(d) for d in group_dns if d}
    cns = {_cn_of(d) for d in dns} - {""}
    out = []
    for m in config.mapping:
        target = m.group.strip()
        if ("=" in target and _norm_dn(target) in dns) or ("=" not in target and target.lower() in cns):
            out.append(m)
    return out


@dataclass(frozen=True)
class DirectoryEntry:
    """What the LDAP adapter read about a user (no password)."""

    login: str
    dn: str
    name: str | None = None
    email: str | None = None
    lang: str | None = None
    group_dns: tuple[str, ...] = ()


def principal_for(config: LdapConfig, entry: DirectoryEntry) -> Principal | None:
    """The user's Principal by the mapping: union of the mapped roles, groups and tenants, the first mapped
    department; None when no group is mapped or no tenant results (the login is refused)."""
    hits = mapped(config, entry.group_dns)
    tenants = frozenset(t for m in hits for t in m.tenants)
    if not hits or not tenants:
        return None
    lang = (entry.lang or "de").strip().lower()[:2]
    return Principal(
        login=entry.login,
        kind="user",
        name=entry.name or entry.login,
        tenants=tenants,
        groups=frozenset(g for m in hits for g in m.groups),
        roles=frozenset(r for m in hits for r in m.roles) or frozenset({"agent"}),
        department=next((m.department for m in hits if m.department), None),
        email=entry.email or None,
        lang=lang if lang in LANGS else "de",
        active=True,
    )
