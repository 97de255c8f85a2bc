"""Views in Elasticsearch, the way Kibana keeps saved objects: one document per view in ``<prefix>-views``.

Stored document::

    {"kind": "view", "tenant", "owner", "name", "name_sort", "sharing", "share_level", "share_group",
     "scope", "schema_version", "created_at", "updated_at", "body": {<View as JSON>}}

The top-level keyword fields exist for filtering (tenant, visibility, scope); the full view lives in the
unindexed `body` (schema.generic_mapping). Every read is filtered by the viewer's tenants and the visibility
rules of `views.access`; a view the viewer may not see is reported as *not found* (its existence is not
revealed). Updates use optimistic concurrency (if_seq_no/if_primary_term): two editors cannot silently
overwrite each other.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError
from pydantic import ValidationError

from indexing import store as istore
from indexing.schema import alias_name
from views.access import ViewAccessError, ViewConflict, ViewError, ViewNotFound, can_edit, can_see, section_of
from views.model import View, format_validation_error
from views.users import Viewer

log = logging.getLogger(__name__)

KIND = "views"
MAX_VIEWS = 2000  # per listing; a tenant with more views needs paging in the UI


class ViewValidationError(ViewError):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def views_index(prefix: str) -> str:
    return alias_name(prefix, KIND)


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


def visibility_query(viewer: Viewer, *, include_admin: bool = True) -> dict[str, Any]:
    """The Elasticsearch form of `views.access.can_see` (used for listings)."""
    if not viewer.tenants or not viewer.active:
        return {"match_none": {}}
    flt: list[dict[str, Any]] = [{"term": {"kind": "view"}}, {"terms": {"tenant": sorted(viewer.tenants)}}]
    if viewer.is_admin and include_admin:
        return {"bool": {"filter": flt}}
    should: list[dict[str, Any]] = [{"term": {"owner": viewer.login}}, {"term": {"sharing": "tenant"}}]
    if viewer.memberships:
        should.append({"terms": {"share_group": sorted(viewer.memberships)}})
    return {"bool": {"filter": flt, "should": should, "minimum_should_match": 1}}


# ------------------------------------------------------------------------------------------------- reads


def list_views(
    es: Elasticsearch,
    prefix: str,
    viewer: Viewer | Any,
    *,
    section: str | None = None,
    scope: str | None = None,
) -> list[View]:
    """Views the viewer can see, sorted by name. `section`: mine | department | tenant | admin (None = all
    visible); `scope`: portfolio | dossier (None = both)."""
    viewer = Viewer.of(viewer)
    index = views_index(prefix)
    if not es.indices.exists_alias(name=index):
        return []
    query = visibility_query(viewer, include_admin=section in (None, "admin"))
    if scope is not None:
        query = {"bool": {"filter": [query, {"term": {"scope": scope}}]}}
    resp = es.search(
        index=index, query=query, size=MAX_VIEWS, sort=[{"name_sort": {"order": "asc", "unmapped_type": "keyword"}}]
    )
    out = []
    for hit in sorted(resp["hits"]["hits"], key=lambda h: ((h["_source"].get("name_sort") or ""), h["_id"])):
        view = _from_hit(hit)
        if view is None or not can_see(view, viewer):  # belt and braces: the query and can_see agree
            continue
        if section is not None and section_of(view, viewer) != section:
            continue
        out.append(view)
    return out


def list_sections(es: Elasticsearch, prefix: str, viewer: Viewer | Any) -> dict[str, list[View]]:
    """{"mine": [...], "department": [...], "tenant": [...], "admin": [...]} in one request."""
    viewer = Viewer.of(viewer)
    out: dict[str, list[View]] = {"mine": [], "department": [], "tenant": [], "admin": []}
    for view in list_views(es, prefix, viewer):
        out[section_of(view, viewer)].append(view)
    return out


def _get_raw(es: Elasticsearch, prefix: str, view_id: str) -> dict[str, Any] | None:
    try:
        return dict(es.get(index=views_index(prefix), id=view_id))
    except NotFoundError:
        return None


def get_view(es: Elasticsearch, prefix: str, view_id: str, viewer: Viewer | Any) -> View:
    viewer = Viewer.of(viewer)
    raw = _get_raw(es, prefix, view_id)
    view = _from_hit(raw) if raw else None
    if view is None or not can_see(view, viewer):
        raise ViewNotFound(f"view {view_id!r} not found")
    return view


def get_views_unchecked(es: Elasticsearch, prefix: str, view_ids: list[str]) -> dict[str, View]:
    """Views by id without a permission check — for subscription matching, which checks per subscriber."""
    if not view_ids:
        return {}
    try:
        resp = es.mget(index=views_index(prefix), ids=sorted(set(view_ids)))
    except NotFoundError:
        return {}
    out = {}
    for doc in resp["docs"]:
        if doc.get("found"):
            view = _from_hit(doc)
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


def _check_sharing(view: View, viewer: Viewer, previous: View | None = None) -> None:
    group = view.share_group
    if group is None or viewer.is_admin:
        return
    if previous is not None and previous.sharing == view.sharing:
        return  # unchanged: an owner who left the group may still edit the view (and is told so)
    if group not in viewer.memberships:
        raise ViewAccessError(f"you can only share with your own groups or department, not {group!r}")


def create_view(
    es: Elasticsearch,
    prefix: str,
    view: View | dict[str, Any],
    viewer: Viewer | Any,
    *,
    tenant: str | None = None,
    now: dt.datetime | None = None,
) -> View:
    """Save a new view owned by the viewer in `tenant` (default: the view's tenant or the viewer's only/first
    tenant). An explicit `view.id` that exists already raises ViewConflict."""
    viewer = Viewer.of(viewer)
    v = _validated(view)
    tenant = tenant or v.tenant or viewer.default_tenant
    if tenant is None or tenant not in viewer.tenants:
        raise ViewAccessError(f"you cannot create views in tenant {tenant!r}")
    _check_sharing(v, viewer)
    stamp = _now(now)
    v = v.model_copy(
        update={
            "id": v.id or uuid.uuid4().hex[:20],
            "owner": viewer.login,
            "tenant": tenant,
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    istore.ensure_index(es, prefix, KIND)
    try:
        es.index(index=views_index(prefix), id=v.id, document=stored_document(v), op_type="create", refresh=True)
    except ConflictError as exc:
        raise ViewConflict(f"a view with id {v.id!r} exists already") from exc
    return v


def update_view(
    es: Elasticsearch,
    prefix: str,
    view_id: str,
    changes: View | dict[str, Any],
    viewer: Viewer | Any,
    *,
    now: dt.datetime | None = None,
) -> View:
    """Replace the editable parts of a view (owner or admin only). `changes` is a full View or a dict of the
    fields to change. Owner, tenant, id and created_at never change."""
    viewer = Viewer.of(viewer)
    raw = _get_raw(es, prefix, view_id)
    current = _from_hit(raw) if raw else None
    if current is None or not can_see(current, viewer):
        raise ViewNotFound(f"view {view_id!r} not found")
    if not can_edit(current, viewer):
        raise ViewAccessError(f"the view {current.name!r} is read-only for you (only its owner or an admin edits it)")
    data = changes.model_dump() if isinstance(changes, View) else dict(changes)
    merged = current.model_dump() | {k: v for k, v in data.items() if k not in ("id", "owner", "tenant", "created_at")}
    merged.update(id=current.id, owner=current.owner, tenant=current.tenant, created_at=current.created_at)
    merged["schema_version"] = View.model_fields["schema_version"].default
    new = _validated(merged)
    _check_sharing(new, viewer, previous=current)
    new = new.model_copy(update={"updated_at": _now(now)})
    assert raw is not None
    try:
        es.index(
            index=views_index(prefix),
            id=view_id,
            document=stored_document(new),
            if_seq_no=raw["_seq_no"],
            if_primary_term=raw["_primary_term"],
            refresh=True,
        )
    except ConflictError as exc:
        raise ViewConflict("the view was changed by someone else meanwhile; reload it and try again") from exc
    return new


def delete_view(es: Elasticsearch, prefix: str, view_id: str, viewer: Viewer | Any) -> None:
    """Delete a view (owner or admin) and its subscriptions. Notifications already sent stay in the inboxes."""
    viewer = Viewer.of(viewer)
    raw = _get_raw(es, prefix, view_id)
    current = _from_hit(raw) if raw else None
    if current is None or not can_see(current, viewer):
        raise ViewNotFound(f"view {view_id!r} not found")
    if not can_edit(current, viewer):
        raise ViewAccessError(f"the view {current.name!r} is read-only for you")
    es.options(ignore_status=404).delete(index=views_index(prefix), id=view_id, refresh=True)
    from views.subscriptions import delete_subscriptions_of_view

    delete_subscriptions_of_view(es, prefix, view_id)


def put_view_unchecked(es: Elasticsearch, prefix: str, view: View) -> View:
    """Write a complete view as is (seeding, migrations). No permission checks: not for request handlers."""
    if not (view.id and view.owner and view.tenant):
        raise ValueError("put_view_unchecked needs id, owner and tenant")
    istore.ensure_index(es, prefix, KIND)
    es.index(index=views_index(prefix), id=view.id, document=stored_document(view), refresh=True)
    return view
