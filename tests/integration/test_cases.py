"""Cases on the real Elasticsearch, through the use cases (app.cases): open from a complaint, claim, complete
through to the end (the complaint's status becomes closed), two parallel completions, another tenant, and a
running case that keeps its process version after the file changed."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest

from app import audit, case_work, cases
from app.process_engine import END
from app.processes import DEFAULT_DIR, ProcessLibrary
from domain.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from indexing.schema import alias_name
from tests.helpers import app_context, index_customers, index_documents, make_customer, make_doc

pytestmark = pytest.mark.integration


def audit_entries(es: Any, prefix: str, action: str) -> list[dict[str, Any]]:
    index = alias_name(prefix, "audit")
    es.indices.refresh(index=index)
    resp = es.search(index=index, query={"term": {"action": action}}, size=100, sort=[{"created_at": "asc"}])
    return [h["_source"] for h in resp["hits"]["hits"]]


def doc_status(es: Any, prefix: str, doc_id: str) -> str:
    return str(es.get(index=alias_name(prefix, "documents"), id=doc_id)["_source"]["status"])


@pytest.fixture()
def world(es, index_prefix, tmp_path):  # type: ignore[no-untyped-def]
    index_customers(es, index_prefix, [make_customer("C1"), make_customer("C9", tenant="sued")])
    index_documents(es, index_prefix, [
        make_doc("rek-1", register="complaint", customer_ids=["C1"], text="Reklamation Pumpe defekt"),
        make_doc("rek-2", register="complaint", customer_ids=["C1"], text="Reklamation Ventil undicht"),
        make_doc("rek-3", register="complaint", customer_ids=["C1"], text="Reklamation Lieferung"),
        make_doc("rek-sued", tenant="sued", register="complaint", customer_ids=["C9"], text="Reklamation Süd"),
    ])  # fmt: skip
    ctx = app_context(es, index_prefix, archive_root=tmp_path / "archive")
    procs = tmp_path / "processes"
    procs.mkdir()
    (procs / "complaint.toml").write_text(
        (DEFAULT_DIR / "complaint.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    yield {"ctx": ctx, "es": es, "prefix": index_prefix, "lib": ProcessLibrary(procs), "procs": procs}
    audit.flush(ctx)  # the entries still queued, while the client is open


def user(ctx: Any, login: str) -> Any:
    found = ctx.directory.get(login)
    assert found is not None, login
    return found


def test_a_complaint_is_worked_through_to_the_end(world):  # type: ignore[no-untyped-def]
    ctx, lib = world["ctx"], world["lib"]
    jonas, anna, tim = user(ctx, "jonas.weber"), user(ctx, "anna.schmidt"), user(ctx, "tim.brandt")
    case = cases.open_case(ctx, jonas, "rek-1", library=lib)
    assert (case.tenant, case.customer_id, case.doc_ids) == ("nord", "C1", ("rek-1",))
    assert (case.step, case.status, case.assignee, case.department) == ("capture", "open", None, "kundenservice-nord")
    assert case.due_at and dt.date.fromisoformat(case.due_at) > dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert case.process == "complaint" and case.process_version == lib.current("complaint").version
    assert cases.open_case(ctx, tim, "rek-1", library=lib).case_id == case.case_id  # the open case, not a second
    assert [c.case_id for c in cases.queue(ctx, tim, "kundenservice-nord")] == [case.case_id]
    with pytest.raises(Forbidden):
        cases.queue(ctx, anna, "kundenservice-nord")

    claimed = case_work.claim(ctx, jonas, case.case_id, library=lib)
    assert claimed.assignee == "jonas.weber"
    assert [c.case_id for c in cases.my_tasks(ctx, jonas)] == [case.case_id]
    assert cases.my_tasks(ctx, tim) == []
    with pytest.raises(Conflict) as taken:
        case_work.claim(ctx, tim, case.case_id, library=lib)
    assert taken.value.code == "cases.error.claimed" and taken.value.params["assignee"] == "jonas.weber"

    step = case_work.complete_step(ctx, jonas, case.case_id, {"comment": "aufgenommen"}, "capture", library=lib)
    assert (step.step, step.assignee) == ("check", None)
    with pytest.raises(Invalid) as bad:
        case_work.complete_step(ctx, jonas, case.case_id, {}, "check", library=lib)
    assert bad.value.code == "cases.error.field_required" and bad.value.params["field"] == "comment"
    case_work.complete_step(ctx, jonas, case.case_id, {"comment": "Mangel bestätigt"}, "check", library=lib)
    with pytest.raises(Forbidden) as no_role:
        case_work.complete_step(ctx, jonas, case.case_id, {"decision": "credit_note"}, "decide", library=lib)
    assert no_role.value.code == "cases.error.not_allowed"
    decided = case_work.complete_step(ctx, anna, case.case_id, {"decision": "credit_note", "amount": "49,90"}, "decide",
                                  library=lib)  # fmt: skip
    assert decided.decision == "credit_note" and decided.step == "answer"
    case_work.complete_step(ctx, jonas, case.case_id, {"comment": "Gutschrift mitgeteilt"}, "answer", library=lib)
    assert doc_status(world["es"], world["prefix"], "rek-1") == "open"
    done = case_work.complete_step(ctx, jonas, case.case_id, {}, "close", library=lib)
    assert (done.status, done.step, done.assignee) == ("closed", END, None) and done.closed_at

    assert doc_status(world["es"], world["prefix"], "rek-1") == "closed"
    assert doc_status(world["es"], world["prefix"], "rek-2") == "open"
    again = cases.get_case(ctx, tim, case.case_id)
    assert again.status == "closed"
    assert [(p["action"], p["step"]) for p in again.protocol] == [
        ("opened", "capture"), ("claimed", "capture"), ("completed", "capture"), ("completed", "check"),
        ("completed", "decide"), ("completed", "answer"), ("completed", "close")]  # fmt: skip
    assert (
        again.protocol[4]["values"] == {"decision": "credit_note", "amount": 49.9}
        and again.protocol[4]["by"] == "anna.schmidt"
    )
    with pytest.raises(Conflict) as closed:
        case_work.complete_step(ctx, jonas, case.case_id, {}, "close", library=lib)
    assert closed.value.code in ("cases.error.changed", "cases.error.closed")
    assert cases.queue(ctx, tim, "kundenservice-nord") == []

    audit.flush(ctx)
    steps = [e for e in audit_entries(world["es"], world["prefix"], "case_step") if e.get("doc_id") == "rek-1"]
    assert [e["body"]["step"] for e in steps] == [
        "capture", "check", "decide", "answer", "close"]  # fmt: skip
    assert {e["customer_id"] for e in steps} == {"C1"} and {e["tenant"] for e in steps} == {"nord"}
    assert len(audit_entries(world["es"], world["prefix"], "case_opened")) == 1
    assert len(audit_entries(world["es"], world["prefix"], "case_closed")) == 1


def test_two_parallel_completions_one_wins(world):  # type: ignore[no-untyped-def]
    ctx, lib = world["ctx"], world["lib"]
    jonas, tim = user(ctx, "jonas.weber"), user(ctx, "tim.brandt")
    case = cases.open_case(ctx, jonas, "rek-2", library=lib)
    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def work(who: Any) -> None:
        barrier.wait()
        try:
            outcomes[who.login] = case_work.complete_step(
                ctx, who, case.case_id, {"comment": who.login}, "capture", library=lib
            )
        except AppError as exc:
            outcomes[who.login] = exc

    threads = [threading.Thread(target=work, args=(p,)) for p in (jonas, tim)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    won = [v for v in outcomes.values() if isinstance(v, cases.Case)]
    lost = [v for v in outcomes.values() if isinstance(v, AppError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], Conflict) and lost[0].code == "cases.error.changed"
    now = cases.get_case(ctx, jonas, case.case_id)
    assert now.step == "check"
    assert [p["action"] for p in now.protocol] == ["opened", "completed"]


def test_another_tenant_sees_no_case(world):  # type: ignore[no-untyped-def]
    ctx, lib = world["ctx"], world["lib"]
    jonas, mehmet = user(ctx, "jonas.weber"), user(ctx, "mehmet.kaya")
    case = cases.open_case(ctx, jonas, "rek-3", library=lib)
    for call in (lambda: cases.get_case(ctx, mehmet, case.case_id),
                 lambda: case_work.claim(ctx, mehmet, case.case_id, library=lib),
                 lambda: case_work.complete_step(ctx, mehmet, case.case_id, {}, "capture", library=lib)):  # fmt: skip
        with pytest.raises(NotFound):
            call()
    with pytest.raises(NotFound):
        cases.open_case(ctx, mehmet, "rek-3", library=lib)
    with pytest.raises(NotFound):
        cases.open_case(ctx, jonas, "rek-sued", library=lib)
    assert cases.my_tasks(ctx, mehmet) == []
    assert cases.get_case(ctx, user(ctx, "admin"), case.case_id).case_id == case.case_id


def test_a_running_case_keeps_its_process_version(world):  # type: ignore[no-untyped-def]
    ctx, lib, procs = world["ctx"], world["lib"], world["procs"]
    jonas = user(ctx, "jonas.weber")
    old = cases.open_case(ctx, jonas, "rek-2", library=lib)
    path: Path = procs / "complaint.toml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace('[steps.check]\nlabels = { de = "Prüfen", en = "Check" }\nrole = "agent"',
                          '[steps.check]\nlabels = { de = "Prüfen", en = "Check" }\nrole = "manager"')  # fmt: skip
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    assert lib.current("complaint").version != old.process_version

    restarted = ProcessLibrary(procs)  # a fresh process: the old version only from the case's snapshot
    case_work.complete_step(ctx, jonas, old.case_id, {}, "capture", library=restarted)
    moved = case_work.complete_step(ctx, jonas, old.case_id, {"comment": "old rules: an agent checks"}, "check",
                                library=restarted)  # fmt: skip
    assert moved.step == "decide" and moved.process_version == old.process_version

    new = cases.open_case(ctx, jonas, "rek-3", library=restarted)
    assert new.process_version == restarted.current("complaint").version != old.process_version
    case_work.complete_step(ctx, jonas, new.case_id, {}, "capture", library=restarted)
    with pytest.raises(Forbidden):
        case_work.complete_step(ctx, jonas, new.case_id, {"comment": "new rules: a manager checks"}, "check",
                            library=restarted)  # fmt: skip
