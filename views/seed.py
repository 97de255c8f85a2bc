"""Example views on the demo corpus, one set per tenant, shared tenant-wide and owned by the system account.

    from views.seed import seed_examples
    seed_examples(repo, store)           # idempotent: existing seeds (maybe edited by an admin) are kept

1. "Reklamationen der letzten 14 Tage" — complaints, document date in the last 14 days.
2. "Aufträge dieses Kunden in den letzten 3 Monaten" — dossier-scoped: orders and order confirmations of
   the dossier's customer, last 3 months.
3. "Offene Rechnungen meiner Kunden" — open invoices of the customers the *viewer* is account manager of.
4. "Neue Dokumente meiner Abteilung diese Woche" — documents received this week for customers of the
   *viewer's* department, grouped by customer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.principal import Principal
from indexing.records import RecordStore, WriteConflict
from search import saved
from search.repository import Repository
from views.model import View
from views.store import stored_document

SYSTEM_OWNER = "cockpit"

EXAMPLES: tuple[dict[str, Any], ...] = (
    {
        "key": "complaints-14d",
        "name": "Reklamationen der letzten 14 Tage",
        "description": "Alle Reklamationen mit Dokumentdatum in den letzten 14 Tagen, neueste zuerst.",
        "filters": {"register": ["complaint"]},
        "date_range": {"field": "doc_date", "kind": "last", "n": 14, "unit": "day"},
        "sort": "date_desc",
        "columns": ["doc_date", "title", "customer_names", "status"],
    },
    {
        "key": "customer-orders-3m",
        "name": "Aufträge dieses Kunden in den letzten 3 Monaten",
        "description": "Aufträge und Auftragsbestätigungen des geöffneten Kunden, letzte 3 Monate.",
        "scope": "dossier",
        "filters": {"register": ["order", "order_confirmation"]},
        "date_range": {"field": "doc_date", "kind": "last", "n": 3, "unit": "month"},
        "sort": "date_desc",
        "columns": ["doc_date", "title", "register"],
    },
    {
        "key": "open-invoices-my-customers",
        "name": "Offene Rechnungen meiner Kunden",
        "description": "Noch nicht bezahlte Rechnungen der Kunden, die ich als Kundenbetreuer:in betreue.",
        "filters": {"register": ["invoice"], "status": ["open"]},
        "my_customers": True,
        "sort": "date_asc",
        "group_by": "customer",
        "columns": ["doc_date", "title", "customer_names", "status"],
    },
    {
        "key": "my-overdue-cases",
        "name": "Meine überfälligen Fälle",
        "description": "Dokumente der Fälle, die ich bearbeite und deren Schritt überfällig ist.",
        "filters": {"case_state": ["overdue"]},
        "my_cases": True,
        "sort": "date_asc",
        "group_by": "customer",
        "columns": ["doc_date", "title", "customer_names", "status"],
    },
    {
        "key": "department-new-this-week",
        "name": "Neue Dokumente meiner Abteilung diese Woche",
        "description": "Diese Woche eingegangene Dokumente der Kunden meiner Abteilung.",
        "my_department": True,
        "date_range": {"field": "received_at", "kind": "this", "unit": "week"},
        "sort": "date_desc",
        "group_by": "customer",
        "columns": ["doc_date", "title", "customer_names", "register"],
    },
)


def seed_id(tenant: str, key: str) -> str:
    return f"seed-{tenant}-{key}"


def _tenants(repo: Repository) -> list[str]:
    found: set[str] = set()
    for kind in ("customers", "documents"):
        resp = repo.search_or_empty(kind, saved.tenants_body(Principal.system()))
        found |= {b["key"] for b in ((resp.get("aggregations") or {}).get("t") or {}).get("buckets") or []}
    return sorted(found)


def example_views(tenant: str, now: dt.datetime | None = None) -> list[View]:
    now = now or dt.datetime.now(dt.UTC)
    out = []
    for ex in EXAMPLES:
        data = {k: v for k, v in ex.items() if k != "key"}
        out.append(
            View.model_validate(
                data
                | {
                    "id": seed_id(tenant, ex["key"]),
                    "owner": SYSTEM_OWNER,
                    "tenant": tenant,
                    "sharing": "tenant",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        )
    return out


def seed_examples(
    repo: Repository,
    store: RecordStore,
    *,
    tenants: list[str] | None = None,
    overwrite: bool = False,
    now: dt.datetime | None = None,
) -> list[View]:
    """Create the example views for every tenant of the corpus (or `tenants`). Returns the views written;
    existing ones are kept unless `overwrite`."""
    tenants = tenants or _tenants(repo) or ["nord", "sued"]
    written = []
    for tenant in tenants:
        for view in example_views(tenant, now):
            try:
                store.put("views", view.id, stored_document(view), create=not overwrite, refresh=False)
            except WriteConflict:
                continue
            written.append(view)
    store.refresh("views")
    return written
