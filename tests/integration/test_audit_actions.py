"""What lands in the audit trail from the cockpit's doors, with the real server, logins and Elasticsearch:
logins (also failed ones) and logouts with address and user agent, searches with query, filters and hit count,
and changes of the users file (who got which roles, tenants, groups)."""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

import pytest

from app import audit
from app import search as search_uc
from cockpit.dashclient import DashClient
from indexing.schema import alias_name
from search.request import SearchRequest
from tests.e2e._cockpit import NULL_CACHE, USERS_FILE, customer, document, index_all

pytestmark = pytest.mark.integration


@pytest.fixture()
def world(es, index_prefix, tmp_path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from cockpit.app import create_app

    index_all(es, index_prefix, [customer("C1", "Müller Bau GmbH", "nord")],
              [document("d1", title="Rechnung 1", text="Rechnung Müller")])  # fmt: skip
    users = tmp_path / "users.toml"
    shutil.copy(USERS_FILE, users)
    app = create_app(index_prefix=index_prefix, users_file=users, archive_dir=tmp_path / "archive", es=es,
                     secret_key="test-secret", cache_config=NULL_CACHE)  # fmt: skip
    return {"app": app, "ctx": app.server.extensions["app_context"], "prefix": index_prefix, "users": users}


def entries(es: Any, world: dict[str, Any], action: str) -> list[dict[str, Any]]:
    audit.flush(world["ctx"])
    es.indices.refresh(index=alias_name(world["prefix"], "audit"))
    resp = es.search(index=alias_name(world["prefix"], "audit"), query={"term": {"action": action}}, size=50)
    return [h["_source"] for h in resp["hits"]["hits"]]


def test_login_failed_login_and_logout_are_recorded_with_address_and_agent(es, world):
    c = DashClient(world["app"])
    c.client.get("/login")
    bad = c.client.post("/login", data={"username": "jonas.weber", "password": "falsch", "csrf_token": c.csrf()},
                        headers={"User-Agent": "Mozilla/5.0 Testbrowser"})  # fmt: skip
    assert bad.status_code == 401
    c.login("jonas.weber")
    assert c.client.post("/logout", headers={"X-CSRFToken": c.csrf()}).status_code == 302
    failed = entries(es, world, "login_failed")
    assert [(e["owner"], e["tenant"], e["ip"], e["user_agent"], e["via"]) for e in failed] == [
        ("jonas.weber", "nord", "127.0.0.1", "Mozilla/5.0 Testbrowser", "cockpit")]  # fmt: skip
    assert [e["owner"] for e in entries(es, world, "login")] == ["jonas.weber"]
    assert [e["owner"] for e in entries(es, world, "logout")] == ["jonas.weber"]


def test_a_search_is_recorded_with_query_filters_and_hits(es, world):
    jonas = world["ctx"].directory.get("jonas.weber")
    req = SearchRequest(text="Rechnung", mode="keyword", filters={"register": ("invoice",)})
    result = search_uc.search(world["ctx"], jonas, req)
    [e] = entries(es, world, "search")
    assert (e["owner"], e["query"], e["hits"], e["outcome"]) == ("jonas.weber", "Rechnung", result.total, "ok")
    assert '"register": ["invoice"]' in e["filters"]


def test_changes_of_the_users_file_are_recorded_per_user_and_tenant(es, world):
    directory = world["ctx"].directory
    assert directory.get("jonas.weber") is not None  # the file as first read
    text = world["users"].read_text()
    text = text.replace('roles = ["agent"]\ngroups = ["all"]\ndepartment = "kundenservice-nord"',
                        'roles = ["compliance"]\ngroups = ["all"]\ndepartment = "kundenservice-nord"', 1)  # fmt: skip
    world["users"].write_text(text)
    later = time.time() + 5
    os.utime(world["users"], (later, later))
    assert directory.get("jonas.weber").roles == {"compliance"}
    [e] = entries(es, world, "permissions_changed")
    assert (e["target"], e["tenant"], e["owner"]) == ("jonas.weber", "nord", "users-file")
