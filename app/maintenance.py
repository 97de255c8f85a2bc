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


RETENTION_FIELDS = ["register", "doc_date", "received_at", "contract_end"]


def backfill_retention(ctx: AppContext, *, now: Any = None) -> int:
    """`retain_until` (and its basis and flags) for every document indexed before it existed or computed with
    another retention table (a changed period or profile); the number updated."""
    import datetime as dt

    from app.retention import table
    from indexing.retention import fields_of_source

    rules = table(ctx)
    when = now or dt.datetime.now(dt.UTC)
    query = {"bool": {"must_not": [{"term": {"retention_table": rules.fingerprint}}]}}
    updated = istore.backfill(ctx.store.es, ctx.prefix, "retention_table",
                              lambda src: fields_of_source(src, table=rules, now=when), fields=RETENTION_FIELDS,
                              query=query)  # fmt: skip
    if updated:
        ctx.invalidate()
    return updated
