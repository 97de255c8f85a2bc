"""The UI string catalogue and the formatting helpers, for every front door (the Dash cockpit, the REST API).

The strings are data: `catalogue.toml` next to this module, one table per key with German (`de`) and English
(`en`) text, loaded once at import. Everything here is pure: the language is always passed in (no Flask, no
session, no request). The cockpit's edge, `cockpit.i18n`, picks the language from the session and calls these.

`t(key, lang, **params)`: an unknown key shows the key itself; an unknown language falls back to German; a
missing or malformed parameter never raises (the text is returned unformatted).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from typing import Any

DEFAULT_LANG = "de"
LANGS = ("de", "en")

CATALOGUE_FILE = "catalogue.toml"


def _load_catalogue() -> dict[str, dict[str, str]]:
    """`catalogue.toml` as {key: {lang: text}}, in file order. A malformed entry fails at import, not on a page."""
    raw = tomllib.loads(resources.files(__name__).joinpath(CATALOGUE_FILE).read_text(encoding="utf-8"))
    catalogue: dict[str, dict[str, str]] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
            raise ValueError(f"{CATALOGUE_FILE}: [{key!r}] must be a table of strings (de = ..., en = ...)")
        catalogue[key] = dict(entry)
    return catalogue


CATALOGUE: dict[str, dict[str, str]] = _load_catalogue()

MONTHS: dict[str, tuple[str, ...]] = {
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
MONTHS_SHORT: dict[str, tuple[str, ...]] = {
    "de": ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def has(key: str) -> bool:
    return key in CATALOGUE


def t(key: str, lang: str, **params: Any) -> str:
    """The text of `key` in `lang` (German when `lang` is unknown), with `{placeholders}` filled from `params`."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError):
            return text
    return text


def t_or(key: str, fallback: str, lang: str) -> str:
    """A catalogue label when the key exists (register, facet value), else the raw value."""
    return t(key, lang) if key in CATALOGUE else fallback


# ------------------------------------------------------------------------------------------- formatting


def fmt_int(n: int | float | None, lang: str) -> str:
    if n is None:
        return t("common.none", lang)
    s = f"{int(n):,}"
    return s.replace(",", ".") if lang == "de" else s


def fmt_money(amount: float | None, currency: str | None, lang: str) -> str:
    if amount is None:
        return t("common.none", lang)
    s = f"{amount:,.2f}"
    if lang == "de":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    sym = {"EUR": "€", "GBP": "£", "USD": "$", "PLN": "zł", "TRY": "₺"}.get((currency or "EUR").upper(), currency or "")
    return f"{s} {sym}" if lang == "de" else f"{sym} {s}" if sym in ("€", "£", "$") else f"{s} {sym}"


def fmt_decimal(value: float, lang: str) -> str:
    """A number with two decimals (a whole number without), in the language's notation: 1.240,50 / 1,240.50."""
    s = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".") if lang == "de" else s


def parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def fmt_date(value: str | dt.date | None, lang: str) -> str:
    d = value if isinstance(value, dt.date) else parse_date(value)
    if d is None:
        return t("common.none", lang)
    return d.strftime("%d.%m.%Y") if lang == "de" else d.isoformat()


def fmt_datetime(value: str | None, lang: str) -> str:
    if not value:
        return t("common.none", lang)
    try:
        d = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return fmt_date(value, lang)
    return d.strftime("%d.%m.%Y %H:%M") if lang == "de" else d.strftime("%Y-%m-%d %H:%M")


def fmt_month(ym: str | None, lang: str, short: bool = False) -> str:
    """ "2026-03" -> "März 2026" / "March 2026"."""
    try:
        year, month = str(ym).split("-")[:2]
        names = (MONTHS_SHORT if short else MONTHS)[lang if lang in MONTHS else DEFAULT_LANG]
        return f"{names[int(month) - 1]} {int(year)}"
    except (ValueError, IndexError, AttributeError):
        return str(ym or t("common.none", lang))


def fmt_size(n: int | None, lang: str) -> str:
    if n is None:
        return t("common.none", lang)
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            s = f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
            return s.replace(".", ",") if lang == "de" else s
        value /= 1024
    return str(n)
