"""The manager dashboards on a hand-built world with known answers (real Elasticsearch).

Every number a panel shows is checked twice: against the answer worked out by hand here, and against the hit
count of the search page state its click opens (the drill-down goes through the search page's own URL
parsing and the application's search, as a click would)."""

from __future__ import annotations

import datetime as dt

import pytest

from app import dashboards, search
from app.dashboard_model import DashboardRequest
from cockpit.dashboard_links import drill_href, parse_dashboard_params
from cockpit.urlstate import parse_search_params
from domain.principal import Principal
from tests.helpers import app_context, drop_prefix, index_customers, index_documents, make_customer, make_doc

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)  # Monday
ANNA = Principal(login="anna", tenants={"nord"}, groups={"all"}, department="vertrieb-nord", roles={"manager"})
ADMIN = Principal(login="root", tenants={"nord", "sued"}, groups={"all"}, roles={"admin"})
EXPORT_AGENT = Principal(login="eve", tenants={"nord"}, groups={"all"}, department="vertrieb-export", roles={"agent"})
DESK_AGENT = Principal(login="desk", tenants={"nord"}, groups={"all"}, department="kundenservice", roles={"agent"})
EMPTY = Principal(login="new", tenants={"leer"}, groups={"all"}, roles={"manager"})


def complaint(i: str, day: str, cust: str = "K1", *, status: str = "closed", tenant: str = "nord", **kw):
    return make_doc(f"c-{i}", register="complaint", customer_ids=[cust], doc_date=day, status=status, tenant=tenant,
                    direction="in", channel="mail", complaint_reason=kw.pop("reason", "late"), **kw)  # fmt: skip


def world() -> tuple[list[dict], list[dict]]:
    customers = [
        make_customer("K1", segment="A", account_manager="anna", department="vertrieb-nord"),
        make_customer("K2", segment="B", account_manager="jonas", department="vertrieb-nord"),
        make_customer("K3", segment="A", account_manager="anna", department="vertrieb-export"),
        make_customer("K4", segment="C", account_manager="lena", department="vertrieb-nord"),
        make_customer("S1", tenant="sued", segment="A", account_manager="sepp", department="vertrieb-sued"),
    ]
    docs = []
    # 8 baseline weeks with one complaint each (Mondays 7 Sep .. 26 Oct), then 5 in the week of 2 Nov: a spike
    for k in range(8):
        docs.append(complaint(f"b{k}", (dt.date(2026, 9, 7) + dt.timedelta(weeks=k)).isoformat()))
    for k in range(5):
        docs.append(complaint(f"s{k}", f"2026-11-0{2 + k % 3}", "K1" if k % 2 else "K2", reason="damaged"))
    # the other tenant's spike is nobody's business in "nord"
    docs += [complaint(f"x{k}", "2026-11-03", "S1", tenant="sued") for k in range(6)]
    # open complaints, 2 / 12 / 27 / 91 days old
    docs += [complaint(f"o{k}", d, "K2", status="open") for k, d in
             enumerate(["2026-12-05", "2026-11-25", "2026-11-10", "2026-09-07"])]  # fmt: skip
    # answers: K1's complaint of 2 Nov answered by an outgoing letter on 4 Nov; K2's of 3 Nov by a credit note on
    # 13 Nov; an incoming letter and our outgoing reply in the complaint register are no new complaints
    docs += [
        make_doc("r1", register="correspondence", customer_ids=["K1"], doc_date="2026-11-04", direction="out"),
        make_doc("r2", register="correspondence", customer_ids=["K2"], doc_date="2026-11-04", direction="in"),
        make_doc("r3", register="complaint", customer_ids=["K1"], doc_date="2026-11-20", direction="out",
                 status="closed"),
    ]  # fmt: skip
    # money: K1 1000 + 500 − 200 EUR and 300 CHF; K2 800 EUR (credit note on 13 Nov) and one invoice without amount
    docs += [
        make_doc("i1", register="invoice", customer_ids=["K1"], doc_date="2026-10-01", total_amount=1000.0,
                 currency="EUR", direction="out", channel="erp"),
        make_doc("i2", register="invoice", customer_ids=["K1"], doc_date="2026-11-01", total_amount=500.0,
                 currency="EUR", direction="out", channel="erp"),
        make_doc("i3", register="credit_note", customer_ids=["K1"], doc_date="2026-11-15", total_amount=200.0,
                 currency="EUR", direction="out", channel="erp"),
        make_doc("i4", register="invoice", customer_ids=["K1"], doc_date="2026-11-16", total_amount=300.0,
                 currency="CHF", direction="out", channel="erp"),
        make_doc("i5", register="invoice", customer_ids=["K2"], doc_date="2026-10-05", total_amount=1000.0,
                 currency="EUR", direction="out", channel="erp"),
        make_doc("i6", register="credit_note", customer_ids=["K2"], doc_date="2026-11-13", total_amount=200.0,
                 currency="EUR", direction="out", channel="erp"),
        make_doc("i7", register="invoice", customer_ids=["K2"], doc_date="2026-11-14", direction="out"),
    ]  # fmt: skip
    # K3 was last heard of in July (quiet), K4 never; an undated letter; indexed at 00:30 Berlin on Monday 30 Nov
    docs += [
        make_doc("q1", register="correspondence", customer_ids=["K3"], doc_date="2026-07-01", channel="scan"),
        make_doc("u1", register="correspondence", customer_ids=["K1"], doc_date=None,
                 received_at="2026-11-20T09:00:00Z", indexed_at="2026-11-20T10:00:00Z"),
        make_doc("t1", register="offer", customer_ids=["K1"], doc_date="2026-11-27",
                 indexed_at="2026-11-29T23:30:00Z", channel="upload"),
    ]  # fmt: skip
    return docs, customers


@pytest.fixture(scope="module")
def ctx(es):
    import uuid

    prefix = f"test-dash-{uuid.uuid4().hex[:8]}"
    docs, customers = world()
    index_customers(es, prefix, customers)
    index_documents(es, prefix, docs)
    yield app_context(es, prefix)
    drop_prefix(prefix)


def board(ctx, who=ANNA, qs: str = ""):
    req, messages = parse_dashboard_params(qs)
    assert messages == []
    return dashboards.dashboard(ctx, who, req, now=NOW)


def drill_total(ctx, who, point) -> int:
    href = drill_href(point.drill)
    assert href and href.startswith("/search?")
    state, messages = parse_search_params(href.split("?", 1)[1])
    assert messages == []
    return search.search(ctx, who, state.to_request(tz="Europe/Berlin")).total


def check_drills(ctx, who, d) -> int:
    checked = 0
    for panel in d.panels.values():
        for p in panel.points:
            if p.drill is not None and p.drill.page == "search" and p.count:
                assert drill_total(ctx, who, p) == p.count, (panel.key, p)
                checked += 1
    return checked


def by_x(panel, series: str | None = None):
    return {p.x: p for p in panel.points if series is None or p.series == series}


def test_complaints_spike_ages_reasons_and_response_times(ctx):
    d = board(ctx)
    weekly = by_x(d.panels["complaints_weekly"])
    assert weekly["2026-11-02"].value == 5 and weekly["2026-11-02"].flag
    assert [w for w, p in weekly.items() if p.flag] == ["2026-11-02"]
    assert weekly["2026-09-07"].value == 2  # a baseline complaint and the open one of 7 Sep
    ages = d.panels["complaints_open_age"]
    assert [(p.x, p.value) for p in ages.points] == [("0-7", 1), ("8-14", 1), ("15-30", 1), ("31+", 1)]
    reasons = by_x(d.panels["complaint_reasons"])
    assert reasons["damaged"].value == 5 and reasons["late"].value == 12
    resp = d.panels["complaint_response"].figures
    # K1's complaints (8 baseline weeks, 2 and 3 Nov) are answered by the letter of 4 Nov: 58, 51 … 9, 2, 1 days;
    # K2's of 2, 3, 4 and 10 Nov and 7 Sep by the credit note of 13 Nov: 11, 10, 9, 3, 67 days; K2's open
    # complaints of 25 Nov and 5 Dec have no answer yet
    assert (resp["count"], resp["answered"], resp["unanswered"]) == (17, 15, 2)
    assert resp["median_days"] == 16.0
    assert resp["p90_days"] == pytest.approx(55.2)  # 51 + 0.6 · (58 − 51)


def test_revenue_per_currency_segment_and_manager(ctx):
    d = board(ctx)
    top = d.panels["revenue_top"]
    assert {(p.x, p.series): p.value for p in top.points} == {("K1", "EUR"): 1300.0, ("K2", "EUR"): 800.0,
                                                                ("K1", "CHF"): 300.0}  # fmt: skip
    assert any(m.code == "dash.note.no_amount" and m.params["n"] == 1 for m in top.notes)
    seg = {(p.x, p.series): p.value for p in d.panels["revenue_segment"].points}
    assert seg == {("A", "EUR"): 1300.0, ("A", "CHF"): 300.0, ("B", "EUR"): 800.0}
    man = {(p.x, p.series): p.value for p in d.panels["revenue_manager"].points}
    assert man[("anna", "EUR")] == 1300.0 and man[("jonas", "EUR")] == 800.0


def test_quiet_customers_and_complaint_rates(ctx):
    d = board(ctx)
    assert [p.x for p in d.panels["quiet_customers"].points] == ["K4", "K3"]  # never, then the oldest
    rates = d.panels["complaint_rate_top"].points
    assert rates and rates[0].x == "K2"  # 9 complaints among 13 documents


def test_every_drill_down_finds_exactly_the_panels_number(ctx):
    for who in (ANNA, ADMIN, EXPORT_AGENT):
        d = board(ctx, who)
        assert check_drills(ctx, who, d) >= (20 if who is not EXPORT_AGENT else 1)
    d = board(ctx, ADMIN, "tenant=sued&period=90d")
    assert by_x(d.panels["complaints_weekly"])["2026-11-02"].value == 6
    assert check_drills(ctx, ADMIN, d) >= 2


def test_filters_narrow_and_stay_consistent(ctx):
    d = board(ctx, ANNA, "segment=B&period=90d&register=invoice")
    assert {p.x for p in d.panels["revenue_top"].points} == {"K2"}
    assert {p.series for p in d.panels["volume_register"].points} == {"invoice"}
    assert check_drills(ctx, ANNA, d) >= 3
    d = board(ctx, ANNA, "manager=anna&o.revenue_top=30d")
    # the last 30 days: K1's credit note of 15 Nov (−200 EUR) and the CHF invoice of 16 Nov
    assert {(p.x, p.series): p.value for p in d.panels["revenue_top"].points} == {("K1", "EUR"): -200.0,
                                                                                  ("K1", "CHF"): 300.0}  # fmt: skip
    assert check_drills(ctx, ANNA, d) >= 3


def test_the_week_is_the_berlin_week(ctx):
    filing = d = board(ctx, ANNA, "period=30d").panels["filing_weekly"]
    weeks = {p.x for p in filing.points if p.value}
    assert "2026-11-30" in weeks  # indexed 23:30 UTC on Sunday 29 Nov = Monday 00:30 in Berlin
    assert d.figures["count"] == sum(p.value for p in d.points)


def test_agents_see_their_department(ctx):
    d = board(ctx, EXPORT_AGENT)
    assert d.scope_note is not None and d.scope_note.code == "dash.scope.agent"
    assert {p.x for p in d.panels["quiet_customers"].points} == {"K3"}
    assert not any(p.value for p in d.panels["complaints_weekly"].points)
    desk = board(ctx, DESK_AGENT)
    assert desk.scope_note is not None and desk.scope_note.code == "dash.scope.agent_tenant"
    assert by_x(desk.panels["complaints_weekly"])["2026-11-02"].value == 5


def test_an_empty_tenant_and_an_empty_period_show_empty_panels(ctx):
    d = dashboards.dashboard(ctx, EMPTY, DashboardRequest(), now=NOW)
    assert d.messages == () and d.panels and all(p.empty for p in d.panels.values())
    d = board(ctx, ANNA, "period=custom&from=2020-01-01&to=2020-03-31")
    assert d.period == ("2020-01-01", "2020-03-31")
    assert d.panels["volume_register"].empty and d.panels["revenue_top"].empty


def test_the_dossier_section_is_one_customers(ctx):
    d = dashboards.customer_dashboard(ctx, ANNA, "K1", now=NOW)
    assert set(d.panels) == {"complaints_weekly", "complaints_open_age", "revenue_monthly", "complaint_response"}
    months = {(p.x, p.series): p.value for p in d.panels["revenue_monthly"].points if p.value}
    assert months == {("2026-10-01", "EUR"): 1000.0, ("2026-11-01", "EUR"): 300.0, ("2026-11-01", "CHF"): 300.0}
    assert check_drills(ctx, ANNA, d) >= 3
    assert dashboards.customer_dashboard(ctx, EMPTY, "K1", now=NOW).panels["revenue_monthly"].empty
    # an agent of another department opening K1's dossier: the section is K1's, and its clicks find the same
    agent = dashboards.customer_dashboard(ctx, EXPORT_AGENT, "K1", now=NOW)
    assert agent.scope_note is None and check_drills(ctx, EXPORT_AGENT, agent) >= 3
