"""`cockpit audit verify`: walk every audit chain of the prefix and name each entry that was changed, removed
or inserted, and every chain whose tail was cut or rewritten (heads and daily anchors, `domain.audit_chain`)."""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from app import audit
from app.context import AppContext
from domain.audit_chain import Anchor, ChainReport, Finding, Head, verify
from domain.errors import Unavailable
from domain.principal import AUDIT, Principal
from indexing.audit_log import HEADS, KIND, read_anchors
from search.parse import hits_of
from search.repository import ReadFailed
from search.system import audit_chain_entries_body, audit_chains_body, audit_heads_body

BATCH = 5000
RANGE = 50_000  # sequence numbers per fetched range
PAGE = 10_000  # hits per request
FETCHERS = 2


@dataclass
class VerifyReport:
    chains: list[ChainReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def entries(self) -> int:
        return sum(c.entries for c in self.chains)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "seconds": round(self.seconds, 2),
            "chains": [{"chain": c.chain, "entries": c.entries, "last_seq": c.last_seq} for c in self.chains],
            "findings": [f.__dict__ for f in self.findings],
        }


def verify_trail(
    ctx: AppContext, principal: Principal, *, progress: Callable[[int], None] | None = None
) -> VerifyReport:
    """Check the chains the principal may audit (the system principal: all of the prefix)."""
    principal.require(AUDIT)
    t0 = time.perf_counter()
    report = VerifyReport()
    ctx.store.refresh(HEADS)  # heads are written without a refresh
    ctx.store.refresh(KIND)
    try:
        heads = {str(h["_id"]): h.get("_source") or {} for h in ctx.repo.scan(HEADS, audit_heads_body(principal))}
        resp = ctx.repo.search_or_empty(KIND, audit_chains_body(principal))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    aggs = resp.get("aggregations") or {}
    buckets = (aggs.get("chains") or {}).get("buckets") or []
    present = {str(b["key"]) for b in buckets}
    maxima = {str(b["key"]): int((b.get("last") or {}).get("value") or 0) for b in buckets}
    allowed = None if principal.is_system else set(principal.tenants)
    anchors = [a for a in read_anchors(ctx.audit_anchor_dir, ctx.prefix) if allowed is None or a.chain in allowed]
    for chain in sorted(present | set(heads) | {a.chain for a in anchors}):
        if allowed is not None and chain not in allowed:
            continue
        rep = ChainReport(chain)
        report.chains.append(rep)
        head_src = heads.get(chain)
        head = Head(int(head_src.get("seq") or 0), str(head_src.get("hash") or "")) if head_src else None
        if head is None and chain in present:
            report.findings.append(Finding("inserted", chain, 0, chain, "entries of a chain no writer claimed"))
        last = max(int(head.seq) if head else 0, int(maxima.get(chain, 0)))
        entries = _entries(ctx, principal, chain, last, progress)
        report.findings += list(verify(chain, entries, head=head, anchors=_of(anchors, chain), report=rep))
    if int((aggs.get("unchained") or {}).get("doc_count") or 0):
        for h in ctx.repo.scan(KIND, audit_chain_entries_body(principal, "", unchained=True), batch=BATCH):
            src = h.get("_source") or {}
            report.findings.append(Finding("inserted", "?", 0, str(h["_id"]),
                                           f"written around the chain ({src.get('action')} of {src.get('owner')})"))  # fmt: skip
    report.seconds = time.perf_counter() - t0
    audit.record(ctx, "audit_verify", principal, outcome="ok" if report.ok else "failed",
                 entries=report.entries, findings=len(report.findings))  # fmt: skip
    return report


def _of(anchors: list[Anchor], chain: str) -> list[Anchor]:
    return [a for a in anchors if a.chain == chain]


def _entries(
    ctx: AppContext, principal: Principal, chain: str, last: int, progress: Callable[[int], None] | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The chain's entries in `seq` order: ranges of RANGE numbers fetched by FETCHERS threads from one
    point in time (Elasticsearch works on one core while this process hashes on the other), consumed in
    order; then whatever lies beyond `last` and the entries without a number."""
    try:
        pit = ctx.repo.open_pit(KIND, keep_alive="5m")
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    bounds = [(lo, lo + RANGE) for lo in range(1, max(last, 0) + 1, RANGE)]
    bodies = [audit_chain_entries_body(principal, chain, seq_from=lo, seq_to=hi) for lo, hi in bounds]
    bodies.append(audit_chain_entries_body(principal, chain, seq_from=bounds[-1][1] if bounds else None))
    bodies.append(audit_chain_entries_body(principal, chain, seq_missing=True))
    try:
        with ThreadPoolExecutor(max_workers=FETCHERS, thread_name_prefix="audit-verify") as pool:
            ahead: deque[Future[list[dict[str, Any]]]] = deque()
            todo = iter(bodies)
            for body in itertools.islice(todo, FETCHERS + 1):
                ahead.append(pool.submit(_fetch, ctx, pit, body))
            while ahead:
                hits = ahead.popleft().result()
                nxt = next(todo, None)
                if nxt is not None:
                    ahead.append(pool.submit(_fetch, ctx, pit, nxt))
                for h in hits:
                    yield str(h["_id"]), h.get("_source") or {}
                if progress is not None:
                    progress(len(hits))
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc
    finally:
        ctx.repo.close_pit(pit)


def _fetch(ctx: AppContext, pit: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after: list[Any] | None = None
    while True:
        page = {**body, "size": PAGE, "pit": {"id": pit, "keep_alive": "5m"}, "track_total_hits": False,
                "sort": [*body.get("sort", []), {"_shard_doc": "asc"}]}  # fmt: skip
        if after is not None:
            page["search_after"] = after
        hits = hits_of(ctx.repo.search_pit(page, filter_path="hits.hits._id,hits.hits._source,hits.hits.sort"))
        out += hits
        if len(hits) < PAGE:
            return out
        after = hits[-1]["sort"]
