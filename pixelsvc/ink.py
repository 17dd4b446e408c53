"""Where the ink of a detected text line is, so a mask covers the text and not the tissue beside it.

Detector boxes are grown past the glyphs (the DB unclip), and large text grows them by many
pixels: painting the whole box blacks out anatomy around every line. `ink_rectangles` cuts a box
down to the rectangle around its ink when the ink can be told from the background with
confidence. (Cutting a line into words as well was measured to add nothing, and a word whose
ink is fainter than its neighbours' would risk being left out.) When it cannot (texture under
faint text, ink everywhere, no ink found), the whole box is returned: the fallback is always
the larger mask.

A rectangle is the ink's bounding box, never its outline: a mask shaped like the glyphs
would still show the text. The cut is bounded: a box loses at most about as much from its
line's ends (left and right; top and bottom for a line at 90 degrees) as from its sides (the
DB unclip grows every side alike), so brighter tissue beside faint text cannot pull the
rectangle off the line. In a block of lines the unclip reaches into the next line: the glyph
edges the box cuts through there are that line's, so they are left out and the margin stops
halfway to them (`_line_band`).

The detector uses the same segmentation the other way (`extend_along_line`): a box that stops
a character short of its line's end grows over the ink that continues the line; and to tell a
scale bar it took for text from text (`is_ruler`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pixelsvc.types import TextBox

__all__ = ["extend_along_line", "ink_box", "ink_rectangles", "is_ruler", "line_room"]

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
_MAX_REACH = 6.0
"""`extend_along_line` looks at most this many ink heights past each end of a box (faint small
lines come back cut short by several glyphs: 1.0 left 68 partly masked PHI boxes on devB) ..."""
_WORD_GAP = 0.4
"""... and bridges blank runs up to this many ink heights (a space between words)."""
_MIN_LINE_ASPECT = 1.5
"""Only boxes this many times wider than tall (or twice as tall as wide) are grown along a line."""
_NEIGHBOUR_SHARE = 0.6
"""A run of ink at a box's top or bottom edge at most this share as tall as the line's own ink
(and apart from it) is the next line of a block that the box's unclip reached into."""
_MIN_BAND_SHARE = 0.35
"""A line's own ink spans at least this share of its box across the line (the DB unclip grows a
box by less than a glyph height): thinner "ink" is a rule or a band of tissue crossing the box,
and the faint glyphs beside it were not found, so the whole box is painted."""
_SIDE_SLACK = 1.5
"""The ink rectangle is cut from the box's left and right by at most this many times its
deepest cut from the top or bottom (plus `_RING`)."""


_RULE_SPAN = 0.95
"""`is_ruler`: the rule inks this share of the columns along the piece at least ..."""
_RULE_THICKNESS = 0.4
"""... its thickness (ink per column, the median) is at most this share of the piece's height
(a blob of fused small glyphs is thicker) ..."""
_TICK_WIDTH = 2.0
"""... ticks (columns inked over twice the rule's thickness) are at most this many rule
thicknesses wide (+1 px, 3 px at least) ..."""
_TICK_GAP = 1.5
"""... and at least this many tick widths apart (4 px at least: fused `nnn` stems are closer)."""


@dataclass(frozen=True, slots=True)
class _Ink:
    """The ink found in a box: the box clipped to the frame, a pixel map, and how it was found."""

    x0: int
    y0: int
    x1: int
    y1: int
    map: np.ndarray  # bool (y1 - y0, x1 - x0)
    polarity: int  # cv2.MORPH_TOPHAT (bright text) or cv2.MORPH_BLACKHAT (dark text)
    threshold: float
    side: int  # structuring element size


def _segment(pixels: np.ndarray, box: TextBox, polarities: tuple[int, ...] = (cv2.MORPH_TOPHAT, cv2.MORPH_BLACKHAT),
             quietest_side: bool = False) -> _Ink | None:
    """The ink inside `box`, or None when it cannot be told from the background with confidence.

    Ink is what a morphological top-hat (bright text) or black-hat (dark text) keeps: strokes
    thinner than the structuring element, against whatever smooth background lies under them
    (air, tissue, a console panel, or several at once). The polarity with the stronger response
    is taken; the box's rim, outside the glyphs after the unclip, gives the noise level. With
    `quietest_side`, the quietest of the rim's four sides does: in a block of lines a box's top or
    bottom edge runs through the next line's glyphs, and that ink is no measure of the noise.
    """
    rows, cols = pixels.shape[:2]
    x0, y0, x1, y1 = max(0, box.x0), max(0, box.y0), min(cols, box.x1), min(rows, box.y1)
    if x1 - x0 < 2 * _RING + 3 or y1 - y0 < 2 * _RING + 3:
        return None
    grey = _grey(pixels[y0:y1, x0:x1])
    spread = float(grey.max() - grey.min())
    if spread <= 0:
        return None
    side = max(5, round(_STROKE_KERNEL * min(x1 - x0, y1 - y0)) | 1)
    best = None
    for op in polarities:
        response = _response(grey, op, side)
        rim = (response[:_RING], response[-_RING:], response[:, :_RING], response[:, -_RING:])
        if quietest_side:
            noise = min(float(np.percentile(strip, 95)) for strip in rim)
        else:
            noise = float(np.percentile(np.concatenate([strip.ravel() for strip in rim]), 95))
        peak = float(np.percentile(response, 99.5))
        if best is None or peak - noise > best[0]:
            best = (peak - noise, op, response, noise, peak)
    _, op, response, noise, peak = best
    threshold = max(_NOISE_FACTOR * noise, _MIN_CONTRAST * spread, _PEAK_SHARE * peak)
    if peak < _CLEAR_RATIO * threshold:
        return None
    ink = response > threshold
    if not _MIN_INK_SHARE <= float(ink.mean()) <= _MAX_INK_SHARE:
        return None
    return _Ink(x0, y0, x1, y1, ink, op, threshold, side)


def _is_vertical(box: TextBox) -> bool:
    """Whether a box is a line printed at 90 degrees (twice as tall as wide): its ends are its top and bottom."""
    return box.height >= 2 * max(1, box.width)


def _grey(region: np.ndarray) -> np.ndarray:
    """Float32 grey levels; a colour region's brightest channel (taken before the cast: the same values)."""
    if region.ndim == 3:
        region = np.maximum(np.maximum(region[..., 0], region[..., 1]), region[..., 2])
    return region.astype(np.float32)


_DIRECT_SIDE = 63
"""Up to this element side cv2's morphology (O(side) per pixel) is fastest; above it
`_rect_filter`'s O(log side) passes are (a 2133 px blob box: 8 s -> 0.3 s per response)."""


def _response(grey: np.ndarray, op: int, side: int) -> np.ndarray:
    padded = cv2.copyMakeBorder(grey, side, side, side, side, cv2.BORDER_REPLICATE)
    if side <= _DIRECT_SIDE:
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
        return cv2.morphologyEx(padded, op, kernel)[side:-side, side:-side]
    if op == cv2.MORPH_TOPHAT:  # the image less its opening
        smooth = _rect_filter(_rect_filter(padded, side, np.minimum), side, np.maximum)
        return (padded - smooth)[side:-side, side:-side]
    smooth = _rect_filter(_rect_filter(padded, side, np.maximum), side, np.minimum)  # closing less the image
    return (smooth - padded)[side:-side, side:-side]


def _rect_filter(image: np.ndarray, side: int, pick: np.ufunc) -> np.ndarray:
    """Erosion (`np.minimum`) or dilation (`np.maximum`) by a centred side x side square, exactly as
    cv2 does it (values beyond the image ignored), by window doubling along each axis in turn."""
    out = image
    for axis in (0, 1):
        out = out if axis == 0 else out.T  # along rows, then along columns as rows
        half = side // 2
        window = np.pad(out, [(half, side - 1 - half), (0, 0)], mode="edge")  # a repeated edge changes no min or max
        span = 1
        while 2 * span <= side:  # window[i] = pick of the `span` values from i on
            window = pick(window[:-span], window[span:])
            span *= 2
        n = out.shape[0]
        out = pick(window[:n], window[side - span:side - span + n])
        out = out if axis == 0 else out.T
    return np.ascontiguousarray(out)


def ink_box(pixels: np.ndarray, box: TextBox) -> TextBox | None:
    """The bounding box of the ink inside `box`, or None when no ink stands out clearly there
    (an empty gap between lines, smooth tissue). A box too small to tell is returned whole."""
    if min(box.width, box.height) < 2 * _RING + 3:
        return box
    found = _segment(pixels, box, quietest_side=True)  # text in a gap may touch its ends
    if found is None:
        return None
    rows, cols = np.flatnonzero(found.map.any(axis=1)), np.flatnonzero(found.map.any(axis=0))
    return TextBox(found.x0 + int(cols[0]), found.y0 + int(rows[0]), found.x0 + int(cols[-1]) + 1,
                   found.y0 + int(rows[-1]) + 1, box.score)


def ink_rectangles(pixels: np.ndarray, box: TextBox, margin: int = 0) -> list[TextBox]:
    """Rectangles around the ink inside `box` (frame pixels), grown by `margin`; `[box]` grown by
    `margin` when the ink is uncertain.

    A box's unclip can reach into the next line of a block (the box edge then cuts through that
    line's glyphs). That clipped edge is not this line's ink: it is left out, and the margin
    grows at most halfway across the blank rows towards it, so a mask never eats into the line
    beside it (that line has its own box and verdict: kept if it is a clinical annotation).

    Args:
        pixels: the frame in its native dtype, (rows, cols) or (rows, cols, 3).
        box: a detected text box in frame pixels.
        margin: pixels to grow the rectangle by on every side (anti-aliased edges).

    Returns:
        The bounding box of the line's ink (see `_segment`), within `box`, grown by `margin`
        (the caller clips to the frame).
    """
    found = _segment(pixels, box, quietest_side=True)
    if found is None:
        return [box.grown(margin)]
    vertical = _is_vertical(box)
    own = found.map.T if vertical else found.map  # (across the line, along it)
    across = own.any(axis=1)
    first, last = np.flatnonzero(across)[[0, -1]]
    start, end, room_before, room_after = _line_band(across)
    if end - start < _MIN_BAND_SHARE * len(across):  # a thin rule or band, not the line's glyphs
        return [box.grown(margin)]
    along = np.flatnonzero(own[start:end].any(axis=0))
    # the DB unclip grows a line's box by about the same distance on every side: a cut from the
    # line's ends much deeper than from its sides means the "ink" is something beside the text
    # (texture, a brighter region) or its faint end was not segmented, and part of the line
    # would be left unmasked. A line printed at 90 degrees has its ends at the top and bottom.
    cut = int(_SIDE_SLACK * max(first, len(across) - last - 1)) + _RING
    begin, stop = min(int(along[0]), cut), max(int(along[-1]) + 1, own.shape[1] - cut)
    grow_before, grow_after = min(margin, room_before), min(margin, room_after)
    if vertical:
        return [TextBox(found.x0 + start - grow_before, found.y0 + begin - margin,
                        found.x0 + end + grow_after, found.y0 + stop + margin, box.score)]
    return [TextBox(found.x0 + begin - margin, found.y0 + start - grow_before,
                    found.x0 + stop + margin, found.y0 + end + grow_after, box.score)]


def _line_band(across: np.ndarray) -> tuple[int, int, int, int]:
    """The line's own ink across a box, from its ink profile: (start, end, room before, room after).

    A run of ink at the box's edge (within a pixel of it), apart from the rest by blank rows and
    at most `_NEIGHBOUR_SHARE` as tall as the tallest run, is a neighbouring line the box's edge
    cut through: it is left out, and the room on that side is half the blank rows between (no
    limit where there is no such run). The tallest run is never left out.
    """
    runs = _runs(across)
    tallest = max(r1 - r0 for r0, r1 in runs)
    room_before = room_after = len(across)
    if len(runs) > 1 and runs[0][0] <= 1 and runs[0][1] - runs[0][0] <= _NEIGHBOUR_SHARE * tallest:
        room_before = (runs[1][0] - runs[0][1]) // 2
        runs = runs[1:]
    if len(runs) > 1 and runs[-1][1] >= len(across) - 1 and runs[-1][1] - runs[-1][0] <= _NEIGHBOUR_SHARE * tallest:
        room_after = (runs[-1][0] - runs[-2][1]) // 2
        runs = runs[:-1]
    return runs[0][0], runs[-1][1], room_before, room_after


def _runs(profile: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-d profile."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], profile.astype(np.int8), [0]])))
    return [(int(edges[i]), int(edges[i + 1])) for i in range(0, len(edges), 2)]


def extend_along_line(pixels: np.ndarray, box: TextBox, barriers: Sequence[TextBox] = ()) -> TextBox:
    """`box` grown along its line over ink that continues past its ends.

    A detector box can stop a character or several short of a line's end (a faint last digit,
    a first letter over brighter tissue, the faint tail of a small line). Past each end, ink
    of the line's own polarity and strength, in the middle band of the line, is followed
    across gaps up to `_WORD_GAP` ink heights (a space between words), at most `_MAX_REACH`
    ink heights per end. It never grows into a
    `barriers` box on the same line (the detector passes the frame's other boxes: a laterality
    marker beside a name is read on its own). Vertical lines (much taller than wide) grow up and down.
    Where the line's ink is not clear, or the box is about square, it is returned as it is.
    """
    vertical = _is_vertical(box)
    if not vertical and box.width < _MIN_LINE_ASPECT * box.height:
        return box  # about square: a glyph or two, or a turned word; which way is the line?
    found = _segment(pixels, box)
    if found is None:
        return box
    # work in (along the line, across it) coordinates: rows of a vertical line, columns of a level one
    along0, along1, across0, across1 = _spans(found, vertical)
    own = found.map if vertical else found.map.T
    band = _middle(own.any(axis=0))  # ink profile across the line
    height = max(1, band[1] - band[0]) * 2  # the ink height, about (the band is its middle half)
    reach, gap = math.ceil(_MAX_REACH * height), max(2, int(_WORD_GAP * height))
    box_along0, box_along1, box_across0, box_across1 = _spans(box, vertical)
    same_line = [(b0, b1) for b0, b1, c0, c1 in (_spans(b, vertical) for b in barriers)
                 if _overlap(c0, c1, box_across0, box_across1)]
    lo, hi = _bounds(along0, along1, reach, pixels.shape[0 if vertical else 1], same_line)
    region = pixels[lo:hi, across0:across1] if vertical else pixels[across0:across1, lo:hi]
    ink = _response(_grey(region), found.polarity, found.side) > found.threshold
    profile = (ink if vertical else ink.T)[:, band[0]:band[1]].any(axis=1)
    start, stop = _continue(profile, along0 - lo, along1 - lo, own.any(axis=1), gap)
    grown0, grown1 = min(box_along0, lo + start), max(box_along1, lo + stop)
    if vertical:
        return TextBox(box.x0, grown0, box.x1, grown1, box.score)
    return TextBox(grown0, box.y0, grown1, box.y1, box.score)


def _spans(box: TextBox | _Ink, vertical: bool) -> tuple[int, int, int, int]:
    """(start, end) along a line, then (start, end) across it."""
    return (box.y0, box.y1, box.x0, box.x1) if vertical else (box.x0, box.x1, box.y0, box.y1)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    """Whether two spans across the line overlap by at least half the shorter one (same line)."""
    return min(a1, b1) - max(a0, b0) >= 0.5 * max(1, min(a1 - a0, b1 - b0))


def line_room(box: TextBox, vertical: bool, reach: int, limit: int, barriers: Sequence[TextBox]) -> tuple[int, int]:
    """How far along its line (rows if `vertical`, else columns) `box` may grow: `reach` pixels past
    each end, within `limit`, and never into a `barriers` box on the same line."""
    along0, along1, across0, across1 = _spans(box, vertical)
    same_line = [(b0, b1) for b0, b1, c0, c1 in (_spans(b, vertical) for b in barriers)
                 if _overlap(c0, c1, across0, across1)]
    return _bounds(along0, along1, reach, limit, same_line)


def _bounds(begin: int, end: int, reach: int, limit: int, barriers: list[tuple[int, int]]) -> tuple[int, int]:
    """How far along the line a box [begin, end) may grow: `reach` each way, not into a barrier."""
    lo, hi = max(0, begin - reach), min(limit, end + reach)
    for b0, b1 in barriers:
        if b0 >= end:
            hi = min(hi, b0)
        elif b1 <= begin:
            lo = max(lo, b1)
    return lo, hi


def _middle(profile: np.ndarray) -> tuple[int, int]:
    """The middle half of the ink across a line (its x-height band): neighbouring lines'
    ascenders and descenders reaching into the box's margin do not count as this line's ink."""
    where = np.flatnonzero(profile)
    first, last = int(where[0]), int(where[-1]) + 1
    quarter = (last - first) // 4
    return first + quarter, max(first + quarter + 1, last - quarter)


def _continue(profile: np.ndarray, begin: int, end: int, inside: np.ndarray, gap: int) -> tuple[int, int]:
    """Grow [first ink, last ink] of the box outwards over `profile` (ink per position), bridging
    gaps up to `gap` long; positions `begin:end` are the box, `inside` its own ink profile."""
    where = np.flatnonzero(inside)
    start, stop = begin + int(where[0]), begin + int(where[-1]) + 1
    blank = 0
    for pos in range(start - 1, -1, -1):
        blank = 0 if profile[pos] else blank + 1
        if blank > gap:
            break
        if profile[pos] and pos < begin:
            start = pos
    blank = 0
    for pos in range(stop, len(profile)):
        blank = 0 if profile[pos] else blank + 1
        if blank > gap:
            break
        if profile[pos] and pos >= end:
            stop = pos + 1
    return min(start, begin), max(stop, end)


def is_ruler(pixels: np.ndarray, box: TextBox) -> bool | None:
    """Whether the ink in `box` is a scale bar (a straight rule with two or more thin ticks), not
    text; None when neither polarity shows clear ink (another rendering may).

    The detector takes rulers for text lines, and the recogniser reads them as garbage
    (`EEEL` at 0.6), which the default policy masks as unreadable text. A ruler is told by its
    pixels, never by the read: all the ink (97 %) is one connected piece; the rule runs the
    piece's whole length, thin against its height; what rises above it are ticks, thin and
    well apart. Text is never that: its glyphs are separate pieces, an underline leaves the
    letters apart, and small glyphs fused into one blob are thick or close-set. Both
    polarities are tried (the gaps between thick ticks look like dark ink), vertical boxes
    turned.
    """
    vertical = _is_vertical(box)
    verdict = None
    for op in (cv2.MORPH_TOPHAT, cv2.MORPH_BLACKHAT):
        found = _segment(pixels, box, (op,))
        if found is not None:
            if _ruler_shape(found.map.T if vertical else found.map):
                return True
            verdict = False
    return verdict


def _ruler_shape(ink: np.ndarray) -> bool:
    """`is_ruler` on an ink map whose rule, if any, runs along the rows."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    if count < 2:
        return False
    main = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[main, cv2.CC_STAT_AREA] < 0.97 * int(ink.sum()):
        return False
    x, y, width, height = (int(v) for v in stats[main, :4])
    if width < 3 * height:
        return False  # a ruler is long
    per_column = (labels[y:y + height, x:x + width] == main).sum(axis=0)
    if (per_column > 0).mean() < _RULE_SPAN:
        return False
    thickness = max(1, int(np.median(per_column)))
    if thickness > _RULE_THICKNESS * height:
        return False
    ticks = per_column > 2 * thickness
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ticks.astype(np.int8), [0]))))
    starts, stops = edges[::2], edges[1::2]
    if len(starts) < 2:
        return False
    widths, gaps = stops - starts, starts[1:] - stops[:-1]
    widest = int(widths.max())
    return widest <= max(3, _TICK_WIDTH * thickness + 1) and int(gaps.min()) >= max(4, _TICK_GAP * widest)
