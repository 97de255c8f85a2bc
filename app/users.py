"""The user directory: the users file, re-read when it changes (adding a user needs no restart), and password
checks (argon2; an unknown login costs the same time as a wrong password).

Company logins (LDAP / Active Directory, `app.ldap_login`, on when COCKPIT_LDAP_FILE is set): `authenticate`
tries the local account first — a login of the users file is never checked against the directory, so the local
admin always works and a directory user cannot take a local name —, then the directory. A company user's
Principal is kept in a small in-process cache for `get` (flask-login's user loader); after `cache_ttl_s` it is
re-read with the service account (group changes count from then, or from the next login), and kept as it was
while the directory is unreachable. Refusals worth telling raise `LoginRefused` (reason for the audit trail,
message code for the login form)."""

from __future__ import annotations

import logging
import secrets
import threading
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from domain.principal import Principal
from domain.users import Account, parse_users

if TYPE_CHECKING:
    from app.ldap_login import LdapLogin

log = logging.getLogger(__name__)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


class LoginRefused(Exception):
    """A login refused for a reason the audit trail keeps (`reason`) and the login form may tell (`message_code`)."""

    def __init__(self, reason: str, message_code: str = "login.failed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_code = message_code


_FROM_SETTINGS: Any = object()


def default_users_file() -> Path:
    from core.settings import get_settings

    return get_settings().users_file


class UserDirectory:
    """login -> Principal (as of now). Callable, so it serves as the notifications' subscriber directory."""

    def __init__(self, path: Path | None = None, *, ldap: LdapLogin | None = _FROM_SETTINGS) -> None:
        self.path = Path(path) if path else default_users_file()
        if ldap is _FROM_SETTINGS:
            from app.ldap_login import configured

            ldap = configured()  # a broken LDAP config stops the start here, the key named
        self.ldap: LdapLogin | None = ldap
        self._ldap_users: dict[str, tuple[Principal, float]] = {}
        self._ldap_lock = threading.Lock()  # not self._lock: on_change runs under that one
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._accounts: dict[str, Account] = {}
        # the application context attaches what changes between requests (active temporary grants)
        self.enrich: Callable[[Principal], Principal] | None = None
        # called with the permission changes when a re-read file differs from the one read before
        self.on_change: Callable[[list[dict[str, Any]]], None] | None = None

    def accounts(self) -> dict[str, Account]:
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            if self._mtime is not None or not self._accounts:
                log.warning("no users file at %s: nobody can log in", self.path)
            self._mtime, self._accounts = None, {}
            return {}
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    try:
                        data = tomllib.loads(self.path.read_text(encoding="utf-8"))
                    except (OSError, tomllib.TOMLDecodeError) as exc:
                        log.error("users file %s unreadable: %s", self.path, exc)
                        data = {}
                    accounts, problems = parse_users(data)
                    for problem in problems:
                        log.warning("%s: %s (skipped)", self.path, problem)
                    before, first = self._accounts, self._mtime is None
                    self._accounts, self._mtime = accounts, mtime
                    changes = [] if first else permission_changes(before, accounts)
                    if changes and self.on_change is not None:
                        self.on_change(changes)
        return self._accounts

    def all(self) -> dict[str, Principal]:
        return {login: a.principal for login, a in self.accounts().items()}

    def get(self, login: str | None) -> Principal | None:
        """The user as of now (with their active grants, when the application context attaches them)."""
        found = self._get(login)
        if found is None or self.enrich is None:
            return found
        return self.enrich(found)

    def _get(self, login: str | None) -> Principal | None:
        if not login:
            return None
        key = str(login).strip().lower()
        account = self.accounts().get(key)
        if account is not None:
            return account.principal
        return self._company_user(key) if self.ldap is not None else None

    def _company_user(self, login: str) -> Principal | None:
        """A company user logged in before (cached), re-read with the service account once the TTL is over."""
        from app.ldap_login import LdapUnavailable

        assert self.ldap is not None
        with self._ldap_lock:
            hit = self._ldap_users.get(login)
        if hit is not None and time.monotonic() - hit[1] < self.ldap.config.cache_ttl_s:
            return hit[0]
        if not self.ldap.can_lookup:
            return hit[0] if hit else None  # no service account: valid until the next login
        try:
            outcome = self.ldap.lookup(login)
        except LdapUnavailable as exc:
            if hit is not None:
                log.warning("company directory unreachable (%s): %s keeps their permissions for now", exc, login)
            return hit[0] if hit else None
        with self._ldap_lock:
            if outcome.principal is None:
                self._ldap_users.pop(login, None)
            else:
                self._ldap_users[login] = (outcome.principal, time.monotonic())
        return outcome.principal

    def __call__(self, login: str) -> Principal | None:
        return self.get(login)

    def authenticate(self, login: str, password: str) -> Principal | None:
        """The principal, or None (wrong password, unknown login); raises LoginRefused for a company login without
        a mapped group (`no_mapped_group`) or while the directory is unreachable (`directory_unreachable`)."""
        key = str(login or "").strip().lower()
        account = self.accounts().get(key)
        if account is None and self.ldap is not None:
            return self._company_login(key, password)
        try:
            _hasher.verify(account.password_hash if account else _DUMMY_HASH, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if account is None or not account.principal.active:
            return None
        return account.principal

    def _company_login(self, login: str, password: str) -> Principal | None:
        from app.ldap_login import LdapUnavailable

        assert self.ldap is not None
        try:
            outcome = self.ldap.authenticate(login, password or "")
        except LdapUnavailable as exc:
            log.error("company login of %r: directory unreachable (%s)", login, exc)
            raise LoginRefused("directory_unreachable", "login.ldap_unavailable") from None
        if outcome.principal is None:
            if outcome.reason == "no_mapped_group":
                log.info("company login of %r refused: none of their groups is mapped", login)
                raise LoginRefused("no_mapped_group")
            return None
        with self._ldap_lock:
            self._ldap_users[login] = (outcome.principal, time.monotonic())
        return outcome.principal


def _grants(account: Account) -> dict[str, Any]:
    p = account.principal
    return {"roles": sorted(p.roles), "tenants": sorted(p.tenants), "groups": sorted(p.groups),
            "department": p.department, "active": p.active}  # fmt: skip


def permission_changes(before: dict[str, Account], after: dict[str, Account]) -> list[dict[str, Any]]:
    """Who was added, removed, or got other roles, tenants, groups or activity (pure; for the audit trail)."""
    out: list[dict[str, Any]] = []
    for login in sorted(set(before) | set(after)):
        old = _grants(before[login]) if login in before else None
        new = _grants(after[login]) if login in after else None
        if old != new:
            kind = "user_added" if old is None else "user_removed" if new is None else "permissions_changed"
            tenants = sorted(set((old or {}).get("tenants", [])) | set((new or {}).get("tenants", [])))
            out.append({"action": kind, "target": login, "tenants": tenants, "before": old, "after": new})
    return out
