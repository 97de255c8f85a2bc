"""User query text -> `ParsedQuery` (pure).

What users type into the search box, and what it becomes:

- ``"exact phrase"``            -> required phrase (match_phrase; typographic quotes „…“ work too)
- ``kunde:Müller`` / ``customer:K-10234`` / ``kunde:"Müller GmbH"`` -> required customer match
  (customer id, normalised identifier or customer name)
- ``typ:rechnung`` / ``type:invoice``   -> register filter (German labels and plurals mapped to register ids)
- ``nr:RE-2026-0042``           -> required identifier (exact, normalised) — or the literal text
- ``datum:2026-01-01..2026-03-31``, ``datum:01.01.2026..31.03.2026``, ``datum:2026-02``, ``datum:2026``,
  ``datum:>=01.03.2026``, ``datum:..2026-03-31`` -> date range on doc_date
- identifiers in free text (``K-10234``, ``K10234``, ``k 10234``, IBANs with spaces, e-mail addresses)
  -> normalised, matched against the ``ids`` field with a high boost (optional, ranks them first)
- anything else, unknown prefixes (``foo:bar``) and Lucene syntax included -> plain text. The builder only
  uses match/multi_match/match_phrase/term queries, never query_string, so no character can break a query.

Problems are reported as message codes (`domain.errors.Message`) in ``ParsedQuery.messages`` (an invalid date
such as
31.02.2026 is ignored with a message, a 2,000-character query is shortened at a word boundary), never raised.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass

import nlp.identifiers as nlp_ids
from domain.errors import Message
from search.request import DateRange

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 512  # the embedder reads ~256 word pieces; BM25 over more words only adds noise and latency
MAX_TERMS = 64

CUSTOMER_PREFIXES = frozenset({"kunde", "customer", "kd", "kunden", "client"})
TYPE_PREFIXES = frozenset({"typ", "type", "register", "art", "dokumenttyp", "doctype"})
NUMBER_PREFIXES = frozenset({"nr", "no", "number", "nummer", "id"})
DATE_PREFIXES = frozenset({"datum", "date", "am"})
KNOWN_PREFIXES = CUSTOMER_PREFIXES | TYPE_PREFIXES | NUMBER_PREFIXES | DATE_PREFIXES

# user-typed register labels (German first, English ids, plurals) -> register id of indexing.schema.REGISTERS
REGISTER_LABELS: dict[str, str] = {}
for _reg, _labels in {
    "offer": ("angebot", "angebote", "offerte", "offerten", "kostenvoranschlag", "quote", "quotation", "offers"),
    "order": ("auftrag", "aufträge", "auftraege", "bestellung", "bestellungen", "order", "orders"),
    "order_confirmation": (
        "auftragsbestätigung",
        "auftragsbestaetigung",
        "auftragsbestätigungen",
        "bestellbestätigung",
        "ab",
        "orderconfirmation",
    ),
    "delivery_note": ("lieferschein", "lieferscheine", "lieferung", "deliverynote", "delivery", "ls"),
    "invoice": ("rechnung", "rechnungen", "faktura", "invoice", "invoices", "re", "bill"),
    "credit_note": ("gutschrift", "gutschriften", "creditnote", "credit", "gs"),
    "complaint": ("reklamation", "reklamationen", "beschwerde", "beschwerden", "mängelrüge", "complaint", "complaints"),
    "correspondence": ("korrespondenz", "schriftverkehr", "brief", "briefe", "mail", "email", "e-mail", "letter"),
    "contract": ("vertrag", "verträge", "vertraege", "contract", "contracts", "rahmenvertrag"),
    "service": ("service", "wartung", "kundendienst", "serviceauftrag", "servicebericht"),
    "other": ("sonstiges", "sonstige", "andere", "other"),
    "review": ("klärfall", "klärfälle", "klaerfall", "prüfung", "review"),
}.items():
    REGISTER_LABELS[_reg] = _reg
    for _label in _labels:
        REGISTER_LABELS[_label] = _reg


@dataclass(frozen=True)
class ParsedQuery:
    original: str
    text: str  # free text incl. phrase words, without prefixes/quotes: for BM25 and the embedder
    terms: tuple[str, ...] = ()  # free words outside phrases
    phrases: tuple[str, ...] = ()  # required phrases
    identifiers: tuple[str, ...] = ()  # normalised identifiers found in free text (optional, boosted)
    required_ids: tuple[str, ...] = ()  # from nr: (each one required; "a|b" = any of these stored forms)
    customers: tuple[str, ...] = ()  # from kunde: (OR)
    registers: tuple[str, ...] = ()  # from typ: (OR)
    date_range: DateRange | None = None
    messages: tuple[Message, ...] = ()
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        """No text constraint at all: browse (filters, facets, date sort)."""
        return not (self.text or self.required_ids or self.customers)

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())


# ---------------------------------------------------------------------------------------------- identifiers


def normalize_identifier(value: str) -> str:
    """The write side's normaliser (`ids` field contract): lower case, separators removed."""
    return nlp_ids.normalize_identifier(unicodedata.normalize("NFKC", value))


_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_ALNUM_ID = re.compile(r"^(?=[^\s]*\d)(?=[^\s]*[^\W\d_])[^\W_][\w./-]*\w$")  # letters AND digits
_DIGITS_ID = re.compile(r"^\d{5,}$")
# "k 10234", "KD 10234", "RE 2026-0042": a short letter prefix, a space, digits
_SPACED_ID = re.compile(r"(?<![\w-])([^\W\d_]{1,4})[ \t]+(\d[\d./-]{2,}\d)(?![\w-])")
# IBAN with spaces: DE89 3704 0044 0532 0130 00
_SPACED_IBAN = re.compile(r"(?<!\w)([A-Za-z]{2}\d{2}(?:[ \t]?[A-Za-z0-9]{4}){2,7}(?:[ \t]?[A-Za-z0-9]{1,4})?)(?!\w)")


def _identifier_candidates(free_text: str, words: list[str]) -> list[str]:
    found: list[str] = []
    for word in words:
        w = word.strip(".,;:!?()[]{}<>'\"")
        if len(re.sub(r"\W", "", w)) < 4:
            continue
        if _EMAIL.match(w) or _ALNUM_ID.match(w) or _DIGITS_ID.match(w):
            found.append(w)
    for m in _SPACED_ID.finditer(free_text):
        found.append(m.group(1) + m.group(2))
    for m in _SPACED_IBAN.finditer(free_text):
        if " " in m.group(1) or "\t" in m.group(1):
            found.append(m.group(1))
    out: list[str] = []
    for candidate in found:
        for norm in identifier_variants(candidate):
            if len(norm) >= 4 and norm not in out:
                out.append(norm)
    return out


def canonical_identifier(value: str) -> str | None:
    """Display form of a customer/document number ("k10234" -> "K-10234") when it follows our scheme."""
    return nlp_ids.canonical_identifier(value)


def identifier_variants(value: str) -> list[str]:
    """Normalised forms an identifier may be stored under in `ids` ("10234" -> ["10234", "k10234"])."""
    return [v for v in nlp_ids.identifier_variants(unicodedata.normalize("NFKC", value)) if v]


# ---------------------------------------------------------------------------------------------- dates

_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DE_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DE_MONTH = re.compile(r"^(\d{1,2})[./](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


class _BadDate(ValueError):
    pass


def _parse_date_span(value: str) -> tuple[dt.date, dt.date]:
    """A single date expression -> (first day, last day) it covers."""
    value = value.strip()
    try:
        if m := _ISO_DAY.match(value):
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
            return d, d
        if m := _DE_DAY.match(value):
            d = dt.date(int(m[3]), int(m[2]), int(m[1]))
            return d, d
        if m := (_ISO_MONTH.match(value) or None):
            year, month = int(m[1]), int(m[2])
        elif m := _DE_MONTH.match(value):
            year, month = int(m[2]), int(m[1])
        elif m := _YEAR.match(value):
            year = int(m[1])
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        else:
            raise _BadDate(value)
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, 1), dt.date(year, month, last)
    except (ValueError, calendar.IllegalMonthError) as exc:
        raise _BadDate(value) from exc


def parse_date_expression(expr: str) -> DateRange:
    """``a..b``, ``a..``, ``..b``, ``>=a``, ``>a``, ``<=b``, ``<b``, or a single day/month/year. Raises ValueError."""
    expr = expr.strip()
    if ".." in expr and not _DE_DAY.match(expr):
        left, _, right = expr.partition("..")
        gte = _parse_date_span(left)[0] if left.strip() else None
        lte = _parse_date_span(right)[1] if right.strip() else None
        if gte is None and lte is None:
            raise _BadDate(expr)
        if gte and lte and gte > lte:
            gte, lte = lte, gte
        return DateRange("doc_date", gte, lte)
    for op in (">=", "<=", ">", "<"):
        if expr.startswith(op):
            first, last = _parse_date_span(expr[len(op) :])
            if op == ">=":
                return DateRange("doc_date", first, None)
            if op == ">":
                return DateRange("doc_date", last + dt.timedelta(days=1), None)
            if op == "<=":
                return DateRange("doc_date", None, last)
            return DateRange("doc_date", None, first - dt.timedelta(days=1))
    first, last = _parse_date_span(expr)
    return DateRange("doc_date", first, last)


# ---------------------------------------------------------------------------------------------- parser

_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "‟": '"', "″": '"'})
_TOKEN = re.compile(
    r"""
    (?P<key>[^\W\d_][\w-]*):(?:[ \t]*)(?:"(?P<qval>[^"]*)"|(?P<val>[^\s"]+))?   # prefix:value
  | "(?P<phrase>[^"]*)"                                                        # "a phrase"
  | (?P<word>[^\s"]+)                                                          # a word
  | (?P<stray>")                                                               # an unbalanced quote
    """,
    re.VERBOSE,
)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").translate(_QUOTES)
    # control and private-use characters (our highlight markers live there) become spaces
    return "".join(" " if unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"} else ch for ch in text)


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    # never cut inside a quoted phrase in a way that leaves a dangling quote: the tokenizer treats it as stray
    return cut.rstrip()


def parse_query(raw: str | None) -> ParsedQuery:
    original = raw or ""
    text = _clean(original)
    text = " ".join(text.split())
    messages: list[Message] = []
    truncated = False
    if len(text) > MAX_QUERY_CHARS:
        text = _truncate(text, MAX_QUERY_CHARS)
        truncated = True
        messages.append(Message("msg.query_too_long", {"n": len(text), "value": len(text)}))

    free_parts: list[str] = []  # in order: words and phrase texts
    words: list[str] = []
    phrases: list[str] = []
    customers: list[str] = []
    registers: list[str] = []
    required_ids: list[str] = []
    date_range: DateRange | None = None

    for m in _TOKEN.finditer(text):
        if m.group("key") is not None:
            key = m.group("key")
            value = m.group("qval") if m.group("qval") is not None else m.group("val")
            k = key.lower()
            if k not in KNOWN_PREFIXES or value is None or not value.strip():
                # unknown prefix or empty value: plain text (the standard analyzer splits "foo:bar")
                literal = m.group(0).strip().replace('"', " ")
                free_parts.append(literal)
                words.extend(literal.split())
                continue
            value = value.strip()
            if k in CUSTOMER_PREFIXES:
                customers.append(value)
            elif k in TYPE_PREFIXES:
                reg = REGISTER_LABELS.get(value.lower().replace("_", "").replace(" ", "")) or REGISTER_LABELS.get(
                    value.lower()
                )
                if reg is None:
                    messages.append(Message("msg.unknown_type", {"value": value}))
                    free_parts.append(value)
                    words.extend(value.split())
                elif reg not in registers:
                    registers.append(reg)
            elif k in NUMBER_PREFIXES:
                variants = identifier_variants(value)
                if variants:
                    # one required identifier = any of its stored forms
                    required_ids.append("|".join(variants))
                else:
                    messages.append(Message("msg.not_a_number", {"value": value}))
            elif k in DATE_PREFIXES:
                try:
                    rng = parse_date_expression(value)
                except ValueError:
                    messages.append(Message("msg.bad_date", {"value": value}))
                    continue
                if date_range is not None:
                    rng = _intersect(date_range, rng)
                date_range = rng
        elif m.group("phrase") is not None:
            phrase = " ".join(m.group("phrase").split())
            if phrase:
                if len(phrase.split()) == 1:
                    words.append(phrase)  # a quoted single word is just a word (exact match on text anyway)
                else:
                    phrases.append(phrase)
                free_parts.append(phrase)
        elif m.group("word") is not None:
            words.append(m.group("word"))
            free_parts.append(m.group("word"))
        # stray quotes are dropped

    if len(words) > MAX_TERMS:
        words = words[:MAX_TERMS]
        messages.append(Message("msg.too_many_words", {"value": MAX_TERMS, "n": MAX_TERMS}))
    free_text = " ".join(free_parts)
    required_forms = {form for r in required_ids for form in r.split("|")}
    identifiers = [i for i in _identifier_candidates(free_text, words) if i not in required_forms]
    return ParsedQuery(
        original=original,
        text=free_text,
        terms=tuple(words),
        phrases=tuple(dict.fromkeys(phrases)),
        identifiers=tuple(identifiers),
        required_ids=tuple(dict.fromkeys(required_ids)),
        customers=tuple(dict.fromkeys(customers)),
        registers=tuple(registers),
        date_range=date_range,
        messages=tuple(messages),
        truncated=truncated,
    )


def _intersect(a: DateRange, b: DateRange) -> DateRange:
    gte = max((x for x in (a.gte, b.gte) if x is not None), default=None, key=str)
    lte = min((x for x in (a.lte, b.lte) if x is not None), default=None, key=str)
    return DateRange("doc_date", gte, lte)
