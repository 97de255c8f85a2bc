"""The case panels of the manager dashboard on real Elasticsearch (issue 14): open cases by age and SLA breaches,
read through the documents (a case counts when one of its documents is readable, and counts once); every bar's
drill-down finds exactly the documents its hover names."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app import dashboards
from domain.principal import Principal
from tests.helpers import app_context, drop_prefix, index_customers, index_documents, make_customer, make_doc
from tests.integration.test_dashboards import board, by_x, check_drills

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)  # Monday
ANNA = Principal(login="anna", tenants={"nord"}, groups={"all"}, department="vertrieb-nord", roles={"manager"})
ADMIN = Principal(login="root", tenants={"nord", "sued"}, groups={"all"}, roles={"admin"})
EXPORT_AGENT = Principal(login="eve", tenants={"nord"}, groups={"all"}, department="vertrieb-export", roles={"agent"})


def case_doc(doc_id: str, case: str, state: str, opened: str | None, *, step: str = "check", dept: str = "ks-nord",
             cust: str = "K1", **kw: Any) -> dict[str, Any]:  # fmt: skip
    doc = make_doc(doc_id, register="complaint", customer_ids=[cust], doc_date="2026-11-01", direction="in", **kw)
    return doc | {"case_id": case, "case_state": state, "case_step": step, "case_department": dept,
                  "case_opened_at": opened, "case_due_at": "2026-12-01"}  # fmt: skip


def world() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    customers = [
        make_customer("K1", segment="A", account_manager="anna", department="vertrieb-nord"),
        make_customer("K3", segment="A", account_manager="anna", department="vertrieb-export"),
        make_customer("S1", tenant="sued", segment="A", account_manager="sepp", department="vertrieb-sued"),
    ]
    docs = [
        # A: open, two readable documents, opened 2 days ago: one case in 0-7
        case_doc("a1", "A", "open", "2026-12-05T09:00:00Z", step="capture"),
        case_doc("a2", "A", "open", "2026-12-05T09:00:00Z", step="capture"),
        # B: overdue (decide), 20 days; one readable and one unreadable document: one case in 15-30
        case_doc("b1", "B", "overdue", "2026-11-17T09:00:00Z", step="decide"),
        case_doc("b2", "B", "overdue", "2026-11-17T09:00:00Z", step="decide", acl_groups=["board"]),
        # C: overdue, but its only document is unreadable for anna: not counted
        case_doc("c1", "C", "overdue", "2026-10-01T09:00:00Z", acl_groups=["board"]),
        # D: another tenant's overdue case
        case_doc("d1", "D", "overdue", "2026-10-01T09:00:00Z", cust="S1", tenant="sued", dept="ks-sued"),
        # E: closed
        case_doc("e1", "E", "closed", "2026-10-01T09:00:00Z"),
        # F: overdue (check), 40 days, department ks-export, two documents (and an old version that is no longer
        # current) of the export department's customer
        case_doc("f1", "F", "overdue", "2026-10-28T09:00:00Z", dept="ks-export", cust="K3"),
        case_doc("f2", "F", "overdue", "2026-10-28T09:00:00Z", dept="ks-export", cust="K3"),
        case_doc("f0", "F", "overdue", "2026-10-28T09:00:00Z", dept="ks-export", cust="K3", is_latest=False),
        # G: open, no opening date (synced before the field existed)
        case_doc("g1", "G", "open", None, step="capture"),
        # H: overdue (check), opened 23:30 UTC on Sunday 29 Nov = Monday 30 Nov 00:30 in Berlin: 7 days old
        case_doc("h1", "H", "overdue", "2026-11-29T23:30:00Z"),
        # a complaint in no case
        make_doc("n1", register="complaint", customer_ids=["K1"], direction="in"),
    ]
    return docs, customers


@pytest.fixture(scope="module")
def ctx(es):
    import uuid

    prefix = f"test-dashcase-{uuid.uuid4().hex[:8]}"
    docs, customers = world()
    index_customers(es, prefix, customers)
    index_documents(es, prefix, docs)
    yield app_context(es, prefix)
    drop_prefix(prefix)


def series(panel, name: str) -> dict[str, tuple[float, int | None]]:
    return {p.x: (p.value, p.count) for p in panel.points if p.series == name}


def test_open_cases_by_age_count_each_readable_case_once(ctx):
    d = board(ctx, ANNA)
    age = d.panels["cases_open_age"]
    assert series(age, "") == {"0-7": (2, 3), "8-14": (0, 0), "15-30": (1, 1), "31+": (1, 2)}  # A + H, B, F
    assert age.figures["count"] == 5  # A, B, F, G, H — not C (unreadable), D (other tenant), E (closed)
    assert series(age, "total") == {"open": (5, 7)}  # a1, a2, b1, f1, f2, g1, h1
    assert [(m.code, dict(m.params)) for m in age.notes][1] == ("dash.note.cases_unopened", {"n": 1})  # G


def test_sla_breaches_per_step_and_department(ctx):
    d = board(ctx, ANNA)
    sla = d.panels["cases_sla"]
    f = sla.figures
    assert (f["count"], f["open"], f["share"], f["documents"]) == (3, 5, 0.6, 4)  # B, F, H of 5 open cases
    assert series(sla, "step") == {"check": (2, 3), "decide": (1, 1)}
    assert series(sla, "department") == {"ks-nord": (2, 2), "ks-export": (1, 2)}
    assert f["step_labels"]["decide"] == {"de": "Entscheiden", "en": "Decide"}  # from the process file
    assert check_drills(ctx, ANNA, d) >= 5  # total, 2 steps, 2 departments: the search finds the same documents


def test_another_tenant_and_the_scope(ctx):
    d = board(ctx, ADMIN, "tenant=sued")
    assert d.panels["cases_sla"].figures["count"] == 1 and series(d.panels["cases_sla"], "department") == {
        "ks-sued": (1, 1)}  # fmt: skip
    assert check_drills(ctx, ADMIN, d) >= 2
    # the admin reads the board's documents too: C counts in "nord"
    assert board(ctx, ADMIN, "tenant=nord").panels["cases_sla"].figures["count"] == 4
    # an agent of the export department sees its customers' cases only (F)
    agent = board(ctx, EXPORT_AGENT)
    assert agent.panels["cases_sla"].figures["count"] == 1 and agent.panels["cases_open_age"].figures["count"] == 1
    assert check_drills(ctx, EXPORT_AGENT, agent) >= 2
    # the dossier cover's section has no case panels
    assert "cases_sla" not in dashboards.customer_dashboard(ctx, ANNA, "K1", now=NOW).panels


def test_the_open_age_total_opens_every_open_cases_documents(ctx):
    d = board(ctx, ANNA)
    tot = by_x(d.panels["cases_open_age"], "total")["open"]
    assert tot.count == 7 and tot.drill is not None and tot.drill.filters["case_state"] == ("open", "overdue")


def test_the_weekly_digest_names_open_and_overdue_cases(ctx):
    from app.digests import digest_content
    from cockpit.dashboard_links import drill_href
    from notifications.digest_mail import render_digest
    from notifications.digests import digest_week

    content = digest_content(board(ctx, ANNA), "", digest_week(NOW, "Europe/Berlin"), drill_href=drill_href)
    assert content["cases"] == {"open": 5, "overdue": 3, "share": 0.6,
                                "href": "/search?mode=keyword&f.case=overdue&sort=date_desc"}  # fmt: skip
    text = render_digest(content, "de", "Anna", "https://cockpit.example").text
    assert "Offene Fälle: 5, davon überfällig: 3 (60 %)" in text
    assert "https://cockpit.example/search?mode=keyword&f.case=overdue&sort=date_desc" in text
    # a digest queued before cases were reported has no such section
    old = {k: v for k, v in content.items() if k != "cases"}
    assert "Fälle und SLA" not in render_digest(old, "de", "Anna", "https://cockpit.example").text
