"""Layout rules: what the reads around a read on one frame say about it.

Each read is classified on its own text first (`pixelsvc.phi.classify`); these rules then look
at its neighbours on the frame, in this order:

1. rows: the value right of a bare label (`Name:` `Long`) takes the label; a bare `hh:mm`
   beside a date is a time;
2. overlaps: a read covering the same text as a PHI read (another rendering of one line,
   misread) is PHI too;
3. fragments: a one- or two-glyph read (`M`, `00`, `72)`) right beside a PHI read along its
   line is a piece of that line the detector cut off, whatever it reads as; so is a bare
   number (`675`, `2016`) on a PHI read's row, within `layout_gap` line heights, or stacked
   right over or under a PHI line of a block (`6`, all that was read of `Bed 6`); a one- or
   two-glyph read beside a masked line of unknown text is masked with it (`K.` + `Bergstrom`);
4. confident safe: an unknown read of the same pixels as a confidently read clinical
   annotation is that annotation.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pixelsvc.phi import labels
from pixelsvc.phi.normalise import alnum_count
from pixelsvc.types import Label, TextBox, TextRead

if TYPE_CHECKING:  # config imports the lexicon from this package: no import cycle at run time
    from pixelsvc.config import PhiConfig

__all__ = ["Outcome", "apply_layout"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The text-only part of a verdict, cached per read text (holds no text itself)."""

    label: Label
    rule: str
    pending: labels.LabelHit | None = None
    """A label with no value on this read (`Name:`): its value may be the next read on the row."""
    bare_time: bool = False
    """An `hh:mm` that is a time of day only when a date is beside it."""
    piece: bool = False
    """A glyph or two cut off a line masked as unknown text (`K.` beside `Bergstrom`): masked with
    that line however short it reads."""


_ROW_HEIGHTS = 2.0
"""Largest ratio of two reads' heights for them to be on one text line (a huge junk box around
a small line is not the same text)."""

_OVERLAP_SHARE = 0.5
"""Share of the smaller box two reads must have in common to be readings of the same text."""

_STACK_GAP = 0.25
"""Largest vertical gap, in box heights, between two stacked lines of one block."""

_SAME_TEXT_HEIGHT = 0.7
"""Share of the smaller height two reads of the same text have in common vertically. Boxes of
neighbouring lines of a tight block overlap by about half a line (DB boxes are grown past the
ink); two renderings of one line, or a piece of it, share most of their height."""


def apply_layout(reads: Sequence[TextRead], outcomes: list[Outcome], config: PhiConfig) -> None:
    """Update `outcomes` (one per read, in order) from the reads' neighbours, in place."""
    _pair_rows(reads, outcomes, config.layout_gap)
    _spread_overlaps(reads, outcomes)
    _join_fragments(reads, outcomes, config.fragment_aspect, config.fragment_gap, config.layout_gap,
                    config.unknown_min_chars)
    _prefer_confident_safe(reads, outcomes, config.overlap_safe_confidence)


def _same_row(a: TextBox, b: TextBox) -> bool:
    """Similar heights and at least half the smaller height in common vertically."""
    if a.height <= 0 or b.height <= 0 or max(a.height, b.height) > _ROW_HEIGHTS * min(a.height, b.height):
        return False
    return min(a.y1, b.y1) - max(a.y0, b.y0) >= 0.5 * min(a.height, b.height)


def _turned(box: TextBox) -> TextBox:
    """`box` with its axes swapped: a vertical line becomes a level one (for `_same_row`)."""
    return TextBox(box.y0, box.x0, box.y1, box.x1, box.score)


def _same_text(a: TextBox, b: TextBox, *, inside: bool = False) -> bool:
    """On one row and mostly covering each other: two renderings' boxes of one line.

    By default either box may be the one lying mostly inside the other (a fragment of a PHI
    line is PHI); with `inside`, `a` must lie mostly inside `b` (a safe fragment does not make
    the line around it safe).
    """
    if not _same_row(a, b):
        return False
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    if height < _SAME_TEXT_HEIGHT * min(a.height, b.height):
        return False
    area = a.area() if inside else min(a.area(), b.area())
    return width > 0 and width * height >= _OVERLAP_SHARE * area


class _Rows:
    """Read indices sorted by top edge, to visit only the reads that can share a box's row."""

    def __init__(self, reads: Sequence[TextRead], indices: Sequence[int]) -> None:
        self._items = sorted(indices, key=lambda i: reads[i].box.y0)
        self._tops = [reads[i].box.y0 for i in self._items]

    def near(self, box: TextBox) -> list[int]:
        # a read on the row is at most _ROW_HEIGHTS times as tall and overlaps vertically
        lo = bisect.bisect_left(self._tops, box.y0 - _ROW_HEIGHTS * box.height)
        hi = bisect.bisect_left(self._tops, box.y1)
        return self._items[lo:hi]


def _pair_rows(reads: Sequence[TextRead], outcomes: list[Outcome], gap: float) -> None:
    """A bare time beside a date is a time of day; the value right of a bare label takes its label."""
    dates = [i for i, o in enumerate(outcomes) if o.label is Label.DATE]
    if dates:
        rows = _Rows(reads, dates)
        for i, outcome in enumerate(outcomes):
            if not outcome.bare_time or outcome.label.is_phi:
                continue
            box = reads[i].box
            for j in rows.near(box):
                other = reads[j].box
                height = max(box.height, other.height)
                if _same_row(box, other) and max(other.x0 - box.x1, box.x0 - other.x1) <= gap * height:
                    outcomes[i] = Outcome(Label.TIME, "pattern.time")
                    break
    pending = [i for i, o in enumerate(outcomes) if o.pending is not None]
    if not pending:
        return
    rows = _Rows(reads, range(len(reads)))
    for i in pending:
        box = reads[i].box
        best, best_gap = None, None
        for j in rows.near(box):
            if j == i or outcomes[j].label.is_phi or outcomes[j].pending is not None:
                continue
            other = reads[j].box
            height = max(box.height, other.height)
            dx = other.x0 - box.x1
            if not _same_row(box, other) or dx < -0.5 * height or dx > gap * height:
                continue
            if best_gap is None or dx < best_gap:
                best, best_gap = j, dx
        hit = outcomes[i].pending
        # the value beside a bare label is PHI whatever it reads as (a surname may be `Long`)
        if best is not None and hit is not None and labels.label_value_ok(hit.label, reads[best].text or "",
                                                                         frozenset()):
            outcomes[best] = Outcome(hit.label, f"label.{hit.name}")


def _spread_overlaps(reads: Sequence[TextRead], outcomes: list[Outcome]) -> None:
    """A read that mostly covers the same text as a PHI read is PHI too, whatever it says:
    the renderings of one line give overlapping boxes, and one of them may be misread."""
    phi = [i for i, o in enumerate(outcomes) if o.label.is_phi]
    if not phi:
        return
    rows = _Rows(reads, phi)
    for i, outcome in enumerate(outcomes):
        if outcome.label.is_phi:
            continue
        box = reads[i].box
        for j in rows.near(box):
            if outcomes[j].rule != "layout.overlap" and _same_text(box, reads[j].box):
                outcomes[i] = Outcome(outcomes[j].label, "layout.overlap")
                break


def _is_fragment(box: TextBox, aspect: float) -> bool:
    """No longer than `aspect` times its thickness: one or two glyphs."""
    return min(box.width, box.height) > 0 and max(box.width, box.height) <= aspect * min(box.width, box.height)


def _continues(piece: TextBox, line: TextBox, gap: float) -> bool:
    """`piece` lies along `line` (horizontal or vertical), at most `gap` line thicknesses from it."""
    if line.height > 2 * line.width:
        piece, line = _turned(piece), _turned(line)
    elif line.width < line.height:
        return False  # about square: which way is the line?
    gap_along = max(line.x0 - piece.x1, piece.x0 - line.x1)
    return _same_row(piece, line) and gap_along <= gap * max(piece.height, line.height)


def _stacked(piece: TextBox, line: TextBox) -> bool:
    """`piece` is the line just above or below level `line` in a block: similar heights, most of
    its width under or over the line, and boxes touching (DB boxes of a block's lines overlap)."""
    if line.height > line.width or max(piece.height, line.height) > _ROW_HEIGHTS * min(piece.height, line.height):
        return False
    width = min(piece.x1, line.x1) - max(piece.x0, line.x0)
    gap = max(line.y0 - piece.y1, piece.y0 - line.y1)
    return width >= 0.5 * piece.width and gap <= _STACK_GAP * min(piece.height, line.height)


def _bare_number(text: str) -> bool:
    """Digits and separators only (`675`, `(412)`, `138-2`): no letter, no unit, no label."""
    return any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text)


def _join_fragments(reads: Sequence[TextRead], outcomes: list[Outcome], aspect: float, gap: float,
                    number_gap: float, unknown_min_chars: int) -> None:
    """A one- or two-glyph read right beside a PHI read along its line is part of that line; so is
    a bare number on its row, at most `number_gap` line heights away, or on the block line just
    above or below it (`_stacked`). A one- or two-glyph read beside a line of unknown text that is
    masked (`unknown_min_chars` letters or digits) is masked with it (`Outcome.piece`): the
    initial of a name the classifier could not place (`K.` + `Bergstrom`) is no annotation.

    The detector cuts the end off a line now and then (`MERCY UNIVERSITY HOSPITA` + `L`, `Age`
    + `0 M`); read alone, the piece may be an allowlisted word (`M`, `L`) or digits that say
    nothing, and it would stay. On the dev benchmark such pieces were a third of the PHI boxes
    left partly unmasked under a PHI read; lone clinical marks sit apart from PHI lines. A
    number with no unit or label (`675` after `ID: 0595`) is a clinical value only where a
    label or unit says so; beside PHI on its row it is that PHI's value or the rest of it.
    """
    if aspect <= 0:
        return
    phi = [i for i, o in enumerate(outcomes) if o.label.is_phi]
    unknown = [i for i, (r, o) in enumerate(zip(reads, outcomes, strict=True))
               if o.label is Label.UNKNOWN and alnum_count(r.text or "") >= unknown_min_chars]
    if not phi and not unknown:
        return
    safe = [i for i, (r, o) in enumerate(zip(reads, outcomes, strict=True))
            if o.label is Label.SAFE and not _bare_number(r.text or "")]
    joined: list[tuple[int, Outcome]] = []
    for i, outcome in enumerate(outcomes):
        box = reads[i].box
        if outcome.label.is_phi or outcome.rule == "empty":
            continue
        if any(box.mostly_inside(reads[s].box) for s in safe if s != i):
            continue  # a piece inside a kept annotation's box (`20` of `Depth 20 cm`) is that annotation's
        fragment = _is_fragment(box, aspect)
        reach = gap if fragment else 0.0
        bare = _bare_number(reads[i].text or "")
        if bare:
            reach = max(reach, number_gap)
        if reach <= 0:
            continue
        for j in phi:
            if _continues(box, reads[j].box, reach) or (bare and _stacked(box, reads[j].box)):
                joined.append((i, Outcome(outcomes[j].label, "layout.fragment")))
                break
        else:
            if outcome.label is not Label.SAFE and fragment and any(
                    j != i and _continues(box, reads[j].box, gap) for j in unknown):
                joined.append((i, Outcome(Label.UNKNOWN, "layout.fragment", piece=True)))
    for i, outcome in joined:  # pieces are joined to PHI and masked lines, never to other pieces
        outcomes[i] = outcome


def _prefer_confident_safe(reads: Sequence[TextRead], outcomes: list[Outcome], least: float) -> None:
    """An unknown reading of the same pixels as a confidently read clinical annotation (`EAI`
    over `HEAD` in another rendering) is that annotation. PHI overlaps were spread first, so a
    safe read left here shares its pixels with no PHI read."""
    safe = [i for i, o in enumerate(outcomes) if o.label is Label.SAFE and reads[i].confidence >= least]
    if not safe:
        return
    rows = _Rows(reads, safe)
    for i, outcome in enumerate(outcomes):
        if outcome.label is not Label.UNKNOWN or outcome.rule == "empty":
            continue
        box, confidence = reads[i].box, reads[i].confidence
        for j in rows.near(box):
            if reads[j].confidence >= confidence and _same_text(box, reads[j].box, inside=True):
                outcomes[i] = Outcome(Label.SAFE, "layout.overlap")
                break
