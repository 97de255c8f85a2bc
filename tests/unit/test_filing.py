"""indexing.filing: automatic filing rules (Einakten) — each rule tested as data."""

from __future__ import annotations

import pytest

from indexing.filing import FREE_MAIL_DOMAINS, CustomerDirectory, Filing, file_document
from nlp.entities import extract_entities
from nlp.gazetteer import Gazetteer

OWN_IBAN = "DE02200505501268401937"
OWN = {OWN_IBAN, "DE274319584", "nordlicht-technik.de", "info@nordlicht-technik.de", "+49 40 3861 2200"}

ROWS = [
    {
        "customer_id": "C10234", "customer_number": "K-10234", "name": "Müller Bau GmbH",
        "aliases": "Müller Bau|Mueller Bau", "email_domain": "mueller-bau.de",
        "contact_email": "hans.mueller@mueller-bau.de", "phone": "+49 40 5551234",
        "iban": "DE89 3704 0044 0532 0130 00", "vat_id": "DE136695976", "tenant": "nord",
    },
    {
        "customer_id": "C20000", "customer_number": "K-20000", "name": "Schmidt Anlagen KG",
        "aliases": "Schmidt Anlagen", "email_domain": "schmidt-anlagen.de",
        "contact_email": "einkauf@schmidt-anlagen.de", "phone": "+49 421 777888",
        "iban": "", "vat_id": "", "tenant": "nord",
    },
    {  # same trading name as C10234: a name alone cannot decide
        "customer_id": "C30000", "customer_number": "K-30000", "name": "Müller Bau GmbH",
        "aliases": "", "email_domain": "muellerbau-kiel.de", "contact_email": "", "phone": "",
        "iban": "", "vat_id": "", "tenant": "nord",
    },
    {  # registered with a private address
        "customer_id": "C40000", "customer_number": "K-40000", "name": "Brightwater Ltd",
        "aliases": "Brightwater", "email_domain": "gmail.com", "contact_email": "brightwater.uk@gmail.com",
        "phone": "+44 161 4960000", "iban": "", "vat_id": "GB980780684", "tenant": "nord",
    },
    {  # master-data error: our own bank account on a customer record must never file a document
        "customer_id": "C50000", "customer_number": "K-50000", "name": "Kaputt Daten GmbH",
        "aliases": "", "email_domain": "kaputt-daten.de", "contact_email": "", "phone": "",
        "iban": OWN_IBAN, "vat_id": "", "tenant": "nord",
    },
    {
        "customer_id": "C60000", "customer_number": "K-60000", "name": "Süd Kunde AG", "aliases": "",
        "email_domain": "sued-kunde.de", "contact_email": "", "phone": "", "iban": "", "vat_id": "", "tenant": "sued",
    },
]  # fmt: skip

DIRECTORY = CustomerDirectory.from_rows(ROWS, tenant="nord")
GAZETTEER = Gazetteer.from_customers([r for r in ROWS if r["tenant"] == "nord"])
LETTERHEAD = (
    "Nordlicht Technik GmbH · Hafenstraße 12 · 20457 Hamburg · Tel. +49 40 3861 2200 · info@nordlicht-technik.de\n"
    "IBAN DE02 2005 0550 1268 4019 37 · USt-IdNr. DE274319584\n"
)


def file(text: str, *, mail_from: str | None = None, lang: str = "de", **kwargs: object) -> Filing:
    pages = kwargs.pop("page_offsets", None)
    entities = extract_entities(text, lang, page_offsets=pages)  # type: ignore[arg-type]
    return file_document(
        entities=entities,
        gazetteer_hits=GAZETTEER.find(text),
        mail_from=mail_from,
        customers=DIRECTORY,
        own_identifiers=OWN,
        **kwargs,  # type: ignore[arg-type]
    )


def check(filing: Filing) -> None:
    assert 0.0 <= filing.confidence <= 1.0
    assert filing.status in ("auto", "review")
    assert filing.reasons


# --------------------------------------------------------------------------- directory


def test_directory_lookups_normalise_every_key() -> None:
    assert DIRECTORY.by_number("K10234") == DIRECTORY.by_number("10234") == ["C10234"]
    assert DIRECTORY.by_number("k 10234") == ["C10234"]
    assert DIRECTORY.by_domain("@Mueller-Bau.DE") == ["C10234"]
    assert DIRECTORY.by_email("Hans.Mueller@mueller-bau.de") == ["C10234"]
    assert DIRECTORY.by_iban("DE89370400440532013000") == ["C10234"]
    assert DIRECTORY.by_vat("DE 136 695 976") == ["C10234"]
    assert DIRECTORY.by_phone("040 5551234") == ["C10234"]
    assert DIRECTORY.by_domain("gmail.com") == []  # free-mail domains are never a customer key
    assert DIRECTORY.by_email("brightwater.uk@gmail.com") == ["C40000"]
    assert DIRECTORY.get("C60000") is None and len(DIRECTORY) == 5  # other tenant skipped
    assert DIRECTORY.name("C20000") == "Schmidt Anlagen KG" and DIRECTORY.name("C99999") == "C99999"


def test_directory_accepts_list_values() -> None:
    d = CustomerDirectory.from_rows(
        [
            {
                "customer_id": "X",
                "number": "K-11111",
                "name": "X",
                "domains": ["x.de", "x.com"],
                "ibans": [],
                "emails": [],
            }
        ]
    )
    assert d.by_domain("x.com") == ["X"] and d.by_number("K-11111") == ["X"]


# --------------------------------------------------------------------------- exact identifiers


def test_customer_number_files_automatically_with_page() -> None:
    text = LETTERHEAD + "Rechnung RE-2026-00123\nKundennummer: K-10234\n"
    f = file(text, page_offsets=[0])
    check(f)
    assert (f.customer_ids, f.status) == (["C10234"], "auto")
    assert f.reasons == ["Kundennummer K-10234 auf Seite 1"]
    assert f.confidence == pytest.approx(0.9)
    assert f.primary_customer_id == "C10234"


def test_ocr_variant_of_customer_number() -> None:
    f = file("Lieferschein\nKunden-Nr. K10234")
    assert f.customer_ids == ["C10234"] and f.reasons == ["Kundennummer K-10234 im Text"]


def test_sender_address_and_domain() -> None:
    f = file("Bitte um Rückruf.", mail_from="Hans.Mueller@mueller-bau.de")
    assert (f.customer_ids, f.status, f.reasons) == (
        ["C10234"],
        "auto",
        ["Absenderadresse hans.mueller@mueller-bau.de"],
    )
    f = file("Bitte um Rückruf.", mail_from="buchhaltung@mueller-bau.de")
    assert (f.customer_ids, f.status, f.reasons) == (["C10234"], "auto", ["Absenderdomain @mueller-bau.de"])


def test_free_mail_domain_never_counts_but_a_registered_address_does() -> None:
    assert "gmail.com" in FREE_MAIL_DOMAINS
    f = file("Hallo, kurze Frage.", mail_from="someone.else@gmail.com")
    assert (f.customer_ids, f.status, f.candidates) == ([], "review", [])
    f = file("Hallo, kurze Frage.", mail_from="brightwater.uk@gmail.com")
    assert (f.customer_ids, f.status) == (["C40000"], "auto")


def test_iban_and_vat_of_the_customer() -> None:
    f = file("Bitte überweisen Sie auf IBAN DE89 3704 0044 0532 0130 00. USt-IdNr. DE136695976")
    assert f.customer_ids == ["C10234"] and f.status == "auto"
    assert f.reasons == ["IBAN DE89…3000 des Kunden", "USt-IdNr. DE136695976 des Kunden"]
    assert f.confidence == pytest.approx(0.99)  # capped


def test_own_identifiers_never_file_a_document() -> None:
    # our letterhead carries our IBAN (wrongly also on C50000's record), VAT id, e-mail and phone
    f = file(
        LETTERHEAD + "Sehr geehrte Damen und Herren, anbei unsere Preisliste.", mail_from="info@nordlicht-technik.de"
    )
    check(f)
    assert (f.customer_ids, f.status, f.candidates) == ([], "review", [])
    assert f.reasons == ["Keine Kundenmerkmale gefunden"]


def test_outgoing_mail_is_filed_by_its_recipient() -> None:
    f = file("anbei unser Angebot.", mail_from="vertrieb@nordlicht-technik.de", mail_to=["einkauf@schmidt-anlagen.de"])
    assert (f.customer_ids, f.status, f.reasons) == (
        ["C20000"],
        "auto",
        ["Empfängeradresse einkauf@schmidt-anlagen.de"],
    )


def test_email_address_in_the_text() -> None:
    f = file("Von: Einkauf <einkauf@schmidt-anlagen.de>\nBetreff: Bestellung\n\nbitte liefern Sie.")
    assert f.customer_ids == ["C20000"] and f.reasons == ["E-Mail-Adresse einkauf@schmidt-anlagen.de im Text"]


def test_known_document_numbers_file_to_their_customer() -> None:
    f = file(
        "Ihre Rechnung RE-2026-00999 ist falsch.", mail_from="x@web.de", doc_number_owners={"re202600999": "C20000"}
    )
    assert (f.customer_ids, f.status) == (["C20000"], "auto")
    assert f.reasons == ["Belegnummer RE-2026-00999 ist dem Kunden zugeordnet"]


# --------------------------------------------------------------------------- several customers


def test_customer_number_in_the_head_beats_a_later_mention() -> None:
    text = "Kundennummer: K-10234\nLieferschein LS-2026-00456\n...\nWarenempfänger laut Vermerk: Kd.-Nr. 20000"
    f = file(text)
    check(f)
    assert (f.customer_ids, f.status) == (["C10234", "C20000"], "auto")
    assert f.reasons[0] == "Hauptkunde Müller Bau GmbH (stärkste Kennungen)"
    assert "Müller Bau GmbH: Kundennummer K-10234 im Text (zuerst genannt)" in f.reasons
    assert "Schmidt Anlagen KG: Kundennummer K-20000 im Text" in f.reasons


def test_more_evidence_wins() -> None:
    text = "Kd.-Nr. 20000 erwähnt. Kundennummer K-10234, IBAN DE89 3704 0044 0532 0130 00, USt-IdNr. DE136695976"
    f = file(text)
    assert (f.customer_ids, f.status) == (["C10234", "C20000"], "auto")


def test_conflicting_identifiers_go_to_review() -> None:
    # sender is Müller Bau, the text quotes Schmidt's customer number from a wrong delivery note
    text = (
        "wir haben Ware erhalten. Auf dem Lieferschein steht K-20000, das ist nicht unsere Kundennummer.\n"
        "Hans Müller, Müller Bau GmbH, Tel. +49 40 5551234"  # supporting evidence does not decide a conflict
    )
    f = file(text, mail_from="hans.mueller@mueller-bau.de")
    check(f)
    assert f.status == "review"
    assert f.customer_ids == ["C10234", "C20000"]  # primary (sender) first
    assert f.candidates[:2] == ["C10234", "C20000"]
    assert f.reasons[0] == "Widersprüchliche Kennungen: Müller Bau GmbH und Schmidt Anlagen KG – bitte prüfen"
    assert f.confidence < 0.9


# --------------------------------------------------------------------------- names only


def test_name_only_goes_to_review_with_candidates() -> None:
    f = file("Wir möchten einen Termin für die Wartung.\nGrüße\nSchmidt Anlagen KG", mail_from="m.schmidt@web.de")
    check(f)
    assert (f.customer_ids, f.status, f.candidates) == ([], "review", ["C20000"])
    assert f.reasons == ["Nur Namensnennung ohne Kennung – bitte prüfen", "Firmenname „Schmidt Anlagen KG“ im Text"]


def test_ambiguous_name_lists_every_candidate() -> None:
    f = file("Anruf von Müller Bau GmbH wegen der Lieferung.")
    assert f.status == "review" and f.customer_ids == []
    assert sorted(f.candidates) == ["C10234", "C30000"]
    assert f.reasons[0] == "Nur Namensnennung: 2 mögliche Kunden – bitte prüfen"


def test_single_name_supported_by_phone_is_auto() -> None:
    f = file("Rückruf erbeten: Schmidt Anlagen KG, Telefon 0421 777888")
    assert (f.customer_ids, f.status) == (["C20000"], "auto")
    assert f.reasons[0] == "Firmenname und Telefonnummer passen zu genau einem Kunden"
    assert f.confidence <= 0.8


def test_names_support_but_never_override_exact_identifiers() -> None:
    f = file("Schmidt Anlagen KG hat uns empfohlen. Kundennummer: K-10234")
    assert (f.customer_ids, f.status) == (["C10234"], "auto")
    assert f.candidates == ["C20000"]


# --------------------------------------------------------------------------- nothing


def test_nothing_found() -> None:
    f = file("Einladung zur Hannover Messe in Halle 9.")
    assert f == Filing([], "review", 0.0, ["Keine Kundenmerkmale gefunden"], [])


def test_unknown_customer_number_is_reported() -> None:
    f = file("Kundennummer: K-99999")
    assert f.status == "review"
    assert f.reasons == ["Keine Kundenmerkmale gefunden", "Kundennummer K-99999 ist in den Stammdaten unbekannt"]


def test_customer_of_another_tenant_is_not_visible() -> None:
    f = file("Kundennummer: K-60000", mail_from="info@sued-kunde.de")
    assert f.customer_ids == [] and f.status == "review"
