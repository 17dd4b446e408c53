"""Stage 2: render a native frame to the 8-bit RGB views the text detector sees.

Burned-in text is drawn by scanners and consoles at values that a clinical window can
hide: at the top of the stored range (bright on a windowed-out background), far outside
the tissue range, or dark on bright. No single window shows every case, so a frame gets
one to three views on its own pixel grid (boxes from any view are in frame pixels):

- ``full``: min-max of the frame's values (MONOCHROME1 inverted to display polarity).
  Colour 8-bit frames are shown as they are.
- ``robust``: a 0.5-99.5 percentile window, added when a few outliers squash the min-max
  view (hot pixels, padding values).
- ``extreme``: values in the top or bottom `extreme_fraction` of the range shown white on
  black, added for monochrome frames where such values are sparse, which is how text drawn
  at the extreme stored value looks.
- ``local``: adaptive histogram equalisation (CLAHE) of the windowed view (of the brightest
  channel for colour frames): faint, semi-transparent and dark-on-bright text stands out
  from its own neighbourhood.
"""

from __future__ import annotations

import cv2
import numpy as np

from pixelsvc.config import RenderConfig
from pixelsvc.types import Frame, RenderedFrame

__all__ = ["FrameRenderer"]

_ROBUST_LOW, _ROBUST_HIGH = 0.5, 99.5
_ROBUST_MIN_GAIN = 2.0
"""The robust view is added only when it stretches contrast at least this much."""
_EXTREME_MAX_SHARE = 0.05
"""The extreme view is added only when extreme values cover less than this share of the
frame (text is sparse; a saturated half-frame is anatomy or background)."""
_SAMPLE_TARGET = 262_144
"""Percentiles are estimated on a regular subsample of about this many pixels."""


class FrameRenderer:
    """Turns a `Frame` into the list of `RenderedFrame` views worth running the detector on."""

    def __init__(self, config: RenderConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"FrameRenderer({self.config!r})"

    def render(self, frame: Frame) -> list[RenderedFrame]:
        """All views of one frame; the first is always the ``full`` view."""
        pixels = frame.pixels
        if pixels.ndim == 3:
            colour = _colour_to_uint8(pixels)
            views = [RenderedFrame(frame.key, colour, "full")]
            if self.config.local_contrast_view:
                views.append(RenderedFrame(frame.key, self._local_contrast(colour.max(axis=2)), "local"))
            return views
        values = pixels.astype(np.float32, copy=False)
        lo, hi = float(values.min()), float(values.max())
        invert = frame.photometric == "MONOCHROME1"
        views = [RenderedFrame(frame.key, _window(values, lo, hi, invert), "full")]
        if hi <= lo:
            return views
        sample = _subsample(values)
        if self.config.percentile_view:
            p_lo, p_hi = (float(v) for v in np.percentile(sample, [_ROBUST_LOW, _ROBUST_HIGH]))
            if p_hi > p_lo and (hi - lo) / (p_hi - p_lo) >= _ROBUST_MIN_GAIN:
                views.append(RenderedFrame(frame.key, _window(values, p_lo, p_hi, invert), "robust"))
        if self.config.extreme_views:
            band = (hi - lo) * self.config.extreme_fraction
            top = values >= hi - band
            bottom = values <= lo + band
            top_share, bottom_share = float(top.mean()), float(bottom.mean())
            marks = np.zeros(values.shape, dtype=bool)
            if 0.0 < top_share < _EXTREME_MAX_SHARE:
                marks |= top
            if 0.0 < bottom_share < _EXTREME_MAX_SHARE:
                marks |= bottom
            if marks.any():
                grey = np.where(marks, np.uint8(255), np.uint8(0))
                views.append(RenderedFrame(frame.key, np.repeat(grey[:, :, None], 3, axis=2), "extreme"))
        if self.config.local_contrast_view:
            robust = [v for v in views if v.rendering == "robust"]
            windowed = robust[0] if robust else views[0]
            local = RenderedFrame(frame.key, self._local_contrast(windowed.image[:, :, 0]), "local")
            if self.config.local_replaces_robust and robust:
                views = [local if v.rendering == "robust" else v for v in views]
            else:
                views.append(local)
        return views

    def _local_contrast(self, grey: np.ndarray) -> np.ndarray:
        """Contrast-limited adaptive histogram equalisation: faint, semi-transparent and dark-on-
        bright text gains contrast against its own neighbourhood, whatever the global window."""
        rows, cols = grey.shape
        side = self.config.local_contrast_tile
        tiles = (max(1, round(cols / side)), max(1, round(rows / side)))
        clahe = cv2.createCLAHE(clipLimit=self.config.local_contrast_clip, tileGridSize=tiles)
        return np.repeat(clahe.apply(np.ascontiguousarray(grey))[:, :, None], 3, axis=2)


def _subsample(values: np.ndarray) -> np.ndarray:
    step = max(1, int(np.sqrt(values.size / _SAMPLE_TARGET)))
    return values[::step, ::step]


def _window(values: np.ndarray, lo: float, hi: float, invert: bool) -> np.ndarray:
    """Linear window [lo, hi] -> 0..255 as an RGB uint8 image."""
    if hi <= lo:
        grey = np.zeros(values.shape, dtype=np.uint8)
    else:
        scaled = (values - lo) * (255.0 / (hi - lo))
        np.clip(scaled, 0.0, 255.0, out=scaled)
        if invert:
            scaled = 255.0 - scaled
        grey = (scaled + 0.5).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def _colour_to_uint8(pixels: np.ndarray) -> np.ndarray:
    if pixels.dtype == np.uint8:
        return np.ascontiguousarray(pixels)
    values = pixels.astype(np.float32)
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        return np.zeros(pixels.shape, dtype=np.uint8)
    return ((values - lo) * (255.0 / (hi - lo)) + 0.5).astype(np.uint8)
