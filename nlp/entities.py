"""Entity extraction: identifiers, contact data, amounts, dates, persons and organisations.

Rules (regular expressions) do the work; identifiers with check digits (IBAN, VAT id) are validated with
python-stdnum and dropped when invalid. Person and organisation names come from salutations and legal
forms in every language, plus spaCy's `en_core_web_sm` NER for English text when it is installed.

Values are canonical display forms (`K-10234`, `RE-2026-00123`, `DE89370400440532013000`,
`+49891234567`, `1234.56 EUR`, `2026-11-20`); `all_ids` gives their normalised forms for the `ids` field.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from nlp.folding import fold
from nlp.identifiers import (
    DOC_PREFIX_KIND,
    format_customer_number,
    format_doc_number,
    normalize_identifier,
    normalize_phone,
)

ENTITY_KINDS = (  # the index's `entities.<kind>` fields (indexing.schema imports this tuple)
    "customer_number",
    "order_number",
    "invoice_number",
    "delivery_number",
    "offer_number",
    "iban",
    "vat_id",
    "email",
    "phone",
    "amount",
    "date",
    "person",
    "org",
)
# Kinds that make sense as "<kind>:<value>" facet entries (amounts and dates have their own fields).
FACET_KINDS = tuple(k for k in ENTITY_KINDS if k not in ("amount", "date"))
_ID_KINDS = (
    "customer_number",
    "order_number",
    "invoice_number",
    "delivery_number",
    "offer_number",
    "iban",
    "vat_id",
    "email",
    "phone",
)
_NER_HEAD_CHARS = 3000  # NER costs ~0.15 ms per word: letterhead, salutation and the signature only
_NER_TAIL_CHARS = 1000


@dataclass(frozen=True, slots=True)
class EntityHit:
    """One occurrence in the text: kind, canonical value, where it was found."""

    kind: str
    value: str
    start: int
    end: int
    surface: str
    page: int | None = None
    prefix: str | None = None  # document-number prefix (RE, AB, …)
    labelled: bool = False  # found after a label ("Kundennummer:", "Gesamtbetrag")


@dataclass(frozen=True, slots=True)
class Amount:
    value: float
    currency: str

    def key(self) -> str:
        return f"{self.value:.2f} {self.currency}"


@dataclass(slots=True)
class Entities:
    """Per kind the canonical, de-duplicated values in order of first occurrence, plus every hit."""

    customer_number: list[str] = field(default_factory=list)
    order_number: list[str] = field(default_factory=list)
    invoice_number: list[str] = field(default_factory=list)
    delivery_number: list[str] = field(default_factory=list)
    offer_number: list[str] = field(default_factory=list)
    iban: list[str] = field(default_factory=list)
    vat_id: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)
    amount: list[str] = field(default_factory=list)
    date: list[str] = field(default_factory=list)
    person: list[str] = field(default_factory=list)
    org: list[str] = field(default_factory=list)
    doc_numbers: dict[str, list[str]] = field(default_factory=dict)  # prefix → numbers, all 8 prefixes
    amounts: list[Amount] = field(default_factory=list)
    total_amount: Amount | None = None
    hits: list[EntityHit] = field(default_factory=list)

    def values(self, kind: str) -> list[str]:
        if kind not in ENTITY_KINDS:
            raise KeyError(kind)
        result: list[str] = getattr(self, kind)
        return result

    def by_kind(self) -> dict[str, list[str]]:
        """Non-empty kinds → values, the shape of the index field `entities`."""
        return {k: list(v) for k in ENTITY_KINDS if (v := self.values(k))}

    def hits_for(self, kind: str, value: str | None = None) -> list[EntityHit]:
        return [h for h in self.hits if h.kind == kind and (value is None or h.value == value)]

    def first_hit(self, kind: str, value: str | None = None) -> EntityHit | None:
        found = self.hits_for(kind, value)
        return found[0] if found else None


def entity_facets(entities: Entities) -> list[str]:
    """ "<kind>:<value>" strings for the facet field (identifiers, contacts, persons, organisations)."""
    return [f"{kind}:{v}" for kind in FACET_KINDS for v in entities.values(kind)]


def all_ids(entities: Entities) -> list[str]:
    """Normalised identifiers (lower case, no separators) for the `ids` keyword field."""
    seen: dict[str, None] = {}
    for kind in _ID_KINDS:
        for v in entities.values(kind):
            seen.setdefault(normalize_identifier(v), None)
    for numbers in entities.doc_numbers.values():
        for v in numbers:
            seen.setdefault(normalize_identifier(v), None)
    return [k for k in seen if k]


# --------------------------------------------------------------------------- patterns

_CUSTOMER_LABEL = (
    r"(?:Kundennummer|Kunden-?Nr\.?|Kundennr\.?|Kd\.?\s?-?\s?Nr\.?"
    r"|Customer\s+(?:no\.?|number|ID|#)|Cust\.?\s*no\.?|Account\s+(?:no\.?|number)"
    r"|N\.?\s?[º°o]\.?\s*(?:de\s+)?cliente|N[úu]m(?:ero|\.)?\s+de\s+cliente|Cliente\s+n\.?\s?[º°o]\.?"
    r"|Müşteri\s+(?:No\.?|numarası|numarasi|numaramız|numaramiz|kodu)"
    r"|Numer(?:em)?\s+klienta|Nr\.?\s+(?:klienta|kl\.))"
)
# "Kundennummer: K-10234", "Kd.-Nr. 10234", "Unsere Kundennummer lautet 10234", "Our customer number is 10234";
# right after a label, OCR's stray space inside the digits is tolerated ("Nr klienta: K-9 7676")
_FIVE_DIGITS_OCR = r"(\d{5}|\d[ ]\d{4}|\d{2}[ ]\d{3}|\d{3}[ ]\d{2}|\d{4}[ ]\d)"
_CUSTOMER_LABELLED = re.compile(
    _CUSTOMER_LABEL
    + r"[ \t]*[:.#]?[ \t]*(?:(?:lautet|ist|is|es|to|bei\s+Ihnen:?)[ \t]+)?(?:K[ \t]?[-.]?[ \t]?)?"
    + _FIVE_DIGITS_OCR
    + r"(?![\d])",
    re.IGNORECASE,
)
_CUSTOMER_LABEL_ONLY = re.compile(_CUSTOMER_LABEL + r"(?![\w])", re.IGNORECASE)
# a table cell holding nothing but a five-digit number (not a postcode: those share a line with the city)
_DETACHED_NUMBER = re.compile(r"(?m)^[ \t]*(\d{5})[ \t]*$")
_DETACHED_WINDOW = 300
_CUSTOMER_BARE = re.compile(r"(?<![\w\-/])K[ \-.]?(\d{5})(?![\d])")
_DOC_NUMBER = re.compile(r"(?<![\w\-/])(AN|AU|AB|LS|RE|GS|RK|VT)[ \-./]?(20\d{2})[ \-./]?(\d{3,6})(?!\d)")
_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32})")
_VAT_COUNTRIES = "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI|GB|TR"
_VAT = re.compile(r"(?<![A-Za-z0-9])(" + _VAT_COUNTRIES + r")((?:[ \-.]?[0-9A-Z]){8,12})(?![A-Za-z0-9])")
_EMAIL = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w])"
)
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ \-/]?\(0\))?(?:[ \-/]?\(?\d+\)?){2,6}")
_PHONE_LABELLED = re.compile(
    r"(?:Tel(?:efon|éfono|efono|\.)?|Phone|Fon|Mobil(?:e|telefon)?|Handy|Fax|Telefaks|Tlf\.?|GSM|Kom\.?)"
    r"\s*[:.]?\s*(0\d{1,5}(?:[ \-/]{1,3}\d{2,8}){0,4})(?![\d])",
    re.IGNORECASE,
)

_CURRENCY = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "$": "USD", "usd": "USD", "us$": "USD", "£": "GBP",
    "gbp": "GBP", "chf": "CHF", "pln": "PLN", "zł": "PLN", "zl": "PLN", "try": "TRY", "tl": "TRY",
    "₺": "TRY",
}  # fmt: skip
_CUR = r"(?:€|EUR|Euro|EURO|US\$|\$|USD|£|GBP|CHF|PLN|zł|TRY|TL|₺)"
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_NUM_PL = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d{1,2})?|" + _NUM
_AMOUNT = re.compile(rf"(?<![\w.,])(?:(?P<c1>{_CUR})\s?(?P<n1>{_NUM})(?![\d])|(?P<n2>{_NUM})\s?(?P<c2>{_CUR})(?![\w]))")
_AMOUNT_PL = re.compile(
    rf"(?<![\w.,])(?:(?P<c1>{_CUR})\s?(?P<n1>{_NUM_PL})(?![\d])|(?P<n2>{_NUM_PL})\s?(?P<c2>{_CUR})(?![\w]))"
)
_TOTAL_STRONG = (
    r"gesamtbetrag|rechnungsbetrag|endbetrag|bruttobetrag|zahlbetrag|gesamtsumme|summe brutto|brutto gesamt"
    r"|gesamt brutto|zu zahlen|total amount|grand total|amount due|total due|total payable|invoice total"
    r"|importe total|total a pagar|total factura|genel toplam|odenecek tutar|toplam tutar|do zaplaty"
    r"|suma brutto|wartosc brutto|kwota do zaplaty|total \(gross\)|total gross|total brutto"
)
_TOTAL_WEAK = r"total|summe|gesamt|toplam|razem|suma|betrag"
_TOTAL_LABEL = re.compile(rf"\b(?:(?P<strong>{_TOTAL_STRONG})|(?P<weak>{_TOTAL_WEAK}))\b")
_TOTAL_EXCLUDE = re.compile(r"\b(?:netto|net|neto|mwst|ust|vat|kdv|iva|vat|tax|steuer|podatek)\b")

_MONTHS: dict[str, int] = {}
for _month, _month_names in enumerate(
    (
        "januar jaenner janner january jan enero ocak stycznia styczen",
        "februar february feb febrero subat lutego luty",
        "marz maerz march mar marzo mart marca marzec",
        "april apr abril nisan kwietnia kwiecien",
        "mai may mayo mayis maja maj",
        "juni june jun junio haziran czerwca czerwiec",
        "juli july jul julio temmuz lipca lipiec",
        "august aug agosto agustos sierpnia sierpien",
        "september sep sept septiembre setiembre eylul wrzesnia wrzesien",
        "oktober october okt oct octubre ekim pazdziernika pazdziernik",
        "november nov noviembre kasim listopada listopad",
        "dezember december dez dec diciembre aralik grudnia grudzien",
    ),
    start=1,
):
    for _name in _month_names.split():
        _MONTHS[_name] = _month
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_DOTTED = re.compile(r"(?<![\d.,])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?![\d]|\.\d)")
_DATE_SLASH = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_DATE_ISO = re.compile(r"(?<![\d\-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
# matched against the folded text (same offsets): "20. november 2026", "20 de noviembre de 2026"
_DATE_DAY_MONTH = re.compile(
    rf"(?<![\d.])(\d{{1,2}})(?:st|nd|rd|th)?\.?\s*(?:de\s+)?({_MONTH_RE})\.?,?\s*(?:de\s+)?(\d{{4}})(?!\d)"
)
_DATE_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)")

_UP = "A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻÇŞĞİŠČŽ"
_LO = "a-zß-öø-ÿąćęłńóśźżçşğıšečž"
_NAME_WORD = rf"[{_UP}][{_LO}]+(?:-[{_UP}][{_LO}]+)?"
_PERSON = re.compile(
    rf"\b(?:Herrn?|Frau|Mr\.?|Mrs\.?|Ms\.?|Sr\.|Sra\.|Don|Doña|Pan|Pani|Pana|Sayın)"
    rf"[ \t]+(?:(?:Dr|Prof|Dipl\.-Ing|Ing)\.[ \t]+)*({_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}})"
)
_PERSON_TR = re.compile(rf"\b({_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)[ \t]+(?:Bey|Hanım)\b")
_LEGAL_FORM = (
    r"GmbH[ \t]*&[ \t]*Co\.?[ \t]*KG|gGmbH|GmbH|AG|KGaA|KG|OHG|GbR|e\.[ \t]?K\.|e\.[ \t]?V\."
    r"|UG(?:[ \t]*\(haftungsbeschränkt\))?"
    r"|SE|Ltd\.?|Limited|LLC|Inc\.?|PLC|plc|S\.[ \t]?L\.(?:U\.)?|S\.[ \t]?A\.|S\.L\.U\.|SL|SA"
    r"|Sp\.[ \t]?z[ \t]?o\.[ \t]?o\.|S\.A\.|A\.[ \t]?Ş\.|Ltd\.[ \t]?Şti\."
)
_ORG_WORD = rf"(?:[{_UP}][\w&.'\-]*|\d+[{_UP}{_LO}][\w&.'\-]*|&|und|and|y|ve|i)"
_ORG = re.compile(rf"(?<![\w])({_ORG_WORD}(?:[ \t]+{_ORG_WORD}){{0,4}})[ \t]+({_LEGAL_FORM})(?![\w])")
_ORG_STOP = {"und", "and", "y", "ve", "i", "&"}


# --------------------------------------------------------------------------- helpers


def _page(offsets: Sequence[int] | None, pos: int) -> int | None:
    if not offsets:
        return None
    return max(1, bisect.bisect_right(offsets, pos))


class _SpanSet:
    """Answers "does [start, end) overlap any span?" in O(log n)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end: list[int] = []
        best = -1
        for _, e in ordered:
            best = max(best, e)
            self._max_end.append(best)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._starts, end)  # spans starting before `end`
        return i > 0 and self._max_end[i - 1] > start


def _parse_number(s: str) -> float | None:
    s = s.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    last_dot, last_comma = s.rfind("."), s.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        dec = "." if last_dot > last_comma else ","
        thousands = "," if dec == "." else "."
        s = s.replace(thousands, "").replace(dec, ".")
    elif last_comma >= 0:
        thousands_only = s.count(",") > 1 or len(s) - last_comma - 1 == 3  # "1,234" / "1,234,567"
        s = s.replace(",", "") if thousands_only else s.replace(",", ".")
    elif last_dot >= 0 and (len(s) - last_dot - 1 == 3 or s.count(".") > 1):
        s = s.replace(".", "")  # "1.234" / "1.234.567"
    try:
        return float(s)
    except ValueError:
        return None


def _valid_date(y: int, m: int, d: int) -> str | None:
    if y < 100:
        y += 2000
    if not 1950 <= y <= 2100:
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _longest_valid(compact: str, check: Any, min_len: int, lengths: Sequence[int] | None = None) -> str | None:
    """The longest prefix of `compact` that `check` accepts (regexes may run into the next word)."""
    for end in lengths or range(len(compact), min_len - 1, -1):
        if end <= len(compact) and check(compact[:end]):
            return compact[:end]
    return None


_IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
    "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24, "TR": 26,
}  # fmt: skip


def _iban_ok(s: str) -> bool:
    from stdnum import iban

    return bool(iban.is_valid(s))


def _vat_ok(s: str) -> bool:
    if s.startswith("GB"):
        from stdnum.gb import vat as gb_vat

        return bool(gb_vat.is_valid(s))
    if s.startswith("TR"):
        from stdnum.tr import vkn

        return bool(vkn.is_valid(s[2:]))
    from stdnum.eu import vat

    return bool(vat.is_valid(s))


@lru_cache(maxsize=1)
def _english_ner() -> Any | None:
    """en_core_web_sm with only tok2vec + ner, or None when the package is not installed."""
    try:
        import en_core_web_sm  # type: ignore[import-untyped]

        return en_core_web_sm.load(exclude=["parser", "lemmatizer", "attribute_ruler", "tagger", "senter"])
    except (ImportError, OSError, ValueError):
        return None


def _clean_name(s: str, keep_dot: bool = False) -> str:
    return " ".join(s.split()).strip(" ,;:" if keep_dot else " ,.;:")


# --------------------------------------------------------------------------- extraction


class _Collector:
    def __init__(self, text: str, page_offsets: Sequence[int] | None) -> None:
        self.text = text
        self.offsets = page_offsets
        self.hits: list[EntityHit] = []
        self.blocked: list[tuple[int, int]] = []

    def add(
        self, kind: str, value: str, start: int, end: int, *, prefix: str | None = None, labelled: bool = False
    ) -> EntityHit:
        hit = EntityHit(kind, value, start, end, self.text[start:end], _page(self.offsets, start), prefix, labelled)
        self.hits.append(hit)
        return hit

    def spans(self, *kinds: str) -> _SpanSet:
        return _SpanSet([(h.start, h.end) for h in self.hits if h.kind in kinds] + self.blocked)


def _customer_numbers(c: _Collector) -> None:
    labelled_at: set[int] = set()
    for m in _CUSTOMER_LABELLED.finditer(c.text):
        digits = m.group(1).replace(" ", "")
        c.add("customer_number", format_customer_number(digits), m.start(1), m.end(1), labelled=True)
        labelled_at.add(m.start())
    taken = c.spans("customer_number")
    for m in _CUSTOMER_BARE.finditer(c.text):
        if not taken.overlaps(m.start(), m.end()):
            c.add("customer_number", format_customer_number(m.group(1)), m.start(), m.end())
    # table layouts put the label and its value in different cells: "Kd.-Nr. | Ihre Bestellung | … | 82973"
    taken = c.spans("customer_number")
    for m in _CUSTOMER_LABEL_ONLY.finditer(c.text):
        if m.start() in labelled_at:
            continue
        cell = _DETACHED_NUMBER.search(c.text, m.end(), min(len(c.text), m.end() + _DETACHED_WINDOW))
        if cell is not None and not taken.overlaps(cell.start(1), cell.end(1)):
            c.add("customer_number", format_customer_number(cell.group(1)), cell.start(1), cell.end(1), labelled=True)


def _doc_numbers(c: _Collector) -> None:
    for m in _DOC_NUMBER.finditer(c.text):
        prefix = m.group(1)
        value = format_doc_number(prefix, m.group(2), m.group(3))
        c.add(DOC_PREFIX_KIND[prefix], value, m.start(), m.end(), prefix=prefix)


def _ibans_and_vat(c: _Collector) -> None:
    for m in _IBAN.finditer(c.text):
        compact = m.group(1).replace(" ", "")
        known = _IBAN_LENGTHS.get(compact[:2])
        value = _longest_valid(compact, _iban_ok, 15, [known] if known else None)
        if value is None:
            c.blocked.append((m.start(1), m.end(1)))  # an invalid IBAN is not a phone number either
            continue
        # map the compact length back to an end offset in the text
        end, seen = m.start(1), 0
        while seen < len(value):
            if c.text[end] != " ":
                seen += 1
            end += 1
        c.add("iban", value, m.start(1), end)
    taken = c.spans("iban")
    for m in _VAT.finditer(c.text):
        if taken.overlaps(m.start(), m.end()):
            continue
        body = re.sub(r"[ \-.]", "", m.group(2))
        if sum(ch.isdigit() for ch in body) < 7:
            continue
        value = _longest_valid(m.group(1) + body, _vat_ok, 10)
        if value is not None:
            c.add("vat_id", value, m.start(), m.end())


def _contacts(c: _Collector) -> None:
    for m in _EMAIL.finditer(c.text):
        c.add("email", m.group(0).lower().rstrip("."), m.start(), m.end())
    taken = c.spans("iban", "vat_id", "email", "customer_number", "order_number", "invoice_number")
    for m in _PHONE_INTL.finditer(c.text):
        if taken.overlaps(m.start(), m.end()):
            continue
        phone = normalize_phone(m.group(0))
        if phone:
            c.add("phone", phone, m.start(), m.end())
    taken = c.spans("iban", "phone")
    for m in _PHONE_LABELLED.finditer(c.text):
        if taken.overlaps(m.start(1), m.end(1)):
            continue
        phone = normalize_phone(m.group(1))
        if phone:
            c.add("phone", phone, m.start(1), m.end(1), labelled=True)


def _amounts(c: _Collector, folded: str, lang: str) -> Amount | None:
    taken = c.spans("iban", "vat_id", "phone", "customer_number", "order_number", "invoice_number",
                    "delivery_number", "offer_number")  # fmt: skip
    pattern = _AMOUNT_PL if lang == "pl" else _AMOUNT
    best: tuple[int, int, Amount] | None = None  # (label strength, position, amount)
    prev_end = 0
    for m in pattern.finditer(c.text):
        if taken.overlaps(m.start(), m.end()):
            continue
        num = m.group("n1") or m.group("n2")
        cur = (m.group("c1") or m.group("c2")).lower()
        value = _parse_number(num)
        if value is None:
            continue
        amount = Amount(value, _CURRENCY.get(cur, cur.upper()))
        strength = _total_label(folded, prev_end, m.start())
        prev_end = m.end()
        c.add("amount", amount.key(), m.start(), m.end(), labelled=strength > 0)
        if strength and (best is None or strength >= best[0]):
            best = (strength, m.start(), amount)
    return best[2] if best else None


def _total_label(folded: str, prev_end: int, start: int) -> int:
    """2 for a strong total label just before the amount, 1 for a weak one, else 0."""
    window_start = max(prev_end, start - 60)
    window = folded[window_start:start]
    last = None
    for m in _TOTAL_LABEL.finditer(window):
        last = m
    if last is None:
        return 0
    gap = window[last.end() :]
    # label and amount on one line or the next; or in the next element (PDF table cells are elements of
    # their own, joined by a blank line: "Gesamtbetrag\n\n15.446,53 EUR") with nothing else between them
    if (gap.count("\n") > 1 and gap.strip(" \t\n:")) or _TOTAL_EXCLUDE.search(gap):
        return 0
    if last.group("weak") and _TOTAL_EXCLUDE.search(window[max(0, last.start() - 15) : last.start()]):
        return 0  # "Netto-Summe", "net total"
    return 2 if last.group("strong") else 1


def _dates(c: _Collector, folded: str, lang: str) -> None:
    taken = c.spans("iban", "vat_id", "phone", "amount", "order_number", "invoice_number", "delivery_number",
                    "offer_number")  # fmt: skip
    found: list[tuple[int, int, str]] = []
    for m in _DATE_DOTTED.finditer(c.text):
        iso = _valid_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _DATE_SLASH.finditer(c.text):
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        iso = _valid_date(y, a, b) if lang == "en" and a <= 12 and b > 12 else _valid_date(y, b, a)
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _DATE_ISO.finditer(c.text):
        iso = _valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _DATE_DAY_MONTH.finditer(folded):
        iso = _valid_date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _DATE_MONTH_DAY.finditer(folded):
        iso = _valid_date(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
        if iso:
            found.append((m.start(), m.end(), iso))
    last_end = -1
    for start, end, iso in sorted(found):
        if start >= last_end and not taken.overlaps(start, end):
            c.add("date", iso, start, end)
            last_end = end


def _names(c: _Collector, lang: str) -> None:
    for m in _PERSON.finditer(c.text):
        c.add("person", _clean_name(m.group(1)), m.start(1), m.end(1))
    if lang == "tr":
        for m in _PERSON_TR.finditer(c.text):
            c.add("person", _clean_name(m.group(1)), m.start(1), m.end(1))
    for m in _ORG.finditer(c.text):
        words = m.group(1).split()
        while words and words[0] in _ORG_STOP:
            words.pop(0)
        if not words:
            continue
        start = m.start(1) + m.group(1).find(words[0])
        c.add("org", _clean_name(c.text[start : m.end(2)], keep_dot=True), start, m.end(2))
    if lang == "en":
        nlp = _english_ner()
        if nlp is None:
            return
        taken = _SpanSet((h.start, h.end) for h in c.hits)
        segments = [(0, c.text[:_NER_HEAD_CHARS])]
        tail_start = max(_NER_HEAD_CHARS, len(c.text) - _NER_TAIL_CHARS)
        if tail_start < len(c.text):
            segments.append((tail_start, c.text[tail_start:]))
        for offset, segment in segments:
            for ent in nlp(segment).ents:
                kind = {"PERSON": "person", "ORG": "org"}.get(ent.label_)
                name = _clean_name(ent.text, keep_dot=kind == "org")
                start, end = offset + ent.start_char, offset + ent.end_char
                if kind and sum(ch.isalpha() for ch in name) >= 3 and not taken.overlaps(start, end):
                    c.add(kind, name, start, end)


def extract_entities(text: str, lang: str, page_offsets: Sequence[int] | None = None) -> Entities:
    """All entities in `text`. `page_offsets[i]` is the character offset where page i+1 starts."""
    c = _Collector(text, page_offsets)
    folded = fold(text)
    _customer_numbers(c)
    _doc_numbers(c)
    _ibans_and_vat(c)
    _contacts(c)
    total = _amounts(c, folded, lang)
    _dates(c, folded, lang)
    _names(c, lang)

    c.hits.sort(key=lambda h: (h.start, h.end))
    ents = Entities(hits=c.hits, total_amount=total)
    for hit in c.hits:
        if hit.prefix is not None:
            numbers = ents.doc_numbers.setdefault(hit.prefix, [])
            if hit.value not in numbers:
                numbers.append(hit.value)
        if hit.kind in ENTITY_KINDS:
            values = ents.values(hit.kind)
            if hit.value not in values:
                values.append(hit.value)
    seen: set[str] = set()
    for hit in c.hits:
        if hit.kind == "amount" and hit.value not in seen:
            seen.add(hit.value)
            value, currency = hit.value.split(" ")
            ents.amounts.append(Amount(float(value), currency))
    return ents
