"""Temporary grants, confidential documents, the register table's read/export/file rights on the real
Elasticsearch, through the use cases every front door calls (users come from the demo users file)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app import confidential, grants, review
from app import search as search_uc
from app.dossier import dossier
from domain.access import parse_policy
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from indexing.access_policy import builtin_policy
from indexing.documents import permission_fields
from indexing.schema import REGISTERS, alias_name
from search.request import SearchRequest
from tests.helpers import app_context, index_customers, index_documents, make_customer, make_doc

pytestmark = pytest.mark.integration

NOW = dt.datetime.now(dt.UTC)
TOMORROW = NOW + dt.timedelta(days=1)


def audit_entries(es: Any, prefix: str, action: str) -> list[dict[str, Any]]:
    index = alias_name(prefix, "audit")
    es.indices.refresh(index=index)
    resp = es.search(index=index, query={"term": {"action": action}}, size=100, sort=[{"created_at": "asc"}])
    return [h["_source"] for h in resp["hits"]["hits"]]


@pytest.fixture()
def world(es, index_prefix, tmp_path):  # type: ignore[no-untyped-def]
    index_customers(es, index_prefix, [make_customer("C1"), make_customer("C2"), make_customer("C9", tenant="sued")])
    docs = [
        make_doc("inv-c1", register="invoice", customer_ids=["C1"], text="Rechnung Pumpe"),
        make_doc("con-c1", register="contract", customer_ids=["C1"], text="Rahmenvertrag Pumpe"),
        make_doc("con-c2", register="contract", customer_ids=["C2"], text="Rahmenvertrag Ventil"),
        make_doc("inv-c2", register="invoice", customer_ids=["C2"], text="Rechnung Ventil"),
        make_doc("let-c1", customer_ids=["C1"], text="Brief Pumpe", family_id="fam-let"),
        make_doc("inv-sued", tenant="sued", register="invoice", customer_ids=["C9"], text="Rechnung Pumpe"),
        make_doc("rev-1", register="review", customer_ids=[], text="Unklar Pumpe"),
    ]
    index_documents(es, index_prefix, docs)
    ctx = app_context(es, index_prefix, archive_root=tmp_path / "archive")
    return {"ctx": ctx, "es": es, "prefix": index_prefix}


def user(ctx: Any, login: str) -> Any:
    found = ctx.directory.get(login)
    assert found is not None, login
    return found


def ids(ctx: Any, principal: Any, text: str = "", **filters: list[str]) -> set[str]:
    result = search_uc.search(ctx, principal, SearchRequest(text=text, filters=filters, size=50))
    return {h.doc_id for h in result.hits} - {"rev-1"}  # the review item, unfiled: readable by "all"


def exported(ctx: Any, principal: Any) -> set[str]:
    return {str(r["doc_id"]) for r in search_uc.export(ctx, principal, SearchRequest(text="")).rows} - {"rev-1"}


def test_a_dossier_grant_opens_the_dossier_until_it_is_revoked(world: dict[str, Any]) -> None:
    ctx = world["ctx"]
    jonas = user(ctx, "jonas.weber")  # agent, group "all": no contracts
    assert ids(ctx, jonas) == {"inv-c1", "inv-c2", "let-c1"}
    anna = user(ctx, "anna.schmidt")
    g = grants.give(ctx, anna, grantee_kind="user", grantee="jonas.weber", until=TOMORROW, reason="Vertretung",
                    customer_id="C1")  # fmt: skip
    jonas = user(ctx, "jonas.weber")
    assert [s.key for s in jonas.grants] == ["C1"]
    assert ids(ctx, jonas) == {"inv-c1", "inv-c2", "let-c1", "con-c1"}  # C1's contract, not C2's
    as_analyst = jonas.with_(roles=frozenset({"analyst"}), capabilities=None)  # may export
    assert exported(ctx, as_analyst) == {"inv-c1", "inv-c2", "let-c1"}  # a grant is read only
    shown = grants.on_dossier(ctx, anna, "C1")
    assert [(x.grant_id, x.grantee, x.state(dt.datetime.now(dt.UTC))) for x in shown] == [(g.grant_id, "jonas.weber",
                                                                                            "active")]  # fmt: skip
    grants.revoke(ctx, anna, g.grant_id, reason="zurück")
    assert ids(ctx, user(ctx, "jonas.weber")) == {"inv-c1", "inv-c2", "let-c1"}
    with pytest.raises(Conflict):
        grants.revoke(ctx, anna, g.grant_id)
    given, revoked = audit_entries(world["es"], world["prefix"], "grant_given"), audit_entries(
        world["es"], world["prefix"], "grant_revoked")  # fmt: skip
    assert [e["customer_id"] for e in given] == ["C1"] and [e["owner"] for e in revoked] == ["anna.schmidt"]


def test_a_group_grant_and_a_document_grant(world: dict[str, Any]) -> None:
    ctx = world["ctx"]
    anna = user(ctx, "anna.schmidt")
    grants.give(
        ctx, anna, grantee_kind="group", grantee="all", until=TOMORROW.date(), reason="Prüfung", doc_id="con-c2"
    )
    for login in ("jonas.weber", "tim.brandt"):
        assert "con-c2" in ids(ctx, user(ctx, login)) and "con-c1" not in ids(ctx, user(ctx, login))
    assert "con-c2" not in ids(ctx, user(ctx, "lukas.bauer"))  # group "all" of another tenant


def test_expired_revoked_and_future_grants_open_nothing(world: dict[str, Any]) -> None:
    ctx = world["ctx"]
    anna = user(ctx, "anna.schmidt")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    grants.give(ctx, anna, grantee_kind="user", grantee="jonas.weber", until=past + dt.timedelta(days=1),
                reason="abgelaufen", customer_id="C1", now=past)  # fmt: skip
    grants.give(ctx, anna, grantee_kind="user", grantee="jonas.weber", until=TOMORROW + dt.timedelta(days=2),
                valid_from=TOMORROW, reason="ab morgen", customer_id="C2")  # fmt: skip
    jonas = user(ctx, "jonas.weber")
    assert jonas.grants == () and "con-c1" not in ids(ctx, jonas) and "con-c2" not in ids(ctx, jonas)
    states = sorted(x.state(dt.datetime.now(dt.UTC)) for c in ("C1", "C2") for x in grants.on_dossier(ctx, anna, c))
    assert states == ["expired", "pending"]
    # the same principal, later: the grant starts (and an expired one never comes back)
    later = grants.attach(ctx, jonas, now=TOMORROW + dt.timedelta(hours=1))
    assert [s.key for s in later.grants] == ["C2"]
    assert [s.key for s in grants.attach(ctx, jonas, now=TOMORROW + dt.timedelta(days=3)).grants] == []


def test_an_expiring_grant_closes_cached_answers_too(world: dict[str, Any]) -> None:
    from cachelib import SimpleCache

    ctx = world["ctx"]
    ctx.cache = SimpleCache()
    anna = user(ctx, "anna.schmidt")
    end = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    grants.give(ctx, anna, grantee_kind="user", grantee="jonas.weber", until=end, reason="kurz", customer_id="C1")
    jonas = user(ctx, "jonas.weber")
    assert "con-c1" in ids(ctx, jonas)
    after = grants.attach(ctx, jonas, now=end + dt.timedelta(seconds=1))  # the same process, its memo still warm
    assert after.grants == () and "con-c1" not in ids(ctx, after)


def test_bad_grants_are_refused_and_audited(world: dict[str, Any]) -> None:
    ctx = world["ctx"]
    anna = user(ctx, "anna.schmidt")
    with pytest.raises(NotFound):  # a user of another tenant looks unknown
        grants.give(ctx, anna, grantee_kind="user", grantee="mehmet.kaya", until=TOMORROW, reason="x", customer_id="C1")
    with pytest.raises(NotFound):
        grants.give(ctx, anna, grantee_kind="user", grantee="nobody", until=TOMORROW, reason="x", customer_id="C1")
    with pytest.raises(NotFound):  # another tenant's customer looks unknown
        grants.give(ctx, anna, grantee_kind="user", grantee="jonas.weber", until=TOMORROW, reason="x",
                    customer_id="C9")  # fmt: skip
    with pytest.raises(NotFound):
        grants.give(ctx, anna, grantee_kind="user", grantee="jonas.weber", until=TOMORROW, reason="x",
                    doc_id="inv-sued")  # fmt: skip
    for bad in (
        {"until": NOW - dt.timedelta(days=1)},
        {"until": NOW + dt.timedelta(days=400)},
        {"reason": " "},
        {"until": TOMORROW, "valid_from": TOMORROW + dt.timedelta(days=1)},
        {"customer_id": None},
    ):
        kwargs: dict[str, Any] = {"grantee_kind": "user", "grantee": "jonas.weber", "until": TOMORROW, "reason": "x",
                                  "customer_id": "C1"} | bad  # fmt: skip
        with pytest.raises(Invalid):
            grants.give(ctx, anna, **kwargs)
    with pytest.raises(Forbidden):  # agents do not give access
        grants.give(ctx, user(ctx, "jonas.weber"), grantee_kind="user", grantee="tim.brandt", until=TOMORROW,
                    reason="x", customer_id="C1")  # fmt: skip
    with pytest.raises(NotFound):
        grants.revoke(ctx, user(ctx, "mehmet.kaya"), "does-not-exist")
    ctx.flush_background()
    refused = audit_entries(world["es"], world["prefix"], "access_refused")
    assert {e.get("target") for e in refused} >= {"grantee", "dossier", "document"}


def test_confidential_documents_are_for_the_named_only(world: dict[str, Any]) -> None:
    ctx = world["ctx"]
    anna = user(ctx, "anna.schmidt")
    confidential.mark(ctx, anna, "let-c1", users=["lena.hoffmann"])
    assert "let-c1" not in ids(ctx, user(ctx, "jonas.weber"))
    assert "let-c1" in ids(ctx, user(ctx, "lena.hoffmann")) and "let-c1" in ids(ctx, anna)
    assert "let-c1" not in ids(ctx, user(ctx, "admin"))  # being admin names nobody
    with pytest.raises(NotFound):  # the dossier view is filtered the same way
        dossier(ctx, user(ctx, "jonas.weber"), "C9")
    # a dossier grant does not open it, a grant on the document does
    grants.give(ctx, anna, grantee_kind="user", grantee="jonas.weber", until=TOMORROW, reason="x", customer_id="C1")
    assert "let-c1" not in ids(ctx, user(ctx, "jonas.weber"))
    grants.give(ctx, anna, grantee_kind="user", grantee="jonas.weber", until=TOMORROW, reason="x", doc_id="let-c1")
    assert "let-c1" in ids(ctx, user(ctx, "jonas.weber"))
    confidential.lift(ctx, anna, "let-c1")
    assert "let-c1" in ids(ctx, user(ctx, "tim.brandt"))
    assert [e["doc_id"] for e in audit_entries(world["es"], world["prefix"], "confidential_set")] == ["let-c1"]


def test_filing_needs_the_registers_file_right(world: dict[str, Any]) -> None:
    ctx = world["ctx"]
    ctx.access = parse_policy('[tenants."*".default]\nread = ["all"]\nfile = ["all"]\nexport = ["all"]\n\n'
                              '[tenants."*".registers.contract]\nread = ["contracts"]\nfile = ["contracts"]\n'
                              'export = ["contracts"]\n', REGISTERS)  # fmt: skip
    ctx.access_file = None
    jonas, lena = user(ctx, "jonas.weber"), user(ctx, "lena.hoffmann")
    with pytest.raises(Invalid):  # an agent cannot open a document to the contracts group (or hide it there)
        review.assign_review(ctx, jonas, "rev-1", "C1", "contract")
    assert review.assign_review(ctx, lena, "rev-1", "C1", "contract").register == "contract"
    world["es"].indices.refresh(index=alias_name(world["prefix"], "documents"))
    src = world["es"].get(index=alias_name(world["prefix"], "documents"), id="rev-1")["_source"]
    assert (src["acl_groups"], src["export_groups"]) == (["contracts"], ["contracts"])
    filed = {h.doc_id for p in (jonas, lena) for h in search_uc.search(ctx, p, SearchRequest(text="Unklar")).hits
             if p is lena}  # fmt: skip
    assert filed == {"rev-1"}
    assert not search_uc.search(ctx, jonas, SearchRequest(text="Unklar")).hits
    ctx.flush_background()
    assert audit_entries(world["es"], world["prefix"], "access_refused")[0]["target"] == "file"


def test_the_default_table_is_what_indexing_writes() -> None:
    assert permission_fields("nord", "contract", builtin_policy())["acl_groups"] == ["contracts", "management"]


def test_a_changed_table_is_found_and_applied_to_indexed_documents(world: dict[str, Any]) -> None:
    from app.access import apply_table, drift
    from domain.principal import Principal

    ctx = world["ctx"]
    operator = Principal(login="cli:test", kind="system", roles=frozenset({"admin"}), name="cli")
    assert drift(ctx, operator).ok
    ctx.access = parse_policy('[tenants."*".default]\nread = ["all"]\nfile = ["all"]\nexport = ["all"]\n\n'
                              '[tenants."*".registers.contract]\nread = ["management"]\nfile = ["management"]\n'
                              'export = []\n', REGISTERS)  # fmt: skip
    ctx.access_file = None
    assert drift(ctx, operator).pairs == [("nord", "contract")]
    lena = user(ctx, "lena.hoffmann")  # contracts group: read contracts by the old table
    assert "con-c1" in ids(ctx, lena)
    done = apply_table(ctx, operator)
    assert done.rewritten == 2 and drift(ctx, operator).ok
    assert "con-c1" not in ids(ctx, lena) and "con-c1" in ids(ctx, user(ctx, "anna.schmidt"))


def test_a_malformed_table_stops_the_start_with_its_line(tmp_path: Any, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from core.settings import get_settings
    from web.cli import app as cli

    bad = tmp_path / "permissions.toml"
    bad.write_text('[tenants."*".default]\nread = ["all"]\nfile = ["all"]\nexport = ["all"]\n\n'
                   '[tenants."*".registers.contrct]\nread = []\nfile = []\nexport = []\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("COCKPIT_PERMISSIONS_FILE", str(bad))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["access", "show"])
    finally:
        monkeypatch.delenv("COCKPIT_PERMISSIONS_FILE")
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "line 6" in result.output and "contrct" in result.output


def test_an_upload_into_a_register_one_may_not_file_is_refused_before_anything_is_stored(world: dict[str, Any]) -> None:
    from app.intake import Upload, prepare

    ctx = world["ctx"]
    ctx.access = parse_policy('[tenants."*".default]\nread = ["all"]\nfile = ["all"]\nexport = ["all"]\n\n'
                              '[tenants."*".registers.contract]\nread = ["contracts"]\nfile = ["contracts"]\n'
                              'export = ["contracts"]\n', REGISTERS)  # fmt: skip
    ctx.access_file = None
    jonas = user(ctx, "jonas.weber")
    with pytest.raises(Invalid) as exc:
        prepare(
            ctx, jonas, Upload(b"%PDF-1.4 x", "v.pdf", register="contract"), channel="upload", tenant=None, owner=None
        )
    assert exc.value.code == "intake.error.register_denied"
    assert not (ctx.archive_root.exists() and any(p.is_file() for p in ctx.archive_root.rglob("*")))
    job = prepare(
        ctx,
        user(ctx, "lena.hoffmann"),
        Upload(b"%PDF-1.4 x", "v.pdf", register="contract"),
        channel="upload",
        tenant=None,
        owner=None,
    )
    assert job.register == "contract"
