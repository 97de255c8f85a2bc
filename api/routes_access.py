"""Temporary grants and confidential documents: list the grants on a dossier or a document, give one, revoke
one; mark a document confidential for named users and groups, or lift it. Thin adapters over `app.grants` and
`app.confidential`; giving, revoking and marking need the `grant` capability (a key created with it, or the
cockpit session of a manager/admin), listing needs only to see the dossier or document."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag

from api import models as M
from api import models_access as MA
from api.deps import Deps, json_response
from app import confidential, grants

ACCESS = Tag(name="access", description="Temporary grants on dossiers and documents, confidential documents")


def _revoke_reason(query: MA.RevokeIn) -> str:
    """The reason of a revocation: the query's `reason`, else a JSON body's (`{"reason": "…"}`)."""
    if query.reason or not request.get_data(cache=True):
        return query.reason
    return MA.RevokeIn.model_validate(request.get_json(silent=True) or {}).reason


def add_access_routes(bp: APIBlueprint, deps: Deps) -> None:
    @bp.get("/customers/<customer_id>/grants", tags=[ACCESS], responses={200: MA.GrantsOut},
            summary="Grants on a dossier")  # fmt: skip
    def get_customer_grants(path: M.CustomerPath, query: MA.GrantsQuery) -> Response:
        """The temporary grants on a customer's dossier (every state: active, pending, expired, revoked), newest
        first; a dossier the caller cannot see is not found."""
        found = grants.on_dossier(deps.ctx, deps.principal, path.customer_id, query.tenant)
        return json_response(MA.GrantsOut(grants=[MA.grant_out(g) for g in found]))

    @bp.get("/documents/<doc_id>/grants", tags=[ACCESS], responses={200: MA.GrantsOut},
            summary="Grants on a document")  # fmt: skip
    def get_document_grants(path: M.DocumentPath) -> Response:
        """The temporary grants on a document (any of its versions), every state; a document the caller cannot
        read is not found."""
        found = grants.on_document_id(deps.ctx, deps.principal, path.doc_id)  # not found unless readable
        return json_response(MA.GrantsOut(grants=[MA.grant_out(g) for g in found]))

    @bp.post("/grants", tags=[ACCESS], responses={201: MA.GrantOut}, summary="Give a temporary grant")
    def post_grant(body: MA.GrantIn) -> Response:
        """Give a user or a group read access to a dossier (`customer_id`) or one document (`doc_id`) until a day
        or a moment (at most a year); the reason is required and audited."""
        g = grants.give(deps.ctx, deps.principal, grantee_kind=body.grantee_kind, grantee=body.grantee,
                        until=body.until, reason=body.reason, customer_id=body.customer_id, doc_id=body.doc_id,
                        tenant=body.tenant, valid_from=body.valid_from)  # fmt: skip
        location = deps.links.api(f"/grants/{quote(g.grant_id, safe='')}")
        return json_response(MA.grant_out(g), status=201, headers={"Location": location})

    @bp.delete("/grants/<grant_id>", tags=[ACCESS], responses={200: MA.GrantOut}, summary="Revoke a grant")
    def delete_grant(path: MA.GrantPath, query: MA.RevokeIn) -> Response:
        """End a grant now (optional `reason`, in the query or a JSON body); the record stays with who revoked
        it, when and why."""
        g = grants.revoke(deps.ctx, deps.principal, path.grant_id, reason=_revoke_reason(query))
        return json_response(MA.grant_out(g))

    @bp.put("/documents/<doc_id>/confidential", tags=[ACCESS], responses={200: MA.ConfidentialityOut},
            summary="Mark a document confidential")  # fmt: skip
    def put_confidential(path: M.DocumentPath, body: MA.ConfidentialIn) -> Response:
        """Restrict a document (all its versions) to these users and groups of its tenant (the caller is always
        named); the register's groups, admins and dossier grants no longer count."""
        c = confidential.mark(deps.ctx, deps.principal, path.doc_id, users=body.users, groups=body.groups)
        return json_response(MA.confidentiality_out(c))

    @bp.delete("/documents/<doc_id>/confidential", tags=[ACCESS], responses={200: MA.ConfidentialityOut},
               summary="Lift a document's confidentiality")  # fmt: skip
    def delete_confidential(path: M.DocumentPath) -> Response:
        """The document follows its register's rights again."""
        return json_response(MA.confidentiality_out(confidential.lift(deps.ctx, deps.principal, path.doc_id)))
