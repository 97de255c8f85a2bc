"""compile_view: view + viewer + now → SearchRequest, and the messages for views gone stale."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from domain.principal import Principal
from search import builder as B
from search.query_parser import parse_query
from views.access import DossierRequired, ViewAccessError
from views.compile import NO_MATCH, compile_view
from views.model import View

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
ANNA = Principal(login="anna", tenants={"nord"}, groups={"all", "sales"}, department="vertrieb-nord")
BEN = Principal(login="ben", tenants={"nord"}, groups={"all"}, department="service-nord")


def view(**kw) -> View:
    return View.from_stored({"name": "v", "owner": "anna", "tenant": "nord", "sharing": "tenant"} | kw)


def test_complaints_last_14_days():
    c = compile_view(
        view(filters={"register": ["complaint"]}, date_range={"kind": "last", "n": 14, "unit": "day"}), BEN, NOW
    )
    r = c.request
    assert r.filters == {"register": ("complaint",)}
    assert r.date_range.field == "doc_date"
    assert r.date_range.gte == "2026-11-10T00:00:00.000+01:00"
    assert r.date_range.lte == "2026-11-23T23:59:59.999+01:00"
    assert r.sort == "date_desc" and not c.messages and not c.degraded


def test_request_builds_a_permission_filtered_body():
    c = compile_view(view(query="Lieferverzug", mode="keyword", date_range={"kind": "today"}), BEN, NOW)
    body = B.keyword_body(c.request, BEN, parse_query(c.request.text))
    flt = body["query"]["bool"]["filter"]
    assert flt[0] == B.permission_filter(BEN)
    assert {"range": {"doc_date": {"gte": "2026-11-23T00:00:00.000+01:00", "lte": "2026-11-23T23:59:59.999+01:00",
                                   "format": "strict_date_optional_time||yyyy-MM-dd"}}} in flt  # fmt: skip


def test_my_customers_resolved_for_the_viewer_not_the_author():
    v = view(my_customers=True, filters={"register": ["invoice"], "status": ["open"]})
    for_ben = compile_view(v, BEN, NOW, my_customers=["K2", "K1"])
    assert for_ben.request.filters["customer_ids"] == ("K1", "K2")
    with pytest.raises(ValueError, match="pass my_customers"):
        compile_view(v, BEN, NOW)


def test_no_customers_matches_nothing_never_everything():
    c = compile_view(view(my_customers=True), BEN, NOW, my_customers=[])
    assert c.request.filters["customer_ids"] == (NO_MATCH,) and c.matches_nothing
    assert [m.code for m in c.messages] == ["no_customers"]


def test_department_and_own_filter_and_dossier_intersect():
    v = view(my_department=True, scope="dossier", filters={"customer_ids": ["K1", "K2", "K3"]})
    c = compile_view(v, ANNA, NOW, customer_id="K2", department_customers=["K2", "K3", "K9"])
    assert c.request.filters["customer_ids"] == ("K2",)
    outside = compile_view(v, ANNA, NOW, customer_id="K9", department_customers=["K2", "K3", "K9"])
    assert outside.matches_nothing


def test_viewer_without_department():
    c = compile_view(view(my_department=True), Principal(login="x", tenants={"nord"}, groups={"all"}), NOW,
                     department_customers=[])  # fmt: skip
    assert c.matches_nothing and c.messages[0].code == "no_department"


def test_dossier_view_needs_a_customer():
    v = view(scope="dossier", filters={"register": ["order"]}, date_range={"kind": "last", "n": 3, "unit": "month"})
    with pytest.raises(DossierRequired):
        compile_view(v, BEN, NOW)
    c = compile_view(v, BEN, NOW, customer_id="K7")
    assert c.request.filters["customer_ids"] == ("K7",)
    assert c.request.date_range.gte.startswith("2026-08-24")


def test_portfolio_view_ignores_customer_argument():
    assert "customer_ids" not in compile_view(view(), BEN, NOW, customer_id="K7").request.filters


def test_deleted_field_is_dropped_and_marks_the_view_degraded():
    c = compile_view(view(filters={"priority": ["high"], "register": ["complaint"]}), BEN, NOW)
    assert c.request.filters == {"register": ("complaint",)}
    assert c.degraded and c.messages[0].code == "field_removed" and c.messages[0].params == {"field": "priority"}


def test_deleted_date_field_is_dropped_and_degraded():
    c = compile_view(view(date_range={"field": "due_date", "kind": "today"}), BEN, NOW)
    assert c.request.date_range is None and c.degraded and c.messages[0].code == "date_field_removed"


def test_deleted_facet_value_is_kept_narrow_and_reported():
    c = compile_view(view(filters={"register": ["reklamation_alt"]}), BEN, NOW)
    assert c.request.filters == {"register": ("reklamation_alt",)}  # matches nothing, never broadens
    assert not c.degraded and c.messages[0].code == "value_removed"


def test_deleted_customer_reported_when_known_customers_given():
    c = compile_view(view(filters={"customer_ids": ["K1", "K404"]}), BEN, NOW, known_customers={"K1"})
    assert c.messages[0].code == "value_removed" and "K404" in c.messages[0].params["values"]


def test_stale_grouping_sort_columns():
    c = compile_view(view(group_by="segment", sort="amount_desc", columns=["title", "priority"]), BEN, NOW)
    assert c.request.group_by is None and c.request.sort == "date_desc"
    assert {m.code for m in c.messages} == {"group_removed", "sort_removed", "columns_removed"}
    assert not c.degraded


def test_group_the_viewer_left():
    shared = view(sharing="group:vertrieb-nord")
    with pytest.raises(ViewAccessError):
        compile_view(shared, BEN, NOW)  # never was / no longer is in the group
    left = Principal(login="anna", tenants={"nord"}, groups={"all"}, department="service-nord")
    c = compile_view(shared, left, NOW)  # the owner still opens it, and is told
    assert c.messages[0].code == "group_left"


def test_other_tenant_cannot_compile():
    with pytest.raises(ViewAccessError):
        compile_view(view(), Principal(login="x", tenants={"sued"}, groups={"all"}, roles={"admin"}), NOW)


def test_cache_key_changes_with_the_resolved_range_and_the_viewer():
    v = view(date_range={"kind": "today"})
    k1 = compile_view(v, BEN, NOW).cache_key(BEN)
    k2 = compile_view(v, BEN, NOW + dt.timedelta(hours=1)).cache_key(BEN)
    k3 = compile_view(v, BEN, NOW + dt.timedelta(days=1)).cache_key(BEN)
    k4 = compile_view(v, ANNA, NOW).cache_key(ANNA)
    assert k1 == k2 and k1 != k3 and k1 != k4


def test_paging_and_facets_pass_through():
    c = compile_view(view(group_by="customer"), BEN, NOW, size=5, page=3, facets=("register",))
    assert (c.request.size, c.request.page, c.request.facets, c.request.group_by) == (5, 3, ("register",), "customer")
