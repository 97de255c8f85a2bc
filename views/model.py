"""Saved virtual views: the data model (pydantic v2, versioned). Pure, no I/O.

A `View` is what an analyst saves: query text + mode, facet filters, a *relative* date range on any date
field, grouping, sort, columns, a scope (portfolio-wide or dossier-scoped) and a sharing level. Two
viewer-relative filters ("my customers", "my department") are stored as flags and resolved for whoever
opens the view (`views.compile`), never for its author.

Validation is strict for what a user saves (`View.model_validate(data)`, the editor, the API): unknown
fields, unknown facets, invalid dates ("2026-02-31"), an end before the start all raise a
`pydantic.ValidationError` whose messages say what is wrong. Views *read back from the store* are validated
leniently (`View.from_stored(data)`): a facet or date field that has been removed from the schema since the
view was saved does not make the view unreadable — `views.compile` reports it to the viewer instead.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from search.builder import SOURCE_FIELDS
from search.request import DATE_FIELDS, FACET_FIELDS, GROUP_BYS, MODES, SORTS

VIEW_SCHEMA_VERSION = 1

RangeKind = Literal["last", "today", "yesterday", "this", "previous", "since", "between"]
Unit = Literal["day", "week", "month", "quarter", "year"]
Sharing = str  # "private" | "tenant" | "group:<name>"

# the columns a result table can show (fields the read side returns for a hit)
COLUMNS: tuple[str, ...] = tuple(SOURCE_FIELDS)
DEFAULT_COLUMNS: tuple[str, ...] = ("doc_date", "title", "customer_names", "register", "status")

# user-facing unit spellings accepted on input (German and English, singular and plural)
_UNIT_ALIASES = {
    "d": "day", "day": "day", "days": "day", "tag": "day", "tage": "day", "tagen": "day",
    "w": "week", "week": "week", "weeks": "week", "woche": "week", "wochen": "week",
    "m": "month", "month": "month", "months": "month", "monat": "month", "monate": "month", "monaten": "month",
    "q": "quarter", "quarter": "quarter", "quarters": "quarter", "quartal": "quarter", "quartale": "quarter",
    "y": "year", "year": "year", "years": "year", "jahr": "year", "jahre": "year", "jahren": "year",
}  # fmt: skip

MAX_LAST_N = {"day": 3660, "week": 520, "month": 120, "quarter": 40, "year": 10}
_SHARE_RE = re.compile(r"^group:[\w.\-@]{1,64}$")
_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def parse_iso_date(value: Any, what: str = "date") -> dt.date:
    """A calendar date from a date, a datetime or a "YYYY-MM-DD" string, with a message a user understands
    ("2026-02-31 is not a valid date: February 2026 has 28 days")."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a date like 2026-03-31, got {value!r}")
    text = value.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if not m:
        raise ValueError(f"{what} {value!r} is not a date; write it as YYYY-MM-DD (e.g. 2026-03-31)")
    if "." in text:
        day, month, year = (int(g) for g in m.groups())
    else:
        year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"{what} {value!r} is not a valid date: there is no month {month}")
    if not 1 <= year <= 9999:
        raise ValueError(f"{what} {value!r} is not a valid date: year out of range")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"{what} {value!r} is not a valid date: {calendar.month_name[month]} {year} has {last} days")
    return dt.date(year, month, day)


class RelativeDateRange(BaseModel):
    """A date range resolved against `now` when the view is opened (`views.dates.resolve`).

    kinds:
      - ``last`` n unit: the n calendar days/weeks/months/quarters/years up to and including today
        ("last 14 days" = today and the 13 days before it);
      - ``today``, ``yesterday``;
      - ``this`` unit / ``previous`` unit: the current / the previous calendar week (Monday–Sunday), month,
        quarter or year;
      - ``since`` start: from a fixed date on; ``between`` start, end: fixed dates, both inclusive.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = "doc_date"
    kind: RangeKind
    n: int | None = None
    unit: Unit | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str, info: ValidationInfo) -> str:
        if value not in DATE_FIELDS and not _lenient(info):
            raise ValueError(f"unknown date field {value!r}; choose one of {', '.join(DATE_FIELDS)}")
        return value

    @field_validator("unit", mode="before")
    @classmethod
    def _unit_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip().lower()
            if key not in _UNIT_ALIASES:
                raise ValueError(f"unknown unit {value!r}; use day, week, month, quarter or year")
            return _UNIT_ALIASES[key]
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or value == "":
            return None
        return parse_iso_date(value, what=info.field_name or "date")

    @model_validator(mode="after")
    def _consistent(self) -> RelativeDateRange:
        k = self.kind
        if k == "last":
            if self.n is None or self.unit is None:
                raise ValueError("'last' needs a number and a unit, e.g. last 14 days")
            if self.n < 1:
                raise ValueError(f"'last {self.n} {self.unit}s' must count at least 1 {self.unit}")
            if self.n > MAX_LAST_N[self.unit]:
                raise ValueError(f"'last {self.n} {self.unit}s' is too long (at most {MAX_LAST_N[self.unit]})")
        elif k in ("this", "previous"):
            if self.unit is None:
                raise ValueError(f"'{k}' needs a unit: week, month, quarter or year")
            if self.unit == "day":
                raise ValueError(f"use 'today' or 'yesterday' instead of '{k} day'")
        elif k == "since":
            if self.start is None:
                raise ValueError("'since' needs a start date")
        elif k == "between":
            if self.start is None or self.end is None:
                raise ValueError("'between' needs a start and an end date")
            if self.end < self.start:
                raise ValueError(
                    f"the end date {self.end.isoformat()} is before the start date {self.start.isoformat()}"
                )
        if k != "last" and self.n is not None:
            raise ValueError(f"a number only goes with 'last', not with '{k}'")
        if k in ("today", "yesterday", "since", "between") and self.unit is not None:
            raise ValueError(f"'{k}' takes no unit")
        if k not in ("since", "between") and (self.start is not None or self.end is not None):
            raise ValueError(f"'{k}' takes no fixed dates")
        if k == "since" and self.end is not None:
            raise ValueError("'since' takes only a start date; use 'between' for a closed range")
        return self

    def describe(self) -> str:
        """A short English description ("last 14 days of doc_date"); the UI translates kinds itself."""
        if self.kind == "last":
            return f"last {self.n} {self.unit}{'s' if (self.n or 0) > 1 else ''}"
        if self.kind in ("this", "previous"):
            return f"{self.kind} {self.unit}"
        if self.kind == "since":
            return f"since {self.start}"
        if self.kind == "between":
            return f"{self.start} – {self.end}"
        return self.kind


class View(BaseModel):
    """A saved virtual view. `id`, `owner`, `tenant` and the timestamps are set by the store."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    schema_version: int = VIEW_SCHEMA_VERSION
    id: str | None = None
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    owner: str | None = None
    tenant: str | None = None
    query: str = Field(default="", max_length=2000)
    mode: str = "keyword"
    filters: dict[str, list[str]] = Field(default_factory=dict)
    date_range: RelativeDateRange | None = None
    group_by: str | None = None
    sort: str = "date_desc"
    columns: list[str] = Field(default_factory=lambda: list(DEFAULT_COLUMNS))
    scope: Literal["portfolio", "dossier"] = "portfolio"
    sharing: Sharing = "private"
    my_customers: bool = False  # only customers where the viewer is account manager
    my_department: bool = False  # only customers looked after by the viewer's department
    my_cases: bool = False  # only documents of cases the viewer holds
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    # ------------------------------------------------------------------------------------ validators

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("a view needs a name")
        return value

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not _ID_RE.fullmatch(value):
            raise ValueError("a view id may only contain letters, digits, '-' and '_' (at most 64)")
        return value

    @field_validator("schema_version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value < 1 or value > VIEW_SCHEMA_VERSION:
            raise ValueError(
                f"view schema version {value} is not supported (this program reads up to {VIEW_SCHEMA_VERSION})"
            )
        return value

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        if value not in MODES:
            raise ValueError(f"unknown search mode {value!r}; choose one of {', '.join(MODES)}")
        return value

    @field_validator("sort")
    @classmethod
    def _sort(cls, value: str, info: ValidationInfo) -> str:
        if value not in SORTS and not _lenient(info):
            raise ValueError(f"unknown sort {value!r}; choose one of {', '.join(SORTS)}")
        return value

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value in (None, "", "none"):
            return None
        if value not in GROUP_BYS and not _lenient(info):
            raise ValueError(f"unknown grouping {value!r}; choose one of {', '.join(GROUP_BYS)} or none")
        return value

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: list[str], info: ValidationInfo) -> list[str]:
        out = list(dict.fromkeys(c for c in value if c))
        unknown = [c for c in out if c not in COLUMNS]
        if unknown and not _lenient(info):
            raise ValueError(f"unknown column(s) {', '.join(map(repr, unknown))}; choose from {', '.join(COLUMNS)}")
        return out or list(DEFAULT_COLUMNS)

    @field_validator("filters", mode="before")
    @classmethod
    def _filters_shape(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("filters must map a facet name to a list of values")
        out: dict[str, list[str]] = {}
        for name, values in value.items():
            if isinstance(values, str | int | float):
                values = [values]
            if not isinstance(values, list | tuple | set | frozenset):
                raise ValueError(f"filter {name!r}: expected a list of values")
            cleaned = list(dict.fromkeys(str(v).strip() for v in values if v is not None and str(v).strip()))
            if cleaned:
                out[str(name)] = cleaned
        return out

    @field_validator("filters")
    @classmethod
    def _filters_known(cls, value: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        unknown = [f for f in value if f not in FACET_FIELDS]
        if unknown and not _lenient(info):
            raise ValueError(
                f"unknown filter field(s) {', '.join(map(repr, unknown))}; choose from {', '.join(FACET_FIELDS)}"
            )
        too_many = [f for f, v in value.items() if len(v) > 500]
        if too_many:
            raise ValueError(f"filter {too_many[0]!r} has more than 500 values")
        return value

    @field_validator("sharing")
    @classmethod
    def _sharing(cls, value: str) -> str:
        value = (value or "private").strip()
        if value in ("private", "tenant") or _SHARE_RE.fullmatch(value):
            return value
        raise ValueError(f"sharing must be 'private', 'tenant' or 'group:<name>', got {value!r}")

    # ------------------------------------------------------------------------------------ helpers

    @property
    def share_group(self) -> str | None:
        return self.sharing.split(":", 1)[1] if self.sharing.startswith("group:") else None

    @property
    def sharing_level(self) -> str:
        return "group" if self.share_group else self.sharing

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> View:
        """Lenient validation for views read back from the store (see module docstring)."""
        return cls.model_validate(data, context={"lenient": True})

    def stored_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _lenient(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("lenient"))


def format_validation_error(exc: Exception) -> list[str]:
    """pydantic's ValidationError as short user-facing lines ("date_range.end: the end date … is before …")."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return [str(exc)]
    lines = []
    for err in errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("function-after", "function-before"))
        msg = str(err.get("msg", ""))
        msg = msg.removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            msg = "unknown field"
        lines.append(f"{loc}: {msg}" if loc else msg)
    return lines
