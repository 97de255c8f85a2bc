"""Retention, legal holds and disposal: the report, holds (set, lift, list), disposal runs (dry run by default)
and their certificates, a contract's end. Thin adapters over `app.retention` and `app.disposal`; every operation
needs the `retention` capability (keys created with it, or the cockpit session of a compliance officer/admin)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import Field, field_validator

from api import models as M
from api.deps import Deps, json_response
from app import disposal, holds, retention

COMPLIANCE = Tag(name="compliance", description="Retention by document class, legal holds and disposal runs")
CSV: dict[str | int, Any] = {
    200: {"description": "the deletion certificate (CSV, `;`-separated, UTF-8)",
          "content": {"text/csv": {"schema": {"type": "string"}}}}
}  # fmt: skip
Id = Annotated[str, Field(min_length=1, max_length=300)]


# ------------------------------------------------------------------------------------------------ requests


class ReportQuery(M.Strict):
    months: int = Field(12, ge=0, le=retention.MAX_MONTHS, description="what expires within the next N months")
    tenant: str | None = Field(None, max_length=100)
    limit: int = Field(200, ge=0, le=10_000, description="documents listed at most (soonest first)")


class HoldsQuery(M.Strict):
    tenant: str | None = Field(None, max_length=100)
    include_lifted: bool = False


class HoldIn(M.Strict):
    reason: str = Field(min_length=1, max_length=holds.MAX_REASON)
    doc_id: Id | None = None
    customer_id: Id | None = Field(None, description="the whole dossier (or, with view_id, the dossier a view runs in)")
    view_id: Id | None = Field(None, description="a saved view: every document it matches when a disposal runs")
    tenant: str | None = Field(None, max_length=100)

    _text = field_validator("reason")(M.no_control)


class HoldPath(M.Strict):
    hold_id: str = Field(min_length=1, max_length=40)


class LiftQuery(M.Strict):
    reason: str = Field(min_length=1, max_length=holds.MAX_REASON)

    _text = field_validator("reason")(M.no_control)


class DisposalIn(M.Strict):
    dry_run: bool = Field(True, description="true (default): delete nothing, say what a run would delete")
    tenant: str | None = Field(None, max_length=100)
    doc_ids: Annotated[list[Id], Field(max_length=1000)] = Field(
        default_factory=list, description="only these documents; refused as a whole if one is held or still kept"
    )


class RunPath(M.Strict):
    run_id: str = Field(min_length=1, max_length=40)


class ContractEndIn(M.Strict):
    contract_end: dt.date | None = Field(description="the contract's end; null: unknown (the document date counts)")


# ------------------------------------------------------------------------------------------------ responses


class HoldOut(M.Out):
    id: str
    tenant: str
    target: str
    doc_id: str | None = None
    customer_id: str | None = None
    view_id: str | None = None
    label: str = ""
    reason: str
    set_by: str
    set_at: str
    active: bool
    lifted_by: str | None = None
    lifted_at: str | None = None
    lift_reason: str | None = None


class HoldsOut(M.Out):
    holds: list[HoldOut]


class RegisterCountOut(M.Out):
    register_: str = Field(alias="register")
    expiring: int
    due: int


class ReportItemOut(M.Out):
    doc_id: str
    tenant: str
    register_: str = Field(alias="register")
    title: str
    customer_ids: list[str]
    doc_date: str | None = None
    retain_until: str | None = None
    basis: str
    flags: list[str]
    due: bool
    held: str | None = None
    settled_by: str | None = None
    links: M.Links


class ReportOut(M.Out):
    today: str
    until: str
    months: int
    tenants: list[str]
    profile: str
    table: str
    total: int
    due: int
    held: int
    truncated: bool
    flagged: int
    flags: dict[str, int]
    registers: list[RegisterCountOut]
    documents: list[ReportItemOut]
    holds: list[HoldOut]
    unresolved_holds: list[HoldOut]


class DisposedOut(M.Out):
    doc_id: str
    tenant: str
    register_: str = Field(alias="register")
    customer: str
    doc_date: str | None = None
    retain_until: str | None = None
    basis: str
    content_sha256: str
    deleted: bool
    original_deleted: bool
    original_would_go: bool


class SkippedOut(M.Out):
    doc_id: str
    tenant: str
    reason: str


class DisposalOut(M.Out):
    run_id: str
    dry_run: bool
    by: str
    started_at: str
    finished_at: str
    today: str
    tenants: list[str]
    counts: dict[str, Any]
    refused: dict[str, str]
    documents: list[DisposedOut]
    skipped: list[SkippedOut]
    certificate: str | None = Field(None, description="the certificate's URL (CSV)")


class ContractEndOut(M.Out):
    doc_id: str
    contract_end: str | None = None
    retain_until: str | None = None
    basis: str


def hold_out(h: holds.Hold) -> HoldOut:
    return HoldOut(
        id=h.hold_id, tenant=h.tenant, target=h.target, doc_id=h.doc_id, customer_id=h.customer_id, view_id=h.view_id,
        label=h.label, reason=h.reason, set_by=h.set_by, set_at=h.set_at, active=h.active, lifted_by=h.lifted_by,
        lifted_at=h.lifted_at, lift_reason=h.lift_reason,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------ routes


def add_compliance_routes(bp: APIBlueprint, deps: Deps) -> None:
    @bp.get("/retention/report", tags=[COMPLIANCE], responses={200: ReportOut}, summary="What expires")
    def get_report(query: ReportQuery) -> Response:
        """What expires in the next `months` months (and what is due already), per register, with the documents,
        whether a legal hold keeps them, and the documents whose dates need a look."""
        rep = retention.report(deps.ctx, deps.principal, months=query.months, tenant=query.tenant, limit=query.limit)
        docs = [
            ReportItemOut(
                doc_id=i.doc_id, tenant=i.tenant, register=i.register, title=i.title, customer_ids=i.customer_ids,
                doc_date=i.doc_date, retain_until=i.retain_until, basis=i.basis, flags=i.flags, due=i.due, held=i.held,
                settled_by=i.settled_by, links=deps.links.document(i.doc_id),
            )
            for i in rep.items
        ]  # fmt: skip
        return json_response(ReportOut(
            today=rep.today, until=rep.until, months=rep.months, tenants=rep.tenants, profile=rep.profile,
            table=rep.table, total=rep.total, due=rep.due, held=rep.held, truncated=rep.truncated,
            flagged=rep.flagged, flags=rep.flags,
            registers=[RegisterCountOut(register=r.register, expiring=r.expiring, due=r.due) for r in rep.registers],
            documents=docs, holds=[hold_out(h) for h in rep.holds],
            unresolved_holds=[hold_out(h) for h in rep.unresolved_holds],
        ))  # fmt: skip

    @bp.get("/holds", tags=[COMPLIANCE], responses={200: HoldsOut}, summary="Legal holds")
    def get_holds(query: HoldsQuery) -> Response:
        """The legal holds of the caller's tenants (active ones; `include_lifted`: all), newest first."""
        found = holds.list_holds(deps.ctx, deps.principal, tenant=query.tenant,
                                 include_lifted=query.include_lifted)  # fmt: skip
        return json_response(HoldsOut(holds=[hold_out(h) for h in found]))

    @bp.post("/holds", tags=[COMPLIANCE], responses={201: HoldOut}, summary="Set a legal hold")
    def post_hold(body: HoldIn) -> Response:
        """A legal hold on one document (`doc_id`), a customer's dossier (`customer_id`) or a saved view
        (`view_id`, with `customer_id` for a dossier view): nothing it covers can be disposed of until lifted."""
        hold = holds.set_hold(deps.ctx, deps.principal, reason=body.reason, doc_id=body.doc_id,
                                  customer_id=body.customer_id, view_id=body.view_id, tenant=body.tenant)  # fmt: skip
        location = deps.links.api(f"/holds/{quote(hold.hold_id, safe='')}")
        return json_response(hold_out(hold), status=201, headers={"Location": location})

    @bp.delete("/holds/<hold_id>", tags=[COMPLIANCE], responses={200: HoldOut}, summary="Lift a legal hold")
    def delete_hold(path: HoldPath, query: LiftQuery) -> Response:
        """Lift a hold (`reason` required); the record stays with who lifted it, when and why."""
        return json_response(hold_out(holds.lift_hold(deps.ctx, deps.principal, path.hold_id, reason=query.reason)))

    @bp.post("/disposal-runs", tags=[COMPLIANCE], responses={201: DisposalOut}, summary="Run a disposal")
    def post_disposal(body: DisposalIn) -> Response:
        """Dispose of documents whose retention has ended and that no legal hold covers — a dry run unless
        `dry_run` is false. Every run is audited and leaves a certificate (CSV, linked)."""
        run = disposal.dispose(deps.ctx, deps.principal, execute=not body.dry_run, tenant=body.tenant,
                               doc_ids=body.doc_ids)  # fmt: skip
        cert = deps.links.api(f"/disposal-runs/{run.run_id}/certificate") if run.certificate else None
        out = DisposalOut(
            run_id=run.run_id, dry_run=run.dry_run, by=run.by, started_at=run.started_at, finished_at=run.finished_at,
            today=run.today, tenants=run.tenants, counts=run.counts(), refused=run.refused,
            documents=[DisposedOut(doc_id=i.doc_id, tenant=i.tenant, register=i.register, customer=i.customer,
                                   doc_date=i.doc_date, retain_until=i.retain_until, basis=i.basis,
                                   content_sha256=i.content_sha256, deleted=i.deleted,
                                   original_deleted=i.original_deleted, original_would_go=i.original_would_go)
                       for i in run.items],
            skipped=[SkippedOut(doc_id=s.doc_id, tenant=s.tenant, reason=s.reason) for s in run.skipped],
            certificate=cert,
        )  # fmt: skip
        return json_response(out, status=201, headers={"Location": cert} if cert else None)

    @bp.get("/disposal-runs/<run_id>/certificate", tags=[COMPLIANCE], responses=CSV, summary="A run's certificate")
    def get_certificate(path: RunPath) -> Response:
        """The deletion certificate of a run (CSV): doc id, tenant, register, customer, document date, retained
        until, original hash, whether the original was deleted, who, when."""
        text = disposal.read_certificate(deps.ctx, deps.principal, path.run_id)
        resp = Response(text, mimetype="text/csv")
        resp.headers["Content-Disposition"] = f'attachment; filename="disposal-{path.run_id}.csv"'
        return resp

    @bp.put("/documents/<doc_id>/contract-end", tags=[COMPLIANCE], responses={200: ContractEndOut},
            summary="A contract's end")  # fmt: skip
    def put_contract_end(path: M.DocumentPath, body: ContractEndIn) -> Response:
        """Record (or clear) the end of a contract: its retention is computed again from it."""
        change = retention.set_contract_end(deps.ctx, deps.principal, path.doc_id, body.contract_end)
        return json_response(ContractEndOut(doc_id=path.doc_id, contract_end=change["contract_end"],
                                            retain_until=change["retain_until"], basis=change["retention_basis"]))  # fmt: skip
