"""pixelsvc.ink: masks are cut to the ink where it is clear, and never cut a line short."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pixelsvc.ink import _response, extend_along_line, ink_rectangles, is_ruler
from pixelsvc.types import TextBox


def _text(frame: np.ndarray, text: str, org: tuple[int, int], scale: float, value: int, thickness: int) -> None:
    """Anti-aliased text blended at `value` into a 16-bit frame."""
    alpha = np.zeros(frame.shape, np.uint8)
    cv2.putText(alpha, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thickness, cv2.LINE_AA)
    a = alpha.astype(np.float32) / 255.0
    frame[...] = np.round(frame * (1 - a) + value * a).astype(frame.dtype)


def _ink_box(frame: np.ndarray, background: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(frame != background)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _covers(rects: list[TextBox], box: tuple[int, int, int, int]) -> bool:
    x0, y0, x1, y1 = box
    return any(r.x0 <= x0 and r.y0 <= y0 and r.x1 >= x1 and r.y1 >= y1 for r in rects)


def test_large_text_on_air_is_cut_to_its_ink() -> None:
    frame = np.zeros((200, 600), np.uint16)
    _text(frame, "DOE JOHN", (40, 130), 2.5, 4000, 6)
    ink = _ink_box(frame, np.zeros_like(frame))
    detected = TextBox(ink[0] - 25, ink[1] - 25, ink[2] + 25, ink[3] + 25, 0.9)  # the unclip margin
    rects = ink_rectangles(frame, detected)
    assert _covers(rects, ink)
    assert rects[0].area() < 0.75 * detected.area()


def test_faint_text_beside_bright_texture_keeps_the_whole_line() -> None:
    """Faint text over black air whose last letters run into bright speckled tissue: the tissue's
    stronger response must not pull the rectangle onto itself and leave the line's start unmasked."""
    rng = np.random.default_rng(3)
    frame = np.zeros((120, 700), np.uint16)
    frame[:, 345:] = rng.integers(15000, 28000, size=(120, 355), dtype=np.uint16)  # textured anatomy
    frame[0, 0] = 65535
    background = frame.copy()
    _text(frame, "ZIELINSKI BRUNO", (20, 75), 1.4, 3000, 3)  # faint: 3000 of 65535
    ink = _ink_box(frame[:, :345], background[:, :345])
    detected = TextBox(ink[0] - 5, ink[1] - 3, 363, ink[3] + 2, 0.8)
    rects = ink_rectangles(frame, detected)
    assert rects[0].x0 <= ink[0] and _covers(rects, (ink[0], ink[1], 358, ink[3]))


def test_a_turned_line_keeps_its_faint_end() -> None:
    """The same faint line printed at 90 degrees: its ends are at the top and bottom, and the
    bright tissue over its last letters must not cut the rectangle short along the line."""
    rng = np.random.default_rng(3)
    level = np.zeros((120, 700), np.uint16)
    level[:, 345:] = rng.integers(15000, 28000, size=(120, 355), dtype=np.uint16)
    level[0, 0] = 65535
    background = level.copy()
    _text(level, "ZIELINSKI BRUNO", (20, 75), 1.4, 3000, 3)
    ink = _ink_box(level[:, :345], background[:, :345])
    frame = np.ascontiguousarray(np.rot90(level, -1))  # turned clockwise: the line runs top to bottom
    rows = level.shape[0]
    turned = TextBox(rows - (ink[3] + 2), ink[0] - 5, rows - (ink[1] - 3), 363, 0.8)
    rects = ink_rectangles(frame, turned)
    assert rects[0].y0 <= ink[0] and _covers(rects, (rows - ink[3], ink[0], rows - ink[1], 358))


def test_faint_text_crossed_by_a_dark_band_is_masked_whole() -> None:
    """A dark band of tissue crosses the box of a faint line: its response is far stronger than the
    glyphs', and a rectangle around it alone would leave the glyphs' lower half unmasked."""
    frame = np.full((60, 300), 1930, np.uint16)
    frame[0, 0] = 4095
    background = frame.copy()
    _text(frame, "17-DEC-2009", (20, 38), 0.6, 1990, 1)  # six grey levels over the background
    ink = _ink_box(frame, background)
    frame[ink[1]:ink[1] + 3, :] = 1500  # the band, over the glyphs' top rows
    detected = TextBox(ink[0] - 3, ink[1] - 3, ink[2] + 3, ink[3] + 3, 0.9)
    assert _covers(ink_rectangles(frame, detected), ink)


def test_uncertain_ink_returns_the_box() -> None:
    rng = np.random.default_rng(4)
    frame = rng.integers(0, 4000, size=(60, 200), dtype=np.uint16)  # noise everywhere: no clear ink
    box = TextBox(10, 10, 190, 50, 0.6)
    assert ink_rectangles(frame, box) == [box]


def test_a_box_that_stops_short_of_the_last_word_grows_over_it() -> None:
    frame = np.zeros((80, 600), np.uint16)
    _text(frame, "Ward 5", (20, 50), 1.0, 1500, 2)
    ink = _ink_box(frame, np.zeros_like(frame))
    short = TextBox(ink[0] - 6, ink[1] - 6, ink[0] + 70, ink[3] + 6, 0.8)  # "Ward" only, the "5" left out
    grown = extend_along_line(frame, short)
    assert grown.x1 >= ink[2] and grown.x0 == short.x0 and (grown.y0, grown.y1) == (short.y0, short.y1)
    assert _covers(ink_rectangles(frame, grown), ink)


def test_a_box_that_stops_glyphs_short_of_a_faint_line_end_grows_over_them() -> None:
    """Faint small lines come back cut short by several glyphs (`ACC89304` of `ACC893044029`)."""
    rng = np.random.default_rng(5)
    background = rng.normal(900, 15, (60, 500)).clip(0, 4095).astype(np.uint16)
    frame = background.copy()
    _text(frame, "ACC893044029", (10, 35), 0.5, 1300, 1)
    ink = _ink_box(frame, background)
    short = TextBox(ink[0] - 3, ink[1] - 3, ink[0] + (ink[2] - ink[0]) // 2, ink[3] + 3, 0.8)  # half the line
    grown = extend_along_line(frame, short)
    assert grown.x1 >= ink[2] - 3 and grown.x0 == short.x0  # up to the faint anti-aliased edge


def test_extension_stops_at_a_wide_gap_and_ignores_neighbouring_lines() -> None:
    frame = np.zeros((120, 700), np.uint16)
    _text(frame, "DOE", (20, 40), 1.0, 3000, 2)
    _text(frame, "W:400 L:40", (400, 40), 1.0, 3000, 2)  # the same row, far to the right
    _text(frame, "a much longer line below", (20, 62), 1.0, 3000, 2)  # ascenders reach up
    box = TextBox(14, 14, 84, 47, 0.9)
    grown = extend_along_line(frame, box)
    assert grown.x1 < 400 and grown.x1 - box.x1 < 30


def test_vertical_lines_grow_along_their_length() -> None:
    frame = np.zeros((400, 60), np.uint16)
    strip = np.zeros((60, 400), np.uint16)
    _text(strip, "SMITH JOHN", (10, 40), 1.0, 3000, 2)
    frame[:] = np.rot90(strip)
    ink = _ink_box(frame, np.zeros_like(frame))
    short = TextBox(ink[0] - 5, ink[1] + 12, ink[2] + 5, ink[3] + 5, 0.8)  # cuts the last letter short
    grown = extend_along_line(frame, short)
    assert grown.y0 <= ink[1] and (grown.x0, grown.x1) == (short.x0, short.x1)


def test_extension_stops_before_kept_text_on_the_same_line() -> None:
    frame = np.zeros((80, 400), np.uint16)
    _text(frame, "DOE JOHN", (20, 50), 1.0, 3000, 2)
    name = _ink_box(frame, np.zeros_like(frame))
    _text(frame, "L", (name[2] + 5, 50), 1.0, 3000, 2)  # a laterality marker just after the name
    marker = TextBox(name[2] + 4, name[1] - 4, name[2] + 24, name[3] + 4, 0.9)
    box = TextBox(name[0] - 5, name[1] - 5, name[2] - 10, name[3] + 5, 0.9)  # stops inside the last letter
    assert extend_along_line(frame, box).x1 > marker.x0  # without the barrier it runs on over the marker
    grown = extend_along_line(frame, box, [marker])
    assert name[2] <= grown.x1 <= marker.x0


def _ruler(frame: np.ndarray, x: int, y: int, length: int, thick: int, tick: int, step: int, value: int,
           slope: float = 0.0) -> None:
    """A scale bar: a rule `thick` px high from (x, y) with `tick` px ticks every `step` px."""
    for k in range(length):
        row = y + round(slope * k)
        frame[row - thick + 1:row + 1, x + k] = value
        if k % step < thick:
            frame[row - tick:row + 1, x + k] = value


def _around(frame: np.ndarray, background: np.ndarray, margin: int) -> TextBox:
    x0, y0, x1, y1 = _ink_box(frame, background)
    return TextBox(x0 - margin, y0 - margin, x1 + margin, y1 + margin, 0.8)


@pytest.mark.parametrize(("thick", "tick", "step", "slope"), [(1, 4, 6, 0.0), (2, 8, 12, 0.0), (7, 28, 20, 0.0),
                                                               (1, 4, 8, 0.03), (2, 6, 10, -0.05)])
def test_a_scale_bar_is_a_ruler(thick: int, tick: int, step: int, slope: float) -> None:
    rng = np.random.default_rng(thick)
    background = rng.normal(900, 20, (120, 300)).clip(0, 4095).astype(np.uint16)
    frame = background.copy()
    _ruler(frame, 40, 70, min(200, 60 + 20 * thick), thick, tick, step, 4000, slope)
    assert is_ruler(frame, _around(frame, background, 5)) is True
    vertical = np.ascontiguousarray(frame.T)
    box = _around(frame, background, 5)
    assert is_ruler(vertical, TextBox(box.y0, box.x0, box.y1, box.x1, 0.8)) is True  # along the frame edge


@pytest.mark.parametrize("text", ["DOE JOHN", "ID 4471-2093", "mmnnmmnn", "1111111111", "HILL IIII"])
def test_text_is_not_a_ruler(text: str) -> None:
    rng = np.random.default_rng(7)
    background = rng.normal(900, 20, (120, 500)).clip(0, 4095).astype(np.uint16)
    for scale, thickness in [(0.3, 1), (0.5, 1), (1.0, 2)]:
        frame = background.copy()
        _text(frame, text, (30, 70), scale, 4000, thickness)
        assert is_ruler(frame, _around(frame, background, 4)) is False, (text, scale)
        frame[72:74, 28:30 + int(400 * scale)] = 4000  # underlined
        assert is_ruler(frame, _around(frame, background, 4)) is False, (text, scale, "underlined")
    blob = background.copy()
    blob[60:66, 30:130] = 4000  # small glyphs fused into one bar
    assert is_ruler(blob, _around(blob, background, 4)) is False
    assert is_ruler(background, TextBox(30, 30, 130, 60, 0.8)) is None  # no clear ink: not known


def _block(gap: int) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Three 10-px lines of a label block `gap` blank rows apart, and each line's ink box."""
    rows = 20 + 3 * 10 + 2 * gap + 20
    frame = np.full((rows, 300), 200, np.uint16)
    boxes = []
    for i, text in enumerate(["DOE JOHN", "W 350 L 50", "12345678"]):
        top = 20 + i * (10 + gap)
        alpha = np.zeros(frame.shape, np.uint8)
        cv2.putText(alpha, text, (10, top + 10), cv2.FONT_HERSHEY_PLAIN, 0.9, 255, 1, cv2.LINE_8)
        lit = alpha > 0
        frame[lit] = 3000
        ys, xs = np.nonzero(lit)
        boxes.append((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    return frame, boxes


@pytest.mark.parametrize("gap", [3, 4, 6])
def test_a_mask_stops_short_of_the_next_line_of_a_block(gap: int) -> None:
    """A block line's box reaches into the lines above and below (the DB unclip): the mask covers
    its own ink, margin included, and none of the neighbours' ink (they have their own verdicts)."""
    frame, (above, middle, below) = _block(gap)
    reach = 3  # the unclip grows past the line's ink by more than the blank rows between lines
    detected = TextBox(middle[0] - reach, middle[1] - gap - reach, middle[2] + reach, middle[3] + gap + reach, 0.9)
    assert detected.y0 < above[3] and detected.y1 > below[1]
    (rect,) = ink_rectangles(frame, detected, margin=3)
    assert _covers([rect], middle)
    assert rect.y0 >= above[3] and rect.y1 <= below[1]


def test_a_box_over_two_whole_lines_keeps_both() -> None:
    """Only a neighbour the box's edge cuts through is left out, never a whole line inside the box."""
    frame, (above, middle, _below) = _block(4)
    detected = TextBox(above[0] - 3, above[1] - 3, max(above[2], middle[2]) + 3, middle[3] + 2, 0.9)
    (rect,) = ink_rectangles(frame, detected, margin=3)
    assert _covers([rect], above) and _covers([rect], middle)


@pytest.mark.parametrize(("shape", "side"), [((40, 50), 65), ((70, 33), 101), ((365, 418), 219), ((120, 700), 255)])
def test_large_stroke_elements_give_cv2_s_response_exactly(shape, side):
    """Above `_DIRECT_SIDE` the top-hat / black-hat run by window doubling (a blob box's 1281 px
    element took 8 s in cv2); the result is cv2's, value for value, borders included."""
    rng = np.random.default_rng(side)
    grey = (rng.random(shape) * 1000).astype(np.float32)
    grey[10:20, 5:30] = 2000
    for op in (cv2.MORPH_TOPHAT, cv2.MORPH_BLACKHAT):
        padded = cv2.copyMakeBorder(grey, side, side, side, side, cv2.BORDER_REPLICATE)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
        expected = cv2.morphologyEx(padded, op, kernel)[side:-side, side:-side]
        assert np.array_equal(_response(grey, op, side), expected)
