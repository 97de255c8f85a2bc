"""Reading the audit trail (pure): the filtered, paged trail and a document's history.

Audit entries belong to a tenant and carry no ACL groups, so every body starts from `tenant_filter`: a
compliance officer of one tenant never reads another tenant's entries, whatever the query asks for. The
trail is sorted newest first (`created_at` desc, then the hash chain's `seq` desc) and paged with
`search_after` in both directions (`AuditQuery.after` for older entries, `before` for newer ones); the CSV
export scans the same query in the same order under a point in time.

The filters use the entries' top-level fields (`owner`, `doc_id`, `customer_id`, `action`, `tenant`,
`created_at`), written by `app.audit.record`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.principal import Principal
from search.documents import id_clause
from search.permissions import permission_filter, tenant_filter

# the actions the trail knows by name (labels `audit.action.<action>` in the catalogue); others still show raw
AUDIT_ACTIONS: tuple[str, ...] = (
    "login", "logout", "login_failed", "search", "view_document", "download_original", "export", "intake",
    "intake_retry", "ingest", "ingest_run", "manual_filing", "refiled", "view_created", "view_updated",
    "view_deleted", "subscribed", "unsubscribed", "digest_subscribed", "digest_unsubscribed", "api_key_created",
    "api_key_revoked", "api_call", "customers_upsert", "hold_set", "hold_lifted", "disposal_run",
    "disposal_refused", "audit_verify", "archive_verify", "view_dossier", "contract_end_set", "user_added",
    "user_removed", "permissions_changed", "grant_given", "grant_revoked", "confidential_set", "confidential_lifted",
    "access_refused", "permissions_applied", "case_opened", "case_claimed", "case_step", "case_closed",
    "case_released", "case_handed_over", "case_reopened", "case_comment", "case_document", "case_refiled",
    "resubmission_set", "resubmission_done",
)  # fmt: skip
# what the "Verlauf" card of a document shows: entries naming the document …
DOCUMENT_HISTORY_ACTIONS: tuple[str, ...] = (
    "ingest", "intake", "view_document", "download_original", "refiled", "manual_filing", "hold_set", "hold_lifted",
    "grant_given", "grant_revoked", "confidential_set", "confidential_lifted", "case_opened", "case_step",
    "case_closed", "case_reopened", "case_document", "resubmission_set",
)  # fmt: skip
# … and legal holds and grants on one of its dossiers
CUSTOMER_HISTORY_ACTIONS: tuple[str, ...] = ("hold_set", "hold_lifted", "grant_given", "grant_revoked")

MAX_PAGE_SIZE = 200
TOTAL_LIMIT = 10_000  # counted exactly up to here ("more than 10,000" beyond)
HISTORY_SIZE = 50
DEFAULT_TZ = "Europe/Berlin"

Cursor = tuple[int, int]  # the sort values of an entry: created_at (epoch ms), seq


@dataclass(frozen=True)
class AuditQuery:
    """What the trail is filtered by (all optional, AND-ed), and which page of it."""

    user: str | None = None  # the login who acted (`owner`) or on whose behalf (`owner_login`)
    doc_id: str | None = None
    customer_id: str | None = None
    actions: tuple[str, ...] = ()  # any of these
    date_from: dt.date | None = None  # inclusive calendar days, in the deployment's time zone
    date_to: dt.date | None = None
    tenant: str | None = None  # one of the principal's tenants (never more than them)
    size: int = 50
    after: Cursor | None = None  # entries older than this one …
    before: Cursor | None = None  # … or newer than this one (then `after` is ignored)

    def without_page(self) -> AuditQuery:
        return AuditQuery(user=self.user, doc_id=self.doc_id, customer_id=self.customer_id, actions=self.actions,
                          date_from=self.date_from, date_to=self.date_to, tenant=self.tenant, size=self.size)  # fmt: skip

    def filters(self) -> dict[str, Any]:
        """The filters as plain data (for the export's own audit entry, the API's echo)."""
        out: dict[str, Any] = {}
        for name in ("user", "doc_id", "customer_id", "tenant"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.actions:
            out["actions"] = list(self.actions)
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        return out


def audit_filters(query: AuditQuery, tz: str = DEFAULT_TZ) -> list[dict[str, Any]]:
    """The query's own conditions (without the tenant restriction, which every body adds)."""
    flt: list[dict[str, Any]] = []
    if query.user:
        logins = sorted({query.user, query.user.lower()})
        # who acted, or on whose behalf the system did (the sender of an ingested file)
        flt.append({"bool": {"should": [{"terms": {"owner": logins}}, {"terms": {"owner_login": logins}}],
                             "minimum_should_match": 1}})  # fmt: skip
    if query.doc_id:
        flt.append({"term": {"doc_id": query.doc_id}})
    if query.customer_id:
        flt.append({"term": {"customer_id": query.customer_id}})
    if query.actions:
        flt.append({"terms": {"action": sorted(set(query.actions))}})
    if query.tenant:
        flt.append({"term": {"tenant": query.tenant}})
    rng: dict[str, Any] = {}
    if query.date_from:
        rng["gte"] = query.date_from.isoformat()
    if query.date_to:
        rng["lte"] = query.date_to.isoformat()  # a date-only `lte` covers the whole day
    if rng:
        flt.append({"range": {"created_at": {**rng, "format": "strict_date_optional_time||yyyy-MM-dd",
                                             "time_zone": tz}}})  # fmt: skip
    return flt


def trail_sort(order: str = "desc") -> list[dict[str, Any]]:
    """Newest first; entries without a `seq` sort as the smallest one in both directions (so cursors agree)."""
    missing = "_last" if order == "desc" else "_first"
    return [
        {"created_at": {"order": order, "unmapped_type": "date"}},
        {"seq": {"order": order, "unmapped_type": "long", "missing": missing}},
    ]


def audit_trail_body(principal: Principal, query: AuditQuery, *, tz: str = DEFAULT_TZ) -> dict[str, Any]:
    """One page of the trail of the principal's tenants: `size + 1` entries (the extra one says whether there
    are more), newest first — or, paging towards newer entries (`before`), oldest first (the caller reverses)."""
    size = max(1, min(int(query.size), MAX_PAGE_SIZE))
    newer = query.before is not None
    body: dict[str, Any] = {
        "query": {"bool": {"filter": [tenant_filter(principal), *audit_filters(query, tz)]}},
        "size": size + 1,
        "sort": trail_sort("asc" if newer else "desc"),
        "track_total_hits": TOTAL_LIMIT,
    }
    cursor = query.before if newer else query.after
    if cursor is not None:
        body["search_after"] = [int(cursor[0]), int(cursor[1])]
    return body


def audit_scan_body(principal: Principal, query: AuditQuery, *, tz: str = DEFAULT_TZ) -> dict[str, Any]:
    """Every entry of the query, newest first, for a point-in-time scan (the caller adds pit, size and
    search_after)."""
    return {
        "query": {"bool": {"filter": [tenant_filter(principal), *audit_filters(query.without_page(), tz)]}},
        "sort": trail_sort("desc"),
        "track_total_hits": False,
    }


def document_history_body(
    principal: Principal,
    doc_ids: Sequence[str],
    customer_ids: Sequence[str] = (),
    *,
    size: int = HISTORY_SIZE,
) -> dict[str, Any]:
    """What happened to a document (or the versions of a family): added, viewed, downloaded, (re-)filed, held —
    `size + 1` entries newest first. Legal holds on one of its dossiers as a whole (`customer_ids`; not on a view
    inside it) count too."""
    should: list[dict[str, Any]] = [
        {"bool": {"filter": [{"terms": {"doc_id": sorted(set(doc_ids))}},
                             {"terms": {"action": list(DOCUMENT_HISTORY_ACTIONS)}}]}},
    ]  # fmt: skip
    if customer_ids:
        should.append(
            {"bool": {"filter": [{"terms": {"customer_id": sorted(set(customer_ids))}},
                                 {"terms": {"action": list(CUSTOMER_HISTORY_ACTIONS)}}],
                      "must_not": [{"exists": {"field": "doc_id"}}, {"exists": {"field": "view_id"}}]}}
        )  # fmt: skip
    return {
        "query": {"bool": {"filter": [tenant_filter(principal)], "should": should, "minimum_should_match": 1}},
        "size": max(1, min(int(size), MAX_PAGE_SIZE)) + 1,
        "sort": trail_sort("desc"),
        "track_total_hits": False,
    }


def history_subject_body(principal: Principal, doc_id: str) -> dict[str, Any]:
    """The document whose history is asked for, if the principal may see it (its id, tenant and dossiers)."""
    return {
        "query": {"bool": {"filter": [permission_filter(principal), id_clause(doc_id)]}},
        "size": 1,
        "_source": {"includes": ["doc_id", "tenant", "customer_ids"]},
    }
