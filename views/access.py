"""Who may see and who may edit a view. Pure.

- Every view belongs to one tenant; nobody sees a view of a tenant they were not given (admins included).
- The owner sees their views, whatever the sharing.
- ``tenant``: every user of the tenant sees it; ``group:<name>``: members of that group or department;
  ``private``: the owner only. Admins of the tenant see every view of it (they manage them).
- Only the owner or an admin of the view's tenant edits or deletes; shared views are read-only for others.
"""

from __future__ import annotations

from typing import Any

from domain.errors import AppError
from domain.principal import Principal
from views.model import View


class ViewError(AppError):
    """A problem with a view (not found, not allowed, invalid): a code for the front doors plus the detail."""

    status = 422
    code_for = "views.error"

    def __init__(self, detail: str = "", **params: Any) -> None:
        super().__init__(self.code_for, error=detail, **params)
        self.detail = detail

    def __str__(self) -> str:
        return self.detail or self.code


class ViewNotFound(ViewError):
    status = 404
    code_for = "views.notfound"


class ViewAccessError(ViewError):
    status = 403


class ViewConflict(ViewError):
    status = 409


class DossierRequired(ViewError):
    """A dossier-scoped view was run without a customer."""

    code_for = "views.msg.dossier_required"


def in_tenant(view: View, viewer: Principal) -> bool:
    return view.tenant is not None and view.tenant in viewer.tenants and viewer.active


def can_see(view: View, viewer: Principal) -> bool:
    if not in_tenant(view, viewer):
        return False
    if view.owner == viewer.login or viewer.is_admin:
        return True
    if view.sharing == "tenant":
        return True
    group = view.share_group
    return group is not None and group in viewer.memberships


def can_edit(view: View, viewer: Principal) -> bool:
    return in_tenant(view, viewer) and (view.owner == viewer.login or viewer.is_admin)


def section_of(view: View, viewer: Principal) -> str:
    """Where a visible view is listed for this viewer: mine | department | tenant | admin."""
    if view.owner == viewer.login:
        return "mine"
    group = view.share_group
    if group is not None and group in viewer.memberships:
        return "department"
    if view.sharing == "tenant":
        return "tenant"
    return "admin"  # visible only because the viewer is an admin
