"""Who may read, file and export which register, per tenant (pure): the permission table and its parser.

The table (`config/permissions.toml`, or `COCKPIT_PERMISSIONS_FILE`) names, per tenant, the groups allowed
each action on each register; registers a tenant does not list follow its ``default`` row, tenants not listed
follow the ``"*"`` table. An action without groups allows nobody (admins aside)::

    [tenants."*".default]
    read = ["all"]
    file = ["all"]
    export = ["all"]

    [tenants."*".registers.contract]
    read = ["contracts", "management"]
    file = ["contracts", "management"]
    export = ["management"]

How it is enforced:

- **read** and **export** are written onto every document as ``acl_groups`` and ``export_groups`` when it is
  indexed or re-filed (`access_fields`), so the permission filter of every read is one terms clause; a
  changed table is applied to the documents already indexed by ``cockpit access apply`` (and checked by
  ``cockpit doctor``). Access therefore always follows the register a document is filed in — re-filing can
  neither widen nor narrow it beyond that register's row.
- **file** is checked by the use cases that choose a register (review queue, upload, API push): a principal
  may move a document only out of and into registers they may file.

Admins pass the group check inside their tenants (never across tenants). A malformed table is refused at
start with the line it is on (`PolicyError`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.principal import Principal, as_set

ACTIONS: tuple[str, ...] = ("read", "file", "export")
ANY_TENANT = "*"


class PolicyError(ValueError):
    """A permission table that cannot be used; `line` is 1-based (0: not known)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.reason = message


@dataclass(frozen=True)
class Rule:
    """Groups allowed each action on one register."""

    read: frozenset[str] = frozenset()
    file: frozenset[str] = frozenset()
    export: frozenset[str] = frozenset()

    def groups(self, action: str) -> frozenset[str]:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        return getattr(self, action)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class TenantPolicy:
    default: Rule
    registers: Mapping[str, Rule] = field(default_factory=dict)

    def rule(self, register: str) -> Rule:
        return self.registers.get(register, self.default)


@dataclass(frozen=True)
class AccessPolicy:
    tenants: Mapping[str, TenantPolicy]

    def for_tenant(self, tenant: str) -> TenantPolicy:
        found = self.tenants.get(tenant) or self.tenants.get(ANY_TENANT)
        return found if found is not None else TenantPolicy(default=Rule())

    def groups(self, tenant: str, register: str, action: str) -> list[str]:
        return sorted(self.for_tenant(tenant).rule(register).groups(action))

    def allows(self, principal: Principal, tenant: str, register: str, action: str) -> bool:
        """May this principal do `action` on `register` in `tenant` (by the table; grants only ever read)?"""
        if principal.is_system:
            return True
        if not principal.active or tenant not in principal.tenants:
            return False
        if principal.is_admin:
            return True
        return not principal.groups.isdisjoint(self.groups(tenant, register, action))

    def fileable(self, principal: Principal, tenant: str, registers: Iterable[str]) -> list[str]:
        """The registers of `registers` this principal may file into in `tenant` (order kept)."""
        return [r for r in registers if self.allows(principal, tenant, r, "file")]


def access_fields(policy: AccessPolicy, tenant: str, register: str) -> dict[str, list[str]]:
    """The permission fields a document filed in `register` of `tenant` carries."""
    return {"acl_groups": policy.groups(tenant, register, "read"),
            "export_groups": policy.groups(tenant, register, "export")}  # fmt: skip


# the product's table when none is configured: every register open to the group "all", contracts to the
# contracts and management groups
DEFAULT_TEXT = """\
[tenants."*".default]
read = ["all"]
file = ["all"]
export = ["all"]

[tenants."*".registers.contract]
read = ["contracts", "management"]
file = ["contracts", "management"]
export = ["contracts", "management"]
"""


# ------------------------------------------------------------------------------------------------ parsing

_TOML_LINE = re.compile(r"at line (\d+)")


def parse_policy(text: str, registers: Iterable[str]) -> AccessPolicy:
    """The table from TOML text; `registers`: the known register ids. Raises `PolicyError` with the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        line = int(m.group(1)) if m else (len(text.splitlines()) if "end of document" in str(exc) else 0)
        raise PolicyError(f"not valid TOML: {exc}", line) from exc
    known = frozenset(registers)
    lines = text.splitlines()
    unknown_top = sorted(set(data) - {"tenants"})
    if unknown_top:
        raise PolicyError(f"unknown key {unknown_top[0]!r} (only [tenants.<tenant>] tables)",
                          _line_of(lines, (), unknown_top[0]))  # fmt: skip
    tenants_raw = data.get("tenants")
    if not isinstance(tenants_raw, dict) or not tenants_raw:
        raise PolicyError("no [tenants.<tenant>] table", 1)
    tenants: dict[str, TenantPolicy] = {}
    for tenant, body in tenants_raw.items():
        tenants[tenant] = _tenant(tenant, body, known, lines)
    return AccessPolicy(tenants=tenants)


def _tenant(tenant: str, body: Any, known: frozenset[str], lines: list[str]) -> TenantPolicy:
    path = ("tenants", tenant)
    if not isinstance(body, dict):
        raise PolicyError(f"tenants.{tenant} must be a table", _line_of(lines, ("tenants",), tenant))
    extra = sorted(set(body) - {"default", "registers"})
    if extra:
        raise PolicyError(f"tenants.{tenant}: unknown key {extra[0]!r} (default, registers)",
                          _line_of(lines, path, extra[0]))  # fmt: skip
    if "default" not in body:
        raise PolicyError(f"tenants.{tenant} has no default row", _line_of(lines, ("tenants",), tenant))
    default = _rule(body["default"], (*path, "default"), lines)
    registers_raw = body.get("registers") or {}
    if not isinstance(registers_raw, dict):
        raise PolicyError(f"tenants.{tenant}.registers must be a table", _line_of(lines, path, "registers"))
    rules: dict[str, Rule] = {}
    for register, rule in registers_raw.items():
        if register not in known:
            raise PolicyError(f"tenants.{tenant}: unknown register {register!r} (known: {', '.join(sorted(known))})",
                              _line_of(lines, (*path, "registers"), register))  # fmt: skip
        rules[register] = _rule(rule, (*path, "registers", register), lines)
    return TenantPolicy(default=default, registers=rules)


def _rule(body: Any, path: tuple[str, ...], lines: list[str]) -> Rule:
    name = ".".join(path)
    if not isinstance(body, dict):
        raise PolicyError(f"{name} must be a table with read, file, export", _line_of(lines, path[:-1], path[-1]))
    extra = sorted(set(body) - set(ACTIONS))
    if extra:
        raise PolicyError(f"{name}: unknown action {extra[0]!r} (read, file, export)", _line_of(lines, path, extra[0]))
    missing = [a for a in ACTIONS if a not in body]
    if missing:
        raise PolicyError(f"{name}: {missing[0]} is missing (an empty list allows nobody)", _line_of(lines, path, None))
    groups: dict[str, frozenset[str]] = {}
    for action in ACTIONS:
        value = body[action]
        if not isinstance(value, list) or not all(isinstance(g, str) and g.strip() for g in value):
            raise PolicyError(f"{name}.{action} must be a list of group names", _line_of(lines, path, action))
        groups[action] = as_set(value)
    return Rule(**groups)


# ------------------------------------------------------------------------------------------------ line numbers

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-*]+)\s*=""")


def _split_key(raw: str) -> tuple[str, ...]:
    parts = re.findall(r"""("[^"]*"|'[^']*'|[^.\s]+)""", raw)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def _line_of(lines: list[str], table: tuple[str, ...], key: str | None) -> int:
    """The 1-based line of `key` inside table `table` (or of the table header, or of a sub-table
    `[table.key…]`); 0 when it cannot be found (inline tables, dotted keys)."""
    current: tuple[str, ...] = ()
    header_line = 0
    for n, line in enumerate(lines, start=1):
        if m := _HEADER.match(line):
            current = _split_key(m.group(1))
            if current == table and not header_line:
                header_line = n
            if key is not None and current[: len(table) + 1] == (*table, key):
                return n
            continue
        if key is not None and current == table and (k := _KEY.match(line)):
            name = k.group(1)
            if (name[1:-1] if name[:1] in "\"'" else name) == key:
                return n
    return header_line


def default_policy(registers: Iterable[str]) -> AccessPolicy:
    return parse_policy(DEFAULT_TEXT, registers)


def known_groups(policy: AccessPolicy) -> frozenset[str]:
    out: set[str] = set()
    for tp in policy.tenants.values():
        for rule in (tp.default, *tp.registers.values()):
            for action in ACTIONS:
                out |= rule.groups(action)
    return frozenset(out)


def policy_as_dict(policy: AccessPolicy) -> dict[str, Any]:
    def rule(r: Rule) -> dict[str, list[str]]:
        return {a: sorted(r.groups(a)) for a in ACTIONS}

    return {t: {"default": rule(tp.default), "registers": {k: rule(v) for k, v in sorted(tp.registers.items())}}
            for t, tp in sorted(policy.tenants.items())}  # fmt: skip
