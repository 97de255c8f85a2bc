"""Process definitions (domain.process): the complaint file parses; every refusal names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.process import COMPLETE, ProcessError, parse_process, version_of

COMPLAINT = (Path(__file__).resolve().parents[2] / "config" / "processes" / "complaint.toml").read_text(
    encoding="utf-8"
)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[nth - 1]


def refused(text: str) -> ProcessError:
    with pytest.raises(ProcessError) as info:
        parse_process(text)
    return info.value


def test_the_complaint_process():
    p = parse_process(COMPLAINT)
    assert p.name == "complaint"
    assert list(p.steps) == ["capture", "check", "decide", "answer", "close"]
    assert p.start == "capture"
    assert [p.step(s).labels["de"] for s in p.steps] == [
        "Erfassen",
        "Prüfen",
        "Entscheiden",
        "Antworten",
        "Abschließen",
    ]
    decide = p.step("decide")
    assert decide.role == "manager" and decide.sla_days == 2 and decide.decision == "decision"
    assert set(decide.transitions) == {"credit_note", "replacement", "rejection"}
    assert [(f.id, f.type, f.required) for f in decide.form] == [
        ("decision", "choice", True),
        ("amount", "number", False),
        ("comment", "text", False),
    ]
    assert p.step("close").final and p.step("close").triggers == (COMPLETE,)
    assert p.federal_state == "NW" and "12-24" in p.closed_days
    assert p.version == version_of(COMPLAINT) and len(p.version) == 16
    assert p.text == COMPLAINT


def test_the_version_follows_the_content():
    edited = COMPLAINT.replace("sla_days = 3", "sla_days = 4")
    assert parse_process(edited).version != parse_process(COMPLAINT).version
    assert parse_process(COMPLAINT).version == parse_process(COMPLAINT).version


def test_an_unknown_role_names_its_line():
    text = COMPLAINT.replace('role = "manager"', 'role = "boss"')
    err = refused(text)
    assert err.line == line_of(text, 'role = "boss"')
    assert "unknown role 'boss'" in str(err) and str(err).startswith(f"line {err.line}:")


def test_a_step_without_a_way_out_names_its_line():
    text = COMPLAINT.replace('transitions = { complete = "decide" }\n', "")
    err = refused(text)
    assert err.line == line_of(text, "[steps.check]")
    assert "no way out" in err.reason


def test_a_transition_to_an_unknown_step_names_its_line():
    text = COMPLAINT.replace('transitions = { complete = "close" }', 'transitions = { complete = "archive" }')
    err = refused(text)
    assert err.line == line_of(text, '{ complete = "archive" }')
    assert "unknown step 'archive'" in err.reason


def test_an_unreachable_step_names_its_line():
    text = COMPLAINT.replace('transitions = { complete = "check" }', 'transitions = { complete = "decide" }')
    err = refused(text)
    assert err.line == line_of(text, "[steps.check]")
    assert "cannot be reached" in err.reason


def test_a_missing_sla_names_its_step():
    text = COMPLAINT.replace("sla_days = 3\n", "")
    err = refused(text)
    assert err.line == line_of(text, "[steps.check]")
    assert "sla_days is missing" in err.reason


def test_a_decision_without_a_transition_names_the_transitions_line():
    text = COMPLAINT.replace(', rejection = "answer" }', " }")
    err = refused(text)
    assert err.line == line_of(text, 'credit_note = "answer"')
    assert "'rejection' has no transition" in err.reason


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        ('type = "number"', 'type = "money"', 'type = "money"', "type must be one of"),
        ('federal_state = "NW"', 'federal_state = "XX"', 'federal_state = "XX"', "unknown federal state"),
        (
            'labels = { de = "Prüfen", en = "Check" }',
            'labels = { de = "Prüfen" }',
            'labels = { de = "Prüfen" }',
            "de and en",
        ),
        ("sla_days = 2\ndecision", "sla_days = -1\ndecision", "sla_days = -1", "whole number"),
        ('closed_days = ["12-24", "12-31"]', 'closed_days = ["24.12."]', 'closed_days = ["24.12."]', "MM-DD"),
        (
            "final = true\n\n[[steps.close",
            'final = true\ntransitions = { complete = "capture" }\n\n[[steps.close',
            'complete = "capture" }',
            "final step",
        ),
        ('start = "capture"', 'start = "begin"', 'start = "begin"', "not a step"),
        (
            '[[steps.decide.form]]\nid = "amount"',
            '[[steps.decide.form]]\nid = "amount"\nunit = "EUR"',
            'unit = "EUR"',
            "unknown key 'unit'",
        ),
    ],
)
def test_other_refusals_name_their_line(old: str, new: str, needle: str, words: str):
    assert old in COMPLAINT
    text = COMPLAINT.replace(old, new, 1)
    err = refused(text)
    assert words in err.reason
    assert err.line == line_of(text, needle), err


def test_no_final_step_and_bad_toml_are_refused():
    text = COMPLAINT.replace("final = true\n\n", 'transitions = { complete = "capture" }\n\n')
    assert "no step is final" in refused(text).reason
    err = refused(
        COMPLAINT.replace('role = "agent"\nsla_days = 1\ntransitions', 'role = "agent\nsla_days = 1\ntransitions', 1)
    )
    assert "not valid TOML" in err.reason and err.line > 0


def test_a_department_instead_of_a_role():
    text = COMPLAINT.replace('role = "manager"', 'department = "kundenservice-nord"')
    assert parse_process(text).step("decide").department == "kundenservice-nord"
    err = refused(COMPLAINT.replace('role = "manager"\n', ""))
    assert "neither a role nor a department" in err.reason
