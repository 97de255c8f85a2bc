"""Length-preserving text folding: lower case, diacritics stripped (Müller → muller, ł → l, İ → i).

Because every character maps to exactly one character, offsets in the folded text are offsets in the
original text. German transliterations (ü → ue) are produced separately by `transliterations`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_EXTRA = {
    "ß": "ß",  # stays one character; name variants add "ss"
    "ł": "l",
    "Ł": "l",
    "ı": "i",
    "İ": "i",
    "ø": "o",
    "Ø": "o",
    "đ": "d",
    "Đ": "d",
    "æ": "æ",
    "œ": "œ",
    "’": "'",
    "‘": "'",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
}


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x80, 0x2500):
        ch = chr(cp)
        if ch in _EXTRA:
            table[cp] = _EXTRA[ch]
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
        if len(base) == 1 and base != ch:
            table[cp] = base
        elif len(ch.lower()) != 1:
            table[cp] = ch  # never let lower() change the length
    return table


def fold(text: str) -> str:
    """Lower-case, diacritic-free copy of `text` with exactly the same length."""
    if text.isascii():
        return text.lower()
    out = text.translate(_table()).lower()
    if len(out) != len(text):  # a character outside the table lower-cased to two: fall back per character
        out = "".join(c if len(c) == 1 else ch for ch, c in ((ch, ch.lower()) for ch in text.translate(_table())))
    return out


def transliterations(name: str) -> set[str]:
    """Folded spellings of a name a text may use: Müller → {muller, mueller}, Mueller → {mueller, muller}."""
    variants = {fold(name)}
    de = name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("Ä", "Ae").replace("Ö", "Oe")
    de = de.replace("Ü", "Ue").replace("ß", "ss")
    variants.add(fold(de))
    variants.add(fold(name.replace("ß", "ss")))
    for v in list(variants):
        if "ae" in v or "oe" in v or "ue" in v:
            variants.add(v.replace("ae", "a").replace("oe", "o").replace("ue", "u"))
    return variants
