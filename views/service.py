"""Running views: compile for the viewer, execute through the read side (`search.service.SearchService`).

- `ViewsService.run_view(view_or_id, viewer, now=..., customer_id=...)` → `ViewRun` (counts + first page,
  facets, groups, the compile messages) — the views page and the dossier buttons open views with this;
- `ViewsService.count_views(views, viewer, ...)` → {view_id: count | None}: live counts of many views in one
  `msearch` of size-0 requests (None: the view cannot run here, e.g. a dossier view outside a dossier);
- `save_view_from_search(...)`: the search page's "save as view" button (a SearchRequest → a View);
- `dossier_view_buttons(scope, customer_id)`: dossier-scoped views the user can see, with their counts in
  this dossier, for the dossier cover.

Module-level functions take `es=None, prefix=None` and fall back to the configured cluster and index
prefix, so the cockpit can call them with just the user.

Counts are keyword counts (query text must match, like the keyword/hybrid total). Viewer-relative filters
are resolved per call from the customers index (`viewer_customers`). The optional `cache` (any object with
flask-caching's get/set) is keyed by `CompiledView.cache_key`, which holds the *resolved* date range, so a
cached "today" expires with the day.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from indexing.schema import alias_name
from search import builder as B
from search.parse import SearchResult
from search.request import SearchRequest
from search.service import SearchService
from views import store
from views.access import DossierRequired, ViewAccessError, ViewError
from views.compile import CompiledView, ViewMessage, compile_view
from views.model import DEFAULT_COLUMNS, RelativeDateRange, View
from views.users import Viewer, default_directory

log = logging.getLogger(__name__)

MAX_CUSTOMERS = 10_000


@dataclass
class ViewRun:
    view: View
    result: SearchResult | None
    compiled: CompiledView | None
    messages: list[str] = field(default_factory=list)
    message_codes: list[ViewMessage] = field(default_factory=list)

    @property
    def total(self) -> int | None:
        return None if self.result is None else self.result.total


@dataclass(frozen=True)
class ViewerCustomers:
    mine: tuple[str, ...] = ()
    department: tuple[str, ...] = ()


def _settings_tz() -> str:
    try:
        from core.settings import get_settings

        return get_settings().timezone
    except Exception:  # noqa: BLE001
        return "Europe/Berlin"


def _defaults(es: Elasticsearch | None, prefix: str | None) -> tuple[Elasticsearch, str]:
    if es is None:
        from core.es import get_client

        es = get_client()
    if prefix is None:
        from core.settings import get_settings

        prefix = get_settings().index_prefix
    return es, prefix


def as_viewer(user: Any) -> Viewer:
    """A Viewer from the cockpit's user, a dict or a UserScope (then looked up in the user directory, since a
    UserScope knows no department)."""
    from search.request import UserScope

    if isinstance(user, UserScope):
        try:
            found = default_directory()(user.user_id)
        except Exception:  # noqa: BLE001
            found = None
        if found is not None:
            return found
    return Viewer.of(user)


def viewer_customers(es: Elasticsearch, prefix: str, viewer: Viewer) -> ViewerCustomers:
    """Customer ids where the viewer is account manager, and those of the viewer's department (their tenants)."""
    index = alias_name(prefix, "customers")
    if not viewer.tenants or not es.indices.exists_alias(name=index):
        return ViewerCustomers()
    should: list[dict[str, Any]] = [{"term": {"account_manager": viewer.login}}]
    if viewer.department:
        should.append({"term": {"department": viewer.department}})
    resp = es.search(
        index=index,
        size=MAX_CUSTOMERS,
        query={
            "bool": {
                "filter": [{"terms": {"tenant": sorted(viewer.tenants)}}],
                "should": should,
                "minimum_should_match": 1,
            }
        },  # fmt: skip
        source_includes=["customer_id", "account_manager", "department"],
    )
    mine, dept = [], []
    for hit in resp["hits"]["hits"]:
        src = hit["_source"]
        cid = src.get("customer_id") or hit["_id"]
        if src.get("account_manager") == viewer.login:
            mine.append(cid)
        if viewer.department and src.get("department") == viewer.department:
            dept.append(cid)
    return ViewerCustomers(tuple(sorted(mine)), tuple(sorted(dept)))


def existing_customers(es: Elasticsearch, prefix: str, ids: Iterable[str]) -> set[str] | None:
    """Which of these customer ids still exist (None when that cannot be told)."""
    ids = sorted(set(ids))
    if not ids:
        return set()
    try:
        resp = es.search(
            index=alias_name(prefix, "customers"),
            size=len(ids),
            query={"terms": {"customer_id": ids}},
            source_includes=["customer_id"],
        )
    except (ApiError, TransportError):
        return None
    return {h["_source"].get("customer_id") or h["_id"] for h in resp["hits"]["hits"]}


class ViewsService:
    def __init__(
        self,
        es: Elasticsearch,
        prefix: str,
        search: SearchService | None = None,
        *,
        tz: str | None = None,
        embedder_factory: Callable[[], Any] | None = None,
        cache: Any = None,
        cache_timeout: int = 60,
    ) -> None:
        self.es = es
        self.prefix = prefix
        if search is None:
            if embedder_factory is None:
                from nlp.embeddings import get_embedder

                embedder_factory = get_embedder
            search = SearchService(es, prefix, embedder_factory)
        self.search = search
        self.tz = tz or _settings_tz()
        self.cache = cache
        self.cache_timeout = cache_timeout

    # ---------------------------------------------------------------------------------------- compile

    def compile(
        self,
        view: View,
        viewer: Viewer,
        now: dt.datetime,
        customer_id: str | None = None,
        *,
        customers: ViewerCustomers | None = None,
        **kwargs: Any,
    ) -> CompiledView:
        if (view.my_customers or view.my_department) and customers is None:
            customers = viewer_customers(self.es, self.prefix, viewer)
        known = None
        if view.filters.get("customer_ids"):
            known = existing_customers(self.es, self.prefix, view.filters["customer_ids"])
        return compile_view(
            view,
            viewer,
            now,
            customer_id=customer_id,
            my_customers=customers.mine if customers else None,
            department_customers=customers.department if customers else None,
            tz=self.tz,
            known_customers=known,
            **kwargs,
        )

    def _view(self, view: View | str, viewer: Viewer) -> View:
        return store.get_view(self.es, self.prefix, view, viewer) if isinstance(view, str) else view

    # ---------------------------------------------------------------------------------------- run

    def run_view(
        self,
        view: View | str,
        viewer: Any,
        *,
        now: dt.datetime | None = None,
        customer_id: str | None = None,
        page: int = 1,
        size: int = 20,
        facets: tuple[str, ...] | None = None,
        search_after: tuple[Any, ...] | None = None,
    ) -> ViewRun:
        """Open a view: total, first page, facets and groups, plus what the compiler had to say."""
        viewer = Viewer.of(viewer)
        v = self._view(view, viewer)
        now = now or dt.datetime.now(dt.UTC)
        try:
            compiled = self.compile(
                v, viewer, now, customer_id, page=page, size=size, facets=facets, search_after=search_after
            )
        except DossierRequired as exc:
            return ViewRun(view=v, result=None, compiled=None, messages=[str(exc)],
                           message_codes=[ViewMessage("dossier_required", str(exc))])  # fmt: skip
        except ViewAccessError:
            raise
        result = self.search.search(compiled.request, viewer.scope)
        messages = compiled.texts + list(result.messages)
        return ViewRun(view=v, result=result, compiled=compiled, messages=messages,
                       message_codes=list(compiled.messages))  # fmt: skip

    def count_views(
        self,
        views: Iterable[View],
        viewer: Any,
        *,
        now: dt.datetime | None = None,
        customer_id: str | None = None,
    ) -> dict[str, int | None]:
        """{view_id: total} for many views in one msearch (None: cannot run here or failed)."""
        viewer = Viewer.of(viewer)
        now = now or dt.datetime.now(dt.UTC)
        views = list(views)
        out: dict[str, int | None] = {}
        customers: ViewerCustomers | None = None
        if any(v.my_customers or v.my_department for v in views):
            customers = viewer_customers(self.es, self.prefix, viewer)
        scope = viewer.scope
        searches: list[dict[str, Any]] = []
        pending: list[tuple[str, str | None]] = []
        for v in views:
            assert v.id is not None
            try:
                compiled = compile_view(
                    v, viewer, now, customer_id=customer_id,
                    my_customers=customers.mine if customers else None,
                    department_customers=customers.department if customers else None,
                    tz=self.tz, size=0, facets=(), highlight=False,
                )  # fmt: skip
            except ViewError:
                out[v.id] = None
                continue
            if scope.sees_nothing or compiled.matches_nothing:
                out[v.id] = 0
                continue
            key = None
            if self.cache is not None:
                key = "views:count:" + compiled.cache_key(viewer)
                cached = _cache_get(self.cache, key)
                if cached is not None:
                    out[v.id] = int(cached)
                    continue
            searches += [{"index": self.search.index}, count_body(self.search, compiled.request, viewer)]
            pending.append((v.id, key))
        if searches:
            try:
                resp = self.es.msearch(searches=searches)
                responses = resp["responses"]
            except (ApiError, TransportError) as exc:
                log.warning("view counts failed: %s", exc)
                responses = [{"error": str(exc)}] * len(pending)
            for (view_id, key), r in zip(pending, responses, strict=True):
                if "error" in r:
                    out[view_id] = None
                    continue
                total = int(r["hits"]["total"]["value"])
                out[view_id] = total
                if key is not None:
                    _cache_set(self.cache, key, total, self.cache_timeout)
        return out

    # ---------------------------------------------------------------------------------------- sections

    def sections_with_counts(
        self, viewer: Any, *, now: dt.datetime | None = None
    ) -> dict[str, list[tuple[View, int | None]]]:
        """The views page: {"mine"|"department"|"tenant"|"admin": [(view, live count)]}."""
        viewer = Viewer.of(viewer)
        sections = store.list_sections(self.es, self.prefix, viewer)
        all_views = [v for vs in sections.values() for v in vs if v.scope == "portfolio"]
        counts = self.count_views(all_views, viewer, now=now)
        return {name: [(v, counts.get(v.id or "")) for v in vs] for name, vs in sections.items()}


def count_body(search: SearchService, request: SearchRequest, viewer: Viewer) -> dict[str, Any]:
    """A size-0 keyword request with the view's query, filters and selections: its total is the count."""
    parsed, analysis = search.analyze(request)
    body = B.keyword_body(
        request, viewer.scope, parsed, analysis, size=0, from_=0, with_facets=False, with_groups=False,
        tuning=search.tuning, track_total_hits=True,
    )  # fmt: skip
    body.pop("highlight", None)
    body.pop("sort", None)
    return body


def _cache_get(cache: Any, key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage is a miss
        return None


def _cache_set(cache: Any, key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a cache outage only costs time
        log.debug("view count cache set failed: %s", exc)


# -------------------------------------------------------------------------------------------- module API

_SERVICES: dict[tuple[int, str], ViewsService] = {}


def get_service(es: Elasticsearch | None = None, prefix: str | None = None, **kwargs: Any) -> ViewsService:
    es, prefix = _defaults(es, prefix)
    key = (id(es), prefix)
    if kwargs or key not in _SERVICES:
        svc = ViewsService(es, prefix, **kwargs)
        if kwargs:
            return svc
        _SERVICES[key] = svc
    return _SERVICES[key]


def run_view(
    view: View | str, user: Any, *, es: Elasticsearch | None = None, prefix: str | None = None, **kwargs: Any
) -> ViewRun:
    return get_service(es, prefix).run_view(view, as_viewer(user), **kwargs)


def request_to_view_fields(request: SearchRequest) -> dict[str, Any]:
    """The parts of a search state a view keeps (the date range is handled separately: a search's absolute
    range can be kept as 'between', or replaced by a relative one in the editor)."""
    data: dict[str, Any] = {
        "query": request.text,
        "mode": request.mode,
        "filters": {k: list(v) for k, v in request.filters.items()},
        "group_by": request.group_by,
        "sort": request.sort,
    }
    dr = request.date_range
    if dr is not None and (dr.gte or dr.lte):
        lo = str(dr.gte)[:10] if dr.gte else None
        hi = str(dr.lte)[:10] if dr.lte else None
        if lo and hi:
            data["date_range"] = {"field": dr.field, "kind": "between", "start": lo, "end": hi}
        elif lo:
            data["date_range"] = {"field": dr.field, "kind": "since", "start": lo}
        else:  # only an upper bound: keep it as a range from the beginning of time
            data["date_range"] = {"field": dr.field, "kind": "between", "start": "1900-01-01", "end": hi}
    return data


def save_view_from_search(
    request: SearchRequest,
    user: Any,
    name: str,
    *,
    description: str = "",
    date_range: RelativeDateRange | dict[str, Any] | None = None,
    sharing: str = "private",
    scope: str = "portfolio",
    columns: list[str] | None = None,
    my_customers: bool = False,
    my_department: bool = False,
    tenant: str | None = None,
    es: Elasticsearch | None = None,
    prefix: str | None = None,
    now: dt.datetime | None = None,
) -> View:
    """The search page's "save as view": the current search state becomes a view owned by the user.

    `date_range` (relative) replaces the search's absolute date range when given. A dossier-scoped view
    drops a single-customer filter (the dossier supplies the customer when the view is opened)."""
    es, prefix = _defaults(es, prefix)
    viewer = as_viewer(user)
    data = request_to_view_fields(request)
    if date_range is not None:
        data["date_range"] = date_range.model_dump() if isinstance(date_range, RelativeDateRange) else date_range
    if scope == "dossier":
        data["filters"].pop("customer_ids", None)
    data.update(
        name=name,
        description=description,
        sharing=sharing,
        scope=scope,
        columns=list(columns or DEFAULT_COLUMNS),
        my_customers=my_customers,
        my_department=my_department,
    )
    return store.create_view(es, prefix, data, viewer, tenant=tenant, now=now)


@dataclass(frozen=True)
class DossierButton:
    view_id: str
    name: str
    count: int | None
    description: str = ""
    href: str = ""


def dossier_view_buttons(
    scope: Any,
    customer_id: str,
    *,
    es: Elasticsearch | None = None,
    prefix: str | None = None,
    now: dt.datetime | None = None,
    search: SearchService | None = None,
) -> list[DossierButton]:
    """Dossier-scoped views the user can see, with their counts inside this customer's dossier.

    `scope`: the cockpit user (or a UserScope / dict). In the cockpit pass ``es=svc.es, prefix=svc.prefix,
    search=svc.search_service`` (the app's client, prefix and read side). The buttons link to
    ``/views?view=<view_id>&customer=<customer_id>`` (the views page opens the view inside the dossier)."""
    es, prefix = _defaults(es, prefix)
    viewer = as_viewer(scope)
    views = store.list_views(es, prefix, viewer, scope="dossier")
    if not views:
        return []
    svc = get_service(es, prefix, search=search) if search is not None else get_service(es, prefix)
    counts = svc.count_views(views, viewer, now=now, customer_id=customer_id)
    from urllib.parse import quote

    return [
        DossierButton(
            view_id=v.id or "",
            name=v.name,
            count=counts.get(v.id or ""),
            description=v.description,
            href=f"/views?view={quote(v.id or '')}&customer={quote(customer_id)}",
        )
        for v in views
    ]
