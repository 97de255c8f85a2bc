"""search.query_parser: user text -> ParsedQuery, as data."""

from __future__ import annotations

import datetime as dt

import pytest

from search.query_parser import MAX_QUERY_CHARS, parse_date_expression, parse_query

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected_ids"),
    [
        ("K-10234", {"k10234"}),
        ("K10234", {"k10234"}),
        ("k 10234", {"k10234"}),
        ("Rechnung K.10234 offen", {"k10234"}),
        ("RE-2026-00042", {"re202600042"}),
        ("DE89 3704 0044 0532 0130 00", {"de89370400440532013000"}),
        ("info@mueller-gmbh.de", None),  # e-mails are identifiers too (normalised by nlp.identifiers)
    ],
)
def test_identifiers_are_detected_and_normalised(text: str, expected_ids: set[str] | None) -> None:
    parsed = parse_query(text)
    assert parsed.identifiers, parsed
    if expected_ids is not None:
        assert expected_ids <= set(parsed.identifiers)
    # the words stay in the free text for BM25
    assert parsed.text


def test_plain_words_are_not_identifiers() -> None:
    assert parse_query("Rechnung offen Müller").identifiers == ()


def test_quoted_phrases_are_required_and_part_of_text() -> None:
    p = parse_query('"verspätete Lieferung" Schrauben')
    assert p.phrases == ("verspätete Lieferung",)
    assert p.terms == ("Schrauben",)
    assert "verspätete Lieferung" in p.text


def test_typographic_quotes() -> None:
    assert parse_query("„offene Posten“").phrases == ("offene Posten",)


def test_unbalanced_quote_is_harmless() -> None:
    p = parse_query('"offene Rechnung Müller')
    assert p.phrases == ()
    assert p.terms == ("offene", "Rechnung", "Müller")
    assert p.messages == ()


@pytest.mark.parametrize("text", ['a "b', 'a"', '"', '""', '" "', '"a" "b'])
def test_quote_edge_cases_never_fail(text: str) -> None:
    parse_query(text)


def test_customer_prefixes() -> None:
    p = parse_query('kunde:"Müller GmbH" customer:K-10234 Lieferung')
    assert p.customers == ("Müller GmbH", "K-10234")
    assert p.text == "Lieferung"


def test_type_prefix_maps_german_labels() -> None:
    assert parse_query("typ:rechnung").registers == ("invoice",)
    assert parse_query("typ:Rechnungen").registers == ("invoice",)
    assert parse_query("type:angebot typ:lieferschein").registers == ("offer", "delivery_note")
    assert parse_query("typ:reklamation").registers == ("complaint",)
    assert parse_query("type:delivery_note").registers == ("delivery_note",)


def test_unknown_type_becomes_text_with_message() -> None:
    p = parse_query("typ:banane")
    assert p.registers == ()
    assert p.text == "banane"
    assert p.messages and p.messages[0].code == "msg.unknown_type" and p.messages[0].params["value"] == "banane"


def test_number_prefix_is_required_identifier() -> None:
    p = parse_query("nr:RE-2026-00042")
    assert p.required_ids and "re202600042" in p.required_ids[0].split("|")
    assert p.identifiers == ()
    assert not p.has_text
    assert not p.is_empty


def test_unknown_prefix_is_plain_text() -> None:
    p = parse_query("foo:bar Rechnung")
    assert p.text == "foo:bar Rechnung"
    assert p.customers == () and p.registers == ()


def test_lucene_specials_are_plain_text() -> None:
    text = r"(a AND b) || c^2 ~ * ? / \ [x TO y] {z} +- ! &&"
    p = parse_query(text)
    assert p.text == text
    assert p.messages == ()


@pytest.mark.parametrize(
    ("expr", "gte", "lte"),
    [
        ("2026-01-01..2026-03-31", D(2026, 1, 1), D(2026, 3, 31)),
        ("01.01.2026..31.03.2026", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026-03-31..2026-01-01", D(2026, 1, 1), D(2026, 3, 31)),  # reversed: swapped
        ("15.02.2026", D(2026, 2, 15), D(2026, 2, 15)),
        ("2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        ("02.2024", D(2024, 2, 1), D(2024, 2, 29)),
        ("2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("..2026-03-31", None, D(2026, 3, 31)),
        ("2026-01-01..", D(2026, 1, 1), None),
        (">=01.03.2026", D(2026, 3, 1), None),
        (">2026-03-01", D(2026, 3, 2), None),
        ("<2026-03", None, D(2026, 2, 28)),
        ("<=2026-03", None, D(2026, 3, 31)),
    ],
)
def test_date_expressions(expr: str, gte: dt.date | None, lte: dt.date | None) -> None:
    rng = parse_date_expression(expr)
    assert (rng.gte, rng.lte) == (gte, lte)


def test_date_prefix() -> None:
    p = parse_query("datum:01.01.2026..31.03.2026 Mahnung")
    assert p.date_range is not None
    assert (p.date_range.gte, p.date_range.lte) == (D(2026, 1, 1), D(2026, 3, 31))
    assert p.text == "Mahnung"


@pytest.mark.parametrize("bad", ["31.02.2026", "2026-13-01", "banane", "..", "32.01.2026..01.02.2026"])
def test_invalid_dates_give_a_message_and_are_ignored(bad: str) -> None:
    p = parse_query(f"datum:{bad} Rechnung")
    assert p.date_range is None
    assert len(p.messages) == 1 and p.messages[0].code == "msg.bad_date" and p.messages[0].params["value"] == bad
    assert p.text == "Rechnung"


def test_long_query_is_truncated_at_a_word_boundary() -> None:
    text = ("Lieferverzug Schrauben Reklamation " * 80)[:2000]
    p = parse_query(text)
    assert p.truncated
    assert len(p.text) <= MAX_QUERY_CHARS
    assert p.text.split()[-1] in {"Lieferverzug", "Schrauben", "Reklamation"}
    assert p.messages and p.messages[0].code == "msg.query_too_long" and p.messages[0].params["n"] == len(p.text)


def test_single_2000_char_token() -> None:
    p = parse_query("x" * 2000)
    assert p.truncated and len(p.text) <= MAX_QUERY_CHARS


def test_empty_and_whitespace() -> None:
    for text in ("", "   ", None, "\u0000\ue000"):
        p = parse_query(text)
        assert p.is_empty and not p.has_text


def test_private_use_markers_are_stripped() -> None:
    assert "\ue000" not in parse_query("a\ue000b\ue001").text
