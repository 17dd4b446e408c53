"""Other spellings of a line the recogniser may have misread: is an unknown line an annotation?

Small annotations are often read one glyph off (`LSFT` for `LEFT`, `mtAs` for `mAs`, `AXPOST`
for `AX POST`). As read they are unknown text, masked by the default policy, and the clinical
annotation is lost. The recogniser's ranked classes per time step (`ReadLattice`) say how likely
it found each spelling: a line is kept as an annotation only when an allowlisted spelling, one or
two edits from what was read, was nearly as likely as the read itself and is safe as a whole line.
Anything else stays unknown (fail closed).

Pure functions of strings and lattices; nothing logs or raises with the text (it may be PHI).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from pixelsvc.phi.lexicon import UNITS
from pixelsvc.phi.safe_text import is_safe_text
from pixelsvc.types import ReadLattice

__all__ = ["annotation_spelling"]

_TOKEN = re.compile(r"[^\W_]+")
"""Runs of letters and digits (of any script): the pieces a misread spelling replaces."""
_WORD = re.compile(r"[A-Z][A-Z0-9]*")
_MAX_TOKENS = 3
"""Lines with more unsafe tokens than this are not respelled: too many edits to be one misread."""
_NEAR_WORDS = 48
"""Annotation words within the edit distance looked at per unsafe token (nearest first)."""
_PER_TOKEN = 3
"""Spellings kept per unsafe token: the ones the recogniser found most likely."""
_TWO_EDITS = 6
"""Tokens at least this long may be two edits from their annotation (`CTDkol`); a shorter one two
edits away keeps too little of what was read (`adó` of `Bed 6` is two edits from `EDD`)."""
_CLOCK = re.compile(r"\d\s?[:;]\s?\d")
"""Digits either side of a colon: a misread time (`12:383 PM`) is never respelled into an
annotation (`PM` is one edit from a unit), nor is a ratio (`1:20`), which then stays masked."""
_MIN_TOKEN = 2
"""A lone glyph is never respelled: a letter added to it (`T` as `CT`) is no misread of a word."""
_MAX_DIGITS = 5
"""Lines with more digits than this are never respelled: a phone number or an id read as digit
soup with codes in it (`T <3 7í4 t49 344r`) is judged by its digits, not by its one odd word."""
_MIN_SPLIT = 4
"""Tokens at least this long may be two annotation words run together (`THKMM`: `THK MM`)."""

@functools.lru_cache(maxsize=16)
def _vocabulary(allow: frozenset[str]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The allowlist's single words and the units, as a sorted tuple and a set, built once per allowlist."""
    words = frozenset(w for w in (*allow, *UNITS) if len(w) >= 2 and _WORD.fullmatch(w))
    return tuple(sorted(words)), words


def _spellings(token: str, allow: frozenset[str]) -> list[str]:
    """Annotation words one edit from `token` (two from a token of `_TWO_EDITS` or more letters),
    and the ways it splits into two annotation words."""
    ordered, words = _vocabulary(allow)
    upper = token.upper()
    cutoff = 2 if len(upper) >= _TWO_EDITS else 1
    near = process.extract(upper, ordered, scorer=Levenshtein.distance, score_cutoff=cutoff, limit=_NEAR_WORDS)
    found = [word for word, _, _ in near if word != upper]
    if len(upper) >= _MIN_SPLIT:
        found += [f"{upper[:i]} {upper[i:]}" for i in range(2, len(upper) - 1)
                  if upper[:i] in words and upper[i:] in words]
    return found


def _respelled(text: str, tokens: list[re.Match[str]], words: tuple[str, ...]) -> str:
    pieces, cursor = [], 0
    for match, word in zip(tokens, words, strict=True):
        pieces += [text[cursor:match.start()], word]
        cursor = match.end()
    return "".join(pieces) + text[cursor:]


def annotation_spelling(text: str, lattice: ReadLattice, allow: frozenset[str], min_ratio: float,
                        is_safe: Callable[[str], bool]) -> bool:
    """Whether the line read as `text` is an annotation the recogniser misread.

    Each token that is not safe on its own is replaced by the annotation words near it; a
    spelling of the whole line counts when the recogniser found it at least `min_ratio` times as
    likely as `text` (`ReadLattice.log_likelihood`) and `is_safe` holds for it (the classifier:
    no PHI shape, every token an annotation).
    """
    if min_ratio <= 0 or not text or _CLOCK.search(text) or sum(ch.isdigit() for ch in text) > _MAX_DIGITS:
        return False
    tokens = [m for m in _TOKEN.finditer(text) if not is_safe_text(m.group(0), allow)]
    if not tokens or len(tokens) > _MAX_TOKENS or any(len(m.group(0)) < _MIN_TOKEN for m in tokens):
        return False
    as_read = tuple(m.group(0) for m in tokens)
    choices = []
    for index, match in enumerate(tokens):
        # each token's spellings ranked with the rest of the line as read
        words = _spellings(match.group(0), allow)
        if not words:
            return False
        lines = [_respelled(text, tokens, (*as_read[:index], word, *as_read[index + 1:])) for word in words]
        scores = lattice.log_likelihoods(lines)
        ranked = sorted(zip(scores.tolist(), words, strict=True), reverse=True)[:_PER_TOKEN]
        choices.append([word for _, word in ranked])
    lines = [_respelled(text, tokens, words) for words in itertools.product(*choices)]
    scores = lattice.log_likelihoods([text, *lines])
    if scores[0] == -math.inf:
        return False
    least = scores[0] + math.log(min_ratio)
    return any(score >= least and is_safe(line) for score, line in zip(scores[1:].tolist(), lines, strict=True))
