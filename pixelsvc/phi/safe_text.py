"""The token grammar of safe clinical annotation text (`W:400 L:40`, `5.0 mm`, `Se: 3/2`).

Pure functions of strings; nothing logs or raises with the text (it may be PHI).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pixelsvc.phi.dates import MONTH_ABBR
from pixelsvc.phi.lexicon import UNITS
from pixelsvc.phi.normalise import alpha_canon, as_word, numeric_view

__all__ = ["DIMENSION", "is_safe_text", "is_settings_run", "safe_piece"]

_SAFE_SPLIT = re.compile(r"[^\w.%°+\-']+")  # every symbol separates; letters of any script stay
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:[.,]\d+)?%?")
"""A number with at most one decimal part (`12,345.5`); `2021.07.20` and `1.2.840.10008` are not numbers."""
_MAX_NUMBER_DIGITS = 6
"""Numbers with this many digits or more (`1404.2005`) are ids or misread dates, not measurements."""
_ZERO_PADDED = re.compile(r"0(?=\d{2,}$)\d*[1-9]\d*")
"""A whole number of three or more digits with a leading zero (`0614`, `0216`): a time that lost its
colon or a padded id, never a measurement."""
_ZERO_LED = re.compile(r"0\d\d")
"""Three or more digits led by a zero at a token's start (`071YH`: the age `071Y` run into its
sex): a padded age, time or id, never a probe or parameter code."""
_NUMERIC_PIECE = re.compile(r"[\d.,%+\-]*\d[\d.,%+\-]*")
"""A token of digits and number punctuation only (what a misread number becomes once restored)."""
_DATE_LIKE = re.compile(r"(?<![\w.+/])\d{1,4}([/.\-])\d{1,2}\1\d{2,4}(?!\w)")
"""Three numbers with one separator (`13/45/2021`, `2021.07.20`): a misread date or an id, never safe;
`1/2/4` (a persistence setting) is not one."""
_DATE_WITH_SLIPS = re.compile(r"(?<![\w.+/])[\dOISBZGL|]{1,4}([/.\-])[\dOISBZGL|]{1,2}\1[\dOISBZGL|]{2,4}(?![\w/])")
"""`_DATE_LIKE` where OCR read a digit at a number's edge as a letter (`S/l9/22`); counted only
with three real digits in it."""
_CLOCK_LIKE = re.compile(r"[\d\s:;.,]*\d\s?[:;]\s?\d[\d\s:;.,]*")
"""Digits around a colon and nothing else (`02:2`, `1:20`): a misread time, never safe on its own."""
_DAY_MONTH = re.compile(
    rf"(?<![A-Z0-9])(?:\d{{1,2}}[\s\-./]?(?:{'|'.join(MONTH_ABBR)})|(?:{'|'.join(MONTH_ABBR)})[\s\-./]?\d{{1,2}})(?![A-Z0-9])"
)
"""A day beside a month name (`4-DEC`, `NOV 07`): part of a date whose year OCR lost, never a code."""
_CLOCK_IN_LINE = re.compile(
    r"(?<![\w.:;])(?:[01]?\d|2[0-3])\s?(?:[:;]\s?[0-5]\d\s?[:;.,\-]|[.,\-]\s?[0-5]\d\s?[:;])\s?[0-5]\d(?!\d)"
)
"""Hours, minutes and seconds anywhere in a line (`3:40-29`, `12-36:00`: a time with one of its
colons read as a dash or a dot); `Zoom 1:20` is a ratio."""
_CLOCK_TIME = re.compile(
    r"(?<![\w.:;/])(?:[01]\d|2[0-3])\s?[:;]\s?[0-5]\d(?![\d.:/])|(?<![\w.])(?:[01]?\d|2[0-3])H[0-5]\d(?![\w.])"
)
"""A time of day anywhere in a line (read on the numeric view): a two-digit hour and minutes
(`17:09`, `02;26`) or the `14h08` form. Ratios (`Zoom 1:20`, `1:100`) have a one-digit left
side or a three-digit right side."""
_CLOCK_SLIP = re.compile(r"(?<![\w.:;/])(?:[01]\d|2[0-3])\s?[:;]\s?[0-5]\d{2,4}(?![\d.:/])")
"""A two-digit hour before three to five digits (`12:383`, `09:5012`): a time with a digit read
twice or its seconds' colon lost; a ratio has a one-digit left side (`1:100`)."""
_MERIDIEM = re.compile(r"\d\s?[AP]\.?M\b")
"""Digits before AM/PM (`9:4AM`, `934AM`: a time that lost a digit or its colon), on the line as
read: in the numeric view `72BPM` would become `728PM`."""
_NUMBERS_ONLY = re.compile(r"[\d\s,./\-]+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
"""A year beside other numbers and nothing else (`4, 1984`: a date whose month OCR lost)."""
_LONE_WHOLE_NUMBER = re.compile(r"[(\[]?\d{4,}[)\].,;:]?")
"""A line that is one whole number of four or more digits and nothing else (`2144`, `2013`, `72)` is
not): a time that lost its colon, a year, the end of an id; a measurement has a unit or a label."""
_PREFIX_NUMBER_UNIT = re.compile(r"([A-Z]{1,12})?[-+]?(\d+(?:[.,]\d+)?)([A-Z%°][A-Z%°0-9]{0,5})?")
"""A number with an allowlisted word or one letter before it and a unit after it, run together
(`W400`, `CTDIVOL12.3`, `5.0MM`)."""
_ORDINAL = re.compile(r"\d+(?:ST|ND|RD|TH)")
_SHORT_TECH = re.compile(r"[A-Z0-9][A-Z0-9.+\-_']*")
_LETTER_RUN = re.compile(r"[A-Z]+")
_WINDOW_PREFIXES = frozenset({"C", "W", "L"})
_CODE_AT_END = re.compile(r"[A-Z]{1,3}\d{1,3}|\d{1,3}[A-Z]{1,3}")
"""Letters then digits or digits then letters (`TAC1`, `15L`): a setting, not a word with digit slips (`J0HN`)."""
_CONFUSABLE_IN_NUMBER = re.compile(r"[0-9OISBZG|]*\d[0-9OISBZG|.]*|[OISBZG|]+[.]?\d[0-9OISBZG|.]*")
_TO_DIGIT = str.maketrans({"O": "0", "I": "1", "|": "1", "S": "5", "B": "8", "Z": "2", "G": "6"})
_SETTING = re.compile(r"(([A-Z]{1,5})(\d{1,4}(?:\.\d+)?)|(\d{1,4}(?:\.\d+)?)([A-Z]{1,5}))")
DIMENSION = re.compile(r"\d+(?:[X×]\d+)+")
"""A dimension such as `512x512`: no identifier."""


_PER_ALLOWLIST = 16
"""Allowlists whose derived tables are kept (one per classifier configuration in use)."""


@functools.lru_cache(maxsize=_PER_ALLOWLIST)
def _folded(allow: frozenset[str]) -> frozenset[str]:
    """The allowlist in OCR-folded spelling (`TIB` also matches `TlB`), built once per allowlist."""
    return frozenset(alpha_canon(w) for w in allow if w.isalpha() and len(w) >= 2)


_MIN_DROPPED_WORD = 6
"""Allowlisted words at least this long still match with one letter dropped (`SUPINE` as `SUPIN`)."""


@functools.lru_cache(maxsize=_PER_ALLOWLIST)
def _dropped(allow: frozenset[str]) -> frozenset[str]:
    """Long allowlisted words with one letter dropped, in OCR-folded spelling, built once per allowlist."""
    return frozenset(
        alpha_canon(w[:i] + w[i + 1:]) for w in allow if w.isalpha() and len(w) >= _MIN_DROPPED_WORD
        for i in range(len(w))
    )


def safe_piece(piece: str, allow: frozenset[str]) -> bool:
    """Whether one token (upper case) is a clinical annotation: allowlisted, a number, a measurement, a code."""
    if _NUMBER.fullmatch(piece):
        return sum(ch.isdigit() for ch in piece) < _MAX_NUMBER_DIGITS and not _ZERO_PADDED.fullmatch(piece)
    if piece in allow or _ORDINAL.fullmatch(piece) or DIMENSION.fullmatch(piece):
        return True
    if piece.isalpha():
        return len(piece) >= 2 and alpha_canon(piece) in _folded(allow)
    m = _PREFIX_NUMBER_UNIT.fullmatch(piece)
    if m:
        prefix, number, unit = m.group(1), m.group(2), m.group(3)
        prefix_ok = prefix is None or prefix in allow or (len(prefix) == 1 and len(number.split(".")[0]) <= 3)
        short = sum(ch.isdigit() for ch in number) < _MAX_NUMBER_DIGITS  # `A201410.26` is a date, not A + a number
        if prefix_ok and short and (unit is None or unit in UNITS or unit in allow):
            return True
    if _SHORT_TECH.fullmatch(piece) and len(piece) <= 8 and not _ZERO_LED.match(piece) and (
        "-" in piece or as_word(piece) is None or _CODE_AT_END.fullmatch(piece)
    ):
        digits = sum(ch.isdigit() for ch in piece)
        if 1 <= digits <= 3 and all(len(run) <= 3 or run in allow for run in _LETTER_RUN.findall(piece)):
            return True  # probe and parameter codes (L12-5, 4V1C-S, C5-1), not a station name (OAKWCT3)
    if "-" in piece.strip("-"):
        parts = [p for p in piece.split("-") if p]
        if all(p.isdigit() for p in parts):
            # a range (`2-4`), not `555-1234`, nor an id's padded piece (`7-075`)
            return len(parts) == 2 and all(len(p) <= 3 and not (len(p) > 1 and p[0] == "0") for p in parts)
        return len(parts) > 1 and all(safe_piece(p, allow) for p in parts)
    return False


def is_settings_run(piece: str, allow: frozenset[str]) -> bool:
    """Settings run together when OCR lost the spaces (`C300W1500`, `140KV300MAS`): two or more
    allowlisted prefixes or units, each with a number of at most four digits."""
    groups = _SETTING.findall(piece)
    if len(groups) < 2 or sum(len(g[0]) for g in groups) != len(piece):
        return False
    for _, prefix, prefixed, number, unit in groups:
        digits = prefixed or number
        if len(digits) > 1 and digits.startswith("0") and not digits.startswith("0."):
            return False  # `A0352S59` is an id
        if prefix and not (prefix in _WINDOW_PREFIXES or (len(prefix) > 1 and prefix in allow)):
            return False
        if unit and unit not in UNITS and unit not in allow:
            return False
    return True


def _digits_restored(piece: str) -> str:
    """Runs of digits and look-alike letters with at least one real digit read as digits (`2OO`, `S.O`)."""
    return _CONFUSABLE_IN_NUMBER.sub(
        lambda m: m.group(0).translate(_TO_DIGIT) if any(ch.isdigit() for ch in m.group(0)) else m.group(0), piece
    )


_TRIPLED = re.compile(r"([A-Z])\1\1+")
"""A letter three or more times in a row: no word has one; OCR repeats a glyph (`MMM` for `MM`)."""


def _safe_as_misread(piece: str, fixed: str, allow: frozenset[str]) -> bool:
    """The piece is safe once OCR's slips are undone: letters for digits (`l2O`, `2OO`, `5.Omm`;
    `fixed` is the piece with them restored), digits for letters (`R1GHT`, `m6y`), a dropped
    letter of a long word (`ERECT` read `ERET`), a glyph read three times (`mmm` for `mm`)."""
    if fixed != piece and safe_piece(fixed, allow):
        return True
    if _TRIPLED.search(piece) and any(safe_piece(_TRIPLED.sub(lambda m, n=n: m.group(1) * n, piece), allow)
                                      for n in (2, 1)):
        return True
    if piece.isalpha() and len(piece) >= _MIN_DROPPED_WORD - 1 and alpha_canon(piece) in _dropped(allow):
        return True
    if any(ch.isdigit() for ch in piece):
        word = as_word(piece)
        if word is not None and word.isalpha() and len(word) >= 2 and alpha_canon(word) in _folded(allow):
            return True
    return is_settings_run(fixed, allow)


def _strip_accents(text: str) -> str:
    """Letters without their accents (`MÓDE` -> `MODE`): the recogniser puts accents on noisy Latin glyphs."""
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _pieces(upper: str) -> list[str]:
    return [p for p in (raw.strip(".'\"`-_") for raw in _SAFE_SPLIT.split(upper)) if any(ch.isalnum() for ch in p)]


@functools.lru_cache(maxsize=_PER_ALLOWLIST)
def _phrases(allow: frozenset[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Allowlisted phrases (`PROTOCOL NAME`) as token tuples keyed by their first token, built once."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for entry in allow:
        tokens = tuple(_pieces(entry)) if " " in entry else ()
        if len(tokens) > 1:
            by_first.setdefault(tokens[0], []).append(tokens)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()}


def _safe_tokens(pieces: list[str], allow: frozenset[str]) -> bool:
    phrases = _phrases(allow)
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        phrase = next((p for p in phrases.get(piece, ()) if tuple(pieces[i:i + len(p)]) == p), None)
        if phrase is not None:
            i += len(phrase)  # a technical phrase holding a label word (`Protocol Name`, `Gest. Age`)
            continue
        if _piece_ok(piece, allow):
            i += 1
            continue
        # a space OCR put inside a word (`CI NE`, `P0RTA BLE`); never a letter joined to a number
        if (i + 1 < len(pieces) and _has_letters(pieces[i]) and _has_letters(pieces[i + 1])
                and _piece_ok(pieces[i] + pieces[i + 1], allow)):
            i += 2
            continue
        return False
    return True


def _has_letters(piece: str) -> bool:
    return any(ch.isalpha() for ch in piece)


def _piece_ok(piece: str, allow: frozenset[str]) -> bool:
    """A token is safe as read or once OCR's slips are undone; a token that is a number once its
    look-alike letters are digits again (`22O-8O77`, `O614`) is judged only as that number, never
    as a code that happens to hold letters."""
    fixed = _digits_restored(numeric_view(piece))
    if fixed != piece and _NUMERIC_PIECE.fullmatch(fixed):
        return safe_piece(fixed, allow)
    return safe_piece(piece, allow) or _safe_as_misread(piece, fixed, allow)


def is_safe_text(text: str, allow: frozenset[str]) -> bool:
    """Whether every token of a line is allowlisted, a number, a number with a unit, a ratio or a
    short technical code, so the line is clinical annotation (`TIS0.0 MI 0.6`, `Se: 3/2`).

    Strict: date-like number triples (also with OCR slips and stray spaces), a day beside a month
    name, a clock time with seconds, a two-digit hour with minutes or digits before AM/PM anywhere in
    the line, a year among bare numbers, bare `hh:m`, long and multi-dot
    numbers are never safe. The classifier checks the PHI shapes (labels, dates, ages, names...) before it asks this.

    Args:
        text: the recognised line.
        allow: the upper-cased allowlist (single words and whole phrases).

    Returns:
        True when the line is safe; a line without letters or digits is never safe.
    """
    upper = _strip_accents(text.upper())
    if " ".join(upper.split()) in allow:
        return True
    if any(ch.isdigit() for ch in upper):
        numeric = _digits_restored(numeric_view(text))
        compact = "".join(numeric.split())
        if _CLOCK_LIKE.fullmatch(numeric) or any(_DATE_LIKE.search(view) for view in (upper, numeric, compact)):
            return False
        if any(sum(ch.isdigit() for ch in m.group(0)) >= 3 for m in _DATE_WITH_SLIPS.finditer(upper)):
            return False
        if _DAY_MONTH.search(numeric) or _CLOCK_IN_LINE.search(numeric) or _CLOCK_TIME.search(numeric) \
                or _CLOCK_SLIP.search(numeric):
            return False
        if _MERIDIEM.search(upper):
            return False
        if _NUMBERS_ONLY.fullmatch(numeric) and _YEAR.search(numeric) and len(re.findall(r"\d+", numeric)) > 1:
            return False
        if _LONE_WHOLE_NUMBER.fullmatch("".join(upper.split())):
            return False
    pieces = _pieces(upper)
    return bool(pieces) and _safe_tokens(pieces, allow)
