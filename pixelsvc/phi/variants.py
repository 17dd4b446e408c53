"""The on-screen layouts ("variants") of DICOM header values, and the parsers of DA, TM and AS
values they start from.

Pure functions of strings; nothing logs or raises with the text (it may be PHI).
"""

from __future__ import annotations

import calendar
import re

from pixelsvc.phi.dates import MONTH_ABBR, valid_date
from pixelsvc.phi.names import split_person_name

__all__ = [
    "age_variants",
    "date_variants",
    "id_variants",
    "name_variants",
    "parse_as",
    "parse_da",
    "parse_tm",
    "time_variants",
]

def name_variants(value: str) -> list[str]:
    """Every common on-screen layout of a person name.

    `DOE^JOHN^M` gives `DOE^JOHN`, `DOE, JOHN`, `DOE,JOHN`, `JOHN DOE`, `DOE JOHN`, `J. DOE`,
    `J DOE`, `DOE J`, `DOE, J.`, `JOHN M DOE`, `J.M. DOE`, ... (upper case).

    Args:
        value: a PN header value.

    Returns:
        The layouts, without duplicates, most specific first.
    """
    out: list[str] = []
    for name in split_person_name(value):
        fam, giv, mid = " ".join(name.family), " ".join(name.given), " ".join(name.middle)
        pre, suf = " ".join(name.prefix), " ".join(name.suffix)
        gi = "".join(t[0] for t in name.given)
        mi = "".join(t[0] for t in name.middle)
        forms: list[str] = []
        if fam and giv:
            forms += [
                f"{fam}^{giv}", f"{fam}, {giv}", f"{fam},{giv}", f"{giv} {fam}", f"{fam} {giv}",
                f"{gi}. {fam}", f"{gi} {fam}", f"{gi}.{fam}", f"{fam} {gi}", f"{fam}, {gi}", f"{fam}, {gi}.",
                f"{fam},{gi}",
            ]
            if mid:
                forms += [
                    f"{fam}^{giv}^{mid}", f"{giv} {mid} {fam}", f"{giv} {mi} {fam}", f"{giv} {mi}. {fam}",
                    f"{fam}, {giv} {mid}", f"{fam}, {giv} {mi}", f"{fam} {giv} {mi}", f"{gi}.{mi}. {fam}",
                    f"{gi} {mi} {fam}", f"{gi}{mi} {fam}", f"{fam}, {gi}.{mi}.", f"{fam} {gi}{mi}",
                ]
            if pre:
                forms += [f"{pre} {giv} {fam}", f"{pre} {fam}", f"{pre}. {fam}", f"{pre}. {gi}. {fam}"]
            if suf:
                forms += [f"{giv} {fam} {suf}", f"{fam}, {giv} {suf}", f"{fam} {suf}"]
        elif fam:
            forms.append(fam)
            if pre:
                forms += [f"{pre} {fam}", f"{pre}. {fam}"]
        else:
            forms.append(giv)
        if fam and giv:
            forms += [fam, giv]
        out += forms
    return list(dict.fromkeys(out))


def parse_da(value: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a DA or DT value (`19990923`, `19990923142825`, legacy `1999.09.23`).

    Args:
        value: the header value.

    Returns:
        The date, or None when it is partial or invalid.
    """
    m = re.match(r"\s*(\d{4})[.\-/]?(\d{2})[.\-/]?(\d{2})", value)
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return (year, month, day) if valid_date(year, month, day, False) else None


def parse_tm(value: str) -> tuple[int, int, int | None] | None:
    """(hour, minute, second or None) of a TM value (`142825.123`, `1428`, legacy `14:28:25`)
    or of the time part of a DT value (`19990923142825`).

    Args:
        value: the header value.

    Returns:
        The time, or None when there is no hour and minute.
    """
    text = value.strip()
    dt = re.match(r"(\d{8})(\d{4,6})", text)
    if dt:
        text = dt.group(2)
    m = re.match(r"(\d{2}):?(\d{2})(?::?(\d{2}))?", text)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    second = int(m.group(3)) if m.group(3) else None
    if hour > 23 or minute > 59 or (second is not None and second > 60):
        return None
    return hour, minute, second


def parse_as(value: str) -> tuple[int, str] | None:
    """(number, unit) of an AS value (`067Y` -> (67, 'Y')); a bare number counts as years.

    Args:
        value: the header value.

    Returns:
        The age, or None when it does not parse.
    """
    m = re.fullmatch(r"\s*(\d{1,3})\s*([DWMY]?)\s*", value.upper())
    if not m:
        return None
    return int(m.group(1)), m.group(2) or "Y"


def date_variants(value: str) -> list[str]:
    """Every common on-screen layout of a DA/DT date.

    `19990923` gives `19990923`, `09/23/1999`, `23/09/1999`, `23.09.1999`, `1999-09-23`,
    `1999 SEP 23`, `23-SEP-1999`, `SEP 23, 1999`, `09/23/99`, `9/23/1999`, ...

    Args:
        value: a DA or DT header value.

    Returns:
        The layouts, without duplicates; empty when the value is not a full date.
    """
    ymd = parse_da(value)
    if ymd is None:
        return []
    year, month, day = ymd
    y4, y2 = f"{year:04d}", f"{year % 100:02d}"
    mm, dd, m, d = f"{month:02d}", f"{day:02d}", str(month), str(day)
    mon = MONTH_ABBR[month - 1]
    full = calendar.month_name[month].upper()
    out = [
        f"{y4}{mm}{dd}", f"{mm}/{dd}/{y4}", f"{dd}/{mm}/{y4}", f"{dd}.{mm}.{y4}", f"{mm}.{dd}.{y4}",
        f"{y4}-{mm}-{dd}", f"{y4}/{mm}/{dd}", f"{y4}.{mm}.{dd}", f"{mm}-{dd}-{y4}", f"{dd}-{mm}-{y4}",
        f"{mm}/{dd}/{y2}", f"{dd}/{mm}/{y2}", f"{dd}.{mm}.{y2}", f"{mm}-{dd}-{y2}", f"{dd}-{mm}-{y2}",
        f"{y2}-{mm}-{dd}", f"{m}/{d}/{y4}", f"{d}/{m}/{y4}", f"{m}/{d}/{y2}", f"{d}/{m}/{y2}", f"{d}.{m}.{y4}",
        f"{y4} {mon} {dd}", f"{y4}-{mon}-{dd}", f"{dd}-{mon}-{y4}", f"{dd} {mon} {y4}", f"{d} {mon} {y4}",
        f"{d}-{mon}-{y4}", f"{dd}{mon}{y4}", f"{mon} {dd}, {y4}", f"{mon} {d}, {y4}", f"{mon} {dd} {y4}",
        f"{dd}-{mon}-{y2}", f"{dd} {mon} {y2}", f"{full} {d}, {y4}", f"{d} {full} {y4}",
        f"{mm}{dd}{y4}", f"{dd}{mm}{y4}",
        f"{dd}/{mon}/{y4}", f"{mon}-{dd}-{y4}", f"{y4}{mon}{dd}", f"{mon}. {d}, {y4}", f"{y4}.{m}.{d}",
        f"{y2}{mm}{dd}", f"{dd}{mm}{y2}", f"{mm}{dd}{y2}", f"{y4} {mon} {d}", f"{d} {full} {y4}",
        f"{y4}-{m}-{d}",
    ]
    return list(dict.fromkeys(out))


def time_variants(value: str) -> list[str]:
    """Every common on-screen layout of a TM time (`14:28:25`, `14:28`, `2:28:25 PM`, `142825`).

    Args:
        value: a TM header value (or the time part of a DT).

    Returns:
        The layouts, without duplicates; empty when the value does not parse.
    """
    hms = parse_tm(value)
    if hms is None:
        return []
    hour, minute, second = hms
    h12 = hour % 12 or 12
    ampm = "PM" if hour >= 12 else "AM"
    out = [f"{hour:02d}:{minute:02d}", f"{h12}:{minute:02d} {ampm}", f"{h12}:{minute:02d}{ampm}"]
    if second is not None:
        out = [
            f"{hour:02d}:{minute:02d}:{second:02d}", f"{h12}:{minute:02d}:{second:02d} {ampm}",
            f"{h12:02d}:{minute:02d}:{second:02d}{ampm}", f"{hour:02d}{minute:02d}{second:02d}", *out,
        ]
    return list(dict.fromkeys(out))


def age_variants(value: str) -> list[str]:
    """Every common on-screen layout of an AS age (`067Y`, `67Y`, `67 Y`, `67 YRS`, `AGE: 67`, `67 Y/O`).

    Args:
        value: an AS header value.

    Returns:
        The layouts; empty when the value does not parse.
    """
    parsed = parse_as(value)
    if parsed is None:
        return []
    n, unit = parsed
    words = {"Y": ("YRS", "YEARS", "Y/O", "YO"), "M": ("MO", "MOS", "MONTHS"), "W": ("WK", "WKS", "WEEKS"),
             "D": ("DAYS",)}[unit]
    out = [f"{n:03d}{unit}", f"{n}{unit}", f"{n} {unit}", *(f"{n} {w}" for w in words)]
    if unit == "Y":
        out += [f"AGE: {n}", f"AGE {n}"]
    return list(dict.fromkeys(out))


def id_variants(value: str) -> list[str]:
    """The layouts of an identifier: as stored, and with separators and spaces removed.

    Matching works on the separator-free folded form (`id_canon`), so `12975-20-2`,
    `12975 202` and `l2975202` all show `12975202`.

    Args:
        value: an id header value.

    Returns:
        The layouts, without duplicates.
    """
    stripped = value.strip()
    compact = re.sub(r"[^A-Za-z0-9]", "", stripped)
    return list(dict.fromkeys(v for v in (stripped, compact, compact.upper()) if v))
