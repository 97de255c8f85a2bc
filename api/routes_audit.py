"""The audit trail through the API: a filtered page (JSON) and every matching entry (CSV). Needs `audit`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from flask import Response, request, stream_with_context
from flask_openapi3 import APIBlueprint, Tag
from pydantic import Field

from api import models as M
from api.deps import Deps, json_response, link_header
from app import audit_read
from app.audit_read import MAX_CSV_ROWS, AuditEntry
from app.audit_urls import audit_query_string, cursor_text, parse_cursor
from search.audit import AuditQuery

AUDIT = Tag(name="audit", description="The audit trail of the caller's tenants (compliance, administrators)")
CURSOR = r"^-?\d{1,19}_-?\d{1,19}$"
Action = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")]
Value = Annotated[str | None, Field(max_length=300)]


class AuditFilters(M.Strict):
    user: Value = None
    doc_id: Value = None
    customer_id: Value = None
    action: Annotated[list[Action], Field(max_length=30)] = Field([], description="any of these actions (repeat)")
    date_from: dt.date | None = Field(None, description="first day (inclusive, the deployment's time zone)")
    date_to: dt.date | None = Field(None, description="last day (inclusive)")
    tenant: Value = None

    def to_query(self, **page: Any) -> AuditQuery:
        return AuditQuery(
            user=self.user or None, doc_id=self.doc_id or None, customer_id=self.customer_id or None,
            actions=tuple(sorted(set(self.action))), date_from=self.date_from, date_to=self.date_to,
            tenant=self.tenant or None, **page,
        )  # fmt: skip


class AuditPageQuery(AuditFilters):
    size: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=50, pattern=CURSOR, description="the `next_cursor` of the page before")


class AuditCsvQuery(AuditFilters):
    limit: int = Field(MAX_CSV_ROWS, ge=1, le=MAX_CSV_ROWS)


class AuditEntryLinks(M.Out):
    document: str | None = None
    customer: str | None = None
    cockpit_document: str | None = None


class AuditEntryOut(M.Out):
    id: str
    created_at: str
    action: str
    tenant: str | None = None
    owner: str | None = Field(None, description="the login who acted (`api:<name>` for an integration's key)")
    actor_name: str | None = None
    principal_kind: str | None = Field(None, description="user | api_client | system")
    key_name: str | None = None
    roles: list[str] = []
    ip: str | None = None
    user_agent: str | None = None
    outcome: str | None = None
    doc_id: str | None = None
    customer_id: str | None = None
    view_id: str | None = None
    query: str | None = None
    filters: str | None = None
    hits: int | None = None
    rows: int | None = None
    seq: int | None = None
    hash: str | None = None
    via: str | None = Field(None, description="the door it came through: cockpit | api | cli | worker")
    target: str | None = Field(
        None, description="what the action was on: a legal hold's subject, a changed user's login"
    )
    details: dict[str, Any] = Field({}, description="the entry's other details")
    links: AuditEntryLinks


class AuditPageLinks(M.Out):
    self: str
    next: str | None = None
    cockpit: str = Field(description="the same filters on the cockpit's audit page")


class AuditPageOut(M.Out):
    entries: list[AuditEntryOut]
    total: int
    total_exact: bool = Field(description="false: more than `total` entries match (counted up to 10,000)")
    next_cursor: str | None = None
    links: AuditPageLinks


def entry_out(e: AuditEntry, deps: Deps) -> AuditEntryOut:
    links = AuditEntryLinks()
    if e.doc_id:
        links = AuditEntryLinks(document=deps.links.api(f"/documents/{quote(e.doc_id, safe='')}"),
                                cockpit_document=deps.links.page(f"/document/{quote(e.doc_id, safe='')}"))  # fmt: skip
    if e.customer_id:
        links.customer = deps.links.api(f"/customers/{quote(e.customer_id, safe='')}")
    return AuditEntryOut(
        id=e.id, created_at=e.created_at, action=e.action, tenant=e.tenant, owner=e.owner, actor_name=e.actor_name,
        principal_kind=e.principal_kind, key_name=e.key_name, roles=list(e.roles), ip=e.ip, user_agent=e.user_agent,
        outcome=e.outcome, doc_id=e.doc_id, customer_id=e.customer_id, view_id=e.view_id, query=e.query,
        filters=e.filters, hits=e.hits, rows=e.rows, seq=e.seq, hash=e.hash, via=e.via,
        target=e.target, details=dict(e.body), links=links,
    )  # fmt: skip


def add_audit_routes(bp: APIBlueprint, deps: Deps) -> None:
    @bp.get("/audit", tags=[AUDIT], responses={200: AuditPageOut}, summary="Read the audit trail")
    def audit_trail(query: AuditPageQuery) -> Response:
        """Entries of the caller's tenants, newest first, filtered by person, document, customer, actions,
        period and tenant; page on with `next_cursor`. Needs the `audit` capability."""
        q = query.to_query(size=query.size, after=parse_cursor(query.cursor))
        page = audit_read.trail(deps.ctx, deps.principal, q)
        cursor = cursor_text(page.older) if page.older is not None else None
        args = request.args.to_dict(flat=False)
        next_link = deps.links.api("/audit", {**args, "cursor": cursor}) if cursor else None
        qs = audit_query_string(q, page=False)
        body = AuditPageOut(
            entries=[entry_out(e, deps) for e in page.entries], total=page.total, total_exact=page.total_exact,
            next_cursor=cursor,
            links=AuditPageLinks(self=deps.links.api("/audit", args), next=next_link,
                                 cockpit=deps.links.page("/audit") + (f"?{qs}" if qs else "")),
        )  # fmt: skip
        return json_response(body, headers=link_header(next=next_link))

    @bp.get(
        "/audit.csv",
        tags=[AUDIT],
        summary="Export the audit trail as CSV",
        responses={200: {"description": "every matching entry, newest first (UTF-8 with BOM, `;`)",
                         "content": {"text/csv": {"schema": {"type": "string"}}}}},
    )  # fmt: skip
    def audit_csv(query: AuditCsvQuery) -> Response:
        """Every entry matching the filters (at most `limit`), streamed; the export itself is audited. Needs the
        `audit` capability."""
        chunks = audit_read.trail_csv(deps.ctx, deps.principal, query.to_query(), limit=query.limit)
        stamp = dt.date.today().isoformat()
        return Response(stream_with_context(chunks), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'})  # fmt: skip
