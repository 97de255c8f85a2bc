"""nlp.chunking: passages along element and sentence boundaries, never over the token budget."""

from __future__ import annotations

from nlp.chunking import (
    chunk_passages,
    count_tokens,
    estimate_tokens,
    split_sentences,
    word_counter,
    wordpiece_counter,
)


def test_split_sentences_respects_abbreviations_dates_and_decimals() -> None:
    text = "Wir liefern z.B. Pumpen am 20. November 2026. Die Rechnung über 1.234,56 EUR folgt! Herr A. Meyer kommt."
    assert split_sentences(text) == [
        "Wir liefern z.B. Pumpen am 20. November 2026.",
        "Die Rechnung über 1.234,56 EUR folgt!",
        "Herr A. Meyer kommt.",
    ]
    assert split_sentences("  ") == []


def test_small_elements_share_a_passage() -> None:
    elements = ["Rechnung RE-2026-00123", "Kundennummer: K-10234", "Gesamtbetrag 1.190,00 EUR"]
    assert chunk_passages(elements, max_tokens=20, count=word_counter) == [
        "Rechnung RE-2026-00123\nKundennummer: K-10234\nGesamtbetrag 1.190,00 EUR"
    ]


def test_element_boundaries_are_kept_when_the_budget_is_full() -> None:
    elements = ["eins zwei drei", "vier fünf sechs", "sieben acht"]
    assert chunk_passages(elements, max_tokens=6, count=word_counter) == [
        "eins zwei drei\nvier fünf sechs",
        "sieben acht",
    ]


def test_long_elements_split_at_sentences_never_inside_one() -> None:
    sentence = "Die Lieferung ist bis heute nicht eingegangen."  # 7 words
    element = " ".join([sentence] * 5)
    passages = chunk_passages([element], max_tokens=15, count=word_counter)
    assert passages == [f"{sentence} {sentence}"] * 2 + [sentence]


def test_a_single_overlong_sentence_is_cut_between_words() -> None:
    words = [f"w{i}" for i in range(25)]
    passages = chunk_passages([" ".join(words)], max_tokens=10, count=word_counter)
    assert [len(p.split()) for p in passages] == [10, 10, 5]
    assert " ".join(passages).split() == words


def test_overlap_repeats_the_last_sentence() -> None:
    element = "Satz eins ist hier. Satz zwei ist hier. Satz drei ist hier. Satz vier ist hier."
    passages = chunk_passages([element], max_tokens=8, overlap_sentences=1, count=word_counter)
    assert passages == [
        "Satz eins ist hier. Satz zwei ist hier.",
        "Satz zwei ist hier. Satz drei ist hier.",
        "Satz drei ist hier. Satz vier ist hier.",
    ]


def test_empty_input() -> None:
    assert chunk_passages([]) == []
    assert chunk_passages(["", "   "]) == []


def test_default_counter_is_the_models_wordpiece_and_respects_the_budget() -> None:
    german = "Die Lieferung zu Ihrem Auftrag ist bis heute nicht bei uns eingegangen, obwohl der Termin zugesagt war. "
    passages = chunk_passages([german * 40], max_tokens=200)
    assert len(passages) > 1
    assert all(count_tokens(p) <= 200 for p in passages)
    # German needs far more word pieces than words × 1.3: the reason the word rule is not used
    assert count_tokens(german) > 2 * len(german.split())
    assert wordpiece_counter([]) == []


def test_estimate_is_conservative() -> None:
    german = "Verschleißteile an der Förderanlage getauscht, Frequenzumrichter ausgelesen."
    assert estimate_tokens(german) >= count_tokens(german) * 0.9
    assert estimate_tokens("") == 0
