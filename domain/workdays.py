"""Working days (pure): weekends, the German public holidays of a federal state (`holidays.Germany`) and a
process's further closed days (``"12-24"``) are not working days. A step's due date is `due_date(start, n,
state)`: n working days after `start`; a due date that would fall on a day without work moves to the next
working day (also for n = 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays

DEFAULT_STATE = "NW"


@lru_cache(maxsize=256)
def _holidays(state: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.Germany(subdiv=state, years=year))


def is_holiday(day: dt.date, state: str = DEFAULT_STATE) -> bool:
    """A public holiday in this federal state (e.g. All Saints in NW and BY, not in HH)."""
    return day in _holidays(state, day.year)


def is_working_day(day: dt.date, state: str = DEFAULT_STATE, closed_days: Iterable[str] = ()) -> bool:
    if day.weekday() >= 5 or is_holiday(day, state):
        return False
    return day.strftime("%m-%d") not in set(closed_days)


def due_date(start: dt.date, working_days: int, state: str = DEFAULT_STATE, closed_days: Iterable[str] = ()) -> dt.date:
    """The day `working_days` working days after `start` (never a weekend, holiday or closed day)."""
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    closed = tuple(closed_days)
    day = start
    left = working_days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, state, closed):
            left -= 1
    while not is_working_day(day, state, closed):
        day += dt.timedelta(days=1)
    return day


def working_days_between(
    start: dt.date, end: dt.date, state: str = DEFAULT_STATE, closed_days: Iterable[str] = ()
) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    closed = tuple(closed_days)
    sign = 1 if end >= start else -1
    lo, hi = (start, end) if sign == 1 else (end, start)
    n = sum(1 for i in range(1, (hi - lo).days + 1) if is_working_day(lo + dt.timedelta(days=i), state, closed))
    return sign * n


def holiday_name(day: dt.date, state: str = DEFAULT_STATE) -> str | None:
    """The public holiday's name (German), or None."""
    return holidays.Germany(subdiv=state, years=day.year, language="de").get(day)


def next_working_day(day: dt.date, state: str = DEFAULT_STATE, closed_days: Iterable[str] = ()) -> dt.date:
    """`day` itself if work is done on it, else the next day that is."""
    return due_date(day, 0, state, closed_days)
