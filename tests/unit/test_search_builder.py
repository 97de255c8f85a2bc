"""search.builder: request + scope -> Elasticsearch bodies, tested as data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.principal import Principal
from search import aggs as AG
from search import builder as B
from search import clauses as CL
from search.analysis import QueryAnalysis
from search.permissions import customer_filter
from search.query_parser import parse_query
from search.request import DateRange, SearchRequest
from tests.es_filter import matches

USER = Principal("anna", frozenset({"nord"}), frozenset({"sales", "service"}))
ADMIN = Principal("root", frozenset({"nord", "sued"}), frozenset(), frozenset({"admin"}))
NOBODY = Principal("x", frozenset(), frozenset({"sales"}))
VEC = [0.1] * 384


def perm_of(scope: Principal) -> dict[str, Any]:
    return B.permission_filter(scope)


def walk(obj: Any) -> list[Any]:
    out = [obj]
    if isinstance(obj, dict):
        for v in obj.values():
            out += walk(v)
    elif isinstance(obj, list):
        for v in obj:
            out += walk(v)
    return out


def kw(req: SearchRequest, scope: Principal = USER, **kwargs: Any) -> dict[str, Any]:
    return B.keyword_body(req, scope, parse_query(req.text), QueryAnalysis("de", "rechnung", ("de",)), **kwargs)


# ------------------------------------------------------------------------------------------ permissions


def test_permission_filter_meaning() -> None:
    def sees(scope: Principal, **doc: Any) -> bool:
        return matches(perm_of(scope), doc)

    assert sees(USER, tenant="nord", acl_groups=["sales"]) and not sees(USER, tenant="nord", acl_groups=["x"])
    assert not sees(USER, tenant="sued", acl_groups=["sales"])
    assert sees(ADMIN, tenant="sued", acl_groups=["x"]) and not sees(ADMIN, tenant="west", acl_groups=["x"])
    assert perm_of(NOBODY) == {"bool": {"must_not": [{"match_all": {}}]}}


def test_every_builder_requires_a_scope() -> None:
    req = SearchRequest(text="x")
    parsed = parse_query("x")
    with pytest.raises(TypeError):
        B.keyword_body(req, None, parsed)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        B.knn_body(req, "nord", parsed, VEC)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        AG.facet_aggs(req, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        B.export_body(req, None, parsed, pit_id="p")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        B.similar_body(None, "d", VEC)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        B.customer_suggest_body(None, "mü")  # type: ignore[arg-type]


@pytest.mark.parametrize("group_by", [None, "customer", "register", "month"])
def test_permission_filter_is_inside_query_knn_and_exports(group_by: str | None) -> None:
    req = SearchRequest(text="Rechnung", group_by=group_by, filters={"register": ["invoice"]})
    parsed = parse_query(req.text)
    body = B.keyword_body(req, USER, parsed)
    assert perm_of(USER) in body["query"]["bool"]["filter"]
    knn = B.knn_body(req, USER, parsed, VEC)
    assert perm_of(USER) in knn["knn"]["filter"]
    assert {"terms": {"register": ["invoice"]}} in knn["knn"]["filter"]  # user filters inside kNN too
    exp = B.export_body(req, USER, parsed, pit_id="p1")
    assert perm_of(USER) in exp["query"]["bool"]["filter"]
    assert B.permission_filter(USER, "export") in exp["query"]["bool"]["filter"]  # and the export groups
    assert {"terms": {"register": ["invoice"]}} in exp["query"]["bool"]["filter"]
    sim = B.similar_body(USER, "d1", VEC)
    assert perm_of(USER) in sim["knn"]["filter"]
    sug = B.customer_suggest_body(USER, "Mü")
    assert customer_filter(USER) in sug["query"]["bool"]["filter"]
    assert sug["suggest"]["customers"]["completion"]["contexts"] == {"tenant": ["nord"]}


def test_no_query_string_anywhere() -> None:
    req = SearchRequest(text='kunde:"Mü" typ:rechnung nr:K-1 "a b" (x AND y) datum:2026 foo:bar', group_by="customer")
    parsed = parse_query(req.text)
    bodies = [B.keyword_body(req, USER, parsed), B.knn_body(req, USER, parsed, VEC)]
    dumped = json.dumps(bodies)
    assert "query_string" not in dumped
    assert "simple_query_string" not in dumped


# ------------------------------------------------------------------------------------------ keyword query


def test_keyword_query_structure() -> None:
    body = kw(SearchRequest(text="Rechnungen K-10234"))
    must = body["query"]["bool"]["must"]
    scoring = must[-1]["bool"]
    assert scoring["minimum_should_match"] == 1
    kinds = [next(iter(c)) for c in scoring["should"]]
    assert kinds[:2] == ["multi_match", "match"]
    mm = scoring["should"][0]["multi_match"]
    assert mm["query"] == "Rechnungen K-10234"
    assert any(f.startswith("title^") for f in mm["fields"]) and "text^1" in mm["fields"]
    assert scoring["should"][1] == {"match": {"lemmas": {"query": "rechnung", "boost": 1.0}}}
    assert {"term": {"ids": {"value": "k10234", "boost": B.DEFAULT_TUNING.id_boost}}} in scoring["should"]
    assert {"term": {"is_latest": True}} in body["query"]["bool"]["filter"]
    assert not any("stems" in c.get("match", {}) for c in scoring["should"])  # no stems analysed: no clause


@pytest.mark.parametrize(
    ("stems", "boost", "expected"),
    [
        ("rechnung", 1.0, {"match": {"stems": {"query": "rechnung", "boost": 1.0}}}),
        ("rechnung", 0.5, {"match": {"stems": {"query": "rechnung", "boost": 0.5}}}),
        ("rechnung", 0.0, None),  # switched off by the tuning
        ("", 1.0, None),  # nothing to match
    ],
)
def test_stem_clause(stems: str, boost: float, expected: dict[str, Any] | None) -> None:
    analysis = QueryAnalysis("de", "rechnung", ("de",), stems=stems)
    tuning = B.KeywordTuning(stem_boost=boost)
    req = SearchRequest(text="Rechnungen")
    scoring = CL.text_query(parse_query(req.text), analysis, tuning)
    assert scoring is not None
    clauses = [c for c in scoring["bool"]["should"] if "stems" in c.get("match", {})]
    assert clauses == ([expected] if expected else [])


def test_latest_only_switch() -> None:
    body = kw(SearchRequest(text="x", latest_only=False))
    assert {"term": {"is_latest": True}} not in body["query"]["bool"]["filter"]


def test_typed_constraints() -> None:
    body = kw(
        SearchRequest(text='kunde:"Müller GmbH" typ:rechnung datum:2026-01..2026-03 nr:RE-2026-00042 "offene Posten"')
    )
    f = body["query"]["bool"]["filter"]
    assert {"terms": {"register": ["invoice"]}} in f
    ranges = [c["range"]["doc_date"] for c in f if "range" in c]
    assert ranges and ranges[0]["gte"] == "2026-01-01" and ranges[0]["lte"] == "2026-03-31"
    must = json.dumps(body["query"]["bool"]["must"], ensure_ascii=False)
    assert "Müller GmbH" in must and "re202600042" in must
    assert '"type": "phrase"' in must and "offene Posten" in must


def test_request_date_range() -> None:
    body = kw(SearchRequest(text="", date_range=DateRange("doc_date", "2026-01-01", None)))
    ranges = [c for c in body["query"]["bool"]["filter"] if "range" in c]
    assert ranges[0]["range"]["doc_date"]["gte"] == "2026-01-01"
    assert "lte" not in ranges[0]["range"]["doc_date"]


def test_browse_without_text_sorts_newest_first() -> None:
    body = kw(SearchRequest(text=""))
    assert "must" not in body["query"]["bool"]
    assert body["sort"][0] == {"doc_date": {"order": "desc", "missing": "_last"}}


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("relevance", "_score"),
        ("date_desc", {"doc_date": {"order": "desc", "missing": "_last"}}),
        ("date_asc", {"doc_date": {"order": "asc", "missing": "_last"}}),
        ("customer", {"customer_names.raw": {"order": "asc", "missing": "_last"}}),
    ],
)
def test_sorts_have_a_unique_tiebreak(sort: str, first: Any) -> None:
    body = kw(SearchRequest(text="x", sort=sort))  # type: ignore[arg-type]
    assert body["sort"][0] == first
    assert body["sort"][-1] == {"doc_id": {"order": "asc", "missing": "_last"}}


def test_paging_from_and_search_after() -> None:
    assert kw(SearchRequest(text="x", page=3, size=20))["from"] == 40
    body = kw(SearchRequest(text="x", page=3, size=20, search_after=("2026-01-01", "d9")))
    assert "from" not in body and body["search_after"] == ["2026-01-01", "d9"]
    deep = kw(SearchRequest(text="x", page=10_000, size=20))
    assert deep["from"] + deep["size"] <= 10_000


# ------------------------------------------------------------------------------------------ facets


def test_facet_selection_goes_to_post_filter_and_other_facets_only() -> None:
    req = SearchRequest(
        text="x",
        filters={"register": ["invoice", "offer"], "language": ["de"]},
        facets=("register", "language", "year_month"),
    )
    body = kw(req)
    assert body["post_filter"] == {
        "bool": {"filter": [{"terms": {"register": ["invoice", "offer"]}}, {"terms": {"language": ["de"]}}]}
    }
    aggs = body["aggs"]
    # the register facet excludes its own selection but keeps the language one
    assert aggs["facet:register"]["filter"] == {"bool": {"filter": [{"terms": {"language": ["de"]}}]}}
    assert aggs["facet:language"]["filter"] == {"bool": {"filter": [{"terms": {"register": ["invoice", "offer"]}}]}}
    assert aggs["facet:year_month"]["filter"]["bool"]["filter"] == [
        {"terms": {"register": ["invoice", "offer"]}},
        {"terms": {"language": ["de"]}},
    ]
    assert aggs["facet:year_month"]["aggs"]["values"]["terms"]["order"] == {"_key": "desc"}
    # exact counts of selected values (even outside the top N)
    assert set(aggs["facet:register"]["aggs"]["selected"]["filters"]["filters"]) == {"invoice", "offer"}
    # selections are not in the main query (aggregations must see the unselected documents)
    outside_permissions = json.dumps(body["query"]).replace(json.dumps(perm_of(USER)), "")
    assert "register" not in outside_permissions and "language" not in outside_permissions


def test_tenant_facet_only_for_multi_tenant_users() -> None:
    assert "facet:tenant" not in kw(SearchRequest(text="x"))["aggs"]
    assert "facet:tenant" in kw(SearchRequest(text="x"), scope=ADMIN)["aggs"]


def test_no_facets_requested() -> None:
    assert "aggs" not in kw(SearchRequest(text="x", facets=()))


# ------------------------------------------------------------------------------------------ grouping


@pytest.mark.parametrize(
    ("group_by", "field"), [("customer", "customer_ids"), ("register", "register"), ("month", "year_month")]
)
def test_grouping_aggregation(group_by: str, field: str) -> None:
    req = SearchRequest(
        text="x",
        group_by=group_by,
        group_page=2,
        group_size=5,
        hits_per_group=2,
        filters={"language": ["de"]},
        facets=(),
    )  # type: ignore[arg-type]
    g = kw(req)["aggs"]["groups"]
    assert g["filter"] == {"bool": {"filter": [{"terms": {"language": ["de"]}}]}}  # all selections apply
    terms = g["aggs"]["keys"]["terms"]
    assert terms["field"] == field
    assert terms["size"] >= 10  # page 2 of 5
    assert g["aggs"]["keys"]["aggs"]["top"]["top_hits"]["size"] == 2
    assert g["aggs"]["count"]["cardinality"]["field"] == field


def test_month_groups_are_chronological() -> None:
    g = kw(SearchRequest(text="", group_by="month", sort="date_asc"))["aggs"]["groups"]
    assert g["aggs"]["keys"]["terms"]["order"] == {"_key": "asc"}


# ------------------------------------------------------------------------------------------ kNN


def test_knn_body() -> None:
    req = SearchRequest(text="Wann wurde geliefert? typ:lieferschein", filters={"customer_ids": ["K-1"]})
    parsed = parse_query(req.text)
    body = B.knn_body(req, USER, parsed, VEC, k=50)
    knn = body["knn"]
    assert knn["field"] == "passages.vector"
    assert knn["k"] == 50 and knn["num_candidates"] >= 50
    assert len(knn["query_vector"]) == 384
    assert {"terms": {"register": ["delivery_note"]}} in knn["filter"]
    assert {"terms": {"customer_ids": ["K-1"]}} in knn["filter"]
    assert knn["inner_hits"]["size"] == 1
    assert body["highlight"]["highlight_query"]  # kNN-only hits get highlighted by the text query too
    assert "post_filter" not in body


# ------------------------------------------------------------------------------------------ highlight


def test_highlight_uses_private_markers() -> None:
    hl = kw(SearchRequest(text="x"))["highlight"]
    assert hl["pre_tags"] == ["\ue000"] and hl["post_tags"] == ["\ue001"]
    assert "<em>" not in json.dumps(hl)
    assert "highlight" not in kw(SearchRequest(text="x", highlight=False))


# ------------------------------------------------------------------------------------------ request validation


def test_request_validation() -> None:
    with pytest.raises(ValueError):
        SearchRequest(mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SearchRequest(filters={"colour": ["red"]})
    with pytest.raises(ValueError):
        SearchRequest(group_by="year")  # type: ignore[arg-type]
    r = SearchRequest(size=10_000, page=-3, filters={"register": "invoice", "language": []})
    assert r.size == 100 and r.page == 1
    assert r.filters == {"register": ("invoice",)}
    with pytest.raises(TypeError):
        Principal("u", "nord")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ two-phase hybrid


def test_light_bodies_carry_no_source_highlight_or_inner_hits() -> None:
    req = SearchRequest(text="Rechnung", group_by="customer")
    parsed = parse_query(req.text)
    lex = B.keyword_body(req, USER, parsed, light=True, fields=["customer_ids"], size=100, from_=0)
    assert lex["_source"] is False and "highlight" not in lex and lex["docvalue_fields"] == ["customer_ids"]
    assert "groups" in lex["aggs"] and perm_of(USER) in lex["query"]["bool"]["filter"]
    knn = B.knn_body(req, USER, parsed, VEC, light=True, fields=["customer_ids"])
    assert knn["_source"] is False and "inner_hits" not in knn["knn"] and "highlight" not in knn
    assert perm_of(USER) in knn["knn"]["filter"]


def test_page_fetch_bodies_are_permission_filtered() -> None:
    parsed = parse_query("rostige Schrauben")
    fetch, knn = B.page_fetch_bodies(USER, parsed, QueryAnalysis("de", "rostig schraube"), VEC, ["a", "b"])
    assert fetch["query"]["bool"]["filter"] == [perm_of(USER), {"ids": {"values": ["a", "b"]}}]
    assert fetch["size"] == 2 and fetch["highlight"]["pre_tags"] == [B.PRE_TAG]
    assert knn["knn"]["filter"] == [perm_of(USER), {"ids": {"values": ["a", "b"]}}]
    assert knn["knn"]["k"] == 2 and knn["knn"]["inner_hits"]["size"] == 1
    only = B.page_fetch_bodies(USER, parsed, None, None, ["a"], highlight=False)
    assert len(only) == 1 and "highlight" not in only[0]


def test_group_count_body() -> None:
    req = SearchRequest(text="x", group_by="customer", filters={"register": ["invoice"]})
    body = B.group_count_body(req, USER, parse_query("x"), None, ["K-1", "K-2"])
    assert body["size"] == 0
    assert body["aggs"]["keys"]["terms"] == {"field": "customer_ids", "size": 2, "include": ["K-1", "K-2"]}
    f = body["query"]["bool"]["filter"]
    assert perm_of(USER) in f and {"terms": {"register": ["invoice"]}} in f
    with_none = B.group_count_body(req, USER, parse_query("x"), None, ["K-1", None])
    assert with_none["aggs"]["none"] == {"missing": {"field": "customer_ids"}}
    assert with_none["aggs"]["keys"]["terms"]["include"] == ["K-1"]
    with pytest.raises(ValueError):
        B.group_count_body(SearchRequest(text="x"), USER, parse_query("x"), None, ["K-1"])


def test_cache_keys_are_stable() -> None:
    a = SearchRequest(text="x", filters={"register": ["invoice", "offer"], "language": ["de"]})
    b = SearchRequest(text="x", filters={"language": ["de"], "register": ["invoice", "offer"]})
    assert a.cache_key() == b.cache_key()
    assert a.cache_key() != a.with_(page=2).cache_key()
    same_rights = Principal("anna", frozenset({"nord"}), frozenset({"service", "sales"}), frozenset({"manager"}))
    assert USER.scope_key == same_rights.scope_key
    other_user = Principal("bob", frozenset({"nord"}), frozenset({"service", "sales"}))
    assert USER.scope_key != other_user.scope_key  # confidential documents name users
    assert USER.scope_key != ADMIN.scope_key


def test_extra_conditions_are_parameters_not_patches() -> None:
    req = SearchRequest(text="x", filters={"register": ["invoice"]})
    parsed = parse_query("x")
    sim = B.similar_body(USER, "d1", VEC, exclude_family="fam-1")
    assert {"term": {"family_id": "fam-1"}} in sim["knn"]["filter"][-1]["bool"]["must_not"]
    match = B.match_body(req, USER, parsed, None, ["a", "b"])
    f = match["query"]["bool"]["filter"]
    assert f[0] == perm_of(USER) and {"ids": {"values": ["a", "b"]}} in f and {"terms": {"register": ["invoice"]}} in f
    assert match["size"] == 2 and match["_source"] is False
    count = B.count_body(req, USER, parsed)
    assert count["size"] == 0 and count["track_total_hits"] is True
    assert {"terms": {"register": ["invoice"]}} in count["query"]["bool"]["filter"]
