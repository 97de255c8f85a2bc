"""Saved views in Elasticsearch, the way Kibana keeps saved objects: one document per view in ``<prefix>-views``.

Stored document::

    {"kind": "view", "tenant", "owner", "name", "name_sort", "sharing", "share_level", "share_group",
     "scope", "schema_version", "created_at", "updated_at", "body": {<View as JSON>}}

The top-level keyword fields exist for filtering (tenant, visibility, scope); the full view lives in the
unindexed `body`. Reads go through `search.repository` with the bodies of `search.saved` (tenant and
visibility filter by construction); a view the principal may not see is reported as *not found* (its existence
is not revealed). Writes go through `indexing.records`; updates use optimistic concurrency: two editors cannot
silently overwrite each other.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from pydantic import ValidationError

from domain.principal import Principal
from indexing.records import RecordStore, WriteConflict
from search import saved
from search.parse import hits_of
from search.repository import Repository
from views.access import ViewAccessError, ViewConflict, ViewError, ViewNotFound, can_edit, can_see, section_of
from views.model import View, format_validation_error

log = logging.getLogger(__name__)

KIND = "views"


class ViewValidationError(ViewError):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def stored_document(view: View) -> dict[str, Any]:
    return {
        "kind": "view",
        "tenant": view.tenant,
        "owner": view.owner,
        "name": view.name,
        "name_sort": view.name.casefold(),
        "sharing": view.sharing,
        "share_level": view.sharing_level,
        "share_group": view.share_group,
        "scope": view.scope,
        "schema_version": view.schema_version,
        "created_at": view.created_at.isoformat() if view.created_at else None,
        "updated_at": view.updated_at.isoformat() if view.updated_at else None,
        "body": view.stored_dict(),
    }


def _from_hit(hit: dict[str, Any]) -> View | None:
    src = hit.get("_source") or {}
    body = dict(src.get("body") or {})
    body["id"] = hit["_id"]
    body["tenant"] = src.get("tenant")
    body["owner"] = src.get("owner")
    try:
        return View.from_stored(body)
    except ValidationError as exc:  # a broken stored view must not break the listing
        log.warning("view %s cannot be read: %s", hit.get("_id"), exc)
        return None


# ------------------------------------------------------------------------------------------------- reads


def list_views(
    repo: Repository, principal: Principal, *, section: str | None = None, scope: str | None = None
) -> list[View]:
    """Views the principal can see, sorted by name. `section`: mine | department | tenant | admin (None = all
    visible); `scope`: portfolio | dossier (None = both)."""
    body = saved.views_body(principal, scope=scope, include_admin=section in (None, "admin"))
    resp = repo.search_or_empty(KIND, body)
    out = []
    for hit in sorted(hits_of(resp), key=lambda h: ((h["_source"].get("name_sort") or ""), h["_id"])):
        view = _from_hit(hit)
        if view is None or not can_see(view, principal):  # belt and braces: the query and can_see agree
            continue
        if section is not None and section_of(view, principal) != section:
            continue
        out.append(view)
    return out


def list_sections(repo: Repository, principal: Principal) -> dict[str, list[View]]:
    """{"mine": [...], "department": [...], "tenant": [...], "admin": [...]} in one request."""
    out: dict[str, list[View]] = {"mine": [], "department": [], "tenant": [], "admin": []}
    for view in list_views(repo, principal):
        out[section_of(view, principal)].append(view)
    return out


def _get_hit(repo: Repository, view_id: str, principal: Principal) -> tuple[View, dict[str, Any]]:
    hits = hits_of(repo.search_or_empty(KIND, saved.views_by_id_body(principal, [view_id])))
    view = _from_hit(hits[0]) if hits else None
    if view is None or not can_see(view, principal):
        raise ViewNotFound(f"view {view_id!r} not found")
    return view, hits[0]


def get_view(repo: Repository, view_id: str, principal: Principal) -> View:
    return _get_hit(repo, view_id, principal)[0]


def get_views_unchecked(repo: Repository, view_ids: list[str]) -> dict[str, View]:
    """Views by id for the system principal — subscription matching, which checks each subscriber itself."""
    if not view_ids:
        return {}
    out = {}
    for hit in hits_of(repo.search_or_empty(KIND, saved.views_by_id_body(Principal.system(), view_ids))):
        view = _from_hit(hit)
        if view is not None and view.id:
            out[view.id] = view
    return out


# ------------------------------------------------------------------------------------------------- writes


def _validated(data: View | dict[str, Any]) -> View:
    raw = data.model_dump() if isinstance(data, View) else dict(data)
    try:
        return View.model_validate(raw)
    except ValidationError as exc:
        raise ViewValidationError(format_validation_error(exc)) from exc


def _check_sharing(view: View, principal: Principal, previous: View | None = None) -> None:
    group = view.share_group
    if group is None or principal.is_admin:
        return
    if previous is not None and previous.sharing == view.sharing:
        return  # unchanged: an owner who left the group may still edit the view (and is told so)
    if group not in principal.memberships:
        raise ViewAccessError(f"you can only share with your own groups or department, not {group!r}")


def create_view(
    store: RecordStore,
    view: View | dict[str, Any],
    principal: Principal,
    *,
    tenant: str | None = None,
    now: dt.datetime | None = None,
) -> View:
    """Save a new view owned by the principal in `tenant` (default: the view's tenant or the principal's
    only/first tenant). An explicit `view.id` that exists already raises ViewConflict."""
    v = _validated(view)
    tenant = tenant or v.tenant or principal.default_tenant
    if tenant is None or tenant not in principal.tenants:
        raise ViewAccessError(f"you cannot create views in tenant {tenant!r}")
    _check_sharing(v, principal)
    stamp = _now(now)
    v = v.model_copy(
        update={
            "id": v.id or uuid.uuid4().hex[:20],
            "owner": principal.login,
            "tenant": tenant,
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    try:
        store.put(KIND, v.id, stored_document(v), create=True)
    except WriteConflict as exc:
        raise ViewConflict(f"a view with id {v.id!r} exists already") from exc
    return v


def update_view(
    repo: Repository,
    store: RecordStore,
    view_id: str,
    changes: View | dict[str, Any],
    principal: Principal,
    *,
    now: dt.datetime | None = None,
) -> View:
    """Replace the editable parts of a view (owner or admin only). `changes` is a full View or a dict of the
    fields to change. Owner, tenant, id and created_at never change."""
    current, hit = _get_hit(repo, view_id, principal)
    if not can_edit(current, principal):
        raise ViewAccessError(f"the view {current.name!r} is read-only for you (only its owner or an admin edits it)")
    data = changes.model_dump() if isinstance(changes, View) else dict(changes)
    merged = current.model_dump() | {k: v for k, v in data.items() if k not in ("id", "owner", "tenant", "created_at")}
    merged.update(id=current.id, owner=current.owner, tenant=current.tenant, created_at=current.created_at)
    merged["schema_version"] = View.model_fields["schema_version"].default
    new = _validated(merged)
    _check_sharing(new, principal, previous=current)
    new = new.model_copy(update={"updated_at": _now(now)})
    try:
        store.put(KIND, view_id, stored_document(new), if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
    except WriteConflict as exc:
        raise ViewConflict("the view was changed by someone else meanwhile; reload it and try again") from exc
    return new


def delete_view(repo: Repository, store: RecordStore, view_id: str, principal: Principal) -> View:
    """Delete a view (owner or admin). Its subscriptions are the caller's to delete (`app.views`)."""
    current = get_view(repo, view_id, principal)
    if not can_edit(current, principal):
        raise ViewAccessError(f"the view {current.name!r} is read-only for you")
    store.delete(KIND, view_id)
    return current


def put_view_unchecked(store: RecordStore, view: View) -> View:
    """Write a complete view as is (seeding, migrations). No permission checks: not for request handlers."""
    if not (view.id and view.owner and view.tenant):
        raise ValueError("put_view_unchecked needs id, owner and tenant")
    store.put(KIND, view.id, stored_document(view))
    return view
