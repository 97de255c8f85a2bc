"""The audit trail's hash chain as data: linking, and what `verify` names for each kind of tampering."""

from __future__ import annotations

import re

from core.es_roles import AUDIT_INDEX_SUFFIX, AUDIT_PRIVILEGES, MUTABLE_KINDS, app_role
from domain.audit_chain import GENESIS, Anchor, Head, entry_hash, entry_id, link, verify
from indexing import schema


def _entries(n: int, day: str = "2026-12-01") -> list[dict]:
    return [{"action": "view_document", "owner": "anna", "tenant": "nord", "doc_id": f"d{i}", "day": day,
             "created_at": f"{day}T10:00:{i:02d}+00:00", "body": {"n": i}} for i in range(n)]  # fmt: skip


def _chain(n: int = 5) -> tuple[list[dict], Head]:
    return link(_entries(n), Head(), "nord")


def _pairs(entries: list[dict]) -> list[tuple[str, dict]]:
    return [(entry_id(e["chain"], e["seq"]), e) for e in entries]


def test_link_numbers_and_hashes_each_entry_after_the_head():
    linked, head = _chain(3)
    assert [e["seq"] for e in linked] == [1, 2, 3]
    assert linked[0]["prev_hash"] == GENESIS
    assert linked[1]["prev_hash"] == linked[0]["hash"] and linked[2]["prev_hash"] == linked[1]["hash"]
    assert all(entry_hash(e) == e["hash"] for e in linked)
    assert head == Head(3, linked[2]["hash"], "2026-12-01")
    more, head2 = link(_entries(2), head, "nord")
    assert [e["seq"] for e in more] == [4, 5] and more[0]["prev_hash"] == head.hash and head2.seq == 5


def test_an_intact_chain_has_no_findings():
    linked, head = _chain(5)
    assert list(verify("nord", _pairs(linked), head=head)) == []


def test_a_changed_entry_is_named():
    linked, head = _chain(5)
    linked[2] = {**linked[2], "owner": "eve"}
    findings = list(verify("nord", _pairs(linked), head=head))
    assert [(f.kind, f.seq, f.entry_id) for f in findings] == [("changed", 3, "nord.000000000003")]
    assert "eve" in findings[0].detail


def test_a_removed_entry_is_named_with_its_number():
    linked, head = _chain(5)
    del linked[1]
    findings = list(verify("nord", _pairs(linked), head=head))
    assert findings[0].kind == "missing" and findings[0].seq == 2 and findings[0].entry_id == "nord.000000000002"
    assert "nord.000000000003" in findings[0].detail


def test_an_inserted_entry_is_named():
    linked, head = _chain(4)
    forged = {**linked[1], "owner": "eve"}
    forged["hash"] = entry_hash(forged)  # a consistent hash of its own, but the next entry does not follow it
    pairs = _pairs(linked)
    pairs[1] = ("nord.000000000002", forged)
    findings = list(verify("nord", pairs, head=head))
    assert [(f.kind, f.seq) for f in findings] == [("inserted", 3)]
    # a second entry under a number that exists, or an id outside the chain's scheme
    extra = [*_pairs(linked)[:2], ("nord.000000000002", linked[1]), *_pairs(linked)[2:]]
    assert [f.kind for f in verify("nord", extra, head=head)] == ["inserted"]
    odd = [*_pairs(linked), ("AZx81", {**linked[3], "seq": 5})]
    assert [(f.kind, f.entry_id) for f in verify("nord", odd, head=head)] == [("inserted", "AZx81")]


def test_a_cut_tail_and_a_consistently_rewritten_chain_are_caught_by_head_and_anchors():
    linked, head = _chain(5)
    cut = list(verify("nord", _pairs(linked[:3]), head=head))
    assert [(f.kind, f.seq) for f in cut] == [("truncated", 4)]
    rewritten, _ = link([{**e, "owner": "eve"} for e in _entries(5)], Head(), "nord")  # every hash recomputed
    anchor = Anchor("nord", "2026-12-01", 3, linked[2]["hash"])
    findings = list(verify("nord", _pairs(rewritten), anchors=[anchor]))
    assert [(f.kind, f.seq) for f in findings] == [("anchor", 3)]
    gone = list(verify("nord", _pairs(linked[:2]), anchors=[anchor]))
    assert [(f.kind, f.seq) for f in gone] == [("truncated", 3)]


def test_the_application_role_matches_the_schema_and_cannot_change_the_trail():
    assert set(MUTABLE_KINDS) | {"audit"} == set(schema.KINDS)
    assert schema.alias_name("p", "audit") == f"p-{AUDIT_INDEX_SUFFIX}"
    role = app_role()
    mutable, trail = role["indices"]
    assert re.fullmatch(mutable["names"][0].strip("/"), "dossier-documents-v1")
    assert not re.fullmatch(mutable["names"][0].strip("/"), f"dossier-{AUDIT_INDEX_SUFFIX}")
    assert re.fullmatch(trail["names"][0].strip("/"), f"dossier-{AUDIT_INDEX_SUFFIX}")
    assert not {"all", "index", "write", "delete", "manage", "delete_index"} & set(trail["privileges"])
    assert set(trail["privileges"]) == set(AUDIT_PRIVILEGES)
