"""Shapes of PHI that need no header: ages and sex, contact details (phones, e-mail, addresses),
identifiers, institution names and patient locations.

Pure functions of the line (mostly its `numeric_view`); nothing logs or raises with the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pixelsvc.phi.lexicon import AGE_LABELS, INSTITUTION_WORDS, LOCATION_WORDS, SEX_LABELS, UNITS
from pixelsvc.phi.normalise import alpha_canon, numeric_view
from pixelsvc.phi.safe_text import DIMENSION, is_settings_run, safe_piece

__all__ = [
    "AgeHit",
    "find_ages",
    "has_contact",
    "has_demographics",
    "has_id_shape",
    "has_institution_word",
    "has_location",
]

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
_RATIO = re.compile(r"\d{1,4}/\d{1,4}")
_SPLIT_ID = re.compile(r"(?<![\d.,:/\-])(\d{2,})\s(\d{2,})(?![\d.,:/\-]|\s\d)")
"""Two digit groups split by one space and nothing else around them (`0061 866`): an id OCR split."""
_MIN_SPLIT_ID_DIGITS = 7
_NUM_WITH_UNIT = re.compile(r"(\d+)([A-Z%]{1,5})")
_ID_PARTS = re.compile(r"[\-_/]")


def _technical_part(part: str, allow: frozenset[str]) -> bool:
    """A short number or a setting with letters (`20DB`, `DR60`), as opposed to an id part."""
    if part.isdigit():
        return len(part) <= 3
    digits = sum(ch.isdigit() for ch in part)
    return digits <= 4 and any(ch.isalpha() for ch in part) and safe_piece(part, allow)


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
    for m in _SPLIT_ID.finditer(numeric):
        if len(m.group(1)) + len(m.group(2)) >= _MIN_SPLIT_ID_DIGITS:
            return True
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
        if _RATIO.fullmatch(run) or DIMENSION.fullmatch(run):
            continue
        unit = _NUM_WITH_UNIT.fullmatch(run)
        if unit and (unit.group(2) in UNITS or unit.group(2) in allow) and len(unit.group(1)) <= 6 and not (
            unit.group(1).startswith("0")
        ):
            continue  # a measurement (12000HZ), not a long id that happens to end in V or S
        if any(sep in run for sep in "-_/") and any(ch.isalpha() for ch in run) and all(
            _technical_part(part, allow) for part in _ID_PARTS.split(run) if part
        ):
            continue  # settings joined by separators (20DB/DR60, 4V1C-S)
        if is_settings_run(run, allow):
            continue  # settings OCR ran together (C300W1500)
        if digits >= min_digits:
            return True
        compact = run.replace("-", "").replace("_", "").replace("/", "")
        if len(compact) >= min_alnum_length and digits >= min_alnum_digits and any(ch.isalpha() for ch in compact):
            return True
    return False


_DEMOGRAPHIC_TOKEN = re.compile(r"[A-Z]+|\d+")
_AGE_UNITS = frozenset({"Y", "YR", "YRS", "YO", "YEAR", "YEARS", "OLD", "J", "ANS", "ANOS", "A"})
_SEX_VALUES = frozenset({"M", "F", "MALE", "FEMALE"})
_ONE_IN_AGE = re.compile(r"(?<=\d)I(?=Y?(?![A-Z0-9]))")
"""A `1` read as `I` at the end of an age (`M7iy` for `M 71y`), restored before the tokens are judged."""
_SLASH_READ = "17"
"""What OCR reads the slash of `F/19` as, glued to the sex letter: `F719`, `M137`."""


def has_demographics(text: str) -> bool:
    """A line that is only a patient's age and sex, or a sex label with its value: `83 M`, `M/12`,
    `F/67`, `45Y/F`, `067Y M`, `Age:30 Sex:M`, `Sex: F`.

    Every token must be an age (a number up to 130 with an optional unit), a sex value or an
    age/sex label, and a sex value or label must be there. A one-letter sex is upper case as read
    (`25m` is a length). A sex letter glued to one digit (`M3`, a preset) does not count; glued to
    two or three (`M74`) or with an age unit (`F3Y`) it does, as does one after the digits (`83M`).
    OCR's slips in this shape are undone: the slash read as a digit (`F719`, over 130) and a `1`
    read as a letter (`M7iy`).

    Args:
        text: the recognised line as read.

    Returns:
        True when the line shows age and sex.
    """
    numeric = _ONE_IN_AGE.sub("1", numeric_view(text))
    sex = number = labelled = False
    previous_end, previous_kind = -1, ""
    for m in _DEMOGRAPHIC_TOKEN.finditer(numeric):
        token = m.group(0)
        glued = m.start() == previous_end
        if token.isdigit():
            after = numeric[m.end():m.end() + 1]
            if glued and previous_kind == "sex" and len(token) == 3 and int(token) > 130 and token[0] in _SLASH_READ:
                token = token[1:]  # `F719` is `F/19`
            if len(token) > 3 or int(token) > 130 or (glued and previous_kind == "sex" and after != "Y"
                                                      and len(token) < 2):
                return False  # `M3` is a preset; `M74` and `F32Y` are sex and age
            if number:
                return False  # one age only: `Im: 21/123` is no age and sex
            number, kind = True, "number"
        elif token in _SEX_VALUES:
            if len(token) == 1 and not text[m.start()].isupper():
                return False
            sex, kind = True, "sex"
        elif len(token) == 2 and token[0] == "Y" and token[1] in "MF" and previous_kind == "number":
            sex, kind = True, "sex"  # `029YM`: the unit and the sex run together
        elif token in SEX_LABELS:
            labelled, kind = True, "label"
        elif token in AGE_LABELS or (token in _AGE_UNITS and previous_kind == "number"):
            kind = "age"
        elif token == "V" and glued and previous_kind == "number":
            kind = "age"  # `F20V`: OCR reads a small `y` as `v`
        else:
            return False
        previous_end, previous_kind = m.end(), kind
    return (sex and (number or labelled)) or (labelled and number)


def _has_word(folded_tokens: list[str], words: frozenset[str]) -> bool:
    return any(token in words for token in folded_tokens)


def has_institution_word(folded_tokens: list[str]) -> bool:
    """Whether a line names an institution or department (`Providence Emergency Center`, `MRI Suite`).

    Args:
        folded_tokens: the line's word tokens in OCR-folded spelling (`word_forms(text)[1]`).

    Returns:
        True when a word of `INSTITUTION_WORDS` is there.
    """
    return _has_word(folded_tokens, INSTITUTION_WORDS)


_GLUED_LOCATION = re.compile(r"([A-Z][A-Z01]*[A-Z])(\d{1,4}[A-Z]?)")


def has_location(folded_tokens: list[str], raw_tokens: list[str]) -> bool:
    """Whether a line places a patient: a location word beside a number (`Room 12A`, `Bed 3`, `ER 4`).

    Args:
        folded_tokens: the line's word tokens in OCR-folded spelling.
        raw_tokens: the same tokens as read (upper case).

    Returns:
        True when a word of `LOCATION_WORDS` has a token with a digit next to it.
    """
    for i, token in enumerate(folded_tokens):
        if token in LOCATION_WORDS:
            near = raw_tokens[max(i - 1, 0):i] + raw_tokens[i + 1:i + 2]
            if any(any(ch.isdigit() for ch in t) for t in near):
                return True
        glued = _GLUED_LOCATION.fullmatch(numeric_view(raw_tokens[i]))
        if glued and alpha_canon(glued.group(1)) in LOCATION_WORDS:
            return True  # `Bed13`, `ER3`, `Room27A`
    return False
