"""Bodies of retention, legal holds and disposal (pure): what expires, what a disposal may select, the holds.

Every body starts from the permission filter (documents) or the tenant filter (hold records), like every other
builder of the read side (tests/unit/test_search_permissions.py checks them). The disposal's selection carries
the date condition and every active legal hold *in the query itself*: a document whose retention has not ended,
or that a hold covers (the document, its customer's dossier, a saved view it matches), is never selected;
`app.disposal` re-checks each selected document again before it deletes anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.principal import Principal
from search.analysis import QueryAnalysis
from search.clauses import keyword_query, selections
from search.documents import id_clause
from search.permissions import permission_filter, require_principal, tenant_filter
from search.query_parser import ParsedQuery
from search.request import SearchRequest

HOLD_KIND = "hold"
REPORT_FIELDS = ["doc_id", "tenant", "register", "title", "file_name", "customer_ids", "customer_names", "doc_date",
                 "contract_end", "retain_until", "retention_basis", "retention_flags", "content_sha256"]  # fmt: skip
DISPOSAL_FIELDS = [*REPORT_FIELDS, "family_id", "version", "is_latest", "attachment_ids", "parent_id"]
MAX_HITS = 10_000


@dataclass(frozen=True)
class HoldExclusions:
    """The active legal holds of a disposal, as conditions: held documents, held dossiers (tenant, customer id),
    and the match clauses of held saved views (each already limited to its tenant)."""

    doc_ids: frozenset[str] = frozenset()
    customers: frozenset[tuple[str, str]] = frozenset()
    view_clauses: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def clauses(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.doc_ids:
            out.append({"ids": {"values": sorted(self.doc_ids)}})
        by_tenant: dict[str, list[str]] = {}
        for tenant, customer in sorted(self.customers):
            by_tenant.setdefault(tenant, []).append(customer)
        for tenant, customers in by_tenant.items():
            out.append({"bool": {"filter": [{"term": {"tenant": tenant}}, {"terms": {"customer_ids": customers}}]}})
        out.extend(self.view_clauses)
        return out


def view_hold_clause(
    req: SearchRequest, principal: Principal, parsed: ParsedQuery, analysis: QueryAnalysis | None
) -> dict[str, Any]:
    """What a saved view matches, as one clause: its keyword semantics (query text, filters, selections, date
    range) over every version (a hold keeps older versions too), within the principal's permissions."""
    require_principal(principal)
    every_version = req.with_(latest_only=False)
    return keyword_query(every_version, principal, parsed, analysis, extra_filters=selections(every_version))


# ------------------------------------------------------------------------------------------------ holds


def holds_body(
    principal: Principal,
    *,
    tenant: str | None = None,
    include_lifted: bool = False,
    hold_ids: Iterable[str] = (),
    size: int = 1000,
) -> dict[str, Any]:
    """Legal holds of the principal's tenants (active ones unless `include_lifted`), newest first."""
    flt: list[dict[str, Any]] = [tenant_filter(principal), {"term": {"kind": HOLD_KIND}}]
    if tenant is not None:
        flt.append({"term": {"tenant": tenant}})
    if not include_lifted:
        flt.append({"term": {"active": True}})
    if ids := sorted(set(hold_ids)):
        flt.append({"ids": {"values": ids}})
    return {
        "query": {"bool": {"filter": flt}},
        "size": max(1, min(int(size), MAX_HITS)),
        "sort": [{"created_at": {"order": "desc", "unmapped_type": "date"}}],
        "seq_no_primary_term": True,
    }


# ------------------------------------------------------------------------------------------------ documents


def _scope(principal: Principal, tenant: str | None) -> list[dict[str, Any]]:
    flt: list[dict[str, Any]] = [permission_filter(principal)]
    if tenant is not None:
        flt.append({"term": {"tenant": tenant}})
    return flt


def retention_doc_body(principal: Principal, doc_id: str) -> dict[str, Any]:
    """One document with what retention needs (and its concurrency token), if the principal may see it."""
    return {
        "size": 1,
        "query": {"bool": {"filter": [permission_filter(principal), id_clause(doc_id)]}},
        "_source": {"includes": DISPOSAL_FIELDS},
        "seq_no_primary_term": True,
    }


def expiring_body(
    principal: Principal, today: str, until: str, *, tenant: str | None = None, size: int = 500
) -> dict[str, Any]:
    """Documents whose retention ends by `until` (ISO date; those ended before `today` included), soonest first,
    with counts per register (and how many of them are due already)."""
    flt = [*_scope(principal, tenant), {"range": {"retain_until": {"lte": until}}}]
    return {
        "query": {"bool": {"filter": flt}},
        "size": max(0, min(int(size), MAX_HITS)),
        "sort": [{"retain_until": {"order": "asc", "unmapped_type": "date"}}, {"doc_id": {"order": "asc"}}],
        "_source": {"includes": REPORT_FIELDS},
        "track_total_hits": True,
        "aggs": {
            "registers": {
                "terms": {"field": "register", "size": 100},
                "aggs": {"due": {"filter": {"range": {"retain_until": {"lt": today}}}}},
            },
            "due": {"filter": {"range": {"retain_until": {"lt": today}}}},
        },
    }


def flagged_body(principal: Principal, *, tenant: str | None = None, size: int = 100) -> dict[str, Any]:
    """Documents whose retention needs a look: dated in the future, without a date or contract end."""
    flt = [*_scope(principal, tenant), {"terms": {"retention_flags": ["future_date", "no_date", "no_contract_end",
                                                                     "unknown_register"]}}]  # fmt: skip
    return {
        "query": {"bool": {"filter": flt}},
        "size": max(0, min(int(size), MAX_HITS)),
        "sort": [{"doc_id": {"order": "asc"}}],
        "_source": {"includes": REPORT_FIELDS},
        "track_total_hits": True,
        "aggs": {"flags": {"terms": {"field": "retention_flags", "size": 10}}},
    }


def disposal_candidates_body(
    principal: Principal,
    today: str,
    exclusions: HoldExclusions,
    *,
    tenant: str | None = None,
    settled: Sequence[str] = (),
) -> dict[str, Any]:
    """What a disposal may delete, by construction: documents the principal may see whose retention ended before
    `today` (or delivery notes `settled` by their invoice, checked by the caller), none under a legal hold.
    For `Repository.scan` (which adds paging); with concurrency tokens for the deletes."""
    ended: list[dict[str, Any]] = [{"range": {"retain_until": {"lt": today}}}]
    if settled:
        ended.append({"ids": {"values": sorted(set(settled))}})
    query: dict[str, Any] = {
        "bool": {
            "filter": [*_scope(principal, tenant), {"exists": {"field": "retain_until"}}],
            "should": ended,
            "minimum_should_match": 1,
        }
    }
    if must_not := exclusions.clauses():
        query["bool"]["must_not"] = must_not
    return {"query": query, "_source": {"includes": DISPOSAL_FIELDS}, "seq_no_primary_term": True}


def held_among_body(principal: Principal, doc_ids: Sequence[str], clauses: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Which of `doc_ids` one of the hold `clauses` covers (the disposal's re-check of each document)."""
    ids = sorted(set(doc_ids))
    return {
        "query": {
            "bool": {
                "filter": [permission_filter(principal), {"ids": {"values": ids}}],
                "should": list(clauses) or [{"match_none": {}}],
                "minimum_should_match": 1,
            }
        },
        "size": len(ids),
        "_source": False,
    }


def references_body(principal: Principal, shas: Sequence[str]) -> dict[str, Any]:
    """How many documents (every tenant the principal sees: the system sees all) reference each original."""
    values = sorted(set(shas))
    return {
        "size": 0,
        "query": {"bool": {"filter": [permission_filter(principal), {"terms": {"content_sha256": values}}]}},
        "aggs": {"shas": {"terms": {"field": "content_sha256", "size": max(1, len(values))}}},
    }


def family_versions_body(principal: Principal, family_ids: Sequence[str]) -> dict[str, Any]:
    """The remaining versions of these families (is_latest is repaired after a disposal)."""
    return {
        "size": MAX_HITS,
        "query": {
            "bool": {"filter": [permission_filter(principal), {"terms": {"family_id": sorted(set(family_ids))}}]}
        },
        "_source": {"includes": ["family_id", "version", "is_latest", "tenant"]},
    }


# ------------------------------------------------------------------------------------------------ delivery notes


def open_delivery_notes_body(principal: Principal, tenant: str, today: str) -> dict[str, Any]:
    """Delivery notes of a tenant still kept (by their fallback period) that carry an order or delivery number
    — the ones an issued invoice may settle. For `Repository.scan`."""
    numbers = [{"exists": {"field": "entities.order_number"}}, {"exists": {"field": "entities.delivery_number"}}]
    return {
        "query": {
            "bool": {
                "filter": [
                    *_scope(principal, tenant),
                    {"term": {"register": "delivery_note"}},
                    {"range": {"retain_until": {"gte": today}}},
                ],
                "should": numbers,
                "minimum_should_match": 1,
            }
        },
        "_source": {
            "includes": [
                "doc_id",
                "customer_ids",
                "doc_date",
                "retain_until",
                "entities.order_number",
                "entities.delivery_number",
            ]
        },  # fmt: skip
    }


def invoices_for_body(principal: Principal, tenant: str, numbers: Sequence[str]) -> dict[str, Any]:
    """Invoices of a tenant that name one of these order or delivery numbers. For `Repository.scan`."""
    values = sorted(set(numbers))
    return {
        "query": {
            "bool": {
                "filter": [*_scope(principal, tenant), {"term": {"register": "invoice"}}],
                "should": [{"terms": {"entities.order_number": values}},
                           {"terms": {"entities.delivery_number": values}}],
                "minimum_should_match": 1,
            }
        },
        "_source": {"includes": ["doc_id", "customer_ids", "doc_date", "entities.order_number",
                                 "entities.delivery_number"]},
    }  # fmt: skip
