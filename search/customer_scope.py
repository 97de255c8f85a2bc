"""Customer master data as a document filter: "documents of segment A customers of Anna's department".

Segment, account manager and department live on the customer record, not on the document. A request that
names them (`SearchRequest.customer_attrs`) is resolved here, before any document body is built, into the
ids of the matching customers the principal may see (`SearchRequest.customer_in`), which
`search.clauses.constraint_filters` turns into a `terms` filter on `customer_ids`. Resolving at read time keeps
one source of truth: a customer moved to another manager counts for the new one at once, with no back-fill
of documents. Builders refuse unresolved attributes, so no surface can forget this step.

`attrs_body` is pure; `resolve` and `customers_of` read through the repository.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from domain.principal import Principal
from search.permissions import customer_filter, require_principal
from search.repository import Repository
from search.request import CUSTOMER_ATTRS, SearchRequest

MAX_CUSTOMERS = 65_000  # below index.max_terms_count (65,536)
PAGE = 10_000  # index.max_result_window: more customers are read with a point-in-time scan
CUSTOMER_FIELDS = ["customer_id", "name", "number", "tenant", "segment", "account_manager", "department"]


def attrs_filters(attrs: Mapping[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    return [{"terms": {CUSTOMER_ATTRS[name]: list(values)}} for name, values in sorted(attrs.items()) if values]


def attrs_body(
    principal: Principal, attrs: Mapping[str, tuple[str, ...]], *, fields: list[str] | None = None
) -> dict[str, Any]:
    """Customers the principal may see with these master data (all of them for no attributes)."""
    require_principal(principal)
    return {
        "size": PAGE,
        "track_total_hits": True,
        "_source": fields or False,
        "sort": [{"customer_id": "asc"}],
        "query": {"bool": {"filter": [customer_filter(principal), *attrs_filters(attrs)]}},
    }


def customers_of(repo: Repository, principal: Principal, attrs: Mapping[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """Master data (CUSTOMER_FIELDS) of the customers the principal may see with these attributes."""
    body = attrs_body(principal, attrs, fields=CUSTOMER_FIELDS)
    resp = repo.search_or_empty("customers", body)
    hits = (resp.get("hits") or {}).get("hits") or []
    if ((resp.get("hits") or {}).get("total") or {}).get("value", 0) > len(hits):
        scan_body = {k: v for k, v in body.items() if k not in ("size", "sort", "track_total_hits")}
        hits = list(itertools.islice(repo.scan("customers", scan_body, batch=PAGE), MAX_CUSTOMERS))
    return [dict(h.get("_source") or {}) for h in hits]


def resolve(repo: Repository, principal: Principal, request: SearchRequest) -> SearchRequest:
    """The request with `customer_in` filled from `customer_attrs` (unchanged when it names none)."""
    if not request.customer_attrs or request.customer_in is not None:
        return request
    ids = tuple(str(c.get("customer_id")) for c in customers_of(repo, principal, request.customer_attrs))
    return request.with_(customer_in=ids)
