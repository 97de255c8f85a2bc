"""Use cases of the dossier cover and the start page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import audit
from app.access import refused_customer
from app.context import AppContext
from domain.errors import NotFound, Unavailable
from domain.principal import SEARCH, Principal
from search.dossier import (
    DossierData,
    HomeData,
    customer_body,
    dossier_body,
    home_body,
    my_customers_body,
    open_complaints_of,
    parse_dossier,
)
from search.parse import hits_of, parse_hit, total_of
from search.repository import ReadFailed


def _msearch(ctx: AppContext, pairs: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    try:
        responses = ctx.repo.msearch(pairs, missing_ok=True)
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    for r in responses:
        if "error" in r:
            raise Unavailable("error.unavailable")
    return responses


def dossier(ctx: AppContext, principal: Principal, customer_id: str, today: dt.date | None = None) -> DossierData:
    """A customer's cover: master data, key figures, registers, timeline. NotFound for customers the principal
    may not see (of another tenant, or unknown) — the two look the same."""
    principal.require(SEARCH)
    today = today or dt.date.today()
    customer_id = str(customer_id or "")[:200]

    def compute() -> DossierData | None:
        cust, docs = _msearch(
            ctx,
            [
                ("customers", customer_body(principal, [customer_id])),
                ("documents", dossier_body(principal, customer_id, today)),
            ],
        )
        return parse_dossier(customer_id, cust, docs)

    found = ctx.cached("dossier", principal.scope_key, (customer_id, today.isoformat()), compute)
    if found is None:
        refused_customer(ctx, principal, customer_id)
        raise NotFound("notfound.customer", customer_id=customer_id)
    audit.record(ctx, "view_dossier", principal, customer_id=customer_id)
    return found  # type: ignore[no-any-return]


def home(ctx: AppContext, principal: Principal) -> HomeData:
    principal.require(SEARCH)

    def compute() -> HomeData:
        docs, cust = _msearch(
            ctx,
            [("documents", home_body(principal)), ("customers", my_customers_body(principal, principal.login))],
        )
        aggs = docs.get("aggregations") or {}
        mine = (((cust.get("aggregations") or {}).get("mine") or {}).get("top") or {}).get("hits") or {}
        return HomeData(
            total=total_of(docs),
            open_complaints=open_complaints_of(aggs)[0],
            review=int((aggs.get("review") or {}).get("doc_count") or 0),
            customers=total_of(cust),
            latest=[parse_hit(h) for h in hits_of(docs)],
            my_customers=[dict(h.get("_source") or {}) for h in mine.get("hits") or []],
        )

    return ctx.cached("home", principal.scope_key + "|" + principal.login, (), compute)  # type: ignore[no-any-return]
