"""Stage 6: paint out PHI regions in a frame's native dtype and value range.

Each box is first cut down to the rectangle around its ink where the ink is clear
(`pixelsvc.ink`), then grows by a margin (never zero: OCR boxes hug glyphs and anti-aliased
edges leak; towards the next line of a block, at most halfway to that line's ink); boxes
closer than `merge_distance` become one rectangle when that rectangle covers little more than
they do, and every sample of each rectangle is set to the fill value.
Pixels outside the rectangles are not touched, so they stay bit-identical; a frame with
nothing to mask keeps its original array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pixelsvc.config import MaskConfig
from pixelsvc.ink import ink_box, ink_rectangles
from pixelsvc.types import Frame, MaskedFrame, TextBox

__all__ = ["FrameMasker", "bridge_gaps", "clear_of_kept", "expand_and_merge", "fill_value"]


def fill_value(frame: Frame, fill: str | int) -> int | float:
    """The stored value to paint with.

    'darkest' is the value that displays darkest under the frame's photometric
    interpretation and pixel representation (the lowest representable value, or the
    highest for MONOCHROME1); 'brightest' is the opposite. Integers are used as given
    after a range check.
    """
    dtype = frame.pixels.dtype
    if np.issubdtype(dtype, np.floating):
        lo, hi = float(np.min(frame.pixels)), float(np.max(frame.pixels))
    else:
        bits = min(frame.bits_stored, np.iinfo(dtype).bits) if frame.bits_stored > 0 else np.iinfo(dtype).bits
        if np.issubdtype(dtype, np.signedinteger):
            lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        else:
            lo, hi = 0, (1 << bits) - 1
    if isinstance(fill, int) and not isinstance(fill, bool):
        if not lo <= fill <= hi:
            raise ValueError(f"mask fill value {fill} is outside the frame's range [{lo}, {hi}]")
        return fill
    darkest_is_high = frame.photometric == "MONOCHROME1"
    want_high = darkest_is_high if fill == "darkest" else not darkest_is_high
    return hi if want_high else lo


_MERGE_WASTE = 0.25
"""Two close rectangles become one only if their bounding rectangle adds at most this share of
their own area: pieces of one line merge, lines of different lengths stay apart (the rectangle
around them would black out the tissue beside the shorter line)."""


def _wasteful(a: list[float], b: list[float]) -> bool:
    def area(r: list[float]) -> float:
        return max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])
    inter = [max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])]
    covered = area(a) + area(b) - area(inter)
    union = (max(a[2], b[2]) - min(a[0], b[0])) * (max(a[3], b[3]) - min(a[1], b[1]))
    return union > (1.0 + _MERGE_WASTE) * covered


def bridge_gaps(rects: Sequence[TextBox], keep: Sequence[TextBox], line_gap: float,
                block_gap: float) -> list[TextBox]:
    """The gaps between masked pieces of one line, and between masked lines of one block, as rectangles.

    A detector can miss a word inside a PHI line (the first letters of an ID beside a label) or
    a whole small line between two PHI lines of a label block; painting each box tightly would
    leave that text. Two rectangles on one line (they share at least half the shorter one's
    rows) less than `line_gap` line heights apart get the gap between them, over their shared
    rows; two stacked rectangles (sharing at least half the narrower one's columns) less than
    `block_gap` line heights apart, and of about one height or close together (`_BLOCK_HEIGHTS`:
    the lines of a block share a font), get the rows between them, over their shared columns. A gap
    that reaches into the middle of a `keep` box (a read kept as a clinical annotation) is not
    bridged: that line has its own verdict. (Only the middle: a detector box reaches past its ink.)
    The masker paints only the ink it finds in a gap.
    """
    bridges: list[TextBox] = []
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            if _is_vertical(a) or _is_vertical(b) or max(a.height, b.height) > _LINE_HEIGHTS * min(a.height, b.height):
                continue  # a line beside a block or a large region, or turned text: not one block's lines
            for gap in (_line_bridge(a, b, line_gap), _block_bridge(a, b, block_gap)):
                if gap is not None and not any(_touches(gap, _core(k)) for k in keep):
                    bridges.append(gap)
    return bridges


_LINE_HEIGHTS = 2.0
"""Largest ratio of two rectangles' heights for them to be pieces or lines of one text block."""

_BLOCK_HEIGHTS = 1.3
"""Largest ratio of two stacked lines' heights for the rows between them to be bridged, unless
they are closer than `_BLOCK_TOUCH` line heights. The lines of a label block share a font; a
36 px `ID:` line over a 28 px one and a 13 px one are lines set apart over tissue, and painting
the rows between them blacked out anatomy (dev: 0.07 % of the non-text pixels, no PHI box lost)."""

_BLOCK_TOUCH = 0.5
"""Lines closer than this many (smaller) line heights are one block whatever their heights: a line
with descenders and one of capitals differ by a third, and a small line missed between two
close lines (`90 F` under an institution name) is bridged still."""


def _line_bridge(a: TextBox, b: TextBox, limit: float) -> TextBox | None:
    top, bottom = max(a.y0, b.y0), min(a.y1, b.y1)
    height = min(a.height, b.height)
    if bottom - top < 0.5 * height:
        return None
    left, right = (a, b) if a.x0 <= b.x0 else (b, a)
    if not 0 < right.x0 - left.x1 <= limit * height:
        return None
    return TextBox(left.x1, top, right.x0, bottom, min(a.score, b.score))


def _block_bridge(a: TextBox, b: TextBox, limit: float) -> TextBox | None:
    first, last = max(a.x0, b.x0), min(a.x1, b.x1)
    if last - first < 0.5 * min(a.width, b.width):
        return None
    upper, lower = (a, b) if a.y0 <= b.y0 else (b, a)
    gap, height = lower.y0 - upper.y1, min(a.height, b.height)
    if max(a.height, b.height) > _BLOCK_HEIGHTS * height and gap > _BLOCK_TOUCH * height:
        return None
    if not 0 < gap <= limit * height:
        return None
    return TextBox(first, upper.y1, last, lower.y0, min(a.score, b.score))


def clear_of_kept(rect: TextBox, box: TextBox, cores: Sequence[TextBox]) -> TextBox:
    """`rect` (the mask of a masked line's `box`) cut back where it reaches into the core of a
    read kept beside the line, above or below it or on its row.

    When a line's ink cannot be told from its background, the whole box is painted, and in a
    tight block that reaches into the next line (an annotation kept on its own verdict). The
    kept line's core (its middle half across the line) holds its glyphs; the masked line's own
    core is never given up: where the two cores meet, which glyphs are whose is unclear and
    `rect` stays as it is.
    """
    own = _core(box)
    x0, y0, x1, y1 = rect.x0, rect.y0, rect.x1, rect.y1
    for core in cores:
        if not _touches(rect, core) or _touches(own, core):
            continue
        if core.x0 < own.x1 and own.x0 < core.x1:  # stacked: above or below the masked line
            if core.y0 >= own.y1:
                y1 = min(y1, core.y0)
            elif core.y1 <= own.y0:
                y0 = max(y0, core.y1)
        elif core.x0 >= own.x1:  # on its row, after it
            x1 = min(x1, core.x0)
        elif core.x1 <= own.x0:
            x0 = max(x0, core.x1)
    if x1 <= x0 or y1 <= y0:  # all that was found lies in the kept line: paint it as it was found
        return rect
    return TextBox(x0, y0, x1, y1, rect.score)


def _is_vertical(box: TextBox) -> bool:
    return box.height >= 2 * max(1, box.width)


def _core(box: TextBox) -> TextBox:
    """The middle of a box across its line (its middle half): where its own ink surely lies."""
    if _is_vertical(box):
        quarter = box.width // 4
        return TextBox(box.x0 + quarter, box.y0, box.x1 - quarter, box.y1, box.score)
    quarter = box.height // 4
    return TextBox(box.x0, box.y0 + quarter, box.x1, box.y1 - quarter, box.score)


def _within(box: TextBox, outer: TextBox) -> TextBox:
    return TextBox(max(box.x0, outer.x0), max(box.y0, outer.y0), min(box.x1, outer.x1), min(box.y1, outer.y1),
                   box.score)


def _touches(a: TextBox, b: TextBox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _covers_new(a: list[float], b: list[float], cores: Sequence[TextBox]) -> bool:
    """Whether the rectangle around `a` and `b` reaches into a core that neither reaches."""
    def box(r: list[float]) -> TextBox:
        return TextBox(int(r[0]), int(r[1]), int(r[2]), int(r[3]))
    union = TextBox(int(min(a[0], b[0])), int(min(a[1], b[1])), int(max(a[2], b[2])), int(max(a[3], b[3])))
    return any(_touches(union, c) and not _touches(box(a), c) and not _touches(box(b), c) for c in cores)


def expand_and_merge(boxes: Sequence[TextBox], margin: int, merge_distance: int, rows: int,
                     cols: int, keep: Sequence[TextBox] = ()) -> list[TextBox]:
    """Grow boxes by `margin`, clip them to the frame and merge those within `merge_distance`
    whose bounding rectangle covers little more than they do and reaches into no `keep` box
    (a read kept as a clinical annotation) that neither of them reaches already."""
    cores = [_core(k) for k in keep]
    rects = [
        [max(0, b.x0 - margin), max(0, b.y0 - margin), min(cols, b.x1 + margin), min(rows, b.y1 + margin), b.score]
        for b in boxes
    ]
    rects = [r for r in rects if r[2] > r[0] and r[3] > r[1]]
    merged = True
    while merged:  # repeat until stable: a union can newly touch a third rectangle
        merged = False
        out: list[list[float]] = []
        for rect in rects:
            for kept in out:
                if (rect[0] <= kept[2] + merge_distance and kept[0] <= rect[2] + merge_distance
                        and rect[1] <= kept[3] + merge_distance and kept[1] <= rect[3] + merge_distance
                        and not _wasteful(rect, kept) and not _covers_new(rect, kept, cores)):
                    kept[0], kept[1] = min(kept[0], rect[0]), min(kept[1], rect[1])
                    kept[2], kept[3] = max(kept[2], rect[2]), max(kept[3], rect[3])
                    kept[4] = max(kept[4], rect[4])
                    merged = True
                    break
            else:
                out.append(list(rect))
        rects = out
    return [TextBox(int(r[0]), int(r[1]), int(r[2]), int(r[3]), float(r[4])) for r in rects]


class FrameMasker:
    """Masks the given boxes of a frame."""

    def __init__(self, config: MaskConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"FrameMasker({self.config!r})"

    def mask(self, frame: Frame, boxes: Sequence[TextBox], keep: Sequence[TextBox] = ()) -> MaskedFrame:
        """A MaskedFrame; `changed` is False (and pixels are the original array) when no box is given.

        `keep` are the boxes of reads kept as clinical annotations: gaps are not bridged and
        rectangles not merged over them.
        """
        rows, cols = frame.pixels.shape[:2]
        margin = self.config.margin
        if self.config.tighten_to_ink:  # the margin is added here, never into the next line's ink
            # a kept read inside a masked box (`2` read again inside `ed 2`) is part of that line
            cores = [_core(k) for k in keep if not any(k.mostly_inside(b) for b in boxes)]
            boxes = [clear_of_kept(rect, box, cores) for box in boxes
                     for rect in ink_rectangles(frame.pixels, box, margin)]
            margin = 0
        bridges = []
        if self.config.bridge_line_gap > 0 or self.config.bridge_block_gap > 0:
            gaps = bridge_gaps(boxes, keep, self.config.bridge_line_gap, self.config.bridge_block_gap)
            bridges = [_within(ink.grown(self.config.margin), gap) for gap in gaps
                       if (ink := ink_box(frame.pixels, gap)) is not None]  # an empty gap stays as it is
        rects = expand_and_merge(boxes, margin, self.config.merge_distance, rows, cols, keep)
        # painted as they are: merged with the lines, a bridge would grow their rectangles
        rects += expand_and_merge(bridges, 0, 0, rows, cols)
        if not rects:
            return MaskedFrame(frame, frame.pixels, (), False)
        value = fill_value(frame, self.config.fill)
        pixels = frame.pixels.copy()
        for r in rects:
            pixels[r.y0:r.y1, r.x0:r.x1, ...] = value
        return MaskedFrame(frame, pixels, tuple(rects), True)
