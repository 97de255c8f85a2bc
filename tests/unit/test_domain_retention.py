"""The retention table and its dates (domain/retention.py): the law's periods per register, the year-end start,
contracts, delivery notes, future and missing dates, and a clear error for every bad table."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from core.settings import REPO_ROOT
from domain.retention import (
    DEFAULTS,
    RetentionConfigError,
    assess,
    default_table,
    expired,
    load_table,
    parse_table,
    retain_until,
    settled_by_invoice,
    year_end,
)
from indexing.schema import REGISTERS

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
CONFIG = REPO_ROOT / "config" / "retention.toml"


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    return load_table(CONFIG, REGISTERS)


def until(register: str, doc_date: Any, table: Any, contract_end: Any = None) -> dt.date | None:
    return retain_until(register, doc_date, contract_end, table=table, now=NOW)


# ------------------------------------------------------------------------------------------------ the periods


def test_the_shipped_file_is_the_laws_default_table(table):
    assert table.profile == "standard"
    assert {r: (x.years, x.start, x.until_invoice, x.dispose) for r, x in table.rules.items()} == {
        r: (x.years, x.start, x.until_invoice, x.dispose) for r, x in default_table(REGISTERS).rules.items()
    }
    assert set(table.rules) == set(REGISTERS)
    assert table.fingerprint == default_table(REGISTERS).fingerprint


@pytest.mark.parametrize(
    ("register", "years"),
    [
        ("invoice", 8),  # Buchungsbelege since BEG IV
        ("credit_note", 8),
        ("offer", 6),  # Handels- und Geschäftsbriefe
        ("order", 6),
        ("order_confirmation", 6),
        ("correspondence", 6),
        ("complaint", 6),
        ("service", 6),
        ("contract", 10),
        ("delivery_note", 6),  # the fallback while no invoice is known
        ("other", 10),
    ],
)
def test_each_register_keeps_its_period_from_the_end_of_the_year(table, register, years):
    assert until(register, "2024-03-05", table) == dt.date(2024 + years, 12, 31)
    assert until(register, "2024-12-31", table) == dt.date(2024 + years, 12, 31)
    assert until(register, "2025-01-01", table) == dt.date(2025 + years, 12, 31)


def test_the_example_of_the_issue(table):
    r = assess("invoice", "2024-03-05", table=table, now=NOW)
    assert r.retain_until == dt.date(2032, 12, 31) and r.basis == "invoice:8y:doc_date" and r.flags == ()
    assert not expired(r.retain_until, dt.date(2032, 12, 31)) and expired(r.retain_until, dt.date(2033, 1, 1))


def test_review_documents_are_never_disposed(table):
    r = assess("review", "2001-01-01", table=table, now=NOW)
    assert r.retain_until is None and r.basis == "review:never" and r.flags == ("never",)
    assert not expired(None, dt.date(2999, 1, 1))


def test_the_bafin_profile_keeps_booking_documents_ten_years():
    data = copy.deepcopy(DEFAULTS) | {"profile": "bafin"}
    bafin = parse_table(data, REGISTERS)
    assert until("invoice", "2024-03-05", bafin) == dt.date(2034, 12, 31)
    assert until("credit_note", "2024-03-05", bafin) == dt.date(2034, 12, 31)
    assert until("correspondence", "2024-03-05", bafin) == dt.date(2030, 12, 31)  # letters unchanged
    assert bafin.fingerprint != default_table(REGISTERS).fingerprint  # documents are recomputed after a switch


def test_a_per_register_override_in_the_file(tmp_path: Path):
    text = CONFIG.read_text(encoding="utf-8").replace(
        "[registers.invoice]\nyears = 8", "[registers.invoice]\nyears = 10"
    )
    path = tmp_path / "retention.toml"
    path.write_text(text, encoding="utf-8")
    assert until("invoice", "2024-03-05", load_table(path, REGISTERS)) == dt.date(2034, 12, 31)


# ------------------------------------------------------------------------------------------------ special dates


def test_contracts_run_from_their_end_and_else_from_the_document_date(table):
    r = assess("contract", "2018-05-01", "2023-09-30", table=table, now=NOW)
    assert r.retain_until == dt.date(2033, 12, 31) and r.basis == "contract:10y:contract_end" and r.flags == ()
    r = assess("contract", "2018-05-01", None, table=table, now=NOW)
    assert r.retain_until == dt.date(2028, 12, 31) and r.flags == ("no_contract_end",)
    # an end before the document's own date (a late signature): the later of both
    assert until("contract", "2020-02-01", table, contract_end="2019-12-31") == dt.date(2030, 12, 31)


def test_documents_dated_in_the_future_are_computed_from_their_date_and_flagged(table):
    r = assess("invoice", "2027-02-01", table=table, now=NOW)
    assert r.retain_until == dt.date(2035, 12, 31) and "future_date" in r.flags
    assert r.retain_until >= year_end(NOW.date(), 8)  # never earlier than a document dated today
    assert assess("invoice", "2026-06-15", table=table, now=NOW).flags == ()  # today is not the future


def test_documents_without_a_date_run_from_now(table):
    r = assess("correspondence", None, table=table, now=NOW)
    assert r.retain_until == dt.date(2032, 12, 31) and r.flags == ("no_date",)
    assert assess("correspondence", "not a date", table=table, now=NOW).flags == ("no_date",)
    assert until("correspondence", dt.datetime(2020, 5, 1, 23, 30, tzinfo=dt.UTC), table) == dt.date(2026, 12, 31)
    assert until("correspondence", "2020-05-01T10:00:00+02:00", table) == dt.date(2026, 12, 31)


def test_an_unknown_register_gets_the_longest_period(table):
    r = assess("fax", "2024-03-05", table=table, now=NOW)
    assert r.retain_until == dt.date(2034, 12, 31) and r.flags == ("unknown_register",)


def test_a_delivery_note_ends_with_its_invoice(table):
    rule = table.rule("delivery_note")
    assert settled_by_invoice(rule, "2024-04-10") == dt.date(2024, 12, 31)
    assert settled_by_invoice(rule, None) is None
    assert settled_by_invoice(table.rule("invoice"), "2024-04-10") is None
    later = parse_table(copy.deepcopy(DEFAULTS) | {"registers": {**DEFAULTS["registers"], "delivery_note": {
        "years": 6, "until_invoice": True, "after_invoice_years": 1}}}, REGISTERS)  # fmt: skip
    assert settled_by_invoice(later.rule("delivery_note"), "2024-04-10") == dt.date(2025, 12, 31)


# ------------------------------------------------------------------------------------------------ bad tables


def bad(change: dict[str, Any] | None = None, **registers: Any) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULTS)
    data["registers"].update(registers)
    data.update(change or {})
    return data


@pytest.mark.parametrize(
    ("data", "key", "says"),
    [
        (bad(fax={"years": 3}), "registers.fax", "unknown register"),
        (bad(invoice={"years": -1}), "registers.invoice.years", "negative"),
        (bad(invoice={"years": 7.5}), "registers.invoice.years", "whole number"),
        (bad(invoice={"years": "8"}), "registers.invoice.years", "whole number"),
        (bad(invoice={"years": True}), "registers.invoice.years", "whole number"),
        (bad(invoice={"years": 2032}), "registers.invoice.years", "not plausible"),
        (bad(invoice={}), "registers.invoice.years", "missing"),
        (bad(invoice={"years": 8, "yaers": 9}), "registers.invoice.yaers", "unknown setting"),
        (bad(contract={"years": 10, "from": "signature"}), "registers.contract.from", "must be one of"),
        (bad(review={"dispose": "no"}), "registers.review.dispose", "true or false"),
        (bad(delivery_note={"years": 6, "after_invoice_years": -2}), "registers.delivery_note.after_invoice_years",
         "negative"),
        (bad({"profile": "bank"}), "profile", "unknown profile"),
        (bad({"profiles": {"bafin": {"invoice": {"years": -10}}}}), "profiles.bafin.invoice.years", "negative"),
        (bad({"profiles": {"bafin": {"fax": {"years": 10}}}}), "profiles.bafin.fax", "unknown register"),
        (bad({"periods": {}}), "periods", "unknown setting"),
        ({"profile": "standard"}, "registers", "missing"),
    ],
)  # fmt: skip
def test_a_bad_table_names_the_offending_key(data, key, says):
    with pytest.raises(RetentionConfigError) as err:
        parse_table(data, REGISTERS, source="retention.toml")
    assert err.value.key == key and says in str(err.value)
    assert str(err.value).startswith(f"retention.toml: {key}: ")


def test_every_register_needs_a_rule():
    data = copy.deepcopy(DEFAULTS)
    del data["registers"]["service"]
    with pytest.raises(RetentionConfigError, match=r"registers\.service: missing"):
        parse_table(data, REGISTERS)


def test_a_missing_or_broken_file_is_named(tmp_path: Path):
    with pytest.raises(RetentionConfigError, match="does not exist"):
        load_table(tmp_path / "nope.toml", REGISTERS)
    broken = tmp_path / "broken.toml"
    broken.write_text("[registers.invoice\nyears = 8", encoding="utf-8")
    with pytest.raises(RetentionConfigError, match="not valid TOML") as err:
        load_table(broken, REGISTERS)
    assert str(broken) in str(err.value)


def test_the_configured_table_follows_the_setting_and_the_file(tmp_path: Path):
    from indexing.retention import configured_table

    path = tmp_path / "retention.toml"
    path.write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    assert configured_table(path).rule("invoice").years == 8  # type: ignore[union-attr]
    path.write_text(CONFIG.read_text(encoding="utf-8").replace('profile = "standard"', 'profile = "bafin"'),
                    encoding="utf-8")  # fmt: skip
    import os

    os.utime(path, ns=(1, 2_000_000_000_000_000_000))  # a new modification time: read again
    assert configured_table(path).rule("invoice").years == 10  # type: ignore[union-attr]
    path.write_text(CONFIG.read_text(encoding="utf-8").replace("years = 8", "years = -8", 1), encoding="utf-8")
    os.utime(path, ns=(1, 3_000_000_000_000_000_000))
    with pytest.raises(RetentionConfigError, match=r"registers\.invoice\.years"):
        configured_table(path)


def test_the_write_side_stores_the_retention_fields():
    from indexing.retention import builtin_table, retention_fields

    fields = retention_fields("invoice", "2024-03-05", None, table=builtin_table(), now=NOW)
    assert fields == {"retain_until": "2032-12-31", "retention_basis": "invoice:8y:doc_date", "retention_flags": [],
                      "retention_table": builtin_table().fingerprint}  # fmt: skip
