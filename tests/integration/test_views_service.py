"""Running views on the real Elasticsearch: relative dates, viewer-relative filters, dossier scope, counts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app import views as S
from domain.principal import Principal
from search.request import DateRange, SearchRequest
from tests.helpers import app_context, index_customers, index_documents, make_customer, make_doc
from views import store
from views.model import View
from views.seed import seed_examples, seed_id

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Monday
ANNA = Principal(login="anna", tenants={"nord"}, groups={"all", "sales"}, department="vertrieb-nord", roles={"analyst"})
JONAS = Principal(
    login="jonas", tenants={"nord"}, groups={"all", "sales"}, department="vertrieb-nord", roles={"analyst"}
)
BEN = Principal(login="ben", tenants={"nord"}, groups={"all"}, department="service-nord", roles={"analyst"})
BOSS = Principal(
    login="boss", tenants={"nord"}, groups={"all", "contracts"}, department="management", roles={"analyst"}
)
SEPP = Principal(login="sepp", tenants={"sued"}, groups={"all"}, department="vertrieb-sued", roles={"analyst"})
ADMIN = Principal(login="root", tenants={"nord", "sued"}, groups={"all"}, roles={"admin"})


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
    ctx = app_context(es, index_prefix)
    seed_examples(ctx.repo, ctx.store, tenants=["nord", "sued"], now=NOW)
    return ctx


def ids(run) -> list[str]:
    return [h.doc_id for h in run.result.hits]


def test_complaints_last_14_days(world):
    run = S.run_view(world, BEN, seed_id("nord", "complaints-14d"), now=NOW)
    assert ids(run) == ["c1", "c3"] and run.total == 2  # c2 too old, c4 an old version, s1 another tenant
    # the view's filters are facet selections: the register facet shows the other registers too (multi-select)
    complaint = next(b for b in run.result.facets["register"] if b.value == "complaint")
    assert complaint.selected and complaint.count == 2
    sued = S.run_view(world, SEPP, seed_id("sued", "complaints-14d"), now=NOW)
    assert ids(sued) == ["s1"]
    # a week later the same view shows other documents: the range is relative
    assert ids(S.run_view(world, BEN, seed_id("nord", "complaints-14d"), now=NOW + dt.timedelta(days=9))) == ["c1"]


def test_open_invoices_of_my_customers_is_per_viewer(world):
    vid = seed_id("nord", "open-invoices-my-customers")
    assert ids(S.run_view(world, ANNA, vid, now=NOW)) == ["i1"]
    assert ids(S.run_view(world, JONAS, vid, now=NOW)) == ["i3"]
    ben = S.run_view(world, BEN, vid, now=NOW)  # account manager of K3, which has no invoices
    assert ben.total == 0
    nobody = S.run_view(world, BOSS, vid, now=NOW)
    assert nobody.total == 0 and any(m.code == "no_customers" for m in nobody.messages)
    assert [g.key for g in S.run_view(world, ANNA, vid, now=NOW).result.groups] == ["K1"]


def test_dossier_orders_last_3_months(world):
    vid = seed_id("nord", "customer-orders-3m")
    assert sorted(ids(S.run_view(world, BEN, vid, now=NOW, customer_id="K1"))) == ["o1", "o4"]
    assert ids(S.run_view(world, BEN, vid, now=NOW, customer_id="K2")) == ["o3"]
    outside = S.run_view(world, BEN, vid, now=NOW)
    assert outside.result is None and outside.messages[0].code == "dossier_required"


def test_new_documents_of_my_department_this_week(world):
    vid = seed_id("nord", "department-new-this-week")
    assert sorted(ids(S.run_view(world, ANNA, vid, now=NOW))) == ["n1"]  # K1+K2 are vertrieb-nord; n3 was Sunday
    assert ids(S.run_view(world, BEN, vid, now=NOW)) == ["n2"]


def test_contracts_need_the_contracts_group(world, es, index_prefix):
    v = S.create_view(world, BOSS, {"name": "Verträge", "filters": {"register": ["contract"]}, "sharing": "tenant"})
    assert ids(S.run_view(world, BOSS, v.id, now=NOW)) == ["k1"]
    assert S.run_view(world, BEN, v.id, now=NOW).total == 0


def test_live_counts_match_the_runs(world, es, index_prefix):
    sections = S.sections_with_counts(world, ANNA, now=NOW)
    counts = {v.name: c for section in sections.values() for v, c in section}
    assert counts["Reklamationen der letzten 14 Tage"] == 2
    assert counts["Offene Rechnungen meiner Kunden"] == 1
    assert counts["Neue Dokumente meiner Abteilung diese Woche"] == 1
    assert counts["Aufträge dieses Kunden in den letzten 3 Monaten"] is None  # counted on the dossier cover
    views = S.list_views(world, ANNA)
    assert S.count_views(world, ANNA, views, now=NOW)[seed_id("nord", "customer-orders-3m")] is None


def test_dossier_view_buttons(world, es, index_prefix):
    buttons = S.dossier_view_buttons(world, ANNA, "K1", now=NOW)
    assert [(b.name, b.count) for b in buttons] == [("Aufträge dieses Kunden in den letzten 3 Monaten", 2)]
    assert buttons[0].href == f"/views?view={seed_id('nord', 'customer-orders-3m')}&customer=K1"
    ben = Principal(login="ben", tenants=frozenset({"nord"}), groups=frozenset({"all"}), roles={"agent"})
    assert S.dossier_view_buttons(world, ben, "K2", now=NOW)[0].count == 1
    assert S.dossier_view_buttons(world, SEPP, "K1", now=NOW)[0].count == 0  # sued's view


def test_save_as_view_from_a_search_state(world, es, index_prefix):
    req = SearchRequest(
        text="Lieferverzug",
        mode="keyword",
        filters={"register": ("complaint",)},
        date_range=DateRange(gte="2026-11-01", lte="2026-11-30"),
        group_by="customer",
    )
    v = S.save_view_from_search(world, ANNA, req, "Lieferverzug November", now=NOW)
    assert v.owner == "anna" and v.tenant == "nord" and v.sharing == "private"
    assert v.date_range.kind == "between" and str(v.date_range.start) == "2026-11-01"
    assert ids(S.run_view(world, ANNA, v.id, now=NOW)) == ["c1"]
    rel = S.save_view_from_search(
        world, ANNA, req.with_(text=""), "Reklamationen diese Woche", sharing="group:sales",
        date_range={"kind": "last", "n": 14, "unit": "day"},
    )  # fmt: skip
    assert rel.date_range.kind == "last"
    assert ids(S.run_view(world, JONAS, rel.id, now=NOW)) == ["c1", "c3"]
    dossier = S.save_view_from_search(
        world, ANNA, SearchRequest(filters={"customer_ids": ("K1",), "register": ("order",)}), "Aufträge",
        scope="dossier",
    )  # fmt: skip
    assert "customer_ids" not in dossier.filters
    agent = Principal(login="tim", tenants=frozenset({"nord"}), groups=frozenset({"all"}), roles={"agent"})
    from domain.errors import Forbidden

    with pytest.raises(Forbidden):  # the capability is checked in the use case, whoever calls
        S.save_view_from_search(world, agent, req, "Nicht erlaubt")


def test_stale_view_opens_with_messages(world, es, index_prefix):
    stale = View.from_stored({
        "id": "stale-1", "name": "Alt", "owner": "anna", "tenant": "nord", "sharing": "tenant",
        "filters": {"priority": ["hoch"], "register": ["complaint", "reklamation_alt"], "customer_ids": ["K1", "K404"]},
        "date_range": {"field": "due_date", "kind": "last", "n": 3, "unit": "day"}, "group_by": "segment",
    })  # fmt: skip
    store.put_view_unchecked(world.store, stale)
    run = S.run_view(world, BEN, "stale-1", now=NOW)
    codes = [m.code for m in run.messages]
    assert codes == ["field_removed", "value_removed", "value_removed", "date_field_removed", "group_removed"]
    assert ids(run) == ["c1"]  # the surviving filters still apply; the dropped date range is reported
    assert any("K404" in m.params.get("values", "") for m in run.messages)


def test_cache_is_used_and_keyed_by_resolved_range(world, es, index_prefix):
    class Dict:
        def __init__(self):
            self.data = {}

        def get(self, k):
            return self.data.get(k)

        def set(self, k, v, timeout=None):
            self.data[k] = v

    cache = Dict()
    ctx = app_context(es, index_prefix, cache=cache)
    views = S.list_views(ctx, BEN, scope="portfolio")
    first = S.count_views(ctx, BEN, views, now=NOW)
    assert len(cache.data) == 1
    assert S.count_views(ctx, BEN, views, now=NOW + dt.timedelta(minutes=5)) == first  # same day, same keys
    assert len(cache.data) == 1
    S.count_views(ctx, BEN, views, now=NOW + dt.timedelta(days=1))
    assert len(cache.data) == 2  # relative ranges resolved to a new day: new keys
