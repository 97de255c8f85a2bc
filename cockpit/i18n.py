"""The cockpit's edge of the UI catalogue: the request's language, and `i18n`'s helpers defaulting to it.

The strings and the pure helpers live in the top-level `i18n` package (`i18n/catalogue.toml`), shared with the
REST API. Here `t(key, lang=None, **fmt)`: without `lang` the current request's language is used (the user's
choice kept in the session, else German). Missing keys show the key itself (a test checks that every key used
by the cockpit exists in both languages). Formatting helpers for dates, months, numbers and money take the same
optional `lang`, so a page never formats by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import i18n as _i18n
from i18n import CATALOGUE, DEFAULT_LANG, LANGS, MONTHS, MONTHS_SHORT, has, parse_date

__all__ = [
    "CATALOGUE",
    "DEFAULT_LANG",
    "LANGS",
    "MONTHS",
    "MONTHS_SHORT",
    "current_lang",
    "fmt_date",
    "fmt_datetime",
    "fmt_int",
    "fmt_money",
    "fmt_month",
    "fmt_size",
    "has",
    "parse_date",
    "t",
    "t_or",
]


def current_lang() -> str:
    """The request's UI language: the session's choice, else German. Outside a request: German."""
    try:
        from flask import has_request_context, session

        if has_request_context():
            lang = session.get("lang")
            if lang in LANGS:
                return str(lang)
    except Exception:  # noqa: BLE001, S110 - no session (no secret key in a bare test app): default
        pass
    return DEFAULT_LANG


def t(key: str, lang: str | None = None, **fmt: Any) -> str:
    return _i18n.t(key, lang or current_lang(), **fmt)


def t_or(key: str, fallback: str, lang: str | None = None) -> str:
    """A catalogue label when the key exists (register, facet value), else the raw value."""
    return _i18n.t_or(key, fallback, lang or current_lang())


# ------------------------------------------------------------------------------------------- formatting


def fmt_int(n: int | float | None, lang: str | None = None) -> str:
    return _i18n.fmt_int(n, lang or current_lang())


def fmt_money(amount: float | None, currency: str | None = "EUR", lang: str | None = None) -> str:
    return _i18n.fmt_money(amount, currency, lang or current_lang())


def fmt_decimal(value: float, lang: str | None = None) -> str:
    return _i18n.fmt_decimal(value, lang or current_lang())


def fmt_date(value: str | dt.date | None, lang: str | None = None) -> str:
    return _i18n.fmt_date(value, lang or current_lang())


def fmt_datetime(value: str | None, lang: str | None = None) -> str:
    return _i18n.fmt_datetime(value, lang or current_lang())


def fmt_month(ym: str | None, lang: str | None = None, short: bool = False) -> str:
    """ "2026-03" -> "März 2026" / "March 2026"."""
    return _i18n.fmt_month(ym, lang or current_lang(), short)


def fmt_size(n: int | None, lang: str | None = None) -> str:
    return _i18n.fmt_size(n, lang or current_lang())
