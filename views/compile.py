"""View + viewer + now → SearchRequest. Pure: the clock and the viewer's customer lists are arguments.

`compile_view(view, viewer, now, customer_id=None, my_customers=None, department_customers=None)`

- relative dates are resolved in the configured time zone (`views.dates`) into the request's date range;
- viewer-relative filters are resolved *for the viewer*: "my customers" = the customer ids where the viewer
  is account manager, "my department" = the customers looked after by the viewer's department (the caller
  looks both up in the customers index: `app.views`);
- a dossier-scoped view runs inside the dossier it is opened from (`customer_id`), raising
  `DossierRequired` without one;
- all customer restrictions (the view's own customer filter, my customers, my department, the dossier) are
  intersected; an empty intersection matches nothing (never everything).

What went wrong is reported, not raised (`CompiledView.messages`), so an old view still opens:

- a filter/date field/grouping/sort/column that no longer exists is dropped with a message. Dropping a
  *filter* or the *date range* can make the view broader than its author meant: `degraded` is set, and
  subscription matching does not notify from a degraded view (no flood of notifications);
- a facet value that no longer exists (an unknown register, a deleted customer) is kept — it simply matches
  nothing, so the view gets narrower, never broader — and reported;
- a view shared with a group its owner has left is reported to the owner (others no longer see it:
  `views.access.can_see`, which `compile_view` enforces with `ViewAccessError`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.errors import Message
from domain.principal import Principal
from indexing.schema import REGISTERS
from search.request import DATE_FIELDS, FACET_FIELDS, GROUP_BYS, SORTS, DateRange, SearchRequest
from views.access import DossierRequired, ViewAccessError, can_see
from views.dates import DEFAULT_TZ, resolve, to_es_bounds
from views.model import COLUMNS, View

NO_MATCH = "__no_match__"  # a customer id no document has: "matches nothing"

# facet values the schema knows; anything else in a saved view no longer exists
KNOWN_VALUES: dict[str, frozenset[str]] = {
    "register": frozenset(REGISTERS),
    "status": frozenset({"open", "closed", "n/a"}),
    "filing.status": frozenset({"auto", "review", "manual"}),
    "source_kind": frozenset({"file", "email", "attachment", "erp", "upload"}),
    "case_state": frozenset({"open", "overdue", "closed"}),
}


@dataclass(frozen=True)
class ViewMessage:
    """A note for the viewer: a code (translated at the edge as ``views.msg.<code>``) and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    degrades: bool = False  # the view runs broader than saved

    def as_message(self) -> Message:
        return Message(f"views.msg.{self.code}", self.params)


@dataclass(frozen=True)
class CompiledView:
    request: SearchRequest
    messages: tuple[ViewMessage, ...] = ()
    resolved_range: tuple[dt.datetime | None, dt.datetime | None] | None = None
    customer_restriction: tuple[str, ...] | None = None  # None = no customer restriction

    @property
    def degraded(self) -> bool:
        return any(m.degrades for m in self.messages)

    @property
    def matches_nothing(self) -> bool:
        return self.customer_restriction == (NO_MATCH,)

    def cache_key(self, viewer: Principal) -> str:
        """Everything the answer depends on except the data version: request (incl. the resolved date
        range and the resolved customer lists) and the viewer's permissions."""
        raw = json.dumps(
            [repr(self.request), viewer.scope_key],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ViewerCustomers:
    """The customers a viewer looks after ("my customers") and those of their department ("my department")."""

    mine: tuple[str, ...] = ()
    department: tuple[str, ...] = ()


CustomerIndex = tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], list[str]]]


def index_customers(sources: Iterable[Mapping[str, Any]]) -> CustomerIndex:
    """Customer sources (customer_id, tenant, account_manager, department) -> lookups by (tenant, manager)
    and (tenant, department)."""
    by_manager: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_dept: dict[tuple[str, str], list[str]] = defaultdict(list)
    for src in sources:
        cid, tenant = str(src.get("customer_id") or ""), str(src.get("tenant") or "")
        if not cid:
            continue
        if src.get("account_manager"):
            by_manager[(tenant, str(src["account_manager"]))].append(cid)
        if src.get("department"):
            by_dept[(tenant, str(src["department"]))].append(cid)
    return by_manager, by_dept


def viewer_customers(index: CustomerIndex, viewer: Principal) -> ViewerCustomers:
    by_manager, by_dept = index
    mine = [c for t in viewer.tenants for c in by_manager.get((t, viewer.login), [])]
    dept = [c for t in viewer.tenants for c in by_dept.get((t, viewer.department), [])] if viewer.department else []
    return ViewerCustomers(tuple(sorted(set(mine))), tuple(sorted(set(dept))))


def compile_view(
    view: View,
    viewer: Principal,
    now: dt.datetime,
    customer_id: str | None = None,
    my_customers: Iterable[str] | None = None,
    department_customers: Iterable[str] | None = None,
    *,
    tz: str | dt.tzinfo = DEFAULT_TZ,
    known_customers: Collection[str] | None = None,
    size: int = 20,
    page: int = 1,
    facets: tuple[str, ...] | None = None,
    highlight: bool = True,
    search_after: tuple[Any, ...] | None = None,
) -> CompiledView:
    if not can_see(view, viewer):
        raise ViewAccessError(f"you cannot open the view {view.name!r}")
    msgs: list[ViewMessage] = []

    # sharing: the owner left the group the view is shared with (others lost it already: can_see)
    group = view.share_group
    if group is not None and view.owner == viewer.login and group not in viewer.memberships:
        msgs.append(
            ViewMessage(
                "group_left",
                {"group": group},
            )
        )

    # filters
    filters: dict[str, list[str]] = {}
    for name, values in view.filters.items():
        if name not in FACET_FIELDS:
            msgs.append(
                ViewMessage(
                    "field_removed",
                    {"field": name},
                    degrades=True,
                )
            )
            continue
        known = KNOWN_VALUES.get(name)
        if name == "customer_ids" and known_customers is not None:
            known = frozenset(known_customers)
        if known is not None:
            gone = [v for v in values if v not in known]
            if gone:
                msgs.append(
                    ViewMessage(
                        "value_removed",
                        {"field": name, "values": ", ".join(gone)},
                    )
                )
        filters[name] = list(values)

    # customers: the view's own filter ∩ my customers ∩ my department ∩ the dossier
    restriction: set[str] | None = set(filters.pop("customer_ids")) if "customer_ids" in filters else None
    if view.my_customers:
        if my_customers is None:
            raise ValueError(
                "the view uses 'my customers': pass my_customers (app.views: the viewer's managed customers)"
            )
        mine = set(my_customers)
        if not mine:
            msgs.append(ViewMessage("no_customers"))
        restriction = mine if restriction is None else restriction & mine
    if view.my_department:
        if department_customers is None:
            raise ValueError("the view uses 'my department': pass department_customers")
        dept = set(department_customers)
        if not viewer.department:
            msgs.append(ViewMessage("no_department"))
        elif not dept:
            msgs.append(
                ViewMessage(
                    "department_empty",
                    {"department": viewer.department},
                )
            )
        restriction = dept if restriction is None else restriction & dept
    if view.my_cases:  # the viewer's own cases, whoever opens the view
        filters["case_assignee"] = [viewer.login]
    if view.scope == "dossier":
        if not customer_id:
            raise DossierRequired(f"the view {view.name!r} runs inside a customer dossier: open it from one")
        restriction = {customer_id} if restriction is None else restriction & {customer_id}
    customers: tuple[str, ...] | None = None
    if restriction is not None:
        customers = tuple(sorted(restriction)) or (NO_MATCH,)
        filters["customer_ids"] = list(customers)

    # date range
    date_range: DateRange | None = None
    resolved = None
    if view.date_range is not None:
        fld = view.date_range.field
        if fld not in DATE_FIELDS:
            msgs.append(
                ViewMessage(
                    "date_field_removed",
                    {"field": fld},
                    degrades=True,
                )
            )
        else:
            resolved = resolve(view.date_range, now, tz)
            lo, hi = to_es_bounds(*resolved)
            date_range = DateRange(field=fld, gte=lo, lte=hi)

    group_by = view.group_by
    if group_by is not None and group_by not in GROUP_BYS:
        msgs.append(ViewMessage("group_removed", {"group_by": group_by}))
        group_by = None
    sort = view.sort
    if sort not in SORTS:
        msgs.append(ViewMessage("sort_removed", {"sort": sort}))
        sort = "date_desc"
    gone_cols = [c for c in view.columns if c not in COLUMNS]
    if gone_cols:
        msgs.append(
            ViewMessage(
                "columns_removed",
                {"columns": ", ".join(gone_cols)},
            )
        )

    request = SearchRequest(
        text=view.query,
        mode=view.mode,  # type: ignore[arg-type]
        filters={k: tuple(v) for k, v in filters.items()},
        date_range=date_range,
        sort=sort,  # type: ignore[arg-type]
        group_by=group_by,  # type: ignore[arg-type]
        size=size,
        page=page,
        facets=facets,
        highlight=highlight,
        search_after=search_after,
    )
    return CompiledView(request=request, messages=tuple(msgs), resolved_range=resolved, customer_restriction=customers)


def visible_columns(view: View) -> list[str]:
    return [c for c in view.columns if c in COLUMNS]
