"""OCR-confusion folding and the token views of a line."""

from __future__ import annotations

from pixelsvc.phi.normalise import (
    alpha_canon,
    as_word,
    folded_word_spans,
    id_canon,
    numeric_chunks,
    numeric_view,
    word_forms,
    word_tokens,
)


def test_numeric_view_restores_digits_only_inside_numbers() -> None:
    assert numeric_view("O9/23/l999 Sep") == "09/23/1999 SEP"
    assert numeric_view("TIS0.0") == "TIS0.0"
    assert alpha_canon("J0HN") == alpha_canon("JOHN")
    assert alpha_canon("Narne") == alpha_canon("NAME")
    assert id_canon("l2975-2O-2") == "12975202"


def test_tokens_and_forms() -> None:
    assert word_tokens("O'Brien, Mary-Jo") == ["OBRIEN", "MARY", "JO"]
    raw, folded = word_forms("J0hn Narne")
    assert raw == ["J0HN", "NARNE"]
    assert folded == [alpha_canon("JOHN"), alpha_canon("NAME")]
    assert [(a, b) for a, b, _ in folded_word_spans("Pat1ent  ID:")] == [(0, 7), (9, 11)]


def test_numeric_chunks_and_as_word() -> None:
    assert numeric_chunks(numeric_view("16.1cm / 1.3 / 29Hz")) == ["161", "13", "29"]
    assert numeric_chunks("09 23/1999") == ["09231999"]
    assert as_word("J0HN") == "JOHN"
    assert as_word("1234") is None
