"""nlp.registers: document-class rules in five languages, with the German reason — tested as data."""

from __future__ import annotations

import pytest

from nlp.registers import REGISTER_IDS, classify_register, heading_line

HEAD = "Nordlicht Technik GmbH · Hafenstraße 12 · 20457 Hamburg\nMüller Bau GmbH\nIndustriestraße 5\n20095 Hamburg\n\n"

DOCUMENTS = [  # (expected, title, text, file name)
    (
        "invoice",
        "Nordlicht Technik GmbH",
        HEAD + "Rechnung\nRechnungs-Nr.: RE-2026-00123\nAuftrags-Nr.: AU-2026-00077",
        "",
    ),
    (
        "invoice",
        "",
        HEAD + "Datum: 20.11.2026\nRechnungs-Nr.: RE-2026-00123\nAuftrags-Nr.: AU-2026-00077\n"
        "Lieferschein-Nr.: LS-2026-00456\n"
        "für unsere Lieferung gemäß Lieferschein LS-2026-00456 zu Auftrag AU-2026-00077",
        "",
    ),
    ("invoice", "", HEAD + "Invoice\nInvoice no. RE-2026-00200\nYour order AU-2026-00100", ""),
    ("invoice", "", HEAD + "Faktura\nNr faktury: RE-2026-00300", ""),
    ("invoice", "", HEAD + "bitte zahlen Sie RE-2026-00123 zu AU-2026-00077 und LS-2026-00456", ""),  # most downstream
    (
        "order_confirmation",
        "",
        HEAD + "AB-Nr.: AB-2026-00078\nAuftrags-Nr.: AU-2026-00077\nIhr Angebot AN-2026-00012",
        "",
    ),
    ("order_confirmation", "", HEAD + "Sipariş Onayı\nOnay No.: AB-2026-00078\nSipariş No.: AU-2026-00077", ""),
    ("order_confirmation", "", HEAD + "Potwierdzenie zamówienia\nNr potwierdzenia: AB-2026-00078", ""),
    ("order", "", HEAD + "Bestellung\nBestell-Nr.: 4500012345\nIhr Angebot AN-2026-00012", ""),
    ("order", "", HEAD + "Bestell-Nr.: 4500012345\nauf Grundlage Ihres Angebots AN-2026-00012 bestellen wir", ""),
    ("order", "", HEAD + "Purchase Order\nPO no. 7788-12\nBased on your quotation AN-2026-00012", ""),
    ("offer", "", HEAD + "Angebot\nAngebots-Nr.: AN-2026-00012\nGültig bis 31.12.2026", ""),
    ("offer", "", HEAD + "Quotation\nQuotation no. AN-2026-00013", ""),
    ("delivery_note", "", HEAD + "Lieferschein\nLieferschein-Nr.: LS-2026-00456\nAuftrags-Nr.: AU-2026-00077", ""),
    ("delivery_note", "", HEAD + "Albarán de entrega\nN.º de albarán: LS-2026-00457", ""),
    ("delivery_note", "", HEAD + "İrsaliye\nİrsaliye No.: LS-2026-00458", ""),
    ("credit_note", "", HEAD + "Nota de abono\nN.º de abono: GS-2026-00009\nsu reclamación RK-2026-00004", ""),
    (
        "credit_note",
        "Gutschrift GS-2026-00009",
        "bezugnehmend auf Ihre Reklamation RK-2026-00004 und Rechnung RE-2026-00123",
        "",
    ),
    ("credit_note", "", HEAD + "Faktura korygująca\nNr korekty: GS-2026-00010\nNr faktury RE-2026-00300", ""),
    ("service", "", HEAD + "Servicebericht\nKundennummer: K-10234\nInspektion gemäß Wartungsvertrag VT-2026-0012.", ""),
    ("service", "", HEAD + "Raport serwisowy\nUstalenia i wykonane prace", ""),
    ("contract", "Kündigung Wartungsvertrag VT-2026-0012", "hiermit kündigen wir den Wartungsvertrag", ""),
    ("contract", "", HEAD + "Betreff: Kündigung Wartungsvertrag VT-2026-0012\nSehr geehrte Damen und Herren,", ""),
    ("contract", "", HEAD + "Wartungsvertrag\nVertrags-Nr.: VT-2026-0012", ""),
    (
        "complaint",
        "",
        HEAD + "Sehr geehrte Damen und Herren,\ndie Ware aus Lieferschein LS-2026-00456 ist beschädigt. "
        "Wir bitten um Bearbeitung unserer Reklamation.",
        "",
    ),
    ("complaint", "Reklamation zu Rechnung RE-2026-00123", "Der Betrag ist falsch.", ""),
    (
        "correspondence",
        "Änderung unserer Firmenanschrift",
        HEAD + "Sehr geehrte Damen und Herren,\nab sofort ändert "
        "sich unsere Rechnungsanschrift. Bitte senden Sie Rechnungen künftig an die neue Adresse.\n"
        "Mit freundlichen Grüßen",
        "",
    ),
    ("correspondence", "", "Telefonnotiz\n\nAnliegen: Fragt, ob die Rechnung schon unterwegs ist.", ""),
    ("other", "Preisliste 2027", "Preisliste gültig ab 1.1.2027", ""),
    ("other", "", "Seite 1\n4711 Pumpe 12,00\n4712 Ventil 3,00", ""),
    ("invoice", "", "Seite 1 von 2", "RE-2026-00123.pdf"),
]


LETTERHEAD = "Nordlicht Technik GmbH Antriebs- und Steuerungstechnik · Service · Ersatzteile"
# layout extraction: labels and values are separate elements, the title is the letterhead
EXTRACTED = [
    (
        "invoice",
        LETTERHEAD,
        LETTERHEAD + "\n\nRechnungs-Nr.\n\nRE-2025-00143\n\nDatum\n\nKundennummer\n\nAuftrags-Nr.\n\n16.09.2025\n\n"
        "K-30948\n\nAU-2025-00184\n\nLieferschein-Nr.\n\nLS-2025-00129\n\nRechnung RE-2025-00143\n\n"
        "Pos. Art.-Nr.\n\n2 DL-9005\n\nJährliche Wartung gemäß\n\nWartungsvertrag",
    ),
    (
        "offer",
        LETTERHEAD,
        LETTERHEAD + "\n\nAngebots-Nr.\n\nAN-2025-00344\n\nAngebot AN-2025-00344 Überarbeitete Fassung – ersetzt die "
        "Version vom 19.03.2025\n\nSehr geehrte Frau Weber,\n\nPos. Art.-Nr.\n\nWartungsvertrag",
    ),
    (
        "offer",
        "Südstern Anlagenbau GmbH Anlagenbau · Fördertechnik · Wartung",
        "Teklif No.\n\nAN-2026-00333\n\nTeklif AN-2026-00333 Revize edilmiş versiyon – 13.08.2026 tarihli versiyonun "
        "yerine geçer\n\nSayın Mustafa Koç,\n\nSıra Ürün kodu Açıklama\n\nBakım sözleşmesine göre yıllık bakım",
    ),
    (
        "order_confirmation",
        LETTERHEAD,
        "Onay No.\n\nAB-2025-00303\n\nSiparişiniz\n\nSİP-12345\n\nSipariş Onayı AB-2025-00303",
    ),
    (
        "service",
        LETTERHEAD,
        "Kundennummer\n\nVertrags-Nr.\n\nTechniker\n\nK-28869\n\nVT-2025-0036\n\nServicebericht – 05.12.2025",
    ),
    ("contract", "Maintenance Agreement", "between Nordlicht Technik GmbH and Brightwater Ltd"),
]


@pytest.mark.parametrize(("expected", "title", "text"), EXTRACTED)
def test_extracted_layouts(expected: str, title: str, text: str) -> None:
    register, reason = classify_register(title=title, text=text, file_name="doc.pdf", subject=None, lang="de")
    assert register == expected, reason


@pytest.mark.parametrize(("expected", "title", "text", "file_name"), DOCUMENTS)
def test_documents(expected: str, title: str, text: str, file_name: str) -> None:
    register, reason = classify_register(title=title, text=text, file_name=file_name, subject=None, lang="de")
    assert register == expected, reason
    assert reason


MAILS = [  # (expected, subject, body)
    ("invoice", "Rechnung RE-2026-00123", "anbei erhalten Sie unsere Rechnung RE-2026-00123 zu Auftrag AU-2026-00077."),
    ("offer", "Ihr Angebot AN-2026-00012", "anbei erhalten Sie wie besprochen unser Angebot."),
    ("offer", "Teklifiniz AN-2026-00012", "teklifimizi ekte bulabilirsiniz."),
    ("order", "Bestellung zu Ihrem Angebot AN-2026-00012", "hiermit bestellen wir gemäß Ihrem Angebot."),
    ("order", "Sipariş 4711 – teklif AN-2026-00012", ""),
    ("order", "Zamówienie 123 – oferta AN-2026-00012", ""),
    ("order_confirmation", "Auftragsbestätigung AB-2026-00078 zu Ihrer Bestellung 4711", ""),
    ("contract", "Vertragsentwurf VT-2026-0012", "wie besprochen sende ich Ihnen den Entwurf."),
    ("service", "Termin für Wartung", "wir möchten einen Termin für die jährliche Wartung vereinbaren."),
    ("service", "Termin przeglądu", ""),
    ("service", "Bakım randevusu", ""),
    ("complaint", "Reklamation Lieferverzug Auftrag AU-2026-00077", "die Lieferung ist nicht eingegangen."),
    ("complaint", "Dringend: Lieferung AU-2026-00077 überfällig", "wir warten weiterhin auf die Ware."),
    (
        "complaint",
        "Rechnung RE-2026-00123 – Preisdifferenz",
        "der Einzelpreis entspricht nicht dem vereinbarten Preis.",
    ),
    ("complaint", "Invoice RE-2026-00123 – incorrect amount", "your invoice shows a wrong total."),
    ("complaint", "Fatura RE-2026-00123 – hatalı tutar", ""),
    ("complaint", "Reclamación – mercancía dañada, albarán LS-2026-00456", ""),
    ("complaint", "Şikâyet – AU-2026-00077 siparişinde gecikme", ""),
    ("complaint", "Reklamacja faktury RE-2026-00300 – błędna kwota", ""),
    ("complaint", "AW: Frage", "Die Ware aus Lieferschein LS-2026-00456 ist beschädigt angekommen."),
    (
        "complaint",
        "RE-2026-00123",
        "Ihre Rechnung ist falsch, das ist eine Beschwerde.",
    ),  # complaining mail with a number
    (
        "correspondence",
        "Rückfrage zu Lieferung und Rechnung",
        "wir haben Ware erhalten, die wir nicht zuordnen können.",
    ),
    ("correspondence", "Question regarding delivery and invoice", ""),
    ("correspondence", "Anfrage Pumpe P-200", "wir benötigen ein Angebot über 3 Stück."),
    ("correspondence", "Request for quotation – spare parts", ""),
    ("correspondence", "Solicitud de oferta bomba", ""),
    ("correspondence", "Zapytanie ofertowe pompa", ""),
    ("correspondence", "Hallo", "kurze Info: Rechnung RE-2026-00123 ist bezahlt."),  # a mention, not an invoice
    ("invoice", "WG: RE-2026-00123", "zur Info"),
    ("other", "Einladung zur Hannover Messe", "besuchen Sie uns auf der Hannover Messe in Halle 9."),
    ("other", "Seminarangebot Arbeitssicherheit", "unsere Seminare finden in Hamburg statt."),
    ("other", "Neuigkeiten", "Sehr geehrte Damen und Herren, ... Newsletter abmelden"),
]


@pytest.mark.parametrize(("expected", "subject", "body"), MAILS)
def test_mails(expected: str, subject: str, body: str) -> None:
    register, reason = classify_register(title=subject, text=body, file_name="mail.eml", subject=subject, lang="de")
    assert register == expected, reason


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"title": "Rechnung RE-2026-00123", "text": ""}, "Dokumentnummer RE-2026-00123 und Wort 'Rechnung' im Titel"),
        (
            {"title": "", "text": "Rechnungs-Nr.: RE-2026-00123"},
            "Dokumentnummer RE-2026-00123 mit Bezeichnung 'Rechnungs' im Text",
        ),
        ({"title": "Rechnung", "text": "", "subject": "Rechnung"}, "Wort 'Rechnung' im Betreff"),
        (
            {"title": "", "text": "Die Ware ist beschädigt. Reklamation!", "subject": "AW: Frage"},
            "Beschwerdewort 'beschädigt' im Text der E-Mail",
        ),
        ({"title": "", "text": "", "subject": "Hallo"}, "E-Mail ohne Belegmerkmale: Korrespondenz"),
        ({"title": "", "text": "4711 Pumpe"}, "Keine Belegmerkmale gefunden"),
    ],
)
def test_reasons_are_german_and_name_the_evidence(kwargs: dict[str, str], reason: str) -> None:
    assert classify_register(file_name="", lang="de", **kwargs)[1] == reason  # type: ignore[arg-type]


def test_doc_numbers_are_a_fallback_without_text() -> None:
    register, reason = classify_register(
        title="", text="", file_name="scan.pdf", subject=None, lang="de", doc_numbers={"LS": ["LS-2026-00456"]}
    )
    assert register == "delivery_note" and "LS-2026-00456" in reason


def test_only_known_register_ids_are_returned() -> None:
    for expected, *_ in DOCUMENTS + MAILS:
        assert expected in REGISTER_IDS and expected != "review"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the letterhead comes first; the heading line is the document's own
        (
            "Nordlicht Technik GmbH · Service · Ersatzteile\nHafenstraße 12, 20457 Hamburg\n\n"
            "Gutschrift GS-2026-00378\nSehr geehrte Frau König,\nbezugnehmend auf Ihre Reklamation",
            "Gutschrift GS-2026-00378",
        ),
        # a bare heading word gets the number its field label gives
        (
            "Müller Bau GmbH\n\nRechnung\nRechnungs-Nr.: RE-2026-00042\nDatum: 01.02.2026\n\nSehr geehrte Damen",
            "Rechnung RE-2026-00042",
        ),
        # a reference in running text is not a heading
        ("Sehr geehrte Damen und Herren,\nanbei die Rechnung RE-2026-00042 zu Ihrem Auftrag.", None),
        # a number already on the line is not repeated
        ("Pedido de compra PED-19099\nN.º de pedido: PED-19099\nFecha: 01/09/2026", "Pedido de compra PED-19099"),
        ("", None),
    ],
)
def test_heading_line(text, expected):
    assert heading_line(text) == expected
