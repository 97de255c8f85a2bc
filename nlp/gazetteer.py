"""Customer-name gazetteer: finds the names and aliases of many customers in a text at once.

Aho-Corasick (pyahocorasick) over folded names: case-insensitive, diacritics folded and German
transliterations added (Müller = Mueller = Muller), matches only on word boundaries, longest match wins
where names overlap. Names without their legal form ("Müller Bau" for "Müller Bau GmbH") are added too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nlp.folding import fold, transliterations

MIN_ALIAS_CHARS = 4
# Words that alone never identify a customer (folded).
GENERIC_WORDS = frozenset(
    """
    gmbh ag kg ohg gbr ug se ltd limited llc inc plc sl sa sp z o.o.
    bau technik service services handel logistik gruppe group holding international industrie industries
    firma kunde kunden customer company team vertrieb verwaltung werk werke systems solutions consulting
    deutschland germany europe europa nord sued sud west ost the and und der die das
    """.split()  # noqa: SIM905
)
_LEGAL_FORM = re.compile(
    r"[\s,]+(?:gmbh\s*&\s*co\.?\s*kg|ggmbh|gmbh|ag|kgaa|kg|ohg|gbr|e\.\s?k\.|e\.\s?v\.|ug(?:\s*\(haftungsbeschrankt\))?"
    r"|se|ltd\.?|limited|llc|inc\.?|plc|s\.\s?l\.(?:u\.)?|s\.\s?a\.|sl|sa|sp\.\s?z\s?o\.\s?o\.|a\.\s?s\.|ltd\.\s?sti\.)$"
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class GazetteerHit:
    customer_id: str
    surface: str  # the text as written
    start: int
    end: int
    alias: str  # the folded name that matched
    exact: bool  # the full registered name or alias (not a shortened form without legal form)


def _norm(name: str) -> str:
    return _SPACE.sub(" ", name).strip()


def name_keys(name: str) -> dict[str, bool]:
    """Folded spellings a text may use for `name` → whether it is the full name (True) or shortened."""
    name = _norm(name)
    keys: dict[str, bool] = {}
    for variant in transliterations(name):
        keys[variant] = True
        short = _LEGAL_FORM.sub("", variant).strip(" ,")
        if short != variant and len(short.split()) >= 2:  # "Müller GmbH" → not "Müller" (a surname)
            keys.setdefault(short, False)
    return {k: exact for k, exact in keys.items() if _usable(k)}


def _usable(key: str) -> bool:
    """At least MIN_ALIAS_CHARS letters, and a non-generic word or three words ("Technik Service GmbH")."""
    if len(key.replace(" ", "")) < MIN_ALIAS_CHARS:
        return False
    words = [w for w in re.split(r"[\s&+,\-]+", key) if w]
    return len(words) >= 3 or any(w not in GENERIC_WORDS for w in words)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class Gazetteer:
    """Build once from the customer master data, then `find(text)` in any number of documents."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        """`entries`: (customer_id, name or alias) pairs."""
        import ahocorasick

        keys: dict[str, dict[str, bool]] = {}
        for customer_id, name in entries:
            if not name:
                continue
            for key, exact in name_keys(name).items():
                owners = keys.setdefault(key, {})
                owners[customer_id] = owners.get(customer_id, False) or exact
        self._automaton: Any = ahocorasick.Automaton()
        for key, owners in keys.items():
            self._automaton.add_word(key, (key, tuple(owners.items())))
        self.size = len(keys)
        if keys:
            self._automaton.make_automaton()

    @classmethod
    def from_customers(cls, rows: Iterable[Mapping[str, Any]]) -> Gazetteer:
        """Rows with `customer_id`, `name` and `aliases` (a list or a `|`-separated string)."""
        entries: list[tuple[str, str]] = []
        for row in rows:
            cid = str(row["customer_id"])
            entries.append((cid, str(row.get("name") or "")))
            aliases = row.get("aliases") or []
            if isinstance(aliases, str):
                aliases = aliases.split("|")
            entries.extend((cid, str(a)) for a in aliases if a)
        return cls(entries)

    def find(self, text: str) -> list[GazetteerHit]:
        """Every customer named in `text`; overlapping names: the longest wins (all its owners kept)."""
        if self.size == 0 or not text:
            return []
        folded = fold(text)
        matches: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]] = []
        n = len(folded)
        for end_idx, (key, owners) in self._automaton.iter(folded):
            start = end_idx - len(key) + 1
            end = end_idx + 1
            if start > 0 and _is_word_char(folded[start - 1]):
                continue
            if end < n and _is_word_char(folded[end]):
                continue
            matches.append((start, end, key, owners))
        # longest first, then leftmost; drop matches overlapping an already kept one
        matches.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
        kept: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]] = []
        for m in matches:
            if all(m[1] <= k[0] or k[1] <= m[0] for k in kept):
                kept.append(m)
        kept.sort(key=lambda m: m[0])
        return [
            GazetteerHit(cid, text[start:end], start, end, key, exact)
            for start, end, key, owners in kept
            for cid, exact in owners
        ]
