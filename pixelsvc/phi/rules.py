"""Pattern rules for burned-in text: OCR-confusion folding, the shapes of dates, times, ages,
identifiers, contact details and names, label-value pairs, the token grammar of safe
technical annotations, and the on-screen layouts ("variants") of DICOM header values.

Everything here is a pure function of strings. Nothing logs, and nothing raises with the
text in its message: the text may be PHI.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pixelsvc.types import Label

__all__ = [
    "COMMON_GIVEN_NAMES",
    "COMMON_WORDS",
    "GENERIC_PLACE_WORDS",
    "NAME_TITLES",
    "UNITS",
    "AgeHit",
    "DateHit",
    "LabelHit",
    "PersonName",
    "TimeHit",
    "age_variants",
    "alpha_canon",
    "date_variants",
    "find_ages",
    "find_dates",
    "find_label",
    "find_times",
    "has_contact",
    "has_id_shape",
    "has_name_shape",
    "id_canon",
    "id_variants",
    "is_safe_text",
    "label_value_ok",
    "looks_like_person",
    "name_variants",
    "numeric_chunks",
    "numeric_view",
    "parse_as",
    "parse_da",
    "parse_tm",
    "split_person_name",
    "time_variants",
    "word_forms",
    "word_tokens",
]

# --------------------------------------------------------------------------------------
# OCR-confusion folding
# --------------------------------------------------------------------------------------

_ALPHA_TABLE = str.maketrans({
    "0": "O", "1": "I", "L": "I", "|": "I", "!": "I", "5": "S", "$": "S",
    "8": "B", "3": "B", "2": "Z", "6": "G",
})
_DIGIT_TABLE = str.maketrans({
    "O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "!": "1",
    "S": "5", "$": "5", "B": "8", "Z": "2", "G": "6",
})
_NOT_ID_CHAR = re.compile(r"[^A-Z0-9|!$]+")


def _fold_pairs(folded: str) -> str:
    if "RN" in folded:
        folded = folded.replace("RN", "M")
    if "VV" in folded:
        folded = folded.replace("VV", "W")
    return folded


def alpha_canon(text: str) -> str:
    """Fold a word toward letters so OCR slips compare equal (`J0HN`, `Jlohn`, `Narne`).

    Both sides of a comparison go through this, so folding two letters together (L and I)
    costs a little precision and no recall.

    Args:
        text: a word or a run-together line.

    Returns:
        The upper-cased, folded form.
    """
    return _fold_pairs(text.upper().translate(_ALPHA_TABLE))


def id_canon(text: str) -> str:
    """Fold an identifier toward digits and drop separators (`12975-20-2`, `l2975202` -> `12975202`).

    Args:
        text: an identifier or a whole line.

    Returns:
        Upper-case letters and digits only, with confusable letters read as digits.
    """
    return _NOT_ID_CHAR.sub("", text.upper()).translate(_DIGIT_TABLE)


_CONFUSABLE_RUN = re.compile(r"[0-9OoIl|SBZG]+")
_CONFUSABLE_NEAR_DIGIT = re.compile(r"[OoIl|SBZG]\d|\d[OoIl|SBZG]")
_RUN_TO_DIGIT = str.maketrans({
    "O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8", "Z": "2", "G": "6",
})


def _fix_run(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = sum(ch.isdigit() for ch in run)
    if digits == 0 or digits < len(run) - digits:
        return run
    return run.translate(_RUN_TO_DIGIT)


def numeric_view(text: str) -> str:
    """Upper-cased text where letters misread inside numbers are digits again (`O9/23/l999`).

    Only runs of digits and look-alike letters that are at least half digits are changed, so
    words (`Sep`, `TIS`) stay words.

    Args:
        text: the recognised line.

    Returns:
        The line for the numeric patterns (dates, times, ids, contact details).
    """
    if not _CONFUSABLE_NEAR_DIGIT.search(text):
        return text.upper()
    return _CONFUSABLE_RUN.sub(_fix_run, text).upper()


_WORD = re.compile(r"[A-Za-z0-9|!$]+")


def word_tokens(text: str) -> list[str]:
    """Upper-cased word tokens; apostrophes are dropped first so `O'BRIEN` is one word.

    Args:
        text: a header value or a recognised line.

    Returns:
        The tokens, in order.
    """
    return _WORD.findall(text.replace("'", "").replace("’", "").upper())


def word_forms(text: str) -> tuple[list[str], list[str]]:
    """Word tokens as read (upper case) and OCR-folded (`alpha_canon`), in step.

    Args:
        text: a recognised line.

    Returns:
        (raw tokens, folded tokens), the same length.
    """
    upper = text.replace("'", "").replace("’", "").upper()
    folded = _WORD.findall(upper.translate(_ALPHA_TABLE))
    return _WORD.findall(upper), [t if "RN" not in t and "VV" not in t else _fold_pairs(t) for t in folded]


_NUM_CHUNK = re.compile(r"\d(?:[\d\-/.]|\s(?=\d))*")
_NON_DIGIT = re.compile(r"\D+")


def numeric_chunks(numeric: str) -> list[str]:
    """Digit strings of the number-like stretches of a line (separators and single spaces dropped).

    `16.1cm / 1.3 / 29Hz` gives `161`, `13`, `29`; `09 23/1999` gives `09231999`.

    Args:
        numeric: the line's `numeric_view`.

    Returns:
        One digit string per stretch.
    """
    return [_NON_DIGIT.sub("", m.group(0)) for m in _NUM_CHUNK.finditer(numeric)]


# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------

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
_MONTH_ABBR = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


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


def _valid(year: int, month: int, day: int | None, two_digit: bool) -> bool:
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
    return DateHit(y, month, day, two) if _valid(y, month, day, two) else None


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
            if _valid(2000, month, day, False):
                hits.append(DateHit(0, month, day, True))  # no year shown: matches no header date
    return [hit for hit in hits if hit is not None]


# --------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------

_TIME = re.compile(
    r"(?<![\d:.])(\d{1,2})\s?[:;]\s?([0-5]\d)(?:\s?[:;]\s?([0-5]\d)(?:[.,]\d{1,6})?)?"
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


# --------------------------------------------------------------------------------------
# Ages
# --------------------------------------------------------------------------------------

_AGE_UNIT = re.compile(
    r"(?<![\d.A-Z])0*(\d{1,3})\s?(Y(?:EARS?(?:\s?OLD)?|RS?|/O|\.?O\.?)?|MO(?:NTHS?|S)?|W(?:EEKS?|KS?)|DAYS?)"
    r"(?![A-Z0-9])"
)
_AGE_LABELLED = re.compile(r"(?<![A-Z])AGE\s*[:=.]?\s*0*(\d{1,3})(?![\d.])")
_AGE_AS = re.compile(r"(?<![\d.A-Z])(\d{3})([YMWD])(?![A-Z0-9])")


@dataclass(frozen=True, slots=True)
class AgeHit:
    """An age in a line. `explicit` when its unit says it is an age (`67 y/o`, `067Y`, `67 yrs`)."""

    value: int
    unit: str  # Y, M, W or D
    explicit: bool


def find_ages(numeric: str) -> list[AgeHit]:
    """Ages shown as `067Y`, `67Y`, `67 Y`, `67 yrs`, `67 y/o`, `6 mo` or `Age: 67`.

    Args:
        numeric: the line's `numeric_view`.

    Returns:
        The hits; `Age: 67` counts as years and is not explicit (the label rule owns it).
    """
    if not any(key in numeric for key in ("Y", "MO", "W", "DAY", "AGE")):
        return []
    hits = []
    for m in _AGE_UNIT.finditer(numeric):
        unit = m.group(2)
        # `67 y/o`, `67 yrs` and a glued `45Y` say age; `67 Y` alone only matches a header age
        explicit = unit.startswith("Y") and (unit != "Y" or m.group(0)[-2].isdigit())
        hits.append(AgeHit(int(m.group(1)), unit[0], explicit))
    hits += [AgeHit(int(m.group(1)), m.group(2), m.group(2) == "Y") for m in _AGE_AS.finditer(numeric)]
    hits += [AgeHit(int(m.group(1)), "Y", False) for m in _AGE_LABELLED.finditer(numeric)]
    return hits


# --------------------------------------------------------------------------------------
# Contact details and identifiers
# --------------------------------------------------------------------------------------

_PHONE = re.compile(r"(?<![\d\-])(?:\+?1[\s.\-]?)?(?:\(\d{3}\)|\d{3})[\s.\-]?\d{3}[\s.\-]\d{4}(?![\d\-])")
_PHONE_INTL = re.compile(r"(?<![\d\-])\+\d{1,3}[\s.\-]?\(?\d{1,4}\)?[\s.\-]?\d{2,4}[\s.\-]?\d{3,4}(?!\d)")
_SSN = re.compile(r"(?<![\d\-])\d{3}-\d{2}-\d{4}(?![\d\-])")
_EMAIL = re.compile(r"[A-Z0-9._%+\-]+@[A-Z0-9\-]+(?:\.[A-Z0-9\-]+)*\.[A-Z]{2,}")
_URL = re.compile(r"(?:HTTPS?://|WWW\.)\S+")
_STREET_WORD = re.compile(
    r"(?<![A-Z])(?:STREET|ST|AVENUE|AVE|ROAD|RD|BOULEVARD|BLVD|LANE|LN|DRIVE|PARKWAY|PKWY|HIGHWAY|HWY|TERRACE|"
    r"CIRCLE|STRASSE|STR)(?![A-Z])"
)
_STREET = re.compile(
    r"(?<![\d.])\d{1,5}\s+((?:[A-Z][A-Z'.\-]*\s+){1,3})"
    r"(?:STREET|ST|AVENUE|AVE|ROAD|RD|BOULEVARD|BLVD|LANE|LN|DRIVE|PARKWAY|PKWY|HIGHWAY|HWY|TERRACE|"
    r"CIRCLE|STRASSE|STR)\.?(?![A-Z])"
)


def has_contact(numeric: str, allow: frozenset[str]) -> bool:
    """Phone numbers, SSN-shaped numbers, e-mail addresses, personal URLs, street addresses.

    A URL counts when it names a person's space (`~user`, `user@host`); vendor sites do not.

    Args:
        numeric: the line's `numeric_view`.
        allow: the upper-cased allowlist (street words that are clinical terms are not streets).

    Returns:
        True when the line carries contact details.
    """
    if "@" in numeric and _EMAIL.search(numeric):
        return True
    if "HTTP" in numeric or "WWW" in numeric:
        for m in _URL.finditer(numeric):
            if "~" in m.group(0) or "@" in m.group(0):
                return True
    digits = sum(ch.isdigit() for ch in numeric)
    if digits >= 9 and (_SSN.search(numeric) or _PHONE.search(numeric)
                        or ("+" in numeric and _PHONE_INTL.search(numeric))):
        return True
    if digits and _STREET_WORD.search(numeric):
        for m in _STREET.finditer(numeric):
            if not all(word in allow for word in m.group(1).split()):
                return True
    return False


_ID_RUN = re.compile(r"[A-Z0-9](?:[A-Z0-9]|[\-_/](?=[A-Z0-9]))*")
_RATIO = re.compile(r"\d+/\d+")
_DIMENSION = re.compile(r"\d+(?:[X×]\d+)+")
UNITS: frozenset[str] = frozenset({
    "MM", "CM", "M", "UM", "NM", "KM", "HZ", "KHZ", "MHZ", "DB", "MS", "US", "S", "SEC", "MIN", "H", "BPM", "FPS",
    "KV", "KVP", "MA", "MAS", "UA", "MGY", "GY", "CGY", "MSV", "USV", "PX", "DEG", "ML", "L", "MG", "KG", "G", "CC",
    "X", "%", "T", "MT", "CM2", "MM2", "CM3", "MM3", "CM/S", "MM/S", "M/S", "ML/S", "MMHG", "W", "MW", "HU", "KEV",
    "MEV", "MBQ", "MCI", "CPS", "ST", "ND", "RD", "TH", "DPI", "LP", "LPMM", "V", "KW", "SLICES", "IMG", "IMAGES",
    "°", "MV", "KPA", "MMOL",
})
"""Units that make a number a measurement (`180MM`, `36HZ`) rather than an identifier."""
_NUM_WITH_UNIT = re.compile(r"(\d+)([A-Z%]{1,5})")
_ID_PARTS = re.compile(r"[\-_/]")


def _technical_part(part: str, allow: frozenset[str]) -> bool:
    """A short number or a setting with letters (`20DB`, `DR60`), as opposed to an id part."""
    if part.isdigit():
        return len(part) <= 3
    return any(ch.isalpha() for ch in part) and _safe_piece(part, allow)


def has_id_shape(numeric: str, min_digits: int, min_alnum_length: int, min_alnum_digits: int,
                 allow: frozenset[str] = frozenset()) -> bool:
    """Long digit runs (`00079241539`, `CL-285BT-1811492`) and mixed ids (`0545234234325V`).

    Runs join letters and digits across `-`, `_` and `/`. Ratios (`120/240`), dimensions
    (`512x512`), numbers with a unit (`12000Hz`) and the parts of decimals are not ids.

    Args:
        numeric: the line's `numeric_view`.
        min_digits: a run with at least this many digits is an id.
        min_alnum_length: a run of letters and digits at least this long ...
        min_alnum_digits: ... with at least this many digits is an id too.
        allow: the upper-cased allowlist: a run made only of technical parts (`20DB/DR60`) is no id.

    Returns:
        True when some run is id-shaped.
    """
    least = min(min_digits, min_alnum_digits)
    for m in _ID_RUN.finditer(numeric):
        run = m.group(0)
        if len(run) < least:
            continue
        digits = sum(ch.isdigit() for ch in run)
        if digits < least:
            continue
        start, end = m.start(), m.end()
        if (start >= 2 and numeric[start - 1] == "." and numeric[start - 2].isdigit()) or (
            end + 1 < len(numeric) and numeric[end] == "." and numeric[end + 1].isdigit()
        ):
            continue  # part of a decimal number or a dotted version / UID
        if _RATIO.fullmatch(run) or _DIMENSION.fullmatch(run):
            continue
        unit = _NUM_WITH_UNIT.fullmatch(run)
        if unit and unit.group(2) in UNITS and len(unit.group(1)) <= 6 and not unit.group(1).startswith("0"):
            continue  # a measurement (12000HZ), not a long id that happens to end in V or S
        if any(sep in run for sep in "-_/") and any(ch.isalpha() for ch in run) and all(
            _technical_part(part, allow) for part in _ID_PARTS.split(run) if part
        ):
            continue  # settings joined by separators (20DB/DR60, 4V1C-S)
        if digits >= min_digits:
            return True
        compact = run.replace("-", "").replace("_", "").replace("/", "")
        if len(compact) >= min_alnum_length and digits >= min_alnum_digits and any(ch.isalpha() for ch in compact):
            return True
    return False


# --------------------------------------------------------------------------------------
# Name shapes
# --------------------------------------------------------------------------------------

_NAME_PAIR = re.compile(r"([A-Za-z0-9][A-Za-z0-9'\-]*)\s*([,^])\s*([A-Za-z0-9][A-Za-z0-9'\-]*)")
_DIGIT_AS_LETTER = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})


def _as_word(token: str) -> str | None:
    """The token as an upper-case alphabetic word (OCR digits read back as letters), else None."""
    letters = sum(ch.isalpha() for ch in token)
    if letters == 0 or letters < sum(ch.isdigit() for ch in token):
        return None
    word = token.translate(_DIGIT_AS_LETTER).upper()
    bare = word.replace("'", "").replace("-", "")
    return word if bare.isalpha() else None


def _capitalised(token: str) -> bool:
    return token[0].isupper() or token[0].isdigit()


def has_name_shape(text: str, allow: frozenset[str]) -> bool:
    """`LAST^FIRST` or `LAST, FIRST` (`Elek, Teszt`, `DOE, J`, `ZZZDOWNTIME,MARY`).

    Both words must be capitalised, the first at least two letters, and for the comma form
    neither word (of two or more letters) may be on the allowlist (`Liver, Long` is not a name).

    Args:
        text: the recognised line as read.
        allow: the upper-cased allowlist.

    Returns:
        True when the line contains a person-name shape.
    """
    if "," not in text and "^" not in text:
        return False
    for m in _NAME_PAIR.finditer(text):
        first, sep, second = m.group(1), m.group(2), m.group(3)
        w1, w2 = _as_word(first), _as_word(second)
        if w1 is None or w2 is None or len(w1) < 2:
            continue
        if not (_capitalised(first) and _capitalised(second)):
            continue
        if sep == "," and any(len(w) >= 2 and w in allow for w in (w1, w2)):
            continue
        return True
    return False


COMMON_GIVEN_NAMES = frozenset(alpha_canon(name) for name in (
    # frequent given names across English, Romance, Germanic, Slavic and Arabic naming; words that are
    # also ordinary or technical terms (MARK, MAX, RAY, GRACE, IRIS, JUNE, ...) are left out on purpose
    "JOHN", "JAMES", "ROBERT", "MICHAEL", "WILLIAM", "DAVID", "RICHARD", "JOSEPH", "THOMAS", "CHARLES",
    "CHRISTOPHER", "DANIEL", "MATTHEW", "ANTHONY", "DONALD", "STEVEN", "STEPHEN", "PAUL", "ANDREW", "JOSHUA",
    "KENNETH", "KEVIN", "BRIAN", "GEORGE", "EDWARD", "RONALD", "TIMOTHY", "JASON", "JEFFREY", "RYAN", "JACOB",
    "GARY", "NICHOLAS", "ERIC", "JONATHAN", "LARRY", "JUSTIN", "SCOTT", "BRANDON", "BENJAMIN", "SAMUEL",
    "GREGORY", "ALEXANDER", "RAYMOND", "PATRICK", "DENNIS", "JERRY", "TYLER", "AARON", "HENRY", "DOUGLAS",
    "NATHAN", "PETER", "ZACHARY", "KYLE", "WALTER", "HAROLD", "JEREMY", "ETHAN", "CARL", "KEITH", "ROGER",
    "GERALD", "CHRISTIAN", "TERRY", "SEAN", "ARTHUR", "NOAH", "LAWRENCE", "JESSE", "BRYAN", "ALBERT", "DYLAN",
    "BRUCE", "GABRIEL", "ALAN", "WAYNE", "RALPH", "EUGENE", "VINCENT", "RUSSELL", "LOUIS", "PHILIP", "BRADLEY",
    "MARY", "PATRICIA", "JENNIFER", "LINDA", "ELIZABETH", "BARBARA", "SUSAN", "JESSICA", "SARAH", "KAREN",
    "NANCY", "LISA", "BETTY", "MARGARET", "SANDRA", "ASHLEY", "KIMBERLY", "EMILY", "DONNA", "MICHELLE",
    "DOROTHY", "CAROL", "AMANDA", "MELISSA", "DEBORAH", "STEPHANIE", "REBECCA", "SHARON", "LAURA", "CYNTHIA",
    "KATHLEEN", "SHIRLEY", "ANGELA", "HELEN", "ANNA", "BRENDA", "PAMELA", "NICOLE", "EMMA", "SAMANTHA",
    "KATHERINE", "CHRISTINE", "DEBRA", "RACHEL", "CATHERINE", "CAROLYN", "JANET", "MARIA", "HEATHER", "DIANE",
    "JULIE", "JOYCE", "VICTORIA", "OLIVIA", "CHRISTINA", "LAUREN", "JOAN", "EVELYN", "JUDITH", "MEGAN",
    "CHERYL", "ANDREA", "HANNAH", "MARTHA", "JACQUELINE", "FRANCES", "GLORIA", "TERESA", "KATHRYN", "JANICE",
    "JEAN", "ALICE", "DORIS", "JULIA", "JUDY", "DENISE", "MARILYN", "BEVERLY", "CHARLOTTE", "MARIE", "DIANA",
    "NATALIE", "SOPHIA", "SOPHIE", "ISABELLA", "JANE", "LUCY", "MUHAMMAD", "MOHAMMED", "MOHAMED", "AHMED",
    "FATIMA", "AISHA", "HASSAN", "HUSSEIN", "YUSUF", "IBRAHIM", "CARLOS", "LUIS", "JUAN", "MIGUEL", "PEDRO",
    "JAVIER", "ANTONIO", "FRANCISCO", "MANUEL", "ALEJANDRO", "LUCIA", "CARMEN", "ISABEL", "ELENA", "SOFIA",
    "GIUSEPPE", "GIOVANNI", "MARCO", "FRANCESCO", "GIULIA", "CHIARA", "PIERRE", "JACQUES", "NICOLAS",
    "FRANCOIS", "JULIEN", "CAMILLE", "MATHILDE", "HANS", "KLAUS", "JURGEN", "WOLFGANG", "STEFAN", "ANDREAS",
    "SABINE", "URSULA", "MONIKA", "PIOTR", "KRZYSZTOF", "TOMASZ", "AGNIESZKA", "KATARZYNA", "IVAN", "DMITRY",
    "SERGEI", "OLGA", "TATIANA", "SVETLANA", "NATALIA", "LARS", "SVEN", "ANDERS", "INGRID", "ASTRID", "JOHAN",
))
"""Common given names, for spotting `John Doe` when the header has been scrubbed."""


def looks_like_person(text: str, allow: frozenset[str]) -> bool:
    """A line that is only a person's name: two or three capitalised words (plus initials), one of
    them a common given name, none of them a clinical term (`John Doe`, `DOE MARY J`).

    Args:
        text: the recognised line as read.
        allow: the upper-cased allowlist.

    Returns:
        True when the whole line reads as a person name.
    """
    words = 0
    given = False
    for raw in text.split():
        token = raw.strip(".,;:")
        if not token:
            continue
        word = _as_word(token)
        if word is None or not _capitalised(token) or "'" in word.strip("'"):
            return False
        if len(word) == 1:
            continue  # an initial
        if word in allow:
            return False
        words += 1
        given = given or alpha_canon(word) in COMMON_GIVEN_NAMES
    return given and 2 <= words <= 3


# --------------------------------------------------------------------------------------
# Label-value pairs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _LabelSpec:
    label: Label
    name: str
    needs_punct: bool


_LABEL_TABLE: tuple[tuple[str, Label, str, bool], ...] = (
    ("NAME", Label.NAME, "Name", False),
    ("PATIENT", Label.NAME, "Patient", False),
    ("PATIENTNAME", Label.NAME, "Name", False),
    ("PT", Label.NAME, "Pt", True),
    ("PAT", Label.NAME, "Pat", True),
    ("PHYSICIAN", Label.NAME, "Physician", False),
    ("PHYS", Label.NAME, "Physician", True),
    ("DOCTOR", Label.NAME, "Physician", False),
    ("DR", Label.NAME, "Dr", True),
    ("REF", Label.NAME, "Ref", True),
    ("REFERRING", Label.NAME, "Ref", False),
    ("RADIOLOGIST", Label.NAME, "Physician", False),
    ("OPERATOR", Label.NAME, "Operator", False),
    ("OPER", Label.NAME, "Operator", True),
    ("SONOGRAPHER", Label.NAME, "Operator", False),
    ("TECHNOLOGIST", Label.NAME, "Operator", False),
    ("TECH", Label.NAME, "Operator", True),
    ("DOB", Label.DATE, "DOB", False),
    ("BIRTH", Label.DATE, "DOB", False),
    ("BIRTHDATE", Label.DATE, "DOB", False),
    ("BIRTHDAY", Label.DATE, "DOB", False),
    ("BORN", Label.DATE, "DOB", True),
    ("MRN", Label.ID, "MRN", False),
    ("MR", Label.ID, "MRN", True),
    ("ID", Label.ID, "ID", True),
    ("PID", Label.ID, "ID", False),
    ("PATID", Label.ID, "ID", False),
    ("ACC", Label.ID, "Acc", True),
    ("ACCN", Label.ID, "Acc", True),
    ("ACCESSION", Label.ID, "Acc", False),
    ("AGE", Label.AGE, "Age", False),
    ("HOSPITAL", Label.INSTITUTION, "Hospital", False),
    ("INSTITUTION", Label.INSTITUTION, "Inst", False),
    ("INST", Label.INSTITUTION, "Inst", True),
    ("FACILITY", Label.INSTITUTION, "Inst", False),
    ("SSN", Label.CONTACT, "Contact", False),
    ("PHONE", Label.CONTACT, "Contact", False),
    ("TEL", Label.CONTACT, "Contact", True),
    ("ADDRESS", Label.CONTACT, "Contact", False),
    ("ADDR", Label.CONTACT, "Contact", True),
    ("EMAIL", Label.CONTACT, "Contact", False),
)
_LABEL_CONNECTORS = frozenset(alpha_canon(w) for w in (
    "NAME", "ID", "NO", "NR", "NUM", "NUMBER", "NBR", "DATE", "OF", "PHYS", "PHYSICIAN", "DR", "BIRTH", "DOB",
))
# a word before the label that makes it a different field (`Protocol Name`, `Gest. Age`)
_LABEL_PREFIX_EXCLUDES: dict[Label, frozenset[str]] = {
    Label.NAME: frozenset(alpha_canon(w) for w in (
        "PROTOCOL", "SERIES", "STUDY", "FILE", "PROBE", "TRANSDUCER", "PRESET", "EXAM", "DEVICE", "STATION", "APP",
        "APPLICATION", "SOFTWARE", "MODEL", "SEQUENCE", "SCAN", "PROGRAM", "MANUFACTURER", "BODY", "PART", "ORGAN",
        "IMAGE", "VIEW", "HOST", "AE", "NETWORK", "PRINTER",
    )),
    Label.ID: frozenset(alpha_canon(w) for w in (
        "SERIES", "IMAGE", "INSTANCE", "FRAME", "PROTOCOL", "PROBE", "TRANSDUCER", "SOFTWARE", "SEQUENCE", "SCAN",
        "PRESET", "APP", "AE", "HOST", "STATION",
    )),
    Label.AGE: frozenset(alpha_canon(w) for w in (
        "GEST", "GESTATIONAL", "GA", "FETAL", "BONE", "EST", "MENSTRUAL", "LMP", "CUA", "AUA", "US", "CLINICAL",
    )),
}
# a word right after a label without punctuation that makes it a compound term (`Patient Position`)
_LABEL_SUFFIX_EXCLUDES = frozenset(alpha_canon(w) for w in (
    "POSITION", "ORIENTATION", "SIZE", "WEIGHT", "HEIGHT", "SEX", "GENDER", "TYPE", "STATUS", "HISTORY", "COMMENTS",
    "COMMENT", "PREP", "LIST", "INFO", "DATA", "MODE", "SETUP", "ENTRY", "SELECT", "BROWSER", "DIRECTORY", "TABLE",
))
_LABEL_SEP = re.compile(r"[\s:#=.\-]*")


def _build_label_specs(allow: Iterable[str]) -> dict[str, _LabelSpec]:
    """Label table keyed by folded spelling; folded forms that collide with allowlisted words
    (`MRN` folds like `MM`) keep only their literal spelling."""
    allow_folded = {alpha_canon(word) for word in allow}
    specs: dict[str, _LabelSpec] = {}
    for word, label, name, needs_punct in _LABEL_TABLE:
        spec = _LabelSpec(label, name, needs_punct)
        specs[word] = spec
        folded = alpha_canon(word)
        if folded not in allow_folded or folded == word:
            specs.setdefault(folded, spec)
    return specs


_SPEC_CACHE: dict[frozenset[str], dict[str, _LabelSpec]] = {}


def _label_specs(allow: frozenset[str]) -> dict[str, _LabelSpec]:
    specs = _SPEC_CACHE.get(allow)
    if specs is None:
        if len(_SPEC_CACHE) > 16:
            _SPEC_CACHE.clear()
        specs = _SPEC_CACHE[allow] = _build_label_specs(allow)
    return specs


@dataclass(frozen=True, slots=True)
class LabelHit:
    """A PHI label (`Name:`, `D0B`, `Acc#`) in a line and what follows it.

    `name` is a fixed display name from the label table (safe to log); `value` is the rest of
    the line after the label and its punctuation (may be empty: a label-only read).
    """

    label: Label
    name: str
    value: str


def find_label(text: str, allow: frozenset[str]) -> LabelHit | None:
    """The first PHI label in a line with a usable value; else a trailing label with no value.

    Labels are matched on whole words after OCR folding (`Narne`, `D0B`, `ld`). Short
    labels that are also ordinary words (`ID`, `Dr`, `Ref`, `Acc`) need punctuation after
    them (`Id:`, `Dr.`, `Acc#`); the others also match without it.

    Args:
        text: the recognised line as read.
        allow: the upper-cased allowlist.

    Returns:
        The label hit, or None.
    """
    specs = _label_specs(allow)
    folded_line = text.upper().translate(_ALPHA_TABLE)
    tokens = [(m.start(), m.end(), _fold_pairs(m.group(0))) for m in _WORD.finditer(folded_line)]
    trailing: LabelHit | None = None
    index = 0
    while index < len(tokens):
        spec = specs.get(tokens[index][2]) or specs.get(text[tokens[index][0]:tokens[index][1]].upper())
        if spec is None:
            index += 1
            continue
        first = index
        if first and tokens[first - 1][2] in _LABEL_PREFIX_EXCLUDES.get(spec.label, ()):
            index += 1
            continue
        last_spec, last = spec, first
        while last + 1 < len(tokens):
            between = text[tokens[last][1]:tokens[last + 1][0]]
            if between.strip(" ."):
                break
            nxt = tokens[last + 1][2]
            if nxt in specs and nxt not in _LABEL_CONNECTORS:
                last_spec = specs[nxt]
            elif nxt in _LABEL_CONNECTORS:
                last_spec = specs.get(nxt, last_spec)
            else:
                break
            last += 1
        rest = text[tokens[last][1]:]
        sep = _LABEL_SEP.match(rest)
        punct = any(ch in ":#=.-" for ch in sep.group(0)) if sep else False
        value = rest[sep.end():] if sep else rest
        index = last + 1
        if spec.needs_punct and last == first and not punct:
            continue
        if not punct and last + 1 < len(tokens) and tokens[last + 1][2] in _LABEL_SUFFIX_EXCLUDES:
            continue
        hit = LabelHit(last_spec.label, last_spec.name, value)
        if label_value_ok(hit.label, value, allow):
            return hit
        if not value.strip() and trailing is None:
            trailing = hit
    return trailing


def label_value_ok(label: Label, value: str, allow: frozenset[str]) -> bool:
    """Whether `value` can be the value of a `label` field.

    Names and places need a word of two or more letters that is not a clinical term;
    dates and ages need a digit; ids and contact details need something not allowlisted.

    Args:
        label: what the label announces.
        value: the text after it.
        allow: the upper-cased allowlist.

    Returns:
        True when the value is worth masking.
    """
    tokens = _WORD.findall(value.upper())
    if not tokens:
        return False
    if label in (Label.DATE, Label.AGE):
        return any(ch.isdigit() for ch in value)
    if label in (Label.NAME, Label.INSTITUTION):
        worded = any(sum(ch.isalpha() for ch in t) >= 2 and t not in allow for t in tokens)
        return worded and not is_safe_text(value, allow)
    return any(t not in allow for t in tokens)


# --------------------------------------------------------------------------------------
# Safe technical text
# --------------------------------------------------------------------------------------

_SAFE_SPLIT = re.compile(r"[^\w.%°+\-']+")  # every symbol separates; letters of any script stay
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*%?")
_PREFIX_NUMBER_UNIT = re.compile(r"([A-Z]{1,5})?[-+]?(\d+(?:[.,]\d+)?)([A-Z%°][A-Z%°0-9]{0,5})?")
_ORDINAL = re.compile(r"\d+(?:ST|ND|RD|TH)")
_SHORT_TECH = re.compile(r"[A-Z0-9][A-Z0-9.+\-_']*")


_FOLDED_ALLOW: dict[frozenset[str], frozenset[str]] = {}


def _folded(allow: frozenset[str]) -> frozenset[str]:
    """The allowlist in OCR-folded spelling (`TIB` also matches `TlB`), built once per allowlist."""
    folded = _FOLDED_ALLOW.get(allow)
    if folded is None:
        if len(_FOLDED_ALLOW) > 16:
            _FOLDED_ALLOW.clear()
        folded = _FOLDED_ALLOW[allow] = frozenset(alpha_canon(w) for w in allow if w.isalpha() and len(w) >= 2)
    return folded


def _safe_piece(piece: str, allow: frozenset[str]) -> bool:
    if piece in allow or _NUMBER.fullmatch(piece) or _ORDINAL.fullmatch(piece) or _DIMENSION.fullmatch(piece):
        return True
    if piece.isalpha():
        return len(piece) >= 2 and alpha_canon(piece) in _folded(allow)
    m = _PREFIX_NUMBER_UNIT.fullmatch(piece)
    if m:
        prefix, number, unit = m.group(1), m.group(2), m.group(3)
        prefix_ok = prefix is None or prefix in allow or (len(prefix) == 1 and len(number.split(".")[0]) <= 3)
        if prefix_ok and (unit is None or unit in UNITS or unit in allow):
            return True
    if _SHORT_TECH.fullmatch(piece) and len(piece) <= 8 and ("-" in piece or _as_word(piece) is None):
        digits = sum(ch.isdigit() for ch in piece)
        if 1 <= digits <= 3:
            return True  # probe and parameter codes (L12-5, 4V1C-S, C5-1), but not a misread word (J0HN)
    if "-" in piece.strip("-"):
        parts = [p for p in piece.split("-") if p]
        return len(parts) > 1 and all(_safe_piece(p, allow) for p in parts)
    return False


def is_safe_text(text: str, allow: frozenset[str]) -> bool:
    """Whether every token of a line is allowlisted, a number, a number with a unit, a ratio or a
    short technical code, so the line is clinical annotation (`TIS0.0 MI 0.6`, `Se: 3/2`).

    Args:
        text: the recognised line.
        allow: the upper-cased allowlist (single words and whole phrases).

    Returns:
        True when the line is safe; a line without letters or digits is never safe.
    """
    upper = text.upper()
    if " ".join(upper.split()) in allow:
        return True
    seen = False
    for raw in _SAFE_SPLIT.split(upper):
        piece = raw.strip(".'\"`-_")
        if not piece or not any(ch.isalnum() for ch in piece):
            continue
        if not _safe_piece(piece, allow):
            return False
        seen = True
    return seen


# --------------------------------------------------------------------------------------
# Header values and their on-screen variants
# --------------------------------------------------------------------------------------

NAME_TITLES = frozenset({
    "DR", "MD", "DO", "PHD", "MR", "MRS", "MS", "MISS", "PROF", "JR", "SR", "II", "III", "IV", "RN", "RT", "DDS",
    "DVM", "MBBS", "FRCR", "SIR", "DAME", "REV",
})
"""Name prefixes and suffixes: shown next to names, never identifying on their own."""

COMMON_WORDS = frozenset({
    "THE", "OF", "AND", "FOR", "AT", "IN", "ON", "A", "AN", "TO", "BY", "DE", "LA", "LE", "DU", "DES", "DER",
    "DIE", "DEL", "DI", "Y", "ET", "UND", "VON", "VAN", "DA", "DOS", "AM", "IM", "&",
})
"""Words too common to identify anything when they appear alone."""

GENERIC_PLACE_WORDS = frozenset({
    "HOSPITAL", "HOSPITALS", "HOSP", "CLINIC", "CLINICS", "KLINIK", "KLINIKUM", "MEDICAL", "MEDICINE", "CENTER",
    "CENTRE", "CTR", "HEALTH", "HEALTHCARE", "CARE", "SYSTEM", "SYSTEMS", "UNIVERSITY", "UNIV", "UNIVERSITAT",
    "COLLEGE", "INSTITUTE", "INSTITUT", "DEPARTMENT", "DEPT", "RADIOLOGY", "IMAGING", "DIAGNOSTIC", "DIAGNOSTICS",
    "SERVICES", "SERVICE", "GENERAL", "REGIONAL", "COMMUNITY", "MEMORIAL", "SAINT", "ST", "MOUNT", "MT", "NORTH",
    "SOUTH", "EAST", "WEST", "CITY", "COUNTY", "STATE", "NATIONAL", "CHILDREN", "CHILDRENS", "WOMENS", "INC",
    "LLC", "LTD", "GMBH", "CORP", "ROOM", "SUITE", "FLOOR", "BLDG", "BUILDING", "STREET", "AVE", "AVENUE", "ROAD",
    "RD", "DRIVE", "BLVD", "LANE", "ULTRASOUND", "MRI", "CT", "XRAY", "NUCLEAR", "CARDIOLOGY", "ONCOLOGY",
    "EMERGENCY", "ER", "ED", "OR", "ICU", "LAB", "UNIT", "WARD", "OFFICE", "GROUP", "ASSOCIATES", "PARTNERS",
    "NETWORK", "FOUNDATION", "TRUST", "NHS", "SCHOOL", "FACULTY", "OUTPATIENT", "INPATIENT", "MAIN", "CAMPUS",
    "PRACTICE", "SURGERY", "SPECIALTY", "HEART", "VASCULAR", "WOMEN", "MEN",
})
"""Words of institution names and addresses that say nothing on their own (`CLINIC`, `RADIOLOGY`)."""


@dataclass(frozen=True, slots=True)
class PersonName:
    """One person name (one PN component group) split into upper-case word tokens."""

    family: tuple[str, ...]
    given: tuple[str, ...]
    middle: tuple[str, ...]
    prefix: tuple[str, ...]
    suffix: tuple[str, ...]


def split_person_name(value: str) -> list[PersonName]:
    """Split a PN value (`DOE^JOHN^M^DR^JR`, with `=` groups) into names; `DOE, JOHN` is accepted too.

    Args:
        value: the header value.

    Returns:
        One PersonName per non-empty component group.
    """
    out = []
    for group in value.split("="):
        if not group.strip(" ^"):
            continue
        if "^" in group:
            parts = ([*group.split("^"), "", "", "", ""])[:5]
        elif "," in group:
            family, _, given = group.partition(",")
            parts = [family, given, "", "", ""]
        else:
            parts = [group, "", "", "", ""]
        family, given, middle, prefix, suffix = (tuple(word_tokens(p)) for p in parts)
        if family or given:
            out.append(PersonName(family, given, middle, prefix, suffix))
    return out


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
    return (year, month, day) if _valid(year, month, day, False) else None


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
    mon = _MONTH_ABBR[month - 1]
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
