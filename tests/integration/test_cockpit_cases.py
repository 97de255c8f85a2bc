"""The cases pages of the cockpit, server-side through the page router and the callbacks (real logins, real
Elasticsearch): /aufgaben (my tasks, the queue, claim / give back), the case page /fall/<id> (stepper, the
step's form, a stale completion, comments, documents, protocol), the document's "Fall" and "Wiedervorlage"
cards, the dossier's "Offene Fälle", reminders in the inbox — and another tenant sees none of it."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from app import cases
from cockpit import ids
from cockpit.dashclient import DashClient, find, texts
from indexing.schema import alias_name
from tests.e2e._cockpit import document
from tests.helpers import index_documents
from tests.integration.api_world import build

pytestmark = pytest.mark.integration

SOON = (dt.date.today() + dt.timedelta(days=30)).isoformat()


@pytest.fixture(scope="module")
def world(es, redis_url, tmp_path_factory):  # type: ignore[no-untyped-def]
    prefix = f"test-ckcases-{uuid.uuid4().hex[:8]}"
    w = build(es, prefix, tmp_path_factory.mktemp("ckcases"))
    index_documents(es, prefix, [
        document("rk-1", title="Reklamation Pumpe", text="Pumpe defekt Reklamation", register="complaint",
                 customers=(("C2", "Maier Anlagen GmbH"),)),
        document("rk-2", title="Reklamation Lieferung", text="Lieferung Reklamation", register="complaint",
                 customers=(("C2", "Maier Anlagen GmbH"),)),
    ])  # fmt: skip
    ctx = w["ctx"]
    w["case_id"] = cases.open_case(ctx, ctx.directory.get("jonas.weber"), "rk-1").case_id
    yield w
    es.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")


def client(world: dict[str, Any], login: str) -> DashClient:
    c = DashClient(world["app"])
    c.login(login)
    return c


def _key(i: Any) -> str:
    return i if isinstance(i, str) else json.dumps(i, sort_keys=True, separators=(",", ":"))


def call(c: DashClient, outputs: list[tuple[str, str]], inputs: list[Any], changed: tuple[Any, str],
         state: list[Any]) -> dict[str, Any]:  # fmt: skip
    resp = c.post_callback({
        "output": ("..{}.." if len(outputs) > 1 else "{}").format("...".join(f"{i}.{p}" for i, p in outputs)),
        "outputs": [{"id": i, "property": p} for i, p in outputs] if len(outputs) > 1
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": inputs,
        "changedPropIds": [f"{_key(changed[0])}.{changed[1]}"],
        "state": state,
    })  # fmt: skip
    assert resp.status_code == 200, resp.get_data(as_text=True)[:800]
    return resp.get_json()["response"]  # type: ignore[no-any-return]


def tasks_act(c: DashClient, action: str, case_id: str) -> dict[str, Any]:
    bid = {"type": ids.TASKS_ACT, "action": action, "case": case_id}
    return call(c, [(ids.TASKS_STATUS, "children"), (ids.TASKS_BODY, "children")],
                [[{"id": bid, "property": "n_clicks", "value": 1}]], (bid, "n_clicks"),
                [{"id": ids.TASKS_PAGES, "property": "data", "value": {"mine": 1, "queue": 1}}])  # fmt: skip


def case_act(c: DashClient, case_id: str, action: str, step: str, *, inputs: dict[str, Any] | None = None,
             fields: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    bid = {"type": ids.CASE_ACT, "action": action}
    state = [
        [{"id": {"type": ids.CASE_INPUT, "name": k}, "property": "value", "value": v} for k, v in (inputs or {}).items()],
        [{"id": {"type": ids.CASE_FIELD, "field": k}, "property": "value", "value": v} for k, v in (fields or {}).items()],
        {"id": ids.CASE_ID, "property": "data", "value": case_id},
        {"id": ids.CASE_STEP, "property": "data", "value": step},
    ]  # fmt: skip
    outs = [(ids.CASE_STATUS, "children"), (ids.CASE_HEADER, "children"), (ids.CASE_BODY, "children"),
            (ids.CASE_SIDE, "children")]  # fmt: skip
    return call(c, outs, [[{"id": bid, "property": "n_clicks", "value": 1}]], (bid, "n_clicks"), state)


def resub_act(c: DashClient, target: dict[str, str], day: str | None, *, note: str = "Nachfassen",
              whom: str = "me", login: str | None = None) -> dict[str, Any]:  # fmt: skip
    state = [{"id": i, "property": p, "value": v} for i, p, v in (
        (ids.RESUB_DATE, "date", day), (ids.RESUB_NOTE, "value", note), (ids.RESUB_FOR, "value", whom),
        (ids.RESUB_LOGIN, "value", login), (ids.RESUB_TARGET, "data", target))]  # fmt: skip
    return call(c, [(ids.RESUB_STATUS, "children"), (ids.RESUB_LIST, "children")],
                [{"id": ids.RESUB_SET, "property": "n_clicks", "value": 1}, []], (ids.RESUB_SET, "n_clicks"), state)  # fmt: skip


def test_tasks_page_lists_the_queue_and_claiming_moves_the_case_to_my_tasks(world):
    jonas, tim, mehmet = client(world, "jonas.weber"), client(world, "tim.brandt"), client(world, "mehmet.kaya")
    cid = world["case_id"]
    page = jonas.page("/aufgaben")
    queue = texts(find(page, id="tasks-queue")[0])
    assert "Maier Anlagen GmbH" in queue and "Reklamation Pumpe" in queue and "Erfassen" in queue
    assert "nicht zugewiesen" in queue and "Übernehmen" in queue
    assert "Keine Fälle in Ihrer Bearbeitung" in texts(page)

    out = tasks_act(jonas, "claim", cid)
    assert "Fall übernommen" in texts(out[ids.TASKS_STATUS]["children"])
    mine = find(out[ids.TASKS_BODY]["children"], id="tasks-mine")[0]
    assert "Reklamation Pumpe" in texts(mine) and "Zurückgeben" in texts(mine) and "Jonas Weber" in texts(mine)

    refused = tasks_act(tim, "claim", cid)  # someone was faster: a message, never a trace
    assert "bereits jonas.weber zugewiesen" in texts(refused[ids.TASKS_STATUS]["children"])

    back = tasks_act(jonas, "give_back", cid)
    assert "Fall zurückgegeben" in texts(back[ids.TASKS_STATUS]["children"])
    assert "Keine Fälle in Ihrer Bearbeitung" in texts(back[ids.TASKS_BODY]["children"])

    other = mehmet.page("/aufgaben")  # another tenant: nothing of nord
    assert "Reklamation Pumpe" not in texts(other) and "Maier" not in texts(other)
    assert find(jonas.client.get("/_dash-layout").get_json(), id="nav-tasks")


def test_the_case_page_works_a_step_and_refuses_a_stale_one(world):
    jonas, anna = client(world, "jonas.weber"), client(world, "anna.schmidt")
    cid = world["case_id"]
    page = jonas.page(f"/fall/{cid}")
    assert "Reklamation" in texts(find(page, id="case-title")[0])
    assert find(page, id="case-form") and "Schritt abschließen" in texts(page)
    steps = texts(find(page, id="case-steps")[0])
    assert "Erfassen" in steps and "Entscheiden" in steps and "aktueller Schritt" in steps
    assert "Reklamation Pumpe" in texts(find(page, id="case-documents-card")[0])
    assert find(page, id=ids.CASE_DROP) and "Dokument-ID hinzufügen" in texts(page)

    out = case_act(jonas, cid, "complete", "capture", fields={"comment": "aufgenommen"})
    assert "Schritt abgeschlossen" in texts(out[ids.CASE_STATUS]["children"])
    side = texts(out[ids.CASE_SIDE]["children"])
    assert "erledigt von Jonas Weber" in side
    assert find(out[ids.CASE_BODY]["children"], id=ids.CASE_STEP)[0]["props"]["data"] == "check"

    stale = case_act(anna, cid, "complete", "capture", fields={"comment": "auch aufgenommen"})
    assert "inzwischen bearbeitet" in texts(stale[ids.CASE_STATUS]["children"])
    assert ids.CASE_BODY not in stale

    empty = case_act(jonas, cid, "complete", "check", fields={"comment": "  "})
    assert "Bitte füllen Sie das Feld Kommentar aus" in texts(empty[ids.CASE_STATUS]["children"])

    said = case_act(jonas, cid, "comment", "check", inputs={"comment": "<script>alert(1)</script> Kunde angerufen"})
    assert "Kommentar gespeichert" in texts(said[ids.CASE_STATUS]["children"])
    body = said[ids.CASE_BODY]["children"]
    assert "<script>alert(1)</script> Kunde angerufen" in texts(find(body, id="case-comments-card")[0])
    protocol = texts(find(body, id="case-protocol")[0])
    assert "eröffnet" in protocol and "Schritt abgeschlossen" in protocol and "Kommentar" in protocol

    added = case_act(jonas, cid, "add_document", "check", inputs={"doc_id": "rk-2"})
    assert "Dokument zum Fall hinzugefügt" in texts(added[ids.CASE_STATUS]["children"])
    assert "Reklamation Lieferung" in texts(find(added[ids.CASE_BODY]["children"], id="case-documents-card")[0])

    # decide: only a manager gets the form; the choices are translated
    case_act(jonas, cid, "complete", "check", fields={"comment": "Mangel bestätigt"})
    assert find(jonas.page(f"/fall/{cid}"), id="case-not-yours")
    decide = anna.page(f"/fall/{cid}")
    (choice,) = find(decide, id={"type": ids.CASE_FIELD, "field": "decision"})
    assert [o["label"] for o in choice["props"]["options"]] == ["Gutschrift", "Ersatzlieferung", "Ablehnung"]
    assert "Betrag" in texts(find(decide, id="case-form")[0])
    out = case_act(anna, cid, "complete", "decide", fields={"decision": "credit_note", "amount": "49,90"})
    assert "Gutschrift" in texts(find(out[ids.CASE_BODY]["children"], id="case-protocol")[0])
    assert "Entscheidung : Gutschrift" in texts(out[ids.CASE_HEADER]["children"])


def test_another_tenant_and_unknown_ids_get_the_same_not_found(world):
    mehmet = client(world, "mehmet.kaya")
    for path in (f"/fall/{world['case_id']}", "/fall/gibt-es-nicht"):
        page = mehmet.page(path)
        assert find(page, id="not-found") and "Fall nicht gefunden" in texts(page), path
        assert "Reklamation Pumpe" not in texts(page)
    out = case_act(mehmet, world["case_id"], "claim", "check")
    assert "nicht gefunden" in texts(out[ids.CASE_STATUS]["children"])


def test_document_page_case_card_opens_a_case_and_sets_a_resubmission(world):
    jonas = client(world, "jonas.weber")
    with_case = jonas.page("/document/rk-1")
    assert find(with_case, id="document-case-link")[0]["props"]["href"] == f"/fall/{world['case_id']}"
    page = jonas.page("/document/n3")
    assert find(page, id=ids.DOC_CASE_OPEN)
    opened = call(jonas, [(ids.DOC_CASE_BODY, "children")], [{"id": ids.DOC_CASE_OPEN, "property": "n_clicks", "value": 1}],
                  (ids.DOC_CASE_OPEN, "n_clicks"), [{"id": ids.DOCUMENT_ID, "property": "data", "value": "n3"}])  # fmt: skip
    link = find(opened[ids.DOC_CASE_BODY]["children"], id="document-case-link")[0]
    assert link["props"]["href"].startswith("/fall/")
    assert find(jonas.page("/document/n3"), id="document-case-link")

    target = find(page, id=ids.RESUB_TARGET)[0]["props"]["data"]
    assert target == {"doc_id": "n3"}
    set_ = resub_act(jonas, target, SOON, note="Rückruf prüfen")
    assert "Wiedervorlage am" in texts(set_[ids.RESUB_STATUS]["children"])
    assert "Rückruf prüfen" in texts(set_[ids.RESUB_LIST]["children"])
    past = resub_act(jonas, target, "2020-01-01")
    assert "Vergangenheit" in texts(past[ids.RESUB_STATUS]["children"]) and ids.RESUB_LIST not in past
    nobody = resub_act(jonas, target, SOON, whom="other", login="niemand")
    assert "kein aktiver Benutzer" in texts(nobody[ids.RESUB_STATUS]["children"])
    assert "Rückruf prüfen" in texts(find(jonas.page("/document/n3"), id=ids.RESUB_LIST)[0])

    # the case page has the card too, for the case
    case_page = jonas.page(f"/fall/{world['case_id']}")
    assert find(case_page, id=ids.RESUB_TARGET)[0]["props"]["data"] == {"case_id": world["case_id"]}


def test_dossier_lists_open_cases_and_the_inbox_shows_reminders(world, es):
    jonas, mehmet = client(world, "jonas.weber"), client(world, "mehmet.kaya")
    dossier = jonas.page("/dossier/C2")
    card = find(dossier, id=ids.DOSSIER_CASES)[0]
    hrefs = {n["props"].get("href") for n in find(card, type="Link")}
    assert f"/fall/{world['case_id']}" in hrefs
    assert find(dossier, **{"data-doc-id": "rk-1", "draggable": "true"})  # rows can be dragged onto a case
    assert not find(mehmet.page("/dossier/C2"), id=ids.DOSSIER_CASES)

    es.index(index=alias_name(world["prefix"], "notifications"), id="resub-test-1", refresh=True, document={
        "kind": "reminder", "tenant": "nord", "owner": "jonas.weber", "view_id": "resubmission",
        "view_name": "Wiedervorlage", "case_id": world["case_id"], "note": "Kunde zurückrufen",
        "set_by": "anna.schmidt", "doc_id": "rk-1", "title": "Reklamation Pumpe", "customer_ids": ["C2"],
        "customer_names": [], "register": "complaint", "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "read": False, "email_status": "no_address"})  # fmt: skip
    inbox = texts(jonas.page("/inbox"))
    assert "Kunde zurückrufen" in inbox and "Wiedervorlage" in inbox and "gesetzt von Anna Schmidt" in inbox
    assert "Kunde zurückrufen" not in texts(mehmet.page("/inbox"))
