"""The manager dashboard's request and result types, and its periods (pure: the clock is an argument).

A `DashboardRequest` is what a URL says (`/dashboard?period=90d&segment=A`); `resolve_period` turns a period
key into inclusive calendar dates in the dashboard's time zone. Results are `Dashboard` → `Panel` → `Point`;
every point that stands for documents carries a `Drill`: the search page state that lists exactly them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from domain.errors import Message
from views.dates import add_months, next_period, period_start

PERIODS: tuple[str, ...] = ("30d", "90d", "365d", "quarter", "prev_quarter", "year", "prev_year", "custom")
DEFAULT_PERIOD = "365d"
MAX_CUSTOM_DAYS = 3 * 366
PANELS: tuple[str, ...] = (
    "complaints_weekly", "complaints_open_age", "complaint_response", "complaint_reasons",
    "volume_register", "volume_channel", "volume_language",
    "revenue_top", "complaint_rate_top", "quiet_customers", "revenue_segment", "revenue_manager",
    "filing_weekly", "ingest_failures",
)  # fmt: skip
CUSTOMER_PANELS: tuple[str, ...] = ("complaints_weekly", "complaints_open_age", "revenue_monthly", "complaint_response")
Kind = Literal["bar", "stacked", "line", "kpi", "table", "pie"]


@dataclass(frozen=True)
class DashboardRequest:
    period: str = DEFAULT_PERIOD
    date_from: dt.date | None = None  # custom period, inclusive
    date_to: dt.date | None = None
    tenants: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    registers: tuple[str, ...] = ()
    overrides: Mapping[str, str] = field(default_factory=dict)  # panel -> period key (not custom)
    customer_id: str | None = None  # the dossier cover's section: one customer

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"unknown period {self.period!r}")
        for panel, key in self.overrides.items():
            if panel not in PANELS or key not in PERIODS or key == "custom":
                raise ValueError(f"bad period override {panel}={key}")

    def cache_key(self) -> str:
        return repr((self.period, self.date_from, self.date_to, self.tenants, self.segments, self.managers,
                     self.departments, self.registers, sorted(self.overrides.items()), self.customer_id))  # fmt: skip

    @property
    def attrs(self) -> dict[str, tuple[str, ...]]:
        """Customer master data filters, as `search.request.CUSTOMER_ATTRS` names."""
        out = {"segment": self.segments, "manager": self.managers, "department": self.departments}
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Drill:
    """A search page state: facet filters, customer master data, an inclusive date range on a date field."""

    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    attrs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_field: str = "doc"  # doc | received | indexed (cockpit.urlstate.DATE_PARAMS)
    date_from: str | None = None
    date_to: str | None = None
    page: str = "search"  # search | dossier | status
    customer_id: str | None = None  # dossier links


@dataclass(frozen=True)
class Point:
    x: str  # bucket key: a date, register, customer id …
    value: float
    series: str = ""  # stacked series, currency …
    count: int | None = None  # the documents behind the value (= the drill's hit count)
    label: str = ""  # a display label for x (customer names)
    drill: Drill | None = None
    flag: bool = False  # a spike week
    of: int | None = None  # the documents a rate is of (complaint rate: complaints `count` of `of` documents)


@dataclass(frozen=True)
class Panel:
    key: str
    kind: Kind
    points: tuple[Point, ...] = ()
    figures: Mapping[str, Any] = field(default_factory=dict)  # KPIs: median_days, p90_days, trend …
    notes: tuple[Message, ...] = ()
    period: tuple[str, str] | None = None  # the dates the panel covers (ISO)
    axis: tuple[str, ...] = ()  # every bucket of a time axis, also the empty ones (stacked panels)

    @property
    def empty(self) -> bool:
        return not any(p.value for p in self.points) and not any(
            v for k, v in self.figures.items() if k in ("count", "median_days")
        )


@dataclass(frozen=True)
class Dashboard:
    request: DashboardRequest
    period: tuple[str, str]
    panels: Mapping[str, Panel]
    messages: tuple[Message, ...] = ()
    scope_note: Message | None = None  # agents: whose customers they see
    documents: int = 0
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # filter values: segment, manager …


# ----------------------------------------------------------------------------------------------- periods


def resolve_period(
    key: str, today: dt.date, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """Inclusive first and last day of a period. Custom periods are clamped to MAX_CUSTOM_DAYS."""
    if key in ("30d", "90d", "365d"):
        return today - dt.timedelta(days=int(key[:-1]) - 1), today
    if key in ("quarter", "year"):
        return period_start(today, key), today
    if key in ("prev_quarter", "prev_year"):
        unit = key[5:]
        start = next_period(period_start(today, unit), unit, -1)
        return start, period_start(today, unit) - dt.timedelta(days=1)
    if key == "custom":
        lo = date_from or today - dt.timedelta(days=364)
        hi = date_to or today
        if lo > hi:
            lo, hi = hi, lo
        return max(lo, hi - dt.timedelta(days=MAX_CUSTOM_DAYS - 1)), hi
    raise ValueError(f"unknown period {key!r}")


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_end(first: dt.date) -> dt.date:
    return add_months(first, 1) - dt.timedelta(days=1)


def clip(lo: dt.date, hi: dt.date, bounds: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    return max(lo, bounds[0]), min(hi, bounds[1])
