"""Retention by document class (register): the table, its validation and the dates it gives (pure).

The table (`config/retention.toml`, another file: `COCKPIT_RETENTION_FILE`) holds one rule per register::

    profile = "standard"              # or "bafin": the overrides of [profiles.bafin.*] apply

    [registers.invoice]
    years = 8                         # whole years after the end of the calendar year of the start date
    law = "§ 147 Abs. 1 Nr. 4, Abs. 3 AO; ..."

    [registers.contract]
    years = 10
    from = "contract_end"             # or "document_date" (the default)

    [registers.delivery_note]
    years = 6                         # the fallback while no invoice for the same order is known
    until_invoice = true              # kept until the invoice is issued (§ 147 Abs. 3 Satz 3 und 4 AO)
    after_invoice_years = 0

    [registers.review]
    dispose = false                   # never disposed (documents nobody has filed yet)

Every register of the index must have a rule; unknown registers, unknown keys, negative, fractional or absurd
(> 100) periods raise `RetentionConfigError` naming the key — at start-up (`cockpit serve`, the worker,
`cockpit doctor`), never halfway through a disposal.

Dates (`assess` / `retain_until`): a period starts at the end of the calendar year of its start date (§ 147
Abs. 4 AO, § 257 Abs. 5 HGB): an invoice dated 2024-03-05 with 8 years is kept until 2032-12-31 and may be
disposed from 2033-01-01. A document dated after `now` (clock skew, a mistyped or misread date) is computed
from its own date anyway — which is never earlier than the end of `now`'s year plus the period — and flagged
`future_date`, so the report can show it for correction. Without a date the period runs from `now`
(flag `no_date`). A register without a rule (an old index) gets the longest period of the table (flag
`unknown_register`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Start = Literal["document_date", "contract_end"]
STARTS: tuple[str, ...] = ("document_date", "contract_end")
PROFILES_BUILTIN = ("standard",)
MAX_YEARS = 100

RULE_KEYS = frozenset({"years", "from", "until_invoice", "after_invoice_years", "dispose", "law", "note"})
TOP_KEYS = frozenset({"profile", "registers", "profiles"})

# The defaults (German law as of 2025); config/retention.toml spells out the same table with comments.
BOOKING = "§ 147 Abs. 1 Nr. 4, Abs. 3 AO; § 257 Abs. 1 Nr. 4, Abs. 4 HGB; § 14b Abs. 1 UStG (8 Jahre seit BEG IV)"
LETTERS = "§ 147 Abs. 1 Nr. 2, 3, Abs. 3 AO; § 257 Abs. 1 Nr. 2, 3, Abs. 4 HGB (Handels- und Geschäftsbriefe)"
DEFAULTS: dict[str, Any] = {
    "profile": "standard",
    "registers": {
        "invoice": {"years": 8, "law": BOOKING},
        "credit_note": {"years": 8, "law": BOOKING},
        "offer": {"years": 6, "law": LETTERS},
        "order": {"years": 6, "law": LETTERS},
        "order_confirmation": {"years": 6, "law": LETTERS},
        "correspondence": {"years": 6, "law": LETTERS},
        "complaint": {"years": 6, "law": LETTERS},
        "service": {"years": 6, "law": LETTERS},
        "contract": {"years": 10, "from": "contract_end",
                     "law": "Unternehmensentscheidung: 10 Jahre nach Vertragsende (§§ 195, 199 Abs. 4 BGB)"},
        "delivery_note": {"years": 6, "until_invoice": True, "after_invoice_years": 0,
                          "law": "§ 147 Abs. 3 Satz 3, 4 AO: bis zum Erhalt/Versand der Rechnung"},
        "other": {"years": 10, "law": "Unternehmensentscheidung: die längste Frist (§ 147 Abs. 3 AO a. F.)"},
        "review": {"dispose": False, "law": "nicht abgelegt: wird nie vernichtet"},
    },
    "profiles": {
        "bafin": {
            "invoice": {"years": 10, "law": BOOKING + "; BaFin-beaufsichtigt: 10 Jahre"},
            "credit_note": {"years": 10, "law": BOOKING + "; BaFin-beaufsichtigt: 10 Jahre"},
        }
    },
}  # fmt: skip


class RetentionConfigError(ValueError):
    """The retention table is unusable; `key` names the offending entry (e.g. ``registers.invoice.years``)."""

    def __init__(self, key: str, problem: str, source: str = "") -> None:
        self.key = key
        self.problem = problem
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key}: {problem}")


@dataclass(frozen=True)
class Rule:
    register: str
    years: int  # 0 with dispose=False
    start: Start = "document_date"
    until_invoice: bool = False
    after_invoice_years: int = 0
    dispose: bool = True
    law: str = ""


@dataclass(frozen=True)
class RetentionTable:
    rules: Mapping[str, Rule]
    profile: str = "standard"
    source: str = ""

    def rule(self, register: str) -> Rule | None:
        return self.rules.get(register)

    @property
    def strictest(self) -> Rule:
        """The longest period of the table (for a register without a rule)."""
        rules = [r for r in self.rules.values() if r.dispose]
        longest = max(rules, key=lambda r: r.years) if rules else Rule("other", MAX_YEARS)
        return Rule("unknown", longest.years, law=longest.law)

    @property
    def fingerprint(self) -> str:
        """Changes whenever a period changes: documents computed with another table are recomputed (backfill)."""
        data = sorted((r.register, r.years, r.start, r.until_invoice, r.after_invoice_years, r.dispose)
                      for r in self.rules.values())  # fmt: skip
        return hashlib.sha256(json.dumps([self.profile, data]).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Retention:
    """What a document's rule says: keep until (None: never disposed), why, and what looked odd."""

    retain_until: dt.date | None
    basis: str
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def until_iso(self) -> str | None:
        return self.retain_until.isoformat() if self.retain_until else None


# ------------------------------------------------------------------------------------------------ the table


def _whole_years(value: Any, key: str, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RetentionConfigError(key, f"must be a whole number of years, not {value!r}", source)
    if value < 0:
        raise RetentionConfigError(key, f"must not be negative ({value})", source)
    if value > MAX_YEARS:
        raise RetentionConfigError(key, f"{value} years is not plausible (at most {MAX_YEARS})", source)
    return value


def _rule(register: str, raw: Any, key: str, source: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise RetentionConfigError(key, "must be a table (years = …)", source)
    for k in raw:
        if k not in RULE_KEYS:
            raise RetentionConfigError(f"{key}.{k}", f"unknown setting (known: {', '.join(sorted(RULE_KEYS))})",
                                       source)  # fmt: skip
    for flag in ("dispose", "until_invoice"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise RetentionConfigError(f"{key}.{flag}", f"must be true or false, not {raw[flag]!r}", source)
    for text in ("law", "note"):
        if text in raw and not isinstance(raw[text], str):
            raise RetentionConfigError(f"{key}.{text}", "must be a text", source)
    dispose = bool(raw.get("dispose", True))
    if dispose and "years" not in raw:
        raise RetentionConfigError(f"{key}.years", "missing (or set dispose = false)", source)
    years = _whole_years(raw["years"], f"{key}.years", source) if "years" in raw else 0
    start = raw.get("from", "document_date")
    if start not in STARTS:
        raise RetentionConfigError(f"{key}.from", f"must be one of {', '.join(STARTS)}, not {start!r}", source)
    after = _whole_years(raw.get("after_invoice_years", 0), f"{key}.after_invoice_years", source)
    return Rule(register, years, start, bool(raw.get("until_invoice", False)), after, dispose,
                str(raw.get("law") or ""))  # fmt: skip


def parse_table(data: Mapping[str, Any], registers: Sequence[str], *, source: str = "") -> RetentionTable:
    """Validate a table (the parsed TOML) against the index's registers; raises `RetentionConfigError`."""
    known = tuple(registers)
    for k in data:
        if k not in TOP_KEYS:
            raise RetentionConfigError(k, f"unknown setting (known: {', '.join(sorted(TOP_KEYS))})", source)
    raw_rules = data.get("registers")
    if not isinstance(raw_rules, Mapping):
        raise RetentionConfigError("registers", "missing: one [registers.<register>] table per register", source)
    for name in raw_rules:
        if name not in known:
            raise RetentionConfigError(f"registers.{name}", f"unknown register (known: {', '.join(known)})", source)
    missing = [r for r in known if r not in raw_rules]
    if missing:
        raise RetentionConfigError(f"registers.{missing[0]}", "missing: every register needs a rule", source)
    base = {name: _rule(name, raw_rules[name], f"registers.{name}", source) for name in known}
    profiles = data.get("profiles") or {}
    if not isinstance(profiles, Mapping):
        raise RetentionConfigError("profiles", "must be a table of [profiles.<name>.<register>]", source)
    profile = data.get("profile", "standard")
    if not isinstance(profile, str) or (profile not in profiles and profile not in PROFILES_BUILTIN):
        names = sorted({*PROFILES_BUILTIN, *profiles})
        raise RetentionConfigError("profile", f"unknown profile {profile!r} (known: {', '.join(names)})", source)
    for pname, overrides in profiles.items():
        if not isinstance(overrides, Mapping):
            raise RetentionConfigError(f"profiles.{pname}", "must be a table of [profiles.<name>.<register>]", source)
        for name, raw in overrides.items():
            if name not in known:
                raise RetentionConfigError(f"profiles.{pname}.{name}",
                                           f"unknown register (known: {', '.join(known)})", source)  # fmt: skip
            own = raw_rules[name]
            merged = {**own, **raw} if isinstance(own, Mapping) and isinstance(raw, Mapping) else raw
            _rule(name, merged, f"profiles.{pname}.{name}", source)  # every profile is valid, not only the active
    active = profiles.get(profile) or {}
    rules = {name: _rule(name, {**raw_rules[name], **active[name]}, f"profiles.{profile}.{name}", source)
             if name in active else base[name] for name in known}  # fmt: skip
    return RetentionTable(rules, profile, source)


def load_table(path: Path | str, registers: Sequence[str]) -> RetentionTable:
    """Read and validate a TOML table; a missing or malformed file raises `RetentionConfigError` too."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RetentionConfigError("file", f"{path} does not exist (COCKPIT_RETENTION_FILE)", str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RetentionConfigError("file", f"cannot be read: {exc}", str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise RetentionConfigError("file", f"not valid TOML: {exc}", str(path)) from exc
    return parse_table(data, registers, source=str(path))


def default_table(registers: Sequence[str]) -> RetentionTable:
    return parse_table(DEFAULTS, registers, source="built-in defaults")


# ------------------------------------------------------------------------------------------------ dates


def as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime or ISO string ("2024-03-05", "2024-03-05T10:00:00+01:00"); else None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _today(now: dt.datetime | dt.date) -> dt.date:
    return now.date() if isinstance(now, dt.datetime) else now


def year_end(day: dt.date, plus_years: int = 0) -> dt.date:
    """The last day of the calendar year of `day`, `plus_years` later."""
    return dt.date(min(day.year + plus_years, dt.MAXYEAR), 12, 31)


def assess(
    register: str,
    doc_date: Any,
    contract_end: Any = None,
    *,
    table: RetentionTable,
    now: dt.datetime | dt.date,
) -> Retention:
    """The retention of one document: until when it is kept, on which basis, and flags (see the module doc)."""
    today = _today(now)
    flags: list[str] = []
    rule = table.rule(register)
    if rule is None:
        rule = table.strictest
        flags.append("unknown_register")
    if not rule.dispose:
        return Retention(None, f"{register}:never", ("never",))
    start = as_date(doc_date)
    kind = "doc_date"
    if start is None:
        start = today
        flags.append("no_date")
    if rule.start == "contract_end":
        end = as_date(contract_end)
        if end is None:
            flags.append("no_contract_end")  # from the document date: said so in the report
        else:
            start, kind = max(start, end), "contract_end"
    if start > today:
        flags.append("future_date")
    until = year_end(start, rule.years)
    return Retention(until, f"{register}:{rule.years}y:{kind}", tuple(flags))


def retain_until(
    register: str,
    doc_date: Any,
    contract_end: Any = None,
    *,
    table: RetentionTable,
    now: dt.datetime | dt.date,
) -> dt.date | None:
    """Until when a document is kept (None: never disposed)."""
    return assess(register, doc_date, contract_end, table=table, now=now).retain_until


def settled_by_invoice(rule: Rule, invoice_date: Any) -> dt.date | None:
    """A delivery note whose invoice is issued: kept until the end of the invoice's year (+ after_invoice_years);
    None when the rule does not end with the invoice or the invoice has no date."""
    day = as_date(invoice_date)
    if not rule.until_invoice or not rule.dispose or day is None:
        return None
    return year_end(day, rule.after_invoice_years)


def expired(retain_until_value: Any, now: dt.datetime | dt.date) -> bool:
    """Whether a document may be disposed of by date: its last day of retention lies before today."""
    day = as_date(retain_until_value)
    return day is not None and day < _today(now)
