"""Cases at work on the real Elasticsearch: cases open themselves for new complaints (a follow-up in the thread
joins), the documents carry their case (facet Fallstatus, "meine überfälligen Fälle", the dossier's open
complaints), hand-over checks, a holder who lost access, reopening, re-filed documents, resubmissions on a
holiday and their reminders in the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app import audit, case_sync, case_work, cases, confidential, resubmissions
from app.dossier import dossier
from app.notifications import case_rounds, deliver, notifications
from app.processes import DEFAULT_DIR, ProcessLibrary
from domain.errors import Conflict, Invalid
from indexing.schema import alias_name
from notifications.mailer import SmtpConfig
from search.request import SearchRequest
from tests.helpers import RecordingSmtp, app_context, index_customers, index_documents, make_customer, make_doc
from views.model import View

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


@pytest.fixture()
def world(es, index_prefix, tmp_path):  # type: ignore[no-untyped-def]
    index_customers(es, index_prefix, [make_customer("C1"), make_customer("C2"), make_customer("C9", tenant="sued")])
    index_documents(es, index_prefix, [
        make_doc("mail-1", register="complaint", customer_ids=["C1"], text="Reklamation Pumpe", thread_id="t-1"),
        make_doc("mail-2", register="complaint", customer_ids=["C1"], text="Nachtrag Pumpe", thread_id="t-1"),
        make_doc("mail-3", register="complaint", customer_ids=["C1"], text="Reklamation Ventil", thread_id="t-3"),
        make_doc("answer-1", register="complaint", customer_ids=["C1"], text="Antwort", direction="out"),
        make_doc("order-1", register="order", customer_ids=["C1"], text="Auftrag"),
        make_doc("rek-sued", tenant="sued", register="complaint", customer_ids=["C9"], text="Reklamation Süd"),
    ])  # fmt: skip
    ctx = app_context(es, index_prefix, archive_root=tmp_path / "archive")
    procs = tmp_path / "processes"
    procs.mkdir()
    (procs / "complaint.toml").write_text((DEFAULT_DIR / "complaint.toml").read_text(encoding="utf-8"), "utf-8")
    yield {"ctx": ctx, "es": es, "prefix": index_prefix, "lib": ProcessLibrary(procs)}
    audit.flush(ctx)


def user(ctx: Any, login: str) -> Any:
    found = ctx.directory.get(login)
    assert found is not None, login
    return found


def doc_source(w: dict[str, Any], doc_id: str) -> dict[str, Any]:
    return dict(w["es"].get(index=alias_name(w["prefix"], "documents"), id=doc_id)["_source"])


def test_new_complaints_open_cases_and_a_follow_up_joins(world):  # type: ignore[no-untyped-def]
    ctx, lib = world["ctx"], world["lib"]
    first = cases.open_for_new_documents(ctx, ["mail-1", "answer-1", "order-1", "rek-sued"], library=lib, now=NOW)
    assert len(first.opened) == 2 and not first.errors  # mail-1 and the other tenant's complaint
    follow = cases.open_for_new_documents(ctx, ["mail-2", "mail-3"], library=lib, now=NOW)
    assert len(follow.opened) == 1 and [d for d, _ in follow.joined] == ["mail-2"]
    again = cases.open_for_new_documents(ctx, ["mail-1", "mail-2"], library=lib, now=NOW)
    assert again.opened == [] and again.joined == []  # documents already in a case open nothing more

    tim = user(ctx, "tim.brandt")
    joined = cases.cases_of_document(ctx, tim, "mail-2")
    assert len(joined) == 1 and joined[0].doc_ids == ("mail-1", "mail-2")
    assert joined[0].department == "kundenservice-nord" and joined[0].opened_by == "system"
    assert [e["action"] for e in cases.get_case(ctx, tim, joined[0].case_id).protocol] == ["opened", "joined"]
    src = doc_source(world, "mail-2")
    assert (src["case_id"], src["case_state"], src["case_step"]) == (joined[0].case_id, "open", "capture")
    assert "case_id" not in doc_source(world, "answer-1") or not doc_source(world, "answer-1").get("case_id")
    # the dossier counts open cases: three complaint documents in two cases
    assert dossier(ctx, tim, "C1").open_complaints == 2
    assert {c.case_id for c in cases.work_queue(ctx, tim)} == {
        c.case_id for c in cases.cases_of_customer(ctx, tim, "C1")
    }
    assert cases.cases_of_customer(ctx, user(ctx, "mehmet.kaya"), "C1") == []  # another tenant


def test_a_new_version_of_a_document_joins_its_case(world):  # type: ignore[no-untyped-def]
    ctx, lib, es, prefix = world["ctx"], world["lib"], world["es"], world["prefix"]
    cases.open_for_new_documents(ctx, ["mail-3"], library=lib, now=NOW)
    first = doc_source(world, "mail-3")
    v2 = make_doc("mail-3-v2", register="complaint", customer_ids=["C1"], text="Reklamation Ventil, korrigiert")
    v2.update(family_id=first["family_id"], version=2)
    es.update(index=alias_name(prefix, "documents"), id="mail-3", doc={"is_latest": False}, refresh=True)
    index_documents(es, prefix, [v2])
    again = cases.open_for_new_documents(ctx, ["mail-3-v2"], library=lib, now=NOW)
    assert again.opened == [] and [d for d, _ in again.joined] == ["mail-3-v2"]
    case = cases.get_case(ctx, user(ctx, "jonas.weber"), first["case_id"])
    assert case.doc_ids == ("mail-3", "mail-3-v2") and case.protocol[-1]["action"] == "new_version"
    assert doc_source(world, "mail-3-v2")["case_id"] == case.case_id
    assert dossier(ctx, user(ctx, "jonas.weber"), "C1").open_complaints == 3  # the case once, mail-1 and mail-2


def test_closing_a_case_lowers_the_dossiers_count(world):  # type: ignore[no-untyped-def]
    ctx, lib = world["ctx"], world["lib"]
    cases.open_for_new_documents(ctx, ["mail-1", "mail-2", "mail-3"], library=lib, now=NOW)
    jonas, anna = user(ctx, "jonas.weber"), user(ctx, "anna.schmidt")
    case = cases.cases_of_document(ctx, jonas, "mail-1")[0]
    assert dossier(ctx, jonas, "C1").open_complaints == 2
    steps = [("capture", jonas, {}), ("check", jonas, {"comment": "geprüft"}),
             ("decide", anna, {"decision": "credit_note", "amount": "120,50"}),
             ("answer", jonas, {"comment": "Gutschrift angekündigt"}), ("close", jonas, {})]  # fmt: skip
    for step, who, form in steps:
        case_work.claim(ctx, who, case.case_id, library=lib)
        case_work.complete_step(ctx, who, case.case_id, form, step, library=lib)
    closed = cases.get_case(ctx, jonas, case.case_id)
    assert (closed.status, closed.state, closed.decision) == ("closed", "closed", "credit_note")
    assert doc_source(world, "mail-2")["status"] == "closed" and doc_source(world, "mail-2")["case_state"] == "closed"
    assert dossier(ctx, jonas, "C1").open_complaints == 1
    with pytest.raises(Invalid) as empty:
        case_work.reopen(ctx, jonas, case.case_id, "  ", library=lib)
    assert empty.value.code == "cases.error.comment_empty"
    reopened = case_work.reopen(ctx, jonas, case.case_id, "Kunde meldet erneut Defekt", library=lib)
    assert (reopened.status, reopened.step) == ("open", "check")
    assert reopened.protocol[-1]["action"] == "reopened" and reopened.protocol[-1]["note"].startswith("Kunde")
    assert doc_source(world, "mail-1")["status"] == "open"
    assert dossier(ctx, jonas, "C1").open_complaints == 2
    with pytest.raises(Conflict):
        case_work.reopen(ctx, jonas, case.case_id, "nochmal", library=lib)


def test_hand_over_is_checked_and_a_holder_who_lost_access_frees_the_case(world):  # type: ignore[no-untyped-def]
    ctx, lib = world["ctx"], world["lib"]
    cases.open_for_new_documents(ctx, ["mail-3"], library=lib, now=NOW)
    jonas, admin = user(ctx, "jonas.weber"), user(ctx, "admin")
    case = cases.cases_of_document(ctx, jonas, "mail-3")[0]
    case_work.claim(ctx, jonas, case.case_id, library=lib)
    for login, code in [("nobody", "cases.error.handover_unknown"), ("mehmet.kaya", "cases.error.handover_access"),
                        ("clara.vogt", "cases.error.handover_role")]:  # fmt: skip
        with pytest.raises(Invalid) as refused:
            case_work.hand_over(ctx, jonas, case.case_id, login, library=lib)
        assert refused.value.code == code, login
    handed = case_work.hand_over(ctx, jonas, case.case_id, "tim.brandt", note="Bitte übernehmen", library=lib)
    assert handed.assignee == "tim.brandt" and handed.protocol[-1]["to"] == "tim.brandt"
    assert doc_source(world, "mail-3")["case_assignee"] == "tim.brandt"
    with pytest.raises(Conflict):
        case_work.claim(ctx, jonas, case.case_id, library=lib)

    # tim loses access to the document (confidential for others): the queue says so, jonas may take it over
    confidential.mark(ctx, admin, "mail-3", users=["jonas.weber"])
    queued = [c for c in cases.queue(ctx, jonas, "kundenservice-nord") if c.case_id == case.case_id]
    assert queued and queued[0].holder_lost == "cases.released.no_access"
    swept = case_sync.sweep(ctx, NOW)
    assert swept.released == 1
    freed = cases.get_case(ctx, jonas, case.case_id)
    assert freed.assignee is None and freed.protocol[-1]["reason"] == "cases.released.no_access"
    assert case_work.claim(ctx, jonas, case.case_id, library=lib).assignee == "jonas.weber"
    with pytest.raises(Invalid) as no_access:
        case_work.hand_over(ctx, jonas, case.case_id, "tim.brandt", library=lib)
    assert no_access.value.code == "cases.error.handover_access"


def test_overdue_cases_are_swept_faceted_and_in_my_overdue_view(world):  # type: ignore[no-untyped-def]
    ctx, lib = world["ctx"], world["lib"]
    weeks_ago = NOW - dt.timedelta(days=30)
    cases.open_for_new_documents(ctx, ["mail-1", "mail-3"], library=lib, now=weeks_ago)
    jonas = user(ctx, "jonas.weber")
    late = cases.cases_of_document(ctx, jonas, "mail-1")[0]
    case_work.claim(ctx, jonas, late.case_id, library=lib, now=weeks_ago)
    fresh = cases.cases_of_document(ctx, jonas, "mail-3")[0]
    case_work.claim(ctx, jonas, fresh.case_id, library=lib, now=NOW)
    case_work.complete_step(ctx, jonas, fresh.case_id, {}, "capture", library=lib, now=NOW)  # new due date
    report = case_sync.sweep(ctx, NOW)
    assert report.overdue == 1
    assert cases.get_case(ctx, jonas, late.case_id).state == "overdue"
    assert doc_source(world, "mail-1")["case_state"] == "overdue"
    assert dossier(ctx, jonas, "C1").overdue_cases == 1

    result = ctx.search.search(SearchRequest(text="", mode="keyword", filters={"case_state": ("overdue",)}), jonas)
    assert [h.doc_id for h in result.hits] == ["mail-1"]
    facet = {b.value: b.count for b in result.facets.get("case_state", [])}
    assert facet.get("overdue") == 1
    view = View.model_validate({"name": "Meine überfälligen Fälle", "owner": "jonas.weber", "tenant": "nord",
                                "filters": {"case_state": ["overdue"]}, "my_cases": True, "sharing": "tenant"})  # fmt: skip
    from app.views import run_view

    mine = run_view(ctx, jonas, view, now=NOW)
    assert mine.result is not None and [h.doc_id for h in mine.result.hits] == ["mail-1"]
    theirs = run_view(ctx, user(ctx, "tim.brandt"), view, now=NOW)
    assert theirs.result is not None and theirs.result.hits == []  # tim holds no case


def test_refiled_documents_take_their_case_along(world):  # type: ignore[no-untyped-def]
    ctx, lib = world["ctx"], world["lib"]
    cases.open_for_new_documents(ctx, ["mail-3"], library=lib, now=NOW)
    jonas = user(ctx, "jonas.weber")
    case = cases.cases_of_document(ctx, jonas, "mail-3")[0]
    assert case.customer_id == "C1"
    ctx.store.update("documents", "mail-3", {"customer_ids": ["C2"], "primary_customer_id": "C2"})
    assert case_work.refiled(ctx, ["mail-3"]) == [case.case_id]
    moved = cases.get_case(ctx, jonas, case.case_id)
    assert moved.customer_id == "C2" and moved.protocol[-1]["action"] == "customer_changed"
    assert [c.case_id for c in cases.cases_of_customer(ctx, jonas, "C2")] == [case.case_id]
    assert case_work.refiled(ctx, ["mail-3"]) == []  # nothing more to move


def test_documents_are_added_to_a_case_but_never_to_two(world):  # type: ignore[no-untyped-def]
    ctx, lib = world["ctx"], world["lib"]
    cases.open_for_new_documents(ctx, ["mail-1", "mail-3"], library=lib, now=NOW)
    jonas = user(ctx, "jonas.weber")
    one, other = (cases.cases_of_document(ctx, jonas, d)[0] for d in ("mail-1", "mail-3"))
    added = case_work.add_document(ctx, jonas, one.case_id, "order-1")
    assert added.doc_ids == ("mail-1", "order-1") and doc_source(world, "order-1")["case_id"] == one.case_id
    with pytest.raises(Conflict) as taken:
        case_work.add_document(ctx, jonas, other.case_id, "order-1")
    assert taken.value.code == "cases.error.other_case"
    commented = case_work.comment(ctx, jonas, one.case_id, "Kunde angerufen <b>x</b>")
    assert commented.comments[-1]["text"] == "Kunde angerufen <b>x</b>"


def test_resubmissions_move_off_holidays_and_remind_in_the_inbox(world):  # type: ignore[no-untyped-def]
    ctx = world["ctx"]
    jonas, tim, admin = user(ctx, "jonas.weber"), user(ctx, "tim.brandt"), user(ctx, "admin")
    xmas = resubmissions.create(ctx, jonas, on="25.12.2026", note="Rückruf", doc_id="mail-1", now=NOW)
    assert (xmas.due_on, xmas.moved_from, xmas.holiday) == ("2026-12-28", "2026-12-25", "Erster Weihnachtstag")
    with pytest.raises(Invalid) as past:
        resubmissions.create(ctx, jonas, on="2026-12-01", doc_id="mail-1", now=NOW)
    assert past.value.code == "resubmissions.error.past"
    with pytest.raises(Invalid) as bad:
        resubmissions.create(ctx, jonas, on="31.02.2026", doc_id="mail-1", now=NOW)
    assert bad.value.code == "resubmissions.error.date"
    with pytest.raises(Invalid) as colleague:
        resubmissions.create(ctx, jonas, on="2026-12-08", doc_id="mail-1", for_login="mehmet.kaya", now=NOW)
    assert colleague.value.code == "resubmissions.error.colleague_access"
    today = resubmissions.create(ctx, jonas, on="2026-12-07", note="heute", doc_id="mail-1", for_login="tim.brandt",
                                 now=NOW)  # fmt: skip
    lost = resubmissions.create(ctx, jonas, on="2026-12-07", doc_id="mail-3", now=NOW)
    confidential.mark(ctx, admin, "mail-3", users=["tim.brandt"])  # jonas can no longer read mail-3
    assert [r.id for r in resubmissions.mine(ctx, tim)] == [today.id]

    _, released = case_rounds(ctx, NOW + dt.timedelta(minutes=1))
    assert (released.released, released.withdrawn) == (1, 1)
    inbox, _ = notifications(ctx, tim)
    assert [(n.doc_id, n.view_id, n.customer_names) for n in inbox] == [("mail-1", "resubmission", ("Kunde C1",))]
    assert notifications(ctx, jonas)[0] == []  # the withdrawn one (jonas lost access) is no reminder
    _, again = case_rounds(ctx, NOW + dt.timedelta(minutes=2))
    assert again.released == 0  # released once
    with RecordingSmtp() as smtp:  # the outbox e-mails the reminder with its note
        sent = deliver(ctx, NOW + dt.timedelta(minutes=3), smtp=SmtpConfig(
            host="127.0.0.1", port=smtp.port, sender="cockpit@example.org", tls="none", base_url="http://cockpit"))  # fmt: skip
    assert sent.notifications_sent == 1 and [m["To"] for m in smtp.messages] == ["tim.brandt@nordlicht-technik.de"]
    body = smtp.messages[0].get_content()
    assert "Notiz: heute" in body and "http://cockpit/document/mail-1" in body
    assert [r.id for r in resubmissions.mine(ctx, jonas)] == [xmas.id]
    assert lost.id not in {r.id for r in resubmissions.mine(ctx, jonas)}
    assert resubmissions.done(ctx, tim, today.id) and not resubmissions.done(ctx, tim, today.id)
