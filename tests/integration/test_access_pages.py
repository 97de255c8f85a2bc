"""Temporary grants and confidential documents in the cockpit, server-side through the page callbacks (real
logins, real Elasticsearch): the dossier's "Befristete Freigaben" card, the document's confidentiality and its
grants, and the review queue's register choice restricted to what the user may file."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from cockpit import ids
from cockpit.dashclient import DashClient, find, texts
from tests.e2e._cockpit import document
from tests.helpers import index_documents
from tests.integration.api_world import build

pytestmark = pytest.mark.integration

SOON = (dt.date.today() + dt.timedelta(days=5)).isoformat()


@pytest.fixture(scope="module")
def world(es, tmp_path_factory):  # type: ignore[no-untyped-def]
    prefix = f"test-accp-{uuid.uuid4().hex[:8]}"
    w = build(es, prefix, tmp_path_factory.mktemp("accp"))
    index_documents(es, prefix, [
        document("d-con", title="Servicevertrag", register="contract", acl=("contracts", "management"),
                 customers=(("C2", "Maier Anlagen GmbH"),)),
        document("rv-1", title="Unklares Schreiben", register="review", filing_status="review", customers=(),
                 candidates=("C1",), suggested="contract"),
    ])  # fmt: skip
    yield w
    es.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")


def client(world: dict[str, Any], login: str) -> DashClient:
    c = DashClient(world["app"])
    c.login(login)
    return c


def grant_act(c: DashClient, trigger: tuple[Any, str], target: dict[str, str], *, kind: str = "user",
              grantee: str | None = "jonas.weber", until: str | None = SOON, reason: str | None = "Urlaubsvertretung",
              revokes: tuple[tuple[str, int], ...] = ()) -> dict[str, Any]:  # fmt: skip
    """The grants card's callback: a click on "Freigeben" or on a grant's "Widerrufen" (the revoke buttons are one
    ALL pattern input: a list)."""
    give = {"id": ids.GRANT_GIVE, "property": "n_clicks", "value": 1 if trigger[0] == ids.GRANT_GIVE else 0}
    buttons = [{"id": {"type": ids.GRANT_REVOKE, "grant": g}, "property": "n_clicks", "value": n} for g, n in revokes]
    state = [(ids.GRANT_KIND, "value", kind), (ids.GRANT_GRANTEE, "value", grantee), (ids.GRANT_UNTIL, "date", until),
             (ids.GRANT_REASON, "value", reason), (ids.GRANTS_TARGET, "data", target)]  # fmt: skip
    key = trigger[0] if isinstance(trigger[0], str) else json.dumps(trigger[0], sort_keys=True, separators=(",", ":"))
    resp = c.post_callback({
        "output": f"..{ids.GRANT_STATUS}.children...{ids.GRANTS_LIST}.children..",
        "outputs": [{"id": ids.GRANT_STATUS, "property": "children"}, {"id": ids.GRANTS_LIST, "property": "children"}],
        "inputs": [give, buttons],
        "changedPropIds": [f"{key}.{trigger[1]}"],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
    })  # fmt: skip
    assert resp.status_code == 200, resp.get_data(as_text=True)[:800]
    return resp.get_json()["response"]  # type: ignore[no-any-return]


def revoke_buttons(tree: Any) -> list[str]:
    out = []
    for n in find(tree, type="Button"):
        i = n["props"].get("id")
        if isinstance(i, dict) and i.get("type") == ids.GRANT_REVOKE:
            out.append(str(i["grant"]))
    return out


def tabs(tree: Any) -> set[str]:
    return {n["props"]["tab_id"] for n in find(tree, type="Tab")}


def test_a_manager_grants_the_dossier_the_agent_sees_its_contract_until_revoked(world):
    anna, jonas = client(world, "anna.schmidt"), client(world, "jonas.weber")
    before = jonas.page("/dossier/C2")
    assert "reg-contract" not in tabs(before)
    assert find(before, id=ids.GRANTS_CARD) and not find(before, id=ids.GRANT_GIVE)  # the agent: list, no form
    page = anna.page("/dossier/C2")
    assert find(page, id=ids.GRANT_GIVE) and "Befristete Freigaben" in texts(find(page, id=ids.GRANTS_CARD)[0])
    target = find(page, id=ids.GRANTS_TARGET)[0]["props"]["data"]
    assert target == {"customer_id": "C2", "tenant": "nord"}

    out = grant_act(anna, (ids.GRANT_GIVE, "n_clicks"), target)
    assert "Freigabe für jonas.weber" in texts(out[ids.GRANT_STATUS]["children"])
    listed = out[ids.GRANTS_LIST]["children"]
    assert "Jonas Weber (jonas.weber)" in texts(listed) and "aktiv" in texts(listed)
    (grant_id,) = revoke_buttons(listed)

    granted = jonas.page("/dossier/C2")
    assert "reg-contract" in tabs(granted) and "Servicevertrag" in texts(granted)
    assert "Servicevertrag" in texts(jonas.page("/document/d-con"))

    out = grant_act(anna, ({"type": ids.GRANT_REVOKE, "grant": grant_id}, "n_clicks"), target, revokes=((grant_id, 1),))
    assert "widerrufen" in texts(out[ids.GRANT_STATUS]["children"])
    assert "widerrufen" in texts(out[ids.GRANTS_LIST]["children"]) and not revoke_buttons(out[ids.GRANTS_LIST])
    assert "reg-contract" not in tabs(jonas.page("/dossier/C2"))
    assert find(jonas.page("/document/d-con"), id="not-found")


def test_bad_dates_an_empty_reason_and_an_agent_get_a_message(world):
    anna = client(world, "anna.schmidt")
    target = {"customer_id": "C1", "tenant": "nord"}
    cases = {
        "31.02.2026": "gültiges Datum",
        "2020-01-01": "Vergangenheit",
        None: "bis wann",
    }
    for until, expected in cases.items():
        out = grant_act(anna, (ids.GRANT_GIVE, "n_clicks"), target, until=until)
        assert expected in texts(out[ids.GRANT_STATUS]["children"]), until
        assert ids.GRANTS_LIST not in out  # the list stays as it was
    assert "Grund" in texts(grant_act(anna, (ids.GRANT_GIVE, "n_clicks"), target, reason="  ")[ids.GRANT_STATUS])
    assert "nicht gefunden" in texts(
        grant_act(anna, (ids.GRANT_GIVE, "n_clicks"), target, grantee="mehmet.kaya")[ids.GRANT_STATUS]
    )  # another tenant's user
    refused = grant_act(client(world, "jonas.weber"), (ids.GRANT_GIVE, "n_clicks"), target)
    text = texts(refused[ids.GRANT_STATUS]["children"])
    assert text and "Traceback" not in text and "Freigabe für" not in text


def test_confidential_mark_and_lift_and_a_document_grant_on_the_document_page(world):
    anna, jonas = client(world, "anna.schmidt"), client(world, "jonas.weber")
    assert not find(jonas.page("/document/n1"), id=ids.CONFIDENTIAL_MARK)
    page = anna.page("/document/n1")
    assert find(page, id=ids.CONFIDENTIAL_MARK) and find(page, id=ids.GRANTS_CARD)
    assert not find(page, id="confidential-flag")

    def act(trigger: str, users: str = "", groups: str = "") -> dict[str, Any]:
        resp = anna.callback(
            [(ids.CONFIDENTIAL_STATUS, "children"), (ids.CONFIDENTIAL_BADGE, "children")],
            [(ids.CONFIDENTIAL_MARK, "n_clicks", int(trigger == ids.CONFIDENTIAL_MARK)),
             (ids.CONFIDENTIAL_LIFT, "n_clicks", int(trigger == ids.CONFIDENTIAL_LIFT))],
            [(ids.CONFIDENTIAL_USERS, "value", users), (ids.CONFIDENTIAL_GROUPS, "value", groups),
             (ids.DOCUMENT_ID, "data", "n1")],
            changed=[f"{trigger}.n_clicks"],
        )  # fmt: skip
        assert resp.status_code == 200, resp.get_data(as_text=True)[:800]
        return resp.get_json()["response"]  # type: ignore[no-any-return]

    out = act(ids.CONFIDENTIAL_MARK, "lena.hoffmann", "management")
    assert "jetzt vertraulich" in texts(out[ids.CONFIDENTIAL_STATUS]["children"])
    badge = texts(out[ids.CONFIDENTIAL_BADGE]["children"])
    assert "Vertraulich" in badge and "anna.schmidt, lena.hoffmann" in badge and "Gruppe management" in badge
    assert find(jonas.page("/document/n1"), id="not-found")
    assert "Vertraulich" in texts(find(client(world, "lena.hoffmann").page("/document/n1"), id="confidential-flag"))
    refused = act(ids.CONFIDENTIAL_MARK, "mehmet.kaya")  # another tenant's user
    assert "nicht gefunden" in texts(refused[ids.CONFIDENTIAL_STATUS]["children"])

    # a grant on this one document opens it to the agent (confidential or not)
    target = find(anna.page("/document/n1"), id=ids.GRANTS_TARGET)[0]["props"]["data"]
    assert target["doc_id"] == "n1" and target["family_id"] == "f-n1"
    out = grant_act(anna, (ids.GRANT_GIVE, "n_clicks"), target, kind="user", reason="Rückfrage Kunde")
    (grant_id,) = revoke_buttons(out[ids.GRANTS_LIST]["children"])
    assert not find(jonas.page("/document/n1"), id="not-found")
    grant_act(anna, ({"type": ids.GRANT_REVOKE, "grant": grant_id}, "n_clicks"), target, revokes=((grant_id, 1),))
    assert find(jonas.page("/document/n1"), id="not-found")

    out = act(ids.CONFIDENTIAL_LIFT)
    assert "Rechten seines Registers" in texts(out[ids.CONFIDENTIAL_STATUS]["children"])
    assert not out[ids.CONFIDENTIAL_BADGE]["children"]
    assert not find(jonas.page("/document/n1"), id="not-found")


def test_the_review_dropdown_offers_only_fileable_registers(world):
    def registers(login: str) -> tuple[list[str], Any]:
        tree = client(world, login).page("/review")
        (dropdown,) = [n for n in find(tree, type="Dropdown")
                       if n["props"].get("id") == {"type": ids.REVIEW_REGISTER, "doc": "rv-1"}]  # fmt: skip
        return [o["value"] for o in dropdown["props"]["options"]], dropdown["props"].get("value")

    manager, suggested = registers("anna.schmidt")
    assert "contract" in manager and suggested == "contract" and "review" not in manager
    agent, suggested = registers("jonas.weber")
    assert "contract" not in agent and suggested is None and set(agent) == set(manager) - {"contract"}


def test_the_cards_speak_english_too(world):
    anna = client(world, "anna.schmidt")
    anna.client.get("/lang/en?next=/")
    dossier = texts(anna.page("/dossier/C1"))
    assert "Temporary grants" in dossier and "Give a grant" in dossier
    document = texts(anna.page("/document/n1"))
    assert "Confidentiality" in document and "Mark confidential" in document
