"""RFC 5322 e-mails (.eml) with fixed headers and deterministic MIME boundaries."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime


@dataclass
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str


@dataclass
class Mail:
    from_name: str
    from_addr: str
    to: list[tuple[str, str]]
    subject: str
    date: datetime
    message_id: str
    body: str
    cc: list[tuple[str, str]] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    html_alternative: bool = False
    mailer: str = "Microsoft Outlook 16.0"
    lang: str = "de"
    importance: str | None = None


def _addr(name: str, addr: str) -> Address:
    local, _, domain = addr.partition("@")
    return Address(display_name=name, username=local, domain=domain)


def _html_body(text: str) -> str:
    paras = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
        f'<body style="font-family:Calibri,Arial,sans-serif;font-size:11pt">{paras}</body></html>'
    )


def render_eml(mail: Mail) -> bytes:
    msg = EmailMessage(policy=policy.default)
    msg["From"] = _addr(mail.from_name, mail.from_addr)
    msg["To"] = [_addr(n, a) for n, a in mail.to]
    if mail.cc:
        msg["Cc"] = [_addr(n, a) for n, a in mail.cc]
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.date)
    msg["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = " ".join(mail.references)
    msg["Content-Language"] = {"de": "de-DE", "en": "en-GB", "es": "es-ES", "tr": "tr-TR", "pl": "pl-PL"}[mail.lang]
    if mail.importance:
        msg["Importance"] = mail.importance
    msg["X-Mailer"] = mail.mailer
    msg.set_content(mail.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    if mail.html_alternative:
        msg.add_alternative(_html_body(mail.body), subtype="html", charset="utf-8", cte="quoted-printable")
    for att in mail.attachments:
        msg.add_attachment(att.content, maintype=att.maintype, subtype=att.subtype, filename=att.filename)
    # deterministic boundaries (the stdlib would use random ones)
    seed = hashlib.sha1(mail.message_id.encode()).hexdigest()[:16]
    for i, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"----=_Part_{i}_{seed}")
    return msg.as_bytes(policy=policy.SMTP)


def quote_block(text: str) -> str:
    return "\n".join(("> " + line) if line else ">" for line in text.splitlines())
