"""Lemmas for the `lemmas` index field and for the query side (the same function on both sides).

The lemma tables are spaCy's lookup tables from `spacy-lookups-data` (what `spacy.blank(lang)` with the
`lookup` lemmatizer uses: Rechnungen → Rechnung, kamen → kommen). They are copied once per machine into
small read-only SQLite files under the cache dir, so a process pays neither the 0.4–2 s JSON load nor the
100–500 MB of a dict per language (Turkish has 1.3M forms, Polish 1.9M). Polish has no POS-free table: we
merge its noun and adjective tables (nouns first). Other languages and "und": lower-cased tokens.

Tokens: runs of letters/digits, numbers keep their inner separators ("1.234,56"); punctuation is dropped.
A token is looked up as written, then lower-cased, then capitalised (so the query "rechnungen" finds the
German noun "Rechnungen"); the result is lower-cased.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path

LEMMA_LANGS = ("de", "en", "es", "tr", "pl")
_TABLES: dict[str, tuple[str, ...]] = {
    "de": ("de_lemma_lookup",),
    "en": ("en_lemma_lookup",),
    "es": ("es_lemma_lookup",),
    "tr": ("tr_lemma_lookup",),
    "pl": ("pl_lemma_lookup_noun", "pl_lemma_lookup_adj"),
}
_TOKEN = re.compile(r"[^\W_]+(?:[.,]\d+)*")
_CHUNK = 500
_local = threading.local()
_build_lock = threading.Lock()


def tokenize(text: str) -> list[str]:
    """Word and number tokens as written (punctuation dropped)."""
    return _TOKEN.findall(text)


def _lower(token: str, lang: str) -> str:
    if lang == "tr":
        token = token.replace("I", "ı").replace("İ", "i")
    return token.lower()


def _cache_dir() -> Path:
    try:
        from core.settings import get_settings

        settings = get_settings()
        return Path(settings.lemma_dir) if settings.lemma_dir else Path(settings.cache_dir) / "lemmas"
    except Exception:  # noqa: BLE001 - settings unavailable (e.g. a bare script): a per-user default
        return Path.home() / ".cache" / "dossier-cockpit" / "lemmas"


@cache
def _db_path(lang: str) -> Path:
    """Path of the language's SQLite table, built from spacy-lookups-data on first use."""
    import spacy_lookups_data

    version = getattr(spacy_lookups_data, "__version__", "0")
    data_dir = Path(spacy_lookups_data.__file__).parent / "data"
    name = f"{lang}-lookups-{version}.sqlite"
    with _build_lock:
        for directory in (_cache_dir(), Path(tempfile.gettempdir()) / "dossier-cockpit-lemmas"):
            path = directory / name
            try:
                if not path.exists():
                    _build(lang, path, data_dir)
                return path
            except OSError:  # read-only cache dir: fall back to the temp dir
                continue
    raise OSError(f"cannot build the {lang} lemma table")


def _build(lang: str, path: Path, data_dir: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("CREATE TABLE lemma (form TEXT PRIMARY KEY, lemma TEXT NOT NULL) WITHOUT ROWID")
        for name in _TABLES[lang]:
            with gzip.open(data_dir / f"{name}.json.gz", "rt", encoding="utf-8") as fh:
                table: dict[str, str] = json.load(fh)
            rows = ((form, lemma) for form, lemma in table.items() if form != lemma)
            con.executemany("INSERT OR IGNORE INTO lemma VALUES (?, ?)", rows)
            del table
        con.commit()
        con.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)  # atomic: concurrent builders just overwrite with the same content
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _connection(lang: str) -> sqlite3.Connection:
    cons: dict[str, sqlite3.Connection] | None = getattr(_local, "cons", None)
    if cons is None:
        cons = _local.cons = {}
    con = cons.get(lang)
    if con is None:
        path = _db_path(lang)
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        cons[lang] = con
    return con


def lookup(forms: Iterable[str], lang: str) -> dict[str, str]:
    """Table entries for the given surface forms (forms without an entry are absent)."""
    if lang not in _TABLES:
        return {}
    con = _connection(lang)
    wanted = list(set(forms))
    found: dict[str, str] = {}
    for i in range(0, len(wanted), _CHUNK):
        part = wanted[i : i + _CHUNK]
        sql = f"SELECT form, lemma FROM lemma WHERE form IN ({','.join('?' * len(part))})"
        found.update(con.execute(sql, part).fetchall())
    return found


def lemma_tokens(text: str, lang: str) -> list[str]:
    """Lower-case lemma of every token in `text`."""
    tokens = tokenize(text)
    if lang not in _TABLES or not tokens:
        return [_lower(t, lang) for t in tokens]
    unique = set(tokens)
    candidates: set[str] = set()
    for tok in unique:
        if not tok[0].isdigit():
            low = _lower(tok, lang)
            candidates.update((tok, low, low[:1].upper() + low[1:]))
    table = lookup(candidates, lang)
    resolved: dict[str, str] = {}
    for tok in unique:
        low = _lower(tok, lang)
        lemma = table.get(tok) or table.get(low) or table.get(low[:1].upper() + low[1:]) or low
        resolved[tok] = _lower(lemma, lang)
    return [resolved[t] for t in tokens]


def lemmatize(text: str, lang: str) -> str:
    """Lower-case lemma tokens joined by spaces (for the `lemmas` field and the query side)."""
    return " ".join(lemma_tokens(text, lang))


def warm_up(langs: Iterable[str] = LEMMA_LANGS) -> None:
    """Build the SQLite tables now (once per machine) instead of at the first document."""
    for lang in langs:
        if lang in _TABLES:
            _db_path(lang)
