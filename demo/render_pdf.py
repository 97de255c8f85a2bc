"""Business-letter PDFs (offers, confirmations, delivery notes, invoices, ...) with fpdf2.

Layout only; the content is assembled by :mod:`demo.generate` into a :class:`BizDoc`.
Output is deterministic: fixed creation date, content-derived file id, embedded font subset.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .fonts import pdf_fonts
from .ids import format_amount, format_iban, format_number, format_qty, money
from .texts import LABELS

FONT = "DemoSans"


@dataclass
class Line:
    sku: str
    desc: str
    qty: Decimal
    unit: str
    price: Decimal

    @property
    def total(self) -> Decimal:
        return money(self.qty * self.price)


@dataclass
class BizDoc:
    kind: str
    lang: str
    sender: dict  # name, street, zip, city, phone, email, web, register, managing_directors, vat_id, bank, iban, bic
    recipient_lines: list[str]
    info: list[tuple[str, str]]
    title: str
    salutation: str
    intro: str
    lines: list[Line]
    creation_dt: datetime
    signer: str = ""
    show_prices: bool = True
    vat_rate: Decimal = Decimal("19")
    tax_note: str | None = None
    outro: list[str] = field(default_factory=list)
    blocks: list[tuple[str, list[str]]] = field(default_factory=list)  # (heading, lines) after the table
    bullets: list[str] = field(default_factory=list)
    stamp: str | None = None
    signature_box: str | None = None  # label text for a signature line
    subject_note: str | None = None  # small line under the title, e.g. revision note
    author: str = ""


class _LetterPDF(FPDF):
    def __init__(self, doc: BizDoc):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        self.L = LABELS[doc.lang]
        fonts = pdf_fonts()
        self.add_font(FONT, "", str(fonts.regular))
        self.add_font(FONT, "B", str(fonts.bold))
        self.set_margins(20, 18, 15)
        self.set_auto_page_break(True, margin=34)
        self.alias_nb_pages()
        self.set_creation_date(doc.creation_dt)
        self.set_creator("Dossier Cockpit demo generator")
        self.set_producer("fpdf2")
        self.set_author(doc.author or doc.sender["name"])
        self.set_title(doc.title)
        self.set_lang({"de": "de-DE", "en": "en-GB", "es": "es-ES", "tr": "tr-TR", "pl": "pl-PL"}[doc.lang])

    # ------------------------------------------------------------------ page furniture
    def header(self):
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        page = self.L["page"].format(p=self.page_no(), n="{nb}")
        self.cell(
            0,
            5,
            f"{self.doc.sender['name']} – {self.doc.title} – {page}",
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_draw_color(180, 180, 180)
        self.line(20, self.get_y(), 195, self.get_y())
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self):
        s = self.doc.sender
        L = self.L
        self.set_y(-28)
        self.set_draw_color(150, 150, 150)
        self.line(20, self.get_y(), 195, self.get_y())
        self.ln(1.5)
        y = self.get_y()
        self.set_font(FONT, "", 6.2)
        self.set_text_color(70, 70, 70)
        cols = [
            [s["name"], s["street"], f"{s['zip']} {s['city']}", s.get("country_name", "")],
            [f"{L['phone']} {s.get('phone', '')}", f"{L['email']} {s.get('email', '')}", s.get("web", "")],
            [
                x
                for x in (
                    s.get("register", ""),
                    f"{L['md']}: {s['managing_directors']}" if s.get("managing_directors") else "",
                    f"{L['vat_id']} {s['vat_id']}" if s.get("vat_id") else "",
                    f"{L['tax_no']} {s['tax_number']}" if s.get("tax_number") else "",
                )
                if x
            ],
            [L["bank"] + ":", s.get("bank", ""), "IBAN " + format_iban(s["iban"]), "BIC " + s.get("bic", "")],
        ]
        widths = [34, 46, 48, 47]
        x = 20
        for col, w in zip(cols, widths, strict=True):
            self.set_xy(x, y)
            self.multi_cell(w, 3, "\n".join(c for c in col if c), align="L")
            x += w
        self.set_xy(20, -9)
        self.set_font(FONT, "", 7)
        self.cell(0, 4, self.L["page"].format(p=self.page_no(), n="{nb}"), align="R")
        self.set_text_color(0, 0, 0)


def _letterhead(pdf: _LetterPDF, doc: BizDoc) -> None:
    s = doc.sender
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(20, 50, 100)
    pdf.set_xy(20, 16)
    pdf.cell(0, 8, s["name"], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(80, 80, 80)
    pdf.cell(0, 4, s.get("tagline", ""), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_text_color(0, 0, 0)
    # return address line above the window
    pdf.set_xy(20, 44)
    pdf.set_font(FONT, "", 6.5)
    pdf.cell(85, 3.5, f"{s['name']} · {s['street']} · {s['zip']} {s['city']}")
    # recipient block
    pdf.set_xy(20, 49)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(85, 4.8, "\n".join(doc.recipient_lines), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # info block
    y = 44.0
    pdf.set_font(FONT, "", 8.5)
    for label, value in doc.info:
        pdf.set_xy(118, y)
        pdf.cell(34, 4.4, label)
        pdf.set_font(FONT, "B", 8.5)
        pdf.cell(43, 4.4, value)
        pdf.set_font(FONT, "", 8.5)
        y += 4.6
    pdf.set_y(max(y, 80) + 8)


def _net_vat_gross(doc: BizDoc) -> tuple[Decimal, Decimal, Decimal]:
    net = sum((ln.total for ln in doc.lines), Decimal("0"))
    vat = money(net * doc.vat_rate / Decimal(100))
    return net, vat, net + vat


def with_total(numbers: dict, doc: BizDoc) -> dict:
    """The ground truth's numbers plus the printed gross total ("15446.53 EUR") when the PDF shows one."""
    if not (doc.lines and doc.show_prices):
        return numbers
    return {**numbers, "total": f"{_net_vat_gross(doc)[2]:.2f} EUR"}


def _totals(pdf: _LetterPDF, doc: BizDoc) -> None:
    L = pdf.L
    net, vat, gross = _net_vat_gross(doc)
    rows = [
        (L["net"], format_amount(net, doc.lang)),
        (L["vat"].format(rate=format_qty(doc.vat_rate, doc.lang)), format_amount(vat, doc.lang)),
        (L["gross"], format_amount(gross, doc.lang)),
    ]
    if pdf.get_y() > 240:
        pdf.add_page()
    pdf.ln(2)
    for i, (label, value) in enumerate(rows):
        pdf.set_x(110)
        pdf.set_font(FONT, "B" if i == 2 else "", 9.5)
        pdf.cell(50, 5.5, label, border="T" if i == 2 else 0)
        pdf.cell(35, 5.5, value, align="R", border="T" if i == 2 else 0, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.tax_note:
        pdf.ln(2)
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(0, 4.2, doc.tax_note, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    words = text.split()
    lines: list[str] = []
    cur = ""
    for w in words:
        cand = f"{cur} {w}" if cur else w
        if pdf.get_string_width(cand) <= width or not cur:
            cur = cand
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    return lines or [""]


def _table(pdf: _LetterPDF, doc: BizDoc) -> None:
    L = pdf.L
    lang = doc.lang
    head: tuple[str, ...]
    widths: tuple[int, ...]
    align: tuple[str, ...]
    if doc.show_prices:
        head = (L["pos"], L["sku"], L["desc"], L["qty"], L["unit"], L["unit_price"], L["total"])
        widths = (10, 19, 66, 14, 16, 25, 25)
        align = ("R", "L", "L", "R", "L", "R", "R")
    else:
        head = (L["pos"], L["sku"], L["desc"], L["qty"], L["unit"])
        widths = (12, 24, 105, 16, 18)
        align = ("R", "L", "L", "R", "L")
    lh = 4.6

    def heading():
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_fill_color(228, 232, 240)
        pdf.set_x(20)
        for h, w, a in zip(head, widths, align, strict=True):
            pdf.cell(w, 6, h, align=a, fill=True)
        pdf.ln(6)
        pdf.set_font(FONT, "", 8.5)

    heading()
    pdf.set_draw_color(200, 200, 200)
    for i, ln in enumerate(doc.lines, 1):
        cells = [str(i), ln.sku, ln.desc, format_qty(ln.qty, lang), ln.unit]
        if doc.show_prices:
            cells += [format_number(ln.price, lang), format_number(ln.total, lang)]
        desc_lines = _wrap(pdf, ln.desc, widths[2] - 2)
        row_h = lh * len(desc_lines) + 1.2
        if pdf.get_y() + row_h > pdf.page_break_trigger:
            pdf.add_page()
            heading()
        y = pdf.get_y()
        x = 20
        for j, (c, w, a) in enumerate(zip(cells, widths, align, strict=True)):
            pdf.set_xy(x, y + 0.6)
            if j == 2:
                for k, dl in enumerate(desc_lines):
                    pdf.set_xy(x, y + 0.6 + k * lh)
                    pdf.cell(w, lh, dl, align=a)
            else:
                pdf.cell(w, lh, c, align=a)
            x += w
        pdf.set_y(y + row_h)
        pdf.line(20, pdf.get_y(), 195, pdf.get_y())
    pdf.set_draw_color(0, 0, 0)


def render_business_pdf(doc: BizDoc) -> bytes:
    pdf = _LetterPDF(doc)
    pdf.add_page()
    _letterhead(pdf, doc)
    if doc.stamp:
        pdf.set_xy(122, 30)
        pdf.set_text_color(180, 30, 30)
        pdf.set_draw_color(180, 30, 30)
        pdf.set_font(FONT, "B", 8)
        pdf.multi_cell(70, 4.2, doc.stamp, border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_y(max(pdf.get_y(), 88))
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 7, doc.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    if doc.subject_note:
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(120, 30, 30)
        pdf.cell(0, 4.5, doc.subject_note, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    pdf.set_font(FONT, "", 9.5)
    if doc.salutation:
        pdf.multi_cell(0, 4.8, doc.salutation, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.ln(1.5)
    if doc.intro:
        pdf.multi_cell(0, 4.8, doc.intro, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.ln(3)
    if doc.lines:
        _table(pdf, doc)
        if doc.show_prices:
            _totals(pdf, doc)
    for b in doc.bullets:
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(0, 4.8, "• " + b, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    for heading, lines in doc.blocks:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(0, 4.8, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(0, 4.8, "\n".join(lines), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.ln(3)
    pdf.set_font(FONT, "", 9.5)
    for para in doc.outro:
        pdf.multi_cell(0, 4.8, para, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.ln(1.5)
    if doc.signer:
        if pdf.get_y() > 245:
            pdf.add_page()
        pdf.ln(2)
        pdf.multi_cell(
            0,
            4.8,
            f"{LABELS[doc.lang]['regards']}\n\n{doc.signer}\n{doc.sender['name']}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    if doc.signature_box:
        if pdf.get_y() > 235:
            pdf.add_page()
        pdf.ln(8)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(
            0, 4.8, pdf.L["received"] if doc.kind == "delivery_note" else "", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(10)
        y = pdf.get_y()
        pdf.line(20, y, 95, y)
        pdf.line(115, y, 195, y)
        pdf.set_font(FONT, "", 7.5)
        pdf.set_xy(20, y + 1)
        pdf.cell(75, 4, doc.signature_box)
        pdf.set_xy(115, y + 1)
        pdf.cell(80, 4, doc.signature_box)
    return bytes(pdf.output())


def render_image_pdf(images, creation_dt: datetime, title: str = "Scan") -> bytes:
    """Image-only PDF (one A4 page per PIL image), no text layer."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(creation_dt)
    pdf.set_creator("Scanner ScanSnap iX1600")
    pdf.set_producer("Scan-to-PDF")
    pdf.set_title(title)
    pdf.set_auto_page_break(False)
    for img in images:
        pdf.add_page()
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=False)
        buf.seek(0)
        pdf.image(buf, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())
