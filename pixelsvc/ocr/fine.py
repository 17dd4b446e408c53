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

Faint text on a flat ground (grey letters a few levels above a black border or panel, on a
frame whose anatomy or bright labels set the 99.5 % level far above them) answers below that
level, and even at the fine scale the detector does not see it in the view. Such a cell has
ink above `fine_min_response` while its other pixels are flat (their spread at most
`fine_flat_ground` grey levels) and close to its ink (thin strokes, not the edge of a
textured region); these cells make the ``faint`` windows, which the
detector sees contrast-stretched between their cells' own grey levels
(`TextDetector.preprocess`). Texture and anatomy edges are not flat around their strokes,
so they seldom make such a cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pixelsvc.config import DetConfig
from pixelsvc.types import TextBox

__all__ = ["FaintWindow", "FineWindows", "Window", "fine_windows", "ink_response"]

Window = tuple[int, int, int, int]
"""A region of a view in source pixels: (x0, y0, x1, y1)."""

_SAMPLE_STEP = 4
"""The response level is a percentile of every fourth pixel of every fourth row."""
_NEAR_GROUND, _THIN_SHARE = 5, 0.85
"""Faint ink is thin: this share of its pixels lies within this many pixels of flat ground."""
_INK_PERCENTILE = 95.0
"""A faint window's ink level: this percentile of its ink pixels (or 100 minus it, for dark ink)."""


def ink_response(grey: np.ndarray, kernel: int) -> np.ndarray:
    """Bright-on-dark and dark-on-bright detail narrower than `kernel` pixels (uint8)."""
    element = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel, kernel))
    return np.maximum(cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, element),
                      cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, element))


@dataclass(frozen=True, slots=True)
class FaintWindow:
    """A window of faint ink on a flat ground, and the grey levels its detection shows as black
    and white: those of its faint cells' ground and ink (the darker one black, see `_levels`),
    so bright labels or anatomy elsewhere in the window do not set them."""

    window: Window
    black: float
    white: float


@dataclass(frozen=True, slots=True)
class FineWindows:
    """Where the fine pass looks again in one view."""

    ink: list[Window]
    """Ink that stands out from the whole view: detected as the view shows it."""
    faint: list[FaintWindow]
    """Faint ink on a flat ground: detected with its contrast stretched."""


def fine_windows(grey: np.ndarray, covered: Sequence[TextBox], cfg: DetConfig) -> FineWindows:
    """The windows of a view worth detecting again at the fine scale.

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
        return FineWindows([], [])
    level = max(float(cfg.fine_min_response), float(np.percentile(sample, cfg.fine_percentile)))
    cell = cfg.fine_cell
    strong = _plausible(_cell_mean((response > level) & free, cell), cfg)
    ink = [window for window, _ in _join(strong, cell, rows, cols)]
    if cfg.fine_flat_ground <= 0:
        return FineWindows(ink, [])
    weak = (response > cfg.fine_min_response) & free
    ground = free & ~weak
    faint = _plausible(_cell_mean(weak, cell), cfg) & ~strong & _flat(grey, ground, cell, cfg.fine_flat_ground)
    faint &= _thin(weak, ground, cell)
    return FineWindows(ink, [_levels(grey, weak, ground, window, cells, cell, cfg.fine_min_response)
                             for window, cells in _join(faint, cell, rows, cols)])


def _cell_mean(values: np.ndarray, cell: int) -> np.ndarray:
    """The mean of `values` over each `cell` x `cell` square (zero-padded at the edges)."""
    rows, cols = values.shape
    grid_rows, grid_cols = -(-rows // cell), -(-cols // cell)
    padded = np.zeros((grid_rows * cell, grid_cols * cell), np.float32)
    padded[:rows, :cols] = values
    return padded.reshape(grid_rows, cell, grid_cols, cell).mean(axis=(1, 3))


def _plausible(share: np.ndarray, cfg: DetConfig) -> np.ndarray:
    """Cells with a share of ink that strokes give: not almost none, not a filled area."""
    return (share >= cfg.fine_min_ink) & (share <= cfg.fine_max_ink)


def _flat(grey: np.ndarray, ground: np.ndarray, cell: int, spread: float) -> np.ndarray:
    """Cells whose `ground` pixels (at least a third of the cell) vary by at most `spread` grey levels."""
    values = grey.astype(np.float32)
    count = _cell_mean(ground, cell)
    mean = _cell_mean(values * ground, cell) / np.maximum(count, 1e-6)
    square = _cell_mean(values * values * ground, cell) / np.maximum(count, 1e-6)
    return (count >= 1 / 3) & (square - mean * mean <= spread * spread)


def _thin(ink: np.ndarray, ground: np.ndarray, cell: int) -> np.ndarray:
    """Cells whose ink lies almost all within `_NEAR_GROUND` pixels of ground: a line of letters,
    not the edge of a textured region (whose inner pixels are far from the flat side)."""
    side = 2 * _NEAR_GROUND + 1
    near = cv2.dilate(ground.astype(np.uint8), np.ones((side, side), np.uint8)).astype(bool)
    return _cell_mean(ink & near, cell) >= _THIN_SHARE * _cell_mean(ink, cell)


def _join(cells: np.ndarray, cell: int, rows: int, cols: int) -> list[tuple[Window, np.ndarray]]:
    """The chosen cells, grown by one cell so a line's ends and neighbours are in, joined into
    windows; each with the (row, col) grid indices of its chosen cells."""
    if not cells.any():
        return []
    grown = cv2.dilate(cells.astype(np.uint8), np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    windows = []
    for index in range(1, count):
        x, y, w, h = (int(v) for v in stats[index][:4])
        window = (x * cell, y * cell, min(cols, (x + w) * cell), min(rows, (y + h) * cell))
        windows.append((window, np.argwhere(cells & (labels == index))))
    return windows


def _levels(grey: np.ndarray, weak: np.ndarray, ground: np.ndarray, window: Window, cells: np.ndarray,
            cell: int, least: float) -> FaintWindow:
    """A faint window with the grey levels of its own cells' ground and ink.

    The ground level is the median of the cells' flat pixels; the ink level the 95th (or 5th)
    percentile of their ink pixels, on the side that lies further from the ground (the stroke
    filter's answer also covers the gaps between letters, so the median ink pixel is ground).
    The two are at least `least` grey levels apart (the ink answered the filter with more), so
    the flat ground's noise is not stretched into strokes.
    """
    parts = [np.s_[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell] for r, c in cells]
    ink = np.concatenate([grey[p][weak[p]] for p in parts])
    flat = float(np.median(np.concatenate([grey[p][ground[p]] for p in parts])))
    dark, bright = (float(v) for v in np.percentile(ink, [100 - _INK_PERCENTILE, _INK_PERCENTILE]))
    if bright - flat >= flat - dark:
        return FaintWindow(window, flat, max(bright, flat + least))
    return FaintWindow(window, min(dark, flat - least), flat)

