"""Dates and clock times in a line."""

from __future__ import annotations

import pytest

from pixelsvc.phi.dates import find_dates, find_times, valid_date
from pixelsvc.phi.normalise import numeric_view


@pytest.mark.parametrize(
    ("text", "dates"),
    [("11-05-25", 3), ("1/2/3", 0), ("12-34-56", 0), ("C1-6-12", 0), ("2.5.10", 0), ("05.02.10", 3), ("13/13/2020", 0)],
)
def test_find_dates_readings(text: str, dates: int) -> None:
    assert len(find_dates(numeric_view(text))) == dates


def test_find_times_strength() -> None:
    (hit,) = find_times(numeric_view("14:28:25"))
    assert (hit.hour, hit.minute, hit.second, hit.strong) == (14, 28, 25, True)
    (pm,) = find_times(numeric_view("2:28 PM"))
    assert (pm.hour, pm.strong) == (14, True)
    (bare,) = find_times("14:28")
    assert not bare.strong
    assert find_times("25:10") == []


def test_valid_date() -> None:
    assert valid_date(2000, 2, 29, False)
    assert not valid_date(1850, 1, 1, False)
    assert not valid_date(99, 4, 31, True)
