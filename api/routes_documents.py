"""Documents (metadata, text, passages, original, similar), saved views and notifications."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag

from api import convert
from api import models as M
from api.deps import MAX_PAGE_ITEMS, Deps, json_response, link_header
from app import documents, views
from app import notifications as notes
from views.model import View

DOCUMENTS = Tag(name="documents", description="Documents, their text, passages, original and similar documents")
VIEWS = Tag(name="views", description="Saved views and their results")
NOTIFICATIONS = Tag(name="notifications", description="The caller's notifications from subscribed views")
NOT_MODIFIED: dict[str | int, Any] = {304: {"description": "not modified (the ETag given in If-None-Match is current)"}}
BINARY: dict[str | int, Any] = {
    200: {"description": "the original file", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}
}


def _safe_mime(mime: str) -> str:
    """Never let an original be rendered as active content by a browser."""
    mime = (mime or "").split(";")[0].strip().lower()
    if not mime or "/" not in mime or any(x in mime for x in ("html", "svg", "xml", "javascript")):
        return "application/octet-stream"
    return mime


def _view_out(v: View, deps: Deps) -> M.ViewOut:
    vid = quote(v.id or "", safe="")
    return M.ViewOut(
        id=v.id or "", name=v.name, description=v.description, scope=v.scope, sharing=v.sharing, owner=v.owner,
        tenant=v.tenant,
        links={"results": deps.links.api(f"/views/{vid}/results"), "cockpit": deps.links.page("/views", {"view": v.id})},
    )  # fmt: skip


def add_document_routes(bp: APIBlueprint, deps: Deps) -> None:
    @bp.get("/documents/<doc_id>", tags=[DOCUMENTS], responses={200: M.DocumentOut, **NOT_MODIFIED},
            summary="One document")  # fmt: skip
    def get_document(path: M.DocumentPath) -> Response:
        """Metadata, customers, versions and filing reasons, with an ETag (answer 304 to If-None-Match)."""
        body = convert.document(documents.document(deps.ctx, deps.principal, path.doc_id), deps.links)
        data = body.model_dump_json()
        etag = hashlib.sha256(data.encode()).hexdigest()[:32]
        fresh = etag in request.if_none_match
        resp = Response(status=304) if fresh else Response(data, mimetype="application/json")
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = "private, no-cache"
        return resp

    @bp.get("/documents/<doc_id>/text", tags=[DOCUMENTS], responses={200: M.TextOut}, summary="The document's text")
    def get_text(path: M.DocumentPath, query: M.DocumentQuery) -> Response:
        """The extracted text (at most 200,000 characters), the terms of `q` marked."""
        return json_response(convert.text(documents.document(deps.ctx, deps.principal, path.doc_id, query.q)))

    @bp.get("/documents/<doc_id>/passages", tags=[DOCUMENTS], responses={200: M.PassagesOut}, summary="Passages")
    def get_passages(path: M.DocumentPath) -> Response:
        found = documents.passages(deps.ctx, deps.principal, path.doc_id)
        return json_response(
            M.PassagesOut(doc_id=path.doc_id, passages=[M.PassageOut(ord=o, text=t) for o, t in found])
        )

    @bp.get("/documents/<doc_id>/original", tags=[DOCUMENTS], responses=BINARY, summary="Download the original")
    def get_original(path: M.DocumentPath) -> Response:
        """The original bytes (SHA-256 verified), as an attachment; never rendered as active content."""
        orig = documents.original(deps.ctx, deps.principal, path.doc_id)
        name = orig.file_name.replace('"', "").replace("\r", "").replace("\n", "")
        resp = Response(orig.data, mimetype=_safe_mime(orig.mime_type))
        resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
        resp.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        resp.headers["Cache-Control"] = "private, no-store"
        resp.set_etag(orig.sha256)
        return resp

    @bp.get("/documents/<doc_id>/similar", tags=[DOCUMENTS], responses={200: M.HitsOut}, summary="Similar documents")
    def get_similar(path: M.DocumentPath, query: M.SimilarQuery) -> Response:
        return json_response(
            convert.hits(documents.similar(deps.ctx, deps.principal, path.doc_id, query.k), deps.links)
        )


def add_view_routes(bp: APIBlueprint, deps: Deps) -> None:
    @bp.get("/views", tags=[VIEWS], responses={200: M.ViewsOut}, summary="Saved views the caller can see")
    def list_views() -> Response:
        found = views.list_views(deps.ctx, deps.principal)
        return json_response(M.ViewsOut(views=[_view_out(v, deps) for v in found]))

    @bp.get("/views/<view_id>/results", tags=[VIEWS], responses={200: M.ViewResultsOut}, summary="Run a view")
    def run_view(path: M.ViewPath, query: M.ViewResultsQuery) -> Response:
        """The view compiled for the caller (their customers, department, permissions), its relative dates
        resolved now; a dossier-scoped view needs `customer`."""
        fp = {"view": path.view_id, "customer": query.customer, "size": query.size}
        page = deps.cursors.page(query.cursor, fp, max_page=MAX_PAGE_ITEMS // query.size)
        run = views.run_view(deps.ctx, deps.principal, path.view_id, customer_id=query.customer, page=page,
                             size=query.size, facets=())  # fmt: skip
        result = run.result
        total = run.total
        more = result is not None and page * query.size < min(result.total, MAX_PAGE_ITEMS)
        cursor = deps.cursors.make(fp, page + 1) if more else None
        args = request.args.to_dict(flat=False)
        next_link = (
            deps.links.api(f"/views/{quote(path.view_id, safe='')}/results", {**args, "cursor": cursor})
            if cursor
            else None
        )
        msgs = [convert.message(m.as_message(), deps.lang) for m in run.messages]
        if result is not None:
            msgs += [convert.message(m, deps.lang) for m in result.messages]
        body = M.ViewResultsOut(
            view=_view_out(run.view, deps), total=total,
            hits=[convert.hit(h, deps.links) for h in (result.hits if result else [])], messages=msgs,
            next_cursor=cursor,
            links=M.Links(self=deps.links.api(f"/views/{quote(path.view_id, safe='')}/results", args), next=next_link,
                          cockpit=deps.links.page("/views", {"view": path.view_id, **({"customer": query.customer} if query.customer else {})})),
        )  # fmt: skip
        return json_response(body, headers=link_header(next=next_link))


def add_notification_routes(bp: APIBlueprint, deps: Deps) -> None:
    @bp.get("/notifications", tags=[NOTIFICATIONS], responses={200: M.NotificationsOut}, summary="My notifications")
    def list_notifications(query: M.NotificationsQuery) -> Response:
        items, total = notes.notifications(deps.ctx, deps.principal, unread_only=query.unread, size=query.size,
                                           page=query.page)  # fmt: skip
        unread = notes.unread_count(deps.ctx, deps.principal)
        args = request.args.to_dict(flat=False)
        more = query.page * query.size < total and query.page < 200
        next_link = deps.links.api("/notifications", {**args, "page": query.page + 1}) if more else None
        out = [
            M.NotificationOut(
                id=n.id,
                view_id=n.view_id,
                view_name=n.view_name,
                doc_id=n.doc_id,
                title=n.title,
                customer_ids=list(n.customer_ids),
                register=n.register,
                doc_date=n.doc_date,
                created_at=n.created_at,
                read=n.read,
                available=n.available,
                links={
                    "document": deps.links.api(f"/documents/{quote(n.doc_id, safe='')}"),
                    "cockpit": deps.links.page(f"/document/{quote(n.doc_id, safe='')}"),
                },
            )  # fmt: skip
            for n in items
        ]
        body = M.NotificationsOut(notifications=out, total=total, unread=unread,
                                  links=M.Links(self=deps.links.api("/notifications", args), next=next_link,
                                                cockpit=deps.links.page("/inbox")))  # fmt: skip
        return json_response(body, headers=link_header(next=next_link))

    @bp.post("/notifications/read", tags=[NOTIFICATIONS], responses={200: M.MarkedOut}, summary="Mark read")
    def mark_read(body: M.MarkRead) -> Response:
        """Mark the caller's notifications read (or unread); `ids` omitted: all unread ones. Others' are untouched."""
        n = notes.mark_read(deps.ctx, deps.principal, body.ids, read=body.read)
        return json_response(M.MarkedOut(marked=n))
