"""Decide which recognised text lines are PHI.

A read is one text line; if any part of it is PHI the whole read is. The order of the checks
is: header values of the series (names, ids, dates, times, ages, institutions, other), then
patterns that need no header (contact details, dates, times, ages and sex, ids), then PHI labels
with a value (`Name: ...`), then person-name shapes, institution and location words, then the
strict allowlist grammar of clinical annotations. An unknown line the recogniser found nearly as
likely to read as an annotation (`LSFT` as `LEFT`) is that annotation (`pixelsvc.phi.readings`).
What is left is unknown text, which the default policy masks too (fail closed): only text that is
confidently a clinical annotation stays.
Then the reads around each one on its frame may change its verdict (`pixelsvc.phi.layout`).

Header values are compiled once per `PhiContext` into lookup tables and kept in a small LRU,
and verdicts are remembered per read text, because the same overlay repeats on every frame.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from pixelsvc.phi import dates, labels, lexicon, names, normalise, patterns, readings, safe_text, variants
from pixelsvc.phi.header_index import (
    FAMILIES,
    INSTITUTIONS,
    MIN_LONG_ID,
    NAMES,
    NOT_ALNUM,
    OTHER,
    IdIndex,
    ReadForms,
    WordIndex,
)
from pixelsvc.phi.layout import Outcome, apply_layout
from pixelsvc.types import Label, PhiContext, Policy, TextRead, Verdict

if TYPE_CHECKING:  # config imports the lexicon from this package: no import cycle at run time
    from pixelsvc.config import PhiConfig

__all__ = ["PhiClassifier"]

_MAX_CONTEXTS = 32
"""Compiled header contexts kept (one per series in flight is plenty)."""


_EMPTY = Outcome(Label.UNKNOWN, "empty")
_NONE = Outcome(Label.UNKNOWN, "none")
_SAFE = Outcome(Label.SAFE, "allowlist")
_MISREAD = Outcome(Label.SAFE, "allowlist.misread")


class _Compiled:
    """One header context compiled for matching, with the verdicts of texts already seen."""

    def __init__(self, context: PhiContext, config: PhiConfig, allow: frozenset[str]) -> None:
        self._config = config
        self._allow = allow
        cutoff = config.fuzzy_threshold * 100.0
        self._cache: dict[str, Outcome] = {}
        self.words = WordIndex(allow, cutoff)
        self.ids = IdIndex(cutoff, config.min_match_length, allow)
        self.dates: set[tuple[int, int, int]] = set()
        self.date_digits: set[str] = set()
        self.date_digits8: list[str] = []
        self.times: set[tuple[int, int, int | None]] = set()
        self.time_digits: set[str] = set()
        self.ages: set[tuple[int, str]] = set()
        self.initials: set[str] = set()
        self._cutoff = cutoff
        for value in context.names:
            self._add_name(value)
        for value in context.ids:
            self.ids.add(value, Label.ID)
        for value in context.dates:
            self._add_date(value)
        for value in context.times:
            self._add_time(value)
        for value in context.dates:
            self._add_time(value, from_datetime=True)
        for value in context.ages:
            parsed = variants.parse_as(value)
            if parsed is not None:
                self.ages.add(parsed)
        for value in context.institutions:
            self._add_place(value, INSTITUTIONS)
        for value in context.other:
            self._add_place(value, OTHER)
        self.words.freeze()
        self.date_digits8 = sorted(d for d in self.date_digits if len(d) == 8)
        self.empty = not (self.words or self.ids or self.dates or self.times or self.ages or self.initials)

    # --- building -------------------------------------------------------------------

    def _eligible_length(self, word: str) -> bool:
        return (len(word) >= self._config.min_match_length and word not in lexicon.NAME_TITLES
                and word not in lexicon.COMMON_WORDS)

    def _eligible(self, word: str) -> bool:
        return (len(word) >= self._config.min_match_length and word not in self._allow
                and word not in lexicon.NAME_TITLES and word not in lexicon.COMMON_WORDS)

    def _add_name(self, value: str) -> None:
        for name in names.split_person_name(value):
            for word in (*name.family, *name.given, *name.middle):
                if word.isalpha() and self._eligible(word):
                    self.words.add_single(word, NAMES)
                elif word.isalpha() and word in self._allow and self._eligible_length(word):
                    # a surname that is also a clinical word (LONG, HEAD, RAO): shown alone it
                    # is still the name, but only its exact spelling counts
                    self.words.add_single(word, NAMES, exact_only=True)
        for variant in variants.name_variants(value):
            self.words.add_sequence(normalise.word_tokens(variant), NAMES)
        for name in names.split_person_name(value):
            # `JMD` for John M. Doe: only as a whole read, since initials may spell a setting (`MAS`)
            if name.given and name.family:
                letters = [t[0] for t in (*name.given, *name.middle, *name.family)]
                if len(letters) >= 3:
                    self.initials.add("".join(letters))
    def _add_place(self, value: str, kind: int) -> None:
        tokens = normalise.word_tokens(value)
        for word in tokens:
            if word.isdigit():
                if len(word) >= 5:
                    self.words.add_single(word, kind)
            elif self._eligible(word) and word not in lexicon.GENERIC_PLACE_WORDS:
                self.words.add_single(word, kind)
        self.words.add_sequence(tokens, kind)
        self.words.add_sequence([t for t in tokens if t not in lexicon.COMMON_WORDS], kind)
        for digits in normalise.numeric_chunks(value.upper()):  # phone numbers, postal codes
            if len(digits) >= MIN_LONG_ID:
                self.ids.add(digits, FAMILIES[kind][1])

    def _add_date(self, value: str) -> None:
        ymd = variants.parse_da(value)
        if ymd is None:
            return
        self.dates.add(ymd)
        for variant in variants.date_variants(value):
            if not any(ch.isalpha() for ch in variant):
                digits = re.sub(r"\D", "", variant)
                if len(digits) >= 6:
                    self.date_digits.add(digits)

    def _add_time(self, value: str, from_datetime: bool = False) -> None:
        if from_datetime and not re.match(r"\s*\d{12}", value):
            return  # a DA value, or a DT without a time: `20010101` is not 20:01:01
        hms = variants.parse_tm(value)
        if hms is None:
            return
        self.times.add(hms)
        if hms[2] is not None:
            self.time_digits.add(f"{hms[0]:02d}{hms[1]:02d}{hms[2]:02d}")

    # --- matching -------------------------------------------------------------------

    def outcome(self, text: str) -> Outcome:
        """The cached outcome for a read text."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        result = self._decide(text)
        size = self._config.text_cache_size
        if size:
            if len(self._cache) >= size:
                self._cache.clear()
            self._cache[text] = result
        return result

    def _decide(self, text: str) -> Outcome:
        if not any(ch.isalnum() for ch in text):
            return _EMPTY
        numbers = _Numbers(text) if any(ch.isdigit() for ch in text) else None
        if not self.empty:
            found = self._header(text, numbers)
            if found is not None:
                return found
        return self._patterns(text, numbers)

    def _header(self, text: str, numbers: _Numbers | None) -> Outcome | None:
        if self.initials and NOT_ALNUM.sub("", text.upper()) in self.initials:
            return Outcome(Label.NAME, "header.names~exact")
        if self.words:
            forms = ReadForms.of(text)
            hit = self.words.match(forms) if forms.raw else None
            if hit is not None:
                kind, how = hit
                family, label = FAMILIES[kind]
                return Outcome(label, f"header.{family}~{how}")
        if self.ids:
            found = self.ids.match(text)
            if found is not None:
                label, how = found
                family = {Label.ID: "ids", Label.INSTITUTION: "institutions"}.get(label, "other")
                return Outcome(label, f"header.{family}~{how}")
        if numbers is not None:
            return self._header_numeric(numbers)
        return None

    def _header_numeric(self, numbers: _Numbers) -> Outcome | None:
        if self.dates:
            if any(hit.same_day(ymd) for hit in numbers.dates for ymd in self.dates):
                return Outcome(Label.DATE, "header.dates")
            chunks = numbers.chunks
            if any(d in chunk for chunk in chunks if len(chunk) >= 6 for d in self.date_digits):
                return Outcome(Label.DATE, "header.dates")
            for chunk in chunks:
                if len(chunk) >= 7 and any(
                    fuzz.partial_ratio(d, chunk, score_cutoff=self._cutoff) for d in self.date_digits8
                ):
                    return Outcome(Label.DATE, "header.dates~fuzzy")
        if self.times:
            if any(hit.same_time(hms) for hit in numbers.times for hms in self.times):
                return Outcome(Label.TIME, "header.times")
            if self.time_digits and any(c in self.time_digits for c in numbers.chunks):
                return Outcome(Label.TIME, "header.times")
        if self.ages and any((hit.value, hit.unit) in self.ages for hit in numbers.ages):
            return Outcome(Label.AGE, "header.ages")
        return None

    def _patterns(self, text: str, numbers: _Numbers | None) -> Outcome:
        config, allow = self._config, self._allow
        if patterns.has_contact(numbers.view if numbers is not None else text.upper(), allow):
            return Outcome(Label.CONTACT, "pattern.contact")
        bare_time = False
        if numbers is not None:
            if numbers.dates:
                return Outcome(Label.DATE, "pattern.date")
            if " " in numbers.view and dates.find_dates("".join(numbers.view.split())):
                return Outcome(Label.DATE, "pattern.date")  # OCR put spaces inside the date
            if any(t.strong for t in numbers.times) or dates.is_clock_time(numbers.view):
                return Outcome(Label.TIME, "pattern.time")
            bare_time = bool(numbers.times)
            if any(a.explicit for a in numbers.ages):
                return Outcome(Label.AGE, "pattern.age")
            if patterns.has_demographics(text):
                return Outcome(Label.AGE, "pattern.age_sex")
            # ids on the text as read: folding `S2000` into `52000` would make model names ids
            if patterns.has_id_shape(text.upper(), config.min_id_digits, config.min_alnum_id_length,
                                  config.min_alnum_id_digits, allow):
                return Outcome(Label.ID, "pattern.id")
            suspicious = _suspicious_numbers(text, numbers)
            if suspicious is not None:
                return suspicious
        label_hit = labels.find_label(text, allow)
        if label_hit is not None and label_hit.value.strip():
            return Outcome(label_hit.label, f"label.{label_hit.name}")
        if names.has_name_shape(text, allow):
            return Outcome(Label.NAME, "pattern.name_shape")
        if config.name_heuristic and names.looks_like_person(text, allow):
            return Outcome(Label.NAME, "pattern.name_like")
        if numbers is None and patterns.has_demographics(text):
            return Outcome(Label.AGE, "pattern.age_sex")  # `Sex: F`
        raw, folded = normalise.word_forms(text)
        if patterns.has_institution_word(folded):
            return Outcome(Label.INSTITUTION, "pattern.institution")
        if numbers is not None and patterns.has_location(folded, raw):
            return Outcome(Label.PHI_OTHER, "pattern.location")
        if label_hit is not None:
            return Outcome(Label.UNKNOWN, "none", pending=label_hit)
        if safe_text.is_safe_text(text, allow):
            return Outcome(Label.SAFE, "allowlist", bare_time=True) if bare_time else _SAFE
        return Outcome(Label.UNKNOWN, "none", bare_time=True) if bare_time else _NONE


def _suspicious_numbers(text: str, numbers: _Numbers) -> Outcome | None:
    """A date, time or age in the harder reading of a line's digits (`B:44PM`, `O2OY`, `4 7F`),
    where OCR slips hid it from the plain numeric view."""
    view = normalise.suspicious_numeric_view(text)
    if view == numbers.view:
        return None
    second = _Numbers(view)
    if second.dates:
        return Outcome(Label.DATE, "pattern.date~suspicious")
    if any(t.strong for t in second.times) or dates.is_clock_time(view):
        return Outcome(Label.TIME, "pattern.time~suspicious")
    if any(a.explicit for a in second.ages) or patterns.has_demographics(view):
        return Outcome(Label.AGE, "pattern.age~suspicious")
    return None


class _Numbers:
    """The numeric view of a read and the dates, times and ages in it, each found at most once."""

    __slots__ = ("_ages", "_chunks", "_dates", "_times", "view")

    def __init__(self, text: str) -> None:
        self.view = normalise.numeric_view(text)
        self._dates: list[dates.DateHit] | None = None
        self._times: list[dates.TimeHit] | None = None
        self._ages: list[patterns.AgeHit] | None = None
        self._chunks: list[str] | None = None

    @property
    def dates(self) -> list[dates.DateHit]:
        if self._dates is None:
            self._dates = dates.find_dates(self.view)
        return self._dates

    @property
    def times(self) -> list[dates.TimeHit]:
        if self._times is None:
            self._times = dates.find_times(self.view)
        return self._times

    @property
    def ages(self) -> list[patterns.AgeHit]:
        if self._ages is None:
            self._ages = patterns.find_ages(self.view)
        return self._ages

    @property
    def chunks(self) -> list[str]:
        if self._chunks is None:
            self._chunks = normalise.numeric_chunks(self.view)
        return self._chunks


def _mask(policy: Policy, label: Label, characters: int, unknown_min_chars: int, piece: bool = False) -> bool:
    """The default policy fails closed: PHI and every line not confidently a clinical annotation
    is masked; a read with no letters or digits (scale bars, dashes) and a lone glyph of unknown
    text are kept, unless the glyph is a `piece` of a masked line. `all-text` masks every read
    with a letter or digit."""
    if policy is Policy.PHI:
        return label.is_phi or (label is Label.UNKNOWN and (characters >= unknown_min_chars or
                                                            (piece and characters > 0)))
    if policy is Policy.ALL_TEXT:
        return characters > 0
    return False


class PhiClassifier:
    """Labels recognised text lines as PHI or not and decides, per policy, which to mask.

    Thread-safe; compiled header contexts and per-text verdicts are cached in memory.

    Args:
        config: thresholds and the allowlist.
    """

    def __init__(self, config: PhiConfig) -> None:
        self.config = config
        self._allow = frozenset(" ".join(word.upper().split()) for word in config.allowlist)
        self._lock = threading.Lock()
        self._compiled: OrderedDict[PhiContext, _Compiled] = OrderedDict()
        self._last: tuple[PhiContext, _Compiled] | None = None

    def __repr__(self) -> str:
        return (f"PhiClassifier(allowlist={len(self._allow)} words, fuzzy_threshold={self.config.fuzzy_threshold}, "
                f"min_id_digits={self.config.min_id_digits})")

    def classify(self, reads: Sequence[TextRead], context: PhiContext, policy: Policy) -> list[Verdict]:
        """One verdict per read, in order.

        Args:
            reads: the text lines recognised in one frame (neighbours on a row inform each other).
            context: header values of the series (may be empty: headers are often scrubbed).
            policy: what gets masked; labels are the same under every policy.

        Returns:
            The verdicts; `Verdict.rule` names the rule that fired and never contains text.
        """
        policy = Policy(policy)
        compiled = self._compile(context if context is not None else PhiContext())
        outcomes = [compiled.outcome(read.text or "") for read in reads]
        self._respell_misreads(reads, outcomes, compiled)
        if self.config.use_layout and len(reads) > 1:
            apply_layout(reads, outcomes, self.config)
        self._fail_closed_on_unreadable(reads, outcomes)
        least = self.config.unknown_min_chars
        return [
            Verdict(read, outcome.label,
                    _mask(policy, outcome.label, normalise.alnum_count(read.text or ""), least, outcome.piece),
                    outcome.rule)
            for read, outcome in zip(reads, outcomes, strict=True)
        ]

    def _respell_misreads(self, reads: Sequence[TextRead], outcomes: list[Outcome], compiled: _Compiled) -> None:
        """An unknown line that the recogniser found nearly as likely to read as a clinical
        annotation is that annotation, misread (`pixelsvc.phi.readings`). Only lines no rule took
        for PHI, read with `safe_min_confidence`, whose whole respelled line classifies as safe."""
        ratio = self.config.misread_likelihood
        if ratio <= 0:
            return
        for i, (read, outcome) in enumerate(zip(reads, outcomes, strict=True)):
            if (outcome is not _NONE or read.lattice is None or not read.text
                    or read.confidence < self.config.safe_min_confidence):
                continue
            if readings.annotation_spelling(read.text, read.lattice, self._allow, ratio,
                                            lambda line: compiled.outcome(line) is _SAFE):
                outcomes[i] = _MISREAD

    def _fail_closed_on_unreadable(self, reads: Sequence[TextRead], outcomes: list[Outcome]) -> None:
        """A line the recogniser could not read reliably may be PHI: treat it as PHI.

        Small or degraded text is read as garbage with a low confidence (``BON::ETAAOAT``
        for an accession number); no rule can match it, so only its confidence says that
        something unread is there. A garbled read can also look like an annotation (a bare
        number, a unit): below `safe_min_confidence` a safe read is unknown text, never kept
        on its own reading (a read kept because it repeats a confident annotation's pixels,
        `layout.overlap`, stays). Short reads (stray glyphs, marks) are left alone.
        """
        threshold = self.config.unreadable_confidence
        least_safe = self.config.safe_min_confidence
        for i, (read, outcome) in enumerate(zip(reads, outcomes, strict=True)):
            if outcome.label is Label.SAFE and outcome.rule != "layout.overlap" and read.confidence < least_safe:
                outcome = outcomes[i] = Outcome(Label.UNKNOWN, "low_confidence")
            if outcome.label is not Label.UNKNOWN or read.confidence >= threshold:
                continue
            if normalise.alnum_count(read.text or "") >= self.config.unreadable_min_chars:
                outcomes[i] = Outcome(Label.PHI_OTHER, "low_confidence")

    def _compile(self, context: PhiContext) -> _Compiled:
        last = self._last
        if last is not None and last[0] is context:  # the same series, frame after frame
            return last[1]
        compiled = self._lookup(context)
        self._last = (context, compiled)
        return compiled

    def _lookup(self, context: PhiContext) -> _Compiled:
        with self._lock:
            compiled = self._compiled.get(context)
            if compiled is not None:
                self._compiled.move_to_end(context)
                return compiled
        compiled = _Compiled(context, self.config, self._allow)
        with self._lock:
            self._compiled[context] = compiled
            while len(self._compiled) > _MAX_CONTEXTS:
                self._compiled.popitem(last=False)
        return compiled
