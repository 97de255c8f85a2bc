"""The users file (`config/users.toml`, or `COCKPIT_USERS_FILE`): one parser for every front door (pure).

``[[users]]`` tables (or ``[users.<login>]``) with login, name, password_hash (argon2), tenants, groups,
roles, department, email, lang, active. A broken entry is reported and skipped, never fatal: no login, no
argon2 hash, no tenants, unknown roles. Logins are case-insensitive (stored lower-case).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.principal import ROLES, Principal, as_set

LANGS = ("de", "en")


@dataclass(frozen=True)
class Account:
    principal: Principal
    password_hash: str = field(repr=False)


def parse_users(data: Mapping[str, Any]) -> tuple[dict[str, Account], list[str]]:
    """TOML data -> ({login: Account}, [problems])."""
    raw = data.get("users") or []
    entries: list[dict[str, Any]] = []
    if isinstance(raw, Mapping):
        entries = [{"login": login, **(body or {})} for login, body in raw.items()]
    elif isinstance(raw, list):
        entries = [dict(e) for e in raw if isinstance(e, Mapping)]
    accounts: dict[str, Account] = {}
    problems: list[str] = []
    for entry in entries:
        login = str(entry.get("login") or "").strip().lower()
        roles = as_set(entry.get("roles") or entry.get("role"))
        tenants = as_set(entry.get("tenants") or entry.get("tenant"))
        pw = str(entry.get("password_hash") or "")
        problem = None
        if not login:
            problem = "an entry has no login"
        elif not pw.startswith("$argon2"):
            problem = f"user {login!r} has no argon2 password_hash"
        elif not tenants:
            problem = f"user {login!r} has no tenants"
        elif unknown := roles - set(ROLES):
            problem = f"user {login!r} has unknown roles {sorted(unknown)}"
        if problem:
            problems.append(problem)
            continue
        lang = str(entry.get("lang") or "de")
        principal = Principal(
            login=login,
            kind="user",
            name=str(entry.get("name") or login),
            tenants=tenants,
            groups=as_set(entry.get("groups")),
            roles=roles or frozenset({"agent"}),
            department=str(entry["department"]) if entry.get("department") else None,
            email=str(entry["email"]) if entry.get("email") else None,
            lang=lang if lang in LANGS else "de",
            active=bool(entry.get("active", True)),
        )
        accounts[login] = Account(principal, pw)
    return accounts, problems
