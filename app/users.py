"""The user directory: the users file, re-read when it changes (adding a user needs no restart), and password
checks (argon2; an unknown login costs the same time as a wrong password)."""

from __future__ import annotations

import logging
import secrets
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from domain.principal import Principal
from domain.users import Account, parse_users

log = logging.getLogger(__name__)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def default_users_file() -> Path:
    from core.settings import get_settings

    return get_settings().users_file


class UserDirectory:
    """login -> Principal (as of now). Callable, so it serves as the notifications' subscriber directory."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else default_users_file()
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._accounts: dict[str, Account] = {}
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
        if not login:
            return None
        account = self.accounts().get(str(login).strip().lower())
        return account.principal if account else None

    def __call__(self, login: str) -> Principal | None:
        return self.get(login)

    def authenticate(self, login: str, password: str) -> Principal | None:
        account = self.accounts().get(str(login or "").strip().lower())
        try:
            _hasher.verify(account.password_hash if account else _DUMMY_HASH, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if account is None or not account.principal.active:
            return None
        return account.principal


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
