"""The REST API of retention, legal holds and disposal on the real Elasticsearch: capability, problem documents,
holds set/listed/lifted, dry run by default, refusals, execution, the certificate, a contract's end."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import pytest

from app import api_keys
from indexing.retention import configured_table, retention_fields
from indexing.schema import alias_name
from tests.e2e._cockpit import document
from tests.helpers import index_documents
from tests.integration.api_world import OPERATOR, auth, build, problem
from tests.integration.api_world import call as api_call

pytestmark = pytest.mark.integration

TODAY = dt.datetime.now(dt.UTC)


def kept(register: str, date: str, contract_end: str | None = None) -> dict[str, Any]:
    return retention_fields(register, date, contract_end, table=configured_table(), now=TODAY)


@pytest.fixture(scope="module")
def world(es, tmp_path_factory):  # type: ignore[no-untyped-def]
    prefix = f"test-apic-{uuid.uuid4().hex[:8]}"
    tmp = tmp_path_factory.mktemp("apic")
    w = build(es, prefix, tmp)
    archive = w["ctx"].archive_root
    from indexing.archive import Archive

    old_bytes = b"an invoice from 2015"
    sha = Archive(archive).put(old_bytes)
    docs = [
        document("r-old", date="2015-03-01", content=old_bytes, **kept("invoice", "2015-03-01")),
        document("r-held", register="correspondence", date="2015-03-01", **kept("correspondence", "2015-03-01")),
        document("r-new", date=TODAY.date().isoformat(), **kept("invoice", TODAY.date().isoformat())),
        document("r-contract", register="contract", date="2020-01-01", acl=("contracts", "management"),
                 **kept("contract", "2020-01-01")),
        document("r-sued", tenant="sued", date="2015-03-01", customers=(("C9", "Süd Stahl AG"),),
                 **kept("invoice", "2015-03-01")),
    ]  # fmt: skip
    index_documents(es, prefix, docs)
    w["ctx"].disposal_dir = tmp / "disposal"
    _, w["keys"]["compliance-nord"] = api_keys.create_key(
        w["ctx"], OPERATOR, name="compliance-nord", tenant="nord", groups={"all", "contracts", "management"},
        capabilities={"retention", "search"},
    )  # fmt: skip
    _, w["keys"]["compliance-sued"] = api_keys.create_key(
        w["ctx"], OPERATOR, name="compliance-sued", tenant="sued", groups={"all"}, capabilities={"retention"}
    )
    w["sha_old"] = sha
    yield w
    es.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")


def call(world: dict[str, Any], method: str, path: str, body: Any = None, key: str = "compliance-nord") -> Any:
    return api_call(world, method, path, body, key=key)


def test_the_operations_are_documented_and_need_the_capability(world):
    spec = world["client"].get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/retention/report", "/api/v1/holds", "/api/v1/holds/{hold_id}", "/api/v1/disposal-runs",
            "/api/v1/disposal-runs/{run_id}/certificate", "/api/v1/documents/{doc_id}/contract-end"} <= set(spec["paths"])  # fmt: skip
    for method, path, body in [("GET", "/api/v1/retention/report", None), ("GET", "/api/v1/holds", None),
                               ("POST", "/api/v1/holds", {"doc_id": "r-old", "reason": "x"}),
                               ("POST", "/api/v1/disposal-runs", {})]:  # fmt: skip
        body_ = problem(call(world, method, path, body, key="erp-nord"), 403, "error.capability")
        assert body_["params"] == {"capability": "retention"} and body_["detail"]


def test_the_report(world):
    resp = call(world, "GET", "/api/v1/retention/report?months=6")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    rep = resp.get_json()
    assert rep["tenants"] == ["nord"] and rep["months"] == 6 and rep["profile"] == "standard"
    docs = {d["doc_id"]: d for d in rep["documents"]}
    assert {"r-old", "r-held"} <= set(docs) and "r-new" not in docs and "r-sued" not in docs
    assert (
        docs["r-old"]["due"]
        and docs["r-old"]["retain_until"] == "2023-12-31"
        and docs["r-old"]["register"] == "invoice"
    )
    assert docs["r-old"]["links"]["self"].endswith("/api/v1/documents/r-old")
    assert {r["register"] for r in rep["registers"]} >= {"invoice", "correspondence"}
    problem(call(world, "GET", "/api/v1/retention/report?months=999"), 422)
    problem(call(world, "GET", "/api/v1/retention/report?tenant=sued"), 404, "retention.error.tenant")


def test_holds_dry_run_refusal_and_execution(es, world):
    resp = call(world, "POST", "/api/v1/holds", {"doc_id": "r-held", "reason": "Betriebsprüfung"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    hold = resp.get_json()
    assert hold["active"] and hold["target"] == "document" and hold["set_by"] == "api:compliance-nord"
    assert resp.headers["Location"].endswith(f"/api/v1/holds/{hold['id']}")
    listed = call(world, "GET", "/api/v1/holds").get_json()["holds"]
    assert [h["id"] for h in listed] == [hold["id"]]
    assert call(world, "GET", "/api/v1/holds", key="compliance-sued").get_json()["holds"] == []  # another tenant's
    problem(call(world, "DELETE", f"/api/v1/holds/{hold['id']}?reason=x", key="compliance-sued"), 404)
    problem(call(world, "POST", "/api/v1/holds", {"doc_id": "r-old"}), 422)  # a reason is required
    problem(call(world, "POST", "/api/v1/holds", {"reason": "x"}), 422, "retention.error.target")

    # dry run by default: nothing deleted, the certificate says what would be
    resp = call(world, "POST", "/api/v1/disposal-runs", {})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    run = resp.get_json()
    assert run["dry_run"] and run["counts"]["deleted"] == 0
    assert {d["doc_id"] for d in run["documents"]} == {"r-old"}  # r-held is held, r-contract kept until 2030
    cert = world["client"].get(run["certificate"], headers=auth(world["keys"]["compliance-nord"]))
    assert cert.status_code == 200 and cert.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(cert.get_data(as_text=True)), delimiter=";"))
    assert [(r["doc_id"], r["mode"], r["original_deleted"]) for r in rows] == [("r-old", "dry_run", "would")]
    problem(world["client"].get(run["certificate"], headers=auth(world["keys"]["compliance-sued"])), 404)
    index = alias_name(world["prefix"], "documents")
    assert es.exists(index=index, id="r-old")

    # a request for the held document is refused with the reason (and nothing else is deleted)
    body = problem(call(world, "POST", "/api/v1/disposal-runs", {"dry_run": False, "doc_ids": ["r-held", "r-old"]}),
                   409, "retention.error.held")  # fmt: skip
    assert body["params"]["doc_id"] == "r-held" and "r-held" in body["detail"]
    problem(call(world, "POST", "/api/v1/disposal-runs", {"dry_run": False, "doc_ids": ["r-new"]}), 409,
            "retention.error.not_expired")  # fmt: skip
    assert es.exists(index=index, id="r-old")

    # executed
    run = call(world, "POST", "/api/v1/disposal-runs", {"dry_run": False}).get_json()
    assert not run["dry_run"] and run["counts"]["deleted"] == 1 and run["documents"][0]["original_deleted"]
    es.indices.refresh(index=index)
    assert not es.exists(index=index, id="r-old") and es.exists(index=index, id="r-held")
    assert es.exists(index=index, id="r-sued")  # another tenant: not this key's run
    assert (
        not world["ctx"].archive_root.joinpath(world["sha_old"][:2], world["sha_old"][2:4], world["sha_old"]).exists()
    )

    # lift the hold: the next run takes the letter
    lifted = call(world, "DELETE", f"/api/v1/holds/{hold['id']}?reason=Prüfung%20beendet")
    assert lifted.status_code == 200 and lifted.get_json()["active"] is False
    problem(call(world, "DELETE", f"/api/v1/holds/{hold['id']}?reason=again"), 409, "retention.error.lifted")
    run = call(world, "POST", "/api/v1/disposal-runs", {"dry_run": False}).get_json()
    assert [d["doc_id"] for d in run["documents"]] == ["r-held"]


def test_a_contract_end(world):
    resp = call(world, "PUT", "/api/v1/documents/r-contract/contract-end", {"contract_end": "2024-06-30"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json() == {"doc_id": "r-contract", "contract_end": "2024-06-30", "retain_until": "2034-12-31",
                               "basis": "contract:10y:contract_end"}  # fmt: skip
    problem(call(world, "PUT", "/api/v1/documents/r-new/contract-end", {"contract_end": None}), 422,
            "retention.error.not_contract")  # fmt: skip
    problem(call(world, "PUT", "/api/v1/documents/nope/contract-end", {"contract_end": None}), 404)
