"""The REST API end to end on the real Elasticsearch: auth, every endpoint, isolation between tenants,
capabilities, problem documents for bad input, ETags, cursors, rate limits, audit."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from indexing.schema import alias_name
from tests.helpers import drop_prefix
from tests.integration.api_world import auth, build

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(es, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One world for the module (the tests only add to it: their own customers, keys and audit entries)."""
    import uuid

    prefix = f"test-api-{uuid.uuid4().hex[:8]}"
    yield build(es, prefix, tmp_path_factory.mktemp("api"))
    drop_prefix(prefix)


def get(world: dict[str, Any], path: str, key: str = "erp-nord", **kw: Any) -> Any:
    return world["client"].get(path, headers={**auth(world["keys"][key]), **kw.pop("headers", {})}, **kw)


def post(world: dict[str, Any], path: str, body: Any, key: str = "erp-nord", **kw: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = {**auth(world["keys"][key]), "Content-Type": "application/json", **kw.pop("headers", {})}
    return world["client"].post(path, data=data, headers=headers, **kw)


def problem(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == status and body["title"] and "Traceback" not in resp.get_data(as_text=True)
    if code is not None:
        assert body["code"] == code, body
    return body


# ------------------------------------------------------------------------------------------------ the door


def test_openapi_document_and_interactive_docs(world):
    c = world["client"]
    spec = c.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"] == "Dossier Cockpit API"
    assert {"/api/v1/search", "/api/v1/customers", "/api/v1/documents/{doc_id}", "/api/v1/views",
            "/api/v1/notifications"} <= set(spec["paths"])  # fmt: skip
    for item in spec["paths"].values():
        for op in item.values():
            assert op["responses"]["404"]["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
    assert c.get("/api/v1/").status_code == 200  # the docs' start page


def test_authentication_is_required_and_bad_keys_all_look_alike(world):
    c = world["client"]
    body = problem(c.get("/api/v1/search"), 401, "api.error.auth")
    assert c.get("/api/v1/search").headers["WWW-Authenticate"].startswith("Bearer")
    assert body["detail"]  # translated
    fake = world["keys"]["erp-nord"][:-4] + "AAAA"
    for bad in ("nonsense", "dck_zz_x", fake, world["keys"]["old-nord"]):
        problem(c.get("/api/v1/search", headers=auth(bad)), 401, "api.error.key")
    assert c.get("/api/v1/search", headers={"X-API-Key": world["keys"]["erp-nord"]}).status_code == 200


def test_expired_key_is_refused(world):
    import datetime as dt

    from app import api_keys
    from tests.integration.api_world import OPERATOR

    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    _, token = api_keys.create_key(world["ctx"], OPERATOR, name="short", tenant="nord", groups={"all"},
                                   capabilities={"search"}, expires=soon)  # fmt: skip
    assert world["client"].get("/api/v1/search", headers=auth(token)).status_code == 200
    time.sleep(2.2)
    problem(world["client"].get("/api/v1/search", headers=auth(token)), 401, "api.error.key")


# ------------------------------------------------------------------------------------------------ endpoints


def test_search_with_facets_groups_cursor_and_links(world):
    r = get(world, "/api/v1/search?q=Rechnung&mode=keyword&size=1")
    assert r.status_code == 200
    body = r.get_json()
    assert [h["doc_id"] for h in body["hits"]] == ["n1"] and body["total"] == 1
    assert body["hits"][0]["links"]["cockpit"].endswith("/document/n1")
    assert body["links"]["cockpit"].endswith("/search?q=Rechnung&mode=keyword")
    assert "register" in body["facets"] and body["facets"]["register"][0]["value"] == "invoice"
    every = get(world, "/api/v1/search?size=1&mode=keyword").get_json()  # browse: n1, n3 (n2 needs contracts)
    assert every["total"] == 2 and every["next_cursor"]
    second = get(world, f"/api/v1/search?size=1&mode=keyword&cursor={every['next_cursor']}")
    assert second.status_code == 200 and second.get_json()["hits"][0]["doc_id"] != every["hits"][0]["doc_id"]
    assert 'rel="next"' in r.headers.get("Link", "") or not body["next_cursor"]
    # a cursor of another query, or a tampered one, is refused
    problem(get(world, f"/api/v1/search?size=2&mode=keyword&cursor={every['next_cursor']}"), 422, "api.error.cursor")
    problem(get(world, f"/api/v1/search?size=1&mode=keyword&cursor={every['next_cursor']}x"), 422, "api.error.cursor")
    grouped = get(world, "/api/v1/search?mode=keyword&group=register&register=invoice&register=complaint").get_json()
    assert {g["key"] for g in grouped["groups"]} == {"invoice", "complaint"}
    hybrid = get(world, "/api/v1/search?q=Pumpen").get_json()
    assert hybrid["mode"] == "hybrid" and "n1" in [h["doc_id"] for h in hybrid["hits"]]


def test_groups_decide_within_a_tenant(world):
    assert "n2" not in [h["doc_id"] for h in get(world, "/api/v1/search?q=Vertrag").get_json()["hits"]]
    assert "n2" in [h["doc_id"] for h in get(world, "/api/v1/search?q=Vertrag", "contracts-nord").get_json()["hits"]]
    problem(get(world, "/api/v1/documents/n2"), 404, "notfound.document")
    assert get(world, "/api/v1/documents/n2", "contracts-nord").status_code == 200


def test_customers_lookup_one_and_dossier(world):
    found = get(world, "/api/v1/customers?number=k10001").get_json()["customers"]
    assert [c["customer_id"] for c in found] == ["C1"] and found[0]["links"]["cockpit"].endswith("/dossier/C1")
    assert [c["customer_id"] for c in get(world, "/api/v1/customers?name=Maier").get_json()["customers"]] == ["C2"]
    problem(get(world, "/api/v1/customers"), 422, "customers.error.lookup")
    one = get(world, "/api/v1/customers/C1").get_json()
    assert one["name"] == "Müller Bau GmbH" and one["addresses"][0]["city"] == "Hamburg"
    d = get(world, "/api/v1/customers/C1/dossier").get_json()
    assert d["name"] == "Müller Bau GmbH" and d["total"] == 1 and d["registers"][0]["register"] == "invoice"
    assert d["links"]["cockpit"].endswith("/dossier/C1") and d["latest"][0]["doc_id"] == "n1"


def test_documents_text_passages_similar_original_and_etag(world):
    r = get(world, "/api/v1/documents/n1")
    doc = r.get_json()
    assert doc["doc_id"] == "n1" and doc["customers"][0]["customer_id"] == "C1" and doc["filing"]["reasons"]
    assert set(doc["links"]) >= {"text", "passages", "original", "similar", "cockpit"}
    etag = r.headers["ETag"]
    again = get(world, "/api/v1/documents/n1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    text = get(world, "/api/v1/documents/n1/text?q=Pumpen").get_json()
    assert any(f["match"] and f["text"] == "Pumpen" for f in text["text"]) and not text["truncated"]
    assert get(world, "/api/v1/documents/n1/passages").get_json() == {"doc_id": "n1", "passages": []}
    assert get(world, "/api/v1/documents/n1/similar").get_json() == {"hits": []}  # no vectors in this world
    orig = get(world, "/api/v1/documents/n1/original")
    assert orig.status_code == 200 and orig.get_data() == world["originals"]["n1"]
    assert orig.mimetype == "application/pdf" and "attachment" in orig.headers["Content-Disposition"]
    assert orig.headers["Content-Security-Policy"].startswith("sandbox")


def test_views_and_notifications(world):
    views = get(world, "/api/v1/views").get_json()["views"]
    assert {v["tenant"] for v in views} == {"nord"} and len(views) == 5
    complaints = next(v for v in views if v["id"].endswith("complaints-14d"))
    run = get(world, complaints["links"]["results"].split("localhost", 1)[1]).get_json()
    assert run["view"]["id"] == complaints["id"] and run["total"] is not None
    dossier_view = next(v for v in views if v["scope"] == "dossier")
    without = get(world, f"/api/v1/views/{dossier_view['id']}/results").get_json()
    assert without["total"] is None and without["messages"][0]["code"] == "views.msg.dossier_required"
    notes = get(world, "/api/v1/notifications").get_json()
    assert notes["total"] == 0 and notes["unread"] == 0 and notes["notifications"] == []
    assert post(world, "/api/v1/notifications/read", {}).get_json() == {"marked": 0}


def test_export_needs_the_capability(world):
    problem(get(world, "/api/v1/export?q=Rechnung", "crm-nord-read"), 403, "error.capability")
    r = get(world, "/api/v1/export?q=Rechnung&mode=keyword")
    assert r.status_code == 200 and r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    text = r.get_data().decode("utf-8-sig")
    assert "n1" in text and "s1" not in text
    rows = get(world, "/api/v1/export?format=json&mode=keyword").get_json()["rows"]
    assert {row["doc_id"] for row in rows} == {"n1", "n3"}


def test_master_data_upsert_reports_changes_and_never_crosses_tenants(world):
    new = {"customer_id": "C5", "customer_number": "K-10005", "name": "Nordlicht Ölhandel GmbH",
           "contact_email": ["info@nordlicht.example"], "billing": {"city": "Kiel", "country": "DE"}}  # fmt: skip
    r = post(world, "/api/v1/customers", {"customers": [new]})
    assert r.status_code == 200 and r.get_json() == {"new": ["C5"], "changed": [], "unchanged": [], "rejected": []}
    assert post(world, "/api/v1/customers", {"customers": [new]}).get_json()["unchanged"] == ["C5"]
    changed = post(world, "/api/v1/customers", {"customers": [{**new, "name": "Nordlicht Öl GmbH"}]}).get_json()
    assert changed["changed"] == ["C5"]
    assert get(world, "/api/v1/customers/C5").get_json()["name"] == "Nordlicht Öl GmbH"
    # another tenant's key writes its own C5: nord's stays as it is, neither sees the other's
    post(world, "/api/v1/customers", {"customers": [{**new, "name": "Süd C5"}]}, key="erp-sued")
    assert get(world, "/api/v1/customers/C5").get_json()["name"] == "Nordlicht Öl GmbH"
    assert get(world, "/api/v1/customers/C5", "erp-sued").get_json()["name"] == "Süd C5"
    # a row for a tenant the key does not have is rejected, the others are written
    mixed = post(world, "/api/v1/customers", {"customers": [{**new, "customer_id": "C6", "tenant": "sued"},
                                                            {**new, "customer_id": "C7"}]}).get_json()  # fmt: skip
    assert mixed["new"] == ["C7"] and mixed["rejected"][0]["row"] == 1
    assert mixed["rejected"][0]["code"] == "customers.error.tenant" and mixed["rejected"][0]["message"]
    problem(post(world, "/api/v1/customers", {"customers": [new]}, key="crm-nord-read"), 403, "error.capability")


# ------------------------------------------------------------------------------------------------ isolation

NORD_IDS = {
    "customer": "/api/v1/customers/C1",
    "dossier": "/api/v1/customers/C1/dossier",
    "document": "/api/v1/documents/n1",
    "text": "/api/v1/documents/n1/text",
    "passages": "/api/v1/documents/n1/passages",
    "original": "/api/v1/documents/n1/original",
    "similar": "/api/v1/documents/n1/similar",
    "view": "/api/v1/views/seed-nord-complaints-14d/results",
}


@pytest.mark.parametrize("what", sorted(NORD_IDS))
def test_a_key_of_another_tenant_gets_404_for_every_id(world, what):
    path = NORD_IDS[what]
    assert get(world, path).status_code in (200, 304)  # it exists for nord
    other = get(world, path, "erp-sued")
    problem(other, 404)
    problem(get(world, path.replace("C1", "C9").replace("n1", "s1").replace("seed-nord", "seed-sued")), 404)


def test_lists_and_searches_never_show_the_other_tenant(world):
    assert get(world, "/api/v1/customers?name=Süd").get_json()["customers"] == []
    assert all(h["doc_id"] != "s1" for h in get(world, "/api/v1/search?q=Süd Pumpen").get_json()["hits"])
    sued = get(world, "/api/v1/search?q=Rechnung&mode=keyword", "erp-sued").get_json()
    assert [h["doc_id"] for h in sued["hits"]] == ["s1"] and "tenant" not in sued["facets"]
    assert get(world, "/api/v1/search?tenant=nord&mode=keyword", "erp-sued").get_json()["total"] == 0


# ------------------------------------------------------------------------------------------------ bad input


def test_bad_input_gets_problem_documents(world):
    c = world["client"]
    key = auth(world["keys"]["erp-nord"])
    problem(c.post("/api/v1/customers", data="{not json", headers={**key, "Content-Type": "application/json"}), 400,
            "api.error.json")  # fmt: skip
    problem(c.post("/api/v1/customers", data="x=1", headers={**key, "Content-Type": "text/plain"}), 415)
    typed = problem(post(world, "/api/v1/customers", {"customers": "C1"}), 422, "api.error.invalid")
    assert typed["errors"] and typed["errors"][0]["location"]
    unknown = problem(post(world, "/api/v1/customers", {"customers": [], "extra": 1}), 422)
    assert {e["type"] for e in unknown["errors"]} >= {"extra_forbidden"}
    problem(get(world, "/api/v1/search?colour=red"), 422)
    problem(get(world, "/api/v1/search?size=0"), 422)
    problem(get(world, "/api/v1/search?mode=telepathy"), 422)
    control = {"customer_id": "C8", "customer_number": "K-8", "name": "Evil\x00Corp"}
    problem(post(world, "/api/v1/customers", {"customers": [control]}), 422)
    big = {"customers": [{"customer_id": f"C{i}", "customer_number": "K", "name": "x" * 250} for i in range(30000)]}
    problem(post(world, "/api/v1/customers", big), 413, "api.error.too_large")
    problem(get(world, "/api/v1/no/such/thing"), 404, "api.error.path")
    problem(c.delete("/api/v1/search", headers=key), 405)
    assert get(world, "/api/v1/documents/" + "ä" * 400).status_code in (404, 422)
    weird = get(world, "/api/v1/search?q=" + "%E2%80%AE%F0%9F%98%80%00\u0007" + "&mode=keyword")
    assert weird.status_code == 200


def test_unicode_survives_the_round_trip(world):
    row = {"customer_id": "C10", "customer_number": "K-10010", "name": "Şişli Dış Ticaret Ltd. Şti. – 東京"}
    assert post(world, "/api/v1/customers", {"customers": [row]}).status_code == 200
    assert get(world, "/api/v1/customers/C10").get_json()["name"] == row["name"]


# ------------------------------------------------------------------------------------------------ session, limits, audit


def test_the_cockpit_session_works_for_same_origin_calls(world):
    from cockpit.auth import CSRF_COOKIE
    from cockpit.dashclient import DashClient

    dc = DashClient(world["app"])
    dc.login("anna.schmidt")
    r = dc.client.get("/api/v1/search?q=Vertrag&mode=keyword")
    assert r.status_code == 200 and "n2" in [h["doc_id"] for h in r.get_json()["hits"]]  # anna has contracts
    problem(dc.client.post("/api/v1/notifications/read", json={}), 403, "api.error.csrf")
    token = dc.client.get_cookie(CSRF_COOKIE).value
    ok = dc.client.post("/api/v1/notifications/read", json={}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_rate_limit_per_key(es, index_prefix, tmp_path):
    w = build(es, index_prefix, tmp_path, rate_limit="3/minute")
    codes = [get(w, "/api/v1/views").status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200]
    body = problem(get(w, "/api/v1/views"), 429, "api.error.rate")
    assert body["detail"] and int(get(w, "/api/v1/views").headers["Retry-After"]) > 0
    assert get(w, "/api/v1/views", "erp-sued").status_code == 200  # another key has its own budget


def test_every_call_is_audited_with_the_keys_name(es, world):
    get(world, "/api/v1/documents/n1")
    get(world, "/api/v1/search", "old-nord")
    world["ctx"].flush_background()
    trail = alias_name(world["prefix"], "audit")
    es.indices.refresh(index=trail)
    query = {
        "bool": {"filter": [{"term": {"action": "api_call"}}, {"terms": {"owner": ["api:erp-nord", "anonymous"]}}]}
    }
    hits = es.search(index=trail, size=2000, query=query)["hits"]["hits"]
    calls = [(h["_source"]["owner"], h["_source"]["body"]["path"], h["_source"]["body"]["status"]) for h in hits]
    assert ("api:erp-nord", "/api/v1/documents/n1", 200) in calls
    assert ("anonymous", "/api/v1/search", 401) in calls
    keyed = [h["_source"] for h in hits if h["_source"]["owner"] == "api:erp-nord"]
    assert keyed and all(e["via"] == "api" and e["ip"] == "127.0.0.1" and e["key_name"] for e in keyed)
    viewed = es.search(index=trail, size=1000, query={"term": {"action": "view_document"}})
    assert "api:erp-nord" in {h["_source"]["owner"] for h in viewed["hits"]["hits"]}


def test_the_audit_trail_use_case_needs_the_capability(world):
    from app import audit_read
    from domain.errors import Forbidden
    from search.audit import AuditQuery

    get(world, "/api/v1/documents/n1")
    world["ctx"].flush_background()
    world["ctx"].store.refresh("audit")
    admin, agent = world["ctx"].directory.get("admin"), world["ctx"].directory.get("jonas.weber")
    entries = audit_read.trail(world["ctx"], admin, AuditQuery(actions=("api_call",), user="api:erp-nord")).entries
    assert entries and {e.owner for e in entries} == {"api:erp-nord"} and {e.tenant for e in entries} == {"nord"}
    with pytest.raises(Forbidden):
        audit_read.trail(world["ctx"], agent, AuditQuery())
