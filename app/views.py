"""Use cases of saved views: list (with live counts), open (run), save from a search, edit, delete, the
dossier cover's view buttons. Views are compiled for whoever opens them (their customers, their department,
their permissions) and run through the one document search."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from app import audit
from app.context import AppContext
from domain.principal import SAVE_VIEW, SEARCH, Principal
from notifications.subscriptions import delete_subscriptions_of_view
from search import builder as B
from search import saved
from search.dossier import customer_body
from search.parse import SearchResult, hits_of, total_of
from search.repository import ReadFailed
from search.request import SearchRequest
from views import store
from views.access import DossierRequired, ViewError
from views.compile import CompiledView, ViewerCustomers, ViewMessage, compile_view, index_customers, viewer_customers
from views.model import DEFAULT_COLUMNS, RelativeDateRange, View

log = logging.getLogger(__name__)


@dataclass
class ViewRun:
    view: View
    result: SearchResult | None
    compiled: CompiledView | None
    messages: list[ViewMessage] = field(default_factory=list)

    @property
    def total(self) -> int | None:
        return None if self.result is None else self.result.total


@dataclass(frozen=True)
class DossierButton:
    view_id: str
    name: str
    count: int | None
    description: str = ""
    href: str = ""


# ------------------------------------------------------------------------------------------------ reads


def my_customers(ctx: AppContext, principal: Principal) -> ViewerCustomers:
    """The customers the principal looks after, and those of their department (within their permissions)."""
    if not principal.tenants:
        return ViewerCustomers()
    body = saved.managed_customers_body(principal, [principal.login], [principal.department or ""])
    return viewer_customers(
        index_customers(h.get("_source") or {} for h in ctx.repo.scan("customers", body)), principal
    )


def _known_customers(ctx: AppContext, principal: Principal, ids: Iterable[str]) -> set[str] | None:
    """Which of these customer ids exist *for this principal* (another tenant's look unknown); None: can't tell."""
    ids = sorted(set(ids))
    if not ids:
        return set()
    try:
        resp = ctx.repo.search("customers", customer_body(principal, ids, size=len(ids)))
    except ReadFailed:
        return None
    return {str((h.get("_source") or {}).get("customer_id") or h["_id"]) for h in hits_of(resp)}


def compile_for(
    ctx: AppContext, view: View, principal: Principal, now: dt.datetime, customer_id: str | None = None, **kwargs: Any
) -> CompiledView:
    customers = my_customers(ctx, principal) if (view.my_customers or view.my_department) else None
    known = _known_customers(ctx, principal, view.filters["customer_ids"]) if view.filters.get("customer_ids") else None
    return compile_view(
        view, principal, now, customer_id=customer_id,
        my_customers=customers.mine if customers else None,
        department_customers=customers.department if customers else None,
        tz=ctx.tz, known_customers=known, **kwargs,
    )  # fmt: skip


def get_view(ctx: AppContext, principal: Principal, view_id: str) -> View:
    return store.get_view(ctx.repo, view_id, principal)


def run_view(
    ctx: AppContext,
    principal: Principal,
    view: View | str,
    *,
    now: dt.datetime | None = None,
    customer_id: str | None = None,
    page: int = 1,
    size: int = 20,
    facets: tuple[str, ...] | None = None,
    search_after: tuple[Any, ...] | None = None,
) -> ViewRun:
    """Open a view: total, first page, facets and groups, plus what the compiler had to say."""
    principal.require(SEARCH)
    v = store.get_view(ctx.repo, view, principal) if isinstance(view, str) else view
    now = now or dt.datetime.now(dt.UTC)
    try:
        compiled = compile_for(ctx, v, principal, now, customer_id, page=page, size=size, facets=facets,
                               search_after=search_after)  # fmt: skip
    except DossierRequired:
        return ViewRun(view=v, result=None, compiled=None, messages=[ViewMessage("dossier_required")])
    result = ctx.search.search(compiled.request, principal)
    return ViewRun(view=v, result=result, compiled=compiled, messages=list(compiled.messages))


def count_views(
    ctx: AppContext,
    principal: Principal,
    views: Iterable[View],
    *,
    now: dt.datetime | None = None,
    customer_id: str | None = None,
) -> dict[str, int | None]:
    """{view_id: total} for many views in one msearch (None: cannot run here or failed)."""
    now = now or dt.datetime.now(dt.UTC)
    views = list(views)
    out: dict[str, int | None] = {}
    customers = my_customers(ctx, principal) if any(v.my_customers or v.my_department for v in views) else None
    pending: list[tuple[str, str, dict[str, Any]]] = []
    for v in views:
        assert v.id is not None
        try:
            compiled = compile_view(
                v, principal, now, customer_id=customer_id,
                my_customers=customers.mine if customers else None,
                department_customers=customers.department if customers else None,
                tz=ctx.tz, size=0, facets=(), highlight=False,
            )  # fmt: skip
        except ViewError:
            out[v.id] = None
            continue
        if principal.sees_nothing or compiled.matches_nothing:
            out[v.id] = 0
            continue
        parsed, analysis = ctx.search.analyze(compiled.request)
        body = B.count_body(compiled.request, principal, parsed, analysis, tuning=ctx.search.tuning)
        pending.append((v.id, compiled.cache_key(principal), body))

    def run(batch: list[tuple[str, str, dict[str, Any]]]) -> dict[str, int | None]:
        try:
            responses = ctx.repo.msearch([("documents", body) for _, _, body in batch])
        except ReadFailed as exc:
            log.warning("view counts failed: %s", exc)
            return {vid: None for vid, _, _ in batch}
        return {vid: (None if "error" in r else total_of(r)) for (vid, _, _), r in zip(batch, responses, strict=True)}

    if pending:
        keys = tuple(key for _, key, _ in pending)
        counts = ctx.cached("view_counts", principal.scope_key, keys, lambda: run(pending), timeout=120,
                            keep=lambda c: None not in c.values())  # fmt: skip
        out.update(counts)
    return out


def sections_with_counts(
    ctx: AppContext, principal: Principal, *, now: dt.datetime | None = None
) -> dict[str, list[tuple[View, int | None]]]:
    """The views page: {"mine"|"department"|"tenant"|"admin": [(view, live count)]}."""
    sections = store.list_sections(ctx.repo, principal)
    portfolio = [v for vs in sections.values() for v in vs if v.scope == "portfolio"]
    counts = count_views(ctx, principal, portfolio, now=now)
    return {name: [(v, counts.get(v.id or "")) for v in vs] for name, vs in sections.items()}


def list_views(ctx: AppContext, principal: Principal, *, scope: str | None = None) -> list[View]:
    return store.list_views(ctx.repo, principal, scope=scope)


def dossier_view_buttons(
    ctx: AppContext, principal: Principal, customer_id: str, *, now: dt.datetime | None = None
) -> list[DossierButton]:
    """Dossier-scoped views the principal can see, with their counts inside this customer's dossier."""
    views = store.list_views(ctx.repo, principal, scope="dossier")
    if not views:
        return []
    counts = count_views(ctx, principal, views, now=now, customer_id=customer_id)
    return [
        DossierButton(
            view_id=v.id or "",
            name=v.name,
            count=counts.get(v.id or ""),
            description=v.description,
            href=f"/views?view={quote(v.id or '')}&customer={quote(customer_id)}",
        )
        for v in views
    ]


# ------------------------------------------------------------------------------------------------ writes


def request_to_view_fields(request: SearchRequest) -> dict[str, Any]:
    """The parts of a search a view keeps (an absolute date range becomes 'between'/'since')."""
    data: dict[str, Any] = {
        "query": request.text,
        "mode": request.mode,
        "filters": {k: list(v) for k, v in request.filters.items()},
        "group_by": request.group_by,
        "sort": request.sort,
    }
    dr = request.date_range
    if dr is not None and (dr.gte or dr.lte):
        lo = str(dr.gte)[:10] if dr.gte else None
        hi = str(dr.lte)[:10] if dr.lte else None
        if lo and hi:
            data["date_range"] = {"field": dr.field, "kind": "between", "start": lo, "end": hi}
        elif lo:
            data["date_range"] = {"field": dr.field, "kind": "since", "start": lo}
        else:  # only an upper bound: keep it as a range from the beginning of time
            data["date_range"] = {"field": dr.field, "kind": "between", "start": "1900-01-01", "end": hi}
    return data


def create_view(
    ctx: AppContext, principal: Principal, data: View | dict[str, Any], *, tenant: str | None = None,
    now: dt.datetime | None = None,
) -> View:  # fmt: skip
    principal.require(SAVE_VIEW)
    view = store.create_view(ctx.store, data, principal, tenant=tenant, now=now)
    audit.record(ctx, "view_created", principal, wait=True, tenant=view.tenant, view_id=view.id, name=view.name)
    return view


def update_view(
    ctx: AppContext, principal: Principal, view_id: str, changes: View | dict[str, Any], *,
    now: dt.datetime | None = None,
) -> View:  # fmt: skip
    principal.require(SAVE_VIEW)
    view = store.update_view(ctx.repo, ctx.store, view_id, changes, principal, now=now)
    audit.record(ctx, "view_updated", principal, wait=True, tenant=view.tenant, view_id=view.id, name=view.name)
    return view


def delete_view(ctx: AppContext, principal: Principal, view_id: str) -> None:
    """Delete a view (owner or admin) and every subscription to it. Sent notifications stay in the inboxes."""
    view = store.delete_view(ctx.repo, ctx.store, view_id, principal)
    delete_subscriptions_of_view(ctx.repo, ctx.store, view_id)
    audit.record(ctx, "view_deleted", principal, wait=True, tenant=view.tenant, view_id=view_id, name=view.name)


def save_view_from_search(
    ctx: AppContext,
    principal: Principal,
    request: SearchRequest,
    name: str,
    *,
    description: str = "",
    date_range: RelativeDateRange | dict[str, Any] | None = None,
    sharing: str = "private",
    scope: str = "portfolio",
    columns: list[str] | None = None,
    my_customers: bool = False,
    my_department: bool = False,
    tenant: str | None = None,
    now: dt.datetime | None = None,
) -> View:
    """The search page's "save as view": the current search becomes a view owned by the principal.

    `date_range` (relative) replaces the search's absolute date range when given. A dossier-scoped view
    drops a single-customer filter (the dossier supplies the customer when the view is opened)."""
    data = request_to_view_fields(request)
    if date_range is not None:
        data["date_range"] = date_range.model_dump() if isinstance(date_range, RelativeDateRange) else date_range
    if scope == "dossier":
        data["filters"].pop("customer_ids", None)
    data.update(
        name=name, description=description, sharing=sharing, scope=scope, columns=list(columns or DEFAULT_COLUMNS),
        my_customers=my_customers, my_department=my_department,
    )  # fmt: skip
    return create_view(ctx, principal, data, tenant=tenant, now=now)
