"""Process definitions of cases (pure): the file format, its parser and validator.

A process (``config/processes/<name>.toml``, the default one `complaint.toml`) is a set of steps::

    name = "complaint"
    labels = { de = "Reklamation", en = "Complaint" }
    start = "capture"
    federal_state = "NW"             # whose public holidays the SLAs skip (default NW)
    closed_days = ["12-24"]          # further month-days without work
    queue = "kundenservice-{tenant}" # the department a new case is queued in (steps without their own)
    reopen = "check"                 # the step a reopened case returns to (default: start)

    [steps.decide]
    labels = { de = "Entscheiden", en = "Decide" }
    role = "manager"                 # and/or department = "kundenservice-nord"
    sla_days = 2                     # working days (domain.workdays)
    decision = "decision"            # the form field whose value is the trigger
    transitions = { credit_note = "answer", replacement = "answer", rejection = "answer" }

    [[steps.decide.form]]
    id = "decision"
    type = "choice"                  # choice | number | text
    choices = ["credit_note", "replacement", "rejection"]
    required = true

A step leads on by its ``transitions`` (trigger → step; without ``decision`` the one trigger is ``complete``) or
ends the case (``final = true``). The engine that runs it is `transitions` (app.process_engine); this module
only reads and checks the file. A definition that cannot run is refused with the line it is on
(`ProcessError`): not TOML, an unknown role, a step without a way out, a transition to an unknown step, a step
no path reaches, a missing SLA, a malformed form. The version is the text's hash: an edited file is a new
version, and the text itself is the snapshot a case keeps.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.principal import ROLES

COMPLETE = "complete"  # the trigger of a step without a decision
FIELD_TYPES = ("choice", "number", "text")
LANGS = ("de", "en")
DEFAULT_STATE = "NW"
# the federal states `holidays.Germany` knows (ISO 3166-2:DE without the prefix)
FEDERAL_STATES = ("BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH")
MAX_TEXT = 5000
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_TOP_KEYS = {"name", "labels", "start", "federal_state", "closed_days", "steps", "queue", "reopen"}
_QUEUE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_STEP_KEYS = {"labels", "role", "department", "sla_days", "form", "transitions", "decision", "final"}
_FIELD_KEYS = {"id", "type", "required", "choices", "max_length"}


class ProcessError(ValueError):
    """A process definition that cannot be used; `line` is 1-based (0: not known)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.reason = message


@dataclass(frozen=True)
class FormField:
    id: str
    type: str  # choice | number | text
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = MAX_TEXT


@dataclass(frozen=True)
class Step:
    id: str
    labels: Mapping[str, str]
    sla_days: int
    role: str | None = None
    department: str | None = None
    form: tuple[FormField, ...] = ()
    transitions: Mapping[str, str] = field(default_factory=dict)  # trigger -> step id
    decision: str | None = None  # the form field whose value is the trigger
    final: bool = False

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.form if f.id == field_id), None)

    @property
    def triggers(self) -> tuple[str, ...]:
        return (COMPLETE,) if self.final else tuple(self.transitions)


@dataclass(frozen=True)
class Process:
    name: str
    version: str  # sha256 prefix of the text
    labels: Mapping[str, str]
    start: str
    steps: Mapping[str, Step]
    text: str  # the snapshot a case keeps
    federal_state: str = DEFAULT_STATE
    closed_days: tuple[str, ...] = ()
    queue: str | None = None  # the department a new case is queued in ("{tenant}" is replaced)
    reopen: str | None = None  # the step a reopened case returns to (default: start)

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]

    def queue_for(self, tenant: str) -> str | None:
        return self.queue.replace("{tenant}", tenant) if self.queue else None

    @property
    def reopen_step(self) -> str:
        return self.reopen or self.start


def version_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ------------------------------------------------------------------------------------------------ parsing

_TOML_LINE = re.compile(r"at line (\d+)")


def parse_process(text: str) -> Process:
    """The process from TOML text. Raises `ProcessError` with the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        raise ProcessError(f"not valid TOML: {exc}", int(m.group(1)) if m else 0) from exc
    lines = Lines(text)
    if extra := sorted(set(data) - _TOP_KEYS):
        raise ProcessError(f"unknown key {extra[0]!r}", lines.at((), extra[0]))
    name = data.get("name")
    if not isinstance(name, str) or not _ID.match(name):
        raise ProcessError("name must be a lower-case identifier", lines.at((), "name") or 1)
    labels = _labels(data.get("labels"), lines, (), "process")
    state = data.get("federal_state", DEFAULT_STATE)
    if state not in FEDERAL_STATES:
        raise ProcessError(f"unknown federal state {state!r} (one of {', '.join(FEDERAL_STATES)})",
                           lines.at((), "federal_state"))  # fmt: skip
    closed = data.get("closed_days", [])
    if not isinstance(closed, list) or not all(isinstance(d, str) and _MONTH_DAY.match(d) for d in closed):
        raise ProcessError('closed_days must be a list of "MM-DD"', lines.at((), "closed_days"))
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, dict) or not steps_raw:
        raise ProcessError("no [steps.<id>] table", 1)
    steps = {sid: _step(sid, body, lines) for sid, body in steps_raw.items()}
    start = data.get("start", next(iter(steps)))
    if start not in steps:
        raise ProcessError(f"start {start!r} is not a step", lines.at((), "start"))
    for step in steps.values():
        for trigger, target in step.transitions.items():
            if target not in steps:
                raise ProcessError(f"steps.{step.id}: transition {trigger!r} leads to unknown step {target!r}",
                                   lines.at(("steps", step.id), "transitions"))  # fmt: skip
    queue = data.get("queue")
    if queue is not None and (not isinstance(queue, str) or not _QUEUE.match(queue.replace("{tenant}", "t"))):
        raise ProcessError('queue must be a department name (may contain "{tenant}")', lines.at((), "queue"))
    reopen = data.get("reopen")
    if reopen is not None and reopen not in steps:
        raise ProcessError(f"reopen {reopen!r} is not a step", lines.at((), "reopen"))
    reached = _reachable(start, steps)
    for sid in steps:
        if sid not in reached:
            raise ProcessError(f"steps.{sid} cannot be reached from {start!r}", lines.at(("steps",), sid))
    if not any(s.final for s in steps.values()):
        raise ProcessError("no step is final: a case could never end", lines.at((), "start") or 1)
    return Process(name=name, version=version_of(text), labels=labels, start=start, steps=steps, text=text,
                   federal_state=state, closed_days=tuple(closed), queue=queue, reopen=reopen)  # fmt: skip


def _labels(value: Any, lines: Lines, table: tuple[str, ...], what: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) or not value[lang].strip()
                                          for lang in LANGS):  # fmt: skip
        raise ProcessError(f"{what}: labels must name de and en", lines.at(table, "labels"))
    return {lang: value[lang].strip() for lang in LANGS}


def _step(sid: str, body: Any, lines: Lines) -> Step:
    table = ("steps", sid)
    here = lines.at(("steps",), sid)
    if not _ID.match(sid):
        raise ProcessError(f"step id {sid!r} must be a lower-case identifier", here)
    if not isinstance(body, dict):
        raise ProcessError(f"steps.{sid} must be a table", here)
    if extra := sorted(set(body) - _STEP_KEYS):
        raise ProcessError(f"steps.{sid}: unknown key {extra[0]!r}", lines.at(table, extra[0]))
    labels = _labels(body.get("labels"), lines, table, f"steps.{sid}")
    role, department = body.get("role"), body.get("department")
    if role is not None and role not in ROLES:
        raise ProcessError(f"steps.{sid}: unknown role {role!r} (one of {', '.join(ROLES)})", lines.at(table, "role"))
    if department is not None and (not isinstance(department, str) or not department.strip()):
        raise ProcessError(f"steps.{sid}: department must be a name", lines.at(table, "department"))
    if role is None and department is None:
        raise ProcessError(f"steps.{sid}: names neither a role nor a department", here)
    if "sla_days" not in body:
        raise ProcessError(f"steps.{sid}: sla_days is missing (working days to finish the step)", here)
    sla = body["sla_days"]
    if not isinstance(sla, int) or isinstance(sla, bool) or not 0 <= sla <= 365:
        raise ProcessError(f"steps.{sid}: sla_days must be a whole number of days (0-365)", lines.at(table, "sla_days"))
    raw_form = body.get("form", [])
    if not isinstance(raw_form, list):
        raise ProcessError(f"steps.{sid}.form must be [[steps.{sid}.form]] tables", lines.at(table, "form"))
    form = tuple(_field(sid, i, f, lines) for i, f in enumerate(raw_form))
    ids = [f.id for f in form]
    if dup := next((i for i in ids if ids.count(i) > 1), None):
        raise ProcessError(
            f"steps.{sid}: form field {dup!r} twice", lines.at((*table, "form", str(ids.index(dup) + 1)), "id")
        )
    final = body.get("final", False)
    if not isinstance(final, bool):
        raise ProcessError(f"steps.{sid}: final must be true or false", lines.at(table, "final"))
    transitions = body.get("transitions", {})
    if not isinstance(transitions, dict) or not all(isinstance(t, str) for t in transitions.values()):
        raise ProcessError(f"steps.{sid}: transitions must map triggers to steps", lines.at(table, "transitions"))
    if final and transitions:
        raise ProcessError(f"steps.{sid}: a final step has no transitions", lines.at(table, "transitions"))
    if not final and not transitions:
        raise ProcessError(f"steps.{sid} has no way out: add transitions or final = true", here)
    decision = body.get("decision")
    if decision is not None:
        dfield = next((f for f in form if f.id == decision), None)
        if dfield is None or dfield.type != "choice" or not dfield.required:
            raise ProcessError(f"steps.{sid}: decision must name a required choice field of the form",
                               lines.at(table, "decision"))  # fmt: skip
        if missing := [c for c in dfield.choices if c not in transitions]:
            raise ProcessError(
                f"steps.{sid}: decision {missing[0]!r} has no transition", lines.at(table, "transitions")
            )
        if extra_t := [t for t in transitions if t not in dfield.choices]:
            raise ProcessError(f"steps.{sid}: transition {extra_t[0]!r} is not a choice of {decision!r}",
                               lines.at(table, "transitions"))  # fmt: skip
    elif transitions and set(transitions) != {COMPLETE}:
        raise ProcessError(f"steps.{sid}: without a decision the one transition is {COMPLETE!r}",
                           lines.at(table, "transitions"))  # fmt: skip
    return Step(id=sid, labels=labels, sla_days=sla, role=role, department=department.strip() if department else None,
                form=form, transitions=dict(transitions), decision=decision, final=final)  # fmt: skip


def _field(sid: str, i: int, body: Any, lines: Lines) -> FormField:
    table = ("steps", sid, "form", str(i + 1))
    where = f"steps.{sid}.form[{i + 1}]"
    if not isinstance(body, dict):
        raise ProcessError(f"{where} must be a table", lines.at(table, None))
    if extra := sorted(set(body) - _FIELD_KEYS):
        raise ProcessError(f"{where}: unknown key {extra[0]!r}", lines.at(table, extra[0]))
    fid = body.get("id")
    if not isinstance(fid, str) or not _ID.match(fid):
        raise ProcessError(f"{where}: id must be a lower-case identifier", lines.at(table, "id"))
    ftype = body.get("type")
    if ftype not in FIELD_TYPES:
        raise ProcessError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}", lines.at(table, "type"))
    required = body.get("required", False)
    if not isinstance(required, bool):
        raise ProcessError(f"{where}: required must be true or false", lines.at(table, "required"))
    choices = body.get("choices", [])
    if ftype == "choice":
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and _ID.match(c) for c in choices)
        ):
            raise ProcessError(
                f"{where}: a choice needs choices (identifiers)", lines.at(table, "choices") or lines.at(table, None)
            )
    elif choices:
        raise ProcessError(f"{where}: only a choice has choices", lines.at(table, "choices"))
    max_length = body.get("max_length", MAX_TEXT)
    if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1:
        raise ProcessError(f"{where}: max_length must be a positive number", lines.at(table, "max_length"))
    return FormField(id=fid, type=ftype, required=required, choices=tuple(choices), max_length=max_length)


def _reachable(start: str, steps: Mapping[str, Step]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in steps[todo.pop()].transitions.values():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


# ------------------------------------------------------------------------------------------------ line numbers

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=""")


class Lines:
    """Where a table or key is in the text: tables as paths, the n-th entry of an array of tables as its
    1-based number (``("steps", "decide", "form", "2")``)."""

    def __init__(self, text: str) -> None:
        self.headers: dict[tuple[str, ...], int] = {}
        self.keys: dict[tuple[tuple[str, ...], str], int] = {}
        current: tuple[str, ...] = ()
        counts: dict[tuple[str, ...], int] = {}
        for n, line in enumerate(text.splitlines(), start=1):
            if m := _HEADER.match(line):
                path = tuple(p.strip().strip("\"'") for p in m.group(2).split("."))
                if m.group(1) == "[[":
                    counts[path] = counts.get(path, 0) + 1
                    path = (*path, str(counts[path]))
                current = path
                for depth in range(1, len(path) + 1):
                    self.headers.setdefault(path[:depth], n)
                continue
            if km := _KEY.match(line):
                name = km.group(1).strip("\"'")
                self.keys.setdefault((current, name), n)

    def at(self, table: tuple[str, ...], key: str | None) -> int:
        """The line of `key` in `table` (or of a sub-table `table.key`), else the table's header; 0: unknown."""
        if key is not None:
            if (table, key) in self.keys:
                return self.keys[(table, key)]
            if (*table, key) in self.headers:
                return self.headers[(*table, key)]
        return self.headers.get(table, 0)
