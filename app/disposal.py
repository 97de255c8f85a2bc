"""The disposal run: the one use case that deletes documents whose retention has ended (page, API and CLI all
call `dispose`). A dry run (the default) deletes nothing and says what a run would delete.

What it deletes, and the guarantees:

- only document versions the principal may read whose `retain_until` lies before today (company time zone), or
  delivery notes whose invoice is issued (`app.retention.settled_delivery_notes`), and none under an active legal
  hold — conditions of the selecting query itself (`search.retention.disposal_candidates_body`);
- each selected document is checked again, one by one (date, register, each hold: document, dossier, view);
  an e-mail stays while one of its attachments stays; every delete carries the document's concurrency token (a
  document re-filed meanwhile is left alone); the holds are read again just before deleting (a hold set
  meanwhile stops the run for its tenant);
- a hold that cannot be resolved (a deleted view) stops every disposal in its tenant;
- an original is deleted from the archive (`Archive.remove`) only when no document left in any tenant of the
  index prefix references it (its content hash);
- a request to dispose of a particular document that is held or still kept is refused with the reason;
- every run (dry or not) is audited (`disposal_run`, refusals `disposal_refused`) and leaves a certificate:
  a CSV under `<var>/disposal/<run id>.csv` (read-only), one row per document.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import audit
from app.context import AppContext
from app.holds import ResolvedHolds, held_ids, resolve_holds, tenants_of
from app.retention import local_today, settled_delivery_notes, table
from domain.errors import AppError, Conflict, Forbidden, NotFound, Unavailable
from domain.principal import RETENTION, Principal
from domain.retention import as_date
from indexing.records import WriteConflict, WriteFailed
from search import retention as R
from search.parse import hits_of
from search.repository import ReadFailed

log = logging.getLogger(__name__)

CERTIFICATE_COLUMNS = ("run_id", "mode", "doc_id", "tenant", "register", "customer", "document_date", "retain_until",
                       "basis", "content_sha256", "original_deleted", "who", "when")  # fmt: skip
MAX_AUDITED_IDS = 5000


@dataclass
class DisposalItem:
    doc_id: str
    tenant: str
    register: str
    customer: str
    doc_date: str | None
    retain_until: str | None
    basis: str
    content_sha256: str
    deleted: bool = False
    original_deleted: bool = False
    original_would_go: bool = False  # dry run: no other document references the original
    source: dict[str, Any] = field(default_factory=dict, repr=False)
    hit: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Skipped:
    doc_id: str
    tenant: str
    reason: str  # held_document | held_customer | held_view | not_expired | attachment_retained | changed | review


@dataclass
class DisposalRun:
    run_id: str
    dry_run: bool
    by: str
    started_at: str
    today: str
    tenants: list[str]
    items: list[DisposalItem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # tenant -> reason (unresolved hold, holds changed)
    certificate: Path | None = None
    certificate_csv: str = ""
    finished_at: str = ""

    @property
    def deleted(self) -> int:
        return sum(1 for i in self.items if i.deleted)

    @property
    def originals_deleted(self) -> int:
        return sum(1 for i in self.items if i.original_deleted)

    def counts(self) -> dict[str, Any]:
        return {
            "documents": len(self.items),
            "deleted": self.deleted,
            "originals_deleted": self.originals_deleted,
            "originals_would_go": sum(1 for i in self.items if i.original_would_go),
            "skipped": dict(Counter(s.reason for s in self.skipped)),
            "refused_tenants": dict(self.refused),
        }


def certificate_dir(ctx: AppContext) -> Path:
    """Where certificates go: COCKPIT_DISPOSAL_DIR, default `<var>/disposal` (a test may set `ctx.disposal_dir`)."""
    from core.settings import get_settings

    settings = get_settings()
    return Path(getattr(ctx, "disposal_dir", None) or settings.disposal_dir or settings.var_dir / "disposal")


def _refuse(ctx: AppContext, principal: Principal, error: AppError, *, tenant: str | None = None,
            doc_id: str | None = None, **details: Any) -> AppError:  # fmt: skip
    extra = {k: v for k, v in {**error.params, **details}.items() if k not in ("tenant", "doc_id", "outcome")}
    audit.record(ctx, "disposal_refused", principal, wait=True, tenant=tenant or error.params.get("tenant"),
                 doc_id=doc_id, outcome=error.code, **extra)  # fmt: skip
    return error


def dispose(
    ctx: AppContext,
    principal: Principal,
    *,
    execute: bool = False,
    tenant: str | None = None,
    doc_ids: list[str] | tuple[str, ...] = (),
    now: dt.datetime | None = None,
) -> DisposalRun:
    """Dispose of what is due (dry run unless `execute`), in the principal's tenants or one `tenant`; `doc_ids`:
    only these documents — refused as a whole if one of them is held or still kept."""
    if not principal.can(RETENTION):
        raise _refuse(ctx, principal, Forbidden("error.capability", capability=RETENTION), tenant=tenant)
    now = now or dt.datetime.now(dt.UTC)
    today = local_today(ctx, now)
    rules = table(ctx)
    wanted = sorted({str(d).strip() for d in doc_ids if str(d).strip()})
    if wanted:
        tenants = _check_requested(ctx, principal, wanted, tenant, today, now)
    else:
        try:
            tenants = tenants_of(ctx, principal, tenant)
        except NotFound as exc:
            raise _refuse(ctx, principal, exc, tenant=tenant) from exc
    run = DisposalRun(
        run_id=f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}", dry_run=not execute, by=principal.login,
        started_at=now.isoformat(), today=today.isoformat(), tenants=tenants,
    )  # fmt: skip
    planned: dict[str, ResolvedHolds] = {}
    for t in tenants:
        resolved = resolve_holds(ctx, t, now)
        if resolved.unresolved:
            run.refused[t] = "hold_unresolved"
            _refuse(ctx, principal, Conflict("retention.error.hold_unresolved", tenant=t), tenant=t,
                    run_id=run.run_id, hold_ids=[h.hold_id for h in resolved.unresolved])  # fmt: skip
            continue
        planned[t] = resolved
        _plan_tenant(ctx, principal, run, resolved, today, rules, wanted)
    _mark_originals(ctx, run)
    if execute:
        for t, resolved in planned.items():
            again = resolve_holds(ctx, t, now)
            if again.fingerprint != resolved.fingerprint or again.unresolved:
                run.refused[t] = "holds_changed"
                for item in [i for i in run.items if i.tenant == t]:
                    run.items.remove(item)
                    run.skipped.append(Skipped(item.doc_id, t, "holds_changed"))
                _refuse(
                    ctx, principal, Conflict("retention.error.holds_changed", tenant=t), tenant=t, run_id=run.run_id
                )
                continue
            _delete(ctx, run, t)
        _repair_latest(ctx, [i for i in run.items if i.deleted])
        _delete_originals(ctx, run)
        if run.deleted:
            ctx.invalidate()
    run.finished_at = dt.datetime.now(dt.UTC).isoformat()
    _certify(ctx, run)
    for t in tenants or [None]:  # type: ignore[list-item]
        mine = [i for i in run.items if i.tenant == t]
        audit.record(
            ctx, "disposal_run", principal, wait=True, tenant=t, outcome="executed" if execute else "dry_run",
            run_id=run.run_id, documents=len(mine), deleted=sum(1 for i in mine if i.deleted),
            originals_deleted=sum(1 for i in mine if i.original_deleted),
            doc_ids=[i.doc_id for i in mine][:MAX_AUDITED_IDS],
            skipped=dict(Counter(s.reason for s in run.skipped if s.tenant == t)), refused=run.refused.get(t or ""),
            certificate=str(run.certificate or ""), profile=rules.profile, table=rules.fingerprint,
        )  # fmt: skip
    return run


# ------------------------------------------------------------------------------------------------ planning


def _check_requested(
    ctx: AppContext, principal: Principal, wanted: list[str], tenant: str | None, today: dt.date, now: dt.datetime
) -> list[str]:
    """Each requested document exists for the principal, its retention has ended and no hold covers it; else the
    whole request is refused (audited) with the first reason."""
    from app.holds import _document

    rules = table(ctx)
    sources: list[dict[str, Any]] = []
    for doc_id in wanted:
        try:
            src = _document(ctx, principal, doc_id).get("_source") or {}
        except NotFound as exc:
            raise _refuse(ctx, principal, exc, tenant=tenant, doc_id=doc_id) from exc
        if tenant and src.get("tenant") != tenant:
            raise _refuse(ctx, principal, NotFound("retention.error.document", doc_id=doc_id), doc_id=doc_id)
        sources.append(src)
    tenants = sorted({str(s.get("tenant") or "") for s in sources})
    for t in tenants:
        mine = [s for s in sources if s.get("tenant") == t]
        resolved = resolve_holds(ctx, t, now)
        if resolved.unresolved:
            raise _refuse(ctx, principal, Conflict("retention.error.hold_unresolved", tenant=t), tenant=t)
        held = held_ids(ctx, resolved, mine)
        settled = settled_delivery_notes(ctx, principal, t, today, rules) if any(
            s.get("register") == "delivery_note" for s in mine) else {}  # fmt: skip
        for src in mine:
            doc_id = str(src.get("doc_id"))
            if doc_id in held:
                raise _refuse(ctx, principal, Conflict("retention.error.held", doc_id=doc_id, by=held[doc_id]),
                              tenant=t, doc_id=doc_id)  # fmt: skip
            until = settled[doc_id][0] if doc_id in settled else as_date(src.get("retain_until"))
            if until is None or until >= today:
                code = "retention.error.never" if until is None else "retention.error.not_expired"
                raise _refuse(ctx, principal, Conflict(code, doc_id=doc_id, until=until.isoformat() if until else ""),
                              tenant=t, doc_id=doc_id)  # fmt: skip
    return tenants


def _plan_tenant(
    ctx: AppContext,
    principal: Principal,
    run: DisposalRun,
    resolved: ResolvedHolds,
    today: dt.date,
    rules: Any,
    wanted: list[str],
) -> None:
    t = resolved.tenant
    try:
        settled = {k: v for k, v in settled_delivery_notes(ctx, principal, t, today, rules).items() if v[0] < today}
        body = R.disposal_candidates_body(principal, today.isoformat(), resolved.exclusions, tenant=t,
                                          settled=sorted(settled))  # fmt: skip
        hits = list(ctx.repo.scan("documents", body))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    if wanted:
        hits = [h for h in hits if h["_id"] in wanted]
    sources = [h.get("_source") or {} for h in hits]
    held = held_ids(ctx, resolved, sources)  # the re-check, document by document
    items: dict[str, DisposalItem] = {}
    for hit, src in zip(hits, sources, strict=True):
        doc_id = str(src.get("doc_id") or hit["_id"])
        stored = as_date(src.get("retain_until"))
        until = settled[doc_id][0] if doc_id in settled else stored
        if doc_id in held:
            run.skipped.append(Skipped(doc_id, t, f"held_{held[doc_id]}"))
        elif src.get("register") == "review" or until is None:
            run.skipped.append(Skipped(doc_id, t, "review"))
        elif until >= today or src.get("tenant") != t:
            run.skipped.append(Skipped(doc_id, t, "not_expired"))
        else:
            items[doc_id] = DisposalItem(
                doc_id=doc_id, tenant=t, register=str(src.get("register") or ""),
                customer=str((src.get("customer_ids") or [""])[0]),
                doc_date=src.get("doc_date"), retain_until=until.isoformat(),
                basis=f"delivery_note:invoice:{settled[doc_id][1]}" if doc_id in settled
                else str(src.get("retention_basis") or ""),
                content_sha256=str(src.get("content_sha256") or ""), source=src, hit=hit,
            )  # fmt: skip
    changed = True
    while changed:  # an e-mail stays while one of its attachments stays (nested e-mails: until nothing changes)
        changed = False
        for doc_id, item in list(items.items()):
            if any(a not in items for a in item.source.get("attachment_ids") or []):
                del items[doc_id]
                run.skipped.append(Skipped(doc_id, t, "attachment_retained"))
                changed = True
    run.items.extend(items.values())


def _reference_counts(ctx: AppContext, shas: list[str]) -> dict[str, int]:
    """Documents referencing each original, in every tenant of the prefix (read as the system)."""
    out: dict[str, int] = {}
    system = Principal.system()
    for i in range(0, len(shas), 1000):
        chunk = shas[i : i + 1000]
        try:
            resp = ctx.repo.search("documents", R.references_body(system, chunk))
        except ReadFailed as exc:
            raise Unavailable("error.unavailable") from exc
        for b in ((resp.get("aggregations") or {}).get("shas") or {}).get("buckets") or []:
            out[str(b["key"])] = int(b.get("doc_count") or 0)
    return out


def _mark_originals(ctx: AppContext, run: DisposalRun) -> None:
    """Which originals the run would leave unreferenced (every referencing document is in the run)."""
    shas = sorted({i.content_sha256 for i in run.items if i.content_sha256})
    counts = _reference_counts(ctx, shas)
    in_run = Counter(i.content_sha256 for i in run.items)
    for item in run.items:
        item.original_would_go = bool(item.content_sha256) and counts.get(item.content_sha256, 0) <= in_run[
            item.content_sha256]  # fmt: skip


# ------------------------------------------------------------------------------------------------ deleting


def _delete(ctx: AppContext, run: DisposalRun, tenant: str) -> None:
    mine = {i.doc_id: i for i in run.items if i.tenant == tenant}
    if not mine:
        return
    actions = [
        {"_op_type": "delete", "_index": i.hit.get("_index"), "_id": i.hit["_id"],
         **({"if_seq_no": i.hit["_seq_no"], "if_primary_term": i.hit["_primary_term"]}
            if i.hit.get("_seq_no") is not None else {})}
        for i in mine.values()
    ]  # fmt: skip
    try:
        outcomes = list(ctx.store.bulk("documents", actions, refresh=True))
    except WriteFailed as exc:
        raise Unavailable("retention.error.write") from exc
    for o in outcomes:
        item = mine.get(o.id)
        if item is None:
            continue
        if o.ok:
            item.deleted = True
        else:  # changed meanwhile (409) or gone: left alone, said so
            log.warning("disposal %s: %s not deleted: %s", run.run_id, o.id, o.error)
            run.items.remove(item)
            run.skipped.append(Skipped(item.doc_id, tenant, "changed" if o.status == 409 else "not_deleted"))


def _repair_latest(ctx: AppContext, deleted: list[DisposalItem]) -> None:
    """A family whose latest version was disposed of: its highest remaining version becomes the latest."""
    families = sorted({str(i.source.get("family_id")) for i in deleted if i.source.get("is_latest") and
                       i.source.get("family_id")})  # fmt: skip
    if not families:
        return
    try:
        hits = hits_of(ctx.repo.search("documents", R.family_versions_body(Principal.system(), families)))
    except ReadFailed as exc:
        log.error("is_latest not repaired for %d families: %s", len(families), exc)
        return
    by_family: dict[str, list[dict[str, Any]]] = {}
    for h in hits:
        by_family.setdefault(str((h.get("_source") or {}).get("family_id")), []).append(h)
    for members in by_family.values():
        if any((m.get("_source") or {}).get("is_latest") for m in members):
            continue
        top = max(members, key=lambda m: int((m.get("_source") or {}).get("version") or 0))
        try:
            ctx.store.update("documents", top["_id"], {"is_latest": True}, concrete_index=top.get("_index"))
        except (WriteConflict, WriteFailed) as exc:
            log.error("is_latest of %s not set: %s", top["_id"], exc)


def _delete_originals(ctx: AppContext, run: DisposalRun) -> None:
    """Originals no remaining document references (counted again after the deletes, every tenant)."""
    from indexing.archive import Archive, ArchiveError

    gone = sorted({i.content_sha256 for i in run.items if i.deleted and i.content_sha256})
    if not gone:
        return
    counts = _reference_counts(ctx, gone)
    archive = Archive(ctx.archive_root)
    removed: dict[str, bool] = {}
    for sha in gone:
        if counts.get(sha, 0) > 0:
            continue
        try:
            removed[sha] = archive.remove(sha)
        except (ArchiveError, OSError) as exc:  # a WORM lock, a bad hash: the index entry is gone, the file stays
            log.error("disposal %s: original %s not removed: %s", run.run_id, sha[:12], exc)
            removed[sha] = False
    for item in run.items:
        item.original_deleted = item.deleted and removed.get(item.content_sha256, False)


# ------------------------------------------------------------------------------------------------ certificate


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def certificate_rows(run: DisposalRun) -> list[dict[str, str]]:
    mode = "dry_run" if run.dry_run else "executed"
    rows = []
    for i in sorted(run.items, key=lambda i: (i.tenant, i.doc_id)):
        done = i.original_would_go if run.dry_run else i.original_deleted
        original = ("would" if run.dry_run else "yes") if done else "no"
        rows.append({
            "run_id": run.run_id, "mode": mode, "doc_id": i.doc_id, "tenant": i.tenant, "register": i.register,
            "customer": i.customer, "document_date": i.doc_date or "", "retain_until": i.retain_until or "",
            "basis": i.basis, "content_sha256": i.content_sha256, "original_deleted": original, "who": run.by,
            "when": run.finished_at,
        })  # fmt: skip
    return rows


def _certify(ctx: AppContext, run: DisposalRun) -> None:
    """The deletion certificate: CSV (UTF-8, `;`), one row per document, written once and made read-only."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CERTIFICATE_COLUMNS, delimiter=";", lineterminator="\n")
    writer.writeheader()
    for row in certificate_rows(run):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    run.certificate_csv = buf.getvalue()
    folder = certificate_dir(ctx)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{run.run_id}.csv"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(run.certificate_csv)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(path, 0o400)
        run.certificate = path
    except OSError as exc:  # the run happened: the audit entry and the returned CSV still say what
        log.error("disposal certificate %s not written: %s", run.run_id, exc)


def read_certificate(ctx: AppContext, principal: Principal, run_id: str) -> str:
    """A stored certificate (principals with the retention capability; only runs of their tenants)."""
    principal.require(RETENTION)
    if not run_id or any(c not in "0123456789abcdefTZ-" for c in run_id) or len(run_id) > 40:
        raise NotFound("retention.error.run", run_id=run_id)
    path = certificate_dir(ctx) / f"{run_id}.csv"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise NotFound("retention.error.run", run_id=run_id) from exc
    if not principal.is_system:
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        if any(r.get("tenant") not in principal.tenants for r in rows) or (not rows and not principal.is_admin):
            raise NotFound("retention.error.run", run_id=run_id)
    return text
