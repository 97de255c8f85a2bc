"""The seeded example views on the demo corpus (ingested through the real pipeline), checked against
independent Elasticsearch counts, for the demo users of config/users.toml."""

from __future__ import annotations

import pytest

from app import views as S
from demo.ids import NOW as DEMO_NOW
from domain.principal import Principal
from indexing.schema import alias_name
from search.permissions import permission_filter
from tests.helpers import app_context
from views import store
from views.seed import seed_examples, seed_id

ANNA = Principal(login="anna.schmidt", tenants={"nord"}, groups={"all", "contracts", "management"},
                 department="vertrieb-nord", roles={"manager"})  # fmt: skip
JONAS = Principal(login="jonas.weber", tenants={"nord"}, groups={"all"}, department="kundenservice-nord",
                  roles={"agent"})  # fmt: skip
MEHMET = Principal(login="mehmet.kaya", tenants={"sued"}, groups={"all", "contracts", "management"},
                   department="vertrieb-sued", roles={"manager"})  # fmt: skip


@pytest.fixture()
def demo(es, demo_index, index_prefix):
    """The views live in their own prefix (the demo index is read-only for tests); they run on the demo data."""
    views = app_context(es, index_prefix)
    seed_examples(views.repo, views.store, tenants=["nord", "sued"], now=DEMO_NOW)
    data = demo_index["prefix"]
    return {"views": views, "data": data, "ctx": app_context(es, data)}


def count(es, prefix: str, viewer: Principal, *clauses) -> int:
    query = {"bool": {"filter": [permission_filter(viewer), {"term": {"is_latest": True}}, *clauses]}}
    return int(es.count(index=alias_name(prefix, "documents"), query=query)["count"])


def customers_where(es, prefix: str, **term) -> list[str]:
    ((field, value),) = term.items()
    resp = es.search(index=alias_name(prefix, "customers"), size=1000, query={"term": {field: value}},
                     source_includes=["customer_id"])  # fmt: skip
    return sorted(h["_source"]["customer_id"] for h in resp["hits"]["hits"])


def run(demo, tenant: str, key: str, viewer: Principal, **kw):
    view = store.get_view(demo["views"].repo, seed_id(tenant, key), viewer)
    return S.run_view(demo["ctx"], viewer, view, now=DEMO_NOW, **kw)


def test_the_demo_corpus_is_there(es, demo):
    assert count(es, demo["data"], ANNA) > 10


@pytest.mark.parametrize("viewer, tenant", [(ANNA, "nord"), (JONAS, "nord"), (MEHMET, "sued")])
def test_complaints_of_the_last_14_days(es, demo, viewer, tenant):
    r = run(demo, tenant, "complaints-14d", viewer)
    # DEMO_NOW is Friday 20 Nov 2026: the last 14 days are 7–20 Nov
    expected = count(es, demo["data"], viewer, {"term": {"register": "complaint"}},
                     {"range": {"doc_date": {"gte": "2026-11-07", "lt": "2026-11-21"}}})  # fmt: skip
    assert r.total == expected
    assert all(h.register == "complaint" and "2026-11-07" <= (h.doc_date or "") <= "2026-11-20" for h in r.result.hits)


def test_orders_of_this_customer_in_the_last_3_months(es, demo):
    resp = es.search(index=alias_name(demo["data"], "documents"), size=0,
                     query={"bool": {"filter": [{"term": {"tenant": "nord"}}, {"terms": {"register": ["order", "order_confirmation"]}}]}},
                     aggs={"c": {"terms": {"field": "customer_ids", "size": 3}}})  # fmt: skip
    buckets = resp["aggregations"]["c"]["buckets"]
    assert buckets, "the demo corpus has orders"
    for b in buckets:
        cid = b["key"]
        r = run(demo, "nord", "customer-orders-3m", ANNA, customer_id=cid)
        expected = count(es, demo["data"], ANNA, {"terms": {"register": ["order", "order_confirmation"]}},
                         {"term": {"customer_ids": cid}},
                         {"range": {"doc_date": {"gte": "2026-08-21", "lt": "2026-11-21"}}})  # fmt: skip
        assert r.total == expected
        buttons = S.dossier_view_buttons(demo["views"], ANNA, cid, now=DEMO_NOW)
        # the buttons read views from the views prefix; counts there run on that prefix's (empty) documents,
        # so only the listing is checked here — counts are compared on the data prefix:
        assert [b.view_id for b in buttons] == [seed_id("nord", "customer-orders-3m")]
        view = store.get_view(demo["views"].repo, buttons[0].view_id, ANNA)
        counts = S.count_views(demo["ctx"], ANNA, [view], now=DEMO_NOW, customer_id=cid)
        assert counts[buttons[0].view_id] == expected


@pytest.mark.parametrize("viewer", [ANNA, JONAS])
def test_open_invoices_of_my_customers(es, demo, viewer):
    mine = customers_where(es, demo["data"], account_manager=viewer.login)
    assert mine, f"{viewer.login} looks after demo customers"
    r = run(demo, "nord", "open-invoices-my-customers", viewer)
    expected = count(es, demo["data"], viewer, {"term": {"register": "invoice"}}, {"term": {"status": "open"}},
                     {"terms": {"customer_ids": mine}})  # fmt: skip
    assert r.total == expected
    assert all(set(h.customer_ids) & set(mine) for h in r.result.hits)


def test_new_documents_of_my_department_this_week(es, demo):
    dept = customers_where(es, demo["data"], department="vertrieb-nord")
    r = run(demo, "nord", "department-new-this-week", ANNA)
    expected = count(es, demo["data"], ANNA, {"terms": {"customer_ids": dept}},
                     {"range": {"received_at": {"gte": "2026-11-16T00:00:00+01:00", "lt": "2026-11-23T00:00:00+01:00"}}})  # fmt: skip
    assert r.total == expected
    # for someone in a department that looks after no customers the view is empty, with a reason
    empty = run(demo, "nord", "department-new-this-week", JONAS)
    assert empty.total == 0 and empty.messages[0].code == "department_empty"


def test_live_counts_for_the_demo_users(es, demo):
    views = store.list_views(demo["views"].repo, ANNA)
    assert {v.name for v in views} == {
        "Reklamationen der letzten 14 Tage",
        "Aufträge dieses Kunden in den letzten 3 Monaten",
        "Offene Rechnungen meiner Kunden",
        "Neue Dokumente meiner Abteilung diese Woche",
        "Meine überfälligen Fälle",
    }
    counts = S.count_views(demo["ctx"], ANNA, views, now=DEMO_NOW)
    for v in views:
        if v.scope == "dossier":
            assert counts[v.id] is None
        else:
            assert counts[v.id] == S.run_view(demo["ctx"], ANNA, v, now=DEMO_NOW).total
    assert sum(c or 0 for c in counts.values()) > 0  # the examples show something on the demo corpus
