"""The audit trail's write side: entries appended to their tenant's hash chain (`domain.audit_chain`).

Several processes (cockpit, API, workers, CLI) append to the same chains. A writer reads the chain's head
(`audit_heads`, one record per chain), links its entries after it, *claims* the new head with a conditional
write (`if_seq_no`) and only then creates the entries (`op_type=create`, ids ``<chain>.<seq>``). A writer that
loses the race re-reads the head and links again; two writers never hold the same sequence numbers. A writer
that dies between claim and write leaves a gap that `cockpit audit verify` reports as removed entries.

When a claim moves a chain into a new day, the head at the end of the day before is written once to an anchor
file (``<anchor_dir>/<prefix>/<chain>/<day>.json``, 0400): a copy outside Elasticsearch that a consistent
rewrite of the chain cannot reach.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from domain.audit_chain import NO_TENANT_CHAIN, Anchor, Head, chain_of, entry_id, link
from indexing.records import RecordStore, WriteConflict, WriteFailed, get_versioned

log = logging.getLogger(__name__)

KIND = "audit"
HEADS = "audit_heads"
CLAIM_ATTEMPTS = 50


class AuditNotWritten(WriteFailed):
    """Some entries are not in the index yet: `unlinked` never got sequence numbers (link them again),
    `linked` did (write exactly these later, or their numbers stay a gap)."""

    def __init__(self, message: str, unlinked: list[Mapping[str, Any]], linked: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.unlinked = unlinked
        self.linked = linked


class AuditLog:
    def __init__(self, store: RecordStore, anchor_dir: Path | None = None) -> None:
        self.store = store
        self.anchor_dir = anchor_dir

    def append(self, entries: Iterable[Mapping[str, Any]], *, refresh: bool = False) -> list[dict[str, Any]]:
        """Link and write `entries` (each its tenant's chain, order kept); returns them as written.
        Raises WriteFailed when the head cannot be claimed or some entries could not be written."""
        by_chain: dict[str, list[Mapping[str, Any]]] = {}
        for e in entries:
            by_chain.setdefault(chain_of(e.get("tenant")), []).append(e)
        written: list[dict[str, Any]] = []
        unlinked: list[Mapping[str, Any]] = []
        linked: list[dict[str, Any]] = []
        errors: list[str] = []
        for chain, group in by_chain.items():
            try:
                claimed = self._claim(chain, group)
            except WriteFailed as exc:
                unlinked += group
                errors.append(str(exc))
                continue
            try:
                self.write_linked(claimed)
            except WriteFailed as exc:
                linked += claimed
                errors.append(str(exc))
                continue
            written += claimed
        if refresh and written:
            self.store.refresh(KIND)
        if errors:
            raise AuditNotWritten("; ".join(errors)[:500], unlinked, linked)
        return written

    def _claim(self, chain: str, group: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Link `group` after the chain's head and claim the new head; returns the linked entries."""
        self.store.ensure(KIND)
        for attempt in range(CLAIM_ATTEMPTS):
            found = get_versioned(self.store, HEADS, chain)
            head = _head_of(found[0]) if found else Head()
            linked, new_head = link(group, head, chain)
            record = {"chain": chain, "tenant": None if chain == NO_TENANT_CHAIN else chain, "seq": new_head.seq, "hash": new_head.hash, "day": new_head.day,
                      "updated_at": dt.datetime.now(dt.UTC).isoformat()}  # fmt: skip
            try:
                if found is None:
                    self.store.put(HEADS, chain, record, create=True, refresh=False)
                else:
                    self.store.put(HEADS, chain, record, if_seq_no=found[1], if_primary_term=found[2], refresh=False)
            except WriteConflict:
                time.sleep(random.uniform(0.001, 0.01) * (attempt + 1))  # noqa: S311 (jitter, not crypto)
                continue
            if head.seq and head.day and new_head.day > head.day:
                self._anchor(Anchor(chain, head.day, head.seq, head.hash))
            return linked
        raise WriteFailed(f"audit chain {chain}: head not claimed after {CLAIM_ATTEMPTS} attempts")

    def write_linked(self, linked: list[dict[str, Any]]) -> None:
        todo = {entry_id(d["chain"], d["seq"]): d for d in linked}
        for _ in range(3):
            actions = ({"_op_type": "create", "_id": i, "_source": d} for i, d in todo.items())
            outcomes = list(self.store.bulk(KIND, actions, refresh=False))
            # 409: written by an earlier attempt whose answer was lost — the id holds our entry already
            todo = {o.id: todo[o.id] for o in outcomes if not o.ok and o.status != 409 and o.id in todo}
            if not todo:
                return
            time.sleep(0.5)
        raise WriteFailed(f"{len(todo)} audit entries not written (first: {next(iter(todo))})")

    def _anchor(self, anchor: Anchor) -> None:
        if self.anchor_dir is None:
            return
        folder = self.anchor_dir / self.store.prefix / anchor.chain
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(folder / f"{anchor.day}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        except FileExistsError:
            return
        except OSError as exc:
            log.error("audit anchor %s/%s not written: %s", anchor.chain, anchor.day, exc)
            return
        with os.fdopen(fd, "w") as fh:
            json.dump({"chain": anchor.chain, "day": anchor.day, "seq": anchor.seq, "hash": anchor.hash}, fh)
            fh.write("\n")


def _head_of(src: Mapping[str, Any]) -> Head:
    return Head(int(src.get("seq") or 0), str(src.get("hash") or ""), str(src.get("day") or ""))


def read_anchors(anchor_dir: Path | None, prefix: str) -> Iterator[Anchor]:
    if anchor_dir is None:
        return
    root = anchor_dir / prefix
    if not root.is_dir():
        return
    for path in sorted(root.glob("*/*.json")):
        try:
            data = json.loads(path.read_text())
            yield Anchor(str(data["chain"]), str(data["day"]), int(data["seq"]), str(data["hash"]))
        except (OSError, ValueError, KeyError) as exc:
            yield Anchor(path.parent.name, path.stem, -1, f"unreadable: {exc}")
