"""The detector's box geometry: merging boxes of one line found twice, joining a turned line's pieces.

The detector owns every change to the set of boxes it returns (`pixelsvc.ocr.det`); this module
holds the two rules that combine boxes, so both stay small and testable on their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from pixelsvc.types import Detection, TextBox

__all__ = ["box_iou", "join_turned_pieces", "merge_boxes"]


def merge_boxes(boxes: list[TextBox], min_iou: float = 0.5) -> list[TextBox]:
    """Merge boxes that cover the same text (found on several views or tiles).

    Two boxes are merged when their intersection over union reaches `min_iou`; the merged
    box is their union, so nothing a view found is lost. A small box inside a large one is
    kept apart: the large one may be a spurious region, and reading the two together would
    garble the small line.
    """
    merged: list[TextBox] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        for i, kept in enumerate(merged):
            if box_iou(box, kept) >= min_iou:
                merged[i] = TextBox(min(box.x0, kept.x0), min(box.y0, kept.y0), max(box.x1, kept.x1),
                                    max(box.y1, kept.y1), max(box.score, kept.score))
                break
        else:
            merged.append(box)
    return sorted(merged, key=lambda b: (b.y0, b.x0))


def box_iou(a: TextBox, b: TextBox) -> float:
    """Intersection over union of two boxes."""
    inter = a.overlap(b)
    return inter / (a.area() + b.area() - inter) if inter else 0.0


_PIECE_OVERLAP = 0.7
"""Pieces of one turned line share at least this share of the narrower one's columns ..."""
_PIECE_WIDTHS = 1.5
"""... are at most this many times as wide as each other (one glyph height across) ..."""
_PIECE_GAP = 0.6
"""... and lie at most this many line widths apart along it (a space between words)."""
_LEVEL_PIECE = 1.25
"""... and none is a level word: wider than this many times its height (`62` of `Img 62` above a turned date) ..."""
_TURNED_WORD = 1.5
"""A chain is a turned line only if one piece is a word standing turned: this many times taller than wide ..."""
_TURNED_LINE = 3.0
"""... and the joined box is this many times taller than wide (two stacked glyphs are not a line)."""


def join_turned_pieces(detections: Sequence[Detection]) -> list[Detection]:
    """`detections` plus one box over each turned (90 degree) line the detector cut into pieces.

    The DB detector links the glyphs of a level line across word spaces, but a line printed
    along an image edge comes back as one box per word or glyph (`2015`, `DEC`, `8`, `1` for
    `18 DEC 2015`). Each piece alone reads as a bare number or word that is safe to keep, so the
    date is never seen. Pieces stacked in one column, of about the same width and close along
    it, none of them a level word and one a turned word, are joined into a line box read as a
    whole; the pieces keep their own boxes and reads (what the line box adds is only ever more
    to mask).
    """
    order = sorted((i for i, d in enumerate(detections) if d.box.width <= _LEVEL_PIECE * max(1, d.box.height)),
                   key=lambda i: (detections[i].box.y0, detections[i].box.x0))  # level words never join
    used: set[int] = set()
    joined: list[Detection] = []
    for first in order:
        if first in used:
            continue
        chain = [first]
        while (nxt := _next_piece(detections, chain, order, used)) is not None:
            chain.append(nxt)
        boxes = [detections[i].box for i in chain]
        line = TextBox(min(b.x0 for b in boxes), min(b.y0 for b in boxes), max(b.x1 for b in boxes),
                       max(b.y1 for b in boxes), max(b.score for b in boxes))
        if (len(chain) < 2 or line.height < _TURNED_LINE * max(1, line.width)
                or not any(b.height >= _TURNED_WORD * max(1, b.width) for b in boxes)):
            continue
        used.update(chain)
        tallest = max(chain, key=lambda i: detections[i].box.height)
        joined.append(Detection(line, detections[tallest].view))
    return [*detections, *joined]


def _next_piece(detections: Sequence[Detection], chain: list[int], order: list[int], used: set[int]) -> int | None:
    """The nearest box of `order` (no level words) below the chain's last piece that continues
    its column, or None."""
    last = detections[chain[-1]].box
    bottom = max(detections[i].box.y1 for i in chain)
    best, best_gap = None, None
    for j in order:
        if j in used or j in chain:
            continue
        box = detections[j].box
        if box.y1 <= bottom:
            continue
        narrow, wide = sorted((max(1, box.width), max(1, last.width)))
        if wide > _PIECE_WIDTHS * narrow:
            continue
        if min(box.x1, last.x1) - max(box.x0, last.x0) < _PIECE_OVERLAP * narrow:
            continue
        gap = box.y0 - bottom
        if gap > _PIECE_GAP * wide:
            continue
        if best_gap is None or gap < best_gap:
            best, best_gap = j, gap
    return best
