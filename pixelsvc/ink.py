"""Where the ink of a detected text line is, so a mask covers the text and not the tissue beside it.

Detector boxes are grown past the glyphs (the DB unclip), and large text grows them by many
pixels: painting the whole box blacks out anatomy around every line. `ink_rectangles` cuts a box
down to the rectangle around its ink when the ink can be told from the background with
confidence. (Cutting a line into words as well was measured to add nothing, and a word whose
ink is fainter than its neighbours' would risk being left out.) When it cannot (texture under
faint text, ink everywhere, no ink found), the whole box is returned: the fallback is always
the larger mask.

A rectangle is the ink's bounding box, never its outline: a mask shaped like the glyphs
would still show the text.
"""

from __future__ import annotations

import cv2
import numpy as np

from pixelsvc.types import TextBox

__all__ = ["ink_rectangles"]

_RING = 2
"""Pixels along the box edge that sample the background (outside the glyphs after the unclip)."""
_STROKE_KERNEL = 0.6
"""The top-hat element is this share of the box's short side: wider than any stroke of its text."""
_NOISE_FACTOR = 2.0
"""A pixel is ink when its response exceeds the rim's 95th percentile this many times ..."""
_MIN_CONTRAST = 0.04
"""... and at least this share of the box's value range ..."""
_PEAK_SHARE = 0.15
"""... and this share of the strongest response (faint anti-aliased edges stay ink)."""
_CLEAR_RATIO = 1.5
"""The strongest response must exceed the threshold this many times, or the ink is not clear."""
_MIN_INK_SHARE, _MAX_INK_SHARE = 0.01, 0.6
"""Plausible share of ink pixels in a text box; outside it the segmentation is not trusted."""


def ink_rectangles(pixels: np.ndarray, box: TextBox) -> list[TextBox]:
    """Rectangles around the ink inside `box` (frame pixels), or `[box]` when the ink is uncertain.

    Ink is what a morphological top-hat (bright text) or black-hat (dark text) keeps: strokes
    thinner than the structuring element, against whatever smooth background lies under them
    (air, tissue, a console panel, or several at once). The polarity with the stronger response
    is taken; the box's rim, outside the glyphs after the unclip, gives the noise level.

    Args:
        pixels: the frame in its native dtype, (rows, cols) or (rows, cols, 3).
        box: a detected text box in frame pixels.

    Returns:
        The bounding box of the ink found, within `box`; `[box]` as the fallback.
    """
    rows, cols = pixels.shape[:2]
    x0, y0, x1, y1 = max(0, box.x0), max(0, box.y0), min(cols, box.x1), min(rows, box.y1)
    if x1 - x0 < 2 * _RING + 3 or y1 - y0 < 2 * _RING + 3:
        return [box]
    region = pixels[y0:y1, x0:x1].astype(np.float32)
    grey = region.max(axis=2) if region.ndim == 3 else region
    spread = float(grey.max() - grey.min())
    if spread <= 0:
        return [box]
    side = max(5, round(_STROKE_KERNEL * min(x1 - x0, y1 - y0)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    padded = cv2.copyMakeBorder(grey, side, side, side, side, cv2.BORDER_REPLICATE)
    best = None
    for op in (cv2.MORPH_TOPHAT, cv2.MORPH_BLACKHAT):
        response = cv2.morphologyEx(padded, op, kernel)[side:-side, side:-side]
        rim = np.concatenate([response[:_RING].ravel(), response[-_RING:].ravel(),
                              response[:, :_RING].ravel(), response[:, -_RING:].ravel()])
        noise = float(np.percentile(rim, 95))
        peak = float(np.percentile(response, 99.5))
        if best is None or peak - noise > best[0]:
            best = (peak - noise, response, noise, peak)
    _, response, noise, peak = best
    threshold = max(_NOISE_FACTOR * noise, _MIN_CONTRAST * spread, _PEAK_SHARE * peak)
    if peak < _CLEAR_RATIO * threshold:
        return [box]
    ink = response > threshold
    share = float(ink.mean())
    if not _MIN_INK_SHARE <= share <= _MAX_INK_SHARE:
        return [box]
    ys, xs = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return [TextBox(x0 + int(xs[0]), y0 + int(ys[0]), x0 + int(xs[-1]) + 1, y0 + int(ys[-1]) + 1, box.score)]
