"""Automatic filing (Einakten): which customer dossier(s) a document belongs to, with German reasons.

Pure rules over extracted entities, gazetteer hits and the e-mail sender; no I/O.

- Exact identifiers decide: customer number, IBAN, VAT id, e-mail address or domain (sender, recipients,
  addresses in the text), and — when the caller knows them — document numbers already filed for a
  customer. Our own company's identifiers (`own_identifiers`) and free-mail domains never count.
- One customer identified → "auto". Several → the one with the most/strongest evidence is primary; "auto"
  when it leads by a clear margin (e.g. the customer number in the document head vs a mention further
  down), otherwise "review". All identified customers are listed in `customer_ids`, primary first.
- Name-only evidence (gazetteer) → "review" with the named customers as candidates — unless exactly one
  customer is named and something else (its phone number, one of its document numbers) supports it.
- Nothing → "review" without candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlp.entities import Entities, EntityHit
from nlp.gazetteer import GazetteerHit
from nlp.identifiers import canonical_identifier, normalize_identifier, normalize_phone

FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com web.de gmx.de gmx.net gmx.at gmx.ch gmx.com t-online.de freenet.de arcor.de
    posteo.de mailbox.org online.de 1und1.de email.de vodafone.de kabelmail.de
    yahoo.com yahoo.de yahoo.co.uk yahoo.es ymail.com hotmail.com hotmail.de hotmail.co.uk hotmail.es
    outlook.com outlook.de outlook.es live.com live.de live.co.uk msn.com icloud.com me.com mac.com aol.com
    aol.de protonmail.com proton.me pm.me zoho.com gmx.es telefonica.net
    wp.pl o2.pl onet.pl interia.pl op.pl poczta.onet.pl gazeta.pl tlen.pl
    yandex.com yandex.com.tr mynet.com hotmail.com.tr windowslive.com mail.ru
    """.split()  # noqa: SIM905
)
STATUS_AUTO = "auto"
STATUS_REVIEW = "review"

# evidence kinds: (points for ranking, weight for the confidence)
_EVIDENCE: dict[str, tuple[float, float]] = {
    "customer_number": (3.0, 0.9),
    "mail_from": (4.0, 0.9),
    "mail_from_domain": (3.5, 0.85),
    "mail_to": (3.5, 0.85),
    "mail_to_domain": (3.0, 0.8),
    "iban": (2.5, 0.9),
    "vat_id": (2.5, 0.9),
    "email": (2.0, 0.75),
    "email_domain": (1.5, 0.6),
    "doc_number": (2.5, 0.85),
    "phone": (1.0, 0.5),
    "name": (0.5, 0.3),
    "name_exact": (1.0, 0.4),
}
_EXACT_KINDS = frozenset(
    {"customer_number", "mail_from", "mail_from_domain", "mail_to", "mail_to_domain", "iban", "vat_id", "email",
     "email_domain", "doc_number"}
)  # fmt: skip
_HEAD_BONUS = 2.0  # the customer number that comes first when several customers' numbers appear
_CLEAR_MARGIN = 2.0
_MAX_CONFIDENCE = 0.99


# --------------------------------------------------------------------------- directory


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split("|") if v.strip()]
    if isinstance(value, Iterable):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]


def _number_key(value: str) -> str:
    return normalize_identifier(canonical_identifier(value) or value)


def _compact(value: str) -> str:
    return normalize_identifier(value).upper()


def _domain(value: str) -> str:
    value = value.strip().lower().lstrip("@")
    return value.rsplit("@", 1)[-1]


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    customer_id: str
    customer_number: str
    name: str
    tenant: str = ""
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()
    vat_ids: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


@dataclass
class CustomerDirectory:
    """Master data indexed by normalised customer number, e-mail address, domain, IBAN, VAT id, phone."""

    records: dict[str, CustomerRecord] = field(default_factory=dict)
    _by: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], tenant: str | None = None) -> CustomerDirectory:
        """Rows as in customers.csv (`|`-separated multi-values) or with list values.

        Accepted keys: customer_id, customer_number|number, name, aliases, email_domain|domains,
        contact_email|emails, iban|ibans, vat_id|vat_ids, phone|phones, tenant. With `tenant`, rows of
        other tenants are skipped.
        """
        directory = cls()
        for row in rows:
            row_tenant = str(row.get("tenant") or "")
            if tenant is not None and row_tenant and row_tenant != tenant:
                continue
            emails = tuple(e.lower() for e in _split(row.get("contact_email")) + _split(row.get("emails")))
            domains = {_domain(d) for d in _split(row.get("email_domain")) + _split(row.get("domains"))}
            domains.update(_domain(e) for e in emails)
            record = CustomerRecord(
                customer_id=str(row["customer_id"]),
                customer_number=str(row.get("customer_number") or row.get("number") or ""),
                name=str(row.get("name") or ""),
                tenant=row_tenant,
                aliases=tuple(_split(row.get("aliases"))),
                domains=tuple(sorted(d for d in domains if d)),
                emails=emails,
                ibans=tuple(_compact(i) for i in _split(row.get("iban")) + _split(row.get("ibans"))),
                vat_ids=tuple(_compact(v) for v in _split(row.get("vat_id")) + _split(row.get("vat_ids"))),
                phones=tuple(
                    p for p in (normalize_phone(x) for x in _split(row.get("phone")) + _split(row.get("phones"))) if p
                ),
            )
            directory.add(record)
        return directory

    def add(self, record: CustomerRecord) -> None:
        self.records[record.customer_id] = record
        keys: dict[str, Iterable[str]] = {
            "number": [_number_key(record.customer_number)] if record.customer_number else [],
            "email": record.emails,
            "domain": [d for d in record.domains if d not in FREE_MAIL_DOMAINS],
            "iban": record.ibans,
            "vat": record.vat_ids,
            "phone": record.phones,
        }
        for kind, values in keys.items():
            index = self._by.setdefault(kind, {})
            for value in values:
                owners = index.setdefault(value, [])
                if record.customer_id not in owners:
                    owners.append(record.customer_id)

    def _lookup(self, kind: str, key: str) -> list[str]:
        return list(self._by.get(kind, {}).get(key, []))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[CustomerRecord]:
        return iter(self.records.values())

    def get(self, customer_id: str) -> CustomerRecord | None:
        return self.records.get(customer_id)

    def name(self, customer_id: str) -> str:
        record = self.records.get(customer_id)
        return record.name if record and record.name else customer_id

    def by_number(self, value: str) -> list[str]:
        return self._lookup("number", _number_key(value))

    def by_email(self, address: str) -> list[str]:
        return self._lookup("email", address.strip().lower())

    def by_domain(self, domain: str) -> list[str]:
        return self._lookup("domain", _domain(domain))

    def by_iban(self, iban: str) -> list[str]:
        return self._lookup("iban", _compact(iban))

    def by_vat(self, vat_id: str) -> list[str]:
        return self._lookup("vat", _compact(vat_id))

    def by_phone(self, phone: str) -> list[str]:
        normalised = normalize_phone(phone) if not phone.startswith("+") else phone
        return self._lookup("phone", normalised) if normalised else []


# --------------------------------------------------------------------------- filing


@dataclass(frozen=True, slots=True)
class Filing:
    customer_ids: list[str]  # primary first
    status: str  # auto | review
    confidence: float
    reasons: list[str]
    candidates: list[str]

    @property
    def primary_customer_id(self) -> str | None:
        return self.customer_ids[0] if self.customer_ids else None


@dataclass(slots=True)
class _Evidence:
    customer_id: str
    kind: str
    reason: str
    position: int  # -1 for mail headers
    points: float
    weight: float


def _where(hit: EntityHit | GazetteerHit, page: int | None) -> str:
    return f"auf Seite {page}" if page else "im Text"


def _mask_iban(iban: str) -> str:
    return f"{iban[:4]}…{iban[-4:]}" if len(iban) > 8 else iban


class _Own:
    """Our own company's identifiers, normalised; e-mail addresses also match by domain."""

    def __init__(self, values: Iterable[str]) -> None:
        self.keys: set[str] = set()
        for v in values:
            if not v:
                continue
            self.keys.add(normalize_identifier(v))
            self.keys.add(normalize_identifier(_domain(v)) if "@" in v else normalize_identifier(v.lower()))
            phone = normalize_phone(v)
            if phone:
                self.keys.add(phone)

    def __contains__(self, value: str) -> bool:
        if normalize_identifier(value) in self.keys:
            return True
        return "@" in value and normalize_identifier(_domain(value)) in self.keys


def is_own_address(address: str | None, own_identifiers: Iterable[str]) -> bool:
    """Whether an e-mail address is one of ours (the address itself or its domain)."""
    return bool(address) and "@" in str(address) and str(address) in _Own(own_identifiers)


def _page_of(offsets: Sequence[int] | None, pos: int) -> int | None:
    if not offsets or pos < 0:
        return None
    import bisect

    return max(1, bisect.bisect_right(offsets, pos))


def _collect(
    entities: Entities,
    gazetteer_hits: Sequence[GazetteerHit],
    mail_from: str | None,
    mail_to: Sequence[str],
    customers: CustomerDirectory,
    own: _Own,
    doc_number_owners: Mapping[str, str] | None,
    page_offsets: Sequence[int] | None,
) -> tuple[list[_Evidence], list[str]]:
    evidence: list[_Evidence] = []
    notes: list[str] = []

    def add(cids: Sequence[str], kind: str, reason: str, position: int) -> None:
        points, weight = _EVIDENCE[kind]
        for cid in cids:
            evidence.append(_Evidence(cid, kind, reason, position, points, weight))

    # sender and recipients
    for address, kind in [(mail_from, "mail_from")] + [(a, "mail_to") for a in mail_to]:
        if not address or "@" not in address or address in own:
            continue
        address = address.strip().lower()
        label = "Absender" if kind == "mail_from" else "Empfänger"
        exact = customers.by_email(address)
        if exact:
            add(exact, kind, f"{label}adresse {address}", -1)
            continue
        domain = _domain(address)
        if domain not in FREE_MAIL_DOMAINS:
            add(customers.by_domain(domain), f"{kind}_domain", f"{label}domain @{domain}", -1)

    # identifiers in the text (addresses already counted from the mail header are not counted twice)
    header_addresses = {a.strip().lower() for a in [mail_from or "", *mail_to] if a}
    unknown_numbers: list[str] = []
    for hit in entities.hits:
        if hit.value in own:
            continue
        page = hit.page or _page_of(page_offsets, hit.start)
        if hit.kind == "customer_number":
            cids = customers.by_number(hit.value)
            if cids:
                add(cids, "customer_number", f"Kundennummer {hit.value} {_where(hit, page)}", hit.start)
            elif hit.value not in unknown_numbers:
                unknown_numbers.append(hit.value)
        elif hit.kind == "iban":
            add(customers.by_iban(hit.value), "iban", f"IBAN {_mask_iban(hit.value)} des Kunden", hit.start)
        elif hit.kind == "vat_id":
            add(customers.by_vat(hit.value), "vat_id", f"USt-IdNr. {hit.value} des Kunden", hit.start)
        elif hit.kind == "email":
            if hit.value in header_addresses:
                continue
            exact = customers.by_email(hit.value)
            if exact:
                add(exact, "email", f"E-Mail-Adresse {hit.value} {_where(hit, page)}", hit.start)
            else:
                domain = _domain(hit.value)
                if domain not in FREE_MAIL_DOMAINS:
                    reason = f"E-Mail-Domain @{domain} {_where(hit, page)}"
                    add(customers.by_domain(domain), "email_domain", reason, hit.start)
        elif hit.kind == "phone":
            add(customers.by_phone(hit.value), "phone", f"Telefonnummer {hit.value} des Kunden", hit.start)
        elif hit.prefix is not None and doc_number_owners:
            owner = doc_number_owners.get(normalize_identifier(hit.value)) or doc_number_owners.get(hit.value)
            if owner and owner in customers.records:
                add([owner], "doc_number", f"Belegnummer {hit.value} ist dem Kunden zugeordnet", hit.start)
    for number in unknown_numbers:
        notes.append(f"Kundennummer {number} ist in den Stammdaten unbekannt")

    # names
    for ghit in gazetteer_hits:
        if ghit.customer_id not in customers.records:
            continue
        page = _page_of(page_offsets, ghit.start)
        kind = "name_exact" if ghit.exact else "name"
        add([ghit.customer_id], kind, f"Firmenname „{ghit.surface}“ {_where(ghit, page)}", ghit.start)
    return evidence, notes


@dataclass
class _Score:
    customer_id: str
    points: float = 0.0
    exact_points: float = 0.0  # from exact identifiers only: decides whether a primary is clear
    miss: float = 1.0  # product of (1 - weight) over the evidence kinds
    exact: bool = False
    first_position: int = 1 << 30
    reasons: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    name_mentions: int = 0

    @property
    def confidence(self) -> float:
        return min(_MAX_CONFIDENCE, 1.0 - self.miss)


def _score(evidence: Sequence[_Evidence]) -> dict[str, _Score]:
    scores: dict[str, _Score] = {}
    for ev in evidence:
        s = scores.setdefault(ev.customer_id, _Score(ev.customer_id))
        if ev.kind.startswith("name"):
            s.name_mentions += 1
        if ev.reason not in s.reasons:
            s.reasons.append(ev.reason)
        if ev.kind in s.kinds:
            continue  # each kind counts once per customer
        s.kinds.add(ev.kind)
        s.points += ev.points
        s.miss *= 1.0 - ev.weight
        if ev.kind in _EXACT_KINDS:
            s.exact = True
            s.exact_points += ev.points
            if ev.position < s.first_position:
                s.first_position = ev.position
    # name and name_exact are one kind of evidence: keep the stronger
    for s in scores.values():
        if {"name", "name_exact"} <= s.kinds:
            s.points -= _EVIDENCE["name"][0]
            s.miss /= 1.0 - _EVIDENCE["name"][1]
    return scores


def _head_bonus(entities: Entities, customers: CustomerDirectory, scores: dict[str, _Score]) -> str | None:
    """When customer numbers of several customers appear, the first one gets the head bonus."""
    owners: list[str] = []
    for hit in entities.hits:
        if hit.kind == "customer_number":
            for cid in customers.by_number(hit.value):
                if cid not in owners:
                    owners.append(cid)
    if len(owners) < 2:
        return None
    first = owners[0]
    if first in scores:
        scores[first].points += _HEAD_BONUS
        scores[first].exact_points += _HEAD_BONUS
    return first


def file_document(
    *,
    entities: Entities,
    gazetteer_hits: Sequence[GazetteerHit],
    mail_from: str | None,
    customers: CustomerDirectory,
    own_identifiers: set[str],
    mail_to: Sequence[str] = (),
    doc_number_owners: Mapping[str, str] | None = None,
    page_offsets: Sequence[int] | None = None,
) -> Filing:
    """File one document. `doc_number_owners` maps normalised document numbers already filed to their
    customer; `page_offsets` gives pages for name hits (entity hits carry their own page)."""
    own = _Own(own_identifiers)
    evidence, notes = _collect(
        entities, gazetteer_hits, mail_from, mail_to, customers, own, doc_number_owners, page_offsets
    )
    scores = _score(evidence)
    head = _head_bonus(entities, customers, scores)
    exact = sorted(
        (s for s in scores.values() if s.exact),
        key=lambda s: (-s.exact_points, -s.points, s.first_position, s.customer_id),
    )
    named = sorted(
        (s for s in scores.values() if not s.exact),
        key=lambda s: (-s.points, -s.name_mentions, s.customer_id),
    )

    def labelled(s: _Score, many: bool) -> list[str]:
        prefix = f"{customers.name(s.customer_id)}: " if many else ""
        out = []
        for reason in s.reasons:
            if head == s.customer_id and reason.startswith("Kundennummer"):
                reason = f"{reason} (zuerst genannt)"
            out.append(prefix + reason)
        return out

    if exact:
        primary = exact[0]
        if len(exact) == 1:
            return Filing(
                customer_ids=[primary.customer_id],
                status=STATUS_AUTO,
                confidence=round(primary.confidence, 3),
                reasons=labelled(primary, False) + notes,
                candidates=[s.customer_id for s in named],
            )
        second = exact[1]
        margin = primary.exact_points - second.exact_points  # names and phones support, never decide
        share = 0.5 + 0.5 * max(0.0, margin) / primary.exact_points
        confidence = round(primary.confidence * share, 3)
        reasons = [r for s in exact for r in labelled(s, True)]
        ids = [s.customer_id for s in exact]
        if margin >= _CLEAR_MARGIN:
            summary = f"Hauptkunde {customers.name(primary.customer_id)} (stärkste Kennungen)"
            return Filing(ids, STATUS_AUTO, confidence, [summary, *reasons, *notes], [s.customer_id for s in named])
        names = " und ".join(customers.name(s.customer_id) for s in exact[:3])
        summary = f"Widersprüchliche Kennungen: {names} – bitte prüfen"
        return Filing(ids, STATUS_REVIEW, confidence, [summary, *reasons, *notes], ids + [s.customer_id for s in named])

    if named:
        single = named[0]
        supported = "phone" in single.kinds and bool(single.kinds & {"name", "name_exact"})
        if len(named) == 1 and supported:
            return Filing(
                customer_ids=[single.customer_id],
                status=STATUS_AUTO,
                confidence=round(min(0.8, single.confidence), 3),
                reasons=["Firmenname und Telefonnummer passen zu genau einem Kunden", *labelled(single, False), *notes],
                candidates=[],
            )
        candidates = [s.customer_id for s in named]
        only_names = all(k.startswith("name") for s in named for k in s.kinds)
        what = "Nur Namensnennung" if only_names else "Nur schwache Hinweise (Name/Telefon)"
        if len(candidates) == 1:
            summary = f"{what} ohne Kennung – bitte prüfen"
        else:
            summary = f"{what}: {len(candidates)} mögliche Kunden – bitte prüfen"
        reasons = [summary] + [r for s in named[:5] for r in labelled(s, len(named) > 1)]
        confidence = round(min(0.5, named[0].confidence) / len(candidates), 3)
        return Filing([], STATUS_REVIEW, confidence, reasons + notes, candidates)

    return Filing([], STATUS_REVIEW, 0.0, ["Keine Kundenmerkmale gefunden", *notes], [])
