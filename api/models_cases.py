"""Request and response models of the case routes (cases worked step by step, resubmissions): api/routes_cases.py."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from api.models import Links, Out, Strict, no_control
from app.case_work import MAX_COMMENT
from app.cases import Case
from app.resubmissions import MAX_NOTE, Resubmission

Login = Annotated[str, Field(min_length=1, max_length=100)]
FormKey = Annotated[str, Field(min_length=1, max_length=100)]
FormValue = str | int | float | bool | None


class CasePath(Strict):
    case_id: str = Field(min_length=1, max_length=64)


class CasesQuery(Strict):
    all: bool = Field(False, description="closed cases too (default: only the open ones)")


class OpenCaseIn(Strict):
    doc_id: str = Field(min_length=1, max_length=300, description="the document (a complaint) the case is about")


class HandOverIn(Strict):
    to: Login = Field(description="the colleague's login: active, may work the step and read the case's documents")
    note: str | None = Field(None, max_length=MAX_COMMENT, description="a note for the colleague (protocolled)")

    _text = field_validator("to", "note")(lambda v: no_control(v) if v is not None else v)


class CompleteIn(Strict):
    step: str = Field(
        min_length=1, max_length=100,
        description="the step the caller completes (the case's current step; if it moved on meanwhile: 409)",
    )  # fmt: skip
    form: dict[FormKey, FormValue] = Field(
        default_factory=dict, max_length=50,
        description="the step's form (its fields by id: text, number, choice), checked against the process",
    )  # fmt: skip

    @field_validator("form")
    @classmethod
    def _form_text(cls, value: dict[str, Any]) -> dict[str, Any]:
        for v in value.values():
            if isinstance(v, str) and len(v) > MAX_COMMENT:
                raise ValueError(f"a text field is longer than {MAX_COMMENT} characters")
        return value


class CommentIn(Strict):
    text: str = Field(min_length=1, max_length=MAX_COMMENT)

    _text = field_validator("text")(no_control)


class AddDocumentIn(Strict):
    doc_id: str = Field(min_length=1, max_length=300, description="a readable document of the case's tenant")


class ReopenIn(Strict):
    reason: str = Field(min_length=1, max_length=MAX_COMMENT, description="why (protocolled and audited)")

    _text = field_validator("reason")(no_control)


class ResubmissionPath(Strict):
    resubmission_id: str = Field(min_length=1, max_length=64)


class ResubmissionsQuery(Strict):
    doc_id: str | None = Field(None, min_length=1, max_length=300, description="only those of this document …")
    case_id: str | None = Field(None, min_length=1, max_length=64, description="… or of this case")


class ResubmissionIn(Strict):
    on: str = Field(
        min_length=1, max_length=40,
        description="the day (`2026-12-10` or `10.12.2026`); a day without work moves to the next working day",
    )  # fmt: skip
    note: str = Field("", max_length=MAX_NOTE)
    doc_id: str | None = Field(None, min_length=1, max_length=300, description="a document …")
    case_id: str | None = Field(None, min_length=1, max_length=64, description="… or a case (exactly one of them)")
    for_: Login | None = Field(None, alias="for", description="a colleague's login (default: the caller)")

    _text = field_validator("note", "on")(no_control)

    @model_validator(mode="after")
    def _one_target(self) -> ResubmissionIn:
        if bool(self.doc_id) == bool(self.case_id):
            raise ValueError("give exactly one of doc_id and case_id")
        return self


class CaseOut(Out):
    id: str
    tenant: str
    process: str
    process_version: str
    step: str = Field(description="the current step, or `closed`")
    status: str = Field(description="open | closed")
    state: str = Field(description="open | overdue | closed")
    doc_ids: list[str]
    customer_id: str | None = None
    assignee: str | None = None
    team: str | None = Field(None, description="the queue (department) the case belongs to")
    department: str | None = None
    role: str | None = None
    due_at: str | None = None
    opened_at: str
    opened_by: str
    closed_at: str | None = None
    decision: str | None = None
    holder_lost: str | None = Field(None, description="why the holder can no longer work it (a message code)")
    protocol: list[dict[str, Any]] = Field(description="every step, claim, hand-over and comment, oldest first")
    links: Links


class CasesOut(Out):
    cases: list[CaseOut]


class ResubmissionOut(Out):
    id: str
    tenant: str
    owner: str
    created_by: str
    due_on: str
    status: str = Field(description="pending | released | done | withdrawn")
    note: str = ""
    doc_id: str | None = None
    case_id: str | None = None
    customer_id: str | None = None
    title: str = ""
    moved_from: str | None = Field(None, description="the day asked for, when it was no working day")
    holiday: str | None = Field(None, description="the holiday it fell on")


class ResubmissionsOut(Out):
    resubmissions: list[ResubmissionOut]


class ResubmissionDoneOut(Out):
    id: str
    status: str = "done"
    changed: bool = Field(description="false when it was done already")


def case_out(c: Case, links: Links) -> CaseOut:
    return CaseOut(
        id=c.case_id, tenant=c.tenant, process=c.process, process_version=c.process_version, step=c.step,
        status=c.status, state=c.state, doc_ids=list(c.doc_ids), customer_id=c.customer_id, assignee=c.assignee,
        team=c.team, department=c.department, role=c.role, due_at=c.due_at, opened_at=c.opened_at,
        opened_by=c.opened_by, closed_at=c.closed_at, decision=c.decision, holder_lost=c.holder_lost,
        protocol=[dict(e) for e in c.protocol], links=links,
    )  # fmt: skip


def resubmission_out(r: Resubmission) -> ResubmissionOut:
    return ResubmissionOut(
        id=r.id, tenant=r.tenant, owner=r.owner, created_by=r.created_by, due_on=r.due_on, status=r.status,
        note=r.note, doc_id=r.doc_id, case_id=r.case_id, customer_id=r.customer_id, title=r.title,
        moved_from=r.moved_from, holiday=r.holiday,
    )  # fmt: skip
