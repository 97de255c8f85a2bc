"""The read side's input: what the user asked for (`SearchRequest`). Who asks is a `domain.principal.Principal`.

Pure data. Both are frozen dataclasses; `SearchRequest.__post_init__` normalises and validates so every
builder can trust its input: unknown modes, sorts, facets or group keys raise `ValueError` (they are
programming or API errors, not user typing — the REST/UI layer turns them into 400s); sizes and pages are
clamped to what the server allows.

Every builder in `search/` takes a `Principal` as a required argument and starts from
`search.permissions.permission_filter`: there is no code path that builds an Elasticsearch body without it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

Mode = Literal["hybrid", "keyword", "semantic"]
Sort = Literal["relevance", "date_desc", "date_asc", "customer"]
GroupBy = Literal["customer", "register", "month"]

MODES: tuple[str, ...] = ("hybrid", "keyword", "semantic")
SORTS: tuple[str, ...] = ("relevance", "date_desc", "date_asc", "customer")
GROUP_BYS: tuple[str, ...] = ("customer", "register", "month")

# facet name -> index field (all keyword fields of indexing.schema.documents_mapping)
FACET_FIELDS: dict[str, str] = {
    "register": "register",
    "customer_ids": "customer_ids",
    "tenant": "tenant",
    "year_month": "year_month",
    "language": "language",
    "source_kind": "source_kind",
    "status": "status",
    "entity_facets": "entity_facets",
    "filing.status": "filing.status",
    "channel": "channel",
    "direction": "direction",
    "complaint_reason": "complaint_reason",
    "currency": "currency",
    "case_state": "case_state",  # Fallstatus: open | overdue | closed (app.case_sync)
    "case_assignee": "case_assignee",  # who holds the document's case ("meine Fälle" in saved views)
    "case_step": "case_step",  # the case's current step (dashboard drill-downs: SLA breaches per step)
    "case_department": "case_department",  # the department whose queue the case is in (idem, per department)
}
# the public name of each facet (cockpit URLs `f.<name>`, API query parameters) -> its facet of FACET_FIELDS
FACET_NAMES: dict[str, str] = {
    "register": "register",
    "customer": "customer_ids",
    "month": "year_month",
    "language": "language",
    "source": "source_kind",
    "status": "status",
    "entity": "entity_facets",
    "filing": "filing.status",
    "tenant": "tenant",
    "channel": "channel",
    "direction": "direction",
    "reason": "complaint_reason",
    "currency": "currency",
    "case": "case_state",
    "assignee": "case_assignee",
}
# customer master data a request can narrow to (resolved to customer ids by search.customer_scope)
CUSTOMER_ATTRS: dict[str, str] = {"segment": "segment", "manager": "account_manager", "department": "department"}
# facets computed when the request does not name any (tenant is added by the builder only for
# users who see more than one tenant)
DEFAULT_FACETS: tuple[str, ...] = (
    "register",
    "customer_ids",
    "year_month",
    "language",
    "source_kind",
    "status",
    "entity_facets",
    "filing.status",
    "case_state",
)
DATE_FIELDS: tuple[str, ...] = ("doc_date", "received_at", "indexed_at")

# grouping key -> field. customer groups use the multi-valued `customer_ids`: a document filed to two
# dossiers appears in both groups (that is what a dossier is).
GROUP_FIELDS: dict[str, str] = {"customer": "customer_ids", "register": "register", "month": "year_month"}

MAX_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # index.max_result_window default
MAX_GROUP_SIZE = 50
MAX_HITS_PER_GROUP = 10


@dataclass(frozen=True)
class DateRange:
    """Inclusive range on a date field; either end may be open. Values are dates or ISO strings."""

    field: str = "doc_date"
    gte: dt.date | str | None = None
    lte: dt.date | str | None = None
    # the zone calendar dates are read in (date-only values of `doc_date` are the same day in any zone)
    time_zone: str | None = None

    def __post_init__(self) -> None:
        if self.field not in DATE_FIELDS:
            raise ValueError(f"unknown date field {self.field!r}; expected one of {DATE_FIELDS}")

    def to_query(self) -> dict[str, Any] | None:
        rng: dict[str, Any] = {}
        if self.gte is not None:
            rng["gte"] = _iso(self.gte)
        if self.lte is not None:
            rng["lte"] = _iso(self.lte)
        if not rng:
            return None
        rng["format"] = "strict_date_optional_time||yyyy-MM-dd"
        if self.time_zone:
            rng["time_zone"] = self.time_zone
        return {"range": {self.field: rng}}


def _iso(value: dt.date | str) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    mode: Mode = "hybrid"
    # facet name -> selected values (OR within a facet, AND across facets)
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_range: DateRange | None = None
    latest_only: bool = True
    sort: Sort = "relevance"
    page: int = 1
    size: int = 20
    # sort values of the last hit of the previous page (keyword mode and date/customer sorts)
    search_after: tuple[Any, ...] | None = None
    group_by: GroupBy | None = None
    group_page: int = 1
    group_size: int = 10
    hits_per_group: int = 3
    # facets to compute; None = DEFAULT_FACETS, () = none
    facets: tuple[str, ...] | None = None
    facet_size: int = 20
    highlight: bool = True
    # customer master data (CUSTOMER_ATTRS name -> values, OR within, AND across): documents of those customers
    customer_attrs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # the customers `customer_attrs` resolved to (search.customer_scope; None = not resolved / no restriction)
    customer_in: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown search mode {self.mode!r}; expected one of {MODES}")
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}; expected one of {SORTS}")
        if self.group_by is not None and self.group_by not in GROUP_BYS:
            raise ValueError(f"unknown group_by {self.group_by!r}; expected one of {GROUP_BYS}")
        object.__setattr__(self, "text", self.text or "")
        object.__setattr__(self, "filters", _normalise_filters(self.filters))
        object.__setattr__(self, "customer_attrs", _normalise_attrs(self.customer_attrs))
        if self.customer_in is not None:
            object.__setattr__(self, "customer_in", tuple(sorted({str(c) for c in self.customer_in})))
        if self.facets is not None:
            facets = tuple(dict.fromkeys(self.facets))
            for name in facets:
                if name not in FACET_FIELDS:
                    raise ValueError(f"unknown facet {name!r}; expected one of {tuple(FACET_FIELDS)}")
            object.__setattr__(self, "facets", facets)
        object.__setattr__(self, "size", _clamp(self.size, 0, MAX_SIZE))
        object.__setattr__(self, "page", max(1, int(self.page)))
        object.__setattr__(self, "group_page", max(1, int(self.group_page)))
        object.__setattr__(self, "group_size", _clamp(self.group_size, 1, MAX_GROUP_SIZE))
        object.__setattr__(self, "hits_per_group", _clamp(self.hits_per_group, 0, MAX_HITS_PER_GROUP))
        object.__setattr__(self, "facet_size", _clamp(self.facet_size, 1, 200))
        if self.search_after is not None:
            object.__setattr__(self, "search_after", tuple(self.search_after))

    @property
    def wanted_facets(self) -> tuple[str, ...]:
        return DEFAULT_FACETS if self.facets is None else self.facets

    @property
    def offset(self) -> int:
        return 0 if self.search_after is not None else (self.page - 1) * self.size

    def with_(self, **changes: Any) -> SearchRequest:
        return replace(self, **changes)

    def cache_key(self) -> str:
        """A stable string for result caches (the request is frozen but holds a dict)."""
        data = asdict(self)
        data["filters"] = {k: list(v) for k, v in sorted(self.filters.items())}
        data["customer_attrs"] = {k: list(v) for k, v in sorted(self.customer_attrs.items())}
        return json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))


def _clamp(value: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(value)))


def _normalise_attrs(attrs: Mapping[str, Iterable[str] | str] | None) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, values in (attrs or {}).items():
        if name not in CUSTOMER_ATTRS:
            raise ValueError(f"unknown customer attribute {name!r}; expected one of {tuple(CUSTOMER_ATTRS)}")
        if isinstance(values, str):
            values = [values]
        cleaned = tuple(sorted({str(v) for v in values if v is not None and str(v) != ""}))
        if cleaned:
            out[name] = cleaned
    return out


def _normalise_filters(filters: Mapping[str, Iterable[str] | str] | None) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, values in (filters or {}).items():
        if name not in FACET_FIELDS:
            raise ValueError(f"unknown filter facet {name!r}; expected one of {tuple(FACET_FIELDS)}")
        if isinstance(values, str | int | float | bool):
            values = [values]  # type: ignore[list-item]
        cleaned = tuple(dict.fromkeys(str(v) for v in values if v is not None and str(v) != ""))
        if cleaned:
            out[name] = cleaned
    return out
