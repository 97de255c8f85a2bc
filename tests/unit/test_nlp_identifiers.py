"""nlp.identifiers: one normal form for identifiers on the write and the read side."""

from __future__ import annotations

import pytest

from nlp.identifiers import (
    canonical_identifier,
    identifier_variants,
    looks_like_identifier,
    normalize_identifier,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("K-10234", "k10234"),
        ("K10234", "k10234"),
        ("k 10234", "k10234"),
        ("K.10234", "k10234"),
        ("RE-2026-00123", "re202600123"),
        ("RE 2026/00123", "re202600123"),
        ("DE89 3704 0044 0532 0130 00", "de89370400440532013000"),
        ("  AB–2026–00078 ", "ab202600078"),  # en dashes from word processors
        ("Info@Mueller-Bau.de", "info@mueller-bau.de"),  # e-mail addresses keep their dots
    ],
)
def test_normalize_identifier(raw: str, expected: str) -> None:
    assert normalize_identifier(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("k10234", "K-10234"),
        ("10234", "K-10234"),
        ("re2026 123", "RE-2026-00123"),
        ("VT-2026-12", "VT-2026-0012"),
        ("ls2026-00456", "LS-2026-00456"),
        ("Müller", None),
        ("123456", None),
    ],
)
def test_canonical_identifier(raw: str, expected: str | None) -> None:
    assert canonical_identifier(raw) == expected


def test_identifier_variants_cover_bare_customer_numbers_and_short_serials() -> None:
    assert identifier_variants("10234") == ["10234", "k10234"]
    assert identifier_variants("K-10234") == ["k10234"]
    assert identifier_variants("RE 2026 123") == ["re2026123", "re202600123"]


@pytest.mark.parametrize(
    ("token", "expected"),
    [("K-10234", True), ("10234", True), ("RE-2026-00123", True), ("Rechnung", False), ("2026", False)],
)
def test_looks_like_identifier(token: str, expected: bool) -> None:
    assert looks_like_identifier(token) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+49 (0)89 123456-7", "+49891234567"),
        ("0049 89 1234567", "+49891234567"),
        ("089 1234567", "+49891234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("12345", None),
        ("+49 1", None),
    ],
)
def test_normalize_phone(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected
