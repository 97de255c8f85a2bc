"""The demo corpus generator: determinism, ground truth consistency, identifier formats, file realism."""

from __future__ import annotations

import csv
import email
import hashlib
import io
import json
import re
import statistics
from collections import Counter
from datetime import date, timedelta
from email import policy
from pathlib import Path

import pytest

from demo import data, ids, texts
from demo.generate import BAD_BATCH_SKU, BAD_BATCH_TENANT, BAD_BATCH_WEEK, REGISTERS, BadBatch, World, generate

NOW = date(2026, 11, 20)
NUMBER_RE = {
    "customer_number": r"K-\d{5}",
    "offer_number": r"AN-20\d\d-\d{5}",
    "order_number": r"AU-20\d\d-\d{5}",
    "order_confirmation_number": r"AB-20\d\d-\d{5}",
    "delivery_note_number": r"LS-20\d\d-\d{5}",
    "invoice_number": r"RE-20\d\d-\d{5}",
    "credit_note_number": r"GS-20\d\d-\d{5}",
    "complaint_number": r"RK-20\d\d-\d{5}",
    "contract_number": r"VT-20\d\d-\d{4}",
}
HARD_CASES = {
    "name_only",
    "name_only_sender_domain",
    "ambiguous_name",
    "no_identifier",
    "two_customers",
    "conflicting_ids",
    "forwarded",
    "offer_revision",
    "email_erp_duplicate",
    "number_variant",
    "thread_reply",
}
REVIEW_CASES = {"name_only", "ambiguous_name", "no_identifier", "conflicting_ids"}


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, list[dict]]:
    out = tmp_path_factory.mktemp("demo") / "corpus"
    generate(out, customers=16, documents=110, seed=7)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    gt = [json.loads(line) for line in (out / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()]
    return out, manifest, gt


def _blob(root: Path, doc_key: str) -> bytes:
    """Bytes of a ground-truth document (a file or an e-mail attachment)."""
    path, _, attachment = doc_key.partition("#")
    data = (root / path).read_bytes()
    if not attachment:
        return data
    msg = email.message_from_bytes(data, policy=policy.default)
    for part in msg.iter_attachments():
        if part.get_filename() == attachment:
            return part.get_content()
    raise AssertionError(f"attachment {attachment} not in {path}")


def _pdf_text(blob: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(blob)).pages)


# --------------------------------------------------------------------------- determinism and layout


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, customers=8, documents=30, seed=11)
    generate(b, customers=8, documents=30, seed=11)
    da, db = _tree_digest(a), _tree_digest(b)
    assert da == db
    assert any(k.endswith(".pdf") for k in da) and any(k.endswith(".eml") for k in da)
    # a different seed gives a different corpus
    generate(a, customers=8, documents=30, seed=12)  # regenerating into an existing corpus is allowed
    assert _tree_digest(a) != db


def test_refuses_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        generate(tmp_path, customers=4, documents=5, seed=1)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_layout_and_manifest_counts(corpus) -> None:
    root, manifest, gt = corpus
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["nord", "sued"]
    for name in ("customers.csv", "customers.xlsx", "ground_truth.jsonl", "manifest.json"):
        assert (root / name).is_file()
    counts = manifest["counts"]
    assert counts["documents"] == len(gt) == 110
    assert manifest["args"] == {"customers": 16, "documents": 110, "seed": 7}
    for field, key in (
        ("kind", "by_kind"),
        ("language", "by_language"),
        ("tenant", "by_tenant"),
        ("register", "by_register"),
        ("expected_filing", "by_expected_filing"),
    ):
        assert counts[key] == dict(Counter(g[field] for g in gt)), key
    files = [p for t in ("nord", "sued") for p in (root / t).rglob("*") if p.is_file()]
    assert manifest["files"] == len(files) == len({g["doc_key"].split("#")[0] for g in gt})
    assert counts["attachments"] == sum("#" in g["doc_key"] for g in gt)


def test_every_ground_truth_document_exists(corpus) -> None:
    root, _, gt = corpus
    keys = {g["doc_key"] for g in gt}
    assert len(keys) == len(gt)
    for g in gt:
        assert g["doc_key"].startswith(g["tenant"] + "/")
        assert _blob(root, g["doc_key"])
        if g["duplicate_of"]:
            assert g["duplicate_of"] in keys
            assert _blob(root, g["doc_key"]) == _blob(root, g["duplicate_of"])
            assert "#" in g["doc_key"] and "/erp/" in g["duplicate_of"]


# --------------------------------------------------------------------------- master data


def test_customers_csv_and_xlsx(corpus) -> None:
    root, manifest, _ = corpus
    raw = (root / "customers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 16
    assert Counter(r["tenant"] for r in rows) == {"nord": 8, "sued": 8}
    assert len({r["customer_number"] for r in rows}) == 16
    for r in rows:
        assert re.fullmatch(r"K-\d{5}", r["customer_number"])
        assert r["customer_id"] == "C" + r["customer_number"][2:]
        assert ids.iban_is_valid(r["iban"]), r["iban"]
        assert r["contact_email"].endswith("@" + r["email_domain"])
        assert r["aliases"] and r["name"].startswith(r["aliases"].split("|")[0].split(" ")[0])
        for side in ("billing", "delivery"):
            lat, lon = float(r[f"{side}_lat"]), float(r[f"{side}_lon"])
            assert 35 < lat < 56 and -6 < lon < 33
    names = {r["name"]: r for r in rows}
    assert names["Müller Bau GmbH"]["tenant"] == names["Müller Baustoffe AG"]["tenant"]
    assert {"DE", "ES", "TR", "PL", "GB"} <= {r["billing_country"] for r in rows}
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(root / "customers.xlsx").active
    xrows = list(ws.iter_rows(values_only=True))
    assert list(xrows[0]) == list(rows[0].keys())
    assert [[str(v) if v is not None else "" for v in x] for x in xrows[1:]] == [list(r.values()) for r in rows]
    own = manifest["own_company"]
    assert own["nord"]["name"] == "Nordlicht Technik GmbH" and own["sued"]["name"] == "Südstern Anlagenbau GmbH"
    for o in own.values():
        assert ids.iban_is_valid(o["iban"])


def test_ibans_and_vat_ids_validate_with_stdnum(corpus) -> None:
    stdnum = pytest.importorskip("stdnum")
    from stdnum import iban
    from stdnum.de import vat as de_vat
    from stdnum.es import nif as es_nif
    from stdnum.gb import vat as gb_vat
    from stdnum.pl import nip as pl_nip
    from stdnum.tr import vkn as tr_vkn

    assert stdnum
    root, manifest, _ = corpus
    rows = list(csv.DictReader(io.StringIO((root / "customers.csv").read_text("utf-8-sig")), delimiter=";"))
    validators = {"DE": de_vat, "ES": es_nif, "GB": gb_vat, "PL": pl_nip, "TR": tr_vkn}
    for r in rows:
        assert iban.is_valid(r["iban"]), r["iban"]
        assert validators[r["billing_country"]].is_valid(r["vat_id"][2:]), r["vat_id"]
    for o in manifest["own_company"].values():
        assert iban.is_valid(o["iban"]) and de_vat.is_valid(o["vat_id"][2:])


def test_id_helpers() -> None:
    assert ids.make_iban("DE", "370400440532013000") == "DE89370400440532013000"
    assert ids.iban_is_valid("DE89 3704 0044 0532 0130 00")
    assert not ids.iban_is_valid("DE88370400440532013000")
    assert ids.format_amount(ids.money("1234.56"), "de") == "1.234,56 EUR"
    assert ids.format_amount(ids.money("1234.56"), "de", symbol=True) == "1.234,56 €"
    assert ids.format_amount(ids.money("1234.56"), "en") == "EUR 1,234.56"
    assert ids.format_amount(ids.money("1234567.5"), "pl") == "1 234 567,50 EUR"
    assert ids.berlin_offset(date(2026, 7, 1)).utcoffset(None) == timedelta(hours=2)
    assert ids.berlin_offset(date(2026, 11, 20)).utcoffset(None) == timedelta(hours=1)
    assert ids.NOW.isoformat() == "2026-11-20T10:00:00+01:00"


# --------------------------------------------------------------------------- ground truth semantics


def test_identifier_formats_and_ownership(corpus) -> None:
    _, _, gt = corpus
    owner: dict[str, str] = {}
    for g in gt:
        for key, value in g["numbers"].items():
            if key in NUMBER_RE:
                assert re.fullmatch(NUMBER_RE[key], value), (key, value)
                if key != "customer_number" and g["customer_ids"]:
                    # a document number always belongs to exactly one customer
                    assert owner.setdefault(value, g["customer_ids"][0]) == g["customer_ids"][0], value
        if "customer_number" in g["numbers"]:
            assert g["customer_ids"] and g["customer_ids"][0] == "C" + g["numbers"]["customer_number"][2:]
        if g["family"]:
            assert g["register"] == "offer" and re.fullmatch(NUMBER_RE["offer_number"], g["family"])


def test_registers_languages_and_hard_cases(corpus) -> None:
    _, _, gt = corpus
    assert {g["register"] for g in gt} == set(REGISTERS)
    assert {g["language"] for g in gt} == {"de", "en", "es", "tr", "pl"}
    assert {"pdf", "eml", "docx", "xlsx", "png", "tiff", "scan_pdf", "txt", "html"} == {g["kind"] for g in gt}
    assert {g["hard_case"] for g in gt if g["hard_case"]} >= HARD_CASES
    langs = Counter(g["language"] for g in gt)
    assert langs["de"] / len(gt) > 0.6
    review = [g for g in gt if g["expected_filing"] == "review"]
    assert len(review) / len(gt) <= 0.1
    for g in review:
        assert g["hard_case"] in REVIEW_CASES, g
    for g in gt:
        assert g["expected_filing"] in ("auto", "review")
        if not g["customer_ids"]:
            assert g["expected_filing"] == "review"
        if g["hard_case"] in ("two_customers", "conflicting_ids"):
            assert len(g["customer_ids"]) == 2
    # revised offers: several versions share one family
    families = Counter(g["family"] for g in gt if g["hard_case"] == "offer_revision")
    assert families and all(n >= 2 for n in families.values())


def test_dates_in_window_with_recent_hits(corpus) -> None:
    _, _, gt = corpus
    days = [(NOW - date.fromisoformat(g["doc_date"])).days for g in gt]
    assert min(days) >= 0 and max(days) <= 800
    assert sum(d < 14 for d in days) >= 3
    assert sum(d < 92 for d in days) >= 10


# --------------------------------------------------------------------------- the files themselves


def test_pdfs_have_text_layer_with_identifiers(corpus) -> None:
    root, manifest, gt = corpus
    own_ibans = {o["iban"] for o in manifest["own_company"].values()}
    pdfs = [g for g in gt if g["kind"] == "pdf"]
    assert len(pdfs) >= 20
    saw_own_iban = False
    for g in pdfs:
        blob = _blob(root, g["doc_key"])
        assert blob.startswith(b"%PDF-")
        text = _pdf_text(blob)
        compact = re.sub(r"\s", "", text)
        for key, value in g["numbers"].items():
            if key == "customer_number":
                assert value[2:] in compact, (g["doc_key"], value)
            elif key in NUMBER_RE:
                assert value in compact, (g["doc_key"], key, value)
        saw_own_iban |= any(i in compact for i in own_ibans) or any(i[:4] in text for i in own_ibans)
    assert saw_own_iban


def test_scans_have_no_text_layer(corpus) -> None:
    from PIL import Image

    root, _, gt = corpus
    scans = [g for g in gt if g["kind"] in ("png", "tiff", "scan_pdf")]
    assert scans
    for g in scans:
        blob = _blob(root, g["doc_key"])
        if g["kind"] == "scan_pdf":
            assert blob.startswith(b"%PDF-")
            assert _pdf_text(blob).strip() == ""
            assert b"/Font" not in blob
        else:
            with Image.open(io.BytesIO(blob)) as img:
                assert img.size[0] > 1500 and img.size[1] > 2000
                assert img.format == ("PNG" if g["kind"] == "png" else "TIFF")


def test_emails_threads_and_attachments(corpus) -> None:
    root, manifest, gt = corpus
    emls = [g for g in gt if g["kind"] == "eml"]
    msgs = {g["doc_key"]: email.message_from_bytes(_blob(root, g["doc_key"]), policy=policy.default) for g in emls}
    ids_ = {m["Message-ID"] for m in msgs.values()}
    assert len(ids_) == len(msgs)
    for g in emls:
        m = msgs[g["doc_key"]]
        assert m["Date"] and m["From"] and m["To"] and m["Subject"]
        if g["hard_case"] == "thread_reply":
            assert m["In-Reply-To"] in ids_
        if g["hard_case"] == "forwarded":
            assert m["Subject"].startswith(("WG: ", "Fwd: "))
        own_domains = {o["domain"] for o in manifest["own_company"].values()}
        sender_domain = m["From"].addresses[0].domain
        if g["hard_case"] == "name_only_sender_domain":
            assert sender_domain not in own_domains
    attached = [g for g in gt if "#" in g["doc_key"]]
    assert {g["kind"] for g in attached} >= {"pdf", "docx"}


def test_office_files_have_fixed_metadata(corpus) -> None:
    import zipfile

    docx = pytest.importorskip("docx")
    openpyxl = pytest.importorskip("openpyxl")
    root, _, gt = corpus
    for g in gt:
        if g["kind"] not in ("docx", "xlsx"):
            continue
        blob = _blob(root, g["doc_key"])
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            assert {zi.date_time for zi in zf.infolist()} == {(2026, 11, 20, 10, 0, 0)}
        if g["kind"] == "docx":
            d = docx.Document(io.BytesIO(blob))
            assert d.core_properties.created.date() <= NOW
            text = "\n".join(p.text for p in d.paragraphs) + "\n".join(
                c.text for t in d.tables for r in t.rows for c in r.cells
            )
        else:
            wb = openpyxl.load_workbook(io.BytesIO(blob))
            assert wb.properties.modified.date() <= NOW
            text = "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v)
        for key, value in g["numbers"].items():
            if key == "customer_number":
                assert value[2:] in text.replace(" ", "")
            elif key in NUMBER_RE:
                assert value in text


# --------------------------------------------------------------------------- the story for manager dashboards

#: words a keyword classifier can find, per complaint reason and language (lower case)
REASON_WORDS = {
    "late": {
        "de": r"lieferverzug|verspätet|verzögert",
        "en": r"\blate\b|delay",
        "es": r"retras",
        "tr": r"gecikme|\bgeç\b",
        "pl": r"opóźnion|opóźnieni",
    },
    "damaged": {
        "de": r"beschädigt|transportschaden",
        "en": r"damaged",
        "es": r"dañad",
        "tr": r"hasarlı",
        "pl": r"uszkodzon",
    },
    "wrong_amount": {
        "de": r"falscher betrag|rechnungsbetrag|zu viel berechnet",
        "en": r"wrong amount|overcharged",
        "es": r"importe incorrecto",
        "tr": r"yanlış tutar",
        "pl": r"błędna kwota",
    },
}
HIGH_SEASON, LOW_SEASON = (3, 4, 5, 9, 10, 11), (8, 12, 1)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _incoming_complaints(gt: list[dict]) -> list[dict]:
    """Complaints as a dashboard counts them: the customers' (also forwarded/scanned), not our replies."""
    return [g for g in gt if g["register"] == "complaint" and g["hard_case"] != "thread_reply"]


def _month_rates(gt: list[dict]) -> dict[int, float]:
    """Documents per calendar day, by month of the year, in the history older than 3 months (without the spike)."""
    lo, hi = NOW - timedelta(days=730), NOW - timedelta(days=92)
    spike = (BAD_BATCH_WEEK - timedelta(days=7), BAD_BATCH_WEEK + timedelta(days=28))
    days: Counter[int] = Counter()
    d = lo
    while d <= hi:
        if not spike[0] <= d <= spike[1]:
            days[d.month] += 1
        d += timedelta(days=1)
    docs = Counter(
        d.month
        for d in (date.fromisoformat(g["doc_date"]) for g in gt)
        if lo <= d <= hi and not spike[0] <= d <= spike[1]
    )
    return {m: docs[m] / days[m] for m in range(1, 13)}


def _season_ratio(rates: dict[int, float]) -> float:
    return statistics.mean(rates[m] for m in HIGH_SEASON) / statistics.mean(rates[m] for m in LOW_SEASON)


def test_complaint_texts_name_their_reason() -> None:
    for reason, by_lang in texts.COMPLAINT.items():
        assert set(by_lang) == set(texts.LANGS), reason
        for lang, variants in by_lang.items():
            for subject, body in variants:
                text = f"{subject} {body}".lower()
                assert re.search(REASON_WORDS[reason][lang], text), (reason, lang, subject)
                for other in REASON_WORDS.keys() - {reason}:
                    assert not re.search(REASON_WORDS[other][lang], text), (reason, other, lang, subject)


def test_bad_batch_fits_the_budget(tmp_path: Path) -> None:
    assert BadBatch.for_documents(99) is None
    assert 8 <= BadBatch.for_documents(400).complaints <= 12
    assert BadBatch.for_documents(100_000).complaints == 40
    for n in (99, 100, 110, 400, 1500, 5000):
        world = World(tmp_path, 20, n, 7)
        items = world.plan()
        assert items.count("bad_batch") == (n >= 100)
        assert sum(world.per_item(i) for i in items) <= n  # fillers top up the rest


def test_bad_batch_complaint_spike(corpus) -> None:
    root, manifest, gt = corpus
    assert BAD_BATCH_WEEK.weekday() == 0 and 150 <= (NOW - BAD_BATCH_WEEK).days <= 185
    incoming = _incoming_complaints(gt)
    weekly = Counter(_monday(date.fromisoformat(g["doc_date"])) for g in incoming)
    before = [weekly[BAD_BATCH_WEEK - timedelta(weeks=i)] for i in range(1, 9)]
    assert weekly[BAD_BATCH_WEEK] >= 8
    assert weekly[BAD_BATCH_WEEK] > statistics.mean(before) + 2 * statistics.stdev(before), (weekly, before)
    # damaged goods of one batch (one product, delivery notes of the days before), several customers, one tenant
    product = next(p for p in data.PRODUCTS if p.sku == BAD_BATCH_SKU)
    batch = []
    for g in incoming:
        if _monday(date.fromisoformat(g["doc_date"])) != BAD_BATCH_WEEK or g["kind"] != "eml":
            continue
        msg = email.message_from_bytes(_blob(root, g["doc_key"]), policy=policy.default)
        text = f"{msg['Subject']} {msg.get_body(('plain',)).get_content()}".lower()
        if product.names[g["language"]].lower() in text and re.search(REASON_WORDS["damaged"][g["language"]], text):
            batch.append(g)
    assert len(batch) >= 8
    assert {g["tenant"] for g in batch} == {BAD_BATCH_TENANT}
    assert len({g["customer_ids"][0] for g in batch}) >= 4
    assert all(re.fullmatch(NUMBER_RE["delivery_note_number"], g["numbers"]["delivery_note_number"]) for g in batch)
    # answers follow a few days later: replies (time to first response) and credit notes
    customers = {g["customer_ids"][0] for g in batch}
    notes = {g["numbers"]["delivery_note_number"] for g in batch}
    replies = [g for g in gt if g["hard_case"] == "thread_reply" and g["numbers"].get("delivery_note_number") in notes]
    assert len(replies) >= 2
    assert all(
        BAD_BATCH_WEEK < date.fromisoformat(g["doc_date"]) <= BAD_BATCH_WEEK + timedelta(days=14) for g in replies
    )
    credits = [
        g
        for g in gt
        if g["register"] == "credit_note"
        and g["customer_ids"][0] in customers
        and BAD_BATCH_WEEK < date.fromisoformat(g["doc_date"]) <= BAD_BATCH_WEEK + timedelta(days=35)
    ]
    assert credits
    assert any(BAD_BATCH_WEEK.isoformat() in note for note in manifest["notes"])


def test_same_seed_same_bytes_with_story(corpus, tmp_path: Path) -> None:
    root, _, _ = corpus
    again = tmp_path / "again"
    generate(again, customers=16, documents=110, seed=7)  # the corpus fixture's arguments
    assert _tree_digest(again) == _tree_digest(root)


def test_sample_date_is_seasonal_before_the_last_quarter(tmp_path: Path) -> None:
    world = World(tmp_path, 4, 10, 3)
    days = [(NOW - world.sample_date()).days for _ in range(20_000)]
    # the recent shares stay (saved views like "complaints of the last 14 days")
    assert 0.05 < sum(d < 5 for d in days) / len(days) < 0.09
    assert 0.14 < sum(d < 14 for d in days) / len(days) < 0.20
    assert 0.36 < sum(d < 92 for d in days) / len(days) < 0.44
    assert all(NOW - timedelta(days=d) <= NOW and (NOW - timedelta(days=d)).weekday() < 5 for d in days)
    older = [{"doc_date": (NOW - timedelta(days=d)).isoformat()} for d in days]
    rates = _month_rates(older)
    assert max(rates.values()) >= 2 * min(rates.values())
    assert _season_ratio(rates) >= 1.8
    assert rates[10] > rates[8] and rates[4] > rates[12]


def test_corpus_history_is_seasonal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """1500 documents: large enough for month statistics. Rendering the files is what takes the time and does
    not change the dates, so the renderers are stubbed here (the other tests check real files)."""
    import demo.generate as gen

    for name in (
        "render_business_pdf",
        "render_image_pdf",
        "render_letter",
        "to_png",
        "to_tiff",
        "to_bilevel",
        "render_contract_docx",
        "render_pricelist_xlsx",
    ):
        monkeypatch.setattr(gen, name, lambda *args, **kwargs: b"stub")
    out = tmp_path / "big"
    generate(out, customers=60, documents=1500, seed=7)
    gt = [json.loads(line) for line in (out / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(gt) == 1500
    rates = _month_rates(gt)
    assert max(rates.values()) >= 1.5 * min(rates.values()), rates
    # not just noise: spring/autumn against August and Christmas/New Year (a flat history gives ~1.0)
    assert _season_ratio(rates) >= 1.5, rates
    days = [(NOW - date.fromisoformat(g["doc_date"])).days for g in gt]
    assert sum(d < 14 for d in days) / len(days) > 0.08 and sum(d < 92 for d in days) / len(days) > 0.3
