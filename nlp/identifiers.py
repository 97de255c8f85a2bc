"""Identifier normalisation shared by the write side (`ids` field) and the query side.

OCR and people write `K-10234`, `K10234`, `k 10234` or `K.10234`: all become `k10234`.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015./\\_:#]+")

# Prefixes of our document numbers (`RE-2026-00123`) and the entity kind each one files under.
DOC_PREFIX_KIND: dict[str, str] = {
    "AN": "offer_number",
    "AU": "order_number",
    "AB": "order_number",  # order confirmation: same order, kept apart in Entities.doc_numbers["AB"]
    "LS": "delivery_number",
    "RE": "invoice_number",
    "GS": "invoice_number",  # credit note
    "RK": "complaint_number",  # no ENTITY_KINDS slot: only in doc_numbers and ids
    "VT": "contract_number",  # idem
}

_DOC_NUMBER = re.compile(r"^(AN|AU|AB|LS|RE|GS|RK|VT)(20\d{2})(\d{1,6})$", re.IGNORECASE)
_CUSTOMER_NUMBER = re.compile(r"^K?(\d{5})$", re.IGNORECASE)


def normalize_identifier(s: str) -> str:
    """Lower case without spaces, dashes, dots, slashes: "K-10234", "K10234", "k 10234" → "k10234".

    E-mail addresses are only lower-cased and trimmed ("Info@Mueller-Bau.de" → "info@mueller-bau.de").
    """
    s = s.strip()
    if "@" in s and " " not in s:
        return s.strip(".,;:<>()[]\"'").lower()
    return _SEPARATORS.sub("", s).lower()


def format_customer_number(digits: str) -> str:
    """Canonical display form of a customer number: "10234" → "K-10234"."""
    return f"K-{digits}"


def format_doc_number(prefix: str, year: str, serial: str) -> str:
    """Canonical display form of a document number: ("re", "2026", "123") → "RE-2026-00123"."""
    width = 4 if prefix.upper() == "VT" else 5
    return f"{prefix.upper()}-{year}-{serial.zfill(width)}"


def canonical_identifier(s: str) -> str | None:
    """Display form of a customer or document number written any way ("re2026 00123" → "RE-2026-00123")."""
    norm = normalize_identifier(s)
    m = _DOC_NUMBER.match(norm)
    if m:
        return format_doc_number(m.group(1), m.group(2), m.group(3))
    m = _CUSTOMER_NUMBER.match(norm)
    if m and (norm.startswith("k") or len(norm) == 5):
        return format_customer_number(m.group(1))
    return None


def looks_like_identifier(token: str) -> bool:
    """True for tokens worth an exact `ids` lookup: letters and digits mixed, or five or more digits."""
    norm = normalize_identifier(token)
    if len(norm) < 4:
        return False
    digits = sum(c.isdigit() for c in norm)
    return digits >= 5 or (digits >= 2 and any(c.isalpha() for c in norm))


def identifier_variants(query_token: str) -> list[str]:
    """Normalised forms a query token may be stored under in `ids` (first: the plain normalisation).

    "10234" → ["10234", "k10234"] (a bare customer number), "RE 2026 123" → ["re2026123", "re202600123"].
    """
    norm = normalize_identifier(query_token)
    variants = [norm]
    canonical = canonical_identifier(query_token)
    if canonical is not None:
        variants.append(normalize_identifier(canonical))
    out: list[str] = []
    for v in variants:
        if v and v not in out:
            out.append(v)
    return out


def normalize_phone(s: str, default_country: str = "49") -> str | None:
    """E.164-like digits: "+49 (0)89 123456-7", "0049 89 1234567", "089 1234567" → "+49891234567".

    National numbers (leading 0) get `default_country`. None for fewer than 7 or more than 15 digits.
    """
    raw = s.strip().replace("(0)", "")
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        number = digits
    elif digits.startswith("00"):
        number = digits[2:]
    elif digits.startswith("0"):
        number = default_country + digits[1:]
    else:
        return None
    if not 7 <= len(number) <= 15:
        return None
    return "+" + number
