"""Stage 6: paint out PHI regions in a frame's native dtype and value range.

Each box is first cut down to the rectangle around its ink where the ink is clear (a line of
large text to strips along it; `pixelsvc.ink`), then grows by a margin (never zero: OCR boxes
hug glyphs and anti-aliased edges leak), except that no margin reaches into the ink of a kept
clinical annotation beside it; boxes closer than `merge_distance` become one rectangle when
that rectangle covers little more than they do and crosses no kept annotation, and every
sample of each rectangle is set to the fill value.
Pixels outside the rectangles are not touched, so they stay bit-identical; a frame with
nothing to mask keeps its original array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pixelsvc.config import MaskConfig
from pixelsvc.ink import ink_rectangles
from pixelsvc.types import Frame, MaskedFrame, TextBox

__all__ = ["FrameMasker", "expand_and_merge", "fill_value"]


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


def _area(r: Sequence[float]) -> float:
    return max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])


def _intersects(a: Sequence[float], b: TextBox) -> bool:
    return a[0] < b.x1 and b.x0 < a[2] and a[1] < b.y1 and b.y0 < a[3]


def _grown(b: TextBox, margin: int, rows: int, cols: int, barriers: Sequence[TextBox]) -> list[float]:
    """`b` grown by `margin` on each side, clipped to the frame; a side's margin stops at the ink
    of kept text beside it (a barrier over `b` itself cuts nothing)."""
    x0, y0, x1, y1 = b.x0 - margin, b.y0 - margin, b.x1 + margin, b.y1 + margin
    for k in barriers:
        if _intersects((b.x0, b.y0, b.x1, b.y1), k):
            continue
        if k.x0 < b.x1 and b.x0 < k.x1:  # above or below
            if k.y1 <= b.y0:
                y0 = max(y0, k.y1)
            elif k.y0 >= b.y1:
                y1 = min(y1, k.y0)
        elif k.y0 < b.y1 and b.y0 < k.y1:  # left or right
            if k.x1 <= b.x0:
                x0 = max(x0, k.x1)
            elif k.x0 >= b.x1:
                x1 = min(x1, k.x0)
    return [max(0, x0), max(0, y0), min(cols, x1), min(rows, y1), b.score]


def expand_and_merge(boxes: Sequence[TextBox], margin: int, merge_distance: int, rows: int,
                     cols: int, barriers: Sequence[TextBox] = ()) -> list[TextBox]:
    """Grow boxes by `margin`, clip them to the frame and merge those within `merge_distance`
    whose bounding rectangle covers little more than they do.

    Each merged rectangle remembers the area its pieces cover, so a chain of small pieces (the
    strips of a tilted line, `pixelsvc.ink`) cannot grow, 25 % at a time, into a rectangle that
    is mostly tissue. `barriers` are the ink of text that stays (a clinical annotation between
    or beside PHI lines of a dense block): margins stop at them and no merge crosses them.
    """
    rects = [_grown(b, margin, rows, cols, barriers) for b in boxes]
    rects = [[*r, _area(r)] for r in rects if r[2] > r[0] and r[3] > r[1]]  # [x0, y0, x1, y1, score, covered]
    merged = True
    while merged:  # repeat until stable: a union can newly touch a third rectangle
        merged = False
        out: list[list[float]] = []
        for rect in rects:
            for kept in out:
                if not (rect[0] <= kept[2] + merge_distance and kept[0] <= rect[2] + merge_distance
                        and rect[1] <= kept[3] + merge_distance and kept[1] <= rect[3] + merge_distance):
                    continue
                inter = [max(rect[0], kept[0]), max(rect[1], kept[1]), min(rect[2], kept[2]), min(rect[3], kept[3])]
                covered = kept[5] + rect[5] - min(_area(inter), rect[5], kept[5])
                union = [min(kept[0], rect[0]), min(kept[1], rect[1]), max(kept[2], rect[2]), max(kept[3], rect[3])]
                if _area(union) > (1.0 + _MERGE_WASTE) * covered:
                    continue
                if any(_intersects(union, k) and not _intersects(rect, k) and not _intersects(kept, k)
                       for k in barriers):
                    continue
                kept[:4] = union
                kept[4], kept[5] = max(kept[4], rect[4]), min(covered, _area(union))
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

        `keep` are the boxes of text that stays (clinical annotations): masks' margins stop at
        their ink and masks do not merge across it, so `W:400 L:40` between two PHI lines of a
        dense block survives. The masked text's own ink is never cut.
        """
        rows, cols = frame.pixels.shape[:2]
        barriers: list[TextBox] = list(keep)
        if self.config.tighten_to_ink:
            boxes = [rect for box in boxes for rect in ink_rectangles(frame.pixels, box)]
            barriers = [rect for box in keep for rect in ink_rectangles(frame.pixels, box)] if boxes else []
        rects = expand_and_merge(boxes, self.config.margin, self.config.merge_distance, rows, cols, barriers)
        if not rects:
            return MaskedFrame(frame, frame.pixels, (), False)
        value = fill_value(frame, self.config.fill)
        pixels = frame.pixels.copy()
        for r in rects:
            pixels[r.y0:r.y1, r.x0:r.x1, ...] = value
        return MaskedFrame(frame, pixels, tuple(rects), True)
