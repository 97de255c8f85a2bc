"""SearchService against the real Elasticsearch: a handful of handcrafted documents with tiny vectors.

Vectors come from a bag-of-words "embedder" (each word hashed into one of 384 dimensions), so kNN ranks by
word overlap and the tests can reason about neighbours without a model.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import pytest

from domain.principal import Principal
from indexing import schema
from search import lookups
from search.repository import ReadFailed, Repository
from search.request import SearchRequest
from search.service import SearchService

SALES_NORD = Principal("anna", frozenset({"nord"}), frozenset({"sales"}))
ADMIN_BOTH = Principal("root", frozenset({"nord", "sued"}), frozenset(), frozenset({"admin"}))
NOBODY = Principal("eve", frozenset(), frozenset())

SECRET = "Geheimsache Schrauben Rechnung Sonderpreis"


class BowEmbedder:
    model_name = "test-bag-of-words"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % 384] += 1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else np.full(384, 1 / np.sqrt(384), dtype=np.float32)
        return out


EMB = BowEmbedder()


def doc(
    doc_id: str,
    *,
    tenant: str = "nord",
    acl: tuple[str, ...] = ("sales",),
    register: str = "invoice",
    customers: tuple[tuple[str, str], ...] = (("K-10234", "Müller GmbH"),),
    date: str = "2026-01-15",
    text: str = "",
    title: str = "",
    ids: tuple[str, ...] = (),
    latest: bool = True,
    version: int = 1,
    family: str | None = None,
    language: str = "de",
    source_kind: str = "file",
    status: str = "open",
) -> dict[str, Any]:
    title = title or text[:40]
    vec = EMB.encode([title + " " + text])[0]
    return {
        "doc_id": doc_id,
        "family_id": family or doc_id,
        "version": version,
        "is_latest": latest,
        "tenant": tenant,
        "acl_groups": list(acl),
        "export_groups": list(acl),
        "title": title,
        "text": text,
        "lemmas": text.lower(),
        "language": language,
        "source_kind": source_kind,
        "status": status,
        "customer_ids": [c for c, _ in customers],
        "customer_names": [n for _, n in customers],
        "primary_customer_id": customers[0][0] if customers else None,
        "register": register,
        "doc_date": date,
        "year_month": date[:7],
        "ids": list(ids) + [c.replace("-", "").lower() for c, _ in customers],
        "entity_facets": [f"customer_number:{c}" for c, _ in customers],
        "filing": {"status": "auto", "confidence": 0.9},
        "passages": [{"ord": 0, "text": text, "vector": [float(x) for x in vec]}],
    }


DOCS = [
    doc(
        "n1",
        text="Rechnung RE-2026-00042 über 500 Schrauben, die Lieferung kam verspätet an",
        ids=("re202600042",),
        version=2,
        family="fam1",
    ),
    doc(
        "n1-old",
        text="Rechnung RE-2026-00042 über 400 Schrauben",
        ids=("re202600042",),
        latest=False,
        family="fam1",
        date="2026-01-10",
    ),
    doc("n2", register="complaint", date="2026-02-10", text="Reklamation: die Schrauben waren rostig und verbogen"),
    doc(
        "n3",
        register="offer",
        customers=(("K-20000", "Schmidt AG"),),
        date="2026-02-20",
        text="Angebot für Muttern und Schrauben mit Rabatt",
        language="de",
    ),
    doc(
        "n4",
        register="offer",
        customers=(("K-20000", "Schmidt AG"),),
        date="2026-03-05",
        language="en",
        text="Offer for washers and bolts, delivery within two weeks",
        source_kind="email",
    ),
    doc(
        "n5",
        register="correspondence",
        customers=(),
        date="2026-03-07",
        text="Allgemeine Anfrage zu Öffnungszeiten",
        status="n/a",
    ),
    # forbidden for SALES_NORD: other group, other tenant
    doc("f1", acl=("finance",), text=SECRET, date="2026-03-01"),
    doc("s1", tenant="sued", text=SECRET, date="2026-03-02", customers=(("K-10234", "Müller GmbH"),)),
]
FORBIDDEN = {"f1", "s1"}
VISIBLE_LATEST = {"n1", "n2", "n3", "n4", "n5"}


@pytest.fixture()
def svc(es: Any, index_prefix: str) -> SearchService:
    alias = schema.alias_name(index_prefix, "documents")
    es.indices.create(
        index=schema.index_name(index_prefix, "documents"),
        mappings=schema.documents_mapping(),
        settings=schema.index_settings("documents"),
        aliases={alias: {}},
    )
    for d in DOCS:
        es.index(index=alias, id=d["doc_id"], document=d)
    calias = schema.alias_name(index_prefix, "customers")
    es.indices.create(
        index=schema.index_name(index_prefix, "customers"),
        mappings=schema.customers_mapping(),
        settings=schema.index_settings("customers"),
        aliases={calias: {}},
    )
    for cid, number, name, tenant, acl in [
        ("c1", "K-10234", "Müller GmbH", "nord", ["sales"]),
        ("c2", "K-20000", "Schmidt AG", "nord", ["sales"]),
        ("c3", "K-10299", "Müllerei Süd", "sued", ["sales"]),
        ("c4", "K-10250", "Müller Finanz", "nord", ["finance"]),
    ]:
        es.index(
            index=calias,
            id=cid,
            document={
                "customer_id": cid,
                "number": number,
                "number_norm": number.replace("-", "").lower(),
                "name": name,
                "tenant": tenant,
                "acl_groups": acl,
                "suggest": {"input": [name, number], "contexts": {"tenant": [tenant]}},
            },
        )
    es.indices.refresh(index=f"{index_prefix}-*")
    return SearchService(Repository(es, index_prefix), lambda: EMB)


def ids_of(result: Any) -> list[str]:
    return [h.doc_id for h in result.hits]


# ---------------------------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
@pytest.mark.parametrize("text", ["", SECRET, "Schrauben", "Geheimsache"])
def test_forbidden_docs_never_in_hits_or_facets(svc: SearchService, mode: str, text: str) -> None:
    res = svc.search(
        SearchRequest(text=text, mode=mode, size=50, facets=("register", "customer_ids", "tenant")), SALES_NORD
    )  # type: ignore[arg-type]
    assert not FORBIDDEN & set(ids_of(res)), res
    assert not res.messages, res.messages
    # facet counts only count permitted documents
    total_register = sum(b.count for b in res.facets["register"])
    assert total_register <= len(VISIBLE_LATEST)
    assert all(b.value == "nord" for b in res.facets["tenant"])


def test_knn_filter_applies_before_neighbour_selection(svc: SearchService) -> None:
    # the forbidden documents are the exact nearest neighbours of this query; k=1 must still find a permitted one
    svc.candidate_depth = 1
    res = svc.search(SearchRequest(text=SECRET, mode="semantic", size=1), SALES_NORD)
    assert len(res.hits) == 1 and res.hits[0].doc_id not in FORBIDDEN
    admin = svc.search(SearchRequest(text=SECRET, mode="semantic", size=1), ADMIN_BOTH)
    assert admin.hits[0].doc_id in FORBIDDEN


def test_groups_and_export_and_similar_respect_permissions(svc: SearchService) -> None:
    res = svc.search(SearchRequest(text="Schrauben", group_by="customer", hits_per_group=10), SALES_NORD)
    in_groups = {h.doc_id for g in res.groups for h in g.hits}
    assert in_groups and not in_groups & FORBIDDEN
    assert sum(g.count for g in res.groups) <= len(VISIBLE_LATEST)
    exported = {d["doc_id"] for d in lookups.export(svc.repo, SALES_NORD, SearchRequest(text=""), svc.analyze, batch=2)}
    assert exported == VISIBLE_LATEST
    everything = SearchRequest(text="", latest_only=False)
    exported_all = {d["doc_id"] for d in lookups.export(svc.repo, ADMIN_BOTH, everything, svc.analyze)}
    assert exported_all == {d["doc_id"] for d in DOCS}
    sims = [h.doc_id for h in lookups.similar(svc.repo, SALES_NORD, "n1", k=10)]
    assert sims and "n1" not in sims and "n1-old" not in sims and not set(sims) & FORBIDDEN
    assert lookups.similar(svc.repo, SALES_NORD, "s1") is None  # cannot use a document one may not see as the source


def test_empty_scope_sees_nothing(svc: SearchService) -> None:
    res = svc.search(SearchRequest(text="Schrauben"), NOBODY)
    assert res.hits == [] and res.messages
    assert list(lookups.export(svc.repo, NOBODY, SearchRequest(), svc.analyze)) == []
    assert lookups.suggest_customers(svc.repo, NOBODY, "Mü") == []


# ---------------------------------------------------------------------------------------------- facets


def test_facet_counts_exclude_their_own_selection(svc: SearchService) -> None:
    req = SearchRequest(text="", filters={"register": ["invoice"]}, facets=("register", "customer_ids", "language"))
    res = svc.search(req, SALES_NORD)
    assert ids_of(res) == ["n1"]
    reg = {b.value: (b.count, b.selected) for b in res.facets["register"]}
    # the register facet still offers the other registers with their counts
    assert reg == {"invoice": (1, True), "offer": (2, False), "complaint": (1, False), "correspondence": (1, False)}
    # other facets are narrowed by the register selection
    assert {b.value: b.count for b in res.facets["customer_ids"]} == {"K-10234": 1}
    # multi-select within a facet is OR, across facets AND
    res2 = svc.search(SearchRequest(filters={"register": ["invoice", "offer"], "language": ["de"]}), SALES_NORD)
    assert set(ids_of(res2)) == {"n1", "n3"}
    lang = {b.value: b.count for b in res2.facets["language"]}
    assert lang == {"de": 2, "en": 1}  # language facet ignores its own selection (n4 is English)


def test_unknown_facet_value_is_an_empty_result_not_an_error(svc: SearchService) -> None:
    res = svc.search(SearchRequest(text="Schrauben", filters={"register": ["unicorn"]}), SALES_NORD)
    assert res.hits == [] and res.total == 0
    buckets = {b.value: (b.count, b.selected) for b in res.facets["register"]}
    assert buckets["unicorn"] == (0, True)
    assert buckets["invoice"][0] >= 1


def test_browse_with_facets_and_latest_switch(svc: SearchService) -> None:
    res = svc.search(SearchRequest(text=""), SALES_NORD)
    assert set(ids_of(res)) == VISIBLE_LATEST
    assert ids_of(res)[0] == "n5"  # newest first
    assert res.facets["year_month"][0].value == "2026-03"
    res_all = svc.search(SearchRequest(text="", latest_only=False), SALES_NORD)
    assert "n1-old" in ids_of(res_all)


# ---------------------------------------------------------------------------------------------- grouping


def test_grouping_by_customer_register_month(svc: SearchService) -> None:
    res = svc.search(SearchRequest(text="", group_by="customer", hits_per_group=5), SALES_NORD)
    groups = {g.key: (g.count, {h.doc_id for h in g.hits}) for g in res.groups}
    assert groups == {"K-10234": (2, {"n1", "n2"}), "K-20000": (2, {"n3", "n4"}), None: (1, {"n5"})}
    assert res.total_groups == 2  # cardinality counts values; the "no customer" group comes on top
    by_reg = svc.search(SearchRequest(text="", group_by="register"), SALES_NORD)
    assert by_reg.groups[0].key == "offer" and by_reg.groups[0].count == 2
    by_month = svc.search(SearchRequest(text="", group_by="month"), SALES_NORD)
    assert [g.key for g in by_month.groups] == ["2026-03", "2026-02", "2026-01"]
    page2 = svc.search(SearchRequest(text="", group_by="month", group_size=2, group_page=2), SALES_NORD)
    assert [g.key for g in page2.groups] == ["2026-01"]


@pytest.mark.parametrize("mode", ["keyword", "hybrid", "semantic"])
def test_grouping_with_text_in_every_mode(svc: SearchService, mode: str) -> None:
    res = svc.search(SearchRequest(text="Schrauben rostig", mode=mode, group_by="register"), SALES_NORD)  # type: ignore[arg-type]
    assert res.groups, res
    assert not {h.doc_id for g in res.groups for h in g.hits} & FORBIDDEN


# ---------------------------------------------------------------------------------------------- identifiers, highlights


@pytest.mark.parametrize("text", ["K-10234", "K10234", "k 10234", "k10234"])
def test_customer_number_written_any_way(svc: SearchService, text: str) -> None:
    res = svc.search(SearchRequest(text=text, mode="keyword"), SALES_NORD)
    assert set(ids_of(res)[:2]) == {"n1", "n2"}


@pytest.mark.parametrize("text", ["RE-2026-00042", "re2026 00042", "nr:RE-2026-00042", "nr:re202600042"])
def test_document_number(svc: SearchService, text: str) -> None:
    res = svc.search(SearchRequest(text=text), SALES_NORD)
    assert ids_of(res)[0] == "n1"
    if text.startswith("nr:"):
        assert ids_of(res) == ["n1"]


def test_prefixes(svc: SearchService) -> None:
    assert set(ids_of(svc.search(SearchRequest(text="kunde:K-20000"), SALES_NORD))) == {"n3", "n4"}
    kw = SearchRequest(text='kunde:"Schmidt AG" Schrauben', mode="keyword")
    assert set(ids_of(svc.search(kw, SALES_NORD))) == {"n3"}
    # hybrid adds semantic neighbours within the customer constraint, after the keyword match
    assert ids_of(svc.search(kw.with_(mode="hybrid"), SALES_NORD))[0] == "n3"
    assert set(ids_of(svc.search(kw.with_(mode="hybrid"), SALES_NORD))) <= {"n3", "n4"}
    assert ids_of(svc.search(SearchRequest(text="typ:reklamation"), SALES_NORD)) == ["n2"]
    feb = svc.search(SearchRequest(text="datum:01.02.2026..28.02.2026"), SALES_NORD)
    assert set(ids_of(feb)) == {"n2", "n3"}


def test_highlights_are_structured_fragments(svc: SearchService) -> None:
    res = svc.search(SearchRequest(text="rostig", mode="keyword"), SALES_NORD)
    hit = res.hits[0]
    assert hit.doc_id == "n2"
    pieces = hit.highlights["text"][0]
    assert ("rostig", True) in pieces
    assert all(isinstance(t, str) and "\ue000" not in t and "<em>" not in t for t, _ in pieces)
    hyb = svc.search(SearchRequest(text="rostig"), SALES_NORD)
    top = hyb.hits[0]
    assert top.doc_id == "n2" and top.best_passage and ("rostig", True) in top.highlights["text"][0]


# ---------------------------------------------------------------------------------------------- sorting and paging


def test_search_after_pages_through_everything(svc: SearchService) -> None:
    seen: list[str] = []
    after = None
    for _ in range(10):
        res = svc.search(SearchRequest(text="", sort="date_asc", size=2, search_after=after), SALES_NORD)
        seen += ids_of(res)
        after = res.next_search_after
        if after is None:
            break
    assert seen == ["n1", "n2", "n3", "n4", "n5"]


def test_sort_by_customer(svc: SearchService) -> None:
    res = svc.search(SearchRequest(text="", sort="customer"), SALES_NORD)
    names = [h.customer_names[0] if h.customer_names else "~" for h in res.hits]
    assert names == sorted(names)


# ---------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
@pytest.mark.parametrize(
    "text",
    [
        "Schrauben " * 250,  # ~2,500 characters
        '"Schrauben verbogen',
        'Schrauben" rostig"',
        r'(Schrauben AND) || rostig^2 ~ * ? / \ [a TO] {b} +- ! && "',
        "foo:bar Schrauben",
        "kunde:",
        "datum:31.02.2026 Schrauben",
        "nr:--",
        "\u0000\ue000Schrauben\ue001",
        "🙂 Schrauben ∑ 日本",
    ],
)
def test_bad_input_never_raises(svc: SearchService, mode: str, text: str) -> None:
    res = svc.search(SearchRequest(text=text, mode=mode), SALES_NORD)  # type: ignore[arg-type]
    assert not any(m.code == "msg.search_failed" for m in res.messages), res.messages
    if "Schrauben" in text:
        assert res.hits, (text, res.messages)


def test_bad_input_messages(svc: SearchService) -> None:
    assert any(
        m.params.get("value") == "31.02.2026"
        for m in svc.search(SearchRequest(text="datum:31.02.2026 x"), SALES_NORD).messages
    )
    long = svc.search(SearchRequest(text="Schrauben " * 250), SALES_NORD)
    assert any(m.code == "msg.query_too_long" for m in long.messages)
    beyond = svc.search(SearchRequest(text="Schrauben", page=40, size=10), SALES_NORD)
    assert beyond.hits == [] and any(m.code == "msg.beyond" for m in beyond.messages)
    beyond_kw = svc.search(SearchRequest(text="Schrauben", mode="keyword", page=40, size=10), SALES_NORD)
    assert beyond_kw.hits == [] and any(m.code == "msg.beyond" for m in beyond_kw.messages)
    window = svc.search(SearchRequest(text="Schrauben", page=10_000, size=100), SALES_NORD)
    assert window.hits == [] and window.messages


def test_elasticsearch_errors_become_messages(es: Any) -> None:
    broken = SearchService(Repository(es, "no-such-prefix-xyz"), lambda: EMB)
    for mode in ("keyword", "hybrid"):
        res = broken.search(SearchRequest(text="x", mode=mode), SALES_NORD)  # type: ignore[arg-type]
        assert res.hits == [] and res.messages
    with pytest.raises(ReadFailed):  # the callers decide: the cockpit shows none, the API answers 503
        lookups.similar(broken.repo, SALES_NORD, "x")
    assert lookups.suggest_customers(broken.repo, SALES_NORD, "mü") == []


def test_embedder_failure_falls_back_to_keyword(es: Any, svc: SearchService) -> None:
    def boom() -> Any:
        raise RuntimeError("model missing")

    degraded = SearchService(svc.repo, boom)
    res = degraded.search(SearchRequest(text="rostig"), SALES_NORD)
    assert ids_of(res)[0] == "n2" and res.mode == "keyword" and res.messages


# ---------------------------------------------------------------------------------------------- suggest


def test_suggest_customers(svc: SearchService) -> None:
    names = [s.name for s in lookups.suggest_customers(svc.repo, SALES_NORD, "Mü")]
    assert names == ["Müller GmbH"]  # not the other tenant's Müllerei, not the finance-only customer
    assert [s.customer_id for s in lookups.suggest_customers(svc.repo, SALES_NORD, "10234")] == ["c1"]
    assert [s.customer_id for s in lookups.suggest_customers(svc.repo, SALES_NORD, "K-2")] == ["c2"]
    admin = {s.customer_id for s in lookups.suggest_customers(svc.repo, ADMIN_BOTH, "Mü")}
    assert admin == {"c1", "c3", "c4"}


@pytest.mark.parametrize("mode", ["hybrid", "semantic"])
def test_vector_modes_return_complete_hits_and_groups(svc: SearchService, mode: str) -> None:
    res = svc.search(
        SearchRequest(text="Schrauben Lieferung", mode=mode, group_by="customer", hits_per_group=3), SALES_NORD
    )  # type: ignore[arg-type]
    assert res.hits and all(h.title and h.register and h.best_passage for h in res.hits)
    assert res.dense_weight is not None and res.language
    for g in res.groups:
        assert g.hits and all(h.title for h in g.hits)
        assert g.count >= len(g.hits)
    dated = svc.search(SearchRequest(text="Schrauben", mode=mode, sort="date_desc"), SALES_NORD)  # type: ignore[arg-type]
    dates = [h.doc_date for h in dated.hits]
    assert dates == sorted(dates, reverse=True)


def test_hybrid_paging_is_consistent(svc: SearchService) -> None:
    first = svc.search(SearchRequest(text="Schrauben", size=2), SALES_NORD)
    second = svc.search(SearchRequest(text="Schrauben", size=2, page=2), SALES_NORD)
    everything = svc.search(SearchRequest(text="Schrauben", size=4), SALES_NORD)
    assert ids_of(first) + ids_of(second) == ids_of(everything)[:4]


def test_hybrid_group_counts_cover_keyword_and_semantic_matches(svc: SearchService) -> None:
    # keyword matches n1, n2, n3; the kNN leg adds every other permitted document (n4, n5)
    res = svc.search(SearchRequest(text="Schrauben", group_by="customer", hits_per_group=5), SALES_NORD)
    assert res.total == 5 and res.total_is_exact
    assert {g.key: g.count for g in res.groups} == {"K-10234": 2, "K-20000": 2, None: 1}
    for g in res.groups:
        assert g.count == len(g.hits)
    kw = svc.search(SearchRequest(text="Schrauben", mode="keyword", group_by="customer"), SALES_NORD)
    assert {g.key: g.count for g in kw.groups} == {"K-10234": 2, "K-20000": 1}
