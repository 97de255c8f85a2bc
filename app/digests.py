"""Use cases of the weekly dashboard digest: subscribe to the manager dashboard as filtered, and the deliverer's
weekly run.

A user subscribes with the dashboard's URL query (``period=30d&segment=A``, as `cockpit.dashboard_links`
writes it); it is stored as given and parsed again at every send. Once per ISO week (Monday at the digest
hour, Europe/Berlin by default, or the first `cockpit deliver` run after it) `enqueue_digests` rebuilds every
subscriber from the user directory — unknown or inactive users and users without an e-mail address get
nothing —, runs the dashboard use case *as them* (their tenants, groups and role as of now: a tenant they lost is
not in their figures) and writes the key figures with their links into the outbox, which
`notifications.delivery` sends (retries, back-off, a last check of the recipient). Idempotent: a subscription
records the week it got, and the outbox record's id is deterministic.

Links are relative to the cockpit (the mailer prefixes the configured ``public_base_url``). The dashboard link
is `/dashboard?<the subscribed query>`; drill-downs (a search page state) need the cockpit's URL writer, which
the front door passes as `drill_href` (`cockpit.dashboard_links.drill_href`); without it they link to the
dashboard.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from app import audit, dashboards
from app.context import AppContext
from app.dashboard_model import Dashboard, DashboardRequest, Drill, Panel
from app.dashboard_urls import parse_dashboard_params
from domain.errors import AppError, Invalid, Message
from domain.principal import SEARCH, STATUS, Principal
from indexing.records import WriteFailed
from notifications import delivery
from notifications import digests as nd
from notifications.mailer import SmtpConfig
from search.repository import ReadFailed

log = logging.getLogger(__name__)

DigestSubscription = nd.DigestSubscription
DrillHref = Callable[[Drill], str | None]

TOP_REVENUE = 3
BASELINE_WEEKS = 8
MAX_VALUE_CHARS = 200
MAX_VALUES = 50
LIST_PARAMS = {"tenant": "tenants", "segment": "segments", "manager": "managers", "department": "departments",
               "register": "registers"}  # fmt: skip
REVIEW_PATH = "/review"
STATUS_PATH = "/status"


# ------------------------------------------------------------------------------------------------ use cases


def subscribe_digest(
    ctx: AppContext, principal: Principal, query: str, lang: str | None = None, *, now: dt.datetime | None = None
) -> DigestSubscription:
    """Subscribe the principal to the weekly e-mail of the dashboard filtered by `query` (its URL query, with or
    without "?"); again = change the filters or the language. `lang`: "de" | "en" (None: the user's own).
    Raises Forbidden without the search capability, Invalid for API clients, users without an e-mail address
    and malformed queries."""
    principal.require(SEARCH)
    if principal.kind != "user":
        raise Invalid("digest.dashboard.error.not_user")
    if not principal.email:
        raise Invalid("digest.dashboard.error.no_email")
    query = (query or "").strip().lstrip("?")
    if len(query) > nd.MAX_QUERY_CHARS:
        raise Invalid("digest.dashboard.error.query", param="length")
    _req, bad = dashboard_request(query)
    if bad:
        raise Invalid("digest.dashboard.error.query", param=bad[0])
    if lang is not None and lang not in ("de", "en"):
        raise Invalid("digest.dashboard.error.lang", value=str(lang)[:10])
    query = urlencode(parse_qsl(query, keep_blank_values=True))  # encoded as a URL's: safe to link as it is
    sub = nd.subscribe(ctx.repo, ctx.store, principal, query, lang, now=now)
    audit.record(ctx, "digest_subscribed", principal, wait=True, query=query, lang=lang)
    return sub


def unsubscribe_digest(ctx: AppContext, principal: Principal) -> bool:
    done = nd.unsubscribe(ctx.store, principal)
    if done:
        audit.record(ctx, "digest_unsubscribed", principal, wait=True)
    return done


def digest_subscription(ctx: AppContext, principal: Principal) -> DigestSubscription | None:
    """The principal's weekly digest subscription (its `query`, `lang`, `last_week`), or None."""
    if principal.kind != "user":
        return None
    return nd.digest_subscription(ctx.repo, principal)


# ------------------------------------------------------------------------------------------------ workers


@dataclass
class DigestReport:
    week: str = ""  # the ISO week reported on ("2026-W49")
    due: bool = False  # False before Monday's digest hour: last week's digests went out last week
    subscriptions: int = 0
    queued: int = 0  # digests written into the outbox by this run
    already: int = 0  # subscriptions that got this week's digest before
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    errors: list[str] = field(default_factory=list)
    delivery: delivery.DeliveryReport | None = None

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def enqueue_digests(
    ctx: AppContext, now: dt.datetime | None = None, *, drill_href: DrillHref | None = None
) -> DigestReport:
    """Write this week's digest of every subscription that has not had it into the outbox (each computed with its
    recipient's current permissions). Never raises for storage problems: they are reported and the
    subscription is tried again by the next run."""
    now = now or dt.datetime.now(dt.UTC)
    week = nd.digest_week(now, ctx.tz)
    report = DigestReport(week=week.label, due=now >= week.due_at)
    if not report.due:
        return report
    try:
        subs = nd.all_digest_subscriptions(ctx.repo)
    except ReadFailed as exc:
        report.errors.append(f"digest subscriptions: {exc}")
        return report
    report.subscriptions = len(subs)
    for sub in subs:
        if sub.last_week == week.label:
            report.already += 1
            continue
        try:
            _enqueue_one(ctx, sub, week, now, drill_href, report)
        except (ReadFailed, WriteFailed) as exc:
            log.warning("weekly digest of %s not written: %s", sub.login, exc)
            report.errors.append(f"{sub.login}: {exc}")
    return report


def deliver_digests(
    ctx: AppContext, now: dt.datetime | None = None, *, smtp: SmtpConfig | None = None,
    drill_href: DrillHref | None = None,
) -> DigestReport:  # fmt: skip
    """`enqueue_digests`, then send every due e-mail of the outbox (digests and view notifications alike)."""
    now = now or dt.datetime.now(dt.UTC)
    report = enqueue_digests(ctx, now, drill_href=drill_href)
    report.delivery = delivery.deliver_pending(ctx.repo, ctx.store, ctx.directory, now, smtp=smtp)
    return report


def _lookup(ctx: AppContext, login: str) -> Principal | None:
    try:
        return ctx.directory(login)
    except Exception as exc:  # noqa: BLE001 - a broken directory entry must not stop the others
        log.warning("user directory failed for %s: %s", login, exc)
        return None


def _enqueue_one(
    ctx: AppContext, sub: DigestSubscription, week: nd.DigestWeek, now: dt.datetime, drill_href: DrillHref | None,
    report: DigestReport,
) -> None:  # fmt: skip
    user = _lookup(ctx, sub.login)
    if user is None or not user.active or user.kind != "user":
        report.skip("unknown_or_disabled_user")
        return
    if not user.email:
        report.skip("no_address")
        return
    if user.sees_nothing or not user.can(SEARCH):
        report.skip("no_access")
        return
    req, _bad = dashboard_request(sub.query)
    try:
        board = dashboards.dashboard(ctx, user, req, now=now)
    except AppError as exc:
        log.info("weekly digest of %s: dashboard refused: %s", sub.login, exc)
        report.skip("dashboard_refused")
        return
    if dashboards.FAILED in board.messages:
        report.errors.append(f"{sub.login}: the dashboard could not be computed")
        return  # tried again by the next run
    content = digest_content(board, sub.query, week, drill_href=drill_href, can_status=user.can(STATUS))
    if nd.enqueue(ctx.store, user, sub, week, content, sub.lang or user.lang, now):
        report.queued += 1
    else:
        report.already += 1
    nd.mark_week(ctx.store, sub, user, week.label, now)


# ------------------------------------------------------------------------------------------ the URL query


def dashboard_request(query: str) -> tuple[DashboardRequest, list[str]]:
    """The dashboard URL query → (request, names of malformed parameters); never raises (the cockpit's reading,
    `app.dashboard_urls`)."""
    req, messages = parse_dashboard_params(query or "")
    return req, [name for _, name in messages]


def _panel(board: Dashboard, key: str) -> Panel | None:
    panel = board.panels.get(key)
    return panel if isinstance(panel, Panel) else None


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): v if isinstance(v, int | float | str) else str(v) for k, v in params.items()}


def digest_content(
    board: Dashboard, query: str, week: nd.DigestWeek, *, drill_href: DrillHref | None = None,
    can_status: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The key figures of a computed dashboard as the e-mail shows them (plain data with relative links):
    complaints of the reported week against the mean of the 8 weeks before it and spikes, open complaints by
    age, open and overdue cases (SLA breaches), response times, the top 3 customers by revenue per currency, quiet
    customers, the auto-filing rate and review backlog, failed ingests. A panel that is missing is left out (the e-mail says "no data")."""
    dashboard = f"/dashboard?{query}" if query else "/dashboard"

    def href(drill: Drill | None) -> str:
        if drill is not None and drill_href is not None:
            try:
                h = drill_href(drill)
            except Exception as exc:  # noqa: BLE001 - a link is never worth losing the digest
                log.warning("drill link failed: %s", exc)
                h = None
            if h and h.startswith("/"):
                return h
        return dashboard

    messages = [*board.messages, *([board.scope_note] if board.scope_note else [])]
    content: dict[str, Any] = {
        "v": 1,
        "week": {
            "label": week.label,
            "year": week.year,
            "number": week.number,
            "first": week.first.isoformat(),
            "last": week.last.isoformat(),
        },
        "period": list(board.period) if all(board.period) else None,
        "dashboard": dashboard,
        "messages": [{"code": m.code, "params": _params(m.params)} for m in messages if isinstance(m, Message)],
    }

    if p := _panel(board, "complaints_weekly"):
        by_week = {pt.x: pt for pt in p.points}
        last = by_week.get(week.first.isoformat())
        before = [(week.first - dt.timedelta(weeks=k)).isoformat() for k in range(1, BASELINE_WEEKS + 1)]
        mean = sum(by_week[w].value if w in by_week else 0 for w in before) / BASELINE_WEEKS
        content["complaints"] = {"n": _int(last.value if last else 0), "mean": round(mean, 2),
                                 "spike": bool(last and last.flag), "spikes": _int(p.figures.get("spikes")),
                                 "href": href(last.drill if last else None)}  # fmt: skip

    if p := _panel(board, "complaints_open_age"):
        content["open"] = {
            "n": _int(p.figures.get("count", sum(pt.value for pt in p.points))),
            "ages": [{"x": pt.x, "n": _int(pt.value), "href": href(pt.drill)} for pt in p.points],
        }

    if p := _panel(board, "cases_sla"):  # cases (issue 14): open ones, overdue ones and their share
        f = p.figures
        tot = next((pt for pt in p.points if pt.series == "total"), None)
        content["cases"] = {"open": _int(f.get("open")), "overdue": _int(f.get("count")), "share": _float(f.get("share")),
                            "href": href(tot.drill if tot is not None and tot.count else None)}  # fmt: skip

    if p := _panel(board, "complaint_response"):
        f = p.figures
        content["response"] = {"median": _float(f.get("median_days")), "p90": _float(f.get("p90_days")),
                               "answered": _int(f.get("answered")), "n": _int(f.get("count")),
                               "period": list(p.period) if p.period else None,
                               "href": href(p.points[0].drill if p.points else None)}  # fmt: skip

    if p := _panel(board, "revenue_top"):
        by_currency: dict[str, list[Any]] = {}
        for pt in p.points:
            by_currency.setdefault(pt.series, []).append(pt)
        content["revenue"] = {
            "period": list(p.period) if p.period else None,
            "currencies": [
                {"currency": cur, "top": [{"id": pt.x, "name": pt.label or pt.x, "value": pt.value, "href": href(pt.drill)}
                                          for pt in sorted(pts, key=lambda q: (-q.value, q.x))[:TOP_REVENUE]]}
                for cur, pts in sorted(by_currency.items()) if cur
            ],
        }  # fmt: skip

    if p := _panel(board, "quiet_customers"):
        content["quiet"] = {"n": _int(p.figures.get("count", len(p.points))), "days": _int(p.figures.get("days")),
                            "href": dashboard}  # fmt: skip

    if p := _panel(board, "filing_weekly"):
        f = p.figures
        content["filing"] = {"n": _int(f.get("count")), "auto_rate": _float(f.get("auto_rate")),
                             "review": _int(f.get("review_open")), "period": list(p.period) if p.period else None,
                             "href": dashboard, "review_href": REVIEW_PATH}  # fmt: skip

    if p := _panel(board, "ingest_failures"):
        content["failures"] = {"n": _int(p.figures.get("count")), "period": list(p.period) if p.period else None,
                               "unavailable": any(n.code == "dash.note.unavailable" for n in p.notes),
                               "href": STATUS_PATH if can_status else dashboard}  # fmt: skip
    return content
