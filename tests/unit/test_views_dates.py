"""Relative date resolution with fixed clocks: month ends, leap days, DST changes, week/quarter/year edges."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from views.dates import add_months, local_today, resolve, resolve_dates, to_es_bounds
from views.model import RelativeDateRange

BERLIN = ZoneInfo("Europe/Berlin")


def R(**kw) -> RelativeDateRange:
    return RelativeDateRange(**kw)


def at(y: int, m: int, d: int, h: int = 12, mi: int = 0, tz=BERLIN) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=tz)


def days(rng: RelativeDateRange, now: dt.datetime) -> tuple[dt.date | None, dt.date | None]:
    gte, lt = resolve(rng, now)
    return (gte.date() if gte else None, lt.date() if lt else None)


# ------------------------------------------------------------------------------------------ basics


def test_last_14_days_includes_today_and_13_before():
    assert days(R(kind="last", n=14, unit="day"), at(2026, 11, 23)) == (dt.date(2026, 11, 10), dt.date(2026, 11, 24))


def test_bounds_are_local_midnights_with_offsets():
    gte, lt = resolve(R(kind="today"), at(2026, 11, 23, 9))
    assert gte.isoformat() == "2026-11-23T00:00:00+01:00"
    assert lt.isoformat() == "2026-11-24T00:00:00+01:00"


def test_now_in_utc_late_evening_is_already_tomorrow_in_berlin():
    # 23:30 UTC on 31 Dec = 00:30 on 1 Jan in Berlin
    now = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert local_today(now) == dt.date(2027, 1, 1)
    assert days(R(kind="this", unit="year"), now) == (dt.date(2027, 1, 1), dt.date(2028, 1, 1))
    assert days(R(kind="previous", unit="year"), now) == (dt.date(2026, 1, 1), dt.date(2027, 1, 1))


def test_other_time_zone():
    now = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # still 22 Nov in New York
    gte, lt = resolve(R(kind="today"), now, tz="America/New_York")
    assert gte.isoformat() == "2026-11-22T00:00:00-05:00" and lt.isoformat() == "2026-11-23T00:00:00-05:00"


def test_naive_now_is_wall_clock_in_tz():
    assert days(R(kind="today"), dt.datetime(2026, 3, 1, 0, 30)) == (dt.date(2026, 3, 1), dt.date(2026, 3, 2))


# ------------------------------------------------------------------------------------------ month ends, leap days


@pytest.mark.parametrize(
    "today, n, expected_start",
    [
        (dt.date(2026, 5, 31), 3, dt.date(2026, 3, 1)),  # 31 May - 3 months = 28 Feb (clamped) + 1
        (dt.date(2026, 3, 31), 1, dt.date(2026, 3, 1)),  # 31 Mar - 1 month = 28 Feb + 1 day
        (dt.date(2024, 3, 31), 1, dt.date(2024, 3, 1)),  # leap year: 29 Feb + 1 day
        (dt.date(2024, 3, 29), 1, dt.date(2024, 3, 1)),  # 29 Feb exists in 2024
        (dt.date(2026, 3, 29), 1, dt.date(2026, 3, 1)),  # 29 Feb 2026 does not: clamp to 28 Feb
        (dt.date(2026, 1, 15), 3, dt.date(2025, 10, 16)),  # across the year boundary
        (dt.date(2026, 11, 20), 3, dt.date(2026, 8, 21)),
    ],
)
def test_last_n_months_month_ends(today, n, expected_start):
    assert resolve_dates(R(kind="last", n=n, unit="month"), today) == (expected_start, today + dt.timedelta(days=1))


def test_add_months_clamps_and_keeps_leap_days():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 1, 31), -2) == dt.date(2025, 11, 30)


def test_last_year_from_leap_day():
    assert resolve_dates(R(kind="last", n=1, unit="year"), dt.date(2024, 2, 29)) == (
        dt.date(2023, 3, 1),
        dt.date(2024, 3, 1),
    )


def test_this_month_february_leap_and_not():
    assert resolve_dates(R(kind="this", unit="month"), dt.date(2024, 2, 10)) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
    )
    assert resolve_dates(R(kind="previous", unit="month"), dt.date(2024, 3, 31)) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
    )


def test_month_end_clock_minute_before_and_after_midnight():
    before = at(2026, 1, 31, 23, 59)
    after = at(2026, 2, 1, 0, 0)
    assert days(R(kind="this", unit="month"), before) == (dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert days(R(kind="this", unit="month"), after) == (dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    assert days(R(kind="previous", unit="month"), after) == (dt.date(2026, 1, 1), dt.date(2026, 2, 1))


def test_between_is_inclusive_and_leap_day_valid():
    assert resolve_dates(R(kind="between", start="2024-02-01", end="2024-02-29"), dt.date(2026, 1, 1)) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
    )


def test_since_is_open_ended():
    gte, lt = resolve(R(kind="since", start="2026-01-01"), at(2026, 11, 23))
    assert gte.isoformat() == "2026-01-01T00:00:00+01:00" and lt is None


# ------------------------------------------------------------------------------------------ weeks, quarters


def test_weeks_start_on_monday():
    sunday = at(2026, 11, 22)
    monday = at(2026, 11, 23)
    assert days(R(kind="this", unit="week"), sunday) == (dt.date(2026, 11, 16), dt.date(2026, 11, 23))
    assert days(R(kind="this", unit="week"), monday) == (dt.date(2026, 11, 23), dt.date(2026, 11, 30))
    assert days(R(kind="previous", unit="week"), monday) == (dt.date(2026, 11, 16), dt.date(2026, 11, 23))
    assert days(R(kind="last", n=2, unit="week"), monday) == (dt.date(2026, 11, 10), dt.date(2026, 11, 24))


def test_week_across_year_end():
    assert days(R(kind="this", unit="week"), at(2027, 1, 1)) == (dt.date(2026, 12, 28), dt.date(2027, 1, 4))


@pytest.mark.parametrize(
    "today, this_q, prev_q",
    [
        (dt.date(2026, 1, 1), (dt.date(2026, 1, 1), dt.date(2026, 4, 1)), (dt.date(2025, 10, 1), dt.date(2026, 1, 1))),
        (dt.date(2026, 6, 30), (dt.date(2026, 4, 1), dt.date(2026, 7, 1)), (dt.date(2026, 1, 1), dt.date(2026, 4, 1))),
        (
            dt.date(2026, 11, 23),
            (dt.date(2026, 10, 1), dt.date(2027, 1, 1)),
            (dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
        ),
    ],
)
def test_quarters(today, this_q, prev_q):
    assert resolve_dates(R(kind="this", unit="quarter"), today) == this_q
    assert resolve_dates(R(kind="previous", unit="quarter"), today) == prev_q


def test_yesterday_on_first_of_march_leap_year():
    assert resolve_dates(R(kind="yesterday"), dt.date(2024, 3, 1)) == (dt.date(2024, 2, 29), dt.date(2024, 3, 1))


# ------------------------------------------------------------------------------------------ DST


def test_spring_forward_day_has_23_hours():
    gte, lt = resolve(R(kind="today"), at(2026, 3, 29, 12))  # CET -> CEST at 02:00
    assert gte.isoformat() == "2026-03-29T00:00:00+01:00"
    assert lt.isoformat() == "2026-03-30T00:00:00+02:00"
    assert (lt.astimezone(dt.UTC) - gte.astimezone(dt.UTC)) == dt.timedelta(hours=23)


def test_fall_back_day_has_25_hours():
    gte, lt = resolve(R(kind="today"), at(2026, 10, 25, 12))  # CEST -> CET at 03:00
    assert gte.isoformat() == "2026-10-25T00:00:00+02:00"
    assert lt.isoformat() == "2026-10-26T00:00:00+01:00"
    assert (lt.astimezone(dt.UTC) - gte.astimezone(dt.UTC)) == dt.timedelta(hours=25)


def test_last_7_days_across_dst_keeps_calendar_days():
    gte, lt = resolve(R(kind="last", n=7, unit="day"), at(2026, 3, 31, 8))
    assert gte.isoformat() == "2026-03-25T00:00:00+01:00"  # before the switch: CET
    assert lt.isoformat() == "2026-04-01T00:00:00+02:00"  # after: CEST


def test_during_the_repeated_hour_of_fall_back():
    # 02:30 happens twice on 25 Oct 2026; either way it is 25 Oct
    first = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 02:30 CEST
    second = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)  # 02:30 CET
    assert (
        days(R(kind="today"), first) == days(R(kind="today"), second) == (dt.date(2026, 10, 25), dt.date(2026, 10, 26))
    )


def test_es_bounds_make_lt_inclusive_one_millisecond_earlier():
    gte, lt = resolve(R(kind="today"), at(2026, 3, 29))
    lo, hi = to_es_bounds(gte, lt)
    assert lo == "2026-03-29T00:00:00.000+01:00"
    assert hi == "2026-03-29T23:59:59.999+02:00"


# ------------------------------------------------------------------------------------------ with a frozen clock


def test_with_time_machine_clock():
    with time_machine.travel(dt.datetime(2028, 2, 29, 22, 30, tzinfo=dt.UTC), tick=False):
        now = dt.datetime.now(dt.UTC)  # 23:30 in Berlin, still the leap day
        assert days(R(kind="today"), now) == (dt.date(2028, 2, 29), dt.date(2028, 3, 1))
        assert days(R(kind="last", n=1, unit="month"), now) == (dt.date(2028, 1, 30), dt.date(2028, 3, 1))
    with time_machine.travel(dt.datetime(2028, 2, 29, 23, 30, tzinfo=dt.UTC), tick=False):
        assert days(R(kind="today"), dt.datetime.now(dt.UTC)) == (dt.date(2028, 3, 1), dt.date(2028, 3, 2))
