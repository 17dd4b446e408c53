"""The token grammar of safe clinical annotation text (`W:400 L:40`, `5.0 mm`, `Se: 3/2`).

Pure functions of strings; nothing logs or raises with the text (it may be PHI).
"""

from __future__ import annotations

import re

from pixelsvc.phi.lexicon import UNITS
from pixelsvc.phi.normalise import alpha_canon, as_word

__all__ = ["DIMENSION", "is_safe_text", "safe_piece"]

_SAFE_SPLIT = re.compile(r"[^\w.%°+\-']+")  # every symbol separates; letters of any script stay
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*%?")
_PREFIX_NUMBER_UNIT = re.compile(r"([A-Z]{1,5})?[-+]?(\d+(?:[.,]\d+)?)([A-Z%°][A-Z%°0-9]{0,5})?")
_ORDINAL = re.compile(r"\d+(?:ST|ND|RD|TH)")
_SHORT_TECH = re.compile(r"[A-Z0-9][A-Z0-9.+\-_']*")
DIMENSION = re.compile(r"\d+(?:[X×]\d+)+")
"""A dimension such as `512x512`: no identifier."""


_FOLDED_ALLOW: dict[frozenset[str], frozenset[str]] = {}


def _folded(allow: frozenset[str]) -> frozenset[str]:
    """The allowlist in OCR-folded spelling (`TIB` also matches `TlB`), built once per allowlist."""
    folded = _FOLDED_ALLOW.get(allow)
    if folded is None:
        if len(_FOLDED_ALLOW) > 16:
            _FOLDED_ALLOW.clear()
        folded = _FOLDED_ALLOW[allow] = frozenset(alpha_canon(w) for w in allow if w.isalpha() and len(w) >= 2)
    return folded


def safe_piece(piece: str, allow: frozenset[str]) -> bool:
    """Whether one token (upper case) is a clinical annotation: allowlisted, a number, a measurement, a code."""
    if piece in allow or _NUMBER.fullmatch(piece) or _ORDINAL.fullmatch(piece) or DIMENSION.fullmatch(piece):
        return True
    if piece.isalpha():
        return len(piece) >= 2 and alpha_canon(piece) in _folded(allow)
    m = _PREFIX_NUMBER_UNIT.fullmatch(piece)
    if m:
        prefix, number, unit = m.group(1), m.group(2), m.group(3)
        prefix_ok = prefix is None or prefix in allow or (len(prefix) == 1 and len(number.split(".")[0]) <= 3)
        if prefix_ok and (unit is None or unit in UNITS or unit in allow):
            return True
    if _SHORT_TECH.fullmatch(piece) and len(piece) <= 8 and ("-" in piece or as_word(piece) is None):
        digits = sum(ch.isdigit() for ch in piece)
        if 1 <= digits <= 3:
            return True  # probe and parameter codes (L12-5, 4V1C-S, C5-1), but not a misread word (J0HN)
    if "-" in piece.strip("-"):
        parts = [p for p in piece.split("-") if p]
        return len(parts) > 1 and all(safe_piece(p, allow) for p in parts)
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
        if not safe_piece(piece, allow):
            return False
        seen = True
    return seen
