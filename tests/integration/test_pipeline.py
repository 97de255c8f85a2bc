"""The ingest pipeline against the real Elasticsearch: accountable, idempotent, versioned, robust."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from indexing import schema
from indexing.archive import Archive
from indexing.customers import ingest_customer_file
from indexing.pipeline import run_ingest
from indexing.store import scan_all


def _docs(es, prefix: str) -> list[dict]:
    return [h["_source"] for h in scan_all(es, schema.alias_name(prefix, "documents"))]


def _truth(corpus: Path) -> list[dict]:
    return [json.loads(x) for x in (corpus / "ground_truth.jsonl").read_text().splitlines() if x.strip()]


def test_demo_run_adds_up_and_every_ground_truth_document_is_indexed(es, demo_index):
    runs = demo_index["runs"]
    assert all(r.adds_up() for r in runs)
    assert sum(len(r.failed) for r in runs) == 0, [f for r in runs for f in r.failed]
    uris = {s["uri"] for d in _docs(es, demo_index["prefix"]) for s in d["sources"]}
    missing = [t["doc_key"] for t in _truth(demo_index["corpus"]) if t["doc_key"] not in uris]
    assert missing == []


def test_every_document_carries_tenant_acl_passages_and_an_archived_original(es, demo_index):
    archive = Archive(demo_index["var_dir"] / "archive")
    for d in _docs(es, demo_index["prefix"]):
        assert d["tenant"] in ("nord", "sued") and d["acl_groups"]
        assert d["passages"] and len(d["passages"][0]["vector"]) == schema.EMBEDDING_DIMS
        assert archive.get(d["content_sha256"])  # verified on read


def test_same_invoice_by_mail_and_from_erp_is_one_document_with_two_sources(es, demo_index):
    dups = [t for t in _truth(demo_index["corpus"]) if t.get("duplicate_of")]
    assert dups, "the demo corpus has duplicate deliveries"
    by_uri = {s["uri"]: d for d in _docs(es, demo_index["prefix"]) for s in d["sources"]}
    for t in dups:
        assert by_uri[t["doc_key"]]["doc_id"] == by_uri[t["duplicate_of"]]["doc_id"]
        assert len(by_uri[t["doc_key"]]["sources"]) >= 2


def test_revised_offers_are_versions_of_one_family_with_one_latest(es, demo_index):
    families: dict[str, list[dict]] = {}
    for d in _docs(es, demo_index["prefix"]):
        families.setdefault(d["family_id"], []).append(d)
    multi = [f for f in families.values() if len(f) > 1]
    assert multi, "the demo corpus has revised offers"
    for members in multi:
        assert sorted(m["version"] for m in members) == list(range(1, len(members) + 1))
        assert [m["is_latest"] for m in sorted(members, key=lambda m: m["version"])][-1] is True
        assert sum(m["is_latest"] for m in members) == 1


def test_rerun_changes_nothing(es, demo_index):
    before = es.count(index=schema.alias_name(demo_index["prefix"], "documents"))["count"]
    again = run_ingest(
        [demo_index["corpus"] / "nord"],
        tenant="nord",
        es=es,
        prefix=demo_index["prefix"],
        var_dir=demo_index["var_dir"],
    )
    assert again.documents_indexed == 0 and again.new_versions == 0 and again.duplicates_merged == 0
    assert again.unchanged == again.files_seen
    assert es.count(index=schema.alias_name(demo_index["prefix"], "documents"))["count"] == before


def test_uncertain_documents_go_to_review_with_candidates_not_to_a_guess(es, demo_index):
    review = [d for d in _docs(es, demo_index["prefix"]) if d["filing"]["status"] == "review"]
    for d in review:
        assert d["register"] == "review"
        assert d["filing"]["reasons"] or d["filing"]["candidates"] or not d["customer_ids"]


def test_bad_files_are_recorded_as_failed_and_the_run_continues(es, index_prefix, demo_corpus, tmp_path):
    src = tmp_path / "inbox"
    src.mkdir()
    (src / "empty.pdf").write_bytes(b"")
    (src / "random.docx").write_bytes(os.urandom(2048))
    (src / "fake.pdf").write_bytes(b"<html><body><p>Reklamation K-10001: Lieferung fehlt.</p></body></html>")
    (src / "truncated.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (src / "good.txt").write_text("Sehr geehrte Damen und Herren, unsere Kundennummer ist K-10001.", encoding="utf-8")
    (src / "blob.bin").write_bytes(bytes(range(256)) * 8)
    ingest_customer_file(demo_corpus / "customers.csv", es=es, prefix=index_prefix)
    run = run_ingest([src], tenant="nord", es=es, prefix=index_prefix, var_dir=tmp_path / "var", workers=0)
    reasons = {f.source_uri.split("/")[-1]: f.reason_code for f in run.failed}
    assert reasons["empty.pdf"] == "empty_file"
    assert reasons["random.docx"] == "corrupt"
    assert reasons["truncated.pdf"] == "corrupt"
    assert reasons["blob.bin"] == "unsupported_type"
    assert "fake.pdf" not in reasons and "good.txt" not in reasons  # mislabelled HTML is parsed as HTML
    assert run.documents_indexed == 2 and run.adds_up()


_KILL_SCRIPT = """
import sys
from pathlib import Path
from indexing.pipeline import run_ingest
from core.es import make_client
from core.services import EsEndpoint
ep = EsEndpoint(sys.argv[1], sys.argv[2], sys.argv[3], managed=False, ca_certs=sys.argv[7] or None)
run_ingest([Path(sys.argv[4])], tenant="nord", es=make_client(ep), prefix=sys.argv[5], var_dir=Path(sys.argv[6]), workers=1)
"""


def test_kill_minus_nine_mid_run_then_rerun_indexes_every_document_exactly_once(
    es, es_endpoint, index_prefix, demo_corpus, tmp_path
):
    """GIVEN an ingest killed with SIGKILL part-way WHEN the same input is ingested again
    THEN every document is there exactly once and the rerun's numbers add up."""
    ingest_customer_file(demo_corpus / "customers.csv", es=es, prefix=index_prefix)
    var_dir = tmp_path / "var"
    args = [sys.executable, "-c", _KILL_SCRIPT, es_endpoint.url, es_endpoint.user, es_endpoint.password,
            str(demo_corpus / "nord"), index_prefix, str(var_dir), es_endpoint.ca_certs or ""]  # fmt: skip
    proc = subprocess.Popen(args, start_new_session=True)
    alias = schema.alias_name(index_prefix, "documents")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if es.indices.exists_alias(name=alias):
            es.indices.refresh(index=alias)
            if es.count(index=alias)["count"] > 0:
                break
        time.sleep(0.3)
    assert proc.poll() is None, f"the ingest ended (rc={proc.returncode}) before it could be killed mid-run"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    rerun = run_ingest([demo_corpus / "nord"], tenant="nord", es=es, prefix=index_prefix, var_dir=var_dir, workers=1)
    assert rerun.adds_up() and not rerun.failed
    docs = _docs(es, index_prefix)
    ids = [d["doc_id"] for d in docs]
    assert len(ids) == len(set(ids))
    uris = [s["uri"] for d in docs for s in d["sources"]]
    assert len(uris) == len(set(uris))
    expected = {t["doc_key"] for t in _truth(demo_corpus) if t["tenant"] == "nord"}
    assert expected <= set(uris)


def test_identical_files_in_one_batch_are_one_document_with_both_sources(es, index_prefix, demo_corpus, tmp_path):
    """GIVEN the same letter saved twice and a third copy in a later run WHEN ingested
    THEN one document carries all three sources and the numbers add up."""
    src = tmp_path / "inbox"
    src.mkdir()
    letter = "Sehr geehrte Damen und Herren,\n\nunsere Kundennummer ist K-10001. Bitte senden Sie ein Angebot."
    (src / "a.txt").write_text(letter, encoding="utf-8")
    (src / "b.txt").write_text(letter, encoding="utf-8")
    ingest_customer_file(demo_corpus / "customers.csv", es=es, prefix=index_prefix)
    run = run_ingest([src], tenant="nord", es=es, prefix=index_prefix, var_dir=tmp_path / "var", workers=0)
    assert (run.documents_indexed, run.duplicates_merged, run.adds_up()) == (1, 1, True)
    (src / "c.txt").write_text(letter, encoding="utf-8")
    again = run_ingest([src], tenant="nord", es=es, prefix=index_prefix, var_dir=tmp_path / "var", workers=0)
    assert (again.documents_indexed, again.unchanged, again.duplicates_merged) == (0, 2, 1)
    docs = _docs(es, index_prefix)
    assert len(docs) == 1
    assert sorted(s["uri"].rsplit("/", 1)[-1] for s in docs[0]["sources"]) == ["a.txt", "b.txt", "c.txt"]


def test_business_documents_carry_the_printed_gross_total(es, demo_index):
    """GIVEN offers, order confirmations, invoices and credit notes whose PDF prints a gross total
    WHEN indexed THEN the document's total_amount and currency are that total (the dossier's revenue)."""
    by_uri = {s["uri"]: d for d in _docs(es, demo_index["prefix"]) for s in d["sources"]}
    with_total = [t for t in _truth(demo_index["corpus"]) if t["numbers"].get("total")]
    assert len(with_total) >= 20
    wrong = [
        (t["doc_key"], t["numbers"]["total"], by_uri[t["doc_key"]].get("total_amount"))
        for t in with_total
        if f"{by_uri[t['doc_key']].get('total_amount') or 0:.2f} {by_uri[t['doc_key']].get('currency')}"
        != t["numbers"]["total"]
    ]
    assert wrong == []
