"""nlp.lemmas: spaCy lookup lemmas, identical on the document and the query side."""

from __future__ import annotations

import pytest

from nlp.lemmas import lemma_tokens, lemmatize, tokenize


def test_tokenize_drops_punctuation_and_keeps_numbers() -> None:
    assert tokenize("Betrag: 1.234,56 EUR (netto)!") == ["Betrag", "1.234,56", "EUR", "netto"]
    assert tokenize("K-10234, RE-2026-00123") == ["K", "10234", "RE", "2026", "00123"]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Die Rechnungen kamen gestern", "de", "der rechnung kommen gestern"),
        ("rechnungen kamen", "de", "rechnung kommen"),  # a lower-case query finds the noun
        ("Lieferungen, Verträge und Aufträge", "de", "lieferung vertrag und auftrag"),
        ("The invoices came late", "en", "the invoice come late"),
        ("Siparişler ve faturalar", "tr", "sipariş ve fatura"),
        ("İSTANBUL", "tr", "istanbul"),  # Turkish dotted capital I
        ("Faktury i zamówienia", "pl", "faktura i zamówienie"),
        ("Bonjour Mme Dupont", "und", "bonjour mme dupont"),
        ("Betrag 1.234,56 EUR", "de", "betrag 1.234,56 eur"),
        ("", "de", ""),
    ],
)
def test_lemmatize(text: str, lang: str, expected: str) -> None:
    assert lemmatize(text, lang) == expected


def test_spanish_forms_share_a_lemma() -> None:
    # the Spanish table maps nouns to verb lemmas; what matters is that forms meet on both sides
    assert lemmatize("facturas", "es") == lemmatize("factura", "es")
    assert lemmatize("Pedidos", "es") == lemmatize("pedido", "es")


def test_query_and_document_side_agree() -> None:
    doc = set(lemma_tokens("Wir haben die Lieferscheine und Rechnungen erhalten.", "de"))
    for query in ("Lieferschein", "lieferscheine", "RECHNUNG", "rechnungen"):
        assert set(lemma_tokens(query, "de")) <= doc
