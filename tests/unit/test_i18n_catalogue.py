"""The shared catalogue (i18n/catalogue.toml): complete, consistent placeholders, and `t` that never raises."""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import pytest

import i18n
from i18n import CATALOGUE, DEFAULT_LANG, LANGS, t


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_catalogue_is_loaded_from_the_packaged_toml():
    from importlib import resources

    assert resources.files("i18n").joinpath("catalogue.toml").is_file()
    assert len(CATALOGUE) > 400
    assert LANGS == ("de", "en") and DEFAULT_LANG == "de"


def test_every_key_has_german_and_english_text():
    for key, entry in CATALOGUE.items():
        assert set(entry) == set(LANGS), f"{key}: languages {sorted(entry)}"
        for lang in LANGS:
            text = entry[lang]
            assert isinstance(text, str) and text.strip(), f"{key} has no {lang} text"


def test_placeholders_are_the_same_in_both_languages():
    mismatched = {}
    for key, entry in CATALOGUE.items():
        de, en = placeholders(entry["de"]), placeholders(entry["en"])
        if de != en:
            mismatched[key] = (sorted(de), sorted(en))
    assert not mismatched, mismatched


@pytest.mark.parametrize("lang", LANGS)
def test_a_missing_or_wrong_parameter_never_raises(lang):
    with_params = [key for key, entry in CATALOGUE.items() if placeholders(entry[lang])]
    assert with_params
    for key in with_params:
        text = CATALOGUE[key][lang]
        assert t(key, lang, unrelated="x") == text  # a missing parameter: the text unformatted
        assert t(key, lang) == text  # no parameters at all: no formatting
        for name in placeholders(text):
            assert isinstance(t(key, lang, **{name: object()}), str)


def test_t_falls_back_and_formats():
    assert t("search.total", "de", n="3") == "3 Treffer"
    assert t("search.total", "en", n="3") == "3 results"
    assert t("search.total", "fr", n="3") == "3 Treffer"  # unknown language: German
    assert t("no.such.key", "en") == "no.such.key"
    assert t("no.such.key", "en", n=1) == "no.such.key"
    assert i18n.has("search.total") and not i18n.has("no.such.key")
    assert i18n.t_or("register.invoice", "invoice", "en") != "invoice"
    assert i18n.t_or("register.no_such", "no_such", "en") == "no_such"


def test_formatting_helpers_take_the_language():
    assert i18n.fmt_int(1234567, "de") == "1.234.567" and i18n.fmt_int(1234567, "en") == "1,234,567"
    assert i18n.fmt_int(None, "en") == CATALOGUE["common.none"]["en"]
    assert i18n.fmt_money(1234.5, "EUR", "de") == "1.234,50 €"
    assert i18n.fmt_money(1234.5, None, "en") == "€ 1,234.50"
    assert i18n.fmt_date("2026-03-02T10:00:00", "de") == "02.03.2026"
    assert i18n.fmt_datetime("2026-03-02T10:05:00Z", "en") == "2026-03-02 10:05"
    assert i18n.fmt_month("2026-03", "de") == "März 2026" and i18n.fmt_month("2026-03", "fr") == "März 2026"
    assert i18n.fmt_month("2026-03", "en", short=True) == "Mar 2026"
    assert i18n.fmt_size(16 * 1024 + 400, "en") == "16.4 KB"


def test_the_cockpit_edge_shares_the_catalogue():
    from cockpit import i18n as edge

    assert edge.CATALOGUE is CATALOGUE and edge.MONTHS is i18n.MONTHS
    assert edge.t("search.total", n="3") == "3 Treffer"  # outside a request: German
    assert edge.t("search.total", "en", n="3") == t("search.total", "en", n="3")


def test_the_pure_package_does_not_import_flask():
    code = "import sys, i18n; assert 'flask' not in sys.modules, 'flask imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(i18n.__file__).parents[1])
