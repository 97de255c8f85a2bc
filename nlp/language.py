"""Language identification with py3langid (model shipped inside the wheel, no download).

Chosen over lingua-language-detector after measuring both on de/en/es/tr/pl business texts: equal
accuracy (40/40 short phrases, 5/5 long texts, 22 vs 21 of 25 one-word/ASCII-folded hard cases), but
0.06 ms vs 0.38 ms per short text, 0.3 ms vs 1.0 ms per 2,000 characters, and 130 MB vs 300 MB resident.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

SUPPORTED = ("de", "en", "es", "tr", "pl")
UNDETERMINED = "und"
# Near neighbours the classifier may pick instead of forcing one of ours; they are reported as "und".
_DISTRACTORS = ("fr", "it", "nl", "pt")
_MAX_CHARS = 2000
_MIN_LETTERS = 3


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import _load_identifier

    ident = _load_identifier(norm_probs=True)
    ident.set_languages(list(SUPPORTED + _DISTRACTORS))
    return ident


def detect_language(text: str) -> str:
    """ISO 639-1 code among SUPPORTED, or "und" for text too short or in another language."""
    sample = text[:_MAX_CHARS]
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return UNDETERMINED
    lang, _prob = _identifier().classify(sample)
    return lang if lang in SUPPORTED else UNDETERMINED
