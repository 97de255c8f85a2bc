"""Elasticsearch answers → dashboard panels (pure post-processing with pandas / numpy).

Each function takes one response of a `search.dashboards` body and the panel's `Base` (scope, today, customer
master data filters) and returns a `Panel` whose points carry their `Drill`: the search page state whose hit
count is the point's `count`. Definitions (also on the panels, see the catalogue's `dash.note.*`):

- spike: a week with at least `SPIKE_MIN` complaints and more than mean + 2σ (population σ) of the 8 weeks
  before it; trend: least-squares line over the 52 weeks shown.
- response time: days from a complaint to the first document dated the same day or later, in a dossier the
  complaint is filed to, that is an outgoing letter or e-mail (correspondence, complaint) or a credit note;
  median and 90th percentile (linear interpolation) over the answered complaints of the period.
- revenue: invoice totals minus credit notes, per currency (never summed across currencies).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from app.dashboard_model import Drill, Panel, Point, clip, month_end
from domain.errors import Message
from search import dashboards as Q

SPIKE_MIN = 3
BASELINE_WEEKS = 8  # a week's spike baseline: the 8 weeks before it
MIN_DOCS_FOR_RATE = 5
TOP = 10
DATE_PARAM = {"doc_date": "doc", "indexed_at": "indexed", "received_at": "received"}


@dataclass(frozen=True)
class Base:
    scope: Q.DashboardScope
    today: dt.date
    attrs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    customer_id: str | None = None
    can_status: bool = False

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        assert self.scope.period.gte is not None and self.scope.period.lte is not None
        return self.scope.period.gte, self.scope.period.lte

    def with_period(self, lo: dt.date, hi: dt.date) -> Base:
        return replace(self, scope=replace(self.scope, period=Q.Bounds(lo, hi)))

    def drill(self, filters: Mapping[str, Iterable[str]], lo: dt.date | None = None, hi: dt.date | None = None,
              fld: str = "doc_date") -> Drill:  # fmt: skip
        f = {k: tuple(v) for k, v in filters.items()}
        if self.scope.tenants:
            f["tenant"] = self.scope.tenants
        if self.customer_id:
            f["customer_ids"] = (self.customer_id,)
        return Drill(filters=f, attrs=dict(self.attrs), date_field=DATE_PARAM[fld],
                     date_from=lo.isoformat() if lo else None, date_to=hi.isoformat() if hi else None)  # fmt: skip

    def span(self) -> tuple[str, str]:
        return self.period[0].isoformat(), self.period[1].isoformat()


def total(resp: Mapping[str, Any]) -> int:
    t = (resp.get("hits") or {}).get("total") or 0
    return int(t.get("value", 0) if isinstance(t, dict) else t)


def _aggs(resp: Mapping[str, Any]) -> dict[str, Any]:
    return dict(resp.get("aggregations") or {})


def _day(key: str) -> dt.date:
    return dt.date.fromisoformat(str(key)[:10])


def group_ids(customers: list[dict[str, Any]], attr: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for c in customers:
        if c.get(attr):
            out[str(c[attr])].append(str(c["customer_id"]))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def answer_days(resp: Mapping[str, Any]) -> dict[str, list[dt.date]]:
    """customer id -> the sorted days it got an answer (`response_days_body`)."""
    return {str(b["key"]): sorted(_day(d["key_as_string"]) for d in b["days"]["buckets"])
            for b in _aggs(resp).get("cust", {}).get("buckets", [])}  # fmt: skip


def events(resp: Mapping[str, Any]) -> list[tuple[tuple[str, ...], dt.date]]:
    """(customer ids, date) of each hit of a docvalue-fields search."""
    out = []
    for h in (resp.get("hits") or {}).get("hits") or []:
        f = h.get("fields") or {}
        if f.get("doc_date") and f.get("customer_ids"):
            out.append((tuple(str(c) for c in f["customer_ids"]), _day(f["doc_date"][0])))
    return out


# ------------------------------------------------------------------------------------------------ complaints


def _spike(c: int, before: list[int]) -> bool:
    """At least SPIKE_MIN and more than mean + 2σ (population σ) of `before`, in exact integer arithmetic:
    c − m > 2σ ⇔ n·c − Σx > 0 and (n·c − Σx)² > 4·(n·Σx² − (Σx)²). (A float σ from a rolling window is off by an
    ulp often enough to flag a week that sits exactly on the line, e.g. 16 after a baseline of mean 7, σ 4.5.)"""
    n, s, q = len(before), sum(before), sum(x * x for x in before)
    d = n * c - s
    return c >= SPIKE_MIN and d > 0 and d * d > 4 * (n * q - s * s)


def complaints_weekly(resp: Mapping[str, Any], base: Base, first_week: dt.date) -> Panel:
    weeks = [(_day(b["key_as_string"]), int(b["doc_count"])) for b in _aggs(resp).get("weeks", {}).get("buckets", [])]
    counts = [c for _, c in weeks]
    points = []
    shown = [(d, c) for d, c in weeks if d >= first_week]
    for k, (d, c) in enumerate(weeks):
        if d < first_week:
            continue
        spike = k >= BASELINE_WEEKS and _spike(c, counts[k - BASELINE_WEEKS : k])
        lo, hi = clip(d, d + dt.timedelta(days=6), (first_week, base.today))
        points.append(Point(x=d.isoformat(), value=c, count=c, flag=spike, drill=base.drill(Q.COMPLAINT, lo, hi)))
    figures: dict[str, Any] = {"count": sum(c for _, c in shown), "spikes": sum(p.flag for p in points)}
    if len(shown) >= 2 and figures["count"]:
        y = np.array([c for _, c in shown], dtype=float)
        slope, intercept = np.polyfit(np.arange(len(y)), y, 1)
        figures |= {"trend_slope": float(slope), "trend_start": float(intercept),
                    "trend_end": float(intercept + slope * (len(y) - 1))}  # fmt: skip
    return Panel("complaints_weekly", "bar", tuple(points), figures, (Message("dash.note.spike"),),
                 (first_week.isoformat(), base.today.isoformat()))  # fmt: skip


def open_by_age(resp: Mapping[str, Any], base: Base) -> Panel:
    aggs = _aggs(resp)
    points = []
    for name, lo, hi in Q.AGE_BUCKETS:
        b = Q.age_bounds(base.today, lo, hi)
        n = int(aggs.get(name, {}).get("doc_count", 0))
        points.append(
            Point(x=name, value=n, count=n, drill=base.drill({**Q.COMPLAINT, "status": ("open",)}, b.gte, b.lte))
        )
    notes = []
    if undated := int(aggs.get("undated", {}).get("doc_count", 0)):
        notes.append(Message("dash.note.undated", {"n": undated}))
    return Panel("complaints_open_age", "bar", tuple(points), {"count": total(resp)}, tuple(notes))


def response_times(
    complaints: list[tuple[tuple[str, ...], dt.date]],
    by_customer: Mapping[str, list[dt.date]],
    base: Base,
    *,
    truncated: bool = False,
) -> Panel:
    """`by_customer`: each customer's sorted answer days (`answer_days`)."""
    days = []
    for cids, d in complaints:
        firsts = [ds[i] for c in cids if (ds := by_customer.get(c)) and (i := bisect.bisect_left(ds, d)) < len(ds)]
        if firsts:
            days.append((min(firsts) - d).days)
    figures: dict[str, Any] = {
        "count": len(complaints),
        "answered": len(days),
        "unanswered": len(complaints) - len(days),
    }
    if days:
        figures |= {"median_days": float(np.median(days)), "p90_days": float(np.percentile(days, 90))}
    lo, hi = base.period
    point = Point(x="complaints", value=len(complaints), count=len(complaints), drill=base.drill(Q.COMPLAINT, lo, hi))
    notes = [Message("dash.note.response")]
    if truncated:
        notes.append(Message("dash.note.truncated", {"n": len(complaints)}))
    return Panel("complaint_response", "kpi", (point,), figures, tuple(notes), base.span())


def reasons(resp: Mapping[str, Any], base: Base) -> Panel:
    lo, hi = base.period
    points = []
    for b in _aggs(resp).get("reasons", {}).get("buckets", []):
        key, n = str(b["key"]), int(b["doc_count"])
        drill = None if key == Q.MISSING else base.drill({**Q.COMPLAINT, "complaint_reason": (key,)}, lo, hi)
        points.append(Point(x=key, value=n, count=n, drill=drill))
    return Panel("complaint_reasons", "bar", tuple(points), {"count": total(resp)}, period=base.span())


# ------------------------------------------------------------------------------------------------ cases


def _cases(bucket: Mapping[str, Any]) -> int:
    """Distinct cases of a bucket with the `cases` cardinality sub-aggregation."""
    return int((bucket.get("cases") or {}).get("value") or 0)


def _case_total(base: Base, x: str, states: tuple[str, ...], cases: int, documents: int) -> Point:
    """The panel's total (series "total", not drawn): its cases, and the documents a click on the figure line opens."""
    return Point(x=x, series="total", value=cases, count=documents, drill=base.drill({"case_state": states}))


def open_cases_by_age(resp: Mapping[str, Any], base: Base) -> Panel:
    """Open cases (on time or overdue) by days since opened, each case once (`open_cases_by_age_body`). The bars
    have no drill-down (the search page has no date range on a case's opening); the total opens every open case's
    documents."""
    aggs = _aggs(resp)
    points = [_case_total(base, "open", Q.CASE_OPEN_STATES, _cases(aggs), total(resp))]
    for name, _, _ in Q.AGE_BUCKETS:
        b = aggs.get(name) or {}
        points.append(Point(x=name, value=_cases(b), count=int(b.get("doc_count", 0))))
    notes = [Message("dash.note.cases_age")]
    if unopened := _cases(aggs.get("unopened") or {}):
        notes.append(Message("dash.note.cases_unopened", {"n": unopened}))
    return Panel("cases_open_age", "bar", tuple(points), {"count": _cases(aggs), "documents": total(resp)},
                 tuple(notes))  # fmt: skip


def cases_sla(resp: Mapping[str, Any], base: Base, step_labels: Mapping[str, Mapping[str, str]] | None = None) -> Panel:
    """SLA breaches (`overdue_cases_body`): overdue cases in total, per step and per department, each case once,
    and their share of the open cases. `step_labels`: step id -> {language: label} of the process files."""
    aggs = _aggs(resp)
    over = aggs.get("overdue") or {}
    n, open_n = _cases(over), _cases(aggs)
    points = [_case_total(base, "overdue", (Q.CASE_OVERDUE,), n, int(over.get("doc_count", 0)))]
    for series, sub, facet in (("step", "step", "case_step"), ("department", "dept", "case_department")):
        rows = [(str(b["key"]), _cases(b), int(b["doc_count"])) for b in (over.get(sub) or {}).get("buckets", [])]
        for key, cases, docs in sorted(rows, key=lambda r: (-r[1], r[0] == Q.MISSING, r[0])):
            drill = None if key == Q.MISSING else base.drill({"case_state": (Q.CASE_OVERDUE,), facet: (key,)})
            points.append(Point(x=key, series=series, value=cases, count=docs, drill=drill))
    figures: dict[str, Any] = {"count": n, "open": open_n, "share": round(n / open_n, 4) if open_n else None,
                               "documents": int(over.get("doc_count", 0)),
                               "step_labels": {k: dict(v) for k, v in (step_labels or {}).items()}}  # fmt: skip
    return Panel("cases_sla", "bar", tuple(points), figures, (Message("dash.note.cases_sla"),))


# ------------------------------------------------------------------------------------------------ volume


def _registers(base: Base) -> dict[str, tuple[str, ...]]:
    return {"register": base.scope.registers} if base.scope.registers else {}


def _axis(buckets: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(_day(b["key_as_string"]).isoformat() for b in buckets)


def _stacked(buckets: list[dict[str, Any]], sub: str, facet: str, base: Base, unit: str, fld: str = "doc_date",
             extra: Mapping[str, tuple[str, ...]] | None = None) -> list[Point]:  # fmt: skip
    points = []
    for b in buckets:
        start = _day(b["key_as_string"])
        end = month_end(start) if unit == "month" else start + dt.timedelta(days=6)
        lo, hi = clip(start, end, base.period)
        for s in b.get(sub, {}).get("buckets", []):
            key, n = str(s["key"]), int(s["doc_count"])
            drill = None if key == Q.MISSING else base.drill({**(extra or {}), facet: (key,)}, lo, hi, fld)
            points.append(Point(x=start.isoformat(), series=key, value=n, count=n, drill=drill))
    return points


def volume_register(resp: Mapping[str, Any], base: Base) -> Panel:
    aggs = _aggs(resp)
    points = _stacked(aggs.get("months", {}).get("buckets", []), "reg", "register", base, "month")
    notes = []
    if undated := int(aggs.get("undated", {}).get("doc_count", 0)):
        notes.append(Message("dash.note.undated", {"n": undated}))
    return Panel("volume_register", "stacked", tuple(points), {"count": sum(p.value for p in points)}, tuple(notes),
                 base.span(), _axis(aggs.get("months", {}).get("buckets", [])))  # fmt: skip


def volume_channel(resp: Mapping[str, Any], base: Base) -> Panel:
    buckets = _aggs(resp).get("weeks", {}).get("buckets", [])
    points = _stacked(buckets, "ch", "channel", base, "week", extra=_registers(base))
    return Panel("volume_channel", "stacked", tuple(points), {"count": sum(p.value for p in points)},
                 period=base.span(), axis=_axis(buckets))  # fmt: skip


def volume_language(resp: Mapping[str, Any], base: Base) -> Panel:
    lo, hi = base.period
    points = []
    for b in _aggs(resp).get("lang", {}).get("buckets", []):
        key, n = str(b["key"]), int(b["doc_count"])
        drill = None if key == Q.MISSING else base.drill({**_registers(base), "language": (key,)}, lo, hi)
        points.append(Point(x=key, value=n, count=n, drill=drill))
    return Panel("volume_language", "pie", tuple(points), {"count": total(resp)}, period=base.span())


# ------------------------------------------------------------------------------------------------ money


def _money_rows(bucket: Mapping[str, Any]) -> list[tuple[str, float, int]]:
    """(currency, invoices − credit notes, documents) of a bucket with the `_money` sub-aggregations."""
    rows = []
    for c in bucket.get("cur", {}).get("buckets", []):
        if str(c["key"]) == Q.MISSING:
            continue
        revenue = float(c["inv"]["sum"]["value"] or 0) - float(c["cn"]["sum"]["value"] or 0)
        rows.append((str(c["key"]), round(revenue, 2), int(c["doc_count"])))
    return rows


def _money_notes(resp: Mapping[str, Any]) -> tuple[Message, ...]:
    n = int(_aggs(resp).get("no_amount", {}).get("doc_count", 0))
    return (Message("dash.note.revenue"),) + ((Message("dash.note.no_amount", {"n": n}),) if n else ())


def revenue_top(resp: Mapping[str, Any], base: Base, names: Mapping[str, str]) -> Panel:
    lo, hi = base.period
    rows = [(str(b["key"]), cur, rev, n) for b in _aggs(resp).get("cust", {}).get("buckets", [])
            for cur, rev, n in _money_rows(b)]  # fmt: skip
    df = pd.DataFrame(rows, columns=["customer", "currency", "revenue", "count"])
    points = []
    for cur, part in df.groupby("currency", sort=True):
        for r in part.sort_values(["revenue", "customer"], ascending=[False, True]).head(TOP).itertuples():
            drill = base.drill(
                {"register": Q.REVENUE_REGISTERS, "customer_ids": (r.customer,), "currency": (cur,)}, lo, hi
            )
            points.append(Point(x=r.customer, label=names.get(r.customer, r.customer), series=str(cur),
                                value=float(r.revenue), count=int(r.count), drill=drill))  # fmt: skip
    return Panel("revenue_top", "bar", tuple(points), {"currencies": sorted(df["currency"].unique().tolist())},
                 _money_notes(resp), base.span())  # fmt: skip


def revenue_groups(resp: Mapping[str, Any], base: Base, key: str, attr: str) -> Panel:
    lo, hi = base.period
    points = []
    for name, b in sorted(_aggs(resp).get("groups", {}).get("buckets", {}).items()):
        for cur, rev, n in _money_rows(b):
            drill = base.drill({"register": Q.REVENUE_REGISTERS, "currency": (cur,)}, lo, hi)
            drill = replace(drill, attrs={**drill.attrs, attr: (name,)})
            points.append(Point(x=name, series=cur, value=rev, count=n, drill=drill))
    points.sort(key=lambda p: (p.series, -p.value, p.x))
    return Panel(key, "bar", tuple(points), {}, _money_notes(resp), base.span())


def revenue_monthly(resp: Mapping[str, Any], base: Base) -> Panel:
    points = []
    for b in _aggs(resp).get("months", {}).get("buckets", []):
        start = _day(b["key_as_string"])
        lo, hi = clip(start, month_end(start), base.period)
        for cur, rev, n in _money_rows(b):
            drill = base.drill({"register": Q.REVENUE_REGISTERS, "currency": (cur,)}, lo, hi)
            points.append(Point(x=start.isoformat(), series=cur, value=rev, count=n, drill=drill))
    return Panel("revenue_monthly", "bar", tuple(points), {}, _money_notes(resp), base.span())


# ------------------------------------------------------------------------------------------------ customers


def complaint_rate_top(resp: Mapping[str, Any], base: Base, names: Mapping[str, str]) -> Panel:
    lo, hi = base.period
    rows = [(str(b["key"]), int(b["complaints"]["doc_count"]), int(b["doc_count"]))
            for b in _aggs(resp).get("cust", {}).get("buckets", [])]  # fmt: skip
    df = pd.DataFrame(rows, columns=["customer", "complaints", "documents"])
    df = df[(df.documents >= MIN_DOCS_FOR_RATE) & (df.complaints > 0)]
    df = df.assign(rate=df.complaints / df.documents)
    points = []
    for r in df.sort_values(["rate", "complaints", "customer"], ascending=[False, False, True]).head(TOP).itertuples():
        drill = base.drill({**Q.COMPLAINT, "customer_ids": (r.customer,)}, lo, hi)
        points.append(Point(x=r.customer, label=names.get(r.customer, r.customer), value=round(float(r.rate), 4),
                            count=int(r.complaints), of=int(r.documents), drill=drill))  # fmt: skip
    return Panel("complaint_rate_top", "bar", tuple(points), {},
                 (Message("dash.note.rate", {"n": MIN_DOCS_FOR_RATE}),), base.span())  # fmt: skip


def quiet_customers(resp: Mapping[str, Any], base: Base, customers: list[dict[str, Any]], days: int) -> Panel:
    last = {str(b["key"]): b["last"].get("value_as_string") for b in _aggs(resp).get("cust", {}).get("buckets", [])}
    since = base.today - dt.timedelta(days=days - 1)  # "the last 90 days": today and the 89 days before (as "90d")
    rows = []
    for c in customers:
        cid = str(c["customer_id"])
        seen = _day(last[cid]) if last.get(cid) else None
        if seen is None or seen < since:
            rows.append((seen or dt.date.min, cid, str(c.get("name") or cid), seen))
    rows.sort()
    points = tuple(
        Point(x=cid, label=name, value=float((base.today - seen).days) if seen else -1.0,
              series=seen.isoformat() if seen else "", drill=Drill(page="dossier", customer_id=cid))
        for _, cid, name, seen in rows
    )  # fmt: skip
    return Panel("quiet_customers", "table", points, {"count": len(points), "days": days})


# ------------------------------------------------------------------------------------------------ operations


def filing_weekly(resp: Mapping[str, Any], base: Base) -> Panel:
    buckets = _aggs(resp).get("weeks", {}).get("buckets", [])
    points = _stacked(buckets, "st", "filing.status", base, "week", fld="indexed_at", extra=_registers(base))
    n = sum(p.value for p in points)
    auto = sum(p.value for p in points if p.series == "auto")
    review = sum(p.value for p in points if p.series == "review")
    return Panel("filing_weekly", "stacked", tuple(points),
                 {"count": n, "auto_rate": auto / n if n else None, "review_open": review}, period=base.span(),
                 axis=_axis(buckets))  # fmt: skip


def ingest_failures(resp: Mapping[str, Any], base: Base) -> Panel:
    points = []
    for b in _aggs(resp).get("weeks", {}).get("buckets", []):
        start = _day(b["key_as_string"])
        n = int(b["doc_count"])
        points.append(
            Point(x=start.isoformat(), value=n, count=n, drill=Drill(page="status") if base.can_status else None)
        )
    notes = (Message("dash.note.unavailable"),) if "error" in resp else ()
    return Panel("ingest_failures", "bar", tuple(points), {"count": sum(p.value for p in points)}, notes, base.span())
