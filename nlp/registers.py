"""Document-class rules: which register (Rechnung, Angebot, Reklamation, …) a document belongs to.

Keywords cover de/en/es/tr/pl at once (matched on folded text, so "Şikâyet" = "sikayet"). Pseudo groups
win the same contests and then map to a register: inquiries and phone notes → correspondence, price lists
and marketing (newsletters, trade-fair invitations, seminars) → other. Signals, strongest first:

Documents (PDF, Office, scans) — the text first, because extracted PDF titles are often the letterhead
("Antriebs- und Steuerungstechnik · Service · Ersatzteile"):
1. a heading above salutation and line-item table ("Rechnung", "Servicebericht – 05.12.2025",
   "Angebot AN-2025-00344 Überarbeitete Fassung …"); field labels ("Lieferschein-Nr.") and possessives
   ("Siparişiniz" = your order) are not headings;
2. a document number right after its own label, also across layout cells ("Rechnungs-Nr.\n\nRE-…");
   of several the most downstream (RK > GS > RE > LS > AB > AU > VT > AN: an invoice quotes its order,
   not vice versa); a number after "Ihre/Your/Su/zu/gemäß …" is a reference, not a label;
3. a register word in the title (earliest wins; complaint words beat the words of the documents a
   complaint is about, e.g. "Reklamation zu Rechnung RE-…", except a credit note's own title);
4. a document number in the title or file name; 5. complaint words in the body; 6. the most downstream
   document number anywhere; 7. a register word before the salutation; 8. newsletter → other,
   letter → correspondence, else other.

E-mails (`subject` is not None):
1. a register word in the subject — but a question about a document ("Rückfrage zu Lieferung und
   Rechnung") is correspondence; 2. complaint words in the body (an e-mail that mentions an invoice
   number while complaining is a complaint); 3. a document number in the subject; 4. newsletter → other;
   5. correspondence. A mail that merely quotes "RE-2026-00123" is not itself an invoice.

Price lists are filed as "other": they are not a step of one customer's business process.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nlp.folding import fold

REGISTER_IDS = (
    "offer",
    "order",
    "order_confirmation",
    "delivery_note",
    "invoice",
    "credit_note",
    "complaint",
    "correspondence",
    "contract",
    "service",
    "other",
)
PREFIX_REGISTER = {
    "AN": "offer",
    "AU": "order",
    "AB": "order_confirmation",
    "LS": "delivery_note",
    "RE": "invoice",
    "GS": "credit_note",
    "RK": "complaint",
    "VT": "contract",
}
DOWNSTREAM = ("RK", "GS", "RE", "LS", "AB", "AU", "VT", "AN")
REGISTER_LABEL_DE = {
    "offer": "Angebot",
    "order": "Auftrag",
    "order_confirmation": "Auftragsbestätigung",
    "delivery_note": "Lieferschein",
    "invoice": "Rechnung",
    "credit_note": "Gutschrift",
    "complaint": "Reklamation",
    "correspondence": "Korrespondenz",
    "contract": "Vertrag",
    "service": "Service",
    "other": "Sonstiges",
}

# Keyword patterns, written folded (lower case, no diacritics). "inquiry" and "note" file as
# correspondence, "pricelist" as other; they exist so that their words win the "earliest word" contest.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "credit_note": (
        r"gutschrift\w*", r"credit notes?", r"credit memo", r"nota de credito", r"nota de abono", r"abono",
        r"factura rectificativa", r"alacak dekontu", r"iade faturasi", r"faktura korygujaca", r"nota kredytowa",
        r"korekta faktury",
    ),
    "order_confirmation": (
        r"auftragsbestatigung\w*", r"bestellbestatigung\w*", r"order confirmation", r"order acknowledge?ment",
        r"confirmacion del? pedido", r"siparis onayi", r"potwierdzenie zamowienia",
    ),
    "complaint": (
        r"reklamation\w*", r"beschwerde\w*", r"mangelruge", r"beanstandung\w*", r"transportschaden\w*",
        r"lieferverzug", r"uberfallig", r"beschadigt\w*", r"preisdifferenz\w*",
        r"falsche[rn]? (?:betrag|preis|lieferung|ware|rechnungsbetrag)",
        r"complaint", r"complaints", r"damaged goods", r"late delivery", r"overdue", r"incorrect amount",
        r"wrong (?:amount|price|delivery|goods)",
        r"reclamacion\w*", r"queja", r"retraso", r"mercancia danada", r"importe incorrecto",
        r"sikayet\w*", r"gecikme\w*", r"hasarli", r"hatali tutar",
        r"reklamacj\w+", r"skarga", r"opoznieni\w+", r"uszkodzon\w+", r"bledna kwota",
    ),
    "delivery_note": (
        r"lieferschein\w*", r"delivery notes?", r"packing slip", r"dispatch note", r"albaran\w*",
        r"nota de entrega", r"irsaliye\w*", r"dowod dostawy",
    ),
    "invoice": (
        r"rechnung(?:en)?", r"rechnungs(?:nummer|nr|datum|betrag)\w*", r"invoices?", r"factura", r"facturas",
        r"fatura", r"faturasi", r"faturaniz", r"faktura", r"faktury", r"fakturze",
    ),
    "offer": (
        r"angebot\w*", r"kostenvoranschlag\w*", r"offer", r"quotation", r"quote", r"oferta\w*", r"presupuesto",
        r"cotizacion", r"teklif\w*", r"wycena",
    ),
    "contract": (
        r"\w*vertrag\w*", r"(?:maintenance|service) (?:agreement|contract)", r"contrato de (?:mantenimiento|servicio)",
        r"bakim sozlesmesi", r"umowa serwisowa", r"rahmenvereinbarung\w*", r"contract", r"agreement",
        r"contrato\w*", r"sozlesme\w*", r"umowa", r"umowy",
    ),
    "order": (
        r"auftrag", r"auftrags?(?:nummer|nr)\w*", r"bestellung\w*", r"purchase order", r"order",
        r"pedido\w*", r"orden de compra", r"siparis\w*", r"zamowieni\w+", r"zlecenie",
    ),
    "service": (
        r"service\w*", r"wartung\w*", r"storung\w*", r"instandhaltung\w*", r"reparatur\w*", r"einsatzbericht\w*",
        r"inspektion\w*", r"maintenance", r"repair", r"breakdown", r"mantenimiento", r"averia", r"reparacion",
        r"informe de servicio", r"asistencia tecnica", r"bakim\w*", r"ariza\w*", r"servis\w*", r"konserwacj\w+",
        r"awari\w+", r"naprawa", r"przeglad\w*", r"serwis\w*",
    ),
    "inquiry": (
        r"anfrage\w*", r"preisanfrage\w*", r"ruckfrage\w*", r"enquiry", r"inquiry", r"request for quotation",
        r"solicitud de oferta", r"consulta\w*", r"fiyat talebi", r"zapytanie\w*",
    ),
    "note": (
        r"telefonnotiz\w*", r"gesprachsnotiz\w*", r"aktennotiz\w*", r"besuchsbericht\w*", r"phone note",
        r"call note", r"memo",
    ),
    "marketing": (
        r"newsletter", r"einladung zur (?:\w+ )?messe", r"messeeinladung\w*", r"hausmesse\w*", r"seminar\w*",
        r"webinar\w*", r"preisanpassung\w*", r"ihre domain", r"gewinnspiel", r"trade fair", r"unsubscribe",
        r"invitation to (?:the |our )?(?:\w+ )?(?:fair|exhibition|trade show)",
    ),
    "pricelist": (r"preisliste\w*", r"price ?list", r"lista de precios", r"fiyat listesi", r"cennik\w*"),
}  # fmt: skip
_PSEUDO = {"inquiry": "correspondence", "note": "correspondence", "pricelist": "other", "marketing": "other"}

# words before a keyword that make it a reference to another document, not this one's label
_REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:ihre?[mnrs]?|unsere?[mnrs]?|your|our|su|sus|nuestr[oa]s?|panstwa|naszej|nasz[aey]?"
    r"|zu[mr]?|gemass|laut|lt\.|bezug|bezugnehmend auf|ref\.?|according to|based on|as per|per|segun"
    r"|el|la|del|de la|al|w nawiazaniu do|do|z)\s+)$"
)
_TR_POSSESSIVE = re.compile(r"(?:iniz|imiz|niz|miz)$")
# words before a subject keyword that make the mail a question about that document
_QUESTION_BEFORE = re.compile(
    r"\b(?:ruckfrage|frage|fragen|anfrage|bezuglich|betreff(?:end)?|wegen|zu[mr]?|question|questions"
    r"|regarding|concerning|about|query|pregunta|consulta|sobre|soru|hakkinda|pytanie|dotyczy|w sprawie)\b"
)
_LABEL_AFTER = re.compile(r"^[\s\-]*(?:nr|no|nummer|number|n[ºo°]|num|#|numarasi|:)")
# label and number may be separate layout elements ("Rechnungs-Nr.\n\nRE-2025-00143")
_OWN_LABEL_TAIL = (
    r"(?P<tail>[ \t\-]*(?:nr\.?|no\.?|nummer|number|n\.?\s?[ºo°]\.?|numero|numarasi|#)?[ \t]*(?:de\s+)?[:.]?)\s*$"
)
# the customer's own purchase-order number (not in our format) after its label
_PO_LABEL = re.compile(
    r"(?<!\w)(?:bestell-?(?:nr|nummer)|bestellnummer|po (?:no|number)|purchase order (?:no|number)"
    r"|n\.?\s?[ºo°]\.? de pedido de compra|satin alma siparis no|nr zamowienia)\.?[ \t]*:?[ \t]*"
    r"(?P<number>[a-z0-9][a-z0-9\-/]{3,})"
)
_LETTER = re.compile(
    r"\b(?:sehr geehrte|liebe[rs]?\s|hallo|guten tag|dear|hello|hi\s|estimad[oa]s?|hola|sayin|merhaba"
    r"|szanown\w+|dzien dobry)"
)
_CLOSING = re.compile(
    r"\b(?:mit freundlichen grussen|freundliche grusse|viele grusse|kind regards|best regards|regards"
    r"|saludos|atentamente|saygilarimla|saygilarimizla|z powazaniem|pozdrawiam)"
)
_NEWSLETTER = re.compile(r"\b(?:newsletter|abmelden|unsubscribe|darse de baja|abonelikten|wypisz)")
_TABLE_HEADER = re.compile(r"(?m)^[ \t]*(?:pos\.?|item|sira|lp\.|pozycja|posicion)(?:[ \t]|$)")
_HEADING_CHARS = 1500
_HEADING_MAX_LINE = 80
_OWN_WINDOW = 50
_DOC_NUMBER = re.compile(r"(?<![\w\-/])(AN|AU|AB|LS|RE|GS|RK|VT)[ \-./]?(20\d{2})[ \-./]?(\d{3,6})(?!\d)")


@dataclass(frozen=True, slots=True)
class _Match:
    register: str  # a register id or a pseudo group (inquiry, note, pricelist)
    start: int
    end: int
    word: str  # as written in the text


@lru_cache(maxsize=1)
def _keyword_re() -> re.Pattern[str]:
    parts = [f"(?P<{register}>" + "|".join(words) + ")" for register, words in KEYWORDS.items()]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


# extra label words that only ever introduce a number ("Onay No.", "Nr korekty", "Bestell-Nr.")
_OWN_LABEL_EXTRA: dict[str, tuple[str, ...]] = {
    "order_confirmation": (r"ab", r"onay", r"confirmation", r"confirmacion", r"potwierdzenia"),
    "credit_note": (r"dekont", r"korekty"),
    "delivery_note": (r"dowodu dostawy",),
    "offer": (r"oferty", r"quotation"),
    "order": (r"po", r"bestell", r"auftrags", r"zlecenia", r"zamowienia"),
    "invoice": (r"rechnungs",),
    "complaint": (r"reklamations",),
    "contract": (r"vertrags",),
}


@lru_cache(maxsize=len(KEYWORDS))
def _own_label_re(register: str) -> re.Pattern[str]:
    words = KEYWORDS[register] + _OWN_LABEL_EXTRA.get(register, ())
    return re.compile(r"(?<!\w)(?P<kw>" + "|".join(words) + ")" + _OWN_LABEL_TAIL)


def _matches(text: str, folded: str | None = None) -> list[_Match]:
    folded = fold(text) if folded is None else folded
    out = []
    for m in _keyword_re().finditer(folded):
        if m.lastgroup:
            out.append(_Match(m.lastgroup, m.start(), m.end(), text[m.start() : m.end()]))
    return out


def _winner(matches: Sequence[_Match]) -> _Match | None:
    """Earliest keyword wins (the longer at the same start); complaint words beat all but a credit note."""
    if not matches:
        return None
    complaint = next((m for m in matches if m.register == "complaint"), None)
    if complaint is not None:
        credit = next((m for m in matches if m.register == "credit_note"), None)
        if credit is None or credit.start > complaint.start:
            return complaint
    return min(matches, key=lambda m: (m.start, -(m.end - m.start)))


def _register_of(match: _Match) -> str:
    return _PSEUDO.get(match.register, match.register)


def _numbers(text: str) -> list[tuple[str, str, int]]:
    """(prefix, number as written, start) of every document number."""
    return [(m.group(1), m.group(0), m.start()) for m in _DOC_NUMBER.finditer(text)]


def _label(register: str) -> str:
    return REGISTER_LABEL_DE[register]


def _keyword_reason(match: _Match, where: str, numbers: Sequence[tuple[str, str, int]]) -> tuple[str, str]:
    register = _register_of(match)
    if match.register == "pricelist":
        return register, f"Preisliste ('{match.word}' {where}): kein Kundenvorgang"
    if match.register == "marketing":
        return register, f"Werbung/Information ('{match.word}' {where}): kein Kundenvorgang"
    own = [n for p, n, _ in numbers if PREFIX_REGISTER[p] == register]
    if own:
        return register, f"Dokumentnummer {own[0]} und Wort '{match.word}' {where}"
    return register, f"Wort '{match.word}' {where}"


def _heading_limit(folded: str) -> int:
    """Headings sit above the salutation and the line-item table."""
    limit = min(len(folded), _HEADING_CHARS)
    for pattern in (_LETTER, _TABLE_HEADER):
        m = pattern.search(folded, 0, limit)
        if m is not None:
            limit = m.start()
    return limit


def _heading(text: str, folded: str) -> _Match | None:
    """The first line above salutation and table that starts with a register word and is a heading:
    short ("Rechnung", "Servicebericht – 05.12.2025") or followed by its own number ("Angebot AN-… Überarbeitete
    Fassung …"); never a field label ("Lieferschein-Nr.") or a possessive ("Siparişiniz")."""
    pos = 0
    for line in folded[: _heading_limit(folded)].split("\n"):
        start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        offset = start + (len(line) - len(line.lstrip()))
        m = _keyword_re().match(folded, offset)
        if m is None or not m.lastgroup or _TR_POSSESSIVE.search(m.group(0)):
            continue
        rest = folded[m.end() : start + len(line)]
        if _LABEL_AFTER.match(rest):
            continue
        own_number = _DOC_NUMBER.match(text, m.end() + len(rest) - len(rest.lstrip()))
        register = _PSEUDO.get(m.lastgroup, m.lastgroup)
        if own_number is not None and PREFIX_REGISTER[own_number.group(1)] == register:
            return _Match(m.lastgroup, m.start(), m.end(), text[m.start() : m.end()])
        if ":" in rest or len(rest.split()) > 4 or len(line.strip()) > _HEADING_MAX_LINE:
            continue
        return _Match(m.lastgroup, m.start(), m.end(), text[m.start() : m.end()])
    return None


def _is_reference(folded: str, start: int) -> bool:
    """True when the word(s) before `start` make what follows a reference ("Ihre Bestellung", "zu Auftrag")."""
    return bool(_REFERENCE_BEFORE.search(folded[max(0, start - 30) : start]))


def _line_start(folded: str, pos: int) -> bool:
    return folded[folded.rfind("\n", 0, pos) + 1 : pos].strip() == ""


def _own_numbers(text: str, folded: str) -> list[tuple[str, str, str]]:
    """(prefix, number, label) of numbers right after their own field label ("Rechnungs-Nr.: RE-…") or
    after a register word that starts a line ("Rechnung RE-…"), never after a reference word."""
    out = []
    for prefix, number, start in _numbers(text):
        register = PREFIX_REGISTER[prefix]
        window_start = max(0, start - _OWN_WINDOW)
        m = _own_label_re(register).search(folded[window_start:start])
        if m is None:
            continue
        label_start = window_start + m.start()
        is_field = bool(m.group("tail").strip(" \t-"))
        if not is_field and not _line_start(folded, label_start):
            continue  # running text: "aus Lieferschein LS-…"
        if _is_reference(folded, label_start) or _TR_POSSESSIVE.search(m.group("kw")):
            continue  # "Ihre Bestellung AU-…", "teklifiniz AN-…"
        out.append((prefix, number, text[label_start : window_start + m.end("kw")]))
    for m in _PO_LABEL.finditer(folded):
        if not _DOC_NUMBER.match(text, m.start("number")) and not _is_reference(folded, m.start()):
            label = text[m.start() : m.start("number")].strip(" :")
            out.append(("AU", text[m.start("number") : m.end("number")], label))
    return out


def _before_salutation(folded: str) -> int:
    m = _LETTER.search(folded[:3000])
    return m.start() if m else min(len(folded), 600)


def classify_register(
    *,
    title: str,
    text: str,
    file_name: str = "",
    subject: str | None = None,
    lang: str = "de",
    doc_numbers: Mapping[str, Sequence[str]] | None = None,
) -> tuple[str, str]:
    """(register id, German reason). An e-mail is recognised by `subject` not being None.

    `lang` is accepted for symmetry (the keyword lists cover all languages at once); `doc_numbers`
    (prefix → numbers, from `Entities.doc_numbers`) is a fallback when `text` is not available.
    """
    del lang
    parts = [p for p in (subject or "", title) if p]
    if len(parts) == 2 and fold(parts[0]).strip() == fold(parts[1]).strip():
        parts = parts[:1]
    head = " · ".join(parts)
    folded = fold(text)
    body_matches = _matches(text[:20_000], folded[:20_000])
    if subject is not None:
        return _classify_mail(head, folded, body_matches)
    return _classify_document(head, text, folded, body_matches, file_name, doc_numbers)


def _title_keyword(head: str, where: str, is_mail: bool) -> tuple[str, str] | None:
    head_folded = fold(head)
    best = _winner(_matches(head, head_folded))
    if best is None:
        return None
    question = best.register not in ("complaint", "credit_note", "pricelist", "inquiry", "note", "marketing")
    if is_mail and question and _QUESTION_BEFORE.search(head_folded[: best.start]):
        return "correspondence", f"Rückfrage zu '{best.word}' {where}: Korrespondenz"
    return _keyword_reason(best, where, _numbers(head))


def _classify_mail(head: str, folded: str, body_matches: list[_Match]) -> tuple[str, str]:
    by_subject = _title_keyword(head, "im Betreff", is_mail=True)
    if by_subject is not None:
        return by_subject
    complaint_words = [m for m in body_matches if m.register == "complaint"]
    if complaint_words:
        return "complaint", f"Beschwerdewort '{complaint_words[0].word}' im Text der E-Mail"
    numbers = _numbers(head)
    if numbers:
        prefix, number, _ = numbers[0]
        register = PREFIX_REGISTER[prefix]
        return register, f"Dokumentnummer {number} im Betreff ({_label(register)})"
    if _NEWSLETTER.search(folded):
        return "other", "Newsletter/Werbung ohne Kundenvorgang"
    return "correspondence", "E-Mail ohne Belegmerkmale: Korrespondenz"


def _classify_document(
    head: str,
    text: str,
    folded: str,
    body_matches: list[_Match],
    file_name: str,
    doc_numbers: Mapping[str, Sequence[str]] | None,
) -> tuple[str, str]:
    # the text first: extracted titles of PDFs are often the letterhead ("… · Service · Ersatzteile")
    heading = _heading(text, folded)
    if heading is not None:
        line_end = text.find("\n", heading.end)
        line = text[heading.start : line_end if line_end >= 0 else len(text)]
        return _keyword_reason(heading, "als Überschrift", _numbers(line))

    own = _own_numbers(text, folded)
    if own:
        prefix, number, label_word = min(own, key=lambda o: DOWNSTREAM.index(o[0]))
        register = PREFIX_REGISTER[prefix]
        return register, f"Dokumentnummer {number} mit Bezeichnung '{label_word}' im Text"

    by_title = _title_keyword(head, "im Titel", is_mail=False)
    if by_title is not None:
        return by_title

    for numbers, where in ((_numbers(head), "im Titel"), (_numbers(file_name.upper()), "im Dateinamen")):
        if numbers:
            prefix, number, _ = numbers[0]
            register = PREFIX_REGISTER[prefix]
            return register, f"Dokumentnummer {number} {where} ({_label(register)})"

    complaint_words = [m for m in body_matches if m.register == "complaint"]
    if len(complaint_words) >= 2 or (complaint_words and complaint_words[0].start < _before_salutation(folded)):
        return "complaint", f"Beschwerdewort '{complaint_words[0].word}' im Text"

    present: dict[str, str] = {}
    for prefix, number, start in _numbers(text):
        if not _is_reference(folded, start):
            present.setdefault(prefix, number)
    if not present and doc_numbers:
        present = {p: v[0] for p, v in doc_numbers.items() if v and p in PREFIX_REGISTER}
    for prefix in DOWNSTREAM:
        if prefix in present:
            register = PREFIX_REGISTER[prefix]
            return register, f"Dokumentnummer {present[prefix]} im Text ({_label(register)})"

    limit = _before_salutation(folded)
    best = _winner([m for m in body_matches if m.start < limit])
    if best is not None:
        return _keyword_reason(best, "am Textanfang", [])
    if _NEWSLETTER.search(folded):
        return "other", "Newsletter/Werbung ohne Kundenvorgang"
    if _LETTER.search(folded[:3000]) or _CLOSING.search(folded[-1500:]):
        return "correspondence", "Brief ohne Belegmerkmale: Korrespondenz"
    return "other", "Keine Belegmerkmale gefunden"


def heading_line(text: str, max_chars: int = 160) -> str | None:
    """The document's own heading line ("Gutschrift GS-2026-00378", "Auftragsbestätigung AB-…"), for a display
    title better than a PDF's first line (often the letterhead). None when the text has no such heading.

    A bare heading word ("Rechnung") gets its own number appended when the text labels one ("Rechnungs-Nr.: …")."""
    folded = fold(text)
    match = _heading(text, folded)
    if match is None:
        return None
    line_end = text.find("\n", match.start)
    line = " ".join(text[match.start : line_end if line_end >= 0 else len(text)].split())
    register = _register_of(match)
    if not _numbers(line):
        own = [n for p, n, _ in _own_numbers(text, folded) if PREFIX_REGISTER[p] == register and n not in line]
        if own:
            line = f"{line} {own[0]}"
    return line[:max_chars].rstrip() or None
