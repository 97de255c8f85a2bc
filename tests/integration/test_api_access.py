"""The REST API of temporary grants and confidential documents on the real Elasticsearch: give, list, revoke;
the grantee's access opening and closing; the `grant` capability (403 for keys and sessions without it); bad
values as problem documents; confidential mark and lift."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from app import api_keys
from cockpit.auth import CSRF_HEADER
from tests.integration.api_world import OPERATOR, built, problem, session
from tests.integration.api_world import call as api_call

pytestmark = pytest.mark.integration

SOON = (dt.date.today() + dt.timedelta(days=3)).isoformat()


@pytest.fixture(scope="module")
def world(es, tmp_path_factory):  # type: ignore[no-untyped-def]
    with built(es, tmp_path_factory.mktemp("acca"), "acca") as w:
        _, w["keys"]["grants-nord"] = api_keys.create_key(
            w["ctx"], OPERATOR, name="grants-nord", tenant="nord", groups={"all", "contracts", "management"},
            capabilities={"search", "grant"},
        )  # fmt: skip
        yield w


def call(world: dict[str, Any], method: str, path: str, body: Any = None, key: str = "grants-nord") -> Any:
    return api_call(world, method, path, body, key=key)


def test_give_list_and_revoke_a_dossier_grant(world):
    jonas = session(world, "jonas.weber")  # agent, group "all": the contract n2 of C1 is closed to him
    assert jonas.client.get("/api/v1/documents/n2").status_code == 404
    grant = {"grantee_kind": "user", "grantee": "jonas.weber", "until": SOON, "reason": "Urlaubsvertretung",
             "customer_id": "C1"}  # fmt: skip
    resp = call(world, "POST", "/api/v1/grants", grant)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    given = resp.get_json()
    assert given["state"] == "active" and given["target"] == "dossier" and given["granted_by"] == "api:grants-nord"
    assert given["until"].startswith((dt.date.today() + dt.timedelta(days=4)).isoformat())  # the end of that day
    assert resp.headers["Location"].endswith(f"/api/v1/grants/{given['id']}")
    listed = call(world, "GET", "/api/v1/customers/C1/grants").get_json()["grants"]
    assert [g["id"] for g in listed] == [given["id"]]
    assert jonas.client.get("/api/v1/documents/n2").status_code == 200  # the grantee reads the dossier's contract

    revoked = call(world, "DELETE", f"/api/v1/grants/{given['id']}?reason=zur%C3%BCck")
    assert revoked.status_code == 200 and revoked.get_json()["state"] == "revoked"
    assert revoked.get_json()["revoke_reason"] == "zurück"
    assert jonas.client.get("/api/v1/documents/n2").status_code == 404
    problem(call(world, "DELETE", f"/api/v1/grants/{given['id']}", {"reason": "nochmal"}), 409, "grants.error.revoked")
    problem(call(world, "DELETE", "/api/v1/grants/nosuchgrant"), 404, "grants.error.grant")
    assert call(world, "GET", "/api/v1/customers/C1/grants").get_json()["grants"][0]["state"] == "revoked"
    problem(call(world, "GET", "/api/v1/customers/C9/grants"), 404)  # another tenant's dossier


def test_a_document_grant_for_a_group(world):
    resp = call(world, "POST", "/api/v1/grants", {"grantee_kind": "group", "grantee": "all", "reason": "Prüfung",
                                                  "until": f"{SOON}T12:00:00+00:00", "doc_id": "n2"})  # fmt: skip
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json()["family_id"] == "f-n2" and resp.get_json()["until"].startswith(f"{SOON}T12:00:00")
    tim = session(world, "tim.brandt")  # agent, group "all"
    assert tim.client.get("/api/v1/documents/n2").status_code == 200
    listed = call(world, "GET", "/api/v1/documents/n2/grants").get_json()["grants"]
    assert [g["grantee"] for g in listed] == ["all"]
    call(world, "DELETE", f"/api/v1/grants/{listed[0]['id']}")
    assert tim.client.get("/api/v1/documents/n2").status_code == 404
    problem(call(world, "GET", "/api/v1/documents/s1/grants"), 404)


def test_without_the_grant_capability_403(world):
    body = {"grantee_kind": "user", "grantee": "jonas.weber", "until": SOON, "reason": "x", "customer_id": "C1"}
    problem(call(world, "POST", "/api/v1/grants", body, key="erp-nord"), 403, "error.capability")
    problem(call(world, "PUT", "/api/v1/documents/n1/confidential", {"users": []}, key="erp-nord"), 403)
    problem(call(world, "DELETE", "/api/v1/documents/n1/confidential", key="erp-nord"), 403)
    jonas = session(world, "jonas.weber")  # an agent's cockpit session
    resp = jonas.client.post("/api/v1/grants", data=json.dumps(body), content_type="application/json",
                             headers={CSRF_HEADER: jonas.csrf()})  # fmt: skip
    problem(resp, 403, "error.capability")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"until": "2020-01-01"}, 422, "grants.error.past"),
        ({"until": "31.12.2026"}, 422, "api.error.invalid"),
        ({"until": (dt.date.today() + dt.timedelta(days=400)).isoformat()}, 422, "grants.error.too_long"),
        ({"reason": ""}, 422, "api.error.invalid"),
        ({"reason": "   "}, 422, "grants.error.reason"),
        ({"grantee_kind": "role"}, 422, "api.error.invalid"),
        ({"doc_id": "n1"}, 422, "grants.error.target"),
        ({"customer_id": "C-nope"}, 404, "grants.error.customer"),
        ({"grantee": "mehmet.kaya"}, 404, "grants.error.grantee"),
    ],
)
def test_bad_values_are_problem_documents_with_the_message(world, change, status, code):
    body = {"grantee_kind": "user", "grantee": "jonas.weber", "until": SOON, "reason": "Vertretung",
            "customer_id": "C1"} | change  # fmt: skip
    found = problem(call(world, "POST", "/api/v1/grants", body), status, code)
    assert found["detail"]


def test_confidential_mark_and_lift(world):
    resp = call(
        world, "PUT", "/api/v1/documents/n1/confidential", {"users": ["lena.hoffmann"], "groups": ["management"]}
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    marked = resp.get_json()
    assert marked["confidential"] and marked["users"] == ["api:grants-nord", "lena.hoffmann"]
    assert marked["groups"] == ["management"]
    assert call(world, "GET", "/api/v1/documents/n1", key="crm-nord-read").status_code == 404
    assert session(world, "lena.hoffmann").client.get("/api/v1/documents/n1").status_code == 200
    problem(call(world, "PUT", "/api/v1/documents/n1/confidential", {"users": ["mehmet.kaya"]}), 404)
    problem(call(world, "PUT", "/api/v1/documents/n1/confidential", {"users": "lena"}), 422, "api.error.invalid")
    lifted = call(world, "DELETE", "/api/v1/documents/n1/confidential")
    assert lifted.status_code == 200 and not lifted.get_json()["confidential"]
    assert call(world, "GET", "/api/v1/documents/n1", key="crm-nord-read").status_code == 200
    problem(call(world, "PUT", "/api/v1/documents/s1/confidential", {"users": []}), 404)
