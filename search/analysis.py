"""Query analysis: the query's language, its lemmas and Snowball stems, with the same nlp functions the write side uses.

Pure computation (no I/O). Kept apart from `search.builder` so the builder stays free of NLP imports and its
tests run without spaCy; `search.service` calls `analyze_query` and passes the result to the builders.

Short queries ("Rechnungen Müller") are too short for reliable language identification; the lemma query
then carries the lemmas of the corpus default language *and* English (OR-ed in one match query on the
`lemmas` field), so "Rechnungen" still meets documents lemmatised to "rechnung". Measured with
bench/retrieval.py --lemma-policy (see docs in the report): on the long XQuAD/SciFact queries the union costs
nothing, so it is safe to use it for every query the detector is not confident about.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "de"  # German first (product.md)
SHORT_QUERY_WORDS = 4


@dataclass(frozen=True)
class QueryAnalysis:
    language: str = "und"  # detected query language ("und" when unknown or too short)
    lemmas: str = ""  # space-joined lower-case lemmas for the `lemmas` field ("" = no lemma clause)
    lemma_languages: tuple[str, ...] = ()
    stems: str = ""  # space-joined Snowball stems (same languages as the lemmas) for the `stems` field


def _detect(text: str) -> str:
    try:
        from nlp.language import detect_language
    except ImportError:
        return "und"
    try:
        return detect_language(text) or "und"
    except Exception:  # noqa: BLE001 - detection failure must not break search
        return "und"


def _lemmatize(text: str, lang: str) -> str:
    try:
        from nlp.lemmas import lemmatize
    except ImportError:
        return text.lower()
    try:
        return lemmatize(text, lang) or ""
    except Exception:  # noqa: BLE001
        return text.lower()


def _stem(text: str, lang: str) -> str:
    try:
        from nlp.stems import stem_text
    except ImportError:
        return ""
    try:
        return stem_text(text, lang)
    except Exception:  # noqa: BLE001
        return ""


def analyze_query(text: str, *, policy: str = "auto", default_language: str = DEFAULT_LANGUAGE) -> QueryAnalysis:
    """policy: "auto" (detected language; default+en union when short/undetermined), "detected" (detected
    language only), "union" (always default+en+detected)."""
    text = (text or "").strip()
    if not text:
        return QueryAnalysis()
    lang = _detect(text)
    short = len(text.split()) < SHORT_QUERY_WORDS
    if policy == "detected" and lang != "und":
        langs: tuple[str, ...] = (lang,)
    elif policy == "union" or lang == "und" or short:
        langs = tuple(dict.fromkeys([lang, default_language, "en"] if lang != "und" else [default_language, "en"]))
    else:
        langs = (lang,)
    seen: dict[str, None] = {}
    stems: dict[str, None] = {}
    for lg in langs:
        for lemma in _lemmatize(text, lg).split():
            seen.setdefault(lemma, None)
        for stem in _stem(text, lg).split():
            stems.setdefault(stem, None)
    return QueryAnalysis(language=lang, lemmas=" ".join(seen), lemma_languages=langs, stems=" ".join(stems))
