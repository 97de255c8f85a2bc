"""The UI catalogue: complete in both languages, and every key the cockpit uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import cockpit
from cockpit import i18n
from cockpit.i18n import CATALOGUE, LANGS, fmt_date, fmt_int, fmt_money, fmt_month, fmt_size, t

COCKPIT = Path(cockpit.__file__).parent


def test_every_entry_has_every_language():
    for key, entry in CATALOGUE.items():
        for lang in LANGS:
            assert entry.get(lang), f"{key} has no {lang} text"


def test_every_key_used_in_the_cockpit_exists():
    pattern = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")
    missing = set()
    for path in COCKPIT.rglob("*.py"):
        if path.name in ("views.py", "inbox.py"):  # the views helper's pages keep their own strings
            continue
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            if key not in CATALOGUE:
                missing.add(f"{path.name}: {key}")
    assert not missing, sorted(missing)


def test_register_and_facet_labels_cover_the_schema():
    from indexing.schema import REGISTERS
    from search.request import FACET_FIELDS

    for reg in REGISTERS:
        assert f"register.{reg}" in CATALOGUE
    for facet in FACET_FIELDS:
        assert f"facet.{facet}" in CATALOGUE


def test_formatting_by_language():
    assert t("search.total", "de", n="3") == "3 Treffer"
    assert t("search.total", "en", n="3") == "3 results"
    assert t("no.such.key") == "no.such.key"
    assert fmt_int(1234567, "de") == "1.234.567" and fmt_int(1234567, "en") == "1,234,567"
    assert fmt_money(1234.5, "EUR", "de") == "1.234,50 €"
    assert fmt_money(1234.5, "EUR", "en") == "€ 1,234.50"
    assert fmt_date("2026-03-02T10:00:00", "de") == "02.03.2026" and fmt_date("2026-03-02", "en") == "2026-03-02"
    assert fmt_date("garbage", "de") == "—"
    assert fmt_month("2026-03", "de") == "März 2026" and fmt_month("2026-03", "en", short=True) == "Mar 2026"
    assert fmt_size(16 * 1024 + 400, "de") == "16,4 KB"


def test_outside_a_request_the_language_is_german():
    assert i18n.current_lang() == "de"
