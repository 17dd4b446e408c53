"""Masking paints only the PHI rectangles, in the frame's own dtype and range."""

from __future__ import annotations

import numpy as np
import pytest

from pixelsvc.config import MaskConfig
from pixelsvc.errors import ConfigError
from pixelsvc.mask import FrameMasker, clear_of_kept, expand_and_merge, fill_value
from pixelsvc.types import Frame, TextBox


def _frame(pixels: np.ndarray, photometric: str = "MONOCHROME2", bits: int = 12) -> Frame:
    return Frame(("t", 0), pixels, photometric, bits)


@pytest.mark.parametrize(
    ("dtype", "bits", "photometric", "darkest", "brightest"),
    [
        (np.uint16, 12, "MONOCHROME2", 0, 4095),
        (np.uint16, 12, "MONOCHROME1", 4095, 0),
        (np.int16, 16, "MONOCHROME2", -32768, 32767),
        (np.int16, 12, "MONOCHROME1", 2047, -2048),
        (np.uint8, 8, "RGB", 0, 255),
        (np.int8, 8, "MONOCHROME2", -128, 127),
    ],
)
def test_fill_value_respects_representation_and_polarity(dtype, bits, photometric, darkest, brightest):
    shape = (4, 4, 3) if photometric == "RGB" else (4, 4)
    frame = _frame(np.zeros(shape, dtype), photometric, bits)
    assert fill_value(frame, "darkest") == darkest
    assert fill_value(frame, "brightest") == brightest


def test_integer_fill_outside_range_is_refused():
    with pytest.raises(ValueError, match="outside the frame's range"):
        fill_value(_frame(np.zeros((4, 4), np.uint16), bits=12), 5000)


def test_margin_is_never_zero():
    with pytest.raises(ConfigError, match="margin"):
        MaskConfig(margin=0)


def test_pixels_outside_masks_are_bit_identical_and_inside_are_filled():
    rng = np.random.default_rng(1)
    pixels = rng.integers(-2000, 3000, (64, 80)).astype(np.int16)
    frame = _frame(pixels, bits=16)
    masked = FrameMasker(MaskConfig(margin=2, merge_distance=0)).mask(
        frame, [TextBox(10, 10, 20, 15)])
    assert masked.changed and masked.pixels.dtype == np.int16
    inside = np.zeros(pixels.shape, bool)
    inside[8:17, 8:22] = True
    assert (masked.pixels[inside] == -32768).all()
    assert np.array_equal(masked.pixels[~inside], pixels[~inside])
    assert np.array_equal(frame.pixels, pixels)  # the input is not modified


def test_every_sample_of_rgb_is_masked():
    pixels = np.full((20, 20, 3), 200, np.uint8)
    masked = FrameMasker(MaskConfig(margin=1)).mask(_frame(pixels, "RGB", 8), [TextBox(5, 5, 10, 10)])
    assert (masked.pixels[4:11, 4:11] == 0).all()
    assert (masked.pixels[0:4] == 200).all()


def test_no_boxes_keeps_the_original_array():
    pixels = np.ones((8, 8), np.uint16)
    masked = FrameMasker(MaskConfig()).mask(_frame(pixels), [])
    assert not masked.changed and masked.pixels is pixels and masked.boxes == ()


def test_close_boxes_merge_and_far_ones_do_not():
    boxes = [TextBox(0, 0, 10, 10), TextBox(13, 0, 20, 10), TextBox(50, 50, 60, 60)]
    merged = expand_and_merge(boxes, margin=1, merge_distance=2, rows=100, cols=100)
    assert len(merged) == 2
    assert (merged[0].x0, merged[0].x1) == (0, 21)


def test_a_merge_never_reaches_over_a_kept_annotation():
    """Two header lines would merge into one rectangle that covers the kept `RIGHT` between them."""
    top, bottom = TextBox(0, 0, 100, 10), TextBox(0, 12, 100, 22)
    kept = TextBox(40, 9, 60, 13)  # its core lies between the two lines' rectangles
    assert len(expand_and_merge([top, bottom], 0, 4, 100, 100)) == 1
    assert len(expand_and_merge([top, bottom], 0, 4, 100, 100, keep=[kept])) == 2


def test_a_line_mask_stops_at_the_core_of_a_kept_line_beside_it():
    """A whole-box mask reaches into the kept annotation below it and the one after it on its row;
    it is cut back to their cores, never into its own line's core."""
    box = TextBox(0, 0, 100, 20)
    rect = TextBox(-3, -3, 103, 23)
    # the middle halves of a kept line below, TextBox(0, 14, 60, 34), and of one after it on its row
    below, after = TextBox(0, 19, 60, 29), TextBox(101, 5, 150, 15)
    cut = clear_of_kept(rect, box, [below, after])
    assert (cut.x0, cut.y0, cut.x1, cut.y1) == (-3, -3, 101, 19)
    touching = TextBox(0, 13, 60, 23)  # it meets the masked line's middle: whose glyphs are there is unclear
    assert clear_of_kept(rect, box, [touching]) == rect


def test_the_masker_leaves_a_kept_line_of_a_block_alone_when_it_paints_a_whole_box():
    frame = _frame(np.full((60, 160), 100, np.uint16))  # no ink to find: the whole box is painted
    phi, kept = TextBox(10, 10, 110, 30), TextBox(10, 24, 70, 44)
    masker = FrameMasker(MaskConfig())
    alone = masker.mask(frame, [phi]).pixels
    beside = masker.mask(frame, [phi], keep=[kept]).pixels
    assert (alone[29:33, 10:70] != 100).all()  # without the kept read the box reaches into its line
    assert (beside[29:39, 10:70] == 100).all()
    assert (beside[12:28, 10:110] != 100).all()  # the masked line itself is painted as before


def test_boxes_are_clipped_to_the_frame():
    merged = expand_and_merge([TextBox(-5, -5, 200, 3)], margin=3, merge_distance=0, rows=10, cols=50)
    assert (merged[0].x0, merged[0].y0, merged[0].x1, merged[0].y1) == (0, 0, 50, 6)


def _text_frame(lines: list[tuple[str, int, int]]) -> Frame:
    """A 12-bit frame of noisy tissue grey with bright text lines (text, x, baseline y)."""
    import cv2

    rng = np.random.default_rng(3)
    ink = np.zeros((160, 320), np.uint8)
    for text, x, y in lines:
        cv2.putText(ink, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 255, 1, cv2.LINE_AA)
    pixels = rng.normal(900, 40, ink.shape) + ink.astype(np.float64) / 255 * 3100
    return _frame(pixels.clip(0, 4095).astype(np.uint16))


def _ink_left(before: np.ndarray, after: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> int:
    """Bright text pixels of a region the mask left as they were."""
    region = (slice(y0, y1), slice(x0, x1))
    return int(((before[region] > 2500) & (after[region] == before[region])).sum())


def test_a_word_between_two_masked_pieces_of_a_line_is_masked():
    # `ID:` and `4471` were detected and read as PHI; `XK02` between them was not detected
    frame = _text_frame([("ID: XK02 4471", 20, 40)])
    left, right = TextBox(17, 26, 46, 45), TextBox(90, 26, 130, 45)
    masker = FrameMasker(MaskConfig())
    before = frame.pixels
    masked = masker.mask(frame, [left, right])
    assert _ink_left(before, masked.pixels, 46, 26, 90, 45) == 0
    off = FrameMasker(MaskConfig(bridge_line_gap=0, bridge_block_gap=0)).mask(frame, [left, right])
    assert _ink_left(before, off.pixels, 46, 26, 90, 45) > 20  # without the bridge it would stay


def test_a_small_line_between_two_masked_lines_is_masked_unless_it_was_kept():
    frame = _text_frame([("Name: ROSS DIEGO", 20, 40), ("Bed 13", 20, 58), ("Date: 2025-04-20", 20, 76)])
    lines = [TextBox(17, 28, 170, 45), TextBox(17, 64, 170, 81)]
    before = frame.pixels
    masked = FrameMasker(MaskConfig()).mask(frame, lines)
    assert _ink_left(before, masked.pixels, 17, 47, 80, 62) == 0
    # the middle line was read and kept as a clinical annotation: its own verdict stands
    kept = FrameMasker(MaskConfig()).mask(frame, lines, keep=[TextBox(17, 46, 80, 63)])
    assert _ink_left(before, kept.pixels, 17, 47, 80, 62) > 20


def test_lines_far_apart_are_not_bridged():
    frame = _text_frame([("Name: ROSS", 20, 30), ("Date: 2025", 20, 120)])
    before = frame.pixels
    masked = FrameMasker(MaskConfig()).mask(frame, [TextBox(17, 18, 110, 35), TextBox(17, 108, 110, 125)])
    between = (slice(40, 100), slice(0, 320))
    assert np.array_equal(masked.pixels[between], before[between])


def test_stacked_lines_of_different_sizes_are_not_bridged_over_texture():
    # two masked lines with tissue texture between them: a block's lines share a font, so the rows
    # between a large line and a much smaller one are not a missed line of their block
    import cv2

    def frame_with(top_scale: float) -> Frame:
        rng = np.random.default_rng(5)
        ink = np.zeros((160, 320), np.uint8)
        cv2.putText(ink, "Name: ROSS", (20, 38), cv2.FONT_HERSHEY_SIMPLEX, top_scale, 255, 1, cv2.LINE_AA)
        cv2.putText(ink, "Date: 2025", (20, 72), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 255, 1, cv2.LINE_AA)
        pixels = np.full(ink.shape, 600.0)
        pixels[44:58, :] += (rng.random((14, 320)) < 0.35) * 3000  # texture between the lines
        return _frame(np.maximum(pixels, ink.astype(np.float64) / 255 * 3600).astype(np.uint16))

    below = TextBox(17, 60, 110, 76)
    between = (slice(46, 56), slice(22, 100))
    same = frame_with(0.45)
    painted = FrameMasker(MaskConfig()).mask(same, [TextBox(17, 26, 110, 42), below])
    assert not np.array_equal(painted.pixels[between], same.pixels[between])  # one block: bridged
    mixed = frame_with(1.0)  # a line twice the height of the one below
    painted = FrameMasker(MaskConfig()).mask(mixed, [TextBox(17, 12, 200, 44), below])
    assert np.array_equal(painted.pixels[between], mixed.pixels[between])
