"""The cockpit's pages server-side against the ingested demo corpus: the requests a browser makes
(`/_dash-update-component`), with real logins, real Elasticsearch and the real permission rules."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import time
from typing import Any

import pytest

from cockpit import ids
from cockpit.dashclient import DashClient, find, texts
from indexing.schema import alias_name
from tests.e2e._cockpit import demo_app


@pytest.fixture(scope="module")
def app(demo_index, es):  # type: ignore[no-untyped-def]
    return demo_app(demo_index, es)


def client(app: Any, user: str) -> DashClient:
    c = DashClient(app)
    c.login(user)
    return c


def _search(es: Any, prefix: str, query: dict[str, Any], size: int = 100, **kw: Any) -> list[dict[str, Any]]:
    resp = es.search(index=alias_name(prefix, "documents"), query=query, size=size, **kw)
    return resp["hits"]["hits"]


@pytest.fixture(scope="module")
def corpus(demo_index, es) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Ids the tests need, looked up directly in Elasticsearch."""
    prefix = demo_index["prefix"]
    agg = es.search(
        index=alias_name(prefix, "documents"),
        size=0,
        query={"bool": {"filter": [{"term": {"tenant": "nord"}}, {"term": {"is_latest": True}}]}},
        aggs={"c": {"terms": {"field": "customer_ids", "size": 1}}},
    )
    top_nord = agg["aggregations"]["c"]["buckets"][0]["key"]
    nord_doc = _search(es, prefix, {"bool": {"filter": [{"term": {"customer_ids": top_nord}}, {"term": {"is_latest": True}},
                                                         {"term": {"acl_groups": "all"}}]}}, 1)[0]  # fmt: skip
    sued_doc = _search(es, prefix, {"term": {"tenant": "sued"}}, 1)[0]
    sued_customer = es.search(index=alias_name(prefix, "customers"), query={"term": {"tenant": "sued"}}, size=1)[
        "hits"
    ]["hits"][0]["_id"]
    contracts = _search(
        es, prefix, {"bool": {"filter": [{"term": {"tenant": "nord"}}, {"term": {"register": "contract"}}]}}
    )
    return {"prefix": prefix, "top_nord": top_nord, "nord_doc": nord_doc, "sued_doc": sued_doc,
            "sued_customer": sued_customer, "contracts": [h["_id"] for h in contracts]}  # fmt: skip


def doc_ids(tree: Any) -> list[str]:
    return [n["props"]["data-doc-id"] for n in find(tree, type="Article")]


# ------------------------------------------------------------------------------------------------ pages


def test_home_page_shows_figures_and_latest_documents(app, corpus):
    c = client(app, "anna.schmidt")
    tree = c.page("/")
    text = texts(tree)
    assert "Guten Tag, Anna" in text
    assert find(tree, id="kpi-documents") and find(tree, id="home-latest")
    assert doc_ids(tree)


def test_search_page_highlights_facets_and_groups(app, es, corpus):
    c = client(app, "anna.schmidt")
    tree = c.page("/search?q=Rechnung&mode=keyword")
    assert find(tree, type="Mark"), "query terms are marked"
    assert find(tree, id="facet-register")
    hits = doc_ids(tree)
    assert hits
    # a facet click narrows to that register, every hit
    first = next(n for n in find(tree, className="facet-row") if n["props"]["data-facet"] == "register")
    register = first["props"]["data-value"]
    href = first["props"]["children"]["props"]["href"]
    assert href == f"/search?q=Rechnung&mode=keyword&f.register={register}"
    tree = c.page(href)
    narrowed = doc_ids(tree)
    assert narrowed and len(narrowed) <= len(hits)
    regs = {h["_source"]["register"] for h in _search(es, corpus["prefix"], {"ids": {"values": narrowed}})}
    assert regs == {register}
    selected = [n for n in find(tree, className="facet-row") if n["props"]["aria-checked"] == "true"]
    assert [n["props"]["data-value"] for n in selected] == [register]
    # grouping by customer: collapsible groups with counts
    tree = c.page("/search?q=Rechnung&mode=keyword&group=customer")
    groups = find(tree, type="Details", className="group")
    assert groups and all(g["props"]["open"] for g in groups)


def test_hybrid_search_works_with_the_real_embedder(app):
    c = client(app, "anna.schmidt")
    tree = c.page("/search?q=Wo+bleibt+meine+Lieferung")
    assert doc_ids(tree)


def test_tenants_never_see_each_other(app, es, corpus):
    for user, tenant in (("mehmet.kaya", "sued"), ("anna.schmidt", "nord")):
        tree = client(app, user).page("/search?mode=keyword&sort=date_desc")
        ids_ = doc_ids(tree)
        assert ids_
        tenants = {h["_source"]["tenant"] for h in _search(es, corpus["prefix"], {"ids": {"values": ids_}})}
        assert tenants == {tenant}


def test_contract_documents_need_the_contracts_group(app, corpus):
    if not corpus["contracts"]:
        pytest.skip("the demo corpus has no contract in tenant nord")
    manager = client(app, "anna.schmidt").page("/search?mode=keyword&f.register=contract")
    agent = client(app, "jonas.weber").page("/search?mode=keyword&f.register=contract")
    assert set(doc_ids(manager)) & set(corpus["contracts"])
    assert not set(doc_ids(agent)) & set(corpus["contracts"])
    # and the agent's document page for a contract is "not found", exactly like an unknown id
    hidden = client(app, "jonas.weber").page(f"/document/{corpus['contracts'][0]}")
    unknown = client(app, "jonas.weber").page("/document/0123456789abcdef0123456789abcdef")
    assert find(hidden, id="not-found") and texts(hidden) == texts(unknown)


def test_dossier_cover_figures_match_elasticsearch(app, es, corpus):
    cid = corpus["top_nord"]
    tree = client(app, "anna.schmidt").page(f"/dossier/{cid}")
    assert find(tree, id="dossier-name")
    for kpi in ("kpi-open-complaints", "kpi-last-order", "kpi-last-delivery", "kpi-revenue", "kpi-documents"):
        assert find(tree, id=kpi), kpi
    # documents per register, live: the tab labels carry the same counts as Elasticsearch
    agg = es.search(
        index=alias_name(corpus["prefix"], "documents"),
        size=0,
        query={"bool": {"filter": [{"term": {"customer_ids": cid}}, {"term": {"is_latest": True}},
                                   {"terms": {"acl_groups": ["all", "contracts", "management"]}}]}},  # fmt: skip
        aggs={"r": {"terms": {"field": "register"}}, "rev": {"filter": {"bool": {"filter": [
            {"term": {"register": "invoice"}},
            {"range": {"doc_date": {"gte": (dt.date.today() - dt.timedelta(days=365)).isoformat()}}}]}},
            "aggs": {"s": {"sum": {"field": "total_amount"}}}}},
    )  # fmt: skip
    tabs = {n["props"]["tab_id"]: n["props"]["label"] for n in find(tree, type="Tab")}
    for b in agg["aggregations"]["r"]["buckets"]:
        assert tabs[f"reg-{b['key']}"].endswith(f"({b['doc_count']})")
    assert find(tree, id=ids.DOSSIER_TIMELINE)
    revenue = texts(find(tree, id="kpi-revenue")[0])
    expected = agg["aggregations"]["rev"]["s"]["value"]
    if agg["aggregations"]["rev"]["doc_count"]:
        from cockpit.i18n import fmt_money

        assert fmt_money(expected, "EUR", "de") in revenue


def test_dossier_of_another_tenant_looks_exactly_like_an_unknown_one(app, corpus):
    c = client(app, "anna.schmidt")
    other = c.page(f"/dossier/{corpus['sued_customer']}")
    unknown = c.page("/dossier/C00000")
    weird = c.page("/dossier/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert find(other, id="not-found")
    assert texts(other) == texts(unknown) == texts(weird)


def test_document_page_with_highlights_versions_and_filing_reasons(app, corpus):
    doc = corpus["nord_doc"]
    tree = client(app, "anna.schmidt").page(f"/document/{doc['_id']}?q=Rechnung")
    text = texts(tree)
    assert find(tree, id="document-text")
    assert find(tree, id="filing-reasons") or "Warum in dieser Akte?" in text
    assert find(tree, id="document-dossiers")
    link = find(tree, id=ids.DOCUMENT_DOWNLOAD)[0]
    assert link["props"]["href"] == f"/original/{doc['_id']}"


def test_document_of_another_tenant_looks_exactly_like_an_unknown_one(app, corpus):
    c = client(app, "anna.schmidt")
    other = c.page(f"/document/{corpus['sued_doc']['_id']}")
    unknown = c.page("/document/ffffffffffffffffffffffffffffffff")
    long = c.page("/document/" + "a" * 5000)
    assert find(other, id="not-found")
    assert texts(other) == texts(unknown) == texts(long)


def test_original_download_is_permission_checked(app, corpus):
    doc = corpus["nord_doc"]
    anna = client(app, "anna.schmidt").client
    resp = anna.get(f"/original/{doc['_id']}")
    assert resp.status_code == 200
    assert hashlib.sha256(resp.data).hexdigest() == doc["_source"]["content_sha256"]
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    mehmet = client(app, "mehmet.kaya").client
    denied = mehmet.get(f"/original/{doc['_id']}")
    unknown = mehmet.get("/original/ffffffffffffffffffffffffffffffff")
    assert denied.status_code == unknown.status_code == 404
    assert denied.data == unknown.data
    assert app.server.test_client().get(f"/original/{doc['_id']}").status_code == 401


def test_malformed_parameters_and_long_queries_give_a_friendly_page(app):
    c = client(app, "anna.schmidt")
    tree = c.page("/search?mode=fuzzy&page=-4&sort=x&group=y&f.nope=1&versions=z")
    msgs = texts(find(tree, id="page-messages")[0])
    for fragment in ("Suchart", "Seitenzahl", "Sortierung", "Gruppierung", "Filter"):
        assert fragment in msgs
    assert doc_ids(tree)  # still a result list
    tree = c.page("/search?mode=keyword&q=" + "Lieferung+" * 2000)
    assert "gekürzt" in texts(find(tree, id="page-messages")[0])
    tree = c.page("/search?q=%00%FF%FE&page=999999999999999999999")
    assert not find(tree, id="page-error")
    assert find(c.page("/no/such/page"), id="not-found")


def test_the_english_switch_translates_the_pages(app):
    c = client(app, "anna.schmidt")
    c.client.get("/lang/en?next=/")
    assert "Hello, Anna" in texts(c.page("/"))
    assert "results" in texts(c.page("/search?q=Rechnung&mode=keyword"))
    c.client.get("/lang/de?next=/")
    assert "Guten Tag" in texts(c.page("/"))


def test_export_within_permissions(app, es, corpus):
    c = client(app, "anna.schmidt")
    resp = c.callback(
        [(ids.EXPORT_DOWNLOAD, "data"), (ids.EXPORT_STATUS, "children")],
        [(ids.EXPORT_CSV, "n_clicks", 1), (ids.EXPORT_XLSX, "n_clicks", 0)],
        [(ids.SEARCH_STATE, "data", "mode=keyword")],
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    data = resp.get_json()["response"][ids.EXPORT_DOWNLOAD]["data"]
    assert data["filename"].endswith(".csv") and data["base64"]
    csv_text = base64.b64decode(data["content"]).decode("utf-8-sig")
    exported = {line.split(";")[0] for line in csv_text.splitlines()[1:] if line}
    allowed = {h["_id"] for h in _search(es, corpus["prefix"], {"bool": {"filter": [
        {"term": {"tenant": "nord"}}, {"term": {"is_latest": True}},
        {"terms": {"acl_groups": ["all", "contracts", "management"]}}]}}, 1000)}  # fmt: skip
    assert exported == allowed
    # XLSX as well
    resp = c.callback(
        [(ids.EXPORT_DOWNLOAD, "data"), (ids.EXPORT_STATUS, "children")],
        [(ids.EXPORT_CSV, "n_clicks", 1), (ids.EXPORT_XLSX, "n_clicks", 1)],
        [(ids.SEARCH_STATE, "data", "mode=keyword&f.register=correspondence")],
        changed=[f"{ids.EXPORT_XLSX}.n_clicks"],
    )
    data = resp.get_json()["response"][ids.EXPORT_DOWNLOAD]["data"]
    assert data["filename"].endswith(".xlsx")
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(base64.b64decode(data["content"]))).active
    n = len(_search(es, corpus["prefix"], {"bool": {"filter": [{"term": {"tenant": "nord"}}, {"term": {"is_latest": True}},
                                                                {"term": {"register": "correspondence"}}]}}, 1000))  # fmt: skip
    assert ws.max_row == n + 1
    assert {ws.cell(row=r, column=5).value for r in range(2, n + 2)} <= {"Korrespondenz"}


def test_agents_may_not_export(app):
    c = client(app, "jonas.weber")
    resp = c.callback(
        [(ids.EXPORT_DOWNLOAD, "data"), (ids.EXPORT_STATUS, "children")],
        [(ids.EXPORT_CSV, "n_clicks", 1), (ids.EXPORT_XLSX, "n_clicks", 0)],
        [(ids.SEARCH_STATE, "data", "")],
    )
    body = resp.get_json()["response"]
    assert ids.EXPORT_DOWNLOAD not in body and "exportieren" in texts(body[ids.EXPORT_STATUS]["children"])


def customer_src(es, prefix, customer_id):
    """A customer's master data by its id (the index id is tenant-qualified)."""
    hits = es.search(index=alias_name(prefix, "customers"), query={"term": {"customer_id": customer_id}})["hits"][
        "hits"
    ]
    assert len(hits) == 1
    return hits[0]["_source"]


def test_customer_finder_suggests_within_the_tenant(app, es, corpus):
    c = client(app, "anna.schmidt")
    name = customer_src(es, corpus["prefix"], corpus["top_nord"])["name"]
    resp = c.callback([(ids.CUSTOMER_FINDER, "options")], [(ids.CUSTOMER_FINDER, "search_value", name[:4])])
    options = resp.get_json()["response"][ids.CUSTOMER_FINDER]["options"]
    assert corpus["top_nord"] in [o["value"] for o in options]
    tenants = {customer_src(es, corpus["prefix"], o["value"])["tenant"] for o in options}
    assert tenants == {"nord"}


def test_status_page_is_for_administrators(app):
    assert find(client(app, "jonas.weber").page("/status"), id="status-denied")
    assert find(client(app, "admin").page("/status"), id=ids.STATUS_TABLE)


def test_document_views_and_downloads_are_audited(app, es, corpus):
    doc = corpus["nord_doc"]
    c = client(app, "lena.hoffmann")
    c.page(f"/document/{doc['_id']}")
    c.client.get(f"/original/{doc['_id']}")
    audit = alias_name(corpus["prefix"], "audit")
    deadline = time.time() + 10
    found: set[str] = set()
    while time.time() < deadline and found != {"view_document", "download_original"}:
        es.indices.refresh(index=audit)
        hits = es.search(index=audit, query={"term": {"owner": "lena.hoffmann"}}, size=20)["hits"]["hits"]
        found = {h["_source"]["action"] for h in hits if h["_source"].get("doc_id") == doc["_id"]}
        time.sleep(0.3)
    assert found == {"view_document", "download_original"}
