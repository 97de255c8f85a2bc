"""indexing.extract with the real unstructured, libmagic, poppler and tesseract.

Fixtures are generated into tmp_path (fpdf2, PIL, python-docx, openpyxl, stdlib email); no committed binaries.
One small image is OCRed (and one scanned PDF page); the suite stays well under a minute once warm.
"""

from __future__ import annotations

import email.utils
import io
import os
import shutil
import zipfile
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from indexing import extract as ex
from indexing.extract import Extracted, ExtractFailure, Limits, extract

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
]
HAS_TESSERACT = shutil.which("tesseract") is not None
HAS_POPPLER = shutil.which("pdftoppm") is not None
NO_OCR = Limits(ocr=False)

GERMAN = (
    "Sehr geehrte Damen und Herren, anbei erhalten Sie die Rechnung 2026-0815 für die Lieferung vom "
    "12. November. Bitte überweisen Sie den Betrag innerhalb von 14 Tagen. Mit freundlichen Grüßen."
)


# ------------------------------------------------------------------------------------------- builders


def make_pdf(lines: list[str], pages: int = 1) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for page in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 8, f"{line} (Seite {page + 1})" if pages > 1 else line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def latin1_safe(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def font(size: int):
    from PIL import ImageFont

    for cand in FONT_CANDIDATES:
        if os.path.exists(cand):
            return ImageFont.truetype(cand, size)
    return ImageFont.load_default(size=size)


def make_png(lines: list[str], size=(900, 260), font_size: int = 44) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    y = 30
    for line in lines:
        draw.text((30, y), line, fill=0, font=font(font_size))
        y += int(font_size * 1.5)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def make_blank_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (255, 255, 255)).save(buf, format="PNG")
    return buf.getvalue()


def make_docx(title: str, paragraphs: list[str]) -> bytes:
    import docx

    doc = docx.Document()
    doc.add_heading(title, level=1)
    for p in paragraphs:
        doc.add_paragraph(p)
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Artikel", "Menge"
    table.cell(1, 0).text, table.cell(1, 1).text = "Schraube M8", "500"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def make_xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Positionen"
    ws.append(["Kundennummer", "Artikel", "Betrag"])
    ws.append(["K-10234", "Hydraulikpumpe", 1234.5])
    ws.append(["K-10234", "Dichtungssatz", 89.9])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def make_email(pdf: bytes) -> bytes:
    msg = MIMEMultipart("mixed")
    msg["Subject"] = "WG: Rechnung 2026-0815 Müller GmbH"
    msg["From"] = '"Anna Schmidt" <Anna.Schmidt@Mueller-GmbH.de>'
    msg["To"] = "einkauf@example.com, Bob <bob@example.com>"
    msg["Cc"] = "buchhaltung@example.com"
    msg["Date"] = "Mon, 23 Nov 2026 10:15:00 +0100"
    msg["Message-ID"] = "<abc123@mueller-gmbh.de>"
    msg["In-Reply-To"] = "<prev1@example.com>"
    msg["References"] = "<root0@example.com> <prev1@example.com>"
    msg.attach(MIMEText(GERMAN + "\n\nAnna Schmidt\nMüller GmbH", "plain", "utf-8"))
    att = MIMEApplication(pdf, "pdf")
    att.add_header("Content-Disposition", "attachment", filename="Rechnung-2026-0815.pdf")
    msg.attach(att)
    return msg.as_bytes()


def make_broken_charset_email() -> bytes:
    body = "Grüße aus Köln, die Bestellung 4711 ist unterwegs.".encode("latin-1")
    return (
        b"From: Jan <jan@example.org>\r\n"
        b"To: team@example.com\r\n"
        b"Subject: =?x-unknown-charset?Q?Bestellung_4711?=\r\n"
        b"Date: not a date\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="x-unknown-charset"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )


def make_encrypted_pdf() -> bytes:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(make_pdf(["Geheimer Vertrag mit sehr vertraulichem Inhalt."])))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password="geheim", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def ok(result) -> Extracted:
    assert isinstance(result, Extracted), f"expected success, got {result}"
    return result


def fail(result, code: str) -> ExtractFailure:
    assert isinstance(result, ExtractFailure), f"expected failure {code}, got success: {result.text[:80]!r}"
    assert result.reason_code == code, result
    assert result.reason_code in ex.REASON_CODES
    assert "Traceback" not in result.message
    return result


# ----------------------------------------------------------------------------------------- good files


def test_text_pdf_fast(tmp_path):
    pdf = make_pdf(["Rechnung 2026-0815", latin1_safe(GERMAN)], pages=2)
    result = ok(extract(write(tmp_path, "rechnung.pdf", pdf), file_name="rechnung.pdf", limits=NO_OCR))
    assert result.file_type == "pdf" and result.mime_type == "application/pdf"
    assert result.pages == 2
    assert "Rechnung 2026-0815" in result.text and "Lieferung" in result.text
    assert not result.ocr_used
    assert {el.page_number for el in result.elements} == {1, 2}
    assert all("  " not in el.text and "\n" not in el.text for el in result.elements)
    assert result.title
    assert not any(w.startswith("mislabelled") for w in result.warnings)


def test_bytes_input_and_title_fallback(tmp_path):
    result = ok(extract(b"nur eine Zeile Text mit Lieferschein 99", file_name="notiz.txt", limits=NO_OCR))
    assert result.file_type == "txt" and "Lieferschein 99" in result.text
    assert result.title in ("notiz", "nur eine Zeile Text mit Lieferschein 99")


@pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract not installed")
def test_png_ocr(tmp_path):
    png = make_png(["RECHNUNG 4711", "Kunde Mueller GmbH"])
    result = ok(extract(write(tmp_path, "scan.png", png), file_name="scan.png", limits=Limits()))
    assert result.ocr_used and result.file_type == "png" and result.mime_type == "image/png"
    assert "RECHNUNG" in result.text.upper() and "4711" in result.text


@pytest.mark.skipif(not (HAS_TESSERACT and HAS_POPPLER), reason="tesseract/poppler not installed")
def test_scanned_pdf_falls_back_to_ocr(tmp_path):
    from PIL import Image

    img = Image.open(io.BytesIO(make_png(["LIEFERSCHEIN 5512"], size=(900, 160), font_size=48))).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="PDF", resolution=100)
    result = ok(extract(buf.getvalue(), file_name="scan.pdf", limits=Limits()))
    assert result.ocr_used and result.pages == 1
    assert "5512" in result.text
    # without OCR the same file has no text
    fail(extract(buf.getvalue(), file_name="scan.pdf", limits=NO_OCR), "no_text")


def test_docx(tmp_path):
    data = make_docx("Angebot 2026-17", [GERMAN, "Zweiter Absatz mit Lieferbedingungen."])
    result = ok(extract(write(tmp_path, "angebot.docx", data), file_name="angebot.docx", limits=NO_OCR))
    assert result.file_type == "docx"
    assert result.title == "Angebot 2026-17"
    assert "Lieferbedingungen" in result.text and "Schraube M8" in result.text


def test_xlsx(tmp_path):
    result = ok(extract(make_xlsx(), file_name="positionen.xlsx", limits=NO_OCR))
    assert result.file_type == "xlsx"
    assert "Hydraulikpumpe" in result.text and "K-10234" in result.text


def test_html_and_csv():
    html = b"<html><head><meta charset='utf-8'><title>x</title></head><body><h1>Reklamation 77</h1>"
    html += "<p>Die Ware kam beschädigt an, bitte um Ersatz der Lieferung.</p></body></html>".encode()
    result = ok(extract(html, file_name="mail.html", limits=NO_OCR))
    assert result.file_type == "html" and "beschädigt" in result.text
    csv = "Kunde;Betrag\nMüller GmbH;12,50\nSchulz AG;7,00\n".encode("cp1252")
    result = ok(extract(csv, file_name="liste.csv", limits=NO_OCR))
    assert "Müller GmbH" in result.text and "Schulz AG" in result.text


def test_email_with_attachment(tmp_path):
    pdf = make_pdf(["Rechnung 2026-0815 im Anhang"])
    result = ok(extract(make_email(pdf), file_name="mail.eml", limits=NO_OCR))
    assert result.file_type == "eml"
    meta = result.email
    assert meta is not None
    assert meta.subject == "WG: Rechnung 2026-0815 Müller GmbH" == result.title
    assert meta.from_addr == "anna.schmidt@mueller-gmbh.de" and meta.from_name == "Anna Schmidt"
    assert meta.to_addrs == ["einkauf@example.com", "bob@example.com"]
    assert meta.cc == ["buchhaltung@example.com"]
    assert meta.date == "2026-11-23T10:15:00+01:00"
    assert meta.message_id == "abc123@mueller-gmbh.de" and meta.in_reply_to == "prev1@example.com"
    assert meta.references == ["root0@example.com", "prev1@example.com"]
    assert meta.is_forward
    assert "Rechnung 2026-0815" in result.text and "überweisen" in result.text
    assert "Rechnung 2026-0815 im Anhang" not in result.text  # attachments are not partitioned here
    [att] = result.attachments
    assert att.file_name == "Rechnung-2026-0815.pdf" and att.mime_type == "application/pdf"
    assert att.content == pdf and not att.is_inline
    # the caller extracts the attachment on its own
    inner = ok(extract(att.content, file_name=att.file_name, limits=NO_OCR))
    assert "im Anhang" in inner.text


def test_email_broken_charset():
    result = ok(extract(make_broken_charset_email(), file_name="kaputt.eml", limits=NO_OCR))
    assert "Bestellung 4711" in result.text and "Köln" in result.text  # guessed cp1252/latin-1
    assert result.email is not None and result.email.subject == "Bestellung 4711"
    assert result.email.date is None and result.email.from_addr == "jan@example.org"
    assert result.warnings  # unknown charset, bad date


def test_email_forwarded_as_attachment_and_no_body():
    inner = EmailMessage()
    inner["Subject"] = "Original"
    inner["From"] = "a@example.com"
    inner.set_content("Der ursprüngliche Text der Nachricht.")
    outer = EmailMessage()
    outer["Subject"] = "Info"
    outer["From"] = "b@example.com"
    outer["To"] = "c@example.com"
    outer.add_attachment(inner)
    result = ok(extract(outer.as_bytes(), file_name="fw.eml", limits=NO_OCR))
    assert result.email.is_forward and result.text == ""
    [att] = result.attachments
    assert att.mime_type == "message/rfc822" and att.file_name == "Original.eml"
    nested = ok(extract(att.content, file_name=att.file_name, limits=NO_OCR))
    assert "ursprüngliche Text" in nested.text and nested.email.subject == "Original"


def test_eml_recognised_without_extension():
    msg = EmailMessage()
    msg["From"] = "x@example.com"
    msg["To"] = "y@example.com"
    msg["Subject"] = "Lieferung"
    msg["Date"] = email.utils.format_datetime(email.utils.localtime())
    msg.set_content("Die Lieferung kommt am Montag.")
    result = ok(extract(msg.as_bytes(), file_name="archiv.mbox#3.eml", limits=NO_OCR))
    assert result.file_type == "eml" and result.email.subject == "Lieferung"
    result = ok(extract(msg.as_bytes(), file_name="message", limits=NO_OCR))
    assert result.file_type == "eml"


def test_msg_mapping_with_fake_message(monkeypatch):
    """extract-msg cannot write .msg files; check our mapping of its object model."""
    import datetime as dt

    class FakeAtt:
        longFilename = "Lieferschein.pdf"
        shortFilename = "LIEFER~1.PDF"
        mimetype = "application/pdf"
        hidden = False
        data = b"%PDF-1.4 fake"

    class FakeMsg:
        subject = "AW: Lieferschein 5512"
        sender = "Max Muster <Max@Example.com>"
        to = "a@example.com; B <b@example.com>"
        cc = None
        date = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
        messageId = "<m1@example.com>"
        inReplyTo = "<m0@example.com>"
        header = None
        body = "Hallo,\r\nanbei der Lieferschein.\r\n"
        htmlBody = None
        attachments = [FakeAtt()]

        def close(self):
            pass

    import extract_msg

    monkeypatch.setattr(extract_msg, "openMsg", lambda *a, **k: FakeMsg())
    ctx = ex._Ctx(data=b"x", file_name="mail.msg", limits=NO_OCR)
    from unstructured.file_utils.model import FileType

    ctx.file_type, ctx.mime_type = FileType.MSG, FileType.MSG.mime_type
    result = ex._extract_msg(ctx)
    assert result.title == "AW: Lieferschein 5512" and "anbei der Lieferschein" in result.text
    assert result.email.from_addr == "max@example.com" and result.email.to_addrs == ["a@example.com", "b@example.com"]
    assert result.email.date == "2026-11-20T09:30:00+00:00" and not result.email.is_forward
    assert result.email.message_id == "m1@example.com" and result.email.in_reply_to == "m0@example.com"
    assert [a.file_name for a in result.attachments] == ["Lieferschein.pdf"]


def test_forward_subject_prefixes():
    for subject in ("Fwd: x", "WG: x", "AW: WG: x", "RV: x", "TR: x", "PD: x", "Fw[2]: x"):
        assert ex._is_forward_subject(subject), subject
    for subject in ("Re: x", "AW: x", "Hinweis: x", "Rechnung 1", ""):
        assert not ex._is_forward_subject(subject), subject


# ------------------------------------------------------------------------------------------ bad inputs


def test_empty_file(tmp_path):
    fail(extract(write(tmp_path, "leer.pdf", b""), file_name="leer.pdf", limits=NO_OCR), "empty_file")


def test_random_bytes_named_pdf_and_docx():
    junk = bytes(range(256)) * 40 + os.urandom(2048)
    fail(extract(junk, file_name="kaputt.pdf", limits=NO_OCR), "corrupt")
    fail(extract(junk, file_name="kaputt.docx", limits=NO_OCR), "corrupt")


def test_html_named_pdf_is_parsed_as_html():
    html = b"<!DOCTYPE html><html><body><h1>Auftragsbest\xc3\xa4tigung 123</h1>"
    html += b"<p>Wir best\xc3\xa4tigen Ihren Auftrag und liefern in KW 48.</p></body></html>"
    result = ok(extract(html, file_name="auftrag.pdf", limits=NO_OCR))
    assert result.file_type == "html" and result.mime_type == "text/html"
    assert "liefern in KW 48" in result.text
    assert any(w.startswith("mislabelled") for w in result.warnings)


def test_truncated_pdf():
    pdf = make_pdf(["Vertrag über die Wartung der Anlage"] * 3)
    result = extract(pdf[: len(pdf) // 3], file_name="abgeschnitten.pdf", limits=NO_OCR)
    # the first third holds no page content stream: nothing to recover
    fail(result, "corrupt")


def test_encrypted_pdf():
    fail(extract(make_encrypted_pdf(), file_name="geheim.pdf", limits=NO_OCR), "encrypted")


def test_encrypted_docx():
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(make_docx("Geheim", ["Vertraulich"]))).encrypt("geheim", out)
    assert msoffcrypto  # imported for the skip
    fail(extract(out.getvalue(), file_name="geheim.docx", limits=NO_OCR), "encrypted")


def test_blank_png_is_no_text():
    fail(extract(make_blank_png(), file_name="weiss.png", limits=Limits()), "no_text")


def test_too_large(tmp_path):
    path = write(tmp_path, "gross.txt", b"x" * 2000)
    fail(extract(path, file_name="gross.txt", limits=Limits(max_bytes=1000)), "too_large")
    fail(extract(b"x" * 2000, file_name="gross.txt", limits=Limits(max_bytes=1000)), "too_large")


def test_too_many_pages():
    pdf = make_pdf(["Seite"], pages=5)
    fail(extract(pdf, file_name="lang.pdf", limits=Limits(max_pages=3, ocr=False)), "too_many_pages")


def test_unsupported_types():
    fail(extract(os.urandom(4096), file_name="daten.bin", limits=NO_OCR), "unsupported_type")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w"):
        pass
    fail(extract(buf.getvalue(), file_name="leer.zip", limits=NO_OCR), "unsupported_type")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hallo")
    fail(extract(buf.getvalue(), file_name="archiv.zip", limits=NO_OCR), "unsupported_type")


def test_whitespace_only_text_is_no_text():
    fail(extract(b"  \n\t\n   \n", file_name="leer.txt", limits=NO_OCR), "no_text")


def test_never_raises_on_missing_path(tmp_path):
    fail(extract(tmp_path / "gibt-es-nicht.pdf", file_name="gibt-es-nicht.pdf", limits=NO_OCR), "error")


def test_clean_text():
    assert ex.clean_text("  Rech\u00adnung \n\n  Nr.\t4711\x00 ﬁnal ") == "Rechnung Nr. 4711 final"


# ------------------------------------------------------------------------------------ more edge cases


@pytest.mark.skipif(not (HAS_TESSERACT and HAS_POPPLER), reason="tesseract/poppler not installed")
def test_mixed_pdf_ocrs_only_pages_without_text_layer():
    import pypdf
    from PIL import Image

    text_pdf = make_pdf(["Vertrag Seite eins mit Textebene und genug Zeichen."])
    img = Image.open(io.BytesIO(make_png(["SEITE ZWEI 9031"], size=(900, 160), font_size=48))).convert("RGB")
    scan = io.BytesIO()
    img.save(scan, format="PDF", resolution=100)
    writer = pypdf.PdfWriter()
    writer.add_page(pypdf.PdfReader(io.BytesIO(text_pdf)).pages[0])
    writer.add_page(pypdf.PdfReader(scan).pages[0])
    out = io.BytesIO()
    writer.write(out)
    result = ok(extract(out.getvalue(), file_name="gemischt.pdf", limits=Limits()))
    assert result.ocr_used and result.pages == 2
    assert result.elements[0].page_number == 1 and "Textebene" in result.elements[0].text
    assert any(el.page_number == 2 and "9031" in el.text for el in result.elements)


def test_owner_password_only_pdf_is_readable():
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_page(pypdf.PdfReader(io.BytesIO(make_pdf(["Nur mit Besitzerpasswort geschützt."]))).pages[0])
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    result = ok(extract(out.getvalue(), file_name="frei.pdf", limits=NO_OCR))
    assert "Besitzerpasswort" in result.text and result.warnings


def test_timeout_is_reported_and_outer_alarm_restored():
    import signal

    handler_before = signal.getsignal(signal.SIGALRM)
    left_before = signal.getitimer(signal.ITIMER_REAL)[0]  # pytest-timeout may have one running
    result = extract(make_png(["RECHNUNG 4711"]), file_name="s.png", limits=Limits(timeout_s=0.01))
    fail(result, "timeout")
    assert signal.getsignal(signal.SIGALRM) is handler_before
    left_after = signal.getitimer(signal.ITIMER_REAL)[0]
    assert (left_before == 0 and left_after == 0) or 0 < left_after <= left_before


def test_damaged_images_and_office_files():
    png = make_png(["RECHNUNG 4711"])
    fail(extract(png[: len(png) // 2], file_name="halb.png", limits=Limits()), "corrupt")
    docx = make_docx("Titel", ["Absatz"])
    fail(extract(docx[: len(docx) // 2], file_name="halb.docx", limits=NO_OCR), "corrupt")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
        zf.writestr("word/document.xml", "<<<kein xml")
    fail(extract(buf.getvalue(), file_name="kaputt.docx", limits=NO_OCR), "corrupt")


def test_docx_named_pdf_and_html_only_mail():
    result = ok(extract(make_docx("Protokoll", ["Inhalt"]), file_name="protokoll.pdf", limits=NO_OCR))
    assert result.file_type == "docx" and any(w.startswith("mislabelled") for w in result.warnings)
    msg = EmailMessage()
    msg["Subject"] = "Angebot"
    msg["From"] = "Vertrieb <v@firma.de>"
    msg["To"] = "k@kunde.de"
    msg.set_content("<html><body><p>Anbei unser <b>Angebot 2026-17</b>.</p></body></html>", subtype="html")
    result = ok(extract(msg.as_bytes(), file_name="angebot", limits=NO_OCR))
    assert result.file_type == "eml" and "Anbei unser Angebot 2026-17" in result.text


def test_mbox_message_through_extract(tmp_path):
    import mailbox

    from indexing.sources import iter_source_files

    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["Subject"] = "Aus dem Archiv"
    msg.set_content("From now on we ship on Mondays.\nDie Lieferung erfolgt montags.")
    box = mailbox.mbox(str(tmp_path / "archiv.mbox"))
    box.add(msg)
    box.flush()
    box.close()
    [item] = list(iter_source_files([tmp_path]))
    result = ok(extract(item.read_bytes(), file_name=item.file_name, limits=NO_OCR))
    assert result.email.subject == "Aus dem Archiv"
    assert "From now on we ship" in result.text and ">From" not in result.text


def test_encoded_display_name_with_comma_stays_one_address():
    raw = (
        b"From: =?utf-8?q?M=C3=BCller=2C_Anna?= <Anna@Example.de>\r\n"
        b"To: =?iso-8859-1?q?Schulz=2C_J=FCrgen?= <j@example.com>, b@example.com\r\n"
        b"Subject: =?utf-8?b?UmVjaG51bmcgZsO8ciBNw7xsbGVy?=\r\n\r\n"
        b"Text der Nachricht.\r\n"
    )
    result = ok(extract(raw, file_name="m.eml", limits=NO_OCR))
    assert result.email.from_name == "Müller, Anna" and result.email.from_addr == "anna@example.de"
    assert result.email.to_addrs == ["j@example.com", "b@example.com"]
    assert result.title == "Rechnung für Müller"


# ------------------------------------------------------------------ cost cuts that must not change output


@pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract not installed")
def test_one_run_ocr_agent_matches_stock_agent():
    """One tesseract run for hOCR + text gives unstructured exactly the layout elements of its two runs."""
    from PIL import Image
    from unstructured.partition.utils.ocr_models.tesseract_ocr import OCRAgentTesseract

    from indexing.ocr_agent import OneRunTesseractAgent

    image = Image.open(io.BytesIO(make_png(["RECHNUNG 4711", "Kunde Mueller GmbH", "Betrag 1.234,56 EUR"])))
    langs = "+".join(ex.OCR_LANGUAGES)
    stock = OCRAgentTesseract(langs).get_layout_elements_from_image(image)
    ours = OneRunTesseractAgent(langs).get_layout_elements_from_image(image)
    assert list(ours.texts) == list(stock.texts)
    assert ours.element_coords.tolist() == stock.element_coords.tolist()
    assert "4711" in " ".join(str(t) for t in ours.texts)


@pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract not installed")
def test_ocr_uses_the_one_run_agent():
    extract(make_png(["RECHNUNG 4711"]), file_name="scan.png")
    assert os.environ.get("OCR_AGENT") == "indexing.ocr_agent.OneRunTesseractAgent"


def test_text_elements_are_unclassified_and_heuristics_restored():
    from unstructured.partition import text as text_module
    from unstructured.partition import text_type

    result = ok(extract(b"Offer for pumps\n\n" + GERMAN.encode(), file_name="note.txt"))
    assert [el.category for el in result.elements] == [ex.UNCLASSIFIED, ex.UNCLASSIFIED]
    assert result.title == "Offer for pumps"  # unstructured's own title check, run lazily on the candidate
    assert text_module.is_possible_narrative_text is text_type.is_possible_narrative_text
    assert text_module.is_possible_title is text_type.is_possible_title


def test_lazy_title_matches_unstructured_classification():
    from unstructured.partition.text import element_from_text

    texts = ["Rechnung RE-2026-00123", GERMAN, "Seite 1 von 2", "Sehr geehrte Damen und Herren,", "ACME GmbH"]
    elements = [ex.Element(t, ex.UNCLASSIFIED, 1, t) for t in texts]
    stock = [ex.Element(t, element_from_text(t).category, 1) for t in texts]
    assert ex._title(elements, "fallback") == ex._title(stock, "fallback")
    assert ex._title([ex.Element(GERMAN, ex.UNCLASSIFIED, 1, GERMAN)], "fallback") == "fallback"


def test_deferred_heuristics_nest_and_restore():
    from unstructured.partition import text as text_module
    from unstructured.partition import text_type

    with ex._deferred_text_heuristics():
        with ex._deferred_text_heuristics():
            assert text_module.is_possible_title is not text_type.is_possible_title
        assert text_module.is_possible_title is not text_type.is_possible_title
    assert text_module.is_possible_title is text_type.is_possible_title


@pytest.mark.parametrize(
    ("page_text", "runs"),
    [
        ("Sehr geehrte Damen und Herren, anbei erhalten Sie den Lieferschein zu Ihrer Bestellung.", [["deu"]]),
        ("Dear Sir or Madam, please find enclosed the signed maintenance agreement for your records.", [["deu"]]),
        ("Dostarczamy nastepujace pozycje zgodnie ze zleceniem, towar odebrano w komplecie i bez uszkodzen.",
         [["deu"], ["pol"]]),
        ("Estimados senores, les enviamos el albaran de entrega de su pedido con todas las posiciones.",
         [["deu"], ["spa"]]),
        ("Sayin yetkili, siparisinizin teslimat belgesini ekte gonderiyoruz, tum kalemler teslim edildi.",
         [["deu"], ["tur"]]),
    ],
)  # fmt: skip
def test_ocr_reads_a_page_with_the_model_of_its_own_language(page_text, runs):
    """GIVEN a page the primary (German) model reads as `page_text` WHEN it is OCRed
    THEN a second run with the page's own model follows only for languages with letters of their own."""
    from unstructured.documents.elements import NarrativeText

    calls: list[list[str]] = []

    def partition(*, file, strategy, languages):
        assert strategy == "ocr_only" and file.read() == b"page"
        calls.append(languages)
        return [NarrativeText(text=f"{page_text} [{'+'.join(languages)}]")]

    ctx = ex._Ctx(data=b"", file_name="scan.png", limits=Limits())
    elements = ex._ocr_in_language(ctx, partition, b"page")
    assert calls == runs
    assert elements[0].text.endswith(f"[{runs[-1][0]}]")  # the last run's text is kept


def test_ocr_with_one_configured_language_runs_once():
    from unstructured.documents.elements import NarrativeText

    calls: list[list[str]] = []

    def partition(*, file, strategy, languages):
        calls.append(languages)
        return [NarrativeText(text="Dostarczamy pozycje zgodnie ze zleceniem")]

    ctx = ex._Ctx(data=b"", file_name="scan.png", limits=Limits(ocr_languages=("eng",)))
    ex._ocr_in_language(ctx, partition, b"page")
    assert calls == [["eng"]]
