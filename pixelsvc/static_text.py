"""Masks of static burned-in text carried from frame to frame along a series.

A cine's overlay (name, date, address) sits at the same place on every frame, but each frame is
read on its own: over moving anatomy and per-frame noise one frame's box stops two glyphs short or
is not found at all, while the frame before masked the whole line. Where a line was masked as PHI
on an earlier frame and its region on this frame shows the same picture (the text is static
there), it is masked on this frame too. Text that changes between frames (a ticking clock) or is
not there (a name typed mid-loop) makes the region differ, and nothing is carried.

Carrying runs forward only, frame by frame in series order, so the engine (a whole series) and
the service (a stream answered in order) give the same masks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pixelsvc.ocr.boxes import box_iou
from pixelsvc.types import Frame, Label, TextBox, TextRead, Verdict

__all__ = ["RULE", "StaticText", "same_picture"]

RULE = "series.static_text"
"""The rule of a carried verdict (reports say why a region was masked)."""

_SAME_LINE_IOU = 0.8
"""Masked boxes of two frames at least this close are the same line."""

_MAX_LINES = 256
"""Lines remembered per series (the oldest are forgotten): memory stays bounded on long cines."""

@dataclass(frozen=True, slots=True)
class _Line:
    """A line masked as PHI on the latest frame that had it: its verdict and that frame's pixels there."""

    verdict: Verdict
    pixels: np.ndarray

    @property
    def box(self) -> TextBox:
        return self.verdict.read.mask_box


def _region(pixels: np.ndarray, box: TextBox) -> np.ndarray | None:
    """The grey pixels of `box` (clipped to the frame) as float32, or None when nothing is left."""
    rows, cols = pixels.shape[:2]
    x0, y0, x1, y1 = max(0, box.x0), max(0, box.y0), min(cols, box.x1), min(rows, box.y1)
    if x1 <= x0 or y1 <= y0:
        return None
    region = pixels[y0:y1, x0:x1].astype(np.float32)
    return region.mean(axis=2) if region.ndim == 3 else region


def same_picture(a: np.ndarray, b: np.ndarray, max_change: float) -> bool:
    """Whether two regions show the same picture up to brightness and contrast: the RMS difference
    of the two, each scaled to zero mean and unit deviation, is at most `max_change` (it is
    sqrt(2 - 2r) for their correlation r; 0.5 is r >= 0.875).

    Identical pixels give 0, the same text under another window or a little noise about 0.1, text
    on one of them only about 1. A flat region holds no text and never matches.
    """
    if a.shape != b.shape:
        return False
    spread_a, spread_b = float(a.std()), float(b.std())
    if spread_a == 0.0 or spread_b == 0.0:
        return False
    change = (a - a.mean()) / spread_a - (b - b.mean()) / spread_b
    return float(np.sqrt(np.mean(change**2))) <= max_change


class StaticText:
    """The PHI lines masked so far in one series; `carry` adds them to each next frame's verdicts.

    One object per series (the engine's `finish_series`, one service stream), fed its frames in order.
    """

    def __init__(self, max_change: float) -> None:
        self.max_change = max_change
        self._lines: list[_Line] = []

    def carry(self, frame: Frame, verdicts: Sequence[Verdict]) -> tuple[Verdict, ...]:
        """This frame's `verdicts` and a masked verdict for each remembered line it did not mask but
        shows unchanged; then this frame's PHI lines are remembered in place of the older ones at
        the same place.

        A line that lies mostly inside a read this frame kept as an annotation is not carried: a
        misread on one frame (`Ime 38038`, an ID shape) must not mask the annotation the other
        frames read well.
        """
        masked = [v for v in verdicts if v.mask and v.label.is_phi]
        kept = [v.read.box for v in verdicts if v.label is Label.SAFE]
        carried = []
        for line in self._lines:
            if any(box_iou(line.box, v.read.mask_box) >= _SAME_LINE_IOU for v in masked):
                continue
            if any(line.box.mostly_inside(box) for box in kept):
                continue  # this frame read the text there as an annotation (`Im: 38/138`, not `Ime 38038`)
            region = _region(frame.pixels, line.box)
            if region is not None and same_picture(line.pixels, region, self.max_change):
                carried.append(Verdict(TextRead(line.box, "", 0.0), line.verdict.label, True, RULE))
        for verdict in (*masked, *carried):
            self._remember(frame, verdict)
        return (*verdicts, *carried)

    def _remember(self, frame: Frame, verdict: Verdict) -> None:
        region = _region(frame.pixels, verdict.read.mask_box)
        if region is None:
            return
        self._lines = [ln for ln in self._lines if box_iou(ln.box, verdict.read.mask_box) < _SAME_LINE_IOU]
        self._lines.append(_Line(verdict, region))
        del self._lines[:-_MAX_LINES]
