"""The demo's cases (demo.cases.work_demo_cases) on the real Elasticsearch: after the worker opened a case for each
complaint, the demo step works them into every state — unclaimed, claimed, waiting for the decision, closed,
reopened, overdue (flagged by the sweep) — leaves closed complaints closed, sets jonas.weber's resubmissions, and
a second run changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from app import audit, cases, resubmissions
from app.processes import DEFAULT_DIR, ProcessLibrary
from demo.cases import PATTERN, work_demo_cases
from domain.principal import Principal
from indexing.schema import alias_name
from search import cases as C
from search.parse import hits_of
from tests.helpers import app_context, index_customers, index_documents, make_customer, make_doc

pytestmark = pytest.mark.integration

N_NORD = 13  # the first 13 plans of the pattern: every state, a hand-over


def test_the_demo_cases_cover_every_state_once(es, index_prefix, tmp_path):  # type: ignore[no-untyped-def]
    index_customers(es, index_prefix, [make_customer("C1"), make_customer("C9", tenant="sued")])
    docs = [make_doc(f"rek-{i:02d}", register="complaint", customer_ids=["C1"], text=f"Reklamation {i}")
            for i in range(N_NORD)]  # fmt: skip
    docs += [make_doc("rek-sued", tenant="sued", register="complaint", customer_ids=["C9"], text="Reklamation Süd"),
             make_doc("rek-loose", register="complaint", customer_ids=["C1"], text="Reklamation ohne Fall")]  # fmt: skip
    index_documents(es, index_prefix, docs)
    ctx = app_context(es, index_prefix, archive_root=tmp_path / "archive")
    procs = tmp_path / "processes"
    procs.mkdir()
    (procs / "complaint.toml").write_text(
        (DEFAULT_DIR / "complaint.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    lib = ProcessLibrary(procs)
    # the worker's step after the ingest (all but one complaint: the demo step opens a case for that one)
    opened = cases.open_for_new_documents(ctx, [d["doc_id"] for d in docs if d["doc_id"] != "rek-loose"], library=lib)
    assert len(opened.opened) == N_NORD + 1 and not opened.errors
    now = dt.datetime.now(dt.UTC)
    try:
        report = work_demo_cases(ctx, now, library=lib)
        assert not report.errors, report.errors
        assert report.opened == 1 and sum(report.worked.values()) == N_NORD + 2
        assert set(PATTERN[: N_NORD + 1]) <= set(report.worked)

        system = Principal.system()
        found = [
            cases.Case.from_hit(h)
            for h in hits_of(ctx.repo.search("cases", C.cases_body(system, status=None, with_protocol=True)))
        ]
        assert len(found) == N_NORD + 2
        open_ = [c for c in found if c.is_open]
        assert any(c.step == "capture" and c.assignee is None and c.state == "open" for c in open_)  # new
        assert any(c.assignee for c in open_ if c.state == "open")  # claimed
        assert any(c.step == "decide" and c.state == "open" for c in open_)  # waiting for the manager
        assert any(c.step == "answer" for c in open_)
        overdue = [c for c in open_ if c.state == "overdue"]
        assert len(overdue) >= 3 and all(c.due_at and c.due_at < now.date().isoformat() for c in overdue)
        assert {c.step for c in overdue} >= {"capture", "check", "decide"}
        closed = [c for c in found if not c.is_open]
        assert {c.decision for c in closed} == {"credit_note", "replacement", "rejection"}
        reopened = [c for c in open_ if any(e.get("action") == "reopened" for e in c.protocol)]
        assert len(reopened) == 1 and reopened[0].step == "check"
        assert any(e.get("action") == "handed_over" for c in found for e in c.protocol)
        assert any(c.comments for c in found)
        for c in found:  # a history in order, the opening backdated
            stamps = [str(e["at"]) for e in c.protocol]
            assert stamps == sorted(stamps) and c.opened_at == stamps[0] and stamps[-1] <= now.isoformat()
        index = alias_name(index_prefix, "documents")
        for c in closed:  # the use case closed the complaints
            assert {es.get(index=index, id=d)["_source"]["status"] for d in c.doc_ids} == {"closed"}
        assert es.get(index=index, id=reopened[0].doc_ids[0])["_source"]["status"] == "open"
        jonas = ctx.directory.get("jonas.weber")
        assert jonas is not None
        assert len(cases.my_tasks(ctx, jonas)) + len(cases.my_tasks(ctx, ctx.directory.get("tim.brandt"))) >= 3
        mine = resubmissions.mine(ctx, jonas)
        assert len(mine) == 4 and min(r.due_on for r in mine) >= now.date().isoformat()

        again = work_demo_cases(ctx, now + dt.timedelta(minutes=5), library=lib)
        assert (again.worked, again.opened, again.resubmissions) == ({}, 0, 0)
        assert again.skipped == N_NORD + 2 and not again.errors
        after = {c.case_id: c for c in (cases.Case.from_hit(h) for h in
                                        hits_of(ctx.repo.search("cases", C.cases_body(system, status=None, with_protocol=True))))}  # fmt: skip
        assert {k: (v.step, v.opened_at, len(v.protocol)) for k, v in after.items()} == {
            c.case_id: (c.step, c.opened_at, len(c.protocol)) for c in found
        }
    finally:
        audit.flush(ctx)
