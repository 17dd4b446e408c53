"""Header values of a series in matchable forms: the words of names, institutions and other
values (exact, OCR-folded, similar, run together, cut off at the image edge) and identifiers
(without separators, with OCR slips).

Built once per `PhiContext` by the classifier; nothing here logs or holds text in a repr.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from pixelsvc.phi import normalise
from pixelsvc.types import Label

__all__ = [
    "FAMILIES",
    "INSTITUTIONS",
    "MIN_LONG_ID",
    "NAMES",
    "NOT_ALNUM",
    "OTHER",
    "IdIndex",
    "ReadForms",
    "WordIndex",
]

_MIN_FUZZY_WORD = 4
"""Words shorter than this are only matched exactly: one OCR slip in a 3-letter word is a new word."""
_MIN_COMPACT = 6
"""Run-together forms (`JOHNDOE`) shorter than this are too likely to occur by chance."""
MIN_LONG_ID = 6
"""Ids at least this long are matched anywhere in a line; shorter ones only as a whole token."""
_MIN_FUZZY_ID = 7
"""Ids at least this long may also match with OCR slips (partial similarity)."""
_MIN_NUMERIC_ID = 4
"""Purely numeric ids shorter than this (`1`, `42`) are never matched: counters look the same."""
_ID_TOKEN_SPLIT = re.compile(r"[\s:;,#=()\[\]{}]+")
_ID_SEPARATORS = re.compile(r"[\-./_]")
NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
"""Everything but upper-case letters and digits."""


def _wordlike(token: str) -> bool:
    if token.isalpha():
        return True
    letters = sum(ch.isalpha() for ch in token)
    return letters > 0 and letters >= sum(ch.isdigit() for ch in token)


@dataclass(frozen=True, slots=True)
class ReadForms:
    """A read split into tokens once, in the forms the header word index compares against."""

    raw: tuple[str, ...]
    folded: tuple[str, ...]
    wordlike: tuple[bool, ...]
    compact: str

    @classmethod
    def of(cls, text: str) -> ReadForms:
        raw, folded = normalise.word_forms(text)
        return cls(tuple(raw), tuple(folded), tuple(t.isalpha() or _wordlike(t) for t in raw), "".join(folded))


NAMES, INSTITUTIONS, OTHER = 0, 1, 2
FAMILIES = (("names", Label.NAME), ("institutions", Label.INSTITUTION), ("other", Label.PHI_OTHER))
"""Kinds of worded header values (family name for rule names, label), by priority when one read
matches several; `NAMES`, `INSTITUTIONS` and `OTHER` index it."""


class WordIndex:
    """The words of the worded header values (names, institutions, other) in matchable forms.

    Single words match as whole tokens (exactly, after OCR folding, by similarity, or as a
    truncated first/last token); word sequences (`J DOE`, `GENERAL HOSPITAL`) match exactly
    as consecutive tokens; run-together forms (`JOHNDOE`) match inside the line. Every entry
    remembers the kind of value it came from (the lowest kind number wins).
    """

    def __init__(self, allow: frozenset[str], cutoff: float) -> None:
        self._allow = allow
        self._cutoff = cutoff
        self.singles_raw: dict[str, int] = {}
        self.singles: dict[str, int] = {}
        self.seq_raw: dict[str, dict[tuple[str, ...], int]] = {}
        self.seq: dict[str, dict[tuple[str, ...], int]] = {}
        self.compacts: dict[str, int] = {}
        self._choices: list[str] = []
        self._choice_kinds: list[int] = []
        self._prefixable: list[tuple[str, int]] = []

    @staticmethod
    def _put(table: dict, key: object, kind: int) -> None:
        table[key] = min(kind, table.get(key, kind))

    def add_single(self, word: str, kind: int, exact_only: bool = False) -> None:
        self._put(self.singles_raw, word, kind)
        if exact_only:
            return
        folded = normalise.alpha_canon(word)
        self._put(self.singles, folded, kind)
        if len(folded) >= _MIN_COMPACT and word.isalpha():
            self._put(self.compacts, folded, kind)

    def add_sequence(self, tokens: Sequence[str], kind: int) -> None:
        if len(tokens) < 2:
            return
        raw = tuple(tokens)
        folded = tuple(normalise.alpha_canon(t) for t in tokens)
        self._put(self.seq_raw.setdefault(raw[0], {}), raw, kind)
        self._put(self.seq.setdefault(folded[0], {}), folded, kind)
        compact = "".join(folded)
        if len(compact) >= _MIN_COMPACT:
            self._put(self.compacts, compact, kind)

    def freeze(self) -> None:
        """Build the similarity choices once all words are in."""
        choices: dict[str, int] = {}
        for word, kind in (*self.singles.items(), *self.compacts.items()):
            if len(word) >= _MIN_FUZZY_WORD:
                self._put(choices, word, kind)
        self._choices = list(choices)
        self._choice_kinds = list(choices.values())
        self._prefixable = sorted((w, k) for w, k in self.singles.items() if len(w) >= _MIN_FUZZY_WORD)

    def __bool__(self) -> bool:
        return bool(self.singles_raw or self.seq_raw)

    @staticmethod
    def _sequence_kind(tokens: tuple[str, ...], index: dict[str, dict[tuple[str, ...], int]]) -> int | None:
        best = None
        for i, token in enumerate(tokens):
            for seq, kind in index.get(token, {}).items():
                if tokens[i:i + len(seq)] == seq and (best is None or kind < best):
                    best = kind
        return best

    @staticmethod
    def _lowest(*kinds: int | None) -> int | None:
        found = [k for k in kinds if k is not None]
        return min(found) if found else None

    def match(self, read: ReadForms) -> tuple[int, str] | None:
        """(kind, 'exact' or 'fuzzy') of the header words shown in the read, else None."""
        single = self._lowest(*(self.singles_raw.get(t) for t in read.raw))
        kind = self._lowest(single, self._sequence_kind(read.raw, self.seq_raw))
        if kind is not None:
            return kind, "exact"
        single = self._lowest(*(self.singles.get(f) for f, w in zip(read.folded, read.wordlike, strict=True) if w))
        compact = self._lowest(*(k for c, k in self.compacts.items() if c in read.compact))
        kind = self._lowest(single, compact, self._sequence_kind(read.folded, self.seq))
        if kind is not None:
            return kind, "fuzzy"
        candidates = [
            f for f, raw, w in zip(read.folded, read.raw, read.wordlike, strict=True)
            if w and len(f) >= _MIN_FUZZY_WORD and raw not in self._allow
        ]
        if not candidates:
            return None
        if self._choices:
            for f in candidates:
                best = process.extractOne(f, self._choices, scorer=fuzz.ratio, score_cutoff=self._cutoff)
                if best is not None:
                    return self._choice_kinds[best[2]], "fuzzy"
        # a word cut off at the image edge: the last token a prefix, the first a suffix
        first = read.folded[0] if read.folded[0] in candidates else ""
        last = read.folded[-1] if read.folded[-1] in candidates else ""
        for word, kind in self._prefixable:
            if last and 2 * len(last) >= len(word) and word.startswith(last):
                return kind, "fuzzy"
            if first and 2 * len(first) >= len(word) and word.endswith(first):
                return kind, "fuzzy"
        return None


class IdIndex:
    """Identifier-like header values, matched without separators and with OCR folding."""

    def __init__(self, cutoff: float, min_match_length: int, allow: frozenset[str]) -> None:
        self._cutoff = cutoff
        self._min = min_match_length
        self._allow = allow
        self.long: list[tuple[str, str, Label]] = []  # (upper compact, folded, label)
        self._fuzzy: list[tuple[str, Label]] = []  # long enough to match with slips
        self.short_raw: dict[str, Label] = {}
        self.short: dict[str, Label] = {}

    def add(self, value: str, label: Label) -> None:
        compact = NOT_ALNUM.sub("", value.upper())
        folded = normalise.id_canon(value)
        if len(compact) < self._min or (compact.isdigit() and len(compact) < _MIN_NUMERIC_ID):
            return
        if compact.isalpha() and compact in self._allow:
            return  # an id such as `THYROID` (a procedure code) would mask the annotation
        if len(compact) >= MIN_LONG_ID and not compact.isalpha():
            self.long.append((compact, folded, label))
            if len(folded) >= _MIN_FUZZY_ID:
                self._fuzzy.append((folded, label))
        else:
            self.short_raw.setdefault(compact, label)
            self.short.setdefault(folded, label)

    def __bool__(self) -> bool:
        return bool(self.long or self.short)

    def match(self, text: str) -> tuple[Label, str] | None:
        """(label, 'exact' or 'fuzzy') of the first id shown in the text, else None."""
        upper = text.upper()
        if self.long and any(ch.isdigit() for ch in upper):  # long ids all have digits
            raw_compact = NOT_ALNUM.sub("", upper)
            folded_compact = normalise.id_canon(upper)
            for compact, folded, label in self.long:
                if compact in raw_compact:
                    return label, "exact"
                if folded in folded_compact:
                    return label, "fuzzy"
            if self._fuzzy:
                # slips: compare each long-enough token (ids are one token, separators allowed)
                tokens = [normalise.id_canon(t) for t in _ID_TOKEN_SPLIT.split(upper) if len(t) >= _MIN_FUZZY_ID - 2]
                for folded, label in self._fuzzy:
                    for token in tokens:
                        if len(token) >= len(folded) - 2 and fuzz.partial_ratio(
                            folded, token, score_cutoff=self._cutoff
                        ):
                            return label, "fuzzy"
        if self.short:
            for token in _ID_TOKEN_SPLIT.split(upper):
                token = _ID_SEPARATORS.sub("", token)
                if not token:
                    continue
                if token in self.short_raw:
                    return self.short_raw[token], "exact"
                label = self.short.get(normalise.id_canon(token))
                if label is not None:
                    return label, "fuzzy"
        return None
