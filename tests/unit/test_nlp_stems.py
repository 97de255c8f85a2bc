"""nlp.stems: client-side Snowball stems, identical on the document and the query side."""

from __future__ import annotations

import pytest

from nlp.stems import stem_text, stem_tokens


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Treatment of treated patients", "en", ["treatment", "of", "treat", "patient"]),
        ("treating treats", "en", ["treat", "treat"]),
        ("Rechnungen der Häuser", "de", ["rechnung", "der", "haus"]),
        ("Rechnung", "de", ["rechnung"]),
        ("Betrag 1.234,56 EUR", "de", ["betrag", "1.234,56", "eur"]),  # numbers are kept as written
        ("Rechnungen", "und", ["rechnungen"]),  # no stemmer: lower-cased tokens
        ("", "en", []),
    ],
)
def test_stem_tokens(text: str, lang: str, expected: list[str]) -> None:
    assert stem_tokens(text, lang) == expected


def test_document_and_query_forms_meet() -> None:
    # the point of the field: inflected forms on either side end up as the same word
    assert stem_text("mortality rates", "en") == stem_text("Mortality rate", "en")
    assert stem_text("Rechnungen", "de") == stem_text("rechnung", "de")


def test_turkish_dotted_i() -> None:
    assert stem_tokens("İstanbul", "tr")[0].startswith("istanbul")
