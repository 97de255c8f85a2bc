"""Running views on the real Elasticsearch: relative dates, viewer-relative filters, dossier scope, counts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from search.request import DateRange, SearchRequest, UserScope
from search.service import SearchService
from views import service as S
from views import store
from views.model import View
from views.seed import seed_examples, seed_id
from views.testing import index_customers, index_documents, make_customer, make_doc
from views.users import Viewer

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Monday
ANNA = Viewer(login="anna", tenants={"nord"}, groups={"all", "sales"}, department="vertrieb-nord")
JONAS = Viewer(login="jonas", tenants={"nord"}, groups={"all", "sales"}, department="vertrieb-nord")
BEN = Viewer(login="ben", tenants={"nord"}, groups={"all"}, department="service-nord")
BOSS = Viewer(login="boss", tenants={"nord"}, groups={"all", "contracts"}, department="management")
SEPP = Viewer(login="sepp", tenants={"sued"}, groups={"all"}, department="vertrieb-sued")
ADMIN = Viewer(login="root", tenants={"nord", "sued"}, groups={"all"}, roles={"admin"})


def world_docs() -> list[dict]:
    d = make_doc
    return [
        d("c1", register="complaint", customer_ids=["K1"], doc_date="2026-11-20", text="Lieferverzug Pumpe"),
        d("c2", register="complaint", customer_ids=["K3"], doc_date="2026-11-05"),
        d("c3", register="complaint", customer_ids=["K2"], doc_date="2026-11-12", text="Kratzer am Gehäuse"),
        d("c4", register="complaint", customer_ids=["K2"], doc_date="2026-11-10", is_latest=False),
        d("i1", register="invoice", customer_ids=["K1"], doc_date="2026-10-01", status="open"),
        d("i2", register="invoice", customer_ids=["K1"], doc_date="2026-09-01", status="closed"),
        d("i3", register="invoice", customer_ids=["K2"], doc_date="2026-10-15", status="open"),
        d("o1", register="order", customer_ids=["K1"], doc_date="2026-09-01"),
        d("o2", register="order", customer_ids=["K1"], doc_date="2026-06-01"),
        d("o3", register="order_confirmation", customer_ids=["K2"], doc_date="2026-11-01"),
        d("o4", register="order", customer_ids=["K1"], doc_date="2026-08-24"),  # first day of "last 3 months"
        d("o5", register="order", customer_ids=["K1"], doc_date="2026-08-23"),  # one day too old
        d("k1", register="contract", customer_ids=["K1"], doc_date="2026-11-18"),
        d("n1", register="correspondence", customer_ids=["K2"], doc_date="2026-11-19",
          received_at="2026-11-23T08:15:00+01:00"),
        d("n2", register="correspondence", customer_ids=["K3"], doc_date="2026-11-19",
          received_at="2026-11-23T08:30:00+01:00"),
        d("n3", register="correspondence", customer_ids=["K1"], doc_date="2026-11-19",
          received_at="2026-11-22T23:30:00+01:00"),  # Sunday: last week
        d("s1", tenant="sued", register="complaint", customer_ids=["S1"], doc_date="2026-11-20"),
    ]  # fmt: skip


@pytest.fixture()
def world(es, index_prefix):
    index_customers(
        es,
        index_prefix,
        [
            make_customer("K1", account_manager="anna", department="vertrieb-nord"),
            make_customer("K2", account_manager="jonas", department="vertrieb-nord"),
            make_customer("K3", account_manager="ben", department="service-nord"),
            make_customer("S1", tenant="sued", account_manager="sepp", department="vertrieb-sued"),
        ],
    )
    index_documents(es, index_prefix, world_docs())
    seed_examples(es, index_prefix, tenants=["nord", "sued"], now=NOW)
    svc = S.ViewsService(es, index_prefix, SearchService(es, index_prefix, None), tz="Europe/Berlin")
    return svc


def ids(run) -> list[str]:
    return [h.doc_id for h in run.result.hits]


def test_complaints_last_14_days(world):
    run = world.run_view(seed_id("nord", "complaints-14d"), BEN, now=NOW)
    assert ids(run) == ["c1", "c3"] and run.total == 2  # c2 too old, c4 an old version, s1 another tenant
    # the view's filters are facet selections: the register facet shows the other registers too (multi-select)
    complaint = next(b for b in run.result.facets["register"] if b.value == "complaint")
    assert complaint.selected and complaint.count == 2
    sued = world.run_view(seed_id("sued", "complaints-14d"), SEPP, now=NOW)
    assert ids(sued) == ["s1"]
    # a week later the same view shows other documents: the range is relative
    assert ids(world.run_view(seed_id("nord", "complaints-14d"), BEN, now=NOW + dt.timedelta(days=9))) == ["c1"]


def test_open_invoices_of_my_customers_is_per_viewer(world):
    vid = seed_id("nord", "open-invoices-my-customers")
    assert ids(world.run_view(vid, ANNA, now=NOW)) == ["i1"]
    assert ids(world.run_view(vid, JONAS, now=NOW)) == ["i3"]
    ben = world.run_view(vid, BEN, now=NOW)  # account manager of K3, which has no invoices
    assert ben.total == 0
    nobody = world.run_view(vid, BOSS, now=NOW)
    assert nobody.total == 0 and any("not account manager" in m for m in nobody.messages)
    assert [g.key for g in world.run_view(vid, ANNA, now=NOW).result.groups] == ["K1"]


def test_dossier_orders_last_3_months(world):
    vid = seed_id("nord", "customer-orders-3m")
    assert sorted(ids(world.run_view(vid, BEN, now=NOW, customer_id="K1"))) == ["o1", "o4"]
    assert ids(world.run_view(vid, BEN, now=NOW, customer_id="K2")) == ["o3"]
    outside = world.run_view(vid, BEN, now=NOW)
    assert outside.result is None and outside.message_codes[0].code == "dossier_required"


def test_new_documents_of_my_department_this_week(world):
    vid = seed_id("nord", "department-new-this-week")
    assert sorted(ids(world.run_view(vid, ANNA, now=NOW))) == ["n1"]  # K1+K2 are vertrieb-nord; n3 was Sunday
    assert ids(world.run_view(vid, BEN, now=NOW)) == ["n2"]


def test_contracts_need_the_contracts_group(world, es, index_prefix):
    v = store.create_view(es, index_prefix, {"name": "Verträge", "filters": {"register": ["contract"]},
                                             "sharing": "tenant"}, BOSS)  # fmt: skip
    assert ids(world.run_view(v.id, BOSS, now=NOW)) == ["k1"]
    assert world.run_view(v.id, BEN, now=NOW).total == 0


def test_live_counts_match_the_runs(world, es, index_prefix):
    sections = world.sections_with_counts(ANNA, now=NOW)
    counts = {v.name: c for section in sections.values() for v, c in section}
    assert counts["Reklamationen der letzten 14 Tage"] == 2
    assert counts["Offene Rechnungen meiner Kunden"] == 1
    assert counts["Neue Dokumente meiner Abteilung diese Woche"] == 1
    assert counts["Aufträge dieses Kunden in den letzten 3 Monaten"] is None  # counted on the dossier cover
    views = store.list_views(es, index_prefix, ANNA)
    assert world.count_views(views, ANNA, now=NOW)[seed_id("nord", "customer-orders-3m")] is None


def test_dossier_view_buttons(world, es, index_prefix):
    buttons = S.dossier_view_buttons(ANNA, "K1", es=es, prefix=index_prefix, now=NOW)
    assert [(b.name, b.count) for b in buttons] == [("Aufträge dieses Kunden in den letzten 3 Monaten", 2)]
    assert buttons[0].href == f"/views?view={seed_id('nord', 'customer-orders-3m')}&customer=K1"
    scope = UserScope(user_id="ben", tenants=frozenset({"nord"}), groups=frozenset({"all"}))
    assert S.dossier_view_buttons(scope, "K2", es=es, prefix=index_prefix, now=NOW)[0].count == 1
    assert S.dossier_view_buttons(SEPP, "K1", es=es, prefix=index_prefix, now=NOW)[0].count == 0  # sued's view


def test_save_as_view_from_a_search_state(world, es, index_prefix):
    req = SearchRequest(
        text="Lieferverzug",
        mode="keyword",
        filters={"register": ("complaint",)},
        date_range=DateRange(gte="2026-11-01", lte="2026-11-30"),
        group_by="customer",
    )
    v = S.save_view_from_search(req, ANNA, "Lieferverzug November", es=es, prefix=index_prefix, now=NOW)
    assert v.owner == "anna" and v.tenant == "nord" and v.sharing == "private"
    assert v.date_range.kind == "between" and str(v.date_range.start) == "2026-11-01"
    assert ids(world.run_view(v.id, ANNA, now=NOW)) == ["c1"]
    rel = S.save_view_from_search(
        req.with_(text=""), ANNA, "Reklamationen diese Woche", es=es, prefix=index_prefix, sharing="group:sales",
        date_range={"kind": "last", "n": 14, "unit": "day"},
    )  # fmt: skip
    assert rel.date_range.kind == "last"
    assert ids(world.run_view(rel.id, JONAS, now=NOW)) == ["c1", "c3"]
    dossier = S.save_view_from_search(
        SearchRequest(filters={"customer_ids": ("K1",), "register": ("order",)}), ANNA, "Aufträge", scope="dossier",
        es=es, prefix=index_prefix,
    )  # fmt: skip
    assert "customer_ids" not in dossier.filters


def test_stale_view_opens_with_messages(world, es, index_prefix):
    stale = View.from_stored({
        "id": "stale-1", "name": "Alt", "owner": "anna", "tenant": "nord", "sharing": "tenant",
        "filters": {"priority": ["hoch"], "register": ["complaint", "reklamation_alt"], "customer_ids": ["K1", "K404"]},
        "date_range": {"field": "due_date", "kind": "last", "n": 3, "unit": "day"}, "group_by": "segment",
    })  # fmt: skip
    store.put_view_unchecked(es, index_prefix, stale)
    run = world.run_view("stale-1", BEN, now=NOW)
    codes = [m.code for m in run.message_codes]
    assert codes == ["field_removed", "value_removed", "value_removed", "date_field_removed", "group_removed"]
    assert ids(run) == ["c1"]  # the surviving filters still apply; the dropped date range is reported
    assert any("K404" in m for m in run.messages)


def test_cache_is_used_and_keyed_by_resolved_range(world, es, index_prefix):
    class Dict:
        def __init__(self):
            self.data = {}

        def get(self, k):
            return self.data.get(k)

        def set(self, k, v, timeout=None):
            self.data[k] = v

    cache = Dict()
    svc = S.ViewsService(es, index_prefix, world.search, tz="Europe/Berlin", cache=cache)
    views = store.list_views(es, index_prefix, BEN, scope="portfolio")
    first = svc.count_views(views, BEN, now=NOW)
    assert len(cache.data) == len(views)
    assert svc.count_views(views, BEN, now=NOW + dt.timedelta(minutes=5)) == first  # same day, same keys
    svc.count_views(views, BEN, now=NOW + dt.timedelta(days=1))
    assert len(cache.data) > len(views)  # relative ranges resolved to a new day: new keys
