"""search.parse: Elasticsearch responses -> SearchResult, tested on handmade responses."""

from __future__ import annotations

from typing import Any

from domain.principal import Principal
from search.clauses import MISSING_GROUP_KEY, POST_TAG, PRE_TAG
from search.parse import (
    parse_customer_suggestions,
    parse_facets,
    parse_groups,
    parse_hit,
    parse_keyword_response,
    split_marked,
)
from search.request import SearchRequest


def raw_hit(doc_id: str, score: float = 1.0, **src: Any) -> dict[str, Any]:
    return {"_id": doc_id, "_score": score, "_source": {"doc_id": doc_id, "title": f"T {doc_id}", **src}}


def test_split_marked() -> None:
    assert split_marked(f"a {PRE_TAG}b{POST_TAG} c") == (("a ", False), ("b", True), (" c", False))
    assert split_marked(f"{PRE_TAG}x{POST_TAG}{PRE_TAG}y{POST_TAG}") == (("xy", True),)
    assert split_marked("plain <b>html</b>") == (("plain <b>html</b>", False),)  # text, never markup
    assert split_marked(f"stray {POST_TAG}end") == (("stray end", False),)
    assert split_marked("") == ()


def test_parse_hit_with_highlight_and_passage() -> None:
    h = raw_hit("d1", 2.5, customer_ids=["K-1"], customer_names="Müller", version=2, is_latest=True)
    h["highlight"] = {"text": [f"die {PRE_TAG}Rechnung{POST_TAG} ist"]}
    h["inner_hits"] = {"passages": {"hits": {"hits": [{"_nested": {"offset": 3}, "_source": {"text": "P", "ord": 3}}]}}}
    hit = parse_hit(h)
    assert hit.doc_id == "d1" and hit.score == 2.5 and hit.version == 2
    assert hit.customer_ids == ("K-1",) and hit.customer_names == ("Müller",)
    assert hit.highlights["text"] == ((("die ", False), ("Rechnung", True), (" ist", False)),)
    assert hit.best_passage == "P" and hit.best_passage_ord == 3
    assert hit.snippet == hit.highlights["text"]


def test_facets_with_selected_values_missing_from_buckets() -> None:
    req = SearchRequest(filters={"register": ["invoice", "unicorn"]})
    aggs = {
        "facet:register": {
            "doc_count": 10,
            "values": {"buckets": [{"key": "invoice", "doc_count": 7}, {"key": "offer", "doc_count": 3}]},
            "selected": {"buckets": {"invoice": {"doc_count": 7}, "unicorn": {"doc_count": 0}}},
        },
        "facet:year_month": {"values": {"buckets": [{"key": "2026-03", "doc_count": 2}]}},
        "groups": {},
    }
    facets = parse_facets(aggs, req)
    assert [(b.value, b.count, b.selected) for b in facets["register"]] == [
        ("invoice", 7, True),
        ("offer", 3, False),
        ("unicorn", 0, True),
    ]
    assert facets["year_month"][0].value == "2026-03"
    assert "groups" not in facets


def _group_aggs() -> dict[str, Any]:
    def bucket(key: str, count: int, ids: list[str], max_score: float) -> dict[str, Any]:
        return {
            "key": key,
            "doc_count": count,
            "top": {"hits": {"max_score": max_score, "hits": [raw_hit(i, customer_ids=[key]) for i in ids]}},
        }

    return {
        "groups": {
            "count": {"value": 3},
            "keys": {
                "buckets": [
                    bucket("K-1", 5, ["a", "b"], 1.0),
                    bucket("K-2", 3, ["c"], 9.0),
                    bucket(MISSING_GROUP_KEY, 1, ["z"], 0.5),
                ]
            },
        }
    }


def test_groups_by_relevance_and_paging() -> None:
    req = SearchRequest(text="x", group_by="customer", group_size=2)
    groups, total = parse_groups(_group_aggs(), req)
    assert total == 3
    assert [(g.key, g.count) for g in groups] == [("K-2", 3), ("K-1", 5)]  # best hit first
    page2, _ = parse_groups(_group_aggs(), SearchRequest(text="x", group_by="customer", group_size=2, group_page=2))
    assert [(g.key, [h.doc_id for h in g.hits]) for g in page2] == [(None, ["z"])]


def test_groups_by_fused_rank() -> None:
    req = SearchRequest(text="x", group_by="customer", group_size=5, hits_per_group=2)
    fused = [parse_hit(raw_hit("b", customer_ids=["K-1"])), parse_hit(raw_hit("q", customer_ids=["K-1"]))]
    groups, _ = parse_groups(_group_aggs(), req, rank_of={"b": 0, "q": 1}, fused_hits=fused)
    assert groups[0].key == "K-1"
    assert [h.doc_id for h in groups[0].hits] == ["b", "q"]


def test_keyword_response_and_search_after() -> None:
    req = SearchRequest(text="x", size=2, sort="date_desc")
    resp = {
        "took": 3,
        "hits": {
            "total": {"value": 5, "relation": "eq"},
            "hits": [dict(raw_hit("a"), sort=["2026", "a"]), dict(raw_hit("b"), sort=["2025", "b"])],
        },
    }
    res = parse_keyword_response(resp, req)
    assert res.total == 5 and [h.doc_id for h in res.hits] == ["a", "b"]
    assert res.next_search_after == ("2025", "b")


def test_page_beyond_the_end_has_a_message() -> None:
    req = SearchRequest(text="x", size=10, page=50)
    res = parse_keyword_response({"hits": {"total": {"value": 12, "relation": "eq"}, "hits": []}}, req)
    assert res.hits == [] and res.messages and res.messages[0].code == "msg.beyond"


def test_customer_suggestions_respect_groups() -> None:
    scope = Principal("u", frozenset({"nord"}), frozenset({"sales"}))
    resp = {
        "hits": {
            "hits": [
                {"_id": "c1", "_source": {"customer_id": "c1", "name": "A", "tenant": "nord", "acl_groups": ["sales"]}}
            ]
        },
        "suggest": {
            "customers": [
                {
                    "options": [
                        {
                            "_id": "c1",
                            "_source": {"customer_id": "c1", "name": "A", "tenant": "nord", "acl_groups": ["sales"]},
                        },
                        {
                            "_id": "c2",
                            "_source": {"customer_id": "c2", "name": "B", "tenant": "nord", "acl_groups": ["finance"]},
                        },
                        {
                            "_id": "c3",
                            "_source": {"customer_id": "c3", "name": "C", "tenant": "sued", "acl_groups": ["sales"]},
                        },
                    ]
                }
            ]
        },
    }
    assert [s.customer_id for s in parse_customer_suggestions(resp, scope)] == ["c1"]


def test_groups_surfaced_only_by_the_fused_ranking_are_added() -> None:
    from search.parse import missing_group_keys, parse_light_hit

    req = SearchRequest(text="x", group_by="customer", group_size=5, hits_per_group=2)
    light = parse_light_hit({"_id": "n", "_score": 1.0, "fields": {"customer_ids": ["K-9"]}}, score=0.7)
    assert light.source["customer_ids"] == ["K-9"] and light.score == 0.7
    groups, total = parse_groups(_group_aggs(), req, rank_of={"n": 0}, fused_hits=[light])
    assert groups[0].key == "K-9" and groups[0].count == 1 and [h.doc_id for h in groups[0].hits] == ["n"]
    assert total == 3  # the cardinality already counts K-9
    assert missing_group_keys(groups, _group_aggs()) == ["K-9"]
    exact, _ = parse_groups(_group_aggs(), req, rank_of={"n": 0}, fused_hits=[light], extra_counts={"K-9": 12})
    assert exact[0].count == 12


def test_month_groups_stay_chronological_under_fused_ranking() -> None:
    req = SearchRequest(text="x", group_by="month")
    aggs = {
        "groups": {
            "count": {"value": 2},
            "keys": {"buckets": [{"key": "2026-03", "doc_count": 1}, {"key": "2026-01", "doc_count": 4}]},
        }
    }
    fused = [parse_hit(raw_hit("old", year_month="2026-01"))]
    groups, _ = parse_groups(aggs, req, rank_of={"old": 0}, fused_hits=fused)
    assert [g.key for g in groups] == ["2026-03", "2026-01"]
