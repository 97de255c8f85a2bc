"""Pushing documents through the REST API: the job, its idempotency, the refusals, and the worker's task run on
the pushed original (the real pipeline, with the test embedder) until the document is searchable."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest

from app import api_keys, intake
from tests.helpers import drop_prefix
from tests.integration.api_world import OPERATOR, auth, build
from tests.integration.test_api import problem

pytestmark = pytest.mark.integration

LETTER = (
    "Müller Bau GmbH\nKundennummer K-10001\n\nReklamation: die gelieferten Ventile sind undicht.\n"
    "Bitte um Ersatzlieferung.\n"
).encode()


@pytest.fixture(scope="module")
def world(es, redis_url, tmp_path_factory):  # type: ignore[no-untyped-def]
    prefix = f"test-push-{uuid.uuid4().hex[:8]}"
    w = build(es, prefix, tmp_path_factory.mktemp("push"))
    for name, tenant, caps in (("push-nord", "nord", {"upload", "search"}), ("push-sued", "sued", {"upload"})):
        _, token = api_keys.create_key(w["ctx"], OPERATOR, name=name, tenant=tenant, groups={"all"}, capabilities=caps)
        w["keys"][name] = token
    yield w
    drop_prefix(prefix)


def push(world: dict[str, Any], data: bytes, name: str = "brief.txt", key: str = "push-nord", **fields: str) -> Any:
    form = {"file": (io.BytesIO(data), name), **fields}
    return world["client"].post("/api/v1/documents", data=form, headers=auth(world["keys"][key]),
                                content_type="multipart/form-data")  # fmt: skip


def test_push_queues_a_job_that_the_worker_indexes(world):
    resp = push(world, LETTER, "Reklamation Ventile.txt", customer_id="C1", source_system="SAP", source_doc_id="4711")
    assert resp.status_code == 202, resp.get_data(as_text=True)
    job = resp.get_json()
    assert job["state"] == "queued" and job["channel"] == "api" and job["tenant"] == "nord"
    assert resp.headers["Location"].endswith(f"/api/v1/jobs/{job['id']}")
    assert job["size"] == len(LETTER) and len(job["sha256"]) == 64
    # the worker's task, in this process: the real pipeline over the archived original
    from tests.helpers import HashEmbedder

    done = intake.process(world["ctx"], [job["id"]], embedder=HashEmbedder())
    assert done.outcomes == {job["id"]: "indexed"}
    after = world["client"].get(f"/api/v1/jobs/{job['id']}", headers=auth(world["keys"]["push-nord"])).get_json()
    assert after["state"] == "done" and after["outcome"] == "indexed" and after["doc_id"]
    doc = world["client"].get(after["links"]["document"], headers=auth(world["keys"]["push-nord"]))
    assert doc.status_code == 200, doc.get_data(as_text=True)
    body = doc.get_json()
    assert [c["customer_id"] for c in body["customers"]] == ["C1"]
    assert any("SAP" in r for r in body["filing"]["reasons"])
    # a redelivered message finds its jobs finished and does nothing twice
    assert intake.process(world["ctx"], [job["id"]], embedder=HashEmbedder()).jobs == 0


def test_the_same_content_pushed_again_returns_the_first_job(world):
    data = b"Angebot AN-77 fuer Pumpen, gueltig bis Ende des Monats. " + uuid.uuid4().hex.encode()
    first = push(world, data, "angebot.txt").get_json()
    again = push(world, data, "angebot (1).txt").get_json()
    assert first["id"] == again["id"]
    other = push(world, data, "angebot.txt", source_system="CRM", source_doc_id="A-1").get_json()
    assert other["id"] != first["id"]  # another source of the same content: its own job (one document, two sources)


def test_jobs_are_private_to_their_tenant(world):
    job = push(world, b"Lieferschein LS-1 " + uuid.uuid4().hex.encode(), "ls.txt").get_json()
    resp = world["client"].get(f"/api/v1/jobs/{job['id']}", headers=auth(world["keys"]["push-sued"]))
    problem(resp, 404, "notfound.job")
    resp = world["client"].get("/api/v1/jobs/job_ffffffffffffffffffff", headers=auth(world["keys"]["push-nord"]))
    problem(resp, 404, "notfound.job")


def test_refusals_are_problem_documents(world):
    problem(push(world, b"x", key="erp-nord"), 403, "error.capability")  # no upload capability
    problem(push(world, b""), 422, "intake.error.empty")
    problem(push(world, LETTER, customer_id="C9"), 422, "intake.error.customer")  # another tenant's customer
    problem(push(world, LETTER, customer_id="NOPE"), 422, "intake.error.customer")
    problem(push(world, LETTER, register="nonsense"), 422, "intake.error.register")
    resp = world["client"].post("/api/v1/documents", data=b"{}", headers={**auth(world["keys"]["push-nord"]),
                                "Content-Type": "application/json"})  # fmt: skip
    problem(resp, 415)
    resp = world["client"].post("/api/v1/documents", data={"customer_id": "C1"},
                                headers=auth(world["keys"]["push-nord"]), content_type="multipart/form-data")  # fmt: skip
    problem(resp, 422)
    problem(world["client"].get("/api/v1/jobs/..%2F..", headers=auth(world["keys"]["push-nord"])), 404)


def test_a_path_in_the_file_name_stays_a_name(world):
    job = push(world, b"Notiz " + uuid.uuid4().hex.encode(), "../../etc/pass\x07wd\x7f.txt").get_json()
    assert job["file_name"] == "passwd.txt"
    broken = push(world, b"Notiz " + uuid.uuid4().hex.encode(), "a\nb.txt")  # breaks the multipart header
    assert broken.status_code in (202, 422), broken.get_data(as_text=True)


def test_new_master_data_files_what_waited_in_review(world):
    """A letter of a customer the master data does not know yet goes to review; once the CRM pushes the customer,
    the re-filing (the worker's refile_review task) files it automatically."""
    from app.review import refile_pending
    from tests.helpers import HashEmbedder

    letter = ("Hansen Kältetechnik GmbH\nKundennummer K-20077\nBetreff: Rückfrage zur Rechnung\n"
              "Bitte rufen Sie uns wegen der Zahlungsbedingungen zurück. " + uuid.uuid4().hex).encode()  # fmt: skip
    job = push(world, letter, "rueckfrage.txt").get_json()
    done = intake.process(world["ctx"], [job["id"]], embedder=HashEmbedder())
    assert done.outcomes[job["id"]] == "review"
    doc_id = intake.job(world["ctx"], OPERATOR, job["id"]).doc_id
    new = {"customer_id": "C77", "customer_number": "K-20077", "name": "Hansen Kältetechnik GmbH"}
    r = world["client"].post("/api/v1/customers", json={"customers": [new]}, headers=auth(world["keys"]["erp-nord"]))
    assert r.status_code == 200 and r.get_json()["new"] == ["C77"]
    report = refile_pending(world["ctx"], "nord")
    assert report.filed >= 1 and report.unreadable == 0, report
    src = world["ctx"].repo.search("documents", {"query": {"ids": {"values": [doc_id]}}})["hits"]["hits"][0]["_source"]
    assert src["customer_ids"] == ["C77"] and src["filing"]["status"] == "auto" and src["register"] != "review"
    assert any("Stammdaten" in r for r in src["filing"]["reasons"])
