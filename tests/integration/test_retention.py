"""Retention, legal holds and disposal on the real Elasticsearch: retain_until at ingest, manual filing, re-filing
and back-fill; holds (document, dossier, saved view) block disposal; a dry run deletes nothing; a run deletes
exactly the expired, unheld documents and only unreferenced originals; refusals are audited; the certificate."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import stat
from pathlib import Path
from typing import Any

import pytest

from app import disposal, holds, retention
from app.maintenance import backfill_retention
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.principal import Principal
from indexing.archive import Archive
from indexing.retention import builtin_table, retention_fields
from indexing.schema import alias_name
from tests.helpers import app_context, index_customers, index_documents, make_customer, make_doc

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)
CLARA = Principal("clara.compliance", frozenset({"nord"}), frozenset({"all", "contracts", "management"}),
                  roles=frozenset({"compliance"}))  # fmt: skip
AGENT = Principal("jonas.weber", frozenset({"nord"}), frozenset({"all"}), roles=frozenset({"agent"}))
ANNA = Principal("anna.schmidt", frozenset({"nord"}), frozenset({"all", "contracts", "management"}),
                 roles=frozenset({"manager"}), department="vertrieb-nord")  # fmt: skip
SYSTEM = Principal(login="cli:test", kind="system", roles=frozenset({"admin"}), name="cli")


def doc(doc_id: str, *, register: str = "correspondence", doc_date: str = "2015-03-01", sha: str | None = None,
        contract_end: str | None = None, **kw: Any) -> dict[str, Any]:  # fmt: skip
    body = make_doc(doc_id, register=register, doc_date=doc_date, **kw)
    body["content_sha256"] = sha or hashlib.sha256(doc_id.encode()).hexdigest()
    if contract_end:
        body["contract_end"] = contract_end
    return body | retention_fields(register, doc_date, contract_end, table=builtin_table(), now=NOW)


def audit_entries(es: Any, prefix: str, action: str) -> list[dict[str, Any]]:
    index = alias_name(prefix, "audit")
    es.indices.refresh(index=index)
    resp = es.search(index=index, query={"term": {"action": action}}, size=100, sort=[{"created_at": "asc"}])
    return [h["_source"] for h in resp["hits"]["hits"]]


def ids_in(es: Any, prefix: str) -> set[str]:
    index = alias_name(prefix, "documents")
    es.indices.refresh(index=index)
    return {h["_id"] for h in es.search(index=index, size=1000, source=False)["hits"]["hits"]}


# ------------------------------------------------------------------------------------------------ the world

ORIGINALS = {"inv-old": b"old invoice", "let-old": b"a letter in two tenants", "dup-a": b"the same bytes twice",
             "held-doc": b"held by itself", "mail-old": b"mail with an invoice attached"}  # fmt: skip


@pytest.fixture()
def world(es, index_prefix, tmp_path):  # type: ignore[no-untyped-def]
    archive = Archive(tmp_path / "archive")
    sha = {k: archive.put(v) for k, v in ORIGINALS.items()}
    index_customers(es, index_prefix, [make_customer("C1"), make_customer("C2"), make_customer("C9", tenant="sued")])
    docs = [
        doc("inv-old", register="invoice", doc_date="2015-03-01", sha=sha["inv-old"], customer_ids=["C1"]),  # 2023
        doc("let-old", doc_date="2016-05-01", sha=sha["let-old"], customer_ids=["C1"]),  # 2022
        doc("let-sued", tenant="sued", doc_date="2025-01-10", sha=sha["let-old"], customer_ids=["C9"]),  # kept
        doc("dup-a", doc_date="2017-01-01", sha=sha["dup-a"], customer_ids=["C1"]),
        doc("dup-b", doc_date="2018-01-01", sha=sha["dup-a"], customer_ids=["C1"]),
        doc("inv-new", register="invoice", doc_date="2024-03-05", customer_ids=["C1"]),  # until 2032
        doc("held-doc", doc_date="2015-01-01", sha=sha["held-doc"], customer_ids=["C1"]),
        doc("held-cust", doc_date="2015-01-01", customer_ids=["C2"]),
        doc("held-view", register="complaint", doc_date="2015-01-01", customer_ids=["C1"]),
        doc("review-old", register="review", doc_date="2001-01-01"),
        doc("mail-old", doc_date="2016-01-01", sha=sha["mail-old"], customer_ids=["C1"], attachment_ids=["att-inv"]),
        doc("att-inv", register="invoice", doc_date="2019-01-01", customer_ids=["C1"], parent_id="mail-old"),  # 2027
        doc("dn-billed", register="delivery_note", doc_date="2023-05-01", customer_ids=["C1"],
            entities={"order_number": ["4711"]}),  # fallback 2029, invoiced 2024 -> until 2024-12-31
        doc("inv-4711", register="invoice", doc_date="2024-02-01", customer_ids=["C1"],
            entities={"order_number": ["4711"]}),
        doc("dn-open", register="delivery_note", doc_date="2023-05-01", customer_ids=["C1"],
            entities={"order_number": ["4712"]}),  # no invoice: kept until 2029
        doc("dn-other-customer", register="delivery_note", doc_date="2023-05-01", customer_ids=["C2"],
            entities={"order_number": ["4711"]}),  # the invoice is another customer's: kept
        doc("contract-old", register="contract", doc_date="2010-01-01", contract_end="2020-06-30",
            customer_ids=["C1"], acl_groups=["contracts", "management"]),  # until 2030
        doc("v2-old", doc_date="2015-01-01", family_id="fam-1", version=2, is_latest=True),
        doc("v1-new", register="invoice", doc_date="2024-01-01", family_id="fam-1", version=1, is_latest=False),
    ]  # fmt: skip
    index_documents(es, index_prefix, docs)
    ctx = app_context(es, index_prefix, archive_root=tmp_path / "archive")
    ctx.disposal_dir = tmp_path / "disposal"
    return {"ctx": ctx, "archive": archive, "sha": sha, "prefix": index_prefix, "tmp": tmp_path}


EXPIRED_UNHELD = {"inv-old", "let-old", "dup-a", "dup-b", "dn-billed", "v2-old"}


def hold_everything_that_should_be_held(world: dict[str, Any]) -> dict[str, Any]:
    from views import store as vstore

    ctx = world["ctx"]
    view = vstore.create_view(ctx.store, {"name": "Reklamationen", "filters": {"register": ["complaint"]},
                                          "sharing": "tenant"}, ANNA, now=NOW)  # fmt: skip
    return {
        "doc": holds.set_hold(ctx, CLARA, reason="Betriebsprüfung 2026", doc_id="held-doc", now=NOW),
        "cust": holds.set_hold(ctx, CLARA, reason="Rechtsstreit Kunde C2", customer_id="C2", now=NOW),
        "view": holds.set_hold(ctx, CLARA, reason="Produkthaftung", view_id=view.id, now=NOW),
        "view_obj": view,
    }


# ------------------------------------------------------------------------------------------------ retain_until


def test_ingest_refile_and_manual_filing_compute_retain_until(es, index_prefix, tmp_path):
    from app.review import assign_review, refile_pending
    from indexing.pipeline import run_ingest
    from tests.e2e._cockpit import customer
    from tests.helpers import HashEmbedder

    src = tmp_path / "in"
    src.mkdir()
    (src / "rechnung.txt").write_text(
        "Nordlicht Technik GmbH\nRechnung Nr. RE-2024-0815\nRechnungsdatum: 05.03.2024\n"
        "Kundennummer: K-10001\nMüller Bau GmbH\nSumme 1.190,00 EUR\n",
        encoding="utf-8",
    )
    (src / "brief.txt").write_text("Sehr geehrte Damen und Herren,\nwir bestätigen den Termin.\nHamburg, 12.02.2021\n",
                                   encoding="utf-8")  # fmt: skip
    run_ingest([src], tenant="nord", es=es, prefix=index_prefix, var_dir=tmp_path / "var", workers=0,
               embedder=HashEmbedder())  # fmt: skip
    index = alias_name(index_prefix, "documents")
    es.indices.refresh(index=index)
    hits = {h["_source"]["file_name"]: h for h in es.search(index=index, size=10)["hits"]["hits"]}
    assert set(hits) == {"rechnung.txt", "brief.txt"}
    for h in hits.values():  # unknown customers: both wait in review, never disposed
        s = h["_source"]
        assert s["register"] == "review" and s["retain_until"] is None and s["retention_basis"] == "review:never"
        assert s["retention_table"] == builtin_table().fingerprint

    ctx = app_context(es, index_prefix, archive_root=tmp_path / "var" / "archive")
    index_customers(es, index_prefix, [customer("C1", "Müller Bau GmbH", "nord", number="K-10001")])
    report = refile_pending(ctx, "nord")
    assert report.filed == 1
    es.indices.refresh(index=index)
    inv = es.get(index=index, id=hits["rechnung.txt"]["_id"])["_source"]
    assert inv["register"] == "invoice" and inv["doc_date"] == "2024-03-05"
    assert inv["retain_until"] == "2032-12-31" and inv["retention_basis"] == "invoice:8y:doc_date"

    letter_id = hits["brief.txt"]["_id"]
    letter_date = es.get(index=index, id=letter_id)["_source"]["doc_date"]
    agent = Principal("jonas.weber", frozenset({"nord"}), frozenset({"all"}), roles=frozenset({"agent"}))
    assign_review(ctx, agent, letter_id, "C1", "correspondence")
    letter = es.get(index=index, id=letter_id)["_source"]
    assert letter["retain_until"] == f"{int(letter_date[:4]) + 6}-12-31"
    assert letter["retention_basis"] == "correspondence:6y:doc_date"


def test_backfill_fills_old_documents_and_recomputes_after_a_table_change(es, index_prefix, tmp_path):
    from domain.retention import DEFAULTS, parse_table
    from indexing.schema import REGISTERS

    old = make_doc("old-1", register="invoice", doc_date="2020-02-02")  # indexed before retention existed
    older = make_doc("old-2", register="contract", doc_date="2019-01-01", contract_end="2024-03-31")
    kept = make_doc("rev-1", register="review", doc_date="2019-01-01")
    index_documents(es, index_prefix, [old, older, kept])
    ctx = app_context(es, index_prefix, archive_root=tmp_path / "archive")
    assert backfill_retention(ctx, now=NOW) == 3
    index = alias_name(index_prefix, "documents")
    got = {h["_id"]: h["_source"] for h in es.search(index=index, size=10)["hits"]["hits"]}
    assert got["old-1"]["retain_until"] == "2028-12-31"
    assert (
        got["old-2"]["retain_until"] == "2034-12-31" and got["old-2"]["retention_basis"] == "contract:10y:contract_end"
    )
    assert got["rev-1"]["retain_until"] is None and got["rev-1"]["retention_flags"] == ["never"]
    assert backfill_retention(ctx, now=NOW) == 0  # idempotent
    ctx.retention = parse_table({**DEFAULTS, "profile": "bafin"}, REGISTERS)  # the company switches to BaFin
    assert backfill_retention(ctx, now=NOW) == 3
    assert es.get(index=index, id="old-1")["_source"]["retain_until"] == "2030-12-31"


def test_a_contract_end_moves_the_contracts_retention(es, world):
    ctx = world["ctx"]
    change = retention.set_contract_end(ctx, CLARA, "contract-old", dt.date(2025, 12, 31), now=NOW)
    assert change["retain_until"] == "2035-12-31" and change["retention_basis"] == "contract:10y:contract_end"
    with pytest.raises(Invalid):
        retention.set_contract_end(ctx, CLARA, "inv-old", dt.date(2025, 12, 31))
    with pytest.raises(Forbidden):
        retention.set_contract_end(ctx, AGENT, "contract-old", None)
    assert audit_entries(es, world["prefix"], "contract_end_set")[0]["doc_id"] == "contract-old"


# ------------------------------------------------------------------------------------------------ holds


def test_holds_are_set_listed_lifted_and_audited(es, world):
    ctx = world["ctx"]
    h = hold_everything_that_should_be_held(world)
    listed = holds.list_holds(ctx, CLARA)
    assert {x.hold_id for x in listed} == {h["doc"].hold_id, h["cust"].hold_id, h["view"].hold_id}
    assert h["cust"].label == "Kunde C2" and h["doc"].set_by == "clara.compliance" and h["view"].target == "view"
    lifted = holds.lift_hold(ctx, CLARA, h["doc"].hold_id, reason="Prüfung abgeschlossen", now=NOW)
    assert not lifted.active and lifted.lifted_by == "clara.compliance" and lifted.lift_reason
    assert {x.hold_id for x in holds.list_holds(ctx, CLARA)} == {h["cust"].hold_id, h["view"].hold_id}
    assert len(holds.list_holds(ctx, CLARA, include_lifted=True)) == 3
    with pytest.raises(Conflict):
        holds.lift_hold(ctx, CLARA, h["doc"].hold_id, reason="again")
    set_entries = audit_entries(es, world["prefix"], "hold_set")
    assert len(set_entries) == 3 and {e.get("doc_id") for e in set_entries} >= {"held-doc"}
    assert audit_entries(es, world["prefix"], "hold_lifted")[0]["owner"] == "clara.compliance"


def test_hold_requests_are_checked(world):
    ctx = world["ctx"]
    with pytest.raises(Forbidden):
        holds.set_hold(ctx, AGENT, reason="x", doc_id="inv-old")
    with pytest.raises(Invalid):
        holds.set_hold(ctx, CLARA, reason="  ", doc_id="inv-old")
    with pytest.raises(Invalid):
        holds.set_hold(ctx, CLARA, reason="x", doc_id="inv-old", customer_id="C1")
    with pytest.raises(NotFound):
        holds.set_hold(ctx, CLARA, reason="x", doc_id="let-sued")  # another tenant's: not found
    with pytest.raises(NotFound):
        holds.set_hold(ctx, CLARA, reason="x", customer_id="C9")
    with pytest.raises(NotFound):
        holds.set_hold(ctx, CLARA, reason="x", view_id="no-such-view")
    with pytest.raises(Invalid):
        holds.set_hold(ctx, SYSTEM, reason="x", customer_id="C1")  # the system must name the tenant


# ------------------------------------------------------------------------------------------------ the report


def test_the_report_lists_what_expires_per_register_with_holds(world):
    ctx = world["ctx"]
    hold_everything_that_should_be_held(world)
    rep = retention.report(ctx, CLARA, months=12, now=NOW)
    by_id = {i.doc_id: i for i in rep.items}
    assert rep.tenants == ["nord"] and rep.today == "2026-06-15" and rep.until == "2027-06-15"
    assert "let-sued" not in by_id and "review-old" not in by_id and "inv-new" not in by_id
    assert by_id["inv-old"].due and by_id["inv-old"].retain_until == "2023-12-31" and not by_id["inv-old"].held
    assert by_id["held-doc"].held == "document" and by_id["held-cust"].held == "customer"
    assert by_id["held-view"].held == "view"
    assert by_id["dn-billed"].settled_by == "inv-4711" and by_id["dn-billed"].retain_until == "2024-12-31"
    assert "dn-open" not in by_id and "dn-other-customer" not in by_id
    registers = {r.register: r for r in rep.registers}
    assert registers["invoice"].due == 1 and registers["delivery_note"].due == 1
    assert registers["correspondence"].due == 7 and rep.due == sum(r.due for r in rep.registers)
    assert rep.held == 3 and len(rep.holds) == 3 and not rep.unresolved_holds
    with pytest.raises(Forbidden):
        retention.report(ctx, AGENT, months=12)
    with pytest.raises(Invalid):
        retention.report(ctx, CLARA, months=-1)
    longer = retention.report(ctx, CLARA, months=24, now=NOW)
    assert "att-inv" in {i.doc_id for i in longer.items}  # expires 2027-12-31


# ------------------------------------------------------------------------------------------------ disposal


def test_a_dry_run_deletes_nothing_and_says_what_a_run_would(es, world):
    ctx = world["ctx"]
    hold_everything_that_should_be_held(world)
    before = ids_in(es, world["prefix"])
    run = disposal.dispose(ctx, CLARA, now=NOW)
    assert run.dry_run and run.deleted == 0
    assert {i.doc_id for i in run.items} == EXPIRED_UNHELD
    assert ids_in(es, world["prefix"]) == before
    assert all(world["archive"].exists(s) for s in world["sha"].values())
    would = {i.doc_id: i.original_would_go for i in run.items}
    assert would["inv-old"] and would["dup-a"] and would["dup-b"] and not would["let-old"]  # let-sued keeps it
    skipped = {s.doc_id: s.reason for s in run.skipped}
    assert skipped["mail-old"] == "attachment_retained"
    assert "held-doc" not in skipped  # the query itself never selected the held ones
    rows = list(csv.DictReader(io.StringIO(run.certificate_csv), delimiter=";"))
    assert {r["mode"] for r in rows} == {"dry_run"} and len(rows) == len(EXPIRED_UNHELD)
    assert run.certificate is not None and run.certificate.read_text(encoding="utf-8") == run.certificate_csv
    entry = audit_entries(es, world["prefix"], "disposal_run")[-1]
    assert entry["outcome"] == "dry_run" and entry["tenant"] == "nord" and entry["owner"] == "clara.compliance"


def test_a_run_deletes_expired_unheld_documents_and_only_unreferenced_originals(es, world):
    ctx = world["ctx"]
    h = hold_everything_that_should_be_held(world)
    run = disposal.dispose(ctx, CLARA, execute=True, now=NOW)
    assert not run.dry_run and run.deleted == len(EXPIRED_UNHELD) and not run.refused
    left = ids_in(es, world["prefix"])
    assert not (left & EXPIRED_UNHELD)
    assert {"held-doc", "held-cust", "held-view", "review-old", "mail-old", "att-inv", "inv-new", "dn-open",
            "dn-other-customer", "contract-old", "let-sued", "v1-new", "inv-4711"} <= left  # fmt: skip
    archive, sha = world["archive"], world["sha"]
    assert not archive.exists(sha["inv-old"]) and not archive.exists(sha["dup-a"])  # nobody references them now
    assert archive.exists(sha["let-old"])  # still referenced by the other tenant's document
    assert archive.exists(sha["held-doc"]) and archive.exists(sha["mail-old"])
    index = alias_name(world["prefix"], "documents")
    assert es.get(index=index, id="v1-new")["_source"]["is_latest"] is True  # the family keeps a latest version

    rows = {r["doc_id"]: r for r in csv.DictReader(io.StringIO(run.certificate_csv), delimiter=";")}
    assert set(rows) == EXPIRED_UNHELD
    r = rows["inv-old"]
    assert (r["tenant"], r["register"], r["customer"], r["document_date"], r["retain_until"]) == (
        "nord", "invoice", "C1", "2015-03-01", "2023-12-31")  # fmt: skip
    assert r["content_sha256"] == sha["inv-old"] and r["original_deleted"] == "yes" and r["mode"] == "executed"
    assert rows["let-old"]["original_deleted"] == "no" and r["who"] == "clara.compliance" and r["when"]
    assert rows["dn-billed"]["basis"] == "delivery_note:invoice:inv-4711"
    assert {rows["dup-a"]["original_deleted"], rows["dup-b"]["original_deleted"]} == {"yes"}
    cert = run.certificate
    assert cert is not None and cert.parent == world["tmp"] / "disposal" and cert.name == f"{run.run_id}.csv"
    assert stat.S_IMODE(cert.stat().st_mode) == 0o400
    assert disposal.read_certificate(ctx, CLARA, run.run_id) == run.certificate_csv
    entry = audit_entries(es, world["prefix"], "disposal_run")[-1]
    assert entry["outcome"] == "executed" and entry["body"]["deleted"] == len(EXPIRED_UNHELD)
    assert set(entry["body"]["doc_ids"]) == EXPIRED_UNHELD and entry["body"]["run_id"] == run.run_id

    again = disposal.dispose(ctx, CLARA, execute=True, now=NOW)  # nothing left to do
    assert again.deleted == 0 and not again.items

    holds.lift_hold(ctx, CLARA, h["doc"].hold_id, reason="erledigt", now=NOW)
    third = disposal.dispose(ctx, CLARA, execute=True, now=NOW)
    assert {i.doc_id for i in third.items if i.deleted} == {"held-doc"}
    assert not archive.exists(sha["held-doc"])


def test_requests_to_dispose_of_held_or_kept_documents_are_refused_and_audited(es, world):
    ctx = world["ctx"]
    hold_everything_that_should_be_held(world)
    cases = [("held-doc", "retention.error.held"), ("held-cust", "retention.error.held"),
             ("held-view", "retention.error.held"), ("inv-new", "retention.error.not_expired"),
             ("review-old", "retention.error.never"), ("dn-open", "retention.error.not_expired")]  # fmt: skip
    for doc_id, code in cases:
        with pytest.raises(Conflict) as err:
            disposal.dispose(ctx, CLARA, execute=True, doc_ids=[doc_id, "inv-old"], now=NOW)
        assert err.value.code == code, doc_id
    with pytest.raises(NotFound):
        disposal.dispose(ctx, CLARA, execute=True, doc_ids=["let-sued"], now=NOW)  # another tenant's
    with pytest.raises(Forbidden):
        disposal.dispose(ctx, AGENT, execute=True, now=NOW)
    assert ids_in(es, world["prefix"]) >= {"held-doc", "held-cust", "held-view", "inv-new", "inv-old"}
    refused = audit_entries(es, world["prefix"], "disposal_refused")
    assert [e.get("doc_id") for e in refused[:6]] == [c[0] for c in cases]
    assert [e["outcome"] for e in refused[:6]] == [c[1] for c in cases]
    assert refused[-1]["owner"] == "jonas.weber" and refused[-1]["outcome"] == "error.capability"
    assert not audit_entries(es, world["prefix"], "disposal_run")  # refused requests ran nothing

    ok = disposal.dispose(ctx, CLARA, execute=True, doc_ids=["inv-old", "dn-billed"], now=NOW)
    assert {i.doc_id for i in ok.items if i.deleted} == {"inv-old", "dn-billed"}


def test_an_unresolvable_hold_blocks_its_tenant(es, world):
    from views import store as vstore

    ctx = world["ctx"]
    h = hold_everything_that_should_be_held(world)
    vstore.delete_view(ctx.repo, ctx.store, h["view_obj"].id, ANNA)  # the held view is gone
    run = disposal.dispose(ctx, SYSTEM, execute=True, now=NOW)
    assert run.refused == {"nord": "hold_unresolved"} and "sued" in run.tenants
    assert not [i for i in run.items if i.tenant == "nord"]
    assert ids_in(es, world["prefix"]) >= EXPIRED_UNHELD
    entry = audit_entries(es, world["prefix"], "disposal_refused")[-1]
    assert entry["tenant"] == "nord" and entry["outcome"] == "retention.error.hold_unresolved"
    rep = retention.report(ctx, CLARA, months=1, now=NOW)
    assert [x.hold_id for x in rep.unresolved_holds] == [h["view"].hold_id]
    holds.lift_hold(ctx, CLARA, h["view"].hold_id, reason="Ansicht gelöscht", now=NOW)
    assert not disposal.dispose(ctx, SYSTEM, now=NOW).refused


def test_a_hold_on_a_dossier_covers_documents_filed_later(es, world):
    ctx = world["ctx"]
    holds.set_hold(ctx, CLARA, reason="Rechtsstreit", customer_id="C1", now=NOW)
    index_documents(es, world["prefix"], [doc("late", doc_date="2012-01-01", customer_ids=["C1"])])
    run = disposal.dispose(ctx, CLARA, execute=True, now=NOW)
    assert not {i.doc_id for i in run.items} & {"late", "inv-old", "let-old", "dup-a", "dn-billed"}
    assert {i.doc_id for i in run.items} == {"v2-old", "held-cust"}  # no customer, another customer


def test_who_may_not_read_a_document_cannot_dispose_of_it(es, world):
    ctx = world["ctx"]
    reader = Principal("lisa", frozenset({"nord"}), frozenset({"all"}), roles=frozenset({"compliance"}))
    index_documents(es, world["prefix"], [doc("contract-gone", register="contract", doc_date="2005-01-01",
                                              contract_end="2010-01-01", acl_groups=["contracts", "management"])])  # fmt: skip
    run = disposal.dispose(ctx, reader, now=NOW)
    assert "contract-gone" not in {i.doc_id for i in run.items}
    assert "contract-gone" in {i.doc_id for i in disposal.dispose(ctx, CLARA, now=NOW).items}


def test_a_document_changed_during_the_run_is_left_alone(es, world, monkeypatch):
    ctx = world["ctx"]
    real = disposal._delete

    def refile_first(ctx_: Any, run: Any, tenant: str) -> None:
        es.update(index=alias_name(world["prefix"], "documents"), id="inv-old", doc={"title": "re-filed meanwhile"},
                  refresh=True)  # fmt: skip
        real(ctx_, run, tenant)

    monkeypatch.setattr(disposal, "_delete", refile_first)
    run = disposal.dispose(ctx, CLARA, execute=True, now=NOW)
    assert "inv-old" in ids_in(es, world["prefix"])
    assert ("inv-old", "changed") in {(s.doc_id, s.reason) for s in run.skipped}
    assert Path(world["tmp"] / "archive").exists() and world["archive"].exists(world["sha"]["inv-old"])
