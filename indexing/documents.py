"""Pure pieces of the write side: ids, families, status, permissions, the index body of a document."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domain.access import AccessPolicy
    from domain.retention import RetentionTable


_CLOSED = re.compile(r"\b(erledigt|abgeschlossen|gelöst|geloest|resolved|closed|bezahlt|paid)\b", re.IGNORECASE)


def doc_id_for(tenant: str, content_sha256: str) -> str:
    """Deterministic: the same bytes in the same tenant are one document, wherever they come from."""
    return hashlib.sha256(f"{tenant}\x00{content_sha256}".encode()).hexdigest()[:32]


def family_key(tenant: str, register: str, offer_numbers: list[str], source_uri: str, is_email: bool) -> str:
    """All versions of one logical document share a family: offers by their number, others by source."""
    if register == "offer" and offer_numbers and not is_email:
        return hashlib.sha256(f"{tenant}\x00offer\x00{offer_numbers[0]}".encode()).hexdigest()[:24]
    return hashlib.sha256(f"{tenant}\x00src\x00{source_uri}".encode()).hexdigest()[:24]


# registers of documents we issue ourselves (without a sender address they are outgoing)
ISSUED_REGISTERS = frozenset({"offer", "order_confirmation", "delivery_note", "invoice", "credit_note"})
CHANNELS = ("mail", "scan", "erp", "upload", "file")
# folder names that say which channel a batch or hot-folder file came through (settings.channel_folders)
DEFAULT_CHANNEL_FOLDERS: dict[str, str] = {"erp": "erp", "crm": "erp", "scans": "scan", "scan": "scan"}


def parse_channel_folders(spec: str) -> dict[str, str]:
    """ "erp=erp,SAP-Export=erp,Scanner=scan" -> {folder name (lower case): channel}; unknown channels raise."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        folder, sep, channel = part.partition("=")
        if not sep or not folder.strip() or channel.strip() not in CHANNELS:
            raise ValueError(f"channel_folders: {part!r} is not <folder>=<one of {', '.join(CHANNELS)}>")
        out[folder.strip().lower()] = channel.strip()
    return out


def direction_of(register: str, from_is_ours: bool | None) -> str:
    """ "out" for what we sent (a mail from one of our addresses; without a sender: a document we issue), else "in"."""
    if from_is_ours is not None:
        return "out" if from_is_ours else "in"
    return "out" if register in ISSUED_REGISTERS else "in"


def channel_of(
    source_kind: str,
    source_uri: str,
    *,
    ocr_used: bool = False,
    mime_type: str = "",
    folders: dict[str, str] | None = None,
) -> str:
    """The way in, for the dashboards: mail, scan, erp (ERP/CRM push or export), upload, file (batch, share).

    Mail and attachments, API pushes and uploads say so themselves; a file is a scan when it needed OCR or is an
    image, otherwise its folder names decide (`folders`: folder name -> channel), otherwise "file"."""
    if source_kind in ("email", "attachment", "mail"):
        return "mail"
    if source_kind == "api":
        return "erp"
    if source_kind == "upload":
        return "upload"
    if ocr_used or mime_type.startswith("image/"):
        return "scan"
    rules = DEFAULT_CHANNEL_FOLDERS if folders is None else folders
    for part in reversed(re.split(r"[\\/]", source_uri.lower())[:-1]):  # the folders, innermost first
        if rules.get(part) in CHANNELS:
            return rules[part]
    return "file"


def derived_fields(
    src: dict[str, Any],
    from_is_ours: bool | None,
    reason: Callable[[str, str, str], str],
    folders: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`channel`, `direction` and `complaint_reason` of a document indexed before they existed (back-fill), from
    what its index entry holds: source kind and path, MIME type, sender, register, text."""
    sources = src.get("sources") or [{}]
    register = str(src.get("register") or "")
    suggested = str((src.get("filing") or {}).get("suggested_register") or register)
    out: dict[str, Any] = {
        "channel": channel_of(str(src.get("source_kind") or "file"), str(sources[0].get("uri") or ""),
                              mime_type=str(src.get("mime_type") or ""), folders=folders),
        "direction": direction_of(suggested, from_is_ours),
    }  # fmt: skip
    if register == "complaint":
        out["complaint_reason"] = reason(str(src.get("text") or "")[:5000], str(src.get("language") or "de"),
                                         str(src.get("title") or ""))  # fmt: skip
    return out


def permission_fields(tenant: str, register: str, policy: AccessPolicy | None = None) -> dict[str, list[str]]:
    """`acl_groups` and `export_groups` of a document filed in `register` of `tenant`, from the permission
    table (`policy`; None: the configured one) — access always follows the register's row."""
    from indexing.access_policy import access_fields, configured_policy

    return access_fields(policy or configured_policy(), tenant, register)


def document_status(register: str, text: str) -> str:
    """Complaints and invoices are open until the text says otherwise; others have no status."""
    if register not in ("complaint", "invoice"):
        return "n/a"
    return "closed" if _CLOSED.search(text[:5000]) else "open"


@dataclass
class PreparedDoc:
    """Everything the extract+enrich stages know about one document (plain data, picklable)."""

    source_uri: str
    source_kind: str  # file | email | attachment
    file_name: str
    sha256: str
    size: int
    mime_type: str
    title: str
    text: str
    language: str
    lemmas: str
    pages: int | None
    element_count: int
    register: str
    register_reason: str
    customer_ids: list[str]
    customer_names: list[str]
    filing_status: str
    confidence: float
    reasons: list[str]
    candidates: list[str]
    entities: dict[str, list[str]]
    entity_facets: list[str]
    ids: list[str]
    total_amount: float | None
    currency: str | None
    doc_date: str | None
    passages: list[str]
    offer_numbers: list[str] = field(default_factory=list)
    email: dict[str, Any] | None = None
    parent_uri: str | None = None  # the e-mail an attachment came with
    warnings: list[str] = field(default_factory=list)
    ocr_used: bool = False
    stems: str = ""  # Snowball stems of title+text (nlp.stems), for the `stems` field
    from_ours: bool | None = None  # an e-mail from one of our addresses (None: no sender); see direction_of
    channel: str = "file"  # channel_of
    complaint_reason: str | None = None  # nlp.reasons key, complaints only

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def year_month(date_iso: str | None) -> str | None:
    return date_iso[:7] if date_iso and len(date_iso) >= 7 else None


def build_body(
    doc: PreparedDoc,
    *,
    tenant: str,
    doc_id: str,
    family_id: str,
    version: int,
    sources: list[dict[str, Any]],
    vectors: list[list[float]],
    now: dt.datetime,
    parent_id: str | None = None,
    attachment_ids: list[str] | None = None,
    archive_path: str = "",
    retention: RetentionTable | None = None,
    access: AccessPolicy | None = None,
    confidential: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The index entry of one document version. `retention`: the configured table (the pipeline passes
    `indexing.retention.configured_table()`; None: the law's defaults); `access`: the permission table (None:
    the configured one); `confidential`: the confidentiality of the family's earlier version, kept."""
    from indexing.retention import builtin_table, retention_fields

    register = "review" if doc.filing_status == "review" else doc.register
    email = doc.email or {}
    received = email.get("date") or now.isoformat()
    doc_date = doc.doc_date or (received[:10] if received else None)
    kept = retention_fields(register, doc_date, None, table=retention or builtin_table(), now=now)
    return {
        "doc_id": doc_id,
        "family_id": family_id,
        "version": version,
        "is_latest": True,
        "content_sha256": doc.sha256,
        "sources": sources,
        "source_kind": doc.source_kind,
        "channel": doc.channel,
        "direction": direction_of(doc.register, doc.from_ours),
        "tenant": tenant,
        **permission_fields(tenant, doc.register, access),  # in review too: a suspected contract stays closed
        **(confidential or {}),
        "title": doc.title[:1000],
        "text": doc.text,
        "lemmas": doc.lemmas,
        "stems": doc.stems,
        "language": doc.language,
        "file_name": doc.file_name,
        "mime_type": doc.mime_type,
        "file_size": doc.size,
        "pages": doc.pages,
        "element_count": doc.element_count,
        "customer_ids": doc.customer_ids,
        "customer_names": doc.customer_names,
        "primary_customer_id": doc.customer_ids[0] if doc.customer_ids else None,
        "register": register,
        "filing": {
            "status": doc.filing_status,
            "confidence": round(doc.confidence, 3),
            "reasons": doc.reasons,
            "register_reason": doc.register_reason,
            "candidates": doc.candidates,
            "suggested_register": doc.register,
        },
        "status": document_status(doc.register, doc.text),
        "complaint_reason": doc.complaint_reason if register == "complaint" else None,
        "doc_date": doc_date,
        "received_at": received,
        "indexed_at": now.isoformat(),
        "year_month": year_month(doc_date),
        **kept,
        "ids": doc.ids,
        "entities": doc.entities,
        "entity_facets": doc.entity_facets,
        "total_amount": doc.total_amount,
        "currency": doc.currency,
        "parent_id": parent_id,
        "attachment_ids": attachment_ids or [],
        "thread_id": email.get("thread_id"),
        "mail_from": email.get("from_addr"),
        "mail_to": email.get("to_addrs") or [],
        "subject": email.get("subject"),
        "archive_path": archive_path,
        "passages": [
            {"ord": i, "text": text[:2000], "vector": vec}
            for i, (text, vec) in enumerate(zip(doc.passages, vectors, strict=True))
        ],
    }
