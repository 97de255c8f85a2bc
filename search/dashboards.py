"""The manager dashboards' aggregations (pure): one body per panel, each starting from the permission filter.

Every body is a `size: 0` aggregation over *current* document versions (`is_latest`), the principal's
permission filter, the dashboard's tenant and customer scope (`DashboardScope`) — and, per panel, its own
slice. The same slice, as a search request (`Slice.request`), is what a click on a bar opens: a panel's
number and the search page's hit count come from the same filter by construction.

Dates: `doc_date` holds calendar dates; operations panels use `indexed_at` (a timestamp) bucketed in the
dashboard's time zone. Weeks start on Monday. Panels name their own bounds (`Bounds`), so a panel may
override the dashboard's period (the complaint trend always shows 12 months).

Amounts are summed per currency (`currency` sub-aggregation), never across currencies.

Cases (issue 14) are read through their documents: each document of a case carries `case_id`, `case_state`,
`case_step`, `case_department`, `case_due_at` and `case_opened_at` (`app.case_sync`). A case counts on a
dashboard when the principal may read at least one of its documents — the permission filter comes first, as
everywhere — and counts once: distinct `case_id`s (`cardinality`, exact far beyond any tenant's open cases
below its precision threshold), never the case records themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.principal import Principal
from search.clauses import customer_in_clause
from search.permissions import MATCH_NOTHING as MATCH_NONE
from search.permissions import permission_filter, require_principal, tenant_filter
from search.request import FACET_FIELDS, DateRange, SearchRequest

MAX_CUSTOMER_BUCKETS = 10_000  # customers per tenant scope the revenue / rate panels rank
COMPLAINT = {"register": ("complaint",), "direction": ("in",)}  # a new complaint: one that came in
RESPONSE_REGISTERS = ("correspondence", "complaint")  # an outgoing one of these answers a complaint
REVENUE_REGISTERS = ("invoice", "credit_note")
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (("0-7", 0, 7), ("8-14", 8, 14), ("15-30", 15, 30),
                                                        ("31+", 31, None))  # fmt: skip
MISSING = "__none__"
CASE_OPEN_STATES = ("open", "overdue")  # an open case, on time or past its due date (`case_state`)
CASE_OVERDUE = "overdue"
CASE_PRECISION = 40_000  # cardinality counts are exact (but for hash collisions) below this many cases
CASE_GROUPS = 50  # steps / departments the SLA panel lists


@dataclass(frozen=True)
class Bounds:
    """Inclusive calendar dates on a date field."""

    gte: dt.date | None
    lte: dt.date | None
    field: str = "doc_date"

    def clause(self, tz: str) -> dict[str, Any] | None:
        """The same range `search.request.DateRange` writes (also on fields it does not know, e.g. audit's)."""
        rng: dict[str, Any] = {}
        if self.gte is not None:
            rng["gte"] = self.gte.isoformat()
        if self.lte is not None:
            rng["lte"] = self.lte.isoformat()
        if not rng:
            return None
        return {"range": {self.field: {**rng, "format": "strict_date_optional_time||yyyy-MM-dd", "time_zone": tz}}}


@dataclass(frozen=True)
class DashboardScope:
    """What the whole dashboard is about (besides the principal): period, tenants, registers, customers."""

    period: Bounds
    tz: str = "Europe/Berlin"
    tenants: tuple[str, ...] = ()  # a selection among the principal's tenants (empty: all of them)
    registers: tuple[str, ...] = ()  # narrows the volume and operations panels
    customer_in: tuple[str, ...] | None = None  # resolved segment / manager / department (None: no restriction)


@dataclass(frozen=True)
class Slice:
    """One bar, point, cell or slice: filters (facet -> values) + a date range + the dashboard's scope."""

    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bounds: Bounds | None = None

    def request(self, scope: DashboardScope, *, size: int = 0) -> SearchRequest:
        """The search request whose hit count equals this slice's number."""
        filters = dict(self.filters)
        if scope.tenants:
            filters["tenant"] = scope.tenants
        rng = None
        if self.bounds is not None:
            rng = DateRange(field=self.bounds.field, gte=self.bounds.gte, lte=self.bounds.lte, time_zone=scope.tz)
        return SearchRequest(filters=filters, date_range=rng, size=size, facets=(), customer_in=scope.customer_in,
                             highlight=False)  # fmt: skip


# ------------------------------------------------------------------------------------------------ filters


def base_filters(principal: Principal, scope: DashboardScope) -> list[dict[str, Any]]:
    require_principal(principal)
    out: list[dict[str, Any]] = [permission_filter(principal), {"term": {"is_latest": True}}]
    if scope.tenants:
        out.append({"terms": {"tenant": list(scope.tenants)}})
    if scope.customer_in is not None:
        out.append(customer_in_clause(scope.customer_in))
    return out


def slice_filters(sl: Slice, scope: DashboardScope) -> list[dict[str, Any]]:
    out = [{"terms": {FACET_FIELDS[k]: list(v)}} for k, v in sorted(sl.filters.items()) if v]
    if sl.bounds is not None and (q := sl.bounds.clause(scope.tz)):
        out.append(q)
    return out


def _body(principal: Principal, scope: DashboardScope, sl: Slice, aggs: dict[str, Any]) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"filter": base_filters(principal, scope) + slice_filters(sl, scope)}},
        "aggs": aggs,
    }


def _registers(scope: DashboardScope) -> dict[str, tuple[str, ...]]:
    return {"register": scope.registers} if scope.registers else {}


def _hist(fld: str, interval: str, bounds: Bounds, tz: str, **extra: Any) -> dict[str, Any]:
    h: dict[str, Any] = {"field": fld, "calendar_interval": interval, "time_zone": tz, "min_doc_count": 0,
                         "format": "yyyy-MM-dd"}  # fmt: skip
    if bounds.gte is not None and bounds.lte is not None:
        h["extended_bounds"] = {"min": bounds.gte.isoformat(), "max": bounds.lte.isoformat()}
    return {"date_histogram": h, **extra}


def _terms(fld: str, size: int, **extra: Any) -> dict[str, Any]:
    return {"terms": {"field": fld, "size": size, "missing": MISSING, "order": [{"_count": "desc"}, {"_key": "asc"}]},
            **extra}  # fmt: skip


def _money() -> dict[str, Any]:
    """Invoice and credit-note sums and document counts per currency (documents without amount counted)."""
    return {
        "cur": {
            "terms": {"field": "currency", "size": 20, "missing": MISSING},
            "aggs": {
                "inv": {
                    "filter": {"term": {"register": "invoice"}},
                    "aggs": {"sum": {"sum": {"field": "total_amount"}}},
                },
                "cn": {
                    "filter": {"term": {"register": "credit_note"}},
                    "aggs": {"sum": {"sum": {"field": "total_amount"}}},
                },
            },
        },
        "no_amount": {"missing": {"field": "total_amount"}},
    }


# ------------------------------------------------------------------------------------------------ panels


def complaints_weekly_body(principal: Principal, scope: DashboardScope, weeks: Bounds) -> dict[str, Any]:
    """New complaints per week (`weeks`: Monday of the first baseline week .. the last day shown)."""
    sl = Slice(COMPLAINT, weeks)
    return _body(principal, scope, sl, {"weeks": _hist("doc_date", "week", weeks, scope.tz)})


def open_complaints_by_age_body(principal: Principal, scope: DashboardScope, today: dt.date) -> dict[str, Any]:
    """Open complaints (whatever the period: open now is open now) by days since their date."""
    ranges = {name: age_bounds(today, lo, hi) for name, lo, hi in AGE_BUCKETS}
    aggs: dict[str, Any] = {name: {"filter": b.clause(scope.tz) or {"match_all": {}}} for name, b in ranges.items()}
    aggs["undated"] = {"missing": {"field": "doc_date"}}
    return _body(principal, scope, Slice({**COMPLAINT, "status": ("open",)}), aggs)


def age_bounds(today: dt.date, lo: int, hi: int | None, fld: str = "doc_date") -> Bounds:
    """Documents `lo`..`hi` days old (the youngest bucket also holds documents dated in the future)."""
    gte = None if hi is None else today - dt.timedelta(days=hi)
    lte = None if lo == 0 else today - dt.timedelta(days=lo)
    return Bounds(gte, lte, fld)


def _cases() -> dict[str, Any]:
    """Distinct cases among the bucket's documents."""
    return {"cardinality": {"field": "case_id", "precision_threshold": CASE_PRECISION}}


def open_cases_by_age_body(principal: Principal, scope: DashboardScope, today: dt.date) -> dict[str, Any]:
    """Open cases (on time or overdue; whatever the period: open now is open now) by days since they were opened
    (`case_opened_at` on their documents, in the dashboard's time zone), each counted once; `unopened`: documents
    of open cases without an opening date (written before the field existed)."""
    unopened = {"missing": {"field": "case_opened_at"}, "aggs": {"cases": _cases()}}
    aggs: dict[str, Any] = {"cases": _cases(), "unopened": unopened}
    for name, lo, hi in AGE_BUCKETS:
        clause = age_bounds(today, lo, hi, "case_opened_at").clause(scope.tz) or {"match_all": {}}
        aggs[name] = {"filter": clause, "aggs": {"cases": _cases()}}
    return _body(principal, scope, Slice({"case_state": CASE_OPEN_STATES}), aggs)


def overdue_cases_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    """SLA breaches: open cases (`cases`) and among them the overdue ones now (`case_state` overdue: due before
    today, kept true by `app.case_sync.sweep`), in total and per current step and department (each case once)."""
    group = {"cases": _cases()}
    overdue = {
        "filter": {"term": {"case_state": CASE_OVERDUE}},
        "aggs": {"cases": _cases(), "step": _terms("case_step", CASE_GROUPS, aggs=group),
                 "dept": _terms("case_department", CASE_GROUPS, aggs=group)},
    }  # fmt: skip
    return _body(principal, scope, Slice({"case_state": CASE_OPEN_STATES}), {"cases": _cases(), "overdue": overdue})


def complaint_reasons_body(principal: Principal, scope: DashboardScope, size: int = 10) -> dict[str, Any]:
    return _body(principal, scope, Slice(COMPLAINT, scope.period), {"reasons": _terms("complaint_reason", size)})


def complaint_events_body(principal: Principal, scope: DashboardScope, size: int) -> dict[str, Any]:
    """The period's complaints as (customers, date) rows, for the response times."""
    body = _body(principal, scope, Slice(COMPLAINT, scope.period), {})
    del body["aggs"]
    return {**body, "size": size, "_source": False, "docvalue_fields": ["customer_ids", {"field": "doc_date", "format": "yyyy-MM-dd"}],
            "sort": [{"doc_date": "asc"}, {"doc_id": "asc"}]}  # fmt: skip


def response_days_body(
    principal: Principal, scope: DashboardScope, since: dt.date, customer_ids: tuple[str, ...]
) -> dict[str, Any]:
    """The days on which each of these customers got an answer (an outgoing letter or mail in correspondence or
    complaint, or a credit note), dated `since` or later: a date histogram per customer, so no cap on the number
    of answers (only the first one on or after each complaint counts)."""
    answer = {"bool": {"should": [
        {"bool": {"filter": [{"term": {"direction": "out"}}, {"terms": {"register": list(RESPONSE_REGISTERS)}}]}},
        {"term": {"register": "credit_note"}},
    ], "minimum_should_match": 1}}  # fmt: skip
    flt = base_filters(principal, scope) + [answer, customer_in_clause(customer_ids),
                                            Bounds(since, None).clause(scope.tz) or {"match_all": {}}]  # fmt: skip
    days = {"date_histogram": {"field": "doc_date", "calendar_interval": "day", "min_doc_count": 1,
                               "format": "yyyy-MM-dd"}}  # fmt: skip
    cust = {"terms": {"field": "customer_ids", "size": max(1, len(customer_ids)), "include": list(customer_ids)},
            "aggs": {"days": days}}  # fmt: skip
    return {"size": 0, "query": {"bool": {"filter": flt}}, "aggs": {"cust": cust}}


def documents_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    """How many documents the dashboard's period and scope hold (registers narrow it)."""
    body = _body(principal, scope, Slice(_registers(scope), scope.period), {})
    del body["aggs"]
    return body


def volume_by_register_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    """Documents per month and register in the period, and beside them the undated ones (no month to count them
    in): the query takes the period's documents or those without a date, the months only see the dated ones."""
    aggs = {
        "months": _hist("doc_date", "month", scope.period, scope.tz, aggs={"reg": _terms("register", 20)}),
        "undated": {"missing": {"field": "doc_date"}},
    }
    body = _body(principal, scope, Slice(_registers(scope)), aggs)
    if (in_period := scope.period.clause(scope.tz)) is not None:
        undated = {"bool": {"must_not": [{"exists": {"field": "doc_date"}}]}}
        body["query"]["bool"]["filter"].append({"bool": {"should": [in_period, undated], "minimum_should_match": 1}})
    return body


def volume_by_channel_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    aggs = {"weeks": _hist("doc_date", "week", scope.period, scope.tz, aggs={"ch": _terms("channel", 10)})}
    return _body(principal, scope, Slice(_registers(scope), scope.period), aggs)


def volume_by_language_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    return _body(principal, scope, Slice(_registers(scope), scope.period), {"lang": _terms("language", 20)})


def revenue_by_customer_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    """Invoice totals and credit notes per customer and currency (all customers: ranking and grouping by
    segment / account manager happen after)."""
    aggs = {
        "cust": {"terms": {"field": "customer_ids", "size": MAX_CUSTOMER_BUCKETS}, "aggs": _money()},
        **_money(),
    }
    return _body(principal, scope, Slice({"register": REVENUE_REGISTERS}, scope.period), aggs)


def complaint_rate_by_customer_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    complaint = {"bool": {"filter": [{"terms": {k: list(v)}} for k, v in COMPLAINT.items()]}}
    aggs = {"cust": {"terms": {"field": "customer_ids", "size": MAX_CUSTOMER_BUCKETS},
                     "aggs": {"complaints": {"filter": complaint}}}}  # fmt: skip
    return _body(principal, scope, Slice({}, scope.period), aggs)


def last_document_by_customer_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    """The newest document date of every customer with documents (any time): the quiet ones are the scope's
    customers without one in the last 90 days."""
    aggs = {"cust": {"terms": {"field": "customer_ids", "size": MAX_CUSTOMER_BUCKETS},
                     "aggs": {"last": {"max": {"field": "doc_date"}}}}}  # fmt: skip
    return _body(principal, scope, Slice({}), aggs)


def revenue_by_group_body(
    principal: Principal, scope: DashboardScope, groups: Mapping[str, tuple[str, ...]]
) -> dict[str, Any]:
    """Invoice totals and credit notes per group of customers (segment, account manager) and currency."""
    buckets = {name: customer_in_clause(ids) for name, ids in sorted(groups.items())}
    aggs = {
        "groups": {"filters": {"filters": buckets or {"none": MATCH_NONE}}, "aggs": _money()},
        "no_amount": _money()["no_amount"],  # the panel's note, as for the top customers
    }
    return _body(principal, scope, Slice({"register": REVENUE_REGISTERS}, scope.period), aggs)


def revenue_monthly_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    aggs = {
        "months": _hist("doc_date", "month", scope.period, scope.tz, aggs=_money()),
        "no_amount": _money()["no_amount"],  # the panel's note, as for the top customers
    }
    return _body(principal, scope, Slice({"register": REVENUE_REGISTERS}, scope.period), aggs)


def filing_by_week_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    bounds = Bounds(scope.period.gte, scope.period.lte, "indexed_at")
    aggs = {"weeks": _hist("indexed_at", "week", bounds, scope.tz, aggs={"st": _terms("filing.status", 5)})}
    return _body(principal, scope, Slice(_registers(scope), bounds), aggs)


def ingest_failures_by_week_body(principal: Principal, scope: DashboardScope) -> dict[str, Any]:
    """Files the intake gave up on (audit entries `ingest` with outcome failed), per week."""
    require_principal(principal)
    bounds = Bounds(scope.period.gte, scope.period.lte, "created_at")
    flt = [tenant_filter(principal), {"term": {"action": "ingest"}}, {"term": {"outcome": "failed"}}]
    if scope.tenants:
        flt.append({"terms": {"tenant": list(scope.tenants)}})
    if (q := bounds.clause(scope.tz)) is not None:
        flt.append(q)
    return {"size": 0, "track_total_hits": True, "query": {"bool": {"filter": flt}},
            "aggs": {"weeks": _hist("created_at", "week", bounds, scope.tz)}}  # fmt: skip
