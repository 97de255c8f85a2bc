"""nlp.gazetteer: many customer names at once, folded, on word boundaries, longest match first."""

from __future__ import annotations

from typing import Any

import pytest

from nlp.gazetteer import Gazetteer, name_keys

ROWS: list[dict[str, Any]] = [
    {"customer_id": "C1", "name": "Müller Bau GmbH", "aliases": "Müller Bau|MB Bau|Mueller Bau"},
    {"customer_id": "C2", "name": "Müller Baustoffe AG", "aliases": "Müller Baustoffe|MBS"},
    {"customer_id": "C3", "name": "Schäfer & Söhne KG", "aliases": ["Schäfer & Söhne", "Schäfer und Söhne"]},
    {"customer_id": "C4", "name": "Yılmaz Lojistik A.Ş.", "aliases": "Yılmaz Lojistik|Yilmaz Lojistik"},
    {"customer_id": "C5", "name": "Kowalski Sp. z o.o.", "aliases": "Kowalski"},
    {"customer_id": "C6", "name": "Technik Service GmbH", "aliases": "Technik|Service"},
    {"customer_id": "C7", "name": "Müller Bau GmbH", "aliases": ""},  # same name, other customer
    {"customer_id": "C8", "name": "Hernández Instalaciones S.L.", "aliases": ""},
]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_customers(ROWS)


def found(gaz: Gazetteer, text: str) -> list[tuple[str, str]]:
    return [(h.customer_id, h.surface) for h in gaz.find(text)]


@pytest.mark.parametrize("surface", ["Müller Bau", "Mueller Bau", "Muller Bau", "MÜLLER BAU", "müller bau"])
def test_spellings_of_one_name(gaz: Gazetteer, surface: str) -> None:
    assert [cid for cid, _ in found(gaz, f"Angebot für {surface}, Hamburg")] == ["C1", "C7"]


def test_longest_match_wins_and_all_owners_are_kept(gaz: Gazetteer) -> None:
    hits = gaz.find("Lieferung an Müller Bau GmbH und Müller Baustoffe AG")
    assert [(h.customer_id, h.surface, h.exact) for h in hits] == [
        ("C1", "Müller Bau GmbH", True),
        ("C7", "Müller Bau GmbH", True),
        ("C2", "Müller Baustoffe AG", True),
    ]
    text = "Lieferung an Müller Bau GmbH"
    assert all(text[h.start : h.end] == h.surface for h in hits[:2])


def test_word_boundaries(gaz: Gazetteer) -> None:
    assert found(gaz, "Müller Bauteile und MüllerBau") == []
    assert found(gaz, "(Kowalski)") == [("C5", "Kowalski")]


def test_short_and_generic_aliases_are_skipped(gaz: Gazetteer) -> None:
    assert found(gaz, "MBS liefert. Der Service und die Technik sind gut.") == []
    assert found(gaz, "Technik Service GmbH") == [("C6", "Technik Service GmbH")]


def test_shortened_names_without_legal_form_are_not_exact(gaz: Gazetteer) -> None:
    hits = gaz.find("Hernandez Instalaciones, Schaefer & Soehne und Yilmaz Lojistik")
    assert [(h.customer_id, h.exact) for h in hits] == [("C8", False), ("C3", True), ("C4", True)]


def test_turkish_and_polish_letters(gaz: Gazetteer) -> None:
    assert found(gaz, "YILMAZ LOJİSTİK A.Ş.") == [("C4", "YILMAZ LOJİSTİK A.Ş.")]


def test_name_keys() -> None:
    assert name_keys("Müller Bau GmbH") == {
        "muller bau gmbh": True,
        "mueller bau gmbh": True,
        "muller bau": False,
        "mueller bau": False,
    }
    assert name_keys("Schmidt GmbH") == {"schmidt gmbh": True}  # not the bare surname
    assert name_keys("AG") == {} and name_keys("Bau") == {} and name_keys("Service GmbH") == {}


def test_empty() -> None:
    assert Gazetteer.from_customers([]).find("Müller Bau") == []
    assert Gazetteer.from_customers(ROWS).find("") == []
