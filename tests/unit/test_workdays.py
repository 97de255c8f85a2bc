"""Working days (domain.workdays) with the real German public holidays of 2026."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.workdays import due_date, is_holiday, is_working_day, working_days_between

D = dt.date


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 1, 1),
        D(2026, 4, 3),
        D(2026, 4, 6),
        D(2026, 5, 1),
        D(2026, 5, 14),
        D(2026, 5, 25),
        D(2026, 10, 3),
        D(2026, 12, 25),
        D(2026, 12, 26),
    ],
)
def test_nationwide_holidays(day: dt.date):
    for state in ("NW", "BY", "HH"):
        assert is_holiday(day, state)
        assert not is_working_day(day, state)


def test_holidays_depend_on_the_federal_state():
    all_saints = D(2026, 11, 1)
    assert is_holiday(all_saints, "NW") and is_holiday(all_saints, "BY")
    assert not is_holiday(all_saints, "HH")
    corpus_christi = D(2026, 6, 4)  # a Thursday: a working day in Hamburg, not in NRW
    assert not is_working_day(corpus_christi, "NW")
    assert is_working_day(corpus_christi, "HH")
    assert due_date(D(2026, 6, 3), 1, "NW") == D(2026, 6, 5)
    assert due_date(D(2026, 6, 3), 1, "HH") == D(2026, 6, 4)
    reformation = D(2026, 10, 31)  # a Saturday anyway; Reformation Day is a holiday in HH, not in NW
    assert is_holiday(reformation, "HH") and not is_holiday(reformation, "NW")


def test_weekends_and_easter_are_skipped():
    assert due_date(D(2026, 12, 4), 1) == D(2026, 12, 7)  # Friday + 1 = Monday
    assert due_date(D(2026, 4, 2), 1) == D(2026, 4, 7)  # Maundy Thursday + 1: Good Friday, Easter Monday skipped
    assert due_date(D(2026, 4, 1), 3) == D(2026, 4, 8)
    assert due_date(D(2026, 12, 7), 5) == D(2026, 12, 14)


def test_christmas_and_closed_days():
    # 24 December is no public holiday; 25/26 are (the 26th a Saturday in 2026)
    assert not is_holiday(D(2026, 12, 24))
    assert due_date(D(2026, 12, 23), 1) == D(2026, 12, 24)
    assert due_date(D(2026, 12, 23), 2) == D(2026, 12, 28)
    closed = ("12-24", "12-31")
    assert due_date(D(2026, 12, 23), 1, "NW", closed) == D(2026, 12, 28)
    assert due_date(D(2026, 12, 30), 1, "NW", closed) == D(2027, 1, 4)  # 31st closed, 1 Jan holiday, weekend


def test_a_due_date_on_a_holiday_moves_to_the_next_working_day():
    assert due_date(D(2026, 4, 3), 0) == D(2026, 4, 7)  # Good Friday, 0 days: the next working day
    assert due_date(D(2026, 12, 25), 0) == D(2026, 12, 28)
    assert due_date(D(2026, 12, 7), 0) == D(2026, 12, 7)


def test_counting_and_bad_input():
    assert working_days_between(D(2026, 4, 2), D(2026, 4, 7)) == 1
    assert working_days_between(D(2026, 4, 7), D(2026, 4, 2)) == -1
    with pytest.raises(ValueError):
        due_date(D(2026, 1, 5), -1)
