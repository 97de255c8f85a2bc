"""Relative date ranges → absolute, half-open intervals. Pure: the clock is an argument.

`resolve(range, now, tz)` returns ``(gte, lt)``: time-zone-aware datetimes at local midnight in `tz`
(default Europe/Berlin), either of which may be None (open end). Day arithmetic happens on calendar dates
in the local zone and only the final midnights are converted, so a day is 23 or 25 hours long across a
DST change, months end on their last day, and 29 February exists only in leap years.

Definitions (weeks start on Monday, ISO 8601 / German convention):

=====================  =============================================================================
last N days            today and the N-1 days before it: [today-(N-1), tomorrow)
last N weeks           the last 7·N days including today: [today-(7N-1), tomorrow)
last N months          since the same day N months ago (exclusive; clamped to the month's last day):
                       [today-N months+1 day, tomorrow) — on 31 May "last 3 months" is 1 March–31 May
last N quarters/years  as months with 3·N / 12·N months
today, yesterday       that calendar day
this week/month/…      the whole current calendar period [start, start of next)
previous week/month/…  the whole previous calendar period
since D                [D, open)
between D1 and D2      [D1, D2+1 day) — both dates inclusive
=====================  =============================================================================
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from views.model import RelativeDateRange

DEFAULT_TZ = "Europe/Berlin"


def local_today(now: dt.datetime, tz: str | dt.tzinfo = DEFAULT_TZ) -> dt.date:
    """The calendar date of `now` in `tz`. A naive `now` is taken as wall-clock time in `tz`."""
    zone = _zone(tz)
    if now.tzinfo is None:
        return now.date()
    return now.astimezone(zone).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by `months`, clamped to the target month's last day (31 March - 1 month = 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def period_start(day: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return day
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if unit == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"unknown unit {unit!r}")


def next_period(start: dt.date, unit: str, k: int = 1) -> dt.date:
    if unit == "day":
        return start + dt.timedelta(days=k)
    if unit == "week":
        return start + dt.timedelta(weeks=k)
    if unit == "month":
        return add_months(start, k)
    if unit == "quarter":
        return add_months(start, 3 * k)
    if unit == "year":
        return add_months(start, 12 * k)
    raise ValueError(f"unknown unit {unit!r}")


def resolve_dates(rng: RelativeDateRange, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The half-open calendar-date interval [start, end) of `rng` on `today` (None = open)."""
    tomorrow = today + dt.timedelta(days=1)
    kind = rng.kind
    if kind == "today":
        return today, tomorrow
    if kind == "yesterday":
        return today - dt.timedelta(days=1), today
    if kind == "last":
        n, unit = int(rng.n or 1), str(rng.unit)
        if unit == "day":
            return today - dt.timedelta(days=n - 1), tomorrow
        if unit == "week":
            return today - dt.timedelta(days=7 * n - 1), tomorrow
        months = {"month": n, "quarter": 3 * n, "year": 12 * n}[unit]
        return add_months(today, -months) + dt.timedelta(days=1), tomorrow
    if kind == "this":
        start = period_start(today, str(rng.unit))
        return start, next_period(start, str(rng.unit))
    if kind == "previous":
        current = period_start(today, str(rng.unit))
        return next_period(current, str(rng.unit), -1), current
    if kind == "since":
        return rng.start, None
    if kind == "between":
        assert rng.start is not None and rng.end is not None  # guaranteed by the model
        return rng.start, rng.end + dt.timedelta(days=1)
    raise ValueError(f"unknown range kind {kind!r}")


def resolve(
    rng: RelativeDateRange, now: dt.datetime, tz: str | dt.tzinfo = DEFAULT_TZ
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(gte, lt) as aware datetimes at local midnight in `tz`; None = open end."""
    zone = _zone(tz)
    start, end = resolve_dates(rng, local_today(now, zone))
    return _midnight(start, zone), _midnight(end, zone)


def _midnight(day: dt.date | None, zone: dt.tzinfo) -> dt.datetime | None:
    if day is None:
        return None
    # midnight exists in every zone we care about (DST switches at 02:00/03:00); fold=0 picks the first
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone)


def _zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def to_es_bounds(gte: dt.datetime | None, lt: dt.datetime | None) -> tuple[str | None, str | None]:
    """ISO strings for an inclusive Elasticsearch range: `lt` becomes `lte` one millisecond earlier
    (the read side's DateRange is inclusive on both ends; Elasticsearch dates have millisecond precision)."""
    lo = gte.isoformat(timespec="milliseconds") if gte is not None else None
    hi = (lt - dt.timedelta(milliseconds=1)).isoformat(timespec="milliseconds") if lt is not None else None
    return lo, hi
