"""nlp.language: offline language identification for de/en/es/tr/pl, "und" otherwise."""

from __future__ import annotations

import pytest

from nlp.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Lieferung kam beschädigt an, wir reklamieren die Ware.", "de"),
        ("Rechnung für Wartung", "de"),
        ("The delivery arrived damaged, we want to return the goods.", "en"),
        ("La entrega llegó dañada, queremos devolver la mercancía.", "es"),
        ("Teslimat hasarlı geldi, malları iade etmek istiyoruz.", "tr"),
        ("Siparişim nerede?", "tr"),
        ("Dostawa dotarła uszkodzona, chcemy zwrócić towar.", "pl"),
        ("Gdzie jest moje zamowienie", "pl"),  # without diacritics, as typed in many e-mails
        ("Bonjour, merci beaucoup pour votre facture et votre livraison.", "und"),  # French: not ours
        ("K-10234", "und"),
        ("12.11.2026 1.234,56", "und"),
        ("", "und"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_long_texts_use_the_head_only() -> None:
    text = "Sehr geehrte Damen und Herren, anbei unser Angebot. " * 50 + "The rest is English. " * 2000
    assert detect_language(text) == "de"
