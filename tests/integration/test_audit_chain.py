"""The audit trail against the real Elasticsearch: append-only for the application's role, one hash chain per
tenant under concurrent writers, and `cockpit audit verify` naming each changed, removed or inserted entry."""

from __future__ import annotations

import threading

import pytest
from elasticsearch import AuthorizationException
from typer.testing import CliRunner

from app import audit
from app.audit_verify import verify_trail
from domain.audit_chain import Head, entry_id, link
from domain.principal import Principal
from indexing.audit_log import HEADS, AuditLog, read_anchors
from indexing.schema import alias_name
from tests.helpers import app_context

pytestmark = pytest.mark.integration

ANNA = Principal(login="anna", tenants={"nord"}, groups={"vertrieb"}, roles={"agent"})
BERT = Principal(login="bert", tenants={"sued"}, groups={"vertrieb"}, roles={"agent"})
SYSTEM = Principal.system()


@pytest.fixture()
def ctx(es, index_prefix, tmp_path):  # type: ignore[no-untyped-def]
    c = app_context(es, index_prefix)
    c.audit_anchor_dir = tmp_path / "anchors"
    return c


def _trail(ctx, n_nord: int = 4, n_sued: int = 2) -> None:  # type: ignore[no-untyped-def]
    for i in range(n_nord):
        audit.record(ctx, "view_document", ANNA, wait=True, doc_id=f"d{i}", customer_id="K-1")
    for i in range(n_sued):
        audit.record(ctx, "search", BERT, wait=True, query=f"Rechnung {i}", filters={"register": ["invoice"]}, hits=3)


def test_entries_are_indexed_fields_in_one_chain_per_tenant(ctx, es, index_prefix):
    with audit.origin_scope(audit.Origin("cockpit", ip="10.0.0.7", user_agent="Firefox")):
        _trail(ctx)
    index = alias_name(index_prefix, "audit")
    hits = es.search(index=index, query={"term": {"doc_id": "d2"}})["hits"]["hits"]
    assert len(hits) == 1 and hits[0]["_id"] == entry_id("nord", 3)
    src = hits[0]["_source"]
    assert (src["owner"], src["tenant"], src["ip"], src["user_agent"], src["via"]) == (
        "anna", "nord", "10.0.0.7", "Firefox", "cockpit")  # fmt: skip
    found = es.search(index=index, query={"match": {"query": "rechnung"}})["hits"]["hits"]
    assert {h["_source"]["chain"] for h in found} == {"sued"} and found[0]["_source"]["hits"] == 3
    report = verify_trail(ctx, SYSTEM)
    assert report.ok and report.entries == 6
    assert {c.chain: c.last_seq for c in report.chains} == {"nord": 4, "sued": 2}


def test_the_application_role_cannot_change_or_delete_an_entry(ctx, es, index_prefix):
    _trail(ctx, 2, 0)
    index, first = alias_name(index_prefix, "audit"), entry_id("nord", 1)
    with pytest.raises(AuthorizationException):
        es.update(index=index, id=first, doc={"owner": "eve"})
    with pytest.raises(AuthorizationException):
        es.delete(index=index, id=first)
    with pytest.raises(AuthorizationException):
        es.index(index=index, id=first, document={"owner": "eve"})  # an overwrite
    with pytest.raises(AuthorizationException):
        es.indices.delete(index=index)
    assert es.get(index=index, id=first)["_source"]["owner"] == "anna"
    assert verify_trail(ctx, SYSTEM).ok


def test_concurrent_writers_share_one_gapless_chain(ctx, es, index_prefix):
    others = [app_context(es, index_prefix) for _ in range(3)]  # as if three processes

    def write(c, k: int) -> None:  # type: ignore[no-untyped-def]
        for i in range(15):
            audit.record(c, "view_document", ANNA, wait=(i % 3 == 0), doc_id=f"w{k}-{i}")
        c.flush_background()

    threads = [threading.Thread(target=write, args=(c, k)) for k, c in enumerate([ctx, *others])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ctx.store.refresh("audit")
    report = verify_trail(ctx, SYSTEM)
    assert report.ok, report.findings
    assert report.entries == 60 and report.chains[0].last_seq == 60


def test_verify_names_a_changed_a_removed_and_an_inserted_entry(ctx, es_admin, index_prefix, monkeypatch):
    _trail(ctx, 6, 2)
    index = alias_name(index_prefix, "audit")
    es_admin.update(index=index, id=entry_id("nord", 2), doc={"owner": "eve"}, refresh=True)
    es_admin.delete(index=index, id=entry_id("nord", 4), refresh=True)
    forged = es_admin.get(index=index, id=entry_id("sued", 1))["_source"] | {"query": "unsichtbar"}
    es_admin.index(index=index, id="forged-1", document=forged, refresh=True)
    es_admin.index(index=index, document={"action": "login", "owner": "eve", "tenant": "nord"}, refresh=True)
    found = {(f.kind, f.entry_id) for f in verify_trail(ctx, SYSTEM).findings}
    assert ("changed", entry_id("nord", 2)) in found
    assert ("missing", entry_id("nord", 4)) in found
    assert ("inserted", "forged-1") in found
    assert any(kind == "inserted" and chain_id not in {"forged-1"} for kind, chain_id in found)
    # the command line says the same and fails
    from core.settings import get_settings
    from web.cli import app

    monkeypatch.setenv("COCKPIT_INDEX_PREFIX", index_prefix)
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["audit", "verify"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 1, out.output
    assert entry_id("nord", 2) in out.output and entry_id("nord", 4) in out.output and "forged-1" in out.output


def test_a_cut_tail_and_a_consistent_rewrite_are_found_by_head_and_daily_anchor(ctx, es_admin, index_prefix):
    log = AuditLog(ctx.store, ctx.audit_anchor_dir)
    day1 = [{"action": "view_document", "owner": "anna", "tenant": "nord", "day": "2026-12-01",
             "created_at": f"2026-12-01T09:00:0{i}+00:00", "doc_id": f"d{i}"} for i in range(3)]  # fmt: skip
    day2 = [{**e, "day": "2026-12-02", "created_at": e["created_at"].replace("12-01", "12-02")} for e in day1]
    log.append(day1, refresh=True)
    log.append(day2, refresh=True)  # the first entry of a new day anchors the day before
    anchors = list(read_anchors(ctx.audit_anchor_dir, index_prefix))
    assert [(a.chain, a.day, a.seq) for a in anchors] == [("nord", "2026-12-01", 3)]
    assert verify_trail(ctx, SYSTEM).ok
    index = alias_name(index_prefix, "audit")
    # a rewrite with full rights that recomputes every hash and the head: only the anchor still knows
    rewritten, head = link([{**e, "owner": "eve"} for e in day1 + day2], Head(), "nord")
    for e in rewritten:
        es_admin.index(index=index, id=entry_id("nord", e["seq"]), document=e)
    es_admin.index(index=alias_name(index_prefix, HEADS), id="nord",
                   document={"chain": "nord", "seq": head.seq, "hash": head.hash, "day": head.day})  # fmt: skip
    es_admin.indices.refresh(index=index)
    assert [(f.kind, f.seq) for f in verify_trail(ctx, SYSTEM).findings] == [("anchor", 3)]
    # cutting the newest entries is caught by the head
    es_admin.delete(index=index, id=entry_id("nord", 6), refresh=True)
    assert ("truncated", 6) in {(f.kind, f.seq) for f in verify_trail(ctx, SYSTEM).findings}


def test_a_tenant_auditor_verifies_only_their_chain(ctx):
    _trail(ctx, 2, 2)
    auditor = Principal(login="carla", tenants={"sued"}, roles={"compliance"})
    report = verify_trail(ctx, auditor)
    assert report.ok and [c.chain for c in report.chains] == ["sued"] and report.entries == 2


def test_entries_the_index_does_not_take_stay_queued_and_are_written_later(ctx, es, index_prefix):
    from elasticsearch import Elasticsearch

    from indexing.records import RecordStore

    away = RecordStore(Elasticsearch("http://127.0.0.1:9", request_timeout=1, max_retries=0), index_prefix)
    real, ctx.store = ctx.store, away  # Elasticsearch unreachable for this context
    for i in range(3):
        audit.record(ctx, "view_document", ANNA, doc_id=f"q{i}")
    audit.record(ctx, "manual_filing", ANNA, wait=True, doc_id="q9")  # a change: written at once, or kept
    ctx.flush_background(timeout=30)  # a flush that fails keeps them (the background one may be running too)
    assert sorted(e["doc_id"] for e in ctx.audit_pending) == ["q0", "q1", "q2", "q9"]
    ctx.store = real  # back
    ctx.flush_background(timeout=30)
    assert not ctx.audit_pending and not ctx.audit_linked
    report = verify_trail(ctx, SYSTEM)
    assert report.ok and report.chains[0].last_seq == 4
