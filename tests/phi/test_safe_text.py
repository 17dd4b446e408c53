"""The token grammar of safe clinical annotation text."""

from __future__ import annotations

import pytest

from pixelsvc.phi.lexicon import DEFAULT_ALLOWLIST
from pixelsvc.phi.safe_text import is_safe_text, safe_piece

ALLOW = frozenset(DEFAULT_ALLOWLIST)


@pytest.mark.parametrize(
    "text", ["TIS0.0 MI 0.6", "Se: 3/2", "W:400 L:40", "5.0 mm", "120 kV", "L12-5", "512x512", "2-4", "10-20"]
)
def test_safe_lines(text: str) -> None:
    assert is_safe_text(text, ALLOW)


@pytest.mark.parametrize("text", ["John", "J0HN 12", "---", "", "7-075", "00-949", "071YH"])
def test_unsafe_lines(text: str) -> None:
    assert not is_safe_text(text, ALLOW)


@pytest.mark.parametrize("text", ["2144", "2013", "(1984)", "40512."])
def test_a_lone_whole_number_of_four_digits_is_not_safe(text: str) -> None:
    """A time that lost its colon, a year, an id's end: a measurement has a unit or a label."""
    assert not is_safe_text(text, ALLOW)


@pytest.mark.parametrize("text", ["512", "72)", "2.375", "mAs 2500", "s250", "Im: 2144"])
def test_shorter_numbers_and_numbers_with_a_word_stay_safe(text: str) -> None:
    assert is_safe_text(text, ALLOW)


def test_safe_piece_units_and_folded_words() -> None:
    assert safe_piece("180MM", ALLOW)
    assert safe_piece("TLB", ALLOW)  # TIB read with an l
    assert not safe_piece("DOE", ALLOW)


@pytest.mark.parametrize("text", ["Thk 5 mmm", "CTDIvol12.3 mGy", "5.0 mmmm"])
def test_ocr_slips_of_annotations_are_safe(text: str) -> None:
    """A glyph read three times (`mmm`) and a long allowlisted word run into its number."""
    assert is_safe_text(text, ALLOW)


@pytest.mark.parametrize("text", ["SMITH12", "Annna 12", "JOHNSON45 mm"])
def test_slip_rules_do_not_make_names_safe(text: str) -> None:
    """Only allowlisted words run into a number, and only a letter three times in a row, are undone."""
    assert not is_safe_text(text, ALLOW)


@pytest.mark.parametrize("text", ["934AM", ":34AM", "9:4AM", "l57PM", "T1E: l7:09", "HR 02;26", "14h08", "S/l9/22",
                                  "S/19/2022", "12:383 PW", "09:5012 mm"])
def test_times_and_dates_misread_by_ocr_are_never_safe(text: str) -> None:
    """A time that lost a digit or its colon before AM/PM, a two-digit hour with minutes inside a
    line (also with a digit read twice or the seconds' colon lost), and a date whose edge digit was
    read as a letter may be PHI: never kept as annotation."""
    assert not is_safe_text(text, ALLOW)


@pytest.mark.parametrize("text", ["HR72bpm", "Zoom 1:20", "1/2/4", "Se: 3/2/1", "M-MÓDE", "L5/S1"])
def test_ratios_rates_and_accented_words_stay_safe(text: str) -> None:
    """`bpm` is no PM, ratios are no times, and an accent the recogniser added is no new word."""
    assert is_safe_text(text, ALLOW)
