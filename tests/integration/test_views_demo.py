"""The seeded example views on the demo corpus (ingested through the real pipeline), checked against
independent Elasticsearch counts, for the demo users of config/users.toml."""

from __future__ import annotations

import pytest

from demo.ids import NOW as DEMO_NOW
from indexing.schema import alias_name
from search import builder as B
from search.service import SearchService
from views import service as S
from views import store
from views.seed import seed_examples, seed_id
from views.users import Viewer

ANNA = Viewer(login="anna.schmidt", tenants={"nord"}, groups={"all", "contracts", "management"},
              department="vertrieb-nord", roles={"manager"})  # fmt: skip
JONAS = Viewer(login="jonas.weber", tenants={"nord"}, groups={"all"}, department="kundenservice-nord")
MEHMET = Viewer(login="mehmet.kaya", tenants={"sued"}, groups={"all", "contracts", "management"},
                department="vertrieb-sued", roles={"manager"})  # fmt: skip


@pytest.fixture()
def demo(es, demo_index, index_prefix):
    seed_examples(es, index_prefix, tenants=["nord", "sued"], now=DEMO_NOW)
    data = demo_index["prefix"]
    svc = S.ViewsService(es, data, SearchService(es, data, None), tz="Europe/Berlin")
    return {"views": index_prefix, "data": data, "svc": svc}


def count(es, prefix: str, viewer: Viewer, *clauses) -> int:
    query = {"bool": {"filter": [B.permission_filter(viewer.scope), {"term": {"is_latest": True}}, *clauses]}}
    return int(es.count(index=alias_name(prefix, "documents"), query=query)["count"])


def customers_where(es, prefix: str, **term) -> list[str]:
    ((field, value),) = term.items()
    resp = es.search(index=alias_name(prefix, "customers"), size=1000, query={"term": {field: value}},
                     source_includes=["customer_id"])  # fmt: skip
    return sorted(h["_source"]["customer_id"] for h in resp["hits"]["hits"])


def run(demo, tenant: str, key: str, viewer: Viewer, **kw):
    view = store.get_view(demo["svc"].es, demo["views"], seed_id(tenant, key), viewer)
    return demo["svc"].run_view(view, viewer, now=DEMO_NOW, **kw)


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
        buttons = S.dossier_view_buttons(ANNA, cid, es=demo["svc"].es, prefix=demo["views"], now=DEMO_NOW)
        # the buttons read views from the views prefix; counts there run on that prefix's (empty) documents,
        # so only the listing is checked here — counts are compared on the data prefix:
        assert [b.view_id for b in buttons] == [seed_id("nord", "customer-orders-3m")]
        counts = demo["svc"].count_views([store.get_view(demo["svc"].es, demo["views"], buttons[0].view_id, ANNA)],
                                         ANNA, now=DEMO_NOW, customer_id=cid)  # fmt: skip
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
    assert empty.total == 0 and empty.message_codes[0].code == "department_empty"


def test_live_counts_for_the_demo_users(es, demo):
    views = store.list_views(es, demo["views"], ANNA)
    assert {v.name for v in views} == {
        "Reklamationen der letzten 14 Tage",
        "Aufträge dieses Kunden in den letzten 3 Monaten",
        "Offene Rechnungen meiner Kunden",
        "Neue Dokumente meiner Abteilung diese Woche",
    }
    counts = demo["svc"].count_views(views, ANNA, now=DEMO_NOW)
    for v in views:
        if v.scope == "dossier":
            assert counts[v.id] is None
        else:
            assert counts[v.id] == demo["svc"].run_view(v, ANNA, now=DEMO_NOW).total
    assert sum(c or 0 for c in counts.values()) > 0  # the examples show something on the demo corpus
