"""Keeping indexes current across versions: fields a newer version derives at index time, filled in for the
documents indexed before (`backfill_document_fields`). Idempotent and cheap when nothing is missing (one count)."""

from __future__ import annotations

from typing import Any

from app.context import AppContext
from app.intake import job_store
from core.settings import get_settings
from indexing import store as istore
from indexing.documents import derived_fields, parse_channel_folders
from indexing.filing import is_own_address
from nlp.reasons import complaint_reason

FIELDS = ["sources", "source_kind", "register", "filing.suggested_register", "mime_type", "mail_from", "text",
          "language", "title", "tenant"]  # fmt: skip


def backfill_document_fields(ctx: AppContext) -> int:
    """`channel`, `direction`, `complaint_reason` for documents indexed before they existed; the number updated.
    Our own addresses (for the direction of e-mails) are the tenant's, as the intake workers know them."""
    own: dict[str, list[str]] = {}
    folders = parse_channel_folders(get_settings().channel_folders)

    def derive(src: dict[str, Any]) -> dict[str, Any]:
        tenant = str(src.get("tenant") or "")
        if tenant not in own:
            own[tenant] = job_store(ctx).own_identifiers(tenant)
        sender = src.get("mail_from")
        ours = is_own_address(str(sender), own[tenant]) if sender else None
        return derived_fields(src, ours, lambda text, lang, title: complaint_reason(text, lang, title=title), folders)

    updated = istore.backfill(ctx.store.es, ctx.prefix, "channel", derive, fields=FIELDS)
    if updated:
        ctx.invalidate()
    return updated
