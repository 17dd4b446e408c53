"""OCR-confusion folding and the token views of a line that every rule works on.

OCR slips letters for digits and back (`J0HN`, `O9/23/l999`, `Narne`). Rules compare folded
forms on both sides, so one slip does not hide a match. Pure functions of strings: nothing
logs, and nothing raises with the text in its message (it may be PHI).
"""

from __future__ import annotations

import re

__all__ = [
    "WORD_PATTERN",
    "alnum_count",
    "alpha_canon",
    "as_word",
    "folded_word_spans",
    "id_canon",
    "numeric_chunks",
    "numeric_view",
    "suspicious_numeric_view",
    "word_forms",
    "word_tokens",
]

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


def alnum_count(text: str) -> int:
    """Letters and digits in a read: how much it says (a lone glyph, a line of unknown text)."""
    return sum(ch.isalnum() for ch in text)


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


_CLOCK_SIDE = re.compile(r"(?<![A-Za-z0-9])[OoIl|SBZG]{1,2}(?=[:;hH]\d)|(?<=\d[:;])[OoIl|SBZG](?=\d)")
"""Look-alike letters just before a clock separator (`B:44PM`, `OS:12`, `Oh35`) or between one and a digit."""
_SPACE_IN_AGE = re.compile(r"(?<=\d) (?=\d+ ?[YMFymf](?![A-Za-z]))")
"""A space OCR put inside an age before its unit or sex letter (`4 7F`, `3 3 F`)."""


def _run_with_digit_as_digits(match: re.Match[str]) -> str:
    run = match.group(0)
    return run.translate(_RUN_TO_DIGIT) if any(ch.isdigit() for ch in run) else run


def suspicious_numeric_view(text: str) -> str:
    """A harder reading than `numeric_view`, tried before a line is called safe: every run of
    look-alikes that holds a real digit is digits (`O2OY` -> `020Y`), so are the letters at a
    clock separator with no space after it (`B:44PM` -> `8:44PM`; `S: 12` stays), and a
    space inside an age before its unit or sex letter is dropped (`4 7F` -> `47F`). Degraded
    PHI often reads this way; clinical annotations rarely do.
    """
    view = _CONFUSABLE_RUN.sub(_run_with_digit_as_digits, text)
    view = _CLOCK_SIDE.sub(lambda m: m.group(0).translate(_RUN_TO_DIGIT), view)
    return _SPACE_IN_AGE.sub("", view).upper()


WORD_PATTERN = re.compile(r"[A-Za-z0-9|!$]+")
"""A word token as OCR reads it: letters, digits and the look-alikes `|`, `!`, `$`."""


def word_tokens(text: str) -> list[str]:
    """Upper-cased word tokens; apostrophes are dropped first so `O'BRIEN` is one word.

    Args:
        text: a header value or a recognised line.

    Returns:
        The tokens, in order.
    """
    return WORD_PATTERN.findall(text.replace("'", "").replace("’", "").upper())


def word_forms(text: str) -> tuple[list[str], list[str]]:
    """Word tokens as read (upper case) and OCR-folded (`alpha_canon`), in step.

    Args:
        text: a recognised line.

    Returns:
        (raw tokens, folded tokens), the same length.
    """
    upper = text.replace("'", "").replace("’", "").upper()
    folded = WORD_PATTERN.findall(upper.translate(_ALPHA_TABLE))
    return WORD_PATTERN.findall(upper), [t if "RN" not in t and "VV" not in t else _fold_pairs(t) for t in folded]


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


def folded_word_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded word) of each word token, with offsets into `text`.

    Args:
        text: a recognised line.

    Returns:
        The tokens in `alpha_canon` spelling, in order.
    """
    folded_line = text.upper().translate(_ALPHA_TABLE)
    return [(m.start(), m.end(), _fold_pairs(m.group(0))) for m in WORD_PATTERN.finditer(folded_line)]


_DIGIT_AS_LETTER = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})


def as_word(token: str) -> str | None:
    """The token as an upper-case alphabetic word (OCR digits read back as letters), else None."""
    letters = sum(ch.isalpha() for ch in token)
    if letters == 0 or letters < sum(ch.isdigit() for ch in token):
        return None
    word = token.translate(_DIGIT_AS_LETTER).upper()
    bare = word.replace("'", "").replace("-", "")
    return word if bare.isalpha() else None
