"""Notification e-mails over SMTP (plain text, German or English by the recipient's language; the weekly
dashboard digest also as HTML, rendered by `notifications.digest_mail`). I/O only here.

`SmtpConfig.from_settings()` reads ``smtp_host``, ``smtp_port``, ``smtp_tls`` ("starttls" | "ssl" | "none"),
``smtp_user``, ``smtp_password``, ``smtp_from``, ``smtp_timeout_s`` and ``public_base_url`` from
`core.settings` when they exist (env ``COCKPIT_SMTP_HOST`` …). Without a host, e-mail is off and notifications
stay queued (they go out once SMTP is configured).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from i18n import t
from notifications.digest_mail import render_digest


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None = None
    port: int = 25
    tls: str = "none"  # "starttls" | "ssl" | "none"
    user: str | None = None
    password: str | None = None
    sender: str = "Dossier Cockpit <cockpit@localhost>"
    timeout_s: float = 10.0
    base_url: str = "http://localhost:8050"
    verify_tls: bool = True

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_settings(cls) -> SmtpConfig:
        try:
            from core.settings import get_settings

            s = get_settings()
        except Exception:  # noqa: BLE001
            return cls()

        def get(name: str, default: Any) -> Any:
            value = getattr(s, name, None)
            return default if value is None else value

        tls = str(get("smtp_tls", "none")).lower()
        if tls in ("true", "1", "yes"):
            tls = "starttls"
        elif tls in ("false", "0", "no", ""):
            tls = "none"
        password = get("smtp_password", None)
        if hasattr(password, "get_secret_value"):
            password = password.get_secret_value()
        return cls(
            host=get("smtp_host", None),
            port=int(get("smtp_port", 465 if tls == "ssl" else 587 if tls == "starttls" else 25)),
            tls=tls,
            user=get("smtp_user", None),
            password=password,
            sender=str(get("smtp_from", cls.sender)),
            timeout_s=float(get("smtp_timeout_s", 10.0)),
            base_url=str(get("public_base_url", cls.base_url)).rstrip("/"),
        )


MAX_DOCS_PER_VIEW = 50  # an e-mail lists at most this many documents per view; the inbox has them all


class SmtpUnavailable(RuntimeError):
    """Could not connect / authenticate: everything stays queued."""


class Mailer:
    """One SMTP connection for a delivery run (`with Mailer(cfg) as m: m.send(msg)`)."""

    def __init__(self, cfg: SmtpConfig) -> None:
        self.cfg = cfg
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        cfg = self.cfg
        if not cfg.enabled:
            raise SmtpUnavailable("SMTP is not configured")
        ctx = ssl.create_default_context()
        if not cfg.verify_tls:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        try:
            if cfg.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host or "", cfg.port, timeout=cfg.timeout_s, context=ctx)
            else:
                smtp = smtplib.SMTP(cfg.host or "", cfg.port, timeout=cfg.timeout_s)
                if cfg.tls == "starttls":
                    smtp.starttls(context=ctx)
            if cfg.user:
                smtp.login(cfg.user, cfg.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpUnavailable(f"{type(exc).__name__}: {exc}") from exc
        self._smtp = smtp
        return self

    def send(self, msg: EmailMessage) -> None:
        assert self._smtp is not None
        self._smtp.send_message(msg)

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def build_message(
    cfg: SmtpConfig,
    to_addr: str,
    name: str,
    lang: str,
    notifications: Iterable[dict[str, Any]],
    *,
    digest: bool = False,
) -> EmailMessage:
    """One e-mail listing notifications (dicts of the notifications index), grouped by view."""

    def text(key: str, **params: Any) -> str:
        return t(f"mail.{key}", lang, **params)

    items = list(notifications)
    by_view: dict[str, list[dict[str, Any]]] = {}
    for n in items:
        by_view.setdefault(str(n.get("view_name") or n.get("view_id")), []).append(n)
    one = len(items) == 1
    subject = text("subject_one", view=next(iter(by_view))) if one else text("subject_many", n=len(items))
    lines = [text("hello", name=name or to_addr), "", text("digest") if digest else text("intro"), ""]
    for view_name, docs in by_view.items():
        lines.append(f"■ {view_name} ({len(docs)})")
        ordered = sorted(docs, key=lambda d: str(d.get("doc_date") or ""), reverse=True)
        for d in ordered[:MAX_DOCS_PER_VIEW]:
            title = d.get("title") or text("no_title")
            customers = ", ".join(d.get("customer_names") or [])
            meta = " · ".join(x for x in (str(d.get("doc_date") or "")[:10], customers, d.get("register") or "") if x)
            lines.append(f"  - {title}" + (f" ({meta})" if meta else ""))
            if d.get("kind") == "reminder" and d.get("note"):  # a resubmission: its note, and its case
                lines.append("    " + text("note", note=str(d.get("note"))[:500]))
            if d.get("kind") == "reminder" and d.get("case_id"):
                lines.append(f"    {cfg.base_url}/fall/{d.get('case_id')}")
            lines.append(f"    {cfg.base_url}/document/{d.get('doc_id')}")
        if len(ordered) > MAX_DOCS_PER_VIEW:
            more = len(ordered) - MAX_DOCS_PER_VIEW
            lines.append("  " + text("more", n=more, url=f"{cfg.base_url}/inbox"))
        lines.append("")
    lines += ["-- ", text("footer", url=cfg.base_url)]
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = cfg.sender
    msg["To"] = to_addr
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="dossier-cockpit")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines), charset="utf-8")
    return msg


def build_digest_message(
    cfg: SmtpConfig, to_addr: str, name: str, lang: str, content: Mapping[str, Any]
) -> EmailMessage:
    """The weekly dashboard digest (an outbox record's content): plain text with an HTML alternative."""
    rendered = render_digest(content, lang, name or to_addr, cfg.base_url)
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = cfg.sender
    msg["To"] = to_addr
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="dossier-cockpit")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text, charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return msg
