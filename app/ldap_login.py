"""Company logins: the LDAP / Active Directory adapter (ldap3, pure Python), used by `app.users.UserDirectory`.

`LdapLogin.authenticate(login, password)` binds as the user (by the DN template, or after finding the user with
the service account), reads the user's groups (memberOf or a group search) and builds the Principal by the
mapping (`domain.ldap_config`). `lookup(login)` re-reads a known user with the service account (no password) for
the session's user loader. An unreachable server raises `LdapUnavailable`; the caller decides (local accounts
still work). The login is escaped for filters (`escape_filter_chars`) and DNs (`escape_rdn`); an empty
password is refused before any bind (LDAP would take it as an anonymous bind). Passwords are never logged.
"""

from __future__ import annotations

import logging
import math
import ssl
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from domain.ldap_config import DirectoryEntry, LdapConfig, LdapConfigError, parse_ldap_config, principal_for
from domain.principal import Principal

log = logging.getLogger(__name__)


class LdapUnavailable(Exception):
    """No configured LDAP server could be reached (or the service account was refused)."""


@dataclass(frozen=True)
class LdapOutcome:
    principal: Principal | None
    reason: str | None = None  # bad_credentials, unknown_user, ambiguous_user, no_mapped_group


def load_config(path: Path | str) -> LdapConfig:
    """Read and validate the file; raises LdapConfigError naming the key (or TOML's line and column)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LdapConfigError("(file)", f"cannot be read ({exc.strerror or exc})", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise LdapConfigError("(file)", f"not valid TOML: {exc}", str(path)) from None
    return parse_ldap_config(data, str(path))


def configured() -> LdapLogin | None:
    """The adapter of COCKPIT_LDAP_FILE (None: company logins off); raises LdapConfigError at start-up."""
    from core.settings import get_settings

    path = get_settings().ldap_file
    return LdapLogin(load_config(path), source=str(path)) if path else None


def _first(attrs: dict[str, Any], name: str | None) -> str | None:
    if not name:
        return None
    value = attrs.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value not in (None, "") else None


def _all(attrs: dict[str, Any], name: str) -> list[str]:
    value = attrs.get(name)
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


class LdapLogin:
    def __init__(self, config: LdapConfig, *, source: str = "") -> None:
        self.config = config
        self.source = source
        tls = None
        if config.start_tls or any(u.startswith("ldaps://") for u in config.urls):
            tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=config.ca_file)
        self._servers = [
            ldap3.Server(u, connect_timeout=config.timeout_s, get_info=ldap3.NONE, tls=tls) for u in config.urls
        ]
        if config.user_dn_template and not config.service_dn:
            log.warning(
                "%s: no service_dn: company users are known only to the process they logged in to (with several "
                "workers they may have to log in again); set service_dn to re-read them",
                source or "LDAP",
            )

    @property
    def can_lookup(self) -> bool:
        return bool(self.config.service_dn and self.config.user_base)

    # ------------------------------------------------------------------------------------------ connections

    def _bind(self, dn: str, password: str) -> ldap3.Connection | None:
        """A bound connection, None when the server refused the credentials; LdapUnavailable when none answers."""
        problems: list[str] = []
        for server in self._servers:
            conn = ldap3.Connection(
                server, user=dn, password=password, receive_timeout=max(1, math.ceil(self.config.timeout_s)),
                read_only=True, raise_exceptions=False, auto_referrals=False,
            )  # fmt: skip
            try:
                conn.open()
                if self.config.start_tls and not server.ssl and not conn.start_tls():
                    raise LdapUnavailable(f"{server.name}: StartTLS failed ({conn.result.get('description')})")
                if conn.bind():
                    return conn
                desc = str((conn.result or {}).get("description") or "")
                conn.unbind()
                if desc in (
                    "invalidCredentials",
                    "invalidDNSyntax",
                    "unwillingToPerform",
                    "inappropriateAuthentication",
                ):
                    return None
                problems.append(f"{server.name}: bind answered {desc or 'an error'}")
            except (LDAPException, OSError) as exc:
                problems.append(f"{server.name}: {type(exc).__name__}: {exc}")
                conn.unbind()
        raise LdapUnavailable("; ".join(problems) or "no LDAP server configured")

    def _service(self) -> ldap3.Connection:
        secret = self.config.service_secret()
        if not secret:
            log.error("%s: no password for the service account %s", self.source, self.config.service_dn)
            raise LdapUnavailable(
                f"no password for the service account ({self.config.service_password_env or 'service_password'} not set)"
            )
        conn = self._bind(self.config.service_dn or "", secret)
        if conn is None:
            log.error(
                "%s: the service account %s was refused (check its password)", self.source, self.config.service_dn
            )
            raise LdapUnavailable("service account refused")
        return conn

    def _search(
        self, conn: ldap3.Connection, base: str, flt: str, attrs: list[str] | str, scope: Any, limit: int = 0
    ) -> list[dict[str, Any]]:
        try:
            conn.search(base, flt, search_scope=scope, attributes=attrs, size_limit=limit)
        except LDAPException as exc:
            raise LdapUnavailable(f"search failed: {type(exc).__name__}: {exc}") from None
        if conn.result.get("description") not in ("success", "sizeLimitExceeded", "noSuchObject"):
            log.warning("%s: search under %s: %s", self.source, base, conn.result.get("description"))
        return [r for r in (conn.response or []) if r.get("type") == "searchResEntry"]

    def _user_attrs(self) -> list[str]:
        c = self.config
        names = [c.name_attribute, c.email_attribute, c.lang_attribute]
        if c.group_source == "member_of":
            names.append("memberOf")
        return [n for n in names if n]

    def _find(self, conn: ldap3.Connection, login: str) -> tuple[str, dict[str, Any]] | str:
        """(dn, attributes) of the one user with this login, else a reason."""
        c = self.config
        flt = c.user_filter.replace("{login}", escape_filter_chars(login))
        hits = self._search(conn, c.user_base or "", flt, self._user_attrs(), ldap3.SUBTREE, limit=2)
        if not hits:
            return "unknown_user"
        if len(hits) > 1:
            return "ambiguous_user"
        return str(hits[0]["dn"]), dict(hits[0].get("attributes") or {})

    def _entry(self, conn: ldap3.Connection, login: str, dn: str, attrs: dict[str, Any]) -> DirectoryEntry:
        c = self.config
        if c.group_source == "member_of":
            groups = _all(attrs, "memberOf")
        else:
            flt = c.group_filter.replace("{user_dn}", escape_filter_chars(dn))
            hits = self._search(conn, c.group_base or "", flt, ldap3.NO_ATTRIBUTES, ldap3.SUBTREE)
            groups = [str(h["dn"]) for h in hits]
        return DirectoryEntry(
            login=login, dn=dn, name=_first(attrs, c.name_attribute), email=_first(attrs, c.email_attribute),
            lang=_first(attrs, c.lang_attribute), group_dns=tuple(groups),
        )  # fmt: skip

    # ------------------------------------------------------------------------------------------ use

    def authenticate(self, login: str, password: str) -> LdapOutcome:
        """Check the password with the directory and map the user's groups; raises LdapUnavailable."""
        if not login or not password:
            return LdapOutcome(None, "bad_credentials")  # an empty password would be an anonymous bind
        c = self.config
        if c.user_dn_template:
            dn = c.user_dn_template.replace("{login}", escape_rdn(login))
            conn = self._bind(dn, password)
            if conn is None:
                return LdapOutcome(None, "bad_credentials")
            try:
                if c.user_base:
                    found = self._find(conn, login)
                else:
                    hits = self._search(conn, dn, "(objectClass=*)", self._user_attrs(), ldap3.BASE)
                    found = (str(hits[0]["dn"]), dict(hits[0].get("attributes") or {})) if hits else "unknown_user"
                if isinstance(found, str):
                    return LdapOutcome(None, found)
                entry = self._entry(conn, login, *found)
            finally:
                conn.unbind()
        else:
            service = self._service()
            try:
                found = self._find(service, login)
                if isinstance(found, str):
                    return LdapOutcome(None, found)
                user = self._bind(found[0], password)
                if user is None:
                    return LdapOutcome(None, "bad_credentials")
                user.unbind()
                entry = self._entry(service, login, *found)
            finally:
                service.unbind()
        principal = principal_for(c, entry)
        return LdapOutcome(principal, None if principal else "no_mapped_group")

    def lookup(self, login: str) -> LdapOutcome:
        """Re-read a user with the service account (no password); raises LdapUnavailable."""
        if not self.can_lookup or not login:
            return LdapOutcome(None, "no_lookup")
        service = self._service()
        try:
            found = self._find(service, login)
            if isinstance(found, str):
                return LdapOutcome(None, found)
            entry = self._entry(service, login, *found)
        finally:
            service.unbind()
        principal = principal_for(self.config, entry)
        return LdapOutcome(principal, None if principal else "no_mapped_group")
