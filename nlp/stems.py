"""Snowball stems for the `stems` index field and for the query side (the same function on both sides).

Elasticsearch's integ-test archive has no analysis-common module (no stemmer token filter), so the stems are
computed here with PyStemmer (the C Snowball stemmers) and indexed as space-separated words behind the
standard analyzer — exactly like the spaCy `lemmas` field. Stems conflate more than lookup lemmas
(treatment/treated/treating → treat, Rechnungen/Rechnung → rechnung); measured with bench/retrieval.py on the
tuning queries (SciFact train, XQuAD tune half) they add to BM25 on English and German (see search/fusion.py).

Tokens: the same as `nlp.lemmas.tokenize` (letters/digits, numbers keep their separators), lower-cased.
Languages with a Snowball stemmer: de, en, es, tr, pl (+ the other Snowball languages); others and "und":
lower-cased tokens.
"""

from __future__ import annotations

import threading
from typing import Any

from nlp.lemmas import tokenize

SNOWBALL: dict[str, str] = {
    "de": "german",
    "en": "english",
    "es": "spanish",
    "tr": "turkish",
    "pl": "polish",
    "fr": "french",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
    "da": "danish",
    "sv": "swedish",
    "no": "norwegian",
    "fi": "finnish",
    "ru": "russian",
}
_local = threading.local()  # PyStemmer objects are not thread-safe: one per thread and language


def _stemmer(lang: str) -> Any | None:
    name = SNOWBALL.get(lang)
    if name is None:
        return None
    stemmers: dict[str, Any] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    st = stemmers.get(name)
    if st is None:
        import Stemmer

        if name not in Stemmer.algorithms():
            return None
        st = stemmers[name] = Stemmer.Stemmer(name)
    return st


def _lower(token: str, lang: str) -> str:
    if lang == "tr":
        token = token.replace("I", "ı").replace("İ", "i")
    return token.lower()


def stem_tokens(text: str, lang: str) -> list[str]:
    """Lower-case Snowball stem of every token in `text` (numbers and unknown languages: lower-cased)."""
    tokens = [_lower(t, lang) for t in tokenize(text)]
    st = _stemmer(lang)
    if st is None or not tokens:
        return tokens
    return [t if t[0].isdigit() else s for t, s in zip(tokens, st.stemWords(tokens), strict=True)]


def stem_text(text: str, lang: str) -> str:
    """Stems joined by spaces (for the `stems` field and the query side)."""
    return " ".join(stem_tokens(text, lang))
