"""Pure pieces of the write side: ids, families, status, permissions, archive, embedding cache."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from indexing import documents as D
from indexing.archive import Archive, ArchiveError, sha256_bytes
from indexing.embed_cache import EmbeddingCache


def test_doc_id_is_deterministic_and_tenant_bound():
    sha = sha256_bytes(b"invoice")
    assert D.doc_id_for("nord", sha) == D.doc_id_for("nord", sha)
    assert D.doc_id_for("nord", sha) != D.doc_id_for("sued", sha)


@pytest.mark.parametrize(
    ("register", "numbers", "uri_a", "uri_b", "same"),
    [
        ("offer", ["AN-2026-00012"], "nord/a_v1.pdf", "nord/a_v2.pdf", True),  # revisions of one offer
        ("offer", [], "nord/a_v1.pdf", "nord/a_v2.pdf", False),
        ("invoice", ["AN-2026-00012"], "nord/x.pdf", "nord/y.pdf", False),
        ("invoice", [], "nord/x.pdf", "nord/x.pdf", True),  # same path, new content: a new version
    ],
)
def test_family_key(register, numbers, uri_a, uri_b, same):
    a = D.family_key("nord", register, numbers, uri_a, is_email=False)
    b = D.family_key("nord", register, numbers, uri_b, is_email=False)
    assert (a == b) is same


def test_an_email_mentioning_an_offer_is_not_a_version_of_it():
    assert D.family_key("nord", "offer", ["AN-1"], "m.eml", True) != D.family_key(
        "nord", "offer", ["AN-1"], "o.pdf", False
    )


@pytest.mark.parametrize(
    ("register", "text", "status"),
    [
        ("complaint", "Die Ware kam beschädigt an", "open"),
        ("complaint", "Fall erledigt, danke", "closed"),
        ("invoice", "Rechnung", "open"),
        ("invoice", "Betrag bezahlt am 3.1.", "closed"),
        ("offer", "erledigt", "n/a"),
    ],
)
def test_document_status(register, text, status):
    assert D.document_status(register, text) == status


def test_contracts_are_restricted_by_the_default_table():
    from indexing.access_policy import builtin_policy

    fields = D.permission_fields("nord", "contract", builtin_policy())
    assert fields == {"acl_groups": ["contracts", "management"], "export_groups": ["contracts", "management"]}
    assert D.permission_fields("nord", "invoice", builtin_policy())["acl_groups"] == ["all"]


def _prepared(**kw) -> D.PreparedDoc:
    base = dict(
        source_uri="nord/a.pdf",
        source_kind="file",
        file_name="a.pdf",
        sha256="0" * 64,
        size=10,
        mime_type="application/pdf",
        title="Rechnung",
        text="Text",
        language="de",
        lemmas="rechnung",
        pages=1,
        element_count=2,
        register="invoice",
        register_reason="r",
        customer_ids=[],
        customer_names=[],
        filing_status="review",
        confidence=0.2,
        reasons=[],
        candidates=["C1", "C2"],
        entities={},
        entity_facets=[],
        ids=[],
        total_amount=None,
        currency=None,
        doc_date="2026-03-04",
        passages=["Rechnung Text"],
    )
    base.update(kw)
    return D.PreparedDoc(**base)


def test_review_documents_land_in_the_review_register_keeping_the_suggestion():
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    body = D.build_body(
        _prepared(), tenant="nord", doc_id="x", family_id="f", version=1, sources=[], vectors=[[0.0] * 3], now=now
    )
    assert body["register"] == "review"
    assert body["filing"]["suggested_register"] == "invoice"
    assert body["year_month"] == "2026-03"
    assert body["tenant"] == "nord" and body["acl_groups"] == ["all"]


def test_archive_is_write_once_and_verified(tmp_path):
    archive = Archive(tmp_path)
    digest = archive.put(b"original")
    assert archive.put(b"original") == digest
    assert archive.get(digest) == b"original"
    path = archive.path_for(digest)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(ArchiveError, match="verification"):
        archive.get(digest)
    with pytest.raises(ArchiveError, match="missing"):
        archive.get("f" * 64)
    with pytest.raises(ArchiveError):
        archive.path_for("../../etc/passwd")


def test_embedding_cache_computes_each_text_once(tmp_path):
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    cache = EmbeddingCache(tmp_path / "c.sqlite", model="m", dims=2)
    first = cache.embed(["a", "bb", "a"], encode)
    assert calls == [["a", "bb"]]
    assert first.shape == (3, 2) and first[0][0] == 1 and first[1][0] == 2
    again = cache.embed(["bb", "a"], encode)
    assert calls == [["a", "bb"]]  # nothing recomputed
    assert again[0][0] == 2
    cache.close()
    reopened = EmbeddingCache(tmp_path / "c.sqlite", model="m", dims=2)
    reopened.embed(["a"], encode)
    assert len(calls) == 1
