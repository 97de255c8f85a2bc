"""The engine adapter (app.process_engine, pytransitions) and the process library (app.processes)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from transitions import Machine

from app.cases import may_work, step_due
from app.process_engine import END, Advance, Engine, Refusal, engine_for, machine_config, validate_form
from app.processes import ProcessLibrary
from domain.principal import Principal
from domain.process import ProcessError, parse_process

SOURCE = Path(__file__).resolve().parents[2] / "config" / "processes" / "complaint.toml"
COMPLAINT = parse_process(SOURCE.read_text(encoding="utf-8"))


def test_the_machine_is_built_from_the_definition():
    cfg = machine_config(COMPLAINT)
    assert cfg["states"] == ["capture", "check", "decide", "answer", "close", END]
    assert {"trigger": "credit_note", "source": "decide", "dest": "answer"} in cfg["transitions"]
    assert {"trigger": "complete", "source": "close", "dest": END} in cfg["transitions"]
    model, machine = Engine(COMPLAINT).restore("decide")
    assert isinstance(machine, Machine) and model.state == "decide"
    assert Engine(COMPLAINT).triggers("decide") == ["credit_note", "rejection", "replacement"]
    assert Engine(COMPLAINT).triggers("check") == ["complete"]
    with pytest.raises(KeyError):
        Engine(COMPLAINT).restore("nowhere")


def test_a_case_walks_through_to_the_end():
    engine = engine_for(COMPLAINT)
    assert engine is engine_for(COMPLAINT)
    step, seen = COMPLAINT.start, []
    forms = {
        "check": {"comment": "Ware beschädigt"},
        "decide": {"decision": "credit_note", "amount": "49,90"},
        "answer": {"comment": "Gutschrift angekündigt"},
    }
    while step != END:
        out = engine.complete(step, forms.get(step, {}))
        assert isinstance(out, Advance), out
        seen.append((out.source, out.trigger))
        step = out.dest
    assert seen == [
        ("capture", "complete"),
        ("check", "complete"),
        ("decide", "credit_note"),
        ("answer", "complete"),
        ("close", "complete"),
    ]
    assert out.closes
    assert engine.complete(END, {}) == Refusal("cases.error.closed")


@pytest.mark.parametrize("decision", ["credit_note", "replacement", "rejection"])
def test_every_decision_leads_to_the_answer(decision: str):
    out = engine_for(COMPLAINT).complete("decide", {"decision": decision})
    assert isinstance(out, Advance) and out.dest == "answer" and out.trigger == decision


@pytest.mark.parametrize(
    ("step", "form", "code", "params"),
    [
        ("check", {}, "cases.error.field_required", {"field": "comment", "step": "check"}),
        ("check", {"comment": "   "}, "cases.error.field_required", {"field": "comment", "step": "check"}),
        ("decide", {"amount": 5}, "cases.error.field_required", {"field": "decision", "step": "decide"}),
        (
            "decide",
            {"decision": "refund"},
            "cases.error.field_choice",
            {"field": "decision", "choices": "credit_note, replacement, rejection"},
        ),
        ("decide", {"decision": "credit_note", "amount": "viel"}, "cases.error.field_number", {"field": "amount"}),
        (
            "decide",
            {"decision": "credit_note", "amount": float("nan")},
            "cases.error.field_number",
            {"field": "amount"},
        ),
        ("decide", {"decision": "credit_note", "amount": True}, "cases.error.field_number", {"field": "amount"}),
        (
            "decide",
            {"decision": "credit_note", "colour": "red"},
            "cases.error.field_unknown",
            {"field": "colour", "step": "decide"},
        ),
        ("answer", {"comment": "x" * 5001}, "cases.error.field_text", {"field": "comment", "n": 5000}),
        ("nowhere", {}, "cases.error.step_unknown", {"step": "nowhere"}),
    ],
)
def test_a_completion_is_refused_with_a_code(step: str, form: dict, code: str, params: dict):
    out = engine_for(COMPLAINT).complete(step, form)
    assert out == Refusal(code, params)


def test_form_values_are_normalised():
    decide = COMPLAINT.step("decide")
    assert validate_form(
        decide, {"decision": " rejection ", "amount": "1.234,5".replace(".", ""), "comment": " ok "}
    ) == {"decision": "rejection", "amount": 1234.5, "comment": "ok"}
    assert validate_form(decide, {"decision": "replacement", "amount": 3, "comment": ""}) == {
        "decision": "replacement",
        "amount": 3,
    }
    assert validate_form(decide, "nope") == Refusal("cases.error.form")  # type: ignore[arg-type]


def test_who_may_work_a_step():
    agent = Principal(
        "jonas", frozenset({"nord"}), frozenset({"all"}), roles=frozenset({"agent"}), department="kundenservice-nord"
    )
    manager = Principal(
        "anna", frozenset({"nord"}), frozenset({"all"}), roles=frozenset({"manager"}), department="vertrieb-nord"
    )
    admin = Principal("root", frozenset({"nord"}), frozenset({"all"}), roles=frozenset({"admin"}))
    assert may_work(agent, COMPLAINT.step("check"), None)
    assert not may_work(agent, COMPLAINT.step("decide"), None)
    assert may_work(manager, COMPLAINT.step("decide"), None) and may_work(manager, COMPLAINT.step("check"), None)
    assert may_work(admin, COMPLAINT.step("decide"), None)
    by_department = parse_process(
        SOURCE.read_text(encoding="utf-8").replace(
            'role = "manager"', 'role = "agent"\ndepartment = "kundenservice-nord"'
        )
    ).step("decide")
    assert may_work(agent, by_department, None) and not may_work(manager, by_department, None)


def test_step_due_dates_use_the_process_state_and_closed_days():
    assert step_due(COMPLAINT, COMPLAINT.step("check"), dt.date(2026, 4, 1)) == "2026-04-08"
    assert step_due(COMPLAINT, COMPLAINT.step("capture"), dt.date(2026, 12, 23)) == "2026-12-28"


def test_the_library_keeps_every_version(tmp_path: Path):
    target = tmp_path / "complaint.toml"
    target.write_text(SOURCE.read_text(encoding="utf-8"), encoding="utf-8")
    lib = ProcessLibrary(tmp_path)
    first = lib.current("complaint")
    assert lib.current("complaint") is first  # cached while the file is unchanged
    target.write_text(first.text.replace("sla_days = 3", "sla_days = 5"), encoding="utf-8")
    os.utime(target, ns=(1, 1))
    second = lib.current("complaint")
    assert second.version != first.version and second.step("check").sla_days == 5
    assert lib.by_version("complaint", first.version) is first
    assert lib.versions("complaint") == sorted([first.version, second.version])
    fresh = ProcessLibrary(tmp_path)  # another process: rebuilt from the case's snapshot
    assert fresh.by_version("complaint", first.version, first.text).step("check").sla_days == 3
    with pytest.raises(ProcessError):
        ProcessLibrary(tmp_path).by_version("complaint", first.version, second.text)  # a snapshot must match
    with pytest.raises(ProcessError):
        fresh.by_version("complaint", "0" * 16)
    assert [p.name for p in fresh.check_all()] == ["complaint"]


def test_the_library_names_the_file_and_line(tmp_path: Path):
    (tmp_path / "complaint.toml").write_text(
        SOURCE.read_text(encoding="utf-8").replace('role = "manager"', 'role = "chef"')
    )
    with pytest.raises(ProcessError) as info:
        ProcessLibrary(tmp_path).check_all()
    assert info.value.line > 0 and "complaint.toml" in str(info.value) and "chef" in str(info.value)
    with pytest.raises(ProcessError):
        ProcessLibrary(tmp_path).current("missing")
    with pytest.raises(ProcessError):
        ProcessLibrary(tmp_path).current("../etc")


def test_the_shipped_processes_are_valid():
    assert [p.name for p in ProcessLibrary().check_all()] == ["complaint"]
