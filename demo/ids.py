"""Check-digit correct identifiers (IBAN, VAT ids) and locale formatting helpers.

Everything here is pure Python and deterministic; python-stdnum is only used by the tests to
cross-check the results.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

# --------------------------------------------------------------------------- IBAN


def _mod97(digits: str) -> int:
    rem = 0
    for ch in digits:
        rem = (rem * 10 + int(ch)) % 97
    return rem


def _iban_numeric(s: str) -> str:
    return "".join(str(int(c, 36)) for c in s)


def iban_check_digits(country: str, bban: str) -> str:
    rem = _mod97(_iban_numeric(bban + country + "00"))
    return f"{98 - rem:02d}"


def make_iban(country: str, bban: str) -> str:
    return f"{country}{iban_check_digits(country, bban)}{bban}"


def iban_is_valid(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    if len(s) < 15 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    return _mod97(_iban_numeric(s[4:] + s[:4])) == 1


def format_iban(iban: str) -> str:
    s = iban.replace(" ", "")
    return " ".join(s[i : i + 4] for i in range(0, len(s), 4))


def _digits(rng: random.Random, n: int, first_nonzero: bool = False) -> str:
    out = [str(rng.randint(1 if (first_nonzero and i == 0) else 0, 9)) for i in range(n)]
    return "".join(out)


def _es_ccc_digit(part: str) -> str:
    check = sum(int(n) * 2**i for i, n in enumerate(part)) % 11
    return str(check if check < 2 else 11 - check)


_GB_BANKS = ["NWBK", "BARC", "LOYD", "MIDL", "HBUK"]


def random_iban(rng: random.Random, country: str) -> str:
    """A syntactically valid IBAN (incl. national check digits for ES)."""
    if country == "DE":
        bban = _digits(rng, 8, True) + _digits(rng, 10)
    elif country == "ES":
        bank, branch, account = _digits(rng, 4, True), _digits(rng, 4), _digits(rng, 10)
        check = _es_ccc_digit("00" + bank + branch) + _es_ccc_digit(account)
        bban = bank + branch + check + account
    elif country == "PL":
        bban = _digits(rng, 8, True) + _digits(rng, 16)
    elif country == "TR":
        bban = _digits(rng, 5, True) + "0" + _digits(rng, 16)
    elif country == "GB":
        bban = rng.choice(_GB_BANKS) + _digits(rng, 6) + _digits(rng, 8)
    else:  # pragma: no cover - not used by the generator
        raise ValueError(country)
    return make_iban(country, bban)


_BICS = {
    "DE": ["COBADEFFXXX", "DEUTDEFFXXX", "HYVEDEMMXXX", "GENODEF1S06", "BYLADEM1001", "HASPDEHHXXX"],
    "ES": ["CAIXESBBXXX", "BSCHESMMXXX", "BBVAESMMXXX"],
    "PL": ["PKOPPLPWXXX", "BPKOPLPWXXX", "INGBPLPWXXX"],
    "TR": ["TCZBTR2AXXX", "ISBKTRISXXX", "AKBKTRISXXX"],
    "GB": ["NWBKGB2LXXX", "BARCGB22XXX", "LOYDGB2LXXX"],
}


def random_bic(rng: random.Random, country: str) -> str:
    return rng.choice(_BICS[country])


# --------------------------------------------------------------------------- VAT ids


def _mod_11_10_check(number: str) -> str:
    check = 5
    for n in number:
        check = (((check or 10) * 2) % 11 + int(n)) % 10
    return str((1 - ((check or 10) * 2) % 11) % 10)


def _luhn_check(number: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def random_vat_id(rng: random.Random, country: str) -> str:
    """VAT / tax id with a correct check digit (DE, ES CIF, PL NIP, GB VAT, TR VKN)."""
    if country == "DE":
        body = _digits(rng, 8, True)
        return "DE" + body + _mod_11_10_check(body)
    if country == "ES":
        letter = rng.choice("ABB")  # S.A. / S.L.
        body = _digits(rng, 7)
        check = _luhn_check(body)
        return "ES" + letter + body + check
    if country == "PL":
        while True:
            body = _digits(rng, 9, True)
            pl_check = sum(w * int(n) for w, n in zip((6, 5, 7, 2, 3, 4, 5, 6, 7), body, strict=True)) % 11
            if pl_check != 10:
                return "PL" + body + str(pl_check)
    if country == "GB":
        body = str(rng.randint(1, 9)) + _digits(rng, 6)
        s = sum(w * int(n) for w, n in zip((8, 7, 6, 5, 4, 3, 2), body, strict=True)) % 97
        return "GB" + body + f"{(97 - s) % 97:02d}"
    if country == "TR":
        body = _digits(rng, 9, True)
        s = 0
        for i, n in enumerate(reversed(body), 1):
            c1 = (int(n) + i) % 10
            if c1:
                s += (c1 * (2**i)) % 9 or 9
        return "TR" + body + str((10 - s) % 10)
    raise ValueError(country)  # pragma: no cover


# --------------------------------------------------------------------------- time

#: The fixed "now" of the demo world: 2026-11-20 10:00 Europe/Berlin (a Friday).
NOW_DATE = date(2026, 11, 20)


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def berlin_offset(d: date, hour: int = 12) -> timezone:
    """UTC offset of Europe/Berlin (CET/CEST), computed without tzdata for reproducibility."""
    start = _last_sunday(d.year, 3)
    end = _last_sunday(d.year, 10)
    summer = (start < d < end) or (d == start and hour >= 3) or (d == end and hour < 3)
    return timezone(timedelta(hours=2 if summer else 1))


def berlin_dt(d: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=berlin_offset(d, hour))


NOW = berlin_dt(NOW_DATE, 10, 0)


# --------------------------------------------------------------------------- formatting

CENT = Decimal("0.01")


def money(value: Decimal | float | int | str) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _group(int_part: str, sep: str) -> str:
    out: list[str] = []
    while len(int_part) > 3:
        out.insert(0, int_part[-3:])
        int_part = int_part[:-3]
    out.insert(0, int_part)
    return sep.join(out)


def format_number(value: Decimal, lang: str) -> str:
    """1.234,56 (de/es/tr), 1 234,56 (pl), 1,234.56 (en)."""
    v = money(value)
    sign = "-" if v < 0 else ""
    int_part, frac = f"{abs(v):.2f}".split(".")
    if lang == "en":
        return f"{sign}{_group(int_part, ',')}.{frac}"
    if lang == "pl":
        return f"{sign}{_group(int_part, ' ')},{frac}"
    return f"{sign}{_group(int_part, '.')},{frac}"


def format_amount(value: Decimal, lang: str, symbol: bool = False) -> str:
    """German style ``1.234,56 EUR`` / ``1.234,56 €``, English ``EUR 1,234.56``."""
    num = format_number(value, lang)
    if lang == "en":
        return f"EUR {num}"
    return f"{num} {'€' if symbol else 'EUR'}"


def format_qty(value: Decimal | int, lang: str) -> str:
    v = Decimal(value)
    if v == v.to_integral_value():
        return str(int(v))
    s = f"{v:.2f}".rstrip("0")
    return s if lang == "en" else s.replace(".", ",")


def format_date(d: date, lang: str) -> str:
    if lang == "en":
        return f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}"
    if lang == "es":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    return f"{d.day:02d}.{d.month:02d}.{d.year}"


EN_MONTHS = [
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
]
