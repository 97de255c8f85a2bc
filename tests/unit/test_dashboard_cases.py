"""The case panels of the manager dashboard (issue 14), pure parts: bodies evaluated on documents, post-processing,
figures and exports.

A case is read through its documents: it counts when the principal may read one of them, and it counts once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from app import dashboard_panels as P
from cockpit.components.dashboard_figures import export_rows, figure
from cockpit.dashboard_links import drill_href
from domain.principal import Principal
from search import dashboards as Q
from tests.es_filter import matches
from tests.helpers import make_doc

TODAY = dt.date(2026, 12, 7)
ANNA = Principal(login="anna", tenants={"nord"}, groups={"all"}, department="vertrieb-nord", roles={"manager"})
SCOPE = Q.DashboardScope(period=Q.Bounds(dt.date(2026, 1, 1), TODAY))


def case_doc(doc_id: str, case: str, state: str, *, opened: str | None, step: str = "check", dept: str = "ks-nord",
             **kw: Any) -> dict[str, Any]:  # fmt: skip
    doc = make_doc(doc_id, register="complaint", customer_ids=["K1"], direction="in", **kw)
    doc |= {"_id": doc_id, "case_id": case, "case_state": state, "case_step": step, "case_department": dept,
            "case_opened_at": opened, "case_due_at": "2026-12-01"}  # fmt: skip
    return doc


def world() -> list[dict[str, Any]]:
    return [
        # case A: two readable documents, opened 2 days ago -> once in 0-7
        case_doc("a1", "A", "open", opened="2026-12-05T09:00:00+00:00"),
        case_doc("a2", "A", "open", opened="2026-12-05T09:00:00+00:00"),
        # case B: overdue, opened 20 days ago, one readable and one unreadable document -> once in 15-30
        case_doc("b1", "B", "overdue", opened="2026-11-17T09:00:00+00:00", step="decide", dept="ks-nord"),
        case_doc("b2", "B", "overdue", opened="2026-11-17T09:00:00+00:00", step="decide", acl_groups=["board"]),
        # case C: overdue, only an unreadable document -> nobody's business
        case_doc("c1", "C", "overdue", opened="2026-10-01T09:00:00+00:00", acl_groups=["board"]),
        # case D: another tenant's
        case_doc("d1", "D", "overdue", opened="2026-10-01T09:00:00+00:00", tenant="sued"),
        # case E: closed
        case_doc("e1", "E", "closed", opened="2026-10-01T09:00:00+00:00"),
        # case F: overdue, 40 days, check step, another department; an old version of its document does not count
        case_doc("f1", "F", "overdue", opened="2026-10-28T09:00:00+00:00", dept="ks-sued"),
        case_doc("f0", "F", "overdue", opened="2026-10-28T09:00:00+00:00", dept="ks-sued", is_latest=False),
        # case G: open, no opening date (synced before the field existed)
        case_doc("g1", "G", "open", opened=None),
    ]


def hits(body: dict[str, Any], docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if matches(body["query"], d)]


def distinct(docs: list[dict[str, Any]]) -> set[str]:
    return {d["case_id"] for d in docs}


def test_open_cases_by_age_count_readable_cases_once():
    body = Q.open_cases_by_age_body(ANNA, SCOPE, TODAY)
    assert body["aggs"]["cases"] == {"cardinality": {"field": "case_id", "precision_threshold": 40000}}
    found = hits(body, world())
    assert distinct(found) == {"A", "B", "F", "G"}  # not C (unreadable), D (other tenant), E (closed)
    per_bucket = {name: distinct([d for d in found if matches(body["aggs"][name]["filter"], d)])
                  for name, _, _ in Q.AGE_BUCKETS}  # fmt: skip
    assert per_bucket == {"0-7": {"A"}, "8-14": set(), "15-30": {"B"}, "31+": {"F"}}
    assert distinct([d for d in found if not d.get("case_opened_at")]) == {"G"}
    assert body["aggs"]["unopened"]["missing"] == {"field": "case_opened_at"}


def test_overdue_cases_per_step_and_department():
    body = Q.overdue_cases_body(ANNA, SCOPE)
    found = hits(body, world())
    over = [d for d in found if matches(body["aggs"]["overdue"]["filter"], d)]
    assert distinct(found) == {"A", "B", "F", "G"} and distinct(over) == {"B", "F"}
    by_step: dict[str, set[str]] = defaultdict(set)
    for d in over:
        by_step[d["case_step"]].add(d["case_id"])
    assert by_step == {"decide": {"B"}, "check": {"F"}}
    assert body["aggs"]["overdue"]["aggs"]["dept"]["terms"]["field"] == "case_department"
    assert body["aggs"]["overdue"]["aggs"]["step"]["aggs"]["cases"]["cardinality"]["field"] == "case_id"


def test_nobody_sees_no_case():
    nobody = Principal(login="x", tenants=set(), groups={"all"})
    for body in (Q.open_cases_by_age_body(nobody, SCOPE, TODAY), Q.overdue_cases_body(nobody, SCOPE)):
        assert hits(body, world()) == []


def base() -> P.Base:
    return P.Base(scope=Q.DashboardScope(period=Q.Bounds(dt.date(2026, 1, 1), TODAY), tenants=("nord",)), today=TODAY)


def bucket(cases: int, docs: int, **extra: Any) -> dict[str, Any]:
    return {"doc_count": docs, "cases": {"value": cases}, **extra}


def test_open_cases_by_age_panel():
    resp = {"hits": {"total": {"value": 9}}, "aggregations": {
        "cases": {"value": 5}, "unopened": bucket(1, 1), "0-7": bucket(2, 3), "8-14": bucket(0, 0),
        "15-30": bucket(1, 2), "31+": bucket(1, 3)}}  # fmt: skip
    panel = P.open_cases_by_age(resp, base())
    assert [(p.x, p.value, p.count) for p in panel.points if p.series != "total"] == [
        ("0-7", 2, 3), ("8-14", 0, 0), ("15-30", 1, 2), ("31+", 1, 3)]  # fmt: skip
    (tot,) = [p for p in panel.points if p.series == "total"]
    assert (tot.value, tot.count) == (5, 9) and panel.figures["count"] == 5
    href = drill_href(tot.drill)
    assert href and "f.case=open" in href and "f.case=overdue" in href and "f.tenant=nord" in href
    assert [m.code for m in panel.notes] == ["dash.note.cases_age", "dash.note.cases_unopened"]
    fig = figure(panel, "de")
    assert fig is not None and len(fig["data"]) == 1 and fig["data"][0]["x"][0] == "0-7 Tage"
    assert not panel.empty


def sla_response() -> dict[str, Any]:
    steps = {"buckets": [{"key": "check", **bucket(1, 4)}, {"key": "decide", **bucket(3, 3)},
                         {"key": "__none__", **bucket(1, 1)}]}  # fmt: skip
    depts = {"buckets": [{"key": "ks-nord", **bucket(4, 6)}, {"key": "ks-sued", **bucket(1, 2)}]}
    return {"hits": {"total": {"value": 30}},
            "aggregations": {"cases": {"value": 10}, "overdue": bucket(5, 8, step=steps, dept=depts)}}  # fmt: skip


def test_sla_panel_share_order_and_drills():
    labels = {"decide": {"de": "Entscheiden", "en": "Decide"}}
    panel = P.cases_sla(sla_response(), base(), labels)
    f = panel.figures
    assert (f["count"], f["open"], f["share"], f["documents"]) == (5, 10, 0.5, 8)
    steps = [(p.x, p.value) for p in panel.points if p.series == "step"]
    assert steps == [("decide", 3), ("check", 1), ("__none__", 1)]  # most cases first, the unknown last
    (tot,) = [p for p in panel.points if p.series == "total"]
    assert tot.count == 8
    assert drill_href(tot.drill) == "/search?mode=keyword&f.case=overdue&f.tenant=nord&sort=date_desc"
    check = next(p for p in panel.points if p.x == "check")
    href = drill_href(check.drill)
    assert href and "f.case=overdue" in href and "f.case_step=check" in href and check.count == 4
    dept = next(p for p in panel.points if p.x == "ks-sued")
    assert "f.case_department=ks-sued" in (drill_href(dept.drill) or "")
    assert next(p for p in panel.points if p.x == "__none__").drill is None
    fig = figure(panel, "en")
    assert fig is not None and [t["name"] for t in fig["data"]] == ["Step", "Department"]
    assert fig["data"][0]["x"] == ["Decide", "check", "unknown"]
    assert fig["data"][1]["xaxis"] == "x2" and fig["layout"]["xaxis2"]["anchor"] == "y2"
    header, rows = export_rows(panel, "de")
    assert rows[0][1] == "Gesamt" and any(r[1] == "Entscheiden" and r[2] == "Schritt" for r in rows)
    assert not any(isinstance(r[3], dict) for r in rows)  # the step labels are no row


def test_sla_panel_without_cases_is_empty():
    panel = P.cases_sla({"hits": {"total": {"value": 0}}, "aggregations": {}}, base())
    assert panel.empty and panel.figures["share"] is None


def test_the_cards_link_their_totals_and_say_when_nothing_is_overdue():
    from cockpit.components.dashboard import panel_card

    card = str(panel_card(P.cases_sla(sla_response(), base()), "de", query="/dashboard"))
    assert "5 von 10 offenen Fällen überfällig (50 %)" in card and "f.case=overdue" in card
    calm = {"hits": {"total": {"value": 3}}, "aggregations": {"cases": {"value": 2}, "overdue": bucket(0, 0)}}
    card = str(panel_card(P.cases_sla(calm, base()), "de", query="/dashboard"))
    assert "Keine überfälligen Fälle." in card and "0 von 2 offenen Fällen" in card
