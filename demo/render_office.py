"""DOCX contracts and XLSX price lists with reproducible bytes.

python-docx and openpyxl stamp the current time into ``docProps/core.xml`` and into the ZIP
entry headers; :func:`normalize_ooxml` rewrites both to fixed values.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

ZIP_EPOCH = (2026, 11, 20, 10, 0, 0)


def _utc_naive(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def normalize_ooxml(blob: bytes, created: datetime, modified: datetime) -> bytes:
    """Rewrite an OOXML zip: fixed entry timestamps/attributes and fixed core property dates."""
    created, modified = _utc_naive(created), _utc_naive(modified)
    c_iso = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    m_iso = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{c_iso}\g<2>", text)
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{m_iso}\g<2>", text)
                text = re.sub(r"(<cp:lastPrinted[^>]*>)[^<]*(</cp:lastPrinted>)", rf"\g<1>{m_iso}\g<2>", text)
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 0
            dst.writestr(zi, data, compresslevel=6)
    return out.getvalue()


# --------------------------------------------------------------------------- DOCX


@dataclass
class ContractDoc:
    lang: str
    title: str
    contract_number: str
    parties: list[tuple[str, list[str]]]  # (role label, lines)
    key_facts: list[tuple[str, str]]
    sections: list[tuple[str, list[str]]]
    signature_labels: tuple[str, str]
    place_date: str
    author: str
    created: datetime
    header_text: str = ""
    footer_text: str = ""
    draft: bool = False
    annex_rows: list[tuple[str, ...]] = field(default_factory=list)
    annex_title: str = ""


def render_contract_docx(doc: ContractDoc) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d = Document()
    style = d.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10.5)
    section = d.sections[0]
    if doc.header_text:
        section.header.paragraphs[0].text = doc.header_text
    if doc.footer_text:
        section.footer.paragraphs[0].text = doc.footer_text
    if doc.draft:
        p = d.add_paragraph()
        r = p.add_run("ENTWURF" if doc.lang == "de" else "DRAFT")
        r.bold = True
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_heading(doc.title, level=0)
    p = d.add_paragraph()
    p.add_run("Vertragsnummer: " if doc.lang == "de" else "Contract number: ").bold = True
    p.add_run(doc.contract_number)
    d.add_paragraph("zwischen" if doc.lang == "de" else "between")
    for i, (role, lines) in enumerate(doc.parties):
        p = d.add_paragraph()
        p.add_run(lines[0]).bold = True
        for line in lines[1:]:
            p.add_run("\n" + line)
        p.add_run(f"\n– {role} –")
        if i == 0:
            d.add_paragraph("und" if doc.lang == "de" else "and")
    table = d.add_table(rows=0, cols=2)
    table.style = "Light Grid Accent 1"
    for k, v in doc.key_facts:
        cells = table.add_row().cells
        cells[0].text = k
        cells[1].text = v
    for heading, paras in doc.sections:
        d.add_heading(heading, level=2)
        for para in paras:
            d.add_paragraph(para)
    if doc.annex_rows:
        d.add_heading(doc.annex_title, level=2)
        t = d.add_table(rows=0, cols=len(doc.annex_rows[0]))
        t.style = "Light List Accent 1"
        for row in doc.annex_rows:
            cells = t.add_row().cells
            for c, v in zip(cells, row, strict=True):
                c.text = v
    d.add_paragraph("")
    d.add_paragraph(doc.place_date)
    sig = d.add_table(rows=2, cols=2)
    sig.cell(0, 0).text = "\n\n______________________________"
    sig.cell(0, 1).text = "\n\n______________________________"
    sig.cell(1, 0).text = doc.signature_labels[0]
    sig.cell(1, 1).text = doc.signature_labels[1]

    cp = d.core_properties
    cp.author = doc.author
    cp.last_modified_by = doc.author
    cp.title = doc.title
    cp.subject = doc.contract_number
    cp.created = _utc_naive(doc.created)
    cp.modified = _utc_naive(doc.created)
    cp.last_printed = _utc_naive(doc.created)
    cp.revision = 1
    cp.keywords = doc.contract_number
    buf = io.BytesIO()
    d.save(buf)
    return normalize_ooxml(buf.getvalue(), doc.created, doc.created)


# --------------------------------------------------------------------------- XLSX


@dataclass
class PriceList:
    lang: str
    sheet_title: str
    header_rows: list[tuple[str, str]]
    columns: list[str]
    rows: list[tuple]  # (sku, desc, unit, list price, discount %, net price)
    valid_from: date
    author: str
    created: datetime
    footer_note: str = ""


def render_pricelist_xlsx(pl: PriceList) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = pl.sheet_title[:31]
    ws["A1"] = pl.header_rows[0][0]
    ws["A1"].font = Font(bold=True, size=14)
    r = 2
    for label, value in pl.header_rows[1:]:
        ws.cell(row=r, column=1, value=label).font = Font(bold=True)
        ws.cell(row=r, column=2, value=value)
        r += 1
    r += 1
    fill = PatternFill("solid", fgColor="DCE3F0")
    for c, name in enumerate(pl.columns, 1):
        cell = ws.cell(row=r, column=c, value=name)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
    r += 1
    first_data = r
    for row in pl.rows:
        for c, v in enumerate(row, 1):
            cell = ws.cell(row=r, column=c, value=v)
            if c in (4, 6):
                cell.number_format = '#,##0.00 "€"' if pl.lang != "en" else '"EUR" #,##0.00'
            if c == 5:
                cell.number_format = "0.0"
        r += 1
    if pl.footer_note:
        ws.cell(row=r + 1, column=1, value=pl.footer_note).font = Font(italic=True, size=9)
    widths = [14, 48, 10, 14, 10, 14]
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = ws.cell(row=first_data, column=1)
    props = wb.properties
    props.creator = pl.author
    props.lastModifiedBy = pl.author
    props.title = pl.header_rows[0][0]
    created = _utc_naive(pl.created)
    props.created = created
    props.modified = created
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_ooxml(buf.getvalue(), pl.created, pl.created)
