"""The search page's state <-> its URL (pure).

    /search?q=rechnung&mode=keyword&f.register=invoice&f.register=offer&f.customer=C10234&group=customer
           &sort=date_desc&page=2&versions=all

Every state of the search page lives in the URL, so any result list can be bookmarked or linked from an
ERP/CRM. `parse_search_params` never raises: malformed or unknown parameters fall back to defaults and
produce a message (an i18n key plus its value), shown above the results. `to_query_string` writes the
canonical form (defaults omitted, filters sorted), and `parse(to_query_string(s)) == s` for every valid state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from search.query_parser import MAX_QUERY_CHARS  # the engine reads no more; longer queries are cut here
from search.request import (
    CUSTOMER_ATTRS,
    FACET_FIELDS,
    FACET_NAMES,
    GROUP_BYS,
    MAX_RESULT_WINDOW,
    MODES,
    SORTS,
    DateRange,
    SearchRequest,
)

PAGE_SIZE = 20
GROUPS_PER_PAGE = 10
FACET_VALUES = 12  # values per facet in the sidebar (selected values always show)
MAX_PAGE = MAX_RESULT_WINDOW // PAGE_SIZE
MAX_VALUES_PER_FACET = 50
MAX_VALUE_CHARS = 200
DEFAULT_MODE = "hybrid"
DEFAULT_SORT = "relevance"

# URL name -> facet name of search.request.FACET_FIELDS (short names in URLs; the long names are accepted too)
URL_FACETS: dict[str, str] = FACET_NAMES
FACET_URL_NAMES: dict[str, str] = {v: k for k, v in URL_FACETS.items()}
# customer master data in URLs (segment=A&manager=anna.schmidt), resolved to customers by the search
URL_ATTRS: tuple[str, ...] = tuple(CUSTOMER_ATTRS)
# from=2026-01-01&to=2026-01-31&date=indexed: an inclusive range on the document date (default) or another date
DATE_PARAMS: dict[str, str] = {"doc": "doc_date", "received": "received_at", "indexed": "indexed_at"}
KNOWN_PARAMS = frozenset({"q", "mode", "group", "sort", "page", "versions", "from", "to", "date", *URL_ATTRS})

Message = tuple[str, str]  # (i18n key, the offending value)


@dataclass(frozen=True)
class SearchState:
    q: str = ""
    mode: str = DEFAULT_MODE
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ((facet, (values...)), ...) sorted by facet
    group: str | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    all_versions: bool = False
    attrs: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ((URL_ATTRS name, (values...)), ...) sorted
    date_field: str = "doc"  # a key of DATE_PARAMS
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None

    # ---------------------------------------------------------------------------------------- helpers

    @property
    def filter_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)

    def selected(self, facet: str, value: str) -> bool:
        return value in self.filter_map.get(facet, ())

    def with_filters(self, filters: Mapping[str, Sequence[str]]) -> SearchState:
        return replace(self, filters=_canonical_filters(filters), page=1)

    def toggle(self, facet: str, value: str) -> SearchState:
        """Select or deselect one facet value (multi-select); back to page 1."""
        current = self.filter_map
        values = list(current.get(facet, ()))
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        current[facet] = tuple(values)
        return self.with_filters(current)

    def only(self, facet: str, value: str) -> SearchState:
        """This one value for the facet (e.g. "show all of this group"), ungrouped."""
        current = self.filter_map
        current[facet] = (value,)
        return replace(self.with_filters(current), group=None)

    def without_filters(self) -> SearchState:
        return replace(self, filters=(), attrs=(), date_from=None, date_to=None, date_field="doc", page=1)

    def without_attr(self, name: str) -> SearchState:
        return replace(self, attrs=tuple(a for a in self.attrs if a[0] != name), page=1)

    def without_dates(self) -> SearchState:
        return replace(self, date_from=None, date_to=None, date_field="doc", page=1)

    def date_range(self, tz: str | None = None) -> DateRange | None:
        if self.date_from is None and self.date_to is None:
            return None
        return DateRange(field=DATE_PARAMS[self.date_field], gte=self.date_from, lte=self.date_to, time_zone=tz)

    def to_request(self, *, size: int = PAGE_SIZE, tz: str | None = None) -> SearchRequest:
        return SearchRequest(
            text=self.q,
            mode=self.mode,  # type: ignore[arg-type]
            filters=self.filter_map,
            latest_only=not self.all_versions,
            sort=self.sort,  # type: ignore[arg-type]
            page=1 if self.group else self.page,  # grouped lists page through groups
            size=size,
            group_by=self.group,  # type: ignore[arg-type]
            group_page=self.page if self.group else 1,
            group_size=GROUPS_PER_PAGE,
            facet_size=FACET_VALUES,
            hits_per_group=3,
            customer_attrs=dict(self.attrs),
            date_range=self.date_range(tz),
        )

    def query_string(self) -> str:
        return to_query_string(self)

    def href(self, path: str = "/search") -> str:
        qs = to_query_string(self)
        return f"{path}?{qs}" if qs else path

    def cache_parts(self) -> str:
        return to_query_string(self)


def _canonical_filters(
    filters: Mapping[str, Sequence[str]] | Sequence[tuple[str, Sequence[str]]],
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    items = filters.items() if isinstance(filters, Mapping) else filters
    out: dict[str, tuple[str, ...]] = {}
    for facet, values in items:
        if facet not in FACET_FIELDS:
            continue
        cleaned = tuple(sorted(dict.fromkeys(str(v) for v in values if v is not None and str(v) != "")))
        if cleaned:
            out[facet] = cleaned
    return tuple(sorted(out.items()))


def _values(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list | tuple):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def _first(raw: Any) -> str | None:
    vals = _values(raw)
    return vals[0] if vals else None


def parse_query_string(qs: str | None) -> dict[str, list[str]]:
    qs = (qs or "").lstrip("?")
    try:
        return parse_qs(qs, keep_blank_values=True, max_num_fields=500)
    except ValueError:
        return {}


def parse_search_params(params: Mapping[str, Any] | str | None) -> tuple[SearchState, list[Message]]:
    """URL parameters (a query string, or the kwargs Dash passes to `layout`) -> (state, messages)."""
    if params is None:
        params = {}
    if isinstance(params, str):
        params = parse_query_string(params)
    messages: list[Message] = []

    q = (_first(params.get("q")) or "").replace("\x00", "")
    q = " ".join(q.split()) if len(q) < 20_000 else " ".join(q[:20_000].split())
    if len(q) > MAX_QUERY_CHARS:
        cut = q[:MAX_QUERY_CHARS]
        q = cut.rsplit(" ", 1)[0] if " " in cut[-60:] else cut
        messages.append(("msg.query_too_long", str(MAX_QUERY_CHARS)))

    mode = _first(params.get("mode")) or DEFAULT_MODE
    if mode not in MODES:
        messages.append(("msg.bad_mode", mode[:40]))
        mode = DEFAULT_MODE

    sort = _first(params.get("sort")) or DEFAULT_SORT
    if sort not in SORTS:
        messages.append(("msg.bad_sort", sort[:40]))
        sort = DEFAULT_SORT

    group_raw = _first(params.get("group")) or "none"
    group: str | None = None
    if group_raw != "none":
        if group_raw in GROUP_BYS:
            group = group_raw
        else:
            messages.append(("msg.bad_group", group_raw[:40]))

    page = 1
    page_raw = _first(params.get("page"))
    if page_raw not in (None, ""):
        try:
            page = int(str(page_raw).strip())
            if page < 1:
                raise ValueError
        except ValueError:
            messages.append(("msg.bad_page", str(page_raw)[:40]))
            page = 1
        if page > MAX_PAGE:
            messages.append(("msg.page_too_far", str(MAX_PAGE)))
            page = MAX_PAGE

    versions = _first(params.get("versions"))
    all_versions = versions == "all"
    if versions not in (None, "", "all", "latest"):
        messages.append(("msg.bad_value", "versions"))

    filters: dict[str, list[str]] = {}
    for key in params:
        if key in KNOWN_PARAMS:
            continue
        if not key.startswith("f."):
            continue  # foreign parameters (utm_*, a CRM's own) are ignored silently
        name = key[2:]
        facet = URL_FACETS.get(name) or (name if name in FACET_FIELDS else None)
        if facet is None:
            messages.append(("msg.bad_facet", name[:40]))
            continue
        vals = filters.setdefault(facet, [])
        for v in _values(params[key]):
            v = v.strip()
            if not v:
                continue
            if len(v) > MAX_VALUE_CHARS:
                messages.append(("msg.bad_value", FACET_URL_NAMES.get(facet, facet)))
                continue
            vals.append(v)
        if len(vals) > MAX_VALUES_PER_FACET:
            messages.append(("msg.too_many_values", str(MAX_VALUES_PER_FACET)))
            del vals[MAX_VALUES_PER_FACET:]

    attrs: dict[str, tuple[str, ...]] = {}
    for name in URL_ATTRS:
        vals = [v.strip()[:MAX_VALUE_CHARS] for v in _values(params.get(name)) if v.strip()]
        if vals:
            attrs[name] = tuple(sorted(set(vals)))[:MAX_VALUES_PER_FACET]
    date_field = _first(params.get("date")) or "doc"
    if date_field not in DATE_PARAMS:
        messages.append(("msg.bad_value", "date"))
        date_field = "doc"
    date_from = _iso_date(_first(params.get("from")), "from", messages)
    date_to = _iso_date(_first(params.get("to")), "to", messages)
    if date_from and date_to and date_from > date_to:
        messages.append(("msg.bad_value", "from"))
        date_from = date_to = None

    state = SearchState(
        attrs=tuple(sorted(attrs.items())),
        date_field=date_field,
        date_from=date_from,
        date_to=date_to,
        q=q,
        mode=mode,
        filters=_canonical_filters(filters),
        group=group,
        sort=sort,
        page=page,
        all_versions=all_versions,
    )
    return state, messages


def to_query_string(state: SearchState) -> str:
    pairs: list[tuple[str, str]] = []
    if state.q:
        pairs.append(("q", state.q))
    if state.mode != DEFAULT_MODE:
        pairs.append(("mode", state.mode))
    for facet, values in state.filters:
        name = "f." + FACET_URL_NAMES.get(facet, facet)
        pairs.extend((name, v) for v in values)
    if state.group:
        pairs.append(("group", state.group))
    if state.sort != DEFAULT_SORT:
        pairs.append(("sort", state.sort))
    if state.page != 1:
        pairs.append(("page", str(state.page)))
    if state.all_versions:
        pairs.append(("versions", "all"))
    for name, values in state.attrs:
        pairs.extend((name, v) for v in values)
    if state.date_from:
        pairs.append(("from", state.date_from))
    if state.date_to:
        pairs.append(("to", state.date_to))
    if (state.date_from or state.date_to) and state.date_field != "doc":
        pairs.append(("date", state.date_field))
    return urlencode(pairs)


def _iso_date(raw: str | None, name: str, messages: list[Message]) -> str | None:
    """A calendar date (YYYY-MM-DD) or None; anything else is dropped with a message."""
    if raw in (None, ""):
        return None
    text = str(raw).strip()[:40]
    try:
        return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else _bad(name, messages)
    except ValueError:
        return _bad(name, messages)


def _bad(name: str, messages: list[Message]) -> str | None:
    messages.append(("msg.bad_value", name))
    return None


def search_href(q: str = "", **filters: str | Sequence[str]) -> str:
    """A link into the search page: search_href("rechnung", customer_ids="C1", register=["invoice"])."""
    fl = {k: ([v] if isinstance(v, str) else list(v)) for k, v in filters.items()}
    return SearchState(q=q).with_filters(fl).href()


def clean_text_param(raw: Any, max_chars: int = 500) -> str:
    value = _first(raw) or ""
    value = " ".join(value.replace("\x00", "").split())
    return value[:max_chars]


def view_href(view_id: str, customer: str | None = None, page: int | None = None) -> str:
    params: dict[str, Any] = {"view": view_id}
    if customer:
        params["customer"] = customer
    if page and page > 1:
        params["page"] = page
    return "/views?" + urlencode(params)
