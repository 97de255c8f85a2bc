"""Dossier cover, customers and the start page: bodies (pure, from the permission filter) and parsing.

A dossier cover is one request: the latest versions of the customer's permitted documents with every figure
as an aggregation (registers with their newest documents, open complaints, last order and delivery, revenue of
12 months, timeline, frequent entities); the customer's master data comes from the customers index with the
same permission filter (customers carry tenant and ACL groups too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.principal import Principal
from indexing.schema import REGISTERS
from search.clauses import SOURCE_FIELDS
from search.parse import Hit, hits_of, parse_hit, total_of
from search.permissions import customer_filter, permission_filter
from search.query_parser import identifier_variants, normalize_identifier

REGISTER_LIST_SIZE = 10  # newest documents per register tab; "open all in the search" shows the rest


def latest_sort() -> list[Any]:
    return [{"doc_date": {"order": "desc", "missing": "_last"}}, {"doc_id": {"order": "asc"}}]


@dataclass(frozen=True)
class DossierData:
    customer_id: str
    customer: dict[str, Any] | None
    name: str
    total: int
    registers: list[tuple[str, int, list[Hit]]]  # (register, count, newest documents), by count
    open_complaints: int
    last_order: Hit | None
    last_delivery: Hit | None
    revenue_12m: float | None
    currency: str | None
    revenue_count: int
    timeline: list[tuple[str, str, int]]  # (yyyy-mm, register, count)
    latest: list[Hit]
    entities: dict[str, list[tuple[str, int]]]
    overdue_cases: int = 0  # of the open complaints' cases, those overdue


@dataclass(frozen=True)
class HomeData:
    total: int
    open_complaints: int
    review: int
    customers: int
    latest: list[Hit]
    my_customers: list[dict[str, Any]]


def dossier_body(principal: Principal, customer_id: str, today: dt.date) -> dict[str, Any]:
    """All figures of a dossier cover in one request (latest versions of the customer's permitted documents)."""
    since = (today - dt.timedelta(days=365)).isoformat()
    src = {"includes": SOURCE_FIELDS}
    newest = {"size": 1, "sort": latest_sort(), "_source": src}
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {
            "bool": {
                "filter": [
                    permission_filter(principal),
                    {"term": {"customer_ids": customer_id}},
                    {"term": {"is_latest": True}},
                ]
            }
        },
        "aggs": {
            "registers": {
                "terms": {"field": "register", "size": len(REGISTERS) + 5},
                "aggs": {"top": {"top_hits": {"size": REGISTER_LIST_SIZE, "sort": latest_sort(), "_source": src}}},
            },
            **open_complaint_aggs(),
            "last_order": {
                "filter": {"terms": {"register": ["order", "order_confirmation"]}},
                "aggs": {"top": {"top_hits": newest}},
            },
            "last_delivery": {"filter": {"term": {"register": "delivery_note"}}, "aggs": {"top": {"top_hits": newest}}},
            "revenue": {
                "filter": {
                    "bool": {
                        "filter": [
                            {"term": {"register": "invoice"}},
                            {"range": {"doc_date": {"gte": since, "lte": today.isoformat()}}},
                        ]
                    }
                },
                "aggs": {
                    "sum": {"sum": {"field": "total_amount"}},
                    "with_amount": {"value_count": {"field": "total_amount"}},
                    "currency": {"terms": {"field": "currency", "size": 3}},
                },
            },
            "timeline": {
                "date_histogram": {"field": "doc_date", "calendar_interval": "month", "format": "yyyy-MM"},
                "aggs": {"reg": {"terms": {"field": "register", "size": len(REGISTERS) + 5}}},
            },
            "latest": {"top_hits": {"size": 8, "sort": latest_sort(), "_source": src}},
            "ent_person": {"terms": {"field": "entities.person", "size": 8}},
            "ent_email": {"terms": {"field": "entities.email", "size": 8}},
            "ent_phone": {"terms": {"field": "entities.phone", "size": 6}},
            "ent_order_number": {"terms": {"field": "entities.order_number", "size": 6}},
        },
    }


def customer_body(
    principal: Principal, customer_ids: Iterable[str], size: int = 1, *, tenant: str | None = None
) -> dict[str, Any]:
    """Master data of these customers (only those the principal may see; `tenant`: only of that tenant)."""
    ids = sorted(set(customer_ids))
    flt: list[dict[str, Any]] = [customer_filter(principal), {"terms": {"customer_id": ids}}]
    if tenant is not None:
        flt.append({"term": {"tenant": tenant}})
    return {"size": max(size, len(ids)), "query": {"bool": {"filter": flt}}, "_source": {"excludes": ["suggest"]}}


def customer_lookup_body(
    principal: Principal, *, number: str | None = None, name: str | None = None, size: int = 10
) -> dict[str, Any]:
    """Customers by number (any spelling: K-10234, k10234, 10234) or by name words (all of them)."""
    should: list[dict[str, Any]] = []
    if number:
        forms = sorted({number, number.upper(), normalize_identifier(number), *identifier_variants(number)} - {""})
        should += [{"terms": {"number": forms}}, {"terms": {"number_norm": forms}}, {"terms": {"customer_id": forms}}]
    if name:
        should.append({"match": {"name": {"query": name[:200], "operator": "and"}}})
    return {
        "size": size,
        "query": {
            "bool": {
                "filter": [customer_filter(principal)],
                "should": should or [{"match_none": {}}],
                "minimum_should_match": 1,
            }
        },
        "sort": ["_score", {"name.raw": {"order": "asc"}}],
        "_source": {"excludes": ["suggest"]},
    }


def open_complaint_aggs() -> dict[str, Any]:
    """ "Offene Reklamationen": the open cases (counted once however many documents they have; overdue ones
    apart), plus open incoming complaint documents in no case (indexed before cases existed, or their case not
    opened); an outgoing answer in the complaint register is no complaint."""
    uncased = {"bool": {"filter": [{"term": {"register": "complaint"}}, {"term": {"status": "open"}}],
                        "must_not": [{"exists": {"field": "case_id"}}, {"term": {"direction": "out"}}]}}  # fmt: skip
    return {
        "open_complaints": {"filter": uncased},
        "open_cases": {"filter": {"terms": {"case_state": ["open", "overdue"]}},
                       "aggs": {"n": {"cardinality": {"field": "case_id", "precision_threshold": 40000}}}},
        "overdue_cases": {"filter": {"term": {"case_state": "overdue"}},
                          "aggs": {"n": {"cardinality": {"field": "case_id", "precision_threshold": 40000}}}},
    }  # fmt: skip


def open_complaints_of(aggs: dict[str, Any]) -> tuple[int, int]:
    """(open complaints, of which overdue) from the answer to `open_complaint_aggs`."""

    def n(key: str) -> int:
        return int((((aggs.get(key) or {}).get("n")) or {}).get("value") or 0)

    return int((aggs.get("open_complaints") or {}).get("doc_count") or 0) + n("open_cases"), n("overdue_cases")


def home_body(principal: Principal) -> dict[str, Any]:
    return {
        "size": 8,
        "track_total_hits": True,
        "query": {"bool": {"filter": [permission_filter(principal), {"term": {"is_latest": True}}]}},
        "sort": [{"indexed_at": {"order": "desc", "missing": "_last"}}, {"doc_id": {"order": "asc"}}],
        "_source": {"includes": SOURCE_FIELDS},
        "aggs": {
            **open_complaint_aggs(),
            "review": {"filter": {"term": {"register": "review"}}},
        },
    }


def my_customers_body(principal: Principal, login: str, size: int = 12) -> dict[str, Any]:
    return {
        "size": size,
        "track_total_hits": True,
        "query": {"bool": {"filter": [customer_filter(principal)]}},
        "sort": [{"name.raw": {"order": "asc"}}],
        "_source": {"includes": ["customer_id", "number", "name", "segment", "account_manager", "addresses.city"]},
        "aggs": {
            "mine": {
                "filter": {"term": {"account_manager": login}},
                "aggs": {
                    "top": {
                        "top_hits": {
                            "size": size,
                            "sort": [{"name.raw": {"order": "asc"}}],
                            "_source": {"includes": ["customer_id", "number", "name", "segment", "addresses.city"]},
                        }
                    }
                },
            }
        },
    }


def parse_dossier(
    customer_id: str, customer_resp: Mapping[str, Any], docs_resp: Mapping[str, Any]
) -> DossierData | None:
    chits = hits_of(customer_resp)
    customer = dict(chits[0].get("_source") or {}) if chits else None
    total = total_of(docs_resp)
    if customer is None and total == 0:
        return None
    aggs = docs_resp.get("aggregations") or {}

    def top(agg: Mapping[str, Any] | None) -> list[Hit]:
        return [parse_hit(h) for h in (((agg or {}).get("top") or {}).get("hits") or {}).get("hits") or []]

    registers = [
        (str(b["key"]), int(b["doc_count"]), top(b)) for b in (aggs.get("registers") or {}).get("buckets") or []
    ]
    timeline = []
    for b in (aggs.get("timeline") or {}).get("buckets") or []:
        month = str(b.get("key_as_string") or "")[:7]
        for rb in (b.get("reg") or {}).get("buckets") or []:
            timeline.append((month, str(rb["key"]), int(rb["doc_count"])))
    revenue = aggs.get("revenue") or {}
    rev_count = int((revenue.get("with_amount") or {}).get("value") or 0)
    currencies = [str(b["key"]) for b in (revenue.get("currency") or {}).get("buckets") or []]
    last_order = top(aggs.get("last_order"))
    last_delivery = top(aggs.get("last_delivery"))
    latest = [parse_hit(h) for h in ((aggs.get("latest") or {}).get("hits") or {}).get("hits") or []]
    entities = {
        kind: [(str(b["key"]), int(b["doc_count"])) for b in (aggs.get(f"ent_{kind}") or {}).get("buckets") or []]
        for kind in ("person", "email", "phone", "order_number")
    }
    name = str((customer or {}).get("name") or "")
    if not name:
        for h in latest:
            if customer_id in h.customer_ids:
                idx = h.customer_ids.index(customer_id)
                if idx < len(h.customer_names):
                    name = h.customer_names[idx]
                    break
    open_count, overdue_count = open_complaints_of(aggs)
    return DossierData(
        customer_id=customer_id,
        customer=customer,
        name=name or customer_id,
        total=total,
        registers=registers,
        open_complaints=open_count,
        overdue_cases=overdue_count,
        last_order=last_order[0] if last_order else None,
        last_delivery=last_delivery[0] if last_delivery else None,
        revenue_12m=float((revenue.get("sum") or {}).get("value") or 0.0) if rev_count else None,
        currency=currencies[0] if currencies else None,
        revenue_count=rev_count,
        timeline=timeline,
        latest=latest,
        entities=entities,
    )
