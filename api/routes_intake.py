"""Intake through the API: push a document (multipart), follow its job."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from api import models as M
from api.deps import Deps, json_response
from app import intake
from app.jobs import Job
from domain.errors import Invalid
from i18n import t

INTAKE = Tag(name="intake", description="Push documents in; follow their jobs until they are searchable")


def job_out(job: Job, deps: Deps) -> M.JobOut:
    doc = quote(job.doc_id, safe="") if job.doc_id else None
    message = None
    if job.state == "failed":
        message = job.reason or t(f"intake.outcome.{job.outcome or 'failed'}", deps.lang)
    return M.JobOut(
        id=job.id, state=job.state, outcome=job.outcome or None, doc_id=job.doc_id or None, tenant=job.tenant,
        channel=job.channel, file_name=job.file_name, sha256=job.sha256, size=job.size,
        reason_code=job.reason_code or None, message=message, created_at=job.created_at,
        finished_at=job.finished_at or None,
        links=M.JobLinks(
            self=deps.links.api(f"/jobs/{job.id}"),
            document=deps.links.api(f"/documents/{doc}") if doc else None,
            cockpit=deps.links.page(f"/document/{doc}") if doc else None,
        ),
    )  # fmt: skip


def add_intake_routes(bp: APIBlueprint, deps: Deps) -> None:
    @bp.post("/documents", tags=[INTAKE], responses={202: M.JobOut}, summary="Push a document")
    def push_document(form: M.DocumentUpload) -> Response:
        """Store the file durably and queue it for indexing; answers 202 with the job (follow `links.self`).
        The tenant is the key's. Idempotent: the same content pushed again by the same key (and the same
        `source_system`/`source_doc_id`) returns the first job. Needs the `upload` capability."""
        if form.file is None or not hasattr(form.file, "read"):  # a part without a file name arrives as text
            raise Invalid("intake.error.no_file")
        data = form.file.read()
        digest = hashlib.sha256(data).hexdigest()
        key = f"api:{deps.principal.login}:{form.source_system or ''}:{form.source_doc_id or ''}:{digest}"
        upload = intake.Upload(
            data=data, file_name=form.file.filename or "upload", customer_id=form.customer_id,
            register=form.register_, source_system=form.source_system, source_doc_id=form.source_doc_id, key=key,
        )  # fmt: skip
        job = intake.submit(deps.ctx, deps.principal, upload, channel="api", tenant=form.tenant)
        out = job_out(job, deps)
        return json_response(out, status=202, headers={"Location": out.links.self})

    @bp.get("/jobs/<job_id>", tags=[INTAKE], responses={200: M.JobOut}, summary="One intake job")
    def get_job(path: M.JobPath) -> Response:
        """Where a pushed document is: queued, running, done (with the document) or failed (with the reason)."""
        return json_response(job_out(intake.job(deps.ctx, deps.principal, path.job_id), deps))
