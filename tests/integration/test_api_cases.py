"""The REST API of cases and resubmissions on the real Elasticsearch: an ERP opens a case on a complaint, people
claim and complete it through to closed (and reopen it) with their cockpit sessions; two parallel completions (one
409 with the message); another tenant gets 404; API keys read and open but do not work steps; bad input is a
problem document with its message."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from indexing.schema import alias_name
from tests.integration.api_world import built, call, problem, session, session_call

pytestmark = pytest.mark.integration

AHEAD = (dt.date.today() + dt.timedelta(days=10)).isoformat()


@pytest.fixture(scope="module")
def world(es, tmp_path_factory):  # type: ignore[no-untyped-def]
    with built(es, tmp_path_factory.mktemp("apicases"), "apicases") as w:
        yield w


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.get_data(as_text=True)[:800]
    return resp.get_json()


def open_case(resp: Any) -> str:
    """The case an open call answered: a new one (201) or the document's open case (200)."""
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)[:800]
    return str(resp.get_json()["id"])


def ids(resp: Any) -> list[str]:
    return [c["id"] for c in ok(resp)["cases"]]


def test_a_complaint_is_opened_by_the_erp_and_worked_through_to_closed(world, es):
    opened = call(world, "POST", "/api/v1/cases", {"doc_id": "n3"}, key="erp-nord")
    case = ok(opened, 201)
    cid = case["id"]
    assert opened.headers["Location"].endswith(f"/api/v1/cases/{cid}") and case["links"]["self"].endswith(cid)
    assert (case["step"], case["status"], case["state"], case["assignee"]) == ("capture", "open", "open", None)
    assert case["doc_ids"] == ["n3"] and case["customer_id"] == "C2" and case["opened_by"] == "api:erp-nord"
    again = call(world, "POST", "/api/v1/cases", {"doc_id": "n3"}, key="crm-nord-read")
    assert ok(again)["id"] == cid  # the open case, not a second one (200)
    assert ok(call(world, "GET", f"/api/v1/cases/{cid}", key="crm-nord-read"))["step"] == "capture"
    assert ids(call(world, "GET", "/api/v1/customers/C2/cases", key="erp-nord")) == [cid]
    assert ids(call(world, "GET", "/api/v1/documents/n3/cases", key="erp-nord")) == [cid]
    problem(call(world, "POST", f"/api/v1/cases/{cid}/claim", key="erp-nord"), 403, "cases.error.not_allowed")

    jonas, tim, anna = session(world, "jonas.weber"), session(world, "tim.brandt"), session(world, "anna.schmidt")
    assert cid in ids(session_call(jonas, "GET", "/api/v1/cases/queue"))
    claimed = ok(session_call(jonas, "POST", f"/api/v1/cases/{cid}/claim"))
    assert claimed["assignee"] == "jonas.weber"
    assert ids(session_call(jonas, "GET", "/api/v1/cases/mine")) == [cid]
    taken = problem(session_call(tim, "POST", f"/api/v1/cases/{cid}/claim"), 409, "cases.error.claimed")
    assert taken["params"]["assignee"] == "jonas.weber" and "jonas.weber" in taken["detail"]

    def complete(who: Any, step: str, form: dict[str, Any]) -> Any:
        return session_call(who, "POST", f"/api/v1/cases/{cid}/complete", {"step": step, "form": form})

    assert ok(complete(jonas, "capture", {"comment": "erfasst"}))["step"] == "check"
    missing = problem(complete(jonas, "check", {}), 422, "cases.error.field_required")
    assert missing["params"]["field"] == "comment" and missing["detail"]
    assert ok(complete(jonas, "check", {"comment": "berechtigt"}))["step"] == "decide"
    assert cid in ids(session_call(anna, "GET", "/api/v1/cases/queue"))  # a manager's decision
    problem(complete(jonas, "decide", {"decision": "credit_note"}), 403, "cases.error.not_allowed")
    bad = problem(complete(anna, "decide", {"decision": "gift"}), 422, "cases.error.field_choice")
    assert "credit_note" in bad["detail"]
    decided = ok(complete(anna, "decide", {"decision": "credit_note", "amount": 49.9}))
    assert (decided["step"], decided["decision"]) == ("answer", "credit_note")
    assert ok(complete(jonas, "answer", {"comment": "Gutschrift geschickt"}))["step"] == "close"
    closed = ok(complete(jonas, "close", {}))
    assert (closed["status"], closed["state"], closed["step"], closed["closed_at"] is not None) == (
        "closed", "closed", "closed", True,
    )  # fmt: skip
    actions = [e["action"] for e in closed["protocol"]]
    assert actions[0] == "opened" and actions.count("completed") == 5 and "claimed" in actions
    es.indices.refresh(index=alias_name(world["prefix"], "documents"))
    assert es.get(index=alias_name(world["prefix"], "documents"), id="n3")["_source"]["status"] == "closed"
    assert ids(call(world, "GET", "/api/v1/customers/C2/cases", key="erp-nord")) == []  # open ones only
    assert ids(call(world, "GET", "/api/v1/customers/C2/cases?all=true", key="erp-nord")) == [cid]
    assert ids(call(world, "GET", "/api/v1/documents/n3/cases?all=true", key="erp-nord")) == [cid]
    problem(complete(jonas, "close", {}), 409, "cases.error.closed")

    problem(session_call(jonas, "POST", f"/api/v1/cases/{cid}/reopen", {"reason": ""}), 422, "api.error.invalid")
    reopened = ok(session_call(jonas, "POST", f"/api/v1/cases/{cid}/reopen", {"reason": "Kunde widerspricht"}))
    assert (reopened["status"], reopened["step"]) == ("open", "check")
    problem(session_call(jonas, "POST", f"/api/v1/cases/{cid}/reopen", {"reason": "x"}), 409, "cases.error.open")
    commented = ok(session_call(tim, "POST", f"/api/v1/cases/{cid}/comments", {"text": "Rückruf morgen"}), 201)
    assert commented["protocol"][-1]["text"] == "Rückruf morgen"
    problem(call(world, "POST", f"/api/v1/cases/{cid}/comments", {"text": "x"}, key="erp-nord"), 403)
    ok(session_call(tim, "POST", f"/api/v1/cases/{cid}/claim"))
    problem(session_call(jonas, "POST", f"/api/v1/cases/{cid}/release"), 403, "cases.error.not_holder")
    handed = ok(session_call(tim, "POST", f"/api/v1/cases/{cid}/handover", {"to": "jonas.weber", "note": "bitte"}))
    assert handed["assignee"] == "jonas.weber"
    assert ok(session_call(jonas, "POST", f"/api/v1/cases/{cid}/release"))["assignee"] is None


def test_two_parallel_completions_one_wins_the_other_gets_409(world):
    jonas = session(world, "jonas.weber")
    cid = ok(session_call(jonas, "POST", "/api/v1/cases", {"doc_id": "n1"}), 201)["id"]
    ok(session_call(jonas, "POST", f"/api/v1/cases/{cid}/claim"))
    windows = [session(world, "jonas.weber"), session(world, "jonas.weber")]  # two browser windows
    start = threading.Barrier(len(windows))
    answers: list[Any] = [None] * len(windows)

    def run(i: int) -> None:
        start.wait()
        answers[i] = session_call(windows[i], "POST", f"/api/v1/cases/{cid}/complete",
                                  {"step": "capture", "form": {"comment": f"Fenster {i}"}})  # fmt: skip

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(windows))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a.status_code for a in answers) == [200, 409], [a.get_data(as_text=True)[:300] for a in answers]
    lost = next(a for a in answers if a.status_code == 409)
    body = problem(lost, 409, "cases.error.changed")
    assert body["detail"] and body["params"]["case_id"] == cid
    late = session_call(windows[0], "POST", f"/api/v1/cases/{cid}/complete", {"step": "capture", "form": {}})
    problem(late, 409, "cases.error.changed")  # the step moved on
    case = ok(session_call(jonas, "GET", f"/api/v1/cases/{cid}"))
    assert case["step"] == "check" and [e["action"] for e in case["protocol"]].count("completed") == 1


def test_another_tenant_gets_404_everywhere(world):
    cid = open_case(call(world, "POST", "/api/v1/cases", {"doc_id": "n1"}, key="erp-nord"))
    problem(call(world, "GET", f"/api/v1/cases/{cid}", key="erp-sued"), 404, "cases.error.not_found")
    problem(call(world, "POST", f"/api/v1/cases/{cid}/claim", key="erp-sued"), 404, "cases.error.not_found")
    problem(call(world, "POST", "/api/v1/cases", {"doc_id": "n1"}, key="erp-sued"), 404, "cases.error.document")
    assert ids(call(world, "GET", "/api/v1/documents/n1/cases?all=true", key="erp-sued")) == []
    assert ids(call(world, "GET", "/api/v1/customers/C1/cases?all=true", key="erp-sued")) == []
    mehmet = session(world, "mehmet.kaya")  # a manager of the other tenant
    problem(session_call(mehmet, "GET", f"/api/v1/cases/{cid}"), 404, "cases.error.not_found")
    for action, body in (("claim", None), ("complete", {"step": "capture", "form": {}}), ("comments", {"text": "x"}),
                         ("reopen", {"reason": "x"}), ("handover", {"to": "mehmet.kaya"})):  # fmt: skip
        problem(session_call(mehmet, "POST", f"/api/v1/cases/{cid}/{action}", body), 404, "cases.error.not_found")
    problem(session_call(mehmet, "POST", "/api/v1/resubmissions", {"on": AHEAD, "case_id": cid}), 404)
    assert ids(session_call(mehmet, "GET", "/api/v1/cases/queue")) == []
    # a contract the reader may not see: no case on it, and its case stays hidden
    problem(call(world, "POST", "/api/v1/cases", {"doc_id": "n2"}, key="erp-nord"), 404, "cases.error.document")


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/v1/cases", {}, 422, "api.error.invalid"),
        ("/api/v1/cases", {"doc_id": "n3", "tenant": "sued"}, 422, "api.error.invalid"),
        ("/api/v1/cases", {"doc_id": 7}, 422, "api.error.invalid"),
        ("/api/v1/cases", {"doc_id": "nope"}, 404, "cases.error.document"),
        ("{case}/complete", {"form": {}}, 422, "api.error.invalid"),
        ("{case}/complete", {"step": "{step}", "form": {"bogus": "x"}}, 422, "cases.error.field_unknown"),
        ("{case}/complete", {"step": "{step}", "form": {"comment": ["a"]}}, 422, "api.error.invalid"),
        ("{case}/complete", {"step": "{step}", "form": "text"}, 422, "api.error.invalid"),
        ("{case}/complete", {"step": "nowhere", "form": {}}, 409, "cases.error.changed"),
        ("{case}/handover", {"to": "nobody.here"}, 422, "cases.error.handover_unknown"),
        ("{case}/handover", {"to": "clara.vogt"}, 422, "cases.error.handover_role"),  # compliance: no agent
        ("{case}/handover", {"to": "mehmet.kaya"}, 422, "cases.error.handover_access"),  # another tenant
        ("{case}/handover", {}, 422, "api.error.invalid"),
        ("{case}/comments", {"text": "   "}, 422, "cases.error.comment_empty"),
        ("{case}/comments", {"text": "x" * 6000}, 422, "api.error.invalid"),
        ("{case}/documents", {"doc_id": "s1"}, 404, "cases.error.document"),
        ("/api/v1/cases/nosuchcase/claim", None, 404, "cases.error.not_found"),
        ("/api/v1/resubmissions", {"on": "31.02.2027", "doc_id": "n1"}, 422, "resubmissions.error.date"),
        ("/api/v1/resubmissions", {"on": "morgen", "doc_id": "n1"}, 422, "resubmissions.error.date"),
        ("/api/v1/resubmissions", {"on": "2020-01-02", "doc_id": "n1"}, 422, "resubmissions.error.past"),
        ("/api/v1/resubmissions", {"on": AHEAD}, 422, "api.error.invalid"),
        ("/api/v1/resubmissions", {"on": AHEAD, "doc_id": "n1", "case_id": "x"}, 422, "api.error.invalid"),
        ("/api/v1/resubmissions", {"on": AHEAD, "doc_id": "n1", "for": "nobody.here"}, 422,
         "resubmissions.error.colleague"),
        ("/api/v1/resubmissions", {"on": AHEAD, "doc_id": "n1", "when": "x"}, 422, "api.error.invalid"),
        ("/api/v1/resubmissions", {"on": AHEAD, "doc_id": "n2"}, 404, "cases.error.document"),
        ("/api/v1/resubmissions/nosuch/done", None, 404, "resubmissions.error.not_found"),
    ],
)  # fmt: skip
def test_bad_input_is_a_problem_with_its_message(world, path, body, status, code):
    jonas = session(world, "jonas.weber")
    if "{case}" in path:  # the open case on the invoice n1 (opened if there is none), at its current step
        case = ok(
            session_call(
                jonas,
                "GET",
                f"/api/v1/cases/{open_case(session_call(jonas, 'POST', '/api/v1/cases', {'doc_id': 'n1'}))}",
            )
        )
        path = path.replace("{case}", f"/api/v1/cases/{case['id']}")
        if body and body.get("step") == "{step}":
            body = {**body, "step": case["step"]}
    resp = session_call(jonas, "POST", path, body)
    found = problem(resp, status, code)
    assert found["detail"], found
    if code == "api.error.invalid":
        assert found["errors"] and all(e["message"] for e in found["errors"])


def test_not_json_and_api_keys_setting_resubmissions(world):
    jonas = session(world, "jonas.weber")
    from cockpit.auth import CSRF_HEADER

    resp = jonas.client.post("/api/v1/cases", data="{doc_id: n1", content_type="application/json",
                             headers={CSRF_HEADER: jonas.csrf()})  # fmt: skip
    problem(resp, 400, "api.error.json")
    body = {"on": AHEAD, "doc_id": "n1"}
    problem(call(world, "POST", "/api/v1/resubmissions", body, key="erp-nord"), 403, "resubmissions.error.not_allowed")
    problem(jonas.client.post("/api/v1/cases", data="{}", content_type="application/json"), 403, "api.error.csrf")


def test_resubmissions_set_listed_and_done(world):
    jonas, tim = session(world, "jonas.weber"), session(world, "tim.brandt")
    mine = ok(session_call(jonas, "POST", "/api/v1/resubmissions", {"on": AHEAD, "doc_id": "n1", "note": "nachfassen"}),
              201)  # fmt: skip
    assert (mine["owner"], mine["created_by"], mine["doc_id"], mine["status"]) == (
        "jonas.weber", "jonas.weber", "n1", "pending",
    )  # fmt: skip
    assert mine["due_on"] >= AHEAD and (mine["moved_from"] is None) == (mine["due_on"] == AHEAD)
    for_tim = ok(session_call(jonas, "POST", "/api/v1/resubmissions",
                              {"on": AHEAD, "doc_id": "n3", "for": "tim.brandt"}), 201)  # fmt: skip
    assert for_tim["owner"] == "tim.brandt" and for_tim["created_by"] == "jonas.weber"
    problem(session_call(jonas, "POST", "/api/v1/resubmissions", {"on": AHEAD, "doc_id": "n3", "for": "mehmet.kaya"}),
            422, "resubmissions.error.colleague_access")  # fmt: skip

    listed = ok(session_call(jonas, "GET", "/api/v1/resubmissions"))["resubmissions"]
    assert [r["id"] for r in listed] == [mine["id"]]
    assert [r["id"] for r in ok(session_call(tim, "GET", "/api/v1/resubmissions"))["resubmissions"]] == [for_tim["id"]]
    by_doc = ok(session_call(jonas, "GET", "/api/v1/resubmissions?doc_id=n1"))["resubmissions"]
    assert [r["id"] for r in by_doc] == [mine["id"]]
    assert ok(session_call(jonas, "GET", "/api/v1/resubmissions?doc_id=n3"))["resubmissions"] == []
    assert ok(call(world, "GET", "/api/v1/resubmissions", key="erp-nord"))["resubmissions"] == []

    cid = open_case(session_call(tim, "POST", "/api/v1/cases", {"doc_id": "n1"}))
    on_case = ok(session_call(tim, "POST", "/api/v1/resubmissions", {"on": AHEAD, "case_id": cid}), 201)
    assert on_case["case_id"] == cid and on_case["doc_id"] == "n1" and on_case["owner"] == "tim.brandt"
    by_case = ok(session_call(tim, "GET", f"/api/v1/resubmissions?case_id={cid}"))["resubmissions"]
    assert [r["id"] for r in by_case] == [on_case["id"]]

    problem(session_call(tim, "POST", f"/api/v1/resubmissions/{mine['id']}/done"), 404)  # not his, not set by him
    assert ok(session_call(jonas, "POST", f"/api/v1/resubmissions/{mine['id']}/done")) == {
        "id": mine["id"], "status": "done", "changed": True,
    }  # fmt: skip
    assert not ok(session_call(jonas, "POST", f"/api/v1/resubmissions/{mine['id']}/done"))["changed"]
    assert ok(session_call(jonas, "GET", "/api/v1/resubmissions"))["resubmissions"] == []
    assert ok(session_call(jonas, "POST", f"/api/v1/resubmissions/{for_tim['id']}/done"))["changed"]  # who set it


def test_the_documented_routes(world):
    spec = world["client"].get("/api/v1/openapi.json").get_json()
    want = {"/api/v1/cases", "/api/v1/cases/mine", "/api/v1/cases/queue", "/api/v1/cases/{case_id}",
            "/api/v1/cases/{case_id}/claim", "/api/v1/cases/{case_id}/release", "/api/v1/cases/{case_id}/handover",
            "/api/v1/cases/{case_id}/complete", "/api/v1/cases/{case_id}/comments",
            "/api/v1/cases/{case_id}/documents", "/api/v1/cases/{case_id}/reopen",
            "/api/v1/documents/{doc_id}/cases", "/api/v1/customers/{customer_id}/cases", "/api/v1/resubmissions",
            "/api/v1/resubmissions/{resubmission_id}/done"}  # fmt: skip
    assert want <= set(spec["paths"])
    complete = spec["paths"]["/api/v1/cases/{case_id}/complete"]["post"]
    assert complete["responses"]["409"]["content"]["application/problem+json"]
    assert "cases" in {t["name"] for t in spec["tags"]}
