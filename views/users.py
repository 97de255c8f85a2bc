"""Who opens a view or receives a notification: `Viewer`, and where subscribers' *current* permissions come from.

The cockpit keeps the users (config/users.toml: login, name, tenants, groups, department, roles, e-mail);
`views` must not import the cockpit (dependencies point cockpit → views), so:

- `Viewer.of(obj)` adapts whatever user object the cockpit has (attributes or a dict with those keys);
- a *user directory* is any ``Callable[[str], Viewer | None]`` (login → current user, None = unknown or
  disabled). Subscription matching asks it for every subscriber on every run, so permissions are always
  today's, never those stored with the subscription. `default_directory()` reads the same users file as
  the cockpit (``COCKPIT_USERS_FILE`` or ``config/users.toml``) when no directory is passed.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.request import UserScope

log = logging.getLogger(__name__)

ADMIN_ROLES = frozenset({"admin", "administrator"})


@dataclass(frozen=True)
class Viewer:
    login: str
    tenants: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    department: str | None = None
    roles: frozenset[str] = frozenset()
    name: str = ""
    email: str | None = None
    active: bool = True
    lang: str = "de"
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        for attr in ("tenants", "groups", "roles"):
            value = getattr(self, attr)
            if isinstance(value, str):
                value = [value]
            object.__setattr__(self, attr, frozenset(str(v) for v in (value or ()) if v))

    @property
    def is_admin(self) -> bool:
        return bool(self.roles & ADMIN_ROLES)

    @property
    def memberships(self) -> frozenset[str]:
        """Groups a view can be shared with: the user's groups and their department."""
        return self.groups | ({self.department} if self.department else frozenset())

    @property
    def scope(self) -> UserScope:
        return UserScope(
            user_id=self.login,
            tenants=self.tenants if self.active else frozenset(),
            groups=self.groups,
            is_admin=self.is_admin,
        )

    @property
    def default_tenant(self) -> str | None:
        return sorted(self.tenants)[0] if self.tenants else None

    @classmethod
    def of(cls, user: Any) -> Viewer:
        """Adapt a cockpit user object, a dict or a Viewer."""
        if isinstance(user, Viewer):
            return user
        if isinstance(user, UserScope):
            return cls(login=user.user_id, tenants=user.tenants, groups=user.groups,
                       roles=frozenset({"admin"}) if user.is_admin else frozenset())  # fmt: skip

        def get(name: str, default: Any = None) -> Any:
            if isinstance(user, Mapping):
                return user.get(name, default)
            return getattr(user, name, default)

        login = get("login") or get("user_id") or get("id") or get("username")
        if not login:
            raise ValueError("a user needs a login")
        roles = _as_set(get("roles"))
        if get("is_admin") is True:
            roles |= {"admin"}
        tenants = get("tenants")
        if tenants is None and get("tenant"):
            tenants = [get("tenant")]
        return cls(
            login=str(login),
            tenants=frozenset(_as_set(tenants)),
            groups=frozenset(_as_set(get("groups"))),
            department=get("department") or None,
            roles=frozenset(roles),
            name=str(get("name") or get("display_name") or login),
            email=get("email") or None,
            active=bool(get("active", True)) and not bool(get("disabled", False)),
            lang=str(get("lang") or get("language") or "de"),
        )


def _as_set(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {v.strip() for v in value.split(",") if v.strip()}
    return {str(v) for v in value if v}


UserDirectory = Callable[[str], "Viewer | None"]


def directory_from(users: Iterable[Any] | Mapping[str, Any] | UserDirectory | None) -> UserDirectory:
    """A directory from a list of users, a {login: user} mapping, or a callable (returned as is)."""
    if users is None:
        return default_directory()
    if callable(users) and not isinstance(users, Mapping):
        return users  # type: ignore[return-value]
    items = users.values() if isinstance(users, Mapping) else users
    table = {v.login: v for v in (Viewer.of(u) for u in items)}
    return table.get


def users_file() -> Path:
    from core.settings import REPO_ROOT

    return Path(os.environ.get("COCKPIT_USERS_FILE") or REPO_ROOT / "config" / "users.toml")


def load_users_file(path: Path | None = None) -> dict[str, Viewer]:
    """config/users.toml → {login: Viewer}. Accepts ``[[users]]`` tables or ``[users.<login>]`` tables."""
    path = path or users_file()
    if not path.exists():
        log.warning("no users file at %s: subscriptions have no recipients", path)
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    raw = data.get("users") or data.get("user") or []
    entries: list[dict[str, Any]] = []
    if isinstance(raw, dict):
        for login, body in raw.items():
            entries.append({"login": login, **(body or {})})
    else:
        entries = [dict(e) for e in raw]
    out: dict[str, Viewer] = {}
    for entry in entries:
        try:
            viewer = Viewer.of(entry)
        except ValueError as exc:
            log.warning("users file %s: %s", path, exc)
            continue
        out[viewer.login] = viewer
    return out


def default_directory() -> UserDirectory:
    """The cockpit's users, re-read on every call of this function (cheap; the file is small)."""
    try:  # the cockpit's own loader, when it offers one (keeps a single source of truth)
        from cockpit import auth  # type: ignore[attr-defined]

        for name in ("load_users", "get_users", "all_users"):
            fn = getattr(auth, name, None)
            if callable(fn):
                users = fn()
                return directory_from(users)
    except Exception as exc:  # noqa: BLE001 - fall back to reading the file ourselves
        log.debug("cockpit.auth user loader unavailable: %s", exc)
    return load_users_file().get
