"""The audit trail's hash chain: pure functions, tested as data.

Every tenant has one chain (entries without a tenant, e.g. a failed login of an unknown name, go to the chain
``-``). Entry *n* of a chain carries ``seq = n`` (1, 2, 3, …), ``prev_hash`` = the ``hash`` of entry *n - 1*
(``GENESIS`` for the first) and ``hash`` = SHA-256 of the entry's canonical JSON without ``hash``. Its
Elasticsearch id is ``entry_id(chain, seq)``.

Changing an entry breaks its own hash; removing one leaves a gap in ``seq`` and a ``prev_hash`` that points
nowhere; inserting one duplicates a ``seq`` or breaks the next entry's ``prev_hash``. Rewriting a whole tail
consistently is caught by the *head* (the last ``seq``/``hash`` the writers claimed, kept apart from the
entries) and by the daily *anchors* (the head at the end of each day, written once to files outside
Elasticsearch). `verify` walks one chain in ``seq`` order and names every entry that does not fit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

GENESIS = "0" * 64
NO_TENANT_CHAIN = "-"


def chain_of(tenant: str | None) -> str:
    return tenant or NO_TENANT_CHAIN


def entry_id(chain: str, seq: int) -> str:
    return f"{chain}.{seq:012d}"


def canonical(value: Any) -> Any:
    """The JSON form an entry is hashed and stored in (so what comes back from the index hashes the same):
    plain JSON types, integers beyond 64 bits as strings."""
    return _fit(json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)))


def _fit(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _fit(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fit(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return str(value)
    return value


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 of the entry without `hash`, as compact JSON with sorted keys in UTF-8 (orjson: the same bytes
    on every writer and verifier, and 1M entries hash in about a second)."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


@dataclass(frozen=True)
class Head:
    seq: int = 0
    hash: str = GENESIS
    day: str = ""  # the day (YYYY-MM-DD, UTC) of the entry at `seq`


def link(entries: Iterable[Mapping[str, Any]], head: Head, chain: str) -> tuple[list[dict[str, Any]], Head]:
    """Number and hash `entries` after `head`; returns the linked entries and the new head."""
    out: list[dict[str, Any]] = []
    seq, prev, day = head.seq, head.hash, head.day
    for raw in entries:
        seq += 1
        doc = canonical({**raw, "chain": chain, "seq": seq, "prev_hash": prev})
        doc.pop("hash", None)
        doc["hash"] = entry_hash(doc)
        prev, day = doc["hash"], str(doc.get("day") or day)
        out.append(doc)
    return out, Head(seq, prev, day)


@dataclass(frozen=True)
class Anchor:
    chain: str
    day: str
    seq: int
    hash: str


@dataclass(frozen=True)
class Finding:
    """Something in a chain that does not fit. `kind`: changed | missing | inserted | truncated | anchor."""

    kind: str
    chain: str
    seq: int
    entry_id: str
    detail: str


@dataclass
class ChainReport:
    chain: str
    entries: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS


def verify(
    chain: str,
    entries: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    head: Head | None = None,
    anchors: Iterable[Anchor] = (),
    report: ChainReport | None = None,
) -> Iterator[Finding]:
    """Walk (id, entry) pairs of one chain in ascending ``seq`` order; yield what is wrong.

    `head`: the writers' claimed head (None: unknown, tail truncation is then not checked); `anchors`: the
    chain's daily anchors. `report` (optional) collects the count and the last entry seen.
    """
    rep = report if report is not None else ChainReport(chain)
    by_seq: dict[int, Anchor] = {}
    for a in anchors:
        if a.chain != chain:
            continue
        if a.seq < 1:
            yield Finding("anchor", chain, 0, f"anchor {a.day}", f"anchor file {a.day} is damaged ({a.hash})")
        else:
            by_seq[a.seq] = a
    expected_seq, prev = 1, GENESIS
    for doc_id, entry in entries:
        rep.entries += 1
        seq = entry.get("seq")
        if not isinstance(seq, int) or seq < 1:
            yield Finding("inserted", chain, 0, doc_id, "entry without a sequence number")
            continue
        if doc_id != entry_id(chain, seq):
            yield Finding("inserted", chain, seq, doc_id, f"id does not match seq {seq}: written outside the chain")
            continue
        if seq < expected_seq:
            yield Finding("inserted", chain, seq, doc_id, f"second entry with seq {seq}")
            continue
        if seq > expected_seq:
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
            yield Finding("missing", chain, expected_seq, entry_id(chain, expected_seq),
                          f"entries {missing} removed (next present: {doc_id})")  # fmt: skip
        if entry_hash(entry) != entry.get("hash"):
            yield Finding("changed", chain, seq, doc_id,
                          f"content changed ({entry.get('action')} of {entry.get('owner')} at {entry.get('created_at')})")  # fmt: skip
        elif seq == expected_seq and entry.get("prev_hash") != prev:
            yield Finding("inserted", chain, seq, doc_id, "does not follow the entry before it (prev_hash differs)")
        anchor = by_seq.get(seq)
        if anchor is not None and anchor.hash != entry.get("hash"):
            yield Finding("anchor", chain, seq, doc_id, f"differs from the anchor of {anchor.day}: chain rewritten")
        prev, expected_seq = str(entry.get("hash")), seq + 1
        rep.last_seq, rep.last_hash = seq, prev
    for a in sorted(by_seq.values(), key=lambda a: a.seq):
        if a.seq >= expected_seq:
            yield Finding("truncated", chain, a.seq, entry_id(chain, a.seq),
                          f"the anchor of {a.day} names entry {a.seq}, which is gone")  # fmt: skip
    if head is not None:
        if head.seq > rep.last_seq:
            yield Finding("truncated", chain, rep.last_seq + 1, entry_id(chain, rep.last_seq + 1),
                          f"entries {rep.last_seq + 1}–{head.seq} were written and are gone")  # fmt: skip
        elif head.seq == rep.last_seq and head.seq and head.hash != rep.last_hash:
            yield Finding("changed", chain, head.seq, entry_id(chain, head.seq), "last entry differs from the head")
