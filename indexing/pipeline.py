"""The ingest pipeline: sources → extract → enrich/file → embed → index, with an accountable summary.

Extraction and enrichment run in worker processes (`workers`, default 1) while the main process embeds
and writes, so on 2 cores the embedding model is the bottleneck. Idempotent by construction: a
document's id is derived from its tenant and the SHA-256 of its bytes, so a rerun (also after kill -9)
finds what is already indexed and skips it.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import pickle
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import core  # noqa: F401
from indexing import documents as D
from indexing import schema
from indexing.archive import Archive, ArchiveError, sha256_bytes
from indexing.sources import iter_source_files

# --------------------------------------------------------------------------- run summary


@dataclass
class Failure:
    source_uri: str
    reason_code: str
    message: str


@dataclass
class RunSummary:
    tenant: str
    started_at: str
    finished_at: str = ""
    seconds: float = 0.0
    files_seen: int = 0
    attachments_seen: int = 0
    documents_indexed: int = 0  # new documents (first version)
    new_versions: int = 0
    unchanged: int = 0
    duplicates_merged: int = 0  # same content from another source: one document, one more source ref
    sent_to_review: int = 0  # of the indexed ones and new versions
    failed: list[Failure] = field(default_factory=list)
    passages: int = 0
    passages_embedded: int = 0  # computed by the model (the rest came from the cache)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    warnings: int = 0
    new_doc_ids: list[str] = field(default_factory=list, repr=False)  # for subscriptions; not in the JSON

    def adds_up(self) -> bool:
        seen = self.files_seen + self.attachments_seen
        done = self.documents_indexed + self.new_versions + self.unchanged + self.duplicates_merged + len(self.failed)
        return seen == done and self.sent_to_review <= self.documents_indexed + self.new_versions

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("new_doc_ids")
        data["adds_up"] = self.adds_up()
        return data

    def describe(self) -> str:
        lines = [
            f"Ingest run for tenant {self.tenant}: {self.seconds:.1f} s",
            f"  files seen {self.files_seen}, attachments seen {self.attachments_seen}",
            f"  indexed {self.documents_indexed}, new versions {self.new_versions}, unchanged {self.unchanged}, "
            f"duplicates merged {self.duplicates_merged}, failed {len(self.failed)}",
            f"  sent to review {self.sent_to_review}; passages {self.passages} ({self.passages_embedded} embedded, "
            f"rest from cache)",
            f"  numbers add up: {'yes' if self.adds_up() else 'NO'}",
        ]
        for f in self.failed[:50]:
            lines.append(f"  FAILED {f.source_uri}: {f.reason_code}: {f.message}")
        if len(self.failed) > 50:
            lines.append(f"  … and {len(self.failed) - 50} more failures (see the JSON summary)")
        return "\n".join(lines)


# --------------------------------------------------------------------------- worker side (extract + enrich)


@dataclass
class WorkerContext:
    tenant: str
    customers: list[dict[str, Any]]
    max_bytes: int
    max_pages: int
    archive_root: str = ""
    own_identifiers: list[str] = field(default_factory=list)
    doc_number_owners: dict[str, str] = field(default_factory=dict)
    directory: Any = None
    gazetteer: Any = None
    names: dict[str, str] = field(default_factory=dict)
    channel_folders: dict[str, str] = field(default_factory=lambda: dict(D.DEFAULT_CHANNEL_FOLDERS))

    def build(self) -> WorkerContext:
        from indexing.filing import CustomerDirectory
        from nlp.gazetteer import Gazetteer

        rows = [customer_row(c) for c in self.customers]
        self.directory = CustomerDirectory.from_rows(rows)
        self.gazetteer = Gazetteer.from_customers(rows)
        self.names = {r["customer_id"]: r["name"] for r in rows}
        return self


_WORKER_NICENESS = 5
_CTX: WorkerContext | None = None  # one per worker process, loaded from the run's context file
_CTX_FILE: str | None = None


def _init_worker() -> None:
    """Pool initializer: import the partitioners and load the models right away, while the main process
    is still setting the run up (the run's WorkerContext arrives with the first task)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with contextlib.suppress(OSError):
        # The model is the bottleneck: when the workers and the embedder compete for the cores, the
        # embedder goes first (tesseract, started by the workers, inherits the lower priority).
        os.nice(_WORKER_NICENESS)
    warm_in_process()


def warm_in_process() -> None:
    """Import the partitioners and load the language tools in this process (best effort)."""
    try:
        from indexing.extract import warm_up
        from nlp.entities import extract_entities
        from nlp.language import detect_language
        from nlp.lemmas import lemmatize

        warm_up()
        detect_language("Sehr geehrte Damen und Herren, anbei die Rechnung.")
        extract_entities("Dear Mr Smith, please find the invoice attached. Kind regards, Anna Miller", "en")
        for lang in ("de", "en"):
            lemmatize("Rechnungen invoices", lang)
    except Exception:  # noqa: BLE001,S110 - the first real file reports what is missing
        pass


def _worker_ready() -> bool:
    return True


def _context_for(ctx_file: str) -> WorkerContext:
    """The run's WorkerContext in this worker (built once per run and worker; a pool outlives runs)."""
    global _CTX, _CTX_FILE
    if _CTX is None or ctx_file != _CTX_FILE:
        with open(ctx_file, "rb") as fh:
            ctx: WorkerContext = pickle.load(fh)  # noqa: S301 - written by our own main process for this run
        _CTX, _CTX_FILE = ctx.build(), ctx_file
    return _CTX


def customer_row(body: dict[str, Any]) -> dict[str, str]:
    """customers index body → the master-data row shape the filing rules take."""
    return {
        "customer_id": body["customer_id"],
        "customer_number": body.get("number", ""),
        "name": body.get("name", ""),
        "aliases": "|".join(body.get("aliases") or []),
        "email_domain": "|".join(body.get("domains") or []),
        "contact_email": "|".join(body.get("emails") or []),
        "iban": "|".join(body.get("ibans") or []),
        "vat_id": body.get("vat_id") or "",
        "tenant": body.get("tenant", ""),
    }


@dataclass
class WorkItem:
    data: bytes
    file_name: str
    source_uri: str
    source_kind: str
    parent_uri: str | None = None
    hints: Hints | None = None
    depth: int = 0


@dataclass(frozen=True)
class Hints:
    """What the sender said about a document: the dossier it was dropped on, the register chosen, and why.

    `filed_by` is the person (upload onto a dossier: filed manually) or empty (an integration's hint: filed
    automatically, with the hint as the reason)."""

    customer_id: str | None = None
    register: str | None = None
    reason: str = ""
    filed_by: str = ""


@dataclass
class IntakeItem:
    """One file to index: where it came from, how to read it, and the sender's hints."""

    source_uri: str
    file_name: str
    read: Callable[[], bytes]
    source_kind: str = "file"
    hints: Hints | None = None


@dataclass
class Outcome:
    """What became of one intake item (its attachments are counted in the run summary)."""

    status: str  # indexed | new_version | review | unchanged | duplicate | failed
    doc_id: str | None = None
    reason_code: str = ""
    message: str = ""


@dataclass
class WorkResult:
    source_uri: str
    docs: list[D.PreparedDoc]
    failures: list[Failure]
    seconds: dict[str, float]


def process_item(ctx_file: str, item: WorkItem) -> WorkResult:
    return _safe(item, _context_for(ctx_file))


# One pool per process, reused by the runs of that process (the bench ingests one tenant after the other;
# each new pool would pay the worker warm-up again, ~12 s on 2 cores). Replaced when broken or resized.
_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0
# How the pool starts its processes: the default (fork) from the CLI; "spawn" inside a queue worker, whose
# threads (consumers, heartbeats) make fork unsafe.
POOL_START_METHOD: str | None = None
_IN_FLIGHT_PER_WORKER = 256  # files handed to the workers ahead of the main process (bounded in bytes too)
_IN_FLIGHT_BYTES = 256 * 1024 * 1024


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """The process-wide extraction pool with `workers` processes, started (and warming up) now."""
    global _POOL, _POOL_SIZE
    if _POOL is not None and (workers != _POOL_SIZE or getattr(_POOL, "_broken", False)):
        _POOL.shutdown(wait=False, cancel_futures=True)
        _POOL = None
    if _POOL is None:
        import multiprocessing

        mp_context = multiprocessing.get_context(POOL_START_METHOD) if POOL_START_METHOD else None
        _POOL = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, mp_context=mp_context)
        _POOL_SIZE = workers
        for _ in range(workers):
            _POOL.submit(_worker_ready)  # spawns the processes: their warm-up overlaps the run's setup
    return _POOL


def shutdown_worker_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=True, cancel_futures=True)
        _POOL = None


atexit.register(shutdown_worker_pool)


def window_full(items: int, in_flight_bytes: int, workers: int) -> bool:
    """Whether the main process should wait for the oldest result before handing out more files.

    Deep enough that a worker never idles while the main process embeds a long document, bounded in
    bytes so that large files do not pile up in memory. (A run that makes way for an upload takes the
    files not started yet back from the pool: the depth does not delay the upload.)"""
    if items <= 1:
        return False
    return items > max(4, workers * _IN_FLIGHT_PER_WORKER) or in_flight_bytes > _IN_FLIGHT_BYTES


def _process(item: WorkItem, ctx: WorkerContext) -> WorkResult:
    from indexing.extract import ExtractFailure, Limits, extract

    timings = {"extract": 0.0, "enrich": 0.0}
    if ctx.archive_root:
        # the original is kept even if extraction fails
        Archive(Path(ctx.archive_root)).put(item.data, source=item.source_uri, kind=item.source_kind, tenant=ctx.tenant)
    t0 = time.perf_counter()
    limits = Limits(max_bytes=ctx.max_bytes, max_pages=ctx.max_pages)
    result = extract(item.data, file_name=item.file_name, limits=limits)
    timings["extract"] += time.perf_counter() - t0
    if isinstance(result, ExtractFailure):
        return WorkResult(item.source_uri, [], [Failure(item.source_uri, result.reason_code, result.message)], timings)
    t1 = time.perf_counter()
    docs: list[D.PreparedDoc] = []
    failures: list[Failure] = []
    main = enrich(item, result, ctx)
    if item.hints is not None:
        apply_hints(main, item.hints, ctx)
    docs.append(main)
    timings["enrich"] += time.perf_counter() - t1
    attachments = [a for a in getattr(result, "attachments", []) or [] if not (a.is_inline and len(a.content) < 20_000)]
    for n, att in enumerate(attachments):  # (inline signature logos and the like are skipped above)
        sub_uri = f"{item.source_uri}#{att.file_name}"  # (names of attachments are made safe by the extractor)
        if item.depth + 1 > MAX_ATTACHMENT_DEPTH:
            failures.append(
                Failure(sub_uri, "too_deep", f"attachment nested deeper than {MAX_ATTACHMENT_DEPTH} levels")
            )
            continue
        if n >= MAX_ATTACHMENTS:
            failures.append(Failure(sub_uri, "too_many_attachments", f"more than {MAX_ATTACHMENTS} attachments"))
            continue
        sub = WorkItem(att.content, att.file_name, sub_uri, "attachment", item.source_uri, depth=item.depth + 1)
        sub_result = _process(sub, ctx)
        for k, v in sub_result.seconds.items():
            timings[k] += v
        for d in sub_result.docs:
            inherit_filing(d, main)
        docs.extend(sub_result.docs)
        failures.extend(sub_result.failures)
    return WorkResult(item.source_uri, docs, failures, timings)


MAX_ATTACHMENT_DEPTH = 5  # an e-mail in an e-mail in …: deeper levels are reported, not expanded
MAX_ATTACHMENTS = 200


def apply_hints(doc: D.PreparedDoc, hints: Hints, ctx: WorkerContext) -> None:
    """The sender's hints win over the rules: a document dropped on a dossier is that customer's, a chosen
    register is that register. An unknown customer id is ignored with a warning (the rules decide)."""
    if hints.register:
        doc.register = hints.register
        doc.register_reason = hints.reason or "Register beim Einliefern gewählt"
        if doc.register == "complaint" and doc.complaint_reason is None:
            from nlp.reasons import complaint_reason

            doc.complaint_reason = complaint_reason(doc.text, doc.language, title=doc.title)
    if not hints.customer_id:
        return
    if hints.customer_id not in ctx.names:
        doc.warnings.append(f"customer_hint_unknown:{hints.customer_id}")
        return
    doc.customer_ids = [hints.customer_id]
    doc.customer_names = [ctx.names[hints.customer_id]]
    doc.filing_status = "manual" if hints.filed_by else "auto"
    doc.confidence = 1.0
    doc.reasons = [hints.reason or f"Eingeliefert für Kunde {hints.customer_id}", *doc.reasons]


def inherit_filing(attachment: D.PreparedDoc, mail: D.PreparedDoc) -> None:
    """An attachment without its own evidence goes where its e-mail went."""
    if (
        attachment.filing_status == "review"
        and not attachment.customer_ids
        and mail.filing_status in ("auto", "manual")
    ):
        attachment.customer_ids = list(mail.customer_ids)
        attachment.customer_names = list(mail.customer_names)
        attachment.filing_status = "auto"
        attachment.confidence = min(mail.confidence, 0.9)
        attachment.reasons = [f"Anhang der E-Mail „{mail.title[:80]}“", *mail.reasons]


def enrich(item: WorkItem, extracted: Any, ctx: WorkerContext) -> D.PreparedDoc:
    from indexing.filing import file_document, is_own_address
    from nlp.chunking import chunk_passages
    from nlp.entities import all_ids, entity_facets, extract_entities
    from nlp.language import detect_language
    from nlp.lemmas import lemmatize
    from nlp.reasons import complaint_reason
    from nlp.registers import classify_register, heading_line
    from nlp.stems import stem_text

    text = extracted.text
    title = extracted.title or Path(item.file_name).stem
    email = extracted.email
    if email is None:  # a PDF's first line is often the sender's letterhead: its own heading names it better
        heading = heading_line(text)
        if heading and heading.casefold() not in title.casefold():
            title = heading
    lang = detect_language(f"{title}\n{text}")
    lemma_lang = lang if lang != "und" else "de"
    page_offsets = _page_offsets(extracted.elements)
    header = ""
    if email is not None:
        header = (
            f"Von: {email.from_name} <{email.from_addr}>\nAn: {', '.join(email.to_addrs)}\nBetreff: {email.subject}\n"
        )
    ents = extract_entities(header + text, lemma_lang, page_offsets=None if header else page_offsets)
    hits = ctx.gazetteer.find(f"{title}\n{text}")
    filing = file_document(
        entities=ents,
        gazetteer_hits=hits,
        mail_from=email.from_addr if email else None,
        mail_to=list(email.to_addrs) + list(email.cc) if email else (),
        customers=ctx.directory,
        own_identifiers=set(ctx.own_identifiers),
        doc_number_owners=ctx.doc_number_owners,
        page_offsets=None if header else page_offsets,
    )
    register, register_reason = classify_register(
        title=title,
        text=text,
        file_name=item.file_name,
        subject=email.subject if email else None,
        lang=lemma_lang,
        doc_numbers=ents.doc_numbers,
    )
    passages = chunk_passages([e.text for e in extracted.elements], max_tokens=200)
    if passages:
        passages[0] = f"{title}\n{passages[0]}" if not passages[0].startswith(title) else passages[0]
    else:
        passages = [title]
    total = ents.total_amount
    email_dict = None
    if email is not None:
        thread_root = (email.references[0] if email.references else None) or email.in_reply_to or email.message_id
        email_dict = {
            "subject": email.subject,
            "from_addr": email.from_addr,
            "to_addrs": email.to_addrs,
            "date": email.date,
            "message_id": email.message_id,
            "thread_id": thread_root,
            "is_forward": email.is_forward,
        }
    doc_date = (email.date[:10] if email and email.date else None) or (ents.date[0] if ents.date else None)
    from_ours = is_own_address(email.from_addr, ctx.own_identifiers) if email and email.from_addr else None
    source_kind = "email" if email is not None and item.source_kind == "file" else item.source_kind
    return D.PreparedDoc(
        source_uri=item.source_uri,
        source_kind=source_kind,
        file_name=item.file_name,
        sha256=sha256_bytes(item.data),
        size=len(item.data),
        mime_type=extracted.mime_type,
        title=title,
        text=text,
        language=lang,
        lemmas=lemmatize(f"{title}\n{text}", lemma_lang),
        stems=stem_text(f"{title}\n{text}", lemma_lang),
        pages=extracted.pages,
        element_count=len(extracted.elements),
        register=register,
        register_reason=register_reason,
        customer_ids=list(filing.customer_ids),
        customer_names=[ctx.names.get(c, c) for c in filing.customer_ids],
        filing_status=filing.status,
        confidence=float(filing.confidence),
        reasons=list(filing.reasons),
        candidates=list(filing.candidates),
        entities=ents.by_kind(),
        entity_facets=entity_facets(ents),
        ids=all_ids(ents),
        total_amount=total.value if total else None,
        currency=total.currency if total else None,
        doc_date=doc_date,
        passages=passages,
        offer_numbers=list(ents.offer_number),
        email=email_dict,
        parent_uri=item.parent_uri,
        warnings=list(extracted.warnings),
        ocr_used=bool(extracted.ocr_used),
        from_ours=from_ours,
        channel=D.channel_of(
            source_kind,
            item.source_uri,
            ocr_used=bool(extracted.ocr_used),
            mime_type=extracted.mime_type or "",
            folders=ctx.channel_folders,
        ),  # fmt: skip
        complaint_reason=complaint_reason(text, lemma_lang, title=title) if register == "complaint" else None,
    )


def _page_offsets(elements: list[Any]) -> list[int] | None:
    """Character offsets where each page starts in the joined text (elements joined by blank lines)."""
    offsets: list[int] = []
    pos = 0
    last_page = None
    for el in elements:
        if el.page_number is not None and el.page_number != last_page:
            while len(offsets) < el.page_number:
                offsets.append(pos)
            last_page = el.page_number
        pos += len(el.text) + 2
    return offsets or None


# --------------------------------------------------------------------------- main side (embed + index)


class Ingestor:
    """Drives one run: decides new/unchanged/duplicate, embeds, versions and writes."""

    def __init__(self, es: Any, prefix: str, tenant: str, archive: Archive, embedder: Any, cache: Any) -> None:
        from indexing import schema, store

        self.es = es
        self.prefix = prefix
        self.tenant = tenant
        self.archive = archive
        self.embedder = embedder
        self.cache = cache
        self.index = schema.alias_name(prefix, "documents")
        store.ensure_indices(es, prefix, dims=embedder.dims if embedder is not None else schema.EMBEDDING_DIMS)
        self.families: dict[str, list[tuple[str, int]]] = {}
        self.uri_to_id: dict[str, str] = {}
        self.sources: dict[str, list[dict[str, Any]]] = {}  # doc_id -> sources known in this run
        self.queued_bodies: dict[str, dict[str, Any]] = {}  # doc_id -> body not yet flushed
        self.pending_actions: list[dict[str, Any]] = []
        self.now = dt.datetime.now(dt.UTC)
        self.outcomes: dict[str, Outcome] = {}  # top-level source uri -> what became of it
        from indexing.retention import configured_table

        self.retention = configured_table()  # retain_until of every new document (validated at start-up)
        from indexing.access_policy import configured_policy

        self.access = configured_policy()  # acl_groups / export_groups by tenant and register (validated too)
        self.confidential: dict[str, dict[str, Any]] = {}

    def _outcome(self, d: D.PreparedDoc, status: str, doc_id: str) -> None:
        if d.parent_uri is None:
            self.outcomes[d.source_uri] = Outcome(status, doc_id)

    def existing(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        from indexing import store

        return store.get_existing(self.es, self.index, ids, ["sources", "doc_id"])

    def merge_source(self, doc_id: str, current: dict[str, Any], uri: str, kind: str) -> None:
        """One more source reference for a known document (sources accumulate within a run too)."""
        sources = self.sources.setdefault(doc_id, list(current.get("sources") or []))
        sources.append({"uri": uri, "kind": kind, "received_at": self.now.isoformat()})
        queued = self.queued_bodies.get(doc_id)
        if queued is not None:
            queued["sources"] = sources  # not written yet: the index action carries all of them
        else:
            self.pending_actions.append(
                {"_op_type": "update", "_index": self.index, "_id": doc_id, "doc": {"sources": list(sources)}}
            )

    def load_families(self, family_ids: list[str]) -> None:
        """Fetch the indexed versions of the families not yet known to this run (one round trip)."""
        from indexing import store

        todo = [f for f in dict.fromkeys(family_ids) if f not in self.families]
        for family_id, found in store.family_members_many(self.es, self.index, self.tenant, todo).items():
            self.families[family_id] = [(m["_id"], int(m.get("version") or 1)) for m in found]
            marked = [m for m in found if m.get("confidential")]
            if marked:  # a new version stays as confidential as the family is
                newest = max(marked, key=lambda m: int(m.get("version") or 1))
                self.confidential[family_id] = {k: newest.get(k) for k in schema.CONFIDENTIAL_FIELDS}

    def version_for(self, family_id: str) -> tuple[int, list[str]]:
        self.load_families([family_id])
        known = self.families[family_id]
        version = max((v for _, v in known), default=0) + 1
        return version, [doc_id for doc_id, _ in known]

    def embed(self, texts: list[str], summary: RunSummary) -> Any:
        """Vectors for `texts` through the cache; model time and model-computed passages are accounted."""
        t0 = time.perf_counter()
        before = self.cache.misses
        vectors = self.cache.embed(texts, self.embedder.encode)
        summary.stage_seconds["embed"] = summary.stage_seconds.get("embed", 0.0) + time.perf_counter() - t0
        summary.passages_embedded += self.cache.misses - before
        return vectors

    def pre_embed(self, docs: list[D.PreparedDoc], summary: RunSummary) -> None:
        """Embed the passages of results that arrived ahead of their turn, into the cache, while the
        result whose turn it is is still being extracted: the model never idles while there is text."""
        texts = [p for d in docs for p in d.passages]
        if texts:
            self.embed(texts, summary)

    def add_documents(self, docs: list[D.PreparedDoc], summary: RunSummary) -> None:
        """Embed and queue index actions for prepared documents (the results of several files, e-mails
        with their attachments): one lookup, one model call and one family query for all of them."""
        if not docs:
            return
        ids = [D.doc_id_for(self.tenant, d.sha256) for d in docs]
        known = self.existing(ids)
        fresh: list[tuple[str, D.PreparedDoc]] = []
        again: list[tuple[str, D.PreparedDoc]] = []  # same content as a fresh document of this batch
        fresh_ids: set[str] = set()
        for doc_id, d in zip(ids, docs, strict=True):
            if d.parent_uri is not None:
                summary.attachments_seen += 1
            if doc_id in known or doc_id in self.sources:
                current = known.get(doc_id, {"sources": []})
                seen_sources = self.sources.get(doc_id, current.get("sources") or [])
                if any(s.get("uri") == d.source_uri for s in seen_sources):
                    summary.unchanged += 1
                    self._outcome(d, "unchanged", doc_id)
                else:
                    self.merge_source(doc_id, current, d.source_uri, d.source_kind)
                    summary.duplicates_merged += 1
                    self._outcome(d, "duplicate", doc_id)
                self.uri_to_id[d.source_uri] = doc_id
                continue
            self.uri_to_id[d.source_uri] = doc_id
            if doc_id in fresh_ids:
                again.append((doc_id, d))
                continue
            fresh_ids.add(doc_id)
            fresh.append((doc_id, d))
        if not fresh:
            return
        texts = [p for _, d in fresh for p in d.passages]
        vectors = self.embed(texts, summary)
        summary.passages += len(texts)
        self.load_families(
            [
                D.family_key(self.tenant, d.register, d.offer_numbers, d.source_uri, d.email is not None)
                for _, d in fresh
            ]
        )
        pos = 0
        for doc_id, d in fresh:
            vecs = vectors[pos : pos + len(d.passages)].tolist()
            pos += len(d.passages)
            family = D.family_key(self.tenant, d.register, d.offer_numbers, d.source_uri, d.email is not None)
            version, older = self.version_for(family)
            for old in older:
                self.pending_actions.append(
                    {"_op_type": "update", "_index": self.index, "_id": old, "doc": {"is_latest": False}}
                )
            self.families[family].append((doc_id, version))
            parent_id = self.uri_to_id.get(d.parent_uri) if d.parent_uri else None
            attachment_ids = [
                self.uri_to_id[x.source_uri]
                for x in docs
                if x.parent_uri == d.source_uri and x.source_uri in self.uri_to_id
            ]
            body = D.build_body(
                d,
                tenant=self.tenant,
                doc_id=doc_id,
                family_id=family,
                version=version,
                sources=[{"uri": d.source_uri, "kind": d.source_kind, "received_at": self.now.isoformat()}],
                vectors=vecs,
                now=self.now,
                parent_id=parent_id,
                attachment_ids=attachment_ids,
                archive_path=str(self.archive.path_for(d.sha256).relative_to(self.archive.root)),
                retention=self.retention,
                access=self.access,
                confidential=self.confidential.get(family),
            )
            parent_body = self.queued_bodies.get(parent_id) if parent_id else None
            if parent_body is not None and not body.get("thread_id"):  # an attachment belongs to its mail's thread
                body["thread_id"] = parent_body.get("thread_id")
            self.pending_actions.append({"_op_type": "index", "_index": self.index, "_id": doc_id, "_source": body})
            self.sources[doc_id] = body["sources"]
            self.queued_bodies[doc_id] = body
            summary.new_doc_ids.append(doc_id)
            if version > 1:
                summary.new_versions += 1
            else:
                summary.documents_indexed += 1
            if d.filing_status == "review":
                summary.sent_to_review += 1
            self._outcome(
                d, "review" if d.filing_status == "review" else ("new_version" if version > 1 else "indexed"), doc_id
            )
            summary.warnings += len(d.warnings)
        for doc_id, d in again:
            if any(src.get("uri") == d.source_uri for src in self.sources[doc_id]):
                summary.unchanged += 1
                self._outcome(d, "unchanged", doc_id)
            else:
                self.merge_source(doc_id, {"sources": []}, d.source_uri, d.source_kind)
                summary.duplicates_merged += 1
                self._outcome(d, "duplicate", doc_id)

    def flush(self, summary: RunSummary, force: bool = False) -> None:
        from indexing import store

        if not self.pending_actions or (len(self.pending_actions) < 100 and not force):
            return
        t0 = time.perf_counter()
        actions, self.pending_actions = self.pending_actions, []
        self.queued_bodies = {}
        failures = store.bulk_write(self.es, actions)
        by_id = {doc_id: uri for uri, doc_id in self.uri_to_id.items()}
        for doc_id, err in failures:
            uri = by_id.get(doc_id, doc_id)
            summary.failed.append(Failure(uri, "index_error", err))
            if uri in self.outcomes:
                self.outcomes[uri] = Outcome("failed", doc_id, "index_error", err)
        summary.stage_seconds["index"] = summary.stage_seconds.get("index", 0.0) + time.perf_counter() - t0


_BATCH_PASSAGES = 64  # passages per model call: the workers are ahead, so waiting for them costs nothing
_BATCH_RESULTS = 32


def batch_full(batch: list[WorkResult]) -> bool:
    """Whether the results collected so far go to the model and the index now."""
    passages = sum(len(d.passages) for r in batch for d in r.docs)
    return passages >= _BATCH_PASSAGES or len(batch) >= _BATCH_RESULTS


def run_ingest(
    paths: list[Path],
    *,
    tenant: str,
    workers: int = 1,
    progress: bool = False,
    es: Any = None,
    prefix: str | None = None,
    embedder: Any = None,
    var_dir: Path | None = None,
    own_identifiers: list[str] | None = None,
) -> RunSummary:
    """Index files and folders in this process (the queue's workers run `ingest_items` the same way)."""
    items = [IntakeItem(f"{tenant}/{src.rel_key}", src.file_name, src.read_bytes) for src in iter_source_files(paths)]
    summary, _ = ingest_items(
        items, tenant=tenant, workers=workers, progress=progress, es=es, prefix=prefix, embedder=embedder,
        var_dir=var_dir, own_identifiers=own_identifiers,
    )  # fmt: skip
    return summary


def ingest_items(
    items: list[IntakeItem],
    *,
    tenant: str,
    workers: int = 1,
    progress: bool = False,
    es: Any = None,
    prefix: str | None = None,
    embedder: Any = None,
    var_dir: Path | None = None,
    own_identifiers: list[str] | None = None,
    context: WorkerContext | None = None,
    store_summary: bool = True,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[RunSummary, dict[str, Outcome]]:
    """Index `items` of one tenant; returns the run summary and each item's outcome by source uri.

    `should_stop` (asked before each item is handed out): when it says yes, the items not handed out yet get the
    outcome "deferred" (a queue worker puts them back, to let an upload go first) and the run ends early.

    Raises when Elasticsearch cannot be read at all (a transient fault for the caller to retry: nothing is
    half-done that a rerun would not finish, since ids derive from the content)."""
    from core.settings import get_settings
    from indexing.embed_cache import EmbeddingCache

    settings = get_settings()
    if workers > 0:
        worker_pool(workers)  # start the workers first: their warm-up overlaps the setup below
    if es is None:
        from core.es import get_client

        es = get_client()
    prefix = prefix or settings.index_prefix
    var_dir = var_dir or settings.var_dir
    if embedder is None:
        from nlp.embeddings import get_embedder

        embedder = get_embedder()
    summary = RunSummary(tenant=tenant, started_at=dt.datetime.now(dt.UTC).isoformat())
    t_start = time.perf_counter()
    archive = Archive(var_dir / "archive")
    cache = EmbeddingCache(
        var_dir / "cache" / "embeddings.sqlite", model=getattr(embedder, "name", "model"), dims=embedder.dims
    )
    ingestor = Ingestor(es, prefix, tenant, archive, embedder, cache)
    ctx = context or worker_context(es, prefix, tenant, str(archive.root), own_identifiers)
    summary.files_seen = len(items)
    summary.stage_seconds["setup"] = time.perf_counter() - t_start

    bar = _Progress(progress, total=len(items))
    batch: list[WorkResult] = []

    def add_batch() -> None:
        ingestor.add_documents([d for r in batch for d in r.docs], summary)
        ingestor.flush(summary)
        for _ in batch:
            bar.advance(summary)
        batch.clear()

    try:
        deferred: list[IntakeItem] = []
        for result in _results(items, ctx, ingestor, archive, summary, workers, should_stop, deferred):
            for k, v in result.seconds.items():
                summary.stage_seconds[k] = summary.stage_seconds.get(k, 0.0) + v
            summary.failed.extend(result.failures)
            summary.attachments_seen += sum(1 for f in result.failures if f.source_uri != result.source_uri)
            for f in result.failures:
                if f.source_uri == result.source_uri:
                    ingestor.outcomes[f.source_uri] = Outcome("failed", None, f.reason_code, f.message)
            batch.append(result)
            if batch_full(batch):
                add_batch()
        add_batch()
        ingestor.flush(summary, force=True)
        es.indices.refresh(index=ingestor.index)
        for item in deferred:
            ingestor.outcomes[item.source_uri] = Outcome("deferred")
        summary.files_seen -= len(deferred)
    finally:
        bar.close()
        cache.close()
    summary.seconds = round(time.perf_counter() - t_start, 2)
    summary.finished_at = dt.datetime.now(dt.UTC).isoformat()
    if store_summary:
        _store_summary(es, prefix, var_dir, summary)
    return summary, ingestor.outcomes


def worker_context(
    es: Any, prefix: str, tenant: str, archive_root: str, own_identifiers: list[str] | None = None
) -> WorkerContext:
    """What extraction and filing need to know of a tenant: its master data and the numbers already filed."""
    from core.settings import get_settings
    from indexing.customers import load_customers

    settings = get_settings()
    return WorkerContext(
        tenant=tenant,
        customers=load_customers(es, prefix, tenant),
        max_bytes=int(settings.max_file_mb * 1024 * 1024),
        max_pages=settings.max_pdf_pages,
        archive_root=archive_root,
        own_identifiers=sorted(own_identifiers or []),
        doc_number_owners=doc_number_owners(es, prefix, tenant),
        channel_folders=D.parse_channel_folders(settings.channel_folders),
    )


def _results(
    items: list[IntakeItem],
    ctx: WorkerContext,
    ingestor: Ingestor,
    archive: Archive,
    summary: RunSummary,
    workers: int,
    should_stop: Callable[[], bool] | None = None,
    deferred: list[IntakeItem] | None = None,
) -> Iterator[WorkResult]:
    """Skip what is already indexed; send the rest to the workers, yielding results in input order (items not
    handed out when `should_stop` says so go to `deferred`)."""

    def work_items() -> Iterator[WorkItem | WorkResult]:
        batch: list[tuple[IntakeItem, bytes, str]] = []

        def drain() -> Iterator[WorkItem | WorkResult]:
            ids = [D.doc_id_for(ctx.tenant, sha) for _, _, sha in batch]
            known = ingestor.existing(ids)
            for (src, data, sha), doc_id in zip(batch, ids, strict=True):
                uri = src.source_uri
                if doc_id in known:
                    # already indexed: no extraction at all (attachments of a known e-mail are known too)
                    prepared = D.PreparedDoc(
                        source_uri=uri, source_kind=src.source_kind, file_name=src.file_name, sha256=sha, size=len(data),
                        mime_type="", title="", text="", language="", lemmas="", pages=None, element_count=0,
                        register="", register_reason="", customer_ids=[], customer_names=[], filing_status="auto",
                        confidence=0.0, reasons=[], candidates=[], entities={}, entity_facets=[], ids=[],
                        total_amount=None, currency=None, doc_date=None, passages=[],
                    )  # fmt: skip
                    yield WorkResult(uri, [prepared], [], {})
                else:
                    yield WorkItem(data, src.file_name, uri, src.source_kind, hints=src.hints)
            batch.clear()

        for src in items:
            uri = src.source_uri
            try:
                data = src.read()
            except (OSError, ArchiveError) as exc:
                yield WorkResult(uri, [], [Failure(uri, "unreadable", str(exc))], {})
                continue
            if not data:
                yield WorkResult(uri, [], [Failure(uri, "empty_file", "zero-byte file")], {})
                continue
            if len(data) > ctx.max_bytes:
                yield WorkResult(uri, [], [Failure(uri, "too_large", f"{len(data)} bytes > limit {ctx.max_bytes}")], {})
                continue
            batch.append((src, data, sha256_bytes(data)))
            if len(batch) >= 50:
                yield from drain()
        yield from drain()

    if workers <= 0:
        ctx.build()
        for w in work_items():
            if isinstance(w, WorkResult):
                yield w
            else:
                yield _safe(w, ctx)
        return

    pool = worker_pool(workers)
    fd, ctx_file = tempfile.mkstemp(prefix="ingest-ctx-", suffix=".pickle")  # 0600: customer master data
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(ctx, fh, protocol=pickle.HIGHEST_PROTOCOL)
        window: deque[tuple[Future[WorkResult] | WorkResult, int]] = deque()
        in_flight = 0
        handed: set[str] = set()
        stopped = False

        def make_way() -> bool:
            """Asked for (an upload waits): files not started yet are taken back from the pool and, with those not
            handed out, go to `deferred`; what runs or is done finishes. True once stopped."""
            nonlocal stopped, in_flight
            if stopped or should_stop is None or deferred is None or not should_stop():
                return stopped
            stopped = True
            kept: list[tuple[Future[WorkResult] | WorkResult, int]] = []
            for entry, size in window:
                if isinstance(entry, Future) and entry.cancel():
                    handed.discard(getattr(entry, "source_uri", ""))
                    in_flight -= size
                else:
                    kept.append((entry, size))
            window.clear()
            window.extend(kept)
            deferred.extend(it for it in items if it.source_uri not in handed)
            return True

        for w in work_items():
            if isinstance(w, WorkItem) and window and make_way():
                break
            handed.add(w.source_uri)
            if isinstance(w, WorkResult):
                window.append((w, 0))
            else:
                future = pool.submit(process_item, ctx_file, w)
                future.source_uri = w.source_uri  # type: ignore[attr-defined]
                window.append((future, len(w.data)))
                in_flight += len(w.data)
            while window_full(len(window), in_flight, workers):
                entry, size = window.popleft()
                in_flight -= size
                yield _resolve(entry, summary, _embed_ahead(window, ingestor, summary))
                make_way()
        while window:
            make_way()
            if not window:
                break
            entry = window.popleft()[0]
            yield _resolve(entry, summary, _embed_ahead(window, ingestor, summary))
    finally:
        os.unlink(ctx_file)


def prepare_again(data: bytes, file_name: str, source_uri: str, ctx: WorkerContext) -> D.PreparedDoc | None:
    """Extract and file an original once more (new master data); None when it cannot be read any more."""
    result = _safe(WorkItem(data, file_name, source_uri, "file"), ctx)
    return result.docs[0] if result.docs else None


def _safe(item: WorkItem, ctx: WorkerContext) -> WorkResult:
    try:
        return _process(item, ctx)
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the run
        return WorkResult(item.source_uri, [], [Failure(item.source_uri, "error", f"{type(exc).__name__}: {exc}")], {})


_EMBED_AHEAD_PASSAGES = 64


def _embed_ahead(
    window: deque[tuple[Future[WorkResult] | WorkResult, int]], ingestor: Ingestor, summary: RunSummary
) -> Callable[[Future[WorkResult]], None]:
    """What the main process does while the oldest result is not ready: embed the passages of later
    results that are (results are indexed in input order, so that versions and duplicates are decided as
    the files come; the vectors wait in the embedding cache), else wait for the next finished file. Only
    that waiting counts as the "wait" stage (the workers are behind the model)."""

    def step(head: Future[WorkResult]) -> None:
        docs: list[D.PreparedDoc] = []
        running: list[Future[WorkResult]] = [head]
        for entry, _ in window:
            if not isinstance(entry, Future):
                continue
            if not entry.done():
                running.append(entry)
            elif (
                not getattr(entry, "embedded_ahead", False)
                and entry.exception() is None
                and sum(len(d.passages) for d in docs) < _EMBED_AHEAD_PASSAGES
            ):
                entry.embedded_ahead = True  # type: ignore[attr-defined]
                docs.extend(entry.result().docs)
        if docs:
            ingestor.pre_embed(docs, summary)
            return
        t0 = time.perf_counter()
        wait(running, return_when=FIRST_COMPLETED)
        summary.stage_seconds["wait"] = summary.stage_seconds.get("wait", 0.0) + time.perf_counter() - t0

    return step


def _resolve(
    entry: Future[WorkResult] | WorkResult, summary: RunSummary, meanwhile: Callable[[Future[WorkResult]], None]
) -> WorkResult:
    """The entry's result; until it is ready, `meanwhile(entry)` embeds ahead or waits."""
    if isinstance(entry, WorkResult):
        return entry
    while not entry.done():
        meanwhile(entry)
    try:
        return entry.result()
    except Exception as exc:  # noqa: BLE001 - a crashed worker is a failed file, not a failed run
        uri = getattr(entry, "source_uri", "?")
        return WorkResult(uri, [], [Failure(uri, "error", f"{type(exc).__name__}: {exc}")], {})


def doc_number_owners(es: Any, prefix: str, tenant: str, limit: int = 500_000) -> dict[str, str]:
    """Business numbers (orders, invoices, …) of documents already filed → their customer.

    Lets a later e-mail that only quotes "RE-2026-00123" be filed to the invoice's customer.
    """
    from indexing import schema, store
    from nlp.identifiers import normalize_identifier

    alias = schema.alias_name(prefix, "documents")
    if not es.indices.exists_alias(name=alias):
        return {}
    query = {
        "bool": {
            "filter": [
                {"term": {"tenant": tenant}},
                {"terms": {"filing.status": ["auto", "manual"]}},
                {"exists": {"field": "primary_customer_id"}},
            ]
        }
    }
    owners: dict[str, str] = {}
    kinds = ("order_number", "invoice_number", "delivery_number", "offer_number")
    for n, hit in enumerate(store.scan_all(es, alias, query)):
        if n >= limit:
            break
        src = hit["_source"]
        for kind in kinds:
            for number in (src.get("entities") or {}).get(kind) or []:
                owners.setdefault(normalize_identifier(number), src["primary_customer_id"])
    return owners


def own_identifiers_from(path: Path, tenant: str) -> list[str]:
    """Our own company's identifiers (IBAN, VAT id, domain, e-mail, phone) from a JSON file:
    either {"<tenant>": {...}} or a demo manifest with an "own_company" key."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data = data.get("own_company", data)
    company = data.get(tenant) or {}
    return [str(company[k]) for k in ("iban", "vat_id", "domain", "email", "phone") if company.get(k)]


def _store_summary(es: Any, prefix: str, var_dir: Path, summary: RunSummary) -> None:
    import logging

    from core.settings import get_settings
    from indexing.audit_log import AuditLog
    from indexing.records import RecordStore, WriteFailed

    runs = var_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    stamp = summary.started_at.replace(":", "").replace("-", "")[:15]
    (runs / f"{stamp}-{summary.tenant}.json").write_text(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1))
    entry = {"action": "ingest_run", "tenant": summary.tenant, "owner": "system", "principal_kind": "system",
             "created_at": summary.finished_at, "day": summary.finished_at[:10], "body": summary.as_dict()}  # fmt: skip
    try:
        AuditLog(RecordStore(es, prefix), get_settings().audit_anchor_dir).append([entry], refresh=True)
    except WriteFailed as exc:
        logging.getLogger(__name__).error("audit entry of the ingest run not written: %s", exc)


class _Progress:
    """Rich progress bar with rate and ETA (no-op when disabled)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled
        if not enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        self.progress.start()
        self.t0 = time.perf_counter()
        self.task = self.progress.add_task("files", total=total, rate="")

    def advance(self, summary: RunSummary) -> None:
        if not self.enabled:
            return
        elapsed = max(time.perf_counter() - self.t0, 1e-6)
        rate = f"{summary.passages / elapsed:.1f} passages/s, {len(summary.failed)} failed"
        self.progress.update(self.task, advance=1, rate=rate)

    def close(self) -> None:
        if self.enabled:
            self.progress.stop()
