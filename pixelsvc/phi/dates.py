"""Dates and clock times in a line, in every layout scanners print them.

Pure functions of the line's `numeric_view`; nothing logs or raises with the text.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

__all__ = ["MONTH_ABBR", "DateHit", "TimeHit", "find_dates", "find_times", "is_clock_time", "valid_date"]

_MONTH_ALT = (
    r"JAN(?:UARY)?|FE[B8](?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AU[G6](?:UST)?"
    r"|[S5]EP(?:T(?:EMBER)?)?|[O0]CT(?:OBER)?|N[O0]V(?:EMBER)?|DEC(?:EMBER)?"
)
_MON = rf"(?<![A-Z])({_MONTH_ALT})\.?(?![A-Z])"
_ANY_MONTH = re.compile(r"(?<![A-Z])(?:JAN|FE[B8]|MAR|APR|MAY|JU[NL]|AU[G6]|[S5]EP|[O0]CT|N[O0]V|DEC)")
_SEP = r"[\s\-./,]*"
_YEAR = r"(\d{4}|\d{2})"

# a run of the same separator going on (`5-20-01-14-3`) is an id, not a date; `12.12.19-8` is a date
_DATE_NUMERIC = re.compile(r"(?<![\d.\-/])(\d{1,4})([-/.])(\d{1,2})\2(\d{2,4})(?!\d|\2\d)")
_DATE_COMPACT = re.compile(r"(?<![A-Z0-9])(\d{8})(?![A-Z0-9])")
_DATE_DMY = re.compile(rf"(?<!\d)(\d{{1,2}})(?:ST|ND|RD|TH)?{_SEP}{_MON}{_SEP}{_YEAR}(?![\d:])")
_DATE_MDY = re.compile(rf"{_MON}{_SEP}(\d{{1,2}})(?:ST|ND|RD|TH)?(?!\d)[\s\-./,]+{_YEAR}(?![\d:])")
_DATE_MD_TIME_Y = re.compile(rf"{_MON}\s*(\d{{1,2}})\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?\s+(\d{{4}})(?!\d)")
_DATE_YMD = re.compile(rf"(?<!\d)(\d{{4}}){_SEP}{_MON}{_SEP}(\d{{1,2}})(?!\d)")
_DATE_MY = re.compile(rf"{_MON}{_SEP}(\d{{4}})(?!\d)")
_DATE_WEEKDAY_MD = re.compile(rf"(?<![A-Z])(?:MON|TUE|WED|THU|FRI|SAT|SUN)[A-Z]*\.?,?\s+{_MON}\s*(\d{{1,2}})(?!\d)")

_MONTH_NUMBER = {
    "JAN": 1, "FEB": 2, "FE8": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "AU6": 8,
    "SEP": 9, "5EP": 9, "OCT": 10, "0CT": 10, "NOV": 11, "N0V": 11, "DEC": 12,
}
MONTH_ABBR = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
"""Three-letter month abbreviations, January first."""


@dataclass(frozen=True, slots=True)
class DateHit:
    """A date found in a line. `year` is two digits when `two_digit`; `day` is None for month-year."""

    year: int
    month: int
    day: int | None
    two_digit: bool = False

    def same_day(self, ymd: tuple[int, int, int]) -> bool:
        """Whether this is the calendar day `ymd` (two-digit years compare modulo 100)."""
        year, month, day = ymd
        if self.day is None or self.month != month or self.day != day:
            return False
        return self.year == (year % 100 if self.two_digit else year)


def valid_date(year: int, month: int, day: int | None, two_digit: bool) -> bool:
    """Whether the parts make a calendar date (four-digit years 1900-2099; 29 February always allowed)."""
    if not 1 <= month <= 12:
        return False
    if not two_digit and not 1900 <= year <= 2099:
        return False
    if day is None:
        return True
    last = 29 if month == 2 else calendar.monthrange(2001, month)[1]
    return 1 <= day <= last


def _hit(year: str, month: int, day: int | None) -> DateHit | None:
    two = len(year) == 2
    y = int(year)
    return DateHit(y, month, day, two) if valid_date(y, month, day, two) else None


def _month(name: str) -> int:
    return _MONTH_NUMBER[name[:3]]


def _numeric_candidates(a: str, sep: str, b: str, c: str, after_letter: bool) -> list[DateHit]:
    """Every reading of `a sep b sep c` as a date (several when the order is ambiguous)."""
    out: list[DateHit | None] = []
    if len(a) == 4 and len(c) <= 2:
        out += [_hit(a, int(b), int(c)), _hit(a, int(c), int(b))]
    elif len(c) == 4 and len(a) <= 2:
        out += [_hit(c, int(a), int(b)), _hit(c, int(b), int(a))]
    elif len(c) == 2 and len(a) <= 2 and not after_letter:
        if sep == "." and (len(a) != 2 or len(b) != 2):
            return []  # `2.5.10` is a version number; dotted short dates are zero-padded
        out += [_hit(c, int(a), int(b)), _hit(c, int(b), int(a))]
        if len(a) == 2 and len(b) == 2:
            out.append(_hit(a, int(b), int(c)))  # YY-MM-DD
    return [hit for hit in out if hit is not None]


def find_dates(numeric: str) -> list[DateHit]:
    """All plausible dates in a line, in any common layout.

    Numeric (`09/23/1999`, `23.09.99`, `1999-09-23`, `11-05-25`), compact (`19990923`), and
    with month names (`23-SEP-1999`, `Sep 23, 1999`, `1999 Sep 23`, `Fri Apr 30 06:27:24 1993`).
    Ambiguous day/month orders give one hit per valid reading.

    Args:
        numeric: the line's `numeric_view` (upper case, digits restored).

    Returns:
        The hits; empty when none.
    """
    if not any(ch.isdigit() for ch in numeric):
        return []
    hits: list[DateHit] = []
    for m in _DATE_NUMERIC.finditer(numeric):
        after_letter = m.start() > 0 and numeric[m.start() - 1].isalpha()
        hits += _numeric_candidates(m.group(1), m.group(2), m.group(3), m.group(4), after_letter)
    for m in _DATE_COMPACT.finditer(numeric):
        s = m.group(1)
        for hit in (_hit(s[:4], int(s[4:6]), int(s[6:])), _hit(s[4:], int(s[:2]), int(s[2:4])),
                    _hit(s[4:], int(s[2:4]), int(s[:2]))):
            if hit is not None:
                hits.append(hit)
    if _ANY_MONTH.search(numeric):
        for m in _DATE_DMY.finditer(numeric):
            hits.append(_hit(m.group(3), _month(m.group(2)), int(m.group(1))))
        for m in _DATE_MDY.finditer(numeric):
            hits.append(_hit(m.group(3), _month(m.group(1)), int(m.group(2))))
        for m in _DATE_MD_TIME_Y.finditer(numeric):
            hits.append(_hit(m.group(3), _month(m.group(1)), int(m.group(2))))
        for m in _DATE_YMD.finditer(numeric):
            hits.append(_hit(m.group(1), _month(m.group(2)), int(m.group(3))))
        for m in _DATE_MY.finditer(numeric):
            hits.append(_hit(m.group(2), _month(m.group(1)), None))
        for m in _DATE_WEEKDAY_MD.finditer(numeric):
            day = int(m.group(2))
            month = _month(m.group(1))
            if valid_date(2000, month, day, False):
                hits.append(DateHit(0, month, day, True))  # no year shown: matches no header date
    return [hit for hit in hits if hit is not None]


_TIME = re.compile(
    r"(?<![\d.])(?<!\d[:;])(\d{1,2})\s?[:;]\s?([0-5]\d)(?:\s?[:;]\s?([0-5]\d)(?:[.,]\d{1,6})?)?"
    r"(?:\s?([AP])\.?\s?M\.?(?![A-Z]))?(?![\d:])"
)


@dataclass(frozen=True, slots=True)
class TimeHit:
    """A clock time found in a line, as a 24-hour time when a meridiem was shown."""

    hour: int
    minute: int
    second: int | None
    meridiem: bool

    @property
    def strong(self) -> bool:
        """hh:mm:ss or hh:mm am/pm: a time of day rather than a duration or a counter."""
        return self.second is not None or self.meridiem

    def same_time(self, hms: tuple[int, int, int | None]) -> bool:
        """Whether this shows the header time `hms` (seconds compared when both have them)."""
        hour, minute, second = hms
        if self.minute != minute:
            return False
        if self.second is not None and second is not None and self.second != second:
            return False
        if self.hour == hour:
            return True
        # a 12-hour clock without am/pm: only trust it when the seconds agree too
        return (not self.meridiem and hour > 12 and self.hour == hour - 12
                and self.second is not None and self.second == second)


def find_times(numeric: str) -> list[TimeHit]:
    """Clock times (`14:28:25`, `2:28 PM`, `05:24:57PM`, `14:28`) in a line.

    Args:
        numeric: the line's `numeric_view`.

    Returns:
        Valid times; check `TimeHit.strong` before treating one as PHI on its own.
    """
    if ":" not in numeric and ";" not in numeric:
        return []
    hits = []
    for m in _TIME.finditer(numeric):
        hour, minute = int(m.group(1)), int(m.group(2))
        second = int(m.group(3)) if m.group(3) else None
        meridiem = m.group(4)
        if meridiem:
            if not 1 <= hour <= 12:
                continue
            hour = hour % 12 + (12 if meridiem == "P" else 0)
        elif hour > 23:
            continue
        hits.append(TimeHit(hour, minute, second, bool(meridiem)))
    return hits


_CLOCK_PREFIX = r"[^\dA-Z]*(?:(?:T|TM|TIME|ZEIT|HEURE|HORA)\s?[:.=]?\s?)?"
_CLOCK_ONLY = re.compile(
    _CLOCK_PREFIX + r"(\d{1,2})\s?[:;]\s?([0-5]\d)(?:\s?[:;]\s?([0-5]\d))?\s*(?:[AP]\.?\s?M?\.?)?[^\dA-Z]*"
)
_CLOCK_DOTTED = re.compile(_CLOCK_PREFIX + r"([01]\d|2[0-3])\.([0-5]\d)[^\dA-Z]*")
_CLOCK_H = re.compile(r"(?<![\dA-Z])([01]?\d|2[0-3])\s?H\s?([0-5]\d)(?![\dA-Z])")


def is_clock_time(numeric: str) -> bool:
    """A line that is nothing but a clock time (`02:26`, `4:26`, `18.45`, `T: 06:04`), or that holds
    one in `02h26` form: fail closed, these are exam times even with no date or header beside them.

    Args:
        numeric: the line's `numeric_view`.

    Returns:
        True for a clock time (hours up to 23, or 12 with am/pm).
    """
    m = _CLOCK_ONLY.fullmatch(numeric)
    if m:
        return int(m.group(1)) <= 23
    if _CLOCK_DOTTED.fullmatch(numeric):
        return True
    return "H" in numeric and _CLOCK_H.search(numeric) is not None
