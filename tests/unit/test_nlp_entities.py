"""nlp.entities: rules for identifiers, contacts, amounts, dates and names — tested as data."""

from __future__ import annotations

import pytest

from nlp.entities import Amount, Entities, all_ids, entity_facets, extract_entities

INVOICE_DE = """Nordlicht Technik GmbH · Hafenstraße 12 · 20457 Hamburg
Müller Bau GmbH
Herrn Hans Müller
Industriestr. 5, 80331 München

Rechnung
Rechnungs-Nr.: RE-2026-00123
Kundennummer: K-10234          Datum: 20.11.2026
Ihre Bestellung AU-2026-00077 vom 3. November 2026, Lieferschein LS2026-00456
Auftragsbestätigung AB-2026-00078

Pos. Menge Gesamt
1   2   100,00 EUR
Nettobetrag 1.000,00 EUR
zzgl. 19 % USt. 190,00 EUR
Gesamtbetrag 1.190,00 EUR

Zahlbar bis 31.02.2026 bzw. 2026-12-04.
Bankverbindung: IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX
USt-IdNr.: DE136695976  Tippfehler-IBAN: DE89 3704 0044 0532 0130 01
Tel. +49 (0)40 123456-78, Fax 040 123456-99, E-Mail: buchhaltung@nordlicht-technik.de
Ihr Ansprechpartner: Frau Dr. Anna Schmidt
"""


@pytest.fixture(scope="module")
def invoice() -> Entities:
    return extract_entities(INVOICE_DE, "de", page_offsets=[0, INVOICE_DE.index("Zahlbar")])


def test_document_numbers_are_canonical_and_mapped_to_kinds(invoice: Entities) -> None:
    assert invoice.invoice_number == ["RE-2026-00123"]
    assert invoice.order_number == ["AU-2026-00077", "AB-2026-00078"]
    assert invoice.delivery_number == ["LS-2026-00456"]  # OCR-style "LS2026-00456"
    assert invoice.doc_numbers == {
        "RE": ["RE-2026-00123"],
        "AU": ["AU-2026-00077"],
        "LS": ["LS-2026-00456"],
        "AB": ["AB-2026-00078"],
    }


def test_bank_and_tax_ids_are_validated(invoice: Entities) -> None:
    assert invoice.iban == ["DE89370400440532013000"]  # the typo IBAN fails mod 97 and is dropped
    assert invoice.vat_id == ["DE136695976"]


def test_contacts(invoice: Entities) -> None:
    assert invoice.email == ["buchhaltung@nordlicht-technik.de"]
    # the invalid IBAN's digit groups ("0044 0532 …") are not taken for a phone number
    assert invoice.phone == ["+494012345678", "+494012345699"]


def test_amounts_and_labelled_total(invoice: Entities) -> None:
    assert invoice.amount == ["100.00 EUR", "1000.00 EUR", "190.00 EUR", "1190.00 EUR"]
    assert invoice.total_amount == Amount(1190.0, "EUR")
    assert invoice.amounts[-1] == Amount(1190.0, "EUR")


def test_dates_are_iso_and_invalid_ones_dropped(invoice: Entities) -> None:
    assert invoice.date == ["2026-11-20", "2026-11-03", "2026-12-04"]  # 31.02.2026 is not a date


def test_names(invoice: Entities) -> None:
    assert invoice.person == ["Hans Müller", "Anna Schmidt"]
    assert invoice.org == ["Nordlicht Technik GmbH", "Müller Bau GmbH"]


def test_hits_carry_positions_and_pages(invoice: Entities) -> None:
    hit = invoice.first_hit("customer_number", "K-10234")
    assert hit is not None and hit.labelled and hit.page == 1
    assert INVOICE_DE[hit.start : hit.end] == hit.surface == "10234"  # the digits after the label
    iban = invoice.first_hit("iban")
    assert iban is not None and iban.page == 2 and iban.surface == "DE89 3704 0044 0532 0130 00"


def test_facets_and_ids(invoice: Entities) -> None:
    facets = entity_facets(invoice)
    assert "customer_number:K-10234" in facets and "iban:DE89370400440532013000" in facets
    assert not any(f.startswith(("amount:", "date:")) for f in facets)
    ids = all_ids(invoice)
    assert ids[:2] == ["k10234", "au202600077"]
    assert {"re202600123", "ab202600078", "ls202600456", "de136695976"} <= set(ids)
    assert invoice.by_kind()["invoice_number"] == ["RE-2026-00123"]
    assert "person" in invoice.by_kind() and "nonexistent" not in invoice.by_kind()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Kundennummer: K-10234", "de"),
        ("Kd.-Nr. 10234", "de"),
        ("Kunden-Nr. K10234", "de"),
        ("Kundennr. K 10234", "de"),
        ("Unsere Kundennummer lautet 10234.", "de"),
        ("Kundennummer bei Ihnen: 10234.", "de"),
        ("Customer no.: K-10234", "en"),
        ("Cust. no. 10234", "en"),
        ("Our customer number is 10234.", "en"),
        ("Account K 10234", "en"),
        ("N.º de cliente: K-10234", "es"),
        ("Cliente n.º 10234", "es"),
        ("Nuestro número de cliente es 10234.", "es"),
        ("Müşteri No.: K-10234", "tr"),
        ("Müşteri No 10234", "tr"),
        ("Müşteri numaramız 10234.", "tr"),
        ("Nr klienta: K-10234", "pl"),
        ("Nr kl. 10234", "pl"),
        ("Nasz numer klienta to 10234.", "pl"),
        ("Nr klienta: K-1 0234", "pl"),  # OCR split the digits: tolerated right after a label
        ("Kundennummer: K-102 34", "de"),
    ],
)
def test_customer_number_formats(text: str, lang: str) -> None:
    assert extract_entities(f"Guten Tag. {text} Danke.", lang).customer_number == ["K-10234"]


def test_customer_number_in_a_separate_table_cell() -> None:
    text = (
        "Huber GmbH Goethestraße 122\n78462 Konstanz\n\nAuftrags-Nr.\n\nDatum\n\nKd.-Nr.\n\nIhre Bestellung\n\n"
        "AU-2025-00192\n\n21.11.2025\n\n82973\n\n4500541470 vom 19.11.2025"
    )
    assert extract_entities(text, "de").customer_number == ["K-82973"]
    # a postcode shares its line with the city; no label, no customer number
    assert extract_entities("Kundennummer\n\n78462 Konstanz", "de").customer_number == []
    assert extract_entities("Datum\n\n82973\n", "de").customer_number == []


@pytest.mark.parametrize(
    "text",
    [
        "PLZ 10234 Berlin",
        "RK-2026-10234",
        "Artikel 4711-10234",
        "Tel. 10234",
        "K-102345",
        "K-1 0234",
        "Kundennummer: 1 02345",
        "Kundennummer: 10 23 4",
    ],
)
def test_no_customer_number_without_k_or_label(text: str) -> None:
    assert extract_entities(text, "de").customer_number == []


def test_complaint_and_contract_numbers_only_in_doc_numbers_and_ids() -> None:
    ents = extract_entities(
        "Reklamation RK-2026-00004 zum Wartungsvertrag VT-2026-0012, Gutschrift GS-2026-00009", "de"
    )
    assert ents.doc_numbers == {"RK": ["RK-2026-00004"], "VT": ["VT-2026-0012"], "GS": ["GS-2026-00009"]}
    assert ents.invoice_number == ["GS-2026-00009"]  # credit notes file under invoice_number
    assert {"rk202600004", "vt20260012"} <= set(all_ids(ents))
    assert extract_entities("RE: Ihre Anfrage vom 2026", "de").doc_numbers == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("USt-IdNr. DE 136 695 976", ["DE136695976"]),
        ("CIF ESB58378431", ["ESB58378431"]),
        ("NIP PL5260250274", ["PL5260250274"]),
        ("VAT Reg No GB980780684", ["GB980780684"]),
        ("Vergi No. TR4540536920", ["TR4540536920"]),
        ("USt-IdNr. DE136695977", []),  # wrong check digit
        ("Tel DE123", []),
    ],
)
def test_vat_ids(text: str, expected: list[str]) -> None:
    assert extract_entities(text, "de").vat_id == expected


@pytest.mark.parametrize(
    ("text", "lang", "amounts", "total"),
    [
        (
            "Summe netto 1.000,00 EUR, MwSt 190,00 EUR, Rechnungsbetrag 1.190,00 €",
            "de",
            [1000.0, 190.0, 1190.0],
            1190.0,
        ),
        ("Net amount EUR 1,000.00 VAT EUR 190.00 Total amount EUR 1,190.00", "en", [1000.0, 190.0, 1190.0], 1190.0),
        ("Total net: EUR 1,000.00", "en", [1000.0], None),
        ("Base imponible 1.000,00 EUR IVA 21 % 210,00 EUR Total 1.210,00 EUR", "es", [1000.0, 210.0, 1210.0], 1210.0),
        ("Ara toplam 1.000,00 EUR KDV %20 200,00 EUR Genel toplam 1.200,00 EUR", "tr", [1000.0, 200.0, 1200.0], 1200.0),
        (
            "Wartość netto 1 000,00 EUR VAT 23% 230,00 EUR Wartość brutto 1 230,00 EUR",
            "pl",
            [1000.0, 230.0, 1230.0],
            1230.0,
        ),
        ("Preis: $99.00 oder 1.500 € oder 12,50 EUR", "de", [99.0, 1500.0, 12.5], None),
        ("Gesamtbetrag:\n  2.469,12 EUR", "de", [2469.12], 2469.12),
        # PDF table cells are elements of their own, joined by a blank line
        (
            "Nettobetrag\n\n12.980,28 EUR\n\nzzgl. 19 % USt.\n\n2.466,25 EUR\n\nGesamtbetrag\n\n15.446,53 EUR",
            "de",
            [12980.28, 2466.25, 15446.53],
            15446.53,
        ),
        ("Gesamt\n\nFörderbandmotor\n\n725,88 EUR", "de", [725.88], None),  # a column header, not a total
    ],
)
def test_amounts(text: str, lang: str, amounts: list[float], total: float | None) -> None:
    ents = extract_entities(text, lang)
    assert [a.value for a in ents.amounts] == amounts
    assert (ents.total_amount.value if ents.total_amount else None) == total


def test_amount_currencies() -> None:
    ents = extract_entities("100,00 € / $ 5.00 / 7,50 zł / 20,00 TL / CHF 3.00", "de")
    assert [a.currency for a in ents.amounts] == ["EUR", "USD", "PLN", "TRY", "CHF"]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("am 20.11.2026 und 1.2.26", "de", ["2026-11-20", "2026-02-01"]),
        ("am 20. November 2026, 3. März 2027", "de", ["2026-11-20", "2027-03-03"]),
        ("on 20 November 2026 or November 21st, 2026", "en", ["2026-11-20", "2026-11-21"]),
        ("del 20/11/2026 o 20 de noviembre de 2026", "es", ["2026-11-20"]),
        ("20 Kasım 2026 tarihli", "tr", ["2026-11-20"]),
        ("z dnia 20 listopada 2026", "pl", ["2026-11-20"]),
        ("ISO 2026-11-20", "de", ["2026-11-20"]),
        ("31.02.2026 und 30.13.2026 und 1.234,56", "de", []),
        ("Version 1.2.3", "de", []),
    ],
)
def test_dates(text: str, lang: str, expected: list[str]) -> None:
    assert extract_entities(text, lang).date == expected


def test_persons_and_orgs_across_languages() -> None:
    assert extract_entities("Estimado Sr. Carlos Pérez: Construcciones García S.L.", "es").person == ["Carlos Pérez"]
    tr = extract_entities("Ahmet Yılmaz Bey, Yılmaz Lojistik A.Ş. adına", "tr")
    assert tr.person == ["Ahmet Yılmaz"] and tr.org == ["Yılmaz Lojistik A.Ş."]
    assert extract_entities("Kowalski Sp. z o.o. w Gdańsku", "pl").org == ["Kowalski Sp. z o.o."]
    assert extract_entities("Sehr geehrte Damen und Herren,", "de").person == []


def test_english_ner_is_used_for_english_only() -> None:
    text = "Dear Mr. John Smith, thank you for your order. Kind regards, Maria Garcia, Acme Industries Ltd."
    en = extract_entities(text, "en")
    assert "John Smith" in en.person and "Acme Industries Ltd." in en.org
    # identifiers are never taken for names
    en2 = extract_entities("Customer no. K-20001. Total amount due: EUR 1,234.56.", "en")
    assert en2.person == [] and en2.org == []


def test_email_and_phone_edge_cases() -> None:
    ents = extract_entities("Mail an Info@Mueller-Bau.de. oder +49 89 1234567, Telefon: 030 / 1234 5678", "de")
    assert ents.email == ["info@mueller-bau.de"]
    assert ents.phone == ["+49891234567", "+493012345678"]


def test_empty_text() -> None:
    ents = extract_entities("", "und")
    assert ents.by_kind() == {} and ents.total_amount is None and all_ids(ents) == []
