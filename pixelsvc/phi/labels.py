"""PHI labels and their values on one line (`Name: ...`, `D0B 09/23/1999`, `Acc# 123`).

Labels are matched on whole words after OCR folding. Pure functions of strings; nothing logs
or raises with the text (it may be PHI).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pixelsvc.phi.lexicon import LABEL_CONNECTORS, LABEL_PREFIX_EXCLUDES, LABEL_SUFFIX_EXCLUDES, PHI_LABELS
from pixelsvc.phi.normalise import WORD_PATTERN, alpha_canon, folded_word_spans
from pixelsvc.types import Label

__all__ = ["LabelHit", "find_label", "label_value_ok"]

@dataclass(frozen=True, slots=True)
class _LabelSpec:
    label: Label
    name: str
    needs_punct: bool


_LABEL_CONNECTORS = frozenset(alpha_canon(w) for w in LABEL_CONNECTORS)
_DATE_WORD = alpha_canon("DATE")
"""`Date` is a label on its own (`Date: 2016`) but only continues one (`Birth Date`, `Exam Date`)."""
_LABEL_PREFIX_EXCLUDES = {
    label: frozenset(alpha_canon(w) for w in words) for label, words in LABEL_PREFIX_EXCLUDES.items()
}
_LABEL_SUFFIX_EXCLUDES = frozenset(alpha_canon(w) for w in LABEL_SUFFIX_EXCLUDES)
_LABEL_SEP = re.compile(r"[\s:#=.\-]*")


def _build_label_specs(allow: Iterable[str]) -> dict[str, _LabelSpec]:
    """Label table keyed by folded spelling; folded forms that collide with allowlisted words
    (`MRN` folds like `MM`) keep only their literal spelling."""
    allow_folded = {alpha_canon(word) for word in allow}
    specs: dict[str, _LabelSpec] = {}
    for word, label, name, needs_punct in PHI_LABELS:
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
    tokens = folded_word_spans(text)
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
                if nxt != _DATE_WORD:
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


def _garbled(value: str) -> bool:
    """A value OCR could not read (`?`, `@`, `~`): still the value of the label before it."""
    return any(not ch.isspace() and ch not in ":.=-,;" for ch in value)


def label_value_ok(label: Label, value: str, allow: frozenset[str]) -> bool:
    """Whether `value` can be the value of a `label` field: a PHI label masks its value whatever
    it reads as (`DOB: 1?/0?/19..`, `Name: J@hn D0e`, `Patient ID: ?`, `Name: Long`).

    The exceptions keep technical settings that share a label's spelling: a name or place needs
    a word of two or more letters (`DR: 60` is a dynamic range), an id or contact something not
    allowlisted.

    Args:
        label: what the label announces.
        value: the text after it.
        allow: the upper-cased allowlist.

    Returns:
        True when the value is worth masking.
    """
    tokens = WORD_PATTERN.findall(value.upper())
    if not tokens:
        return _garbled(value)
    if label in (Label.NAME, Label.INSTITUTION):
        return any(sum(ch.isalpha() for ch in t) >= 2 for t in tokens)
    if label in (Label.ID, Label.CONTACT, Label.PHI_OTHER):
        return any(t not in allow for t in tokens)
    return True
