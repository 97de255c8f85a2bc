"""Reading the audit trail on the real Elasticsearch: filters, paging, tenant isolation, the CSV export (itself
audited), refusals, a document's history — through the use cases, the cockpit's pages and the REST API.

Entries are written with `app.audit.record(..., wait=True)`, as the use cases write them."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app import api_keys, audit, audit_read
from app.audit_read import AuditEntry
from cockpit import ids
from cockpit.dashclient import DashClient, find, texts
from domain.errors import Forbidden, Invalid, NotFound
from domain.principal import Principal
from search.audit import AuditQuery
from tests.helpers import drop_prefix
from tests.integration.api_world import OPERATOR, auth, build

pytestmark = pytest.mark.integration

SUED_COMPLIANCE = Principal("sued.compliance", frozenset({"sued"}), frozenset({"all"}), roles=frozenset({"compliance"}))


@pytest.fixture(scope="module")
def world(es, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The API world (nord: n1–n3, C1/C2; sued: s1, C9) and a known set of audit entries."""
    prefix = f"test-audit-{uuid.uuid4().hex[:8]}"
    tmp = tmp_path_factory.mktemp("audit")
    w = build(es, prefix, tmp)
    ctx = w["ctx"]
    ctx.audit_anchor_dir = tmp / "anchors"
    d = ctx.directory
    anna, lena, clara, mehmet = (d.get(x) for x in ("anna.schmidt", "lena.hoffmann", "clara.vogt", "mehmet.kaya"))
    system = Principal.system()
    audit.record(ctx, "ingest", system, wait=True, tenant="nord", doc_id="n1", owner_login="jonas.weber",
                 channel="upload", file="RE-1.pdf", outcome="indexed")  # fmt: skip
    audit.record(ctx, "login", anna, wait=True)
    audit.record(ctx, "view_document", anna, wait=True, doc_id="n1", tenant="nord")
    audit.record(ctx, "download_original", lena, wait=True, doc_id="n1", tenant="nord")
    audit.record(
        ctx, "manual_filing", anna, wait=True, tenant="nord", doc_id="n1", customer_id="C1", register="invoice"
    )
    audit.record(ctx, "hold_set", clara, wait=True, tenant="nord", customer_id="C1", view_id="v9", target="view",
                 reason="a view in the dossier: not the document's history")  # fmt: skip
    audit.record(ctx, "hold_set", clara, wait=True, tenant="nord", customer_id="C1", reason="Rechtsstreit")
    audit.record(ctx, "view_document", lena, wait=True, doc_id="n3", tenant="nord")
    audit.record(ctx, "export", lena, wait=True, query="=Rechnung", filters={"register": ["invoice"]}, rows=3)
    audit.record(ctx, "view_document", mehmet, wait=True, doc_id="s1", tenant="sued")
    audit.record(ctx, "login", mehmet, wait=True)
    ctx.flush_background()
    _, w["audit_key"] = api_keys.create_key(ctx, OPERATOR, name="grc-nord", tenant="nord", groups={"all"},
                                            capabilities={"audit"})  # fmt: skip
    yield w
    drop_prefix(prefix)


def principal(world: dict[str, Any], login: str) -> Principal:
    found = world["ctx"].directory.get(login)
    assert found is not None, login
    return found


def trail(world: dict[str, Any], who: str | Principal, **q: Any) -> list[AuditEntry]:
    p = who if isinstance(who, Principal) else principal(world, who)
    return audit_read.trail(world["ctx"], p, AuditQuery(size=200, **q)).entries


def settle(world: dict[str, Any]) -> None:
    world["ctx"].flush_background()
    world["ctx"].store.refresh("audit")


# ------------------------------------------------------------------------------------------------ use cases


def test_filters_by_person_document_customer_action_and_period(world):
    by_lena = trail(world, "clara.vogt", user="lena.hoffmann")
    assert by_lena and {e.owner for e in by_lena} == {"lena.hoffmann"}
    assert {e.action for e in by_lena} >= {"download_original", "view_document", "export"}
    assert {e.owner for e in trail(world, "clara.vogt", user="Lena.Hoffmann")} == {"lena.hoffmann"}

    n1 = trail(world, "clara.vogt", doc_id="n1")
    assert [e.action for e in n1] == ["manual_filing", "download_original", "view_document", "ingest"]  # newest first
    assert {e.doc_id for e in n1} == {"n1"}
    assert {e.action for e in trail(world, "clara.vogt", customer_id="C1")} == {"manual_filing", "hold_set"}

    views = trail(world, "clara.vogt", actions=("view_document", "download_original"))
    assert {e.action for e in views} == {"view_document", "download_original"}
    assert {e.doc_id for e in views} >= {"n1", "n3"}

    today = dt.datetime.now(ZoneInfo(world["ctx"].tz)).date()
    around = trail(
        world, "clara.vogt", doc_id="n1", date_from=today - dt.timedelta(days=1), date_to=today + dt.timedelta(days=1)
    )
    assert len(around) == 4
    assert trail(world, "clara.vogt", doc_id="n1", date_to=today - dt.timedelta(days=2)) == []
    assert trail(world, "clara.vogt", doc_id="n1", date_from=today + dt.timedelta(days=2)) == []
    with pytest.raises(Invalid):
        trail(world, "clara.vogt", date_from=today, date_to=today - dt.timedelta(days=1))

    export = trail(world, "clara.vogt", actions=("export",), user="lena.hoffmann")[0]
    assert export.rows == 3 and export.query == "=Rechnung" and "invoice" in (export.filters or "")


def test_a_compliance_officer_never_sees_another_tenants_entries(world):
    nord = trail(world, "clara.vogt")
    assert nord and {e.tenant for e in nord} == {"nord"}
    assert "mehmet.kaya" not in {e.owner for e in nord}
    assert trail(world, "clara.vogt", doc_id="s1") == []
    assert trail(world, "clara.vogt", tenant="sued") == []  # asking for it narrows to nothing
    assert trail(world, "clara.vogt", user="mehmet.kaya") == []
    sued = trail(world, SUED_COMPLIANCE)
    assert sued and {e.tenant for e in sued} == {"sued"} and trail(world, SUED_COMPLIANCE, doc_id="n1") == []
    both = {e.tenant for e in trail(world, "admin")}
    assert both == {"nord", "sued"}
    assert {e.tenant for e in trail(world, "admin", tenant="sued")} == {"sued"}


def test_paging_older_and_newer_with_search_after(world):
    ctx, clara = world["ctx"], principal(world, "clara.vogt")
    everything = [e.id for e in trail(world, clara, doc_id="n1")]
    q = AuditQuery(doc_id="n1", size=3)
    first = audit_read.trail(ctx, clara, q)
    assert first.total == 4 and first.total_exact and first.newer is None and first.older is not None
    second = audit_read.trail(ctx, clara, AuditQuery(doc_id="n1", size=3, after=first.older))
    assert [e.id for e in first.entries + second.entries] == everything
    assert second.older is None and second.newer is not None
    back = audit_read.trail(ctx, clara, AuditQuery(doc_id="n1", size=3, before=second.newer))
    assert [e.id for e in back.entries] == everything[:3] and back.newer is None and back.older == first.older


def test_the_csv_export_has_every_matching_row_and_is_audited(world):
    ctx, clara = world["ctx"], principal(world, "clara.vogt")
    data = b"".join(audit_read.trail_csv(ctx, clara, AuditQuery(doc_id="n1")))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["created_at", "action", "tenant", "owner"]
    assert [r[1] for r in body] == ["manual_filing", "download_original", "view_document", "ingest"]
    assert {r[header.index("doc_id")] for r in body} == {"n1"}
    ingest = body[-1]
    assert "RE-1.pdf" in ingest[header.index("details")] and ingest[header.index("outcome")] == "indexed"
    # formula-safe: the export entry's query starts with "="
    exported = b"".join(audit_read.trail_csv(ctx, clara, AuditQuery(actions=("export",), user="lena.hoffmann")))
    assert "'=Rechnung" in exported.decode("utf-8-sig")
    # a cap cuts the file
    capped = b"".join(audit_read.trail_csv(ctx, clara, AuditQuery(doc_id="n1"), limit=2)).decode("utf-8-sig")
    assert len(capped.strip().splitlines()) == 3
    settle(world)
    mine = trail(world, clara, user="clara.vogt", actions=("export",))
    assert [e.rows for e in mine[:3]] == [2, 1, 4]  # newest first: the capped one, the export one, the n1 one
    assert mine[0].body.get("export") == "audit" and mine[0].body.get("truncated") is True
    assert "n1" in (mine[2].filters or "")
    # the export is recorded in every tenant it read, never in one the exporter does not have
    b"".join(audit_read.trail_csv(ctx, clara, AuditQuery(tenant="sued")))
    b"".join(audit_read.trail_csv(ctx, principal(world, "admin"), AuditQuery(user="nobody")))
    settle(world)
    clara_exports = trail(world, "admin", user="clara.vogt", actions=("export",))
    assert {e.tenant for e in clara_exports} == {"nord"} and clara_exports[0].rows == 0
    admin_exports = trail(world, "admin", user="admin", actions=("export",))
    assert sorted(e.tenant for e in admin_exports) == ["nord", "sued"]


def test_agents_and_analysts_may_not_read_the_trail(world):
    ctx = world["ctx"]
    for login in ("jonas.weber", "lena.hoffmann", "anna.schmidt"):
        p = principal(world, login)
        with pytest.raises(Forbidden):
            audit_read.trail(ctx, p, AuditQuery())
        with pytest.raises(Forbidden):
            audit_read.trail_csv(ctx, p, AuditQuery())
    with pytest.raises(Forbidden):  # agents and analysts have no "Verlauf" either
        audit_read.document_history(ctx, principal(world, "jonas.weber"), "n1")


def test_document_history(world):
    ctx = world["ctx"]
    history = audit_read.document_history(ctx, principal(world, "anna.schmidt"), "n1")  # a manager: HISTORY
    kinds = [e.kind for e in history.events]
    assert kinds == ["hold_set", "filed", "downloaded", "viewed", "added"]
    added = history.events[-1]
    assert (added.login, added.channel, added.source) == ("jonas.weber", "upload", "RE-1.pdf")
    assert history.events[0].login == "clara.vogt" and history.events[1].customer_id == "C1"
    assert history.events[0].kind == "hold_set"  # the dossier's hold, not the one on a view inside it
    assert history.events[2].login == "lena.hoffmann" and not history.more
    limited = audit_read.document_history(ctx, principal(world, "clara.vogt"), "n1", limit=2)
    assert len(limited.events) == 2 and limited.more
    with pytest.raises(NotFound):  # another tenant's document looks like an unknown one
        audit_read.document_history(ctx, principal(world, "anna.schmidt"), "s1")
    with pytest.raises(NotFound):
        audit_read.document_history(ctx, principal(world, "anna.schmidt"), "no-such-doc")
    assert [e.kind for e in audit_read.document_history(ctx, principal(world, "mehmet.kaya"), "s1").events] == [
        "viewed"
    ]
    # the person filter also finds what the system ingested on their behalf
    sent = audit_read.trail(ctx, principal(world, "clara.vogt"), AuditQuery(user="jonas.weber", actions=("ingest",)))
    assert [(e.action, e.doc_id, e.on_behalf_of) for e in sent.entries] == [("ingest", "n1", "jonas.weber")]


# ------------------------------------------------------------------------------------------------ cockpit


def client(world: dict[str, Any], login: str) -> DashClient:
    c = DashClient(world["app"])
    c.login(login)
    return c


def test_the_audit_page_filters_from_the_url(world):
    c = client(world, "clara.vogt")
    tree = c.page("/audit?doc=n1")
    rows = find(tree, className="audit-row")
    assert len(rows) == 4
    assert "Manuell abgelegt" in texts(tree) and "Original heruntergeladen" in texts(tree)
    assert find(tree, id="audit-summary")[0]["props"]["data-total"] == "4"
    # paging keeps the filters
    tree = c.page("/audit?doc=n1&action=view_document&action=download_original")
    assert len(find(tree, className="audit-row")) == 2
    # invalid values: a message and the rest of the filters, never an error page
    tree = c.page("/audit?doc=n1&from=2026-02-30&after=x%3Cscript%3E&action=DROP")
    assert not find(tree, id="page-error")
    msgs = texts(find(tree, id="page-messages")[0])
    assert "„from“" in msgs and "„after“" in msgs and "„action“" in msgs
    assert len(find(tree, className="audit-row")) == 4
    tree = c.page("/audit?doc=s1")  # another tenant's document: nothing, like an unknown one
    assert find(tree, id=ids.AUDIT_TABLE) and not find(tree, className="audit-row")


def test_the_audit_page_is_closed_to_other_roles_and_in_the_nav_of_compliance(world):
    for login in ("jonas.weber", "lena.hoffmann", "anna.schmidt"):
        assert find(client(world, login).page("/audit"), id="audit-denied"), login
    rows = find(client(world, "admin").page("/audit?tenant=sued"), className="audit-row")
    assert rows and {r["props"]["children"][3]["props"]["children"] for r in rows} == {"sued"}
    shell = client(world, "clara.vogt").client.get("/_dash-layout").get_json()
    assert find(shell, id="nav-audit") and find(shell, id="nav-search") and not find(shell, id="nav-review")
    agent_shell = client(world, "jonas.weber").client.get("/_dash-layout").get_json()
    assert find(agent_shell, id="nav-review") and not find(agent_shell, id="nav-audit")


def test_the_audit_page_export_and_filter_callbacks(world):
    c = client(world, "clara.vogt")
    resp = c.callback([(ids.AUDIT_DOWNLOAD, "data"), (ids.AUDIT_EXPORT_STATUS, "children")],
                      [(ids.AUDIT_EXPORT, "n_clicks", 1)], [(ids.AUDIT_STATE, "data", "doc=n1")])  # fmt: skip
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    data = resp.get_json()["response"][ids.AUDIT_DOWNLOAD]["data"]
    text = base64.b64decode(data["content"]).decode("utf-8-sig")
    assert data["filename"].startswith("audit-") and len(text.strip().splitlines()) == 5
    denied = client(world, "lena.hoffmann").callback(
        [(ids.AUDIT_DOWNLOAD, "data"), (ids.AUDIT_EXPORT_STATUS, "children")],
        [(ids.AUDIT_EXPORT, "n_clicks", 1)], [(ids.AUDIT_STATE, "data", "")],
    )  # fmt: skip
    body = denied.get_json()["response"]
    assert ids.AUDIT_DOWNLOAD not in body and "Compliance" in texts(body[ids.AUDIT_EXPORT_STATUS]["children"])
    states = [(ids.AUDIT_USER, "value", " lena.hoffmann "), (ids.AUDIT_DOC, "value", "n1"),
              (ids.AUDIT_CUSTOMER, "value", ""), (ids.AUDIT_ACTION, "value", ["view_document", "export"]),
              (ids.AUDIT_PERIOD, "start_date", "2026-03-01"), (ids.AUDIT_PERIOD, "end_date", "2026-03-31T00:00:00"),
              (ids.AUDIT_TENANT, "value", None)]  # fmt: skip
    resp = c.callback([(ids.AUDIT_NAV, "href")],
                      [(ids.AUDIT_APPLY, "n_clicks", 1), (ids.AUDIT_USER, "n_submit", None),
                       (ids.AUDIT_DOC, "n_submit", None), (ids.AUDIT_CUSTOMER, "n_submit", None)], states)  # fmt: skip
    href = resp.get_json()["response"][ids.AUDIT_NAV]["href"]
    assert href == "/audit?user=lena.hoffmann&doc=n1&action=export&action=view_document&from=2026-03-01&to=2026-03-31"


# ------------------------------------------------------------------------------------------------ REST API


def test_the_api_pages_the_trail_for_a_key_with_the_audit_capability(world):
    c, key = world["client"], world["audit_key"]
    resp = c.get("/api/v1/audit?doc_id=n1&size=3", headers=auth(key))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    page = resp.get_json()
    assert page["total"] == 4 and len(page["entries"]) == 3 and page["next_cursor"]
    assert page["entries"][0]["action"] == "manual_filing" and page["entries"][0]["links"]["document"].endswith("/n1")
    assert page["links"]["cockpit"].endswith("/audit?doc=n1") and 'rel="next"' in resp.headers["Link"]
    rest = c.get(f"/api/v1/audit?doc_id=n1&size=3&cursor={page['next_cursor']}", headers=auth(key)).get_json()
    assert [e["action"] for e in rest["entries"]] == ["ingest"] and rest["next_cursor"] is None
    assert rest["entries"][0]["details"]["channel"] == "upload"
    sued = c.get("/api/v1/audit?tenant=sued", headers=auth(key)).get_json()
    assert sued["entries"] == [] and sued["total"] == 0
    everything = c.get("/api/v1/audit?size=200", headers=auth(key)).get_json()["entries"]
    assert {e["tenant"] for e in everything} == {"nord"}
    acts = c.get("/api/v1/audit?action=login&action=hold_set", headers=auth(key)).get_json()["entries"]
    assert {e["action"] for e in acts} == {"login", "hold_set"}


def test_the_api_csv_and_the_refusals(world):
    c, key = world["client"], world["audit_key"]
    resp = c.get("/api/v1/audit.csv?doc_id=n1", headers=auth(key))
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    lines = resp.get_data().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 5 and lines[0].startswith("created_at;action")
    for path in ("/api/v1/audit", "/api/v1/audit.csv"):
        resp = c.get(path, headers=auth(world["keys"]["erp-nord"]))  # search, export, master data: no audit
        assert resp.status_code == 403 and resp.mimetype == "application/problem+json"
        assert resp.get_json()["code"] == "error.capability"
    assert c.get("/api/v1/audit").status_code == 401
    for bad in ("cursor=abc", "size=0", "date_from=gestern", "action=DROP%20TABLE", "nope=1"):
        resp = c.get(f"/api/v1/audit?{bad}", headers=auth(key))
        assert resp.status_code == 422 and resp.mimetype == "application/problem+json", bad
    resp = c.get("/api/v1/audit?date_from=2026-03-02&date_to=2026-03-01", headers=auth(key))
    assert resp.status_code == 422 and resp.get_json()["code"] == "audit.error.period"
    # the cockpit session of a compliance officer works for same-origin calls, an analyst's does not
    dc = client(world, "clara.vogt")
    assert dc.client.get("/api/v1/audit?doc_id=n1").get_json()["total"] == 4
    assert client(world, "lena.hoffmann").client.get("/api/v1/audit").status_code == 403


def test_the_document_page_shows_the_history_card_and_records_only_its_own_view(world, es):
    ctx = world["ctx"]
    settle(world)
    before = len(trail(world, "admin", doc_id="n1"))
    tree = client(world, "admin").page("/document/n1")
    card = find(tree, id=ids.HISTORY_CARD)
    assert card, "admins see the Verlauf card"
    events = find(card, className="history-event history-added")
    assert events and "jonas.weber" in texts(events[0]) and "RE-1.pdf" in texts(events[0])
    link = find(card, id="history-audit-link")[0]
    assert link["props"]["href"] == "/audit?doc=n1"
    # a manager sees the card without the link to the trail; agents and analysts see no card
    manager = client(world, "anna.schmidt").page("/document/n1")
    assert find(manager, id=ids.HISTORY_CARD) and not find(manager, id="history-audit-link")
    for login in ("jonas.weber", "lena.hoffmann"):
        assert not find(client(world, login).page("/document/n1"), id=ids.HISTORY_CARD)
    settle(world)
    after = trail(world, "admin", doc_id="n1")
    new = after[: len(after) - before]
    assert {e.action for e in new} == {"view_document"}  # each page view: its own entry, nothing else
    assert len(new) == 4 and ctx is world["ctx"]
