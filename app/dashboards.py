"""Use cases of the manager dashboards: `/dashboard` for a scope, the dossier cover's section for one customer.

Reads go through `search.dashboards` (pure bodies, permission filter first) in three round trips at most: the
scope's customers (master data: segment, account manager, department), one `msearch` with every panel's
aggregation, and the answers to the period's complaints (response times). Post-processing (spike flags, trend,
percentiles, rankings) is pandas/numpy in `app.dashboard_panels`. Results are cached per principal scope,
request, day and data version.

Agents see their department's customers (the filter is fixed to their department; a department that looks
after no customers of its own, like a service desk, sees the whole tenant — the page says which).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from app import dashboard_panels as P
from app.context import AppContext
from app.dashboard_model import (
    CUSTOMER_PANELS,
    Dashboard,
    DashboardRequest,
    Panel,
    resolve_period,
    week_start,
)
from app.processes import default_library
from domain.errors import Message
from domain.principal import SEARCH, Principal
from domain.process import ProcessError
from search import customer_scope
from search import dashboards as Q
from search.repository import ReadFailed
from search.request import CUSTOMER_ATTRS
from views.dates import local_today

log = logging.getLogger(__name__)

MAX_EVENTS = 10_000  # complaints the response times are computed from (more: the first ones, with a note)
QUIET_DAYS = 90
TREND_WEEKS = 52
BASELINE_WEEKS = 8
FAILED = Message("dash.msg.failed")
# what the panels read of the msearch answers (the complaints' hits would otherwise bring ids, scores and sort
# values: most of the bytes)
ANSWER_PARTS = ("responses.hits.total", "responses.hits.hits.fields", "responses.aggregations", "responses.error",
                "responses.status")  # fmt: skip


def today(ctx: AppContext, now: dt.datetime | None = None) -> dt.date:
    """The dashboards' calendar day (in the configured time zone)."""
    return local_today(now or dt.datetime.now(dt.UTC), ctx.tz)


def dashboard(
    ctx: AppContext, principal: Principal, req: DashboardRequest, *, now: dt.datetime | None = None
) -> Dashboard:
    principal.require(SEARCH)
    day = today(ctx, now)
    parts = (req.cache_key(), day.isoformat(), principal.role, principal.department or "")
    result: Dashboard = ctx.cached("dashboard", principal.scope_key, parts,
                                   lambda: _compute(ctx, principal, req, day),
                                   keep=lambda d: FAILED not in d.messages)  # fmt: skip
    return result


def customer_dashboard(
    ctx: AppContext, principal: Principal, customer_id: str, *, now: dt.datetime | None = None
) -> Dashboard:
    """The dossier cover's section: complaints over time, open complaints by age, revenue per month and
    response times of one customer (the permission filter decides what counts, as everywhere)."""
    return dashboard(ctx, principal, DashboardRequest(customer_id=customer_id), now=now)


# ------------------------------------------------------------------------------------------------ compute


def _compute(ctx: AppContext, principal: Principal, req: DashboardRequest, today: dt.date) -> Dashboard:
    messages: list[Message] = []
    tenants = tuple(t for t in req.tenants if t in principal.tenants)
    if len(tenants) < len(req.tenants):
        messages.append(Message("dash.msg.tenant_ignored"))
    attrs: dict[str, tuple[str, ...]] = {}
    scope_note: Message | None = None
    everyone: list[dict[str, Any]] = []
    customers: list[dict[str, Any]] = []
    if req.customer_id:  # one dossier: that customer, whatever the viewer's department (the search does the same)
        customer_in: tuple[str, ...] | None = (req.customer_id,)
    else:
        attrs, scope_note = _effective_attrs(principal, req)
        try:
            everyone = [c for c in customer_scope.customers_of(ctx.repo, principal, {})
                        if not tenants or c.get("tenant") in tenants]  # fmt: skip
        except ReadFailed as exc:
            log.warning("dashboard customers failed: %s", exc)
            return Dashboard(req, ("", ""), {}, (FAILED,))
        customers = _matching(everyone, attrs)
        if attrs and not customers and principal.role == "agent":
            attrs, scope_note = {}, Message("dash.scope.agent_tenant", {"department": principal.department or ""})
            customers = everyone
        customer_in = tuple(str(c["customer_id"]) for c in customers) if attrs else None
    period = resolve_period(req.period, today, req.date_from, req.date_to)
    scope = Q.DashboardScope(period=Q.Bounds(*period), tz=ctx.tz, tenants=tenants, registers=req.registers,
                             customer_in=customer_in)  # fmt: skip
    base = P.Base(scope=scope, today=today, attrs=attrs, customer_id=req.customer_id,
                  can_status=principal.can("status"))  # fmt: skip
    try:
        panels = _panels(ctx, principal, req, base, customers)
    except ReadFailed as exc:
        log.warning("dashboard failed: %s", exc)
        return Dashboard(req, (period[0].isoformat(), period[1].isoformat()), {}, (*messages, FAILED))
    docs = panels.pop("_documents", None)
    return Dashboard(
        options=_options(everyone, principal),
        request=req,
        period=(period[0].isoformat(), period[1].isoformat()),
        panels=panels,  # type: ignore[arg-type]
        messages=tuple(messages),
        scope_note=scope_note,
        documents=int(docs.figures.get("count", 0)) if isinstance(docs, Panel) else 0,
    )


def step_labels() -> dict[str, dict[str, str]]:
    """Step id -> {language: label} of the process files (the documents carry a case's step id only); a file that
    does not load labels nothing (the panel shows the ids)."""
    out: dict[str, dict[str, str]] = {}
    library = default_library()
    for name in library.names():
        try:
            process = library.current(name)
        except ProcessError as exc:
            log.warning("process %s: %s", name, exc)
            continue
        for sid, step in process.steps.items():
            out.setdefault(sid, dict(step.labels))
    return out


def _matching(customers: list[dict[str, Any]], attrs: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """The customers with these master data (as `search.customer_scope` asks Elasticsearch: exact values)."""
    fields = {name: CUSTOMER_ATTRS[name] for name in attrs}
    return [c for c in customers if all(str(c.get(fields[n]) or "") in vals for n, vals in attrs.items())]


def _options(customers: list[dict[str, Any]], principal: Principal) -> dict[str, tuple[str, ...]]:
    """The values the filters offer: what the principal's customers have."""
    out = {name: tuple(sorted({str(c[f]) for c in customers if c.get(f)})) for name, f in CUSTOMER_ATTRS.items()}
    out["tenant"] = tuple(sorted(principal.tenants)) if len(principal.tenants) > 1 else ()
    return out


def _effective_attrs(principal: Principal, req: DashboardRequest) -> tuple[dict[str, tuple[str, ...]], Message | None]:
    if principal.role != "agent" or principal.is_admin:
        return req.attrs, None
    dept = principal.department or ""
    return {"department": (dept,)}, Message("dash.scope.agent", {"department": dept})


def _scoped(base: P.Base, panel: str, req: DashboardRequest) -> P.Base:
    """A panel with its own period (`o.<panel>=<period>` in the URL)."""
    key = req.overrides.get(panel)
    if not key:
        return base
    lo, hi = resolve_period(key, base.today)
    return base.with_period(lo, hi)


def _panels(
    ctx: AppContext, principal: Principal, req: DashboardRequest, base: P.Base, customers: list[dict[str, Any]]
) -> dict[str, Panel | Any]:
    today = base.today
    weeks_end = today
    trend_start = week_start(today) - dt.timedelta(weeks=TREND_WEEKS - 1)
    weeks = Q.Bounds(trend_start - dt.timedelta(weeks=BASELINE_WEEKS), weeks_end)
    one = req.customer_id is not None
    b = {k: _scoped(base, k, req) for k in ("complaint_reasons", "complaint_response", "volume_register",
                                             "volume_channel", "volume_language", "revenue_top",
                                             "complaint_rate_top", "revenue_segment", "revenue_manager",
                                             "filing_weekly", "ingest_failures")}  # fmt: skip
    groups = {"segment": P.group_ids(customers, "segment"), "manager": P.group_ids(customers, "account_manager")}
    bodies: dict[str, tuple[str, dict[str, Any]]] = {
        "complaints_weekly": ("documents", Q.complaints_weekly_body(principal, base.scope, weeks)),
        "complaints_open_age": ("documents", Q.open_complaints_by_age_body(principal, base.scope, today)),
        "documents": ("documents", Q.documents_body(principal, base.scope)),
        "complaint_events": (
            "documents",
            Q.complaint_events_body(principal, b["complaint_response"].scope, MAX_EVENTS),
        ),
    }
    if one:
        bodies["revenue_monthly"] = ("documents", Q.revenue_monthly_body(principal, b["revenue_top"].scope))
    else:
        bodies |= {
            "complaint_reasons": ("documents", Q.complaint_reasons_body(principal, b["complaint_reasons"].scope)),
            "cases_open_age": ("documents", Q.open_cases_by_age_body(principal, base.scope, today)),
            "cases_sla": ("documents", Q.overdue_cases_body(principal, base.scope)),
            "volume_register": ("documents", Q.volume_by_register_body(principal, b["volume_register"].scope)),
            "volume_channel": ("documents", Q.volume_by_channel_body(principal, b["volume_channel"].scope)),
            "volume_language": ("documents", Q.volume_by_language_body(principal, b["volume_language"].scope)),
            "revenue_top": ("documents", Q.revenue_by_customer_body(principal, b["revenue_top"].scope)),
            "complaint_rate_top": ("documents", Q.complaint_rate_by_customer_body(principal, b["complaint_rate_top"].scope)),
            "quiet_customers": ("documents", Q.last_document_by_customer_body(principal, base.scope)),
            "revenue_segment": ("documents", Q.revenue_by_group_body(principal, b["revenue_segment"].scope, groups["segment"])),
            "revenue_manager": ("documents", Q.revenue_by_group_body(principal, b["revenue_manager"].scope, groups["manager"])),
            "filing_weekly": ("documents", Q.filing_by_week_body(principal, b["filing_weekly"].scope)),
            "ingest_failures": ("audit", Q.ingest_failures_by_week_body(principal, b["ingest_failures"].scope)),
        }  # fmt: skip
    names = list(bodies)
    replies = ctx.repo.msearch([bodies[n] for n in names], missing_ok=True, filter_path=ANSWER_PARTS)
    resp = dict(zip(names, replies, strict=True))
    for name, r in resp.items():
        if "error" in r and name != "ingest_failures":
            raise ReadFailed(f"dashboard panel {name}: {str(r['error'])[:300]}")
    complaints = P.events(resp["complaint_events"])
    answers: dict[str, list[dt.date]] = {}
    if complaints:
        cids = tuple(sorted({c for cs, _ in complaints for c in cs}))
        since = min(d for _, d in complaints)
        answers = P.answer_days(ctx.repo.search("documents", Q.response_days_body(principal, base.scope, since, cids)))
    names_by_id = {str(c["customer_id"]): str(c.get("name") or c["customer_id"]) for c in customers}
    out: dict[str, Panel | Any] = {
        "complaints_weekly": P.complaints_weekly(resp["complaints_weekly"], base, trend_start),
        "complaints_open_age": P.open_by_age(resp["complaints_open_age"], base),
        "complaint_response": P.response_times(
            complaints,
            answers,
            b["complaint_response"],
            truncated=P.total(resp["complaint_events"]) > len(complaints),
        ),  # fmt: skip
    }
    if one:
        out["revenue_monthly"] = P.revenue_monthly(resp["revenue_monthly"], b["revenue_top"])
        return {k: v for k, v in out.items() if k in CUSTOMER_PANELS}
    out |= {
        "complaint_reasons": P.reasons(resp["complaint_reasons"], b["complaint_reasons"]),
        "cases_open_age": P.open_cases_by_age(resp["cases_open_age"], base),
        "cases_sla": P.cases_sla(resp["cases_sla"], base, step_labels()),
        "volume_register": P.volume_register(resp["volume_register"], b["volume_register"]),
        "volume_channel": P.volume_channel(resp["volume_channel"], b["volume_channel"]),
        "volume_language": P.volume_language(resp["volume_language"], b["volume_language"]),
        "revenue_top": P.revenue_top(resp["revenue_top"], b["revenue_top"], names_by_id),
        "complaint_rate_top": P.complaint_rate_top(resp["complaint_rate_top"], b["complaint_rate_top"], names_by_id),
        "quiet_customers": P.quiet_customers(resp["quiet_customers"], base, customers, QUIET_DAYS),
        "revenue_segment": P.revenue_groups(resp["revenue_segment"], b["revenue_segment"], "revenue_segment", "segment"),
        "revenue_manager": P.revenue_groups(resp["revenue_manager"], b["revenue_manager"], "revenue_manager", "manager"),
        "filing_weekly": P.filing_weekly(resp["filing_weekly"], b["filing_weekly"]),
        "ingest_failures": P.ingest_failures(resp["ingest_failures"], b["ingest_failures"]),
        "_documents": Panel("_documents", "kpi", figures={"count": P.total(resp["documents"])}),
    }  # fmt: skip
    return out
