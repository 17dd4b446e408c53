"""Header-value variants: every on-screen layout of names, dates, times, ages and ids, and the
DA/TM/AS parsers they start from."""

from __future__ import annotations

from pixelsvc.phi.dates import find_dates
from pixelsvc.phi.normalise import numeric_view
from pixelsvc.phi.variants import (
    age_variants,
    date_variants,
    id_variants,
    name_variants,
    parse_as,
    parse_da,
    parse_tm,
    time_variants,
)


def test_name_variants_cover_layouts() -> None:
    variants = set(name_variants("DOE^JOHN^M^DR^JR"))
    for layout in (
        "DOE^JOHN",
        "DOE, JOHN",
        "DOE,JOHN",
        "JOHN DOE",
        "DOE JOHN",
        "J. DOE",
        "DOE J",
        "J.M. DOE",
        "JOHN M DOE",
        "DR JOHN DOE",
        "JOHN DOE JR",
    ):
        assert layout in variants


def test_date_variants_parse_back_to_the_same_day() -> None:
    variants = date_variants("19990923")
    assert {"09/23/1999", "23.09.1999", "1999 SEP 23", "23-SEP-99", "SEP 23, 1999", "9/23/1999"} <= set(variants)
    for variant in variants:
        if variant.isdigit() and len(variant) < 8:
            continue  # `990923`: matched by its digits against the header only, never as a date pattern
        hits = find_dates(numeric_view(variant))
        assert any(h.same_day((1999, 9, 23)) for h in hits), variant


def test_time_and_age_variants() -> None:
    assert {"14:28:25", "14:28", "2:28:25 PM", "142825"} <= set(time_variants("142825.123"))
    assert {"067Y", "67Y", "67 Y", "67 YRS", "AGE: 67", "67 Y/O"} <= set(age_variants("067Y"))
    assert parse_tm("20170302101112") == (10, 11, 12)
    assert parse_da("2017") is None
    assert parse_as("6M") == (6, "M")


def test_id_variants_drop_separators() -> None:
    assert id_variants(" 12975-20-2 ") == ["12975-20-2", "12975202"]
    assert id_variants("ab-12") == ["ab-12", "ab12", "AB12"]
