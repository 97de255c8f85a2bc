"""Cases and resubmissions: my tasks, the work queue, one case, the cases of a document or a dossier; open a case
on a document, claim, give back, hand over, complete a step, comment, add a document, reopen; the caller's
resubmissions, set one, mark one done. Thin adapters over `app.cases`, `app.case_work` and `app.resubmissions`,
which decide who may do what: a case is visible to whoever may read one of its documents; API clients (an
ERP/CRM) may read cases and open one, working steps, commenting and resubmissions are for people."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from api import models as M
from api import models_cases as MC
from api.deps import Deps, json_response
from app import case_work, cases, resubmissions
from app.cases import Case

CASES = Tag(name="cases", description="Cases worked step by step (complaints), resubmissions")


def add_case_routes(bp: APIBlueprint, deps: Deps) -> None:
    def out(c: Case) -> MC.CaseOut:
        cid = quote(c.case_id, safe="")
        return MC.case_out(c, M.Links(self=deps.links.api(f"/cases/{cid}"), cockpit=deps.links.page(f"/fall/{cid}")))

    def many(found: list[Case]) -> Response:
        return json_response(MC.CasesOut(cases=[out(c) for c in found]))

    @bp.get("/cases/mine", tags=[CASES], responses={200: MC.CasesOut}, summary="My tasks")
    def get_my_cases() -> Response:
        """The open cases assigned to the caller, soonest due first."""
        return many(cases.my_tasks(deps.ctx, deps.principal))

    @bp.get("/cases/queue", tags=[CASES], responses={200: MC.CasesOut}, summary="My work queue")
    def get_work_queue() -> Response:
        """What the caller may pick up: the open cases of their department's queue and those in a step of a
        higher role they hold; `holder_lost` says when a case's holder can no longer work it."""
        return many(cases.work_queue(deps.ctx, deps.principal))

    @bp.get("/cases/<case_id>", tags=[CASES], responses={200: MC.CaseOut}, summary="One case")
    def get_one_case(path: MC.CasePath) -> Response:
        """A case with its protocol; a case none of whose documents the caller may read is not found."""
        return json_response(out(cases.get_case(deps.ctx, deps.principal, path.case_id)))

    @bp.get("/documents/<doc_id>/cases", tags=[CASES], responses={200: MC.CasesOut},
            summary="Cases of a document")  # fmt: skip
    def get_document_cases(path: M.DocumentPath, query: MC.CasesQuery) -> Response:
        """The open cases (`all=true`: every case) a document belongs to, as far as the caller may see them."""
        return many(cases.cases_of_document(deps.ctx, deps.principal, path.doc_id, open_only=not query.all))

    @bp.get("/customers/<customer_id>/cases", tags=[CASES], responses={200: MC.CasesOut},
            summary="Cases of a dossier")  # fmt: skip
    def get_customer_cases(path: M.CustomerPath, query: MC.CasesQuery) -> Response:
        """The open cases (`all=true`: every case) of a customer's dossier, as far as the caller may see them."""
        return many(cases.cases_of_customer(deps.ctx, deps.principal, path.customer_id, open_only=not query.all))

    @bp.post("/cases", tags=[CASES], responses={201: MC.CaseOut, 200: MC.CaseOut}, summary="Open a case")
    def post_case(body: MC.OpenCaseIn) -> Response:
        """Open a case on a document the caller may read (e.g. a complaint an ERP/CRM pushed): 201. A document
        already in an open case answers that case (200)."""
        started = dt.datetime.now(dt.UTC).isoformat()
        c = cases.open_case(deps.ctx, deps.principal, body.doc_id)
        created = c.opened_at >= started and c.opened_by == deps.principal.login
        case = out(c)
        return json_response(case, status=201 if created else 200, headers={"Location": case.links.self})

    @bp.post("/cases/<case_id>/claim", tags=[CASES], responses={200: MC.CaseOut}, summary="Claim a case")
    def post_claim(path: MC.CasePath) -> Response:
        """Take the case's current step (the caller may work it; nobody else who still can holds it: else 409).
        No body needed."""
        return json_response(out(case_work.claim(deps.ctx, deps.principal, path.case_id)))

    @bp.post("/cases/<case_id>/release", tags=[CASES], responses={200: MC.CaseOut}, summary="Give a case back")
    def post_release(path: MC.CasePath) -> Response:
        """Put a case the caller holds back into its queue (admins: any case). No body needed."""
        return json_response(out(case_work.give_back(deps.ctx, deps.principal, path.case_id)))

    @bp.post("/cases/<case_id>/handover", tags=[CASES], responses={200: MC.CaseOut}, summary="Hand a case over")
    def post_handover(path: MC.CasePath, body: MC.HandOverIn) -> Response:
        """Give the current step to a colleague (`to`), who must be active, may work the step and read the case's
        documents (else 422 saying which); an optional `note` goes into the protocol."""
        c = case_work.hand_over(deps.ctx, deps.principal, path.case_id, body.to, note=body.note)
        return json_response(out(c))

    @bp.post("/cases/<case_id>/complete", tags=[CASES], responses={200: MC.CaseOut}, summary="Complete a step")
    def post_complete(path: MC.CasePath, body: MC.CompleteIn) -> Response:
        """Complete the current step (`step`, the one the caller saw) with its form. A case that moved on
        meanwhile, or a parallel completion that won, is 409 `cases.error.changed`; a bad form is 422 naming
        the field. The final step closes the case."""
        c = case_work.complete_step(deps.ctx, deps.principal, path.case_id, dict(body.form), body.step)
        return json_response(out(c))

    @bp.post("/cases/<case_id>/comments", tags=[CASES], responses={201: MC.CaseOut}, summary="Comment on a case")
    def post_comment(path: MC.CasePath, body: MC.CommentIn) -> Response:
        """A comment in the case's protocol (people who may see the case)."""
        c = out(case_work.comment(deps.ctx, deps.principal, path.case_id, body.text))
        return json_response(c, status=201, headers={"Location": c.links.self})

    @bp.post("/cases/<case_id>/documents", tags=[CASES], responses={200: MC.CaseOut},
             summary="Add a document to a case")  # fmt: skip
    def post_case_document(path: MC.CasePath, body: MC.AddDocumentIn) -> Response:
        """Put a readable document of the case's tenant into the open case; one already in another open case is
        409 naming it."""
        return json_response(out(case_work.add_document(deps.ctx, deps.principal, path.case_id, body.doc_id)))

    @bp.post("/cases/<case_id>/reopen", tags=[CASES], responses={200: MC.CaseOut}, summary="Reopen a case")
    def post_reopen(path: MC.CasePath, body: MC.ReopenIn) -> Response:
        """Reopen a closed case with a reason: it goes back to the process's reopen step, its complaints are
        open again."""
        return json_response(out(case_work.reopen(deps.ctx, deps.principal, path.case_id, body.reason)))

    @bp.get("/resubmissions", tags=[CASES], responses={200: MC.ResubmissionsOut}, summary="My resubmissions")
    def get_resubmissions(query: MC.ResubmissionsQuery) -> Response:
        """The caller's pending and released resubmissions, soonest first (with `doc_id` or `case_id`: only
        those of that document or case); documents the caller can no longer read are left out."""
        if query.doc_id or query.case_id:
            found = resubmissions.of_target(deps.ctx, deps.principal, doc_id=query.doc_id, case_id=query.case_id)
        else:
            found = resubmissions.mine(deps.ctx, deps.principal)
        return json_response(MC.ResubmissionsOut(resubmissions=[MC.resubmission_out(r) for r in found]))

    @bp.post("/resubmissions", tags=[CASES], responses={201: MC.ResubmissionOut}, summary="Set a resubmission")
    def post_resubmission(body: MC.ResubmissionIn) -> Response:
        """Show a document or a case again on a day, to the caller or a colleague (`for`, who must be able to
        read the document). A weekend or public holiday moves to the next working day (`moved_from`,
        `holiday`). People only (not API keys)."""
        r = resubmissions.create(deps.ctx, deps.principal, on=body.on, note=body.note, doc_id=body.doc_id,
                                 case_id=body.case_id, for_login=body.for_)  # fmt: skip
        target = {"case_id": r.case_id} if r.case_id else {"doc_id": r.doc_id}
        location = deps.links.api("/resubmissions", target)  # the caller's resubmissions of that target
        return json_response(MC.resubmission_out(r), status=201, headers={"Location": location})

    @bp.post("/resubmissions/<resubmission_id>/done", tags=[CASES], responses={200: MC.ResubmissionDoneOut},
             summary="Mark a resubmission done")  # fmt: skip
    def post_resubmission_done(path: MC.ResubmissionPath) -> Response:
        """Its owner or whoever set it marks it done (`changed` is false when it was done already)."""
        changed = resubmissions.done(deps.ctx, deps.principal, path.resubmission_id)
        return json_response(MC.ResubmissionDoneOut(id=path.resubmission_id, changed=changed))
