"""Where the detector's fine pass looks again: windows around small-text ink no box covers.

Detecting a whole view a second time at twice the scale finds small, faint lines the first
pass misses (5-8 px glyphs, radiographs shrunk to fit), but costs about 2.7 times the first
pass's detector pixels. Those lines are not hidden in the view, only too small for the
detector at the first scale: their strokes answer a small top-hat / black-hat filter more
strongly than 99.5 % of the view outside the first pass's boxes does. So the view is cut into
square cells; a cell holds candidate ink when a plausible share of its pixels (not all, not
almost none) answers above that level and lies outside every first-pass box; the candidate
cells, grown by one cell so a line's ends and neighbours are in, are joined into windows, and
only those are rescanned.

On the second dev sample the windows were 13 % of the frame area and held 18 of the 20 PHI
strings the whole-view fine pass added there (bench/RESULTS.md). Text whose ink answers no
more than the texture around it (speckle, trabecular bone) is not singled out:
`DetConfig.fine_everywhere` rescans whole views instead (more recall, 2.8x the CPU), e.g. on
a GPU.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from pixelsvc.config import DetConfig
from pixelsvc.types import TextBox

__all__ = ["fine_windows"]

_SAMPLE_STEP = 4
"""The response level is a percentile of every fourth pixel of every fourth row."""


def ink_response(grey: np.ndarray, kernel: int) -> np.ndarray:
    """Bright-on-dark and dark-on-bright detail narrower than `kernel` pixels (uint8)."""
    element = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel, kernel))
    return np.maximum(cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, element),
                      cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, element))


def fine_windows(grey: np.ndarray, covered: Sequence[TextBox], cfg: DetConfig) -> list[tuple[int, int, int, int]]:
    """Source-pixel windows (x0, y0, x1, y1) of a view worth detecting again at the fine scale.

    `grey` is the view (uint8, rows x cols); `covered` are the first-pass line boxes of any
    view of the frame (the detector leaves out blobs thicker than a line): ink inside them is
    already detected.
    """
    rows, cols = grey.shape
    response = ink_response(np.ascontiguousarray(grey), cfg.fine_kernel)
    free = np.ones((rows, cols), bool)
    for box in covered:
        free[box.y0:box.y1, box.x0:box.x1] = False
    sample = response[::_SAMPLE_STEP, ::_SAMPLE_STEP][free[::_SAMPLE_STEP, ::_SAMPLE_STEP]]
    if sample.size == 0:
        return []
    level = max(float(cfg.fine_min_response), float(np.percentile(sample, cfg.fine_percentile)))
    ink = ((response > level) & free).astype(np.float32)
    cell = cfg.fine_cell
    grid_rows, grid_cols = -(-rows // cell), -(-cols // cell)
    padded = np.zeros((grid_rows * cell, grid_cols * cell), np.float32)
    padded[:rows, :cols] = ink
    share = padded.reshape(grid_rows, cell, grid_cols, cell).mean(axis=(1, 3))
    candidates = ((share >= cfg.fine_min_ink) & (share <= cfg.fine_max_ink)).astype(np.uint8)
    if not candidates.any():
        return []
    grown = cv2.dilate(candidates, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    windows = []
    for index in range(1, count):
        x, y, w, h = (int(v) for v in stats[index][:4])
        windows.append((x * cell, y * cell, min(cols, (x + w) * cell), min(rows, (y + h) * cell)))
    return windows
