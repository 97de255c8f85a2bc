"""The adapter to the state-machine engine: a parsed process (domain.process) run by `transitions`.

Why `transitions` (pytransitions, MIT): its machines are built from plain dicts (states, and transitions as
``{"trigger", "source", "dest"}``), which is exactly what a process file is, so the file stays the one source
of truth and an admin edits no code; it runs in-process with no persistence of its own (a case's current
step lives in the case record, the machine is rebuilt from it), and has no further dependencies. A BPMN
engine (SpiffWorkflow) would bring its own serialized workflow state and a BPMN editor the admins do not
have; our processes are linear with decisions, which a state machine describes completely.

`Engine(process).complete(current_step, form)` restores a machine in the case's step, checks the form against
the step's form, fires the trigger (``complete``, or the value of the step's decision field) and returns the
next step (`Advance`, ``dest == END`` when the case ends) — or a `Refusal` with a message code. The engine
keeps no case state; engines are kept per process version (`engine_for`), so a running case is always
worked by the definition it started with.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine, MachineError

from domain.process import COMPLETE, FormField, Process, Step

END = "closed"  # the machine's state after a final step


@dataclass(frozen=True)
class Refusal:
    """Why a completion is refused: a message code (i18n catalogue) and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Advance:
    source: str
    trigger: str
    dest: str  # the next step, or END
    values: Mapping[str, Any]  # the form, checked and normalised

    @property
    def closes(self) -> bool:
        return self.dest == END


class _Case:
    """The machine's model: nothing but the state `transitions` keeps on it."""

    state: str


def machine_config(process: Process) -> dict[str, Any]:
    """The process as the dict `transitions.Machine` is built from."""
    transitions: list[dict[str, str]] = []
    for step in process.steps.values():
        if step.final:
            transitions.append({"trigger": COMPLETE, "source": step.id, "dest": END})
        for trigger, target in step.transitions.items():
            transitions.append({"trigger": trigger, "source": step.id, "dest": target})
    return {"states": [*process.steps, END], "transitions": transitions, "auto_transitions": False,
            "ignore_invalid_triggers": False}  # fmt: skip


class Engine:
    def __init__(self, process: Process) -> None:
        self.process = process
        self.config = machine_config(process)

    def restore(self, current: str) -> tuple[_Case, Machine]:
        """A machine whose model stands in `current` (a step, or END)."""
        if current not in self.config["states"]:
            raise KeyError(current)
        model = _Case()
        machine = Machine(model=model, initial=current, **self.config)
        return model, machine

    def triggers(self, current: str) -> list[str]:
        """The triggers that lead out of `current`."""
        _, machine = self.restore(current)
        return sorted(machine.get_triggers(current))

    def complete(self, current: str, form: Mapping[str, Any]) -> Advance | Refusal:
        """Complete step `current` with these form values: the next step, or why not."""
        if current == END:
            return Refusal("cases.error.closed")
        step = self.process.steps.get(current)
        if step is None:
            return Refusal("cases.error.step_unknown", {"step": current})
        values = validate_form(step, form)
        if isinstance(values, Refusal):
            return values
        trigger = str(values[step.decision]) if step.decision else COMPLETE
        model, _ = self.restore(current)
        try:
            model.trigger(trigger)  # type: ignore[attr-defined]
        except (MachineError, AttributeError):
            return Refusal("cases.error.trigger", {"step": current, "trigger": trigger})
        return Advance(source=current, trigger=trigger, dest=model.state, values=values)


def validate_form(step: Step, form: Mapping[str, Any]) -> dict[str, Any] | Refusal:
    """The step's form values checked against its fields (types, required, choices), normalised."""
    if not isinstance(form, Mapping):
        return Refusal("cases.error.form")
    known = {f.id for f in step.form}
    for key in form:
        if key not in known:
            return Refusal("cases.error.field_unknown", {"field": str(key), "step": step.id})
    out: dict[str, Any] = {}
    for f in step.form:
        value = _value(f, form.get(f.id))
        if isinstance(value, Refusal):
            return value
        if value is None:
            if f.required:
                return Refusal("cases.error.field_required", {"field": f.id, "step": step.id})
            continue
        out[f.id] = value
    return out


def _value(f: FormField, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if f.type == "choice":
        if not isinstance(raw, str) or raw.strip() not in f.choices:
            return Refusal("cases.error.field_choice", {"field": f.id, "choices": ", ".join(f.choices)})
        return raw.strip()
    if f.type == "number":
        number: float | None = None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            number = float(raw)
        elif isinstance(raw, str):
            try:
                number = float(raw.strip().replace(" ", "").replace(",", "."))
            except ValueError:
                number = None
        if number is None or not math.isfinite(number):
            return Refusal("cases.error.field_number", {"field": f.id})
        return int(number) if number.is_integer() else number
    text = str(raw).strip()
    if len(text) > f.max_length:
        return Refusal("cases.error.field_text", {"field": f.id, "n": f.max_length})
    return text


_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def engine_for(process: Process) -> Engine:
    """The engine of this process version (kept for every version loaded)."""
    key = f"{process.name}:{process.version}"
    with _LOCK:
        found = _ENGINES.get(key)
        if found is None:
            found = _ENGINES[key] = Engine(process)
        return found
