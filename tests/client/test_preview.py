"""Tests for pixelsvc.client.preview: layout, outline colours, masking shown, PNG output."""

from __future__ import annotations

import itertools
import os
import stat
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from pixelsvc.client import preview as preview_mod
from pixelsvc.client.preview import (
    HEADER_HEIGHT,
    LABEL_COLOURS,
    MASK_COLOUR,
    OUTLINE_WIDTH,
    PANEL_GAP,
    PreviewError,
    preview_image,
    write_png,
)
from pixelsvc.config import MaskConfig, RenderConfig
from pixelsvc.errors import ConfigError, InvalidFrameError, PixelsvcError
from pixelsvc.mask import FrameMasker
from pixelsvc.render import FrameRenderer
from pixelsvc.types import Frame, FrameResult, Label, MaskedFrame, Policy, TextBox, TextRead, Verdict
from tests.synth import make_frame

ROWS, COLS = 120, 200
NAME_BOX = TextBox(20, 30, 80, 44)
DATE_BOX = TextBox(110, 70, 170, 84)
SAFE_BOX = TextBox(20, 90, 50, 104)
MARGIN = 3


def _verdict(box: TextBox, label: Label, mask: bool, text: str = "DOE^JOHN") -> Verdict:
    return Verdict(TextRead(box, text, 0.9), label, mask, "test.rule")


def _result(frame: Frame, verdicts: list[Verdict], fill: int | float) -> FrameResult:
    """A FrameResult masked by hand: every masked verdict's box plus MARGIN set to `fill`."""
    rects = [TextBox(v.read.box.x0 - MARGIN, v.read.box.y0 - MARGIN, v.read.box.x1 + MARGIN,
                     v.read.box.y1 + MARGIN) for v in verdicts if v.mask]
    pixels = frame.pixels.copy()
    for r in rects:
        pixels[r.y0:r.y1, r.x0:r.x1, ...] = fill
    masked = MaskedFrame(frame, pixels if rects else frame.pixels, tuple(rects), bool(rects))
    return FrameResult(frame.key, tuple(verdicts), masked)


def _verdicts() -> list[Verdict]:
    return [_verdict(NAME_BOX, Label.NAME, True), _verdict(DATE_BOX, Label.DATE, True, "01/02/1960"),
            _verdict(SAFE_BOX, Label.SAFE, False, "L")]


def _burn(pixels: np.ndarray, value: int | tuple[int, ...]) -> None:
    """Draw fake 'glyphs' (vertical strokes) inside every test box."""
    for box in (NAME_BOX, DATE_BOX, SAFE_BOX):
        pixels[box.y0 + 2:box.y1 - 2, box.x0 + 2:box.x1 - 2:4, ...] = value


def mono16() -> tuple[Frame, FrameResult]:
    """12-bit MONOCHROME2 in uint16: anatomy 1000-3000, text at 4095, mask fill 0 (outside the values)."""
    y, x = np.mgrid[0:ROWS, 0:COLS]
    pixels = (1000 + 2000 * (x + y) / (ROWS + COLS - 2)).astype(np.uint16)
    _burn(pixels, 4095)
    frame = Frame(("t", 3), pixels, "MONOCHROME2", 12)
    return frame, _result(frame, _verdicts(), 0)


def mono1() -> tuple[Frame, FrameResult]:
    """MONOCHROME1 uint16: high values display dark; text at the lowest value (displays white)."""
    y, x = np.mgrid[0:ROWS, 0:COLS]
    pixels = (20000 + 30000 * (x + y) / (ROWS + COLS - 2)).astype(np.uint16)
    _burn(pixels, 100)
    frame = Frame(("t", 0), pixels, "MONOCHROME1", 16)
    return frame, _result(frame, _verdicts(), 65535)  # 'darkest' under MONOCHROME1


def rgb() -> tuple[Frame, FrameResult]:
    """8-bit RGB ultrasound-like frame in blue-grey tones (no label colour in it)."""
    rng = np.random.default_rng(0)
    grey = rng.integers(20, 120, size=(ROWS, COLS), dtype=np.uint8)
    pixels = np.stack([grey, grey, np.minimum(grey.astype(np.int32) + 40, 255).astype(np.uint8)], axis=2)
    _burn(pixels, (230, 230, 230))
    frame = Frame(("t", 7), pixels, "RGB", 8)
    return frame, _result(frame, _verdicts(), 0)


CASES = {"mono16": mono16, "mono1": mono1, "rgb": rgb}


def _panels(image: np.ndarray, cols: int = COLS, rows: int = ROWS) -> tuple[np.ndarray, np.ndarray]:
    band = image[HEADER_HEIGHT:HEADER_HEIGHT + rows]
    return band[:, :cols], band[:, cols + PANEL_GAP:2 * cols + PANEL_GAP]


def _legend(image: np.ndarray, rows: int = ROWS) -> np.ndarray:
    return image[HEADER_HEIGHT + rows:]


def _count(region: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.all(region == np.array(colour, dtype=np.uint8), axis=-1).sum())


def _ring_points(box: TextBox) -> list[tuple[int, int]]:
    """(row, col) of points on each side of the outline, OUTLINE_WIDTH pixels outside the box."""
    ym, xm = (box.y0 + box.y1) // 2, (box.x0 + box.x1) // 2
    points = []
    for r in range(1, OUTLINE_WIDTH + 1):
        points += [(ym, box.x0 - r), (ym, box.x1 - 1 + r), (box.y0 - r, xm), (box.y1 - 1 + r, xm)]
    return points


def _outline_pixels(result: FrameResult, rows: int, cols: int) -> np.ndarray:
    """Where label outlines may be drawn: OUTLINE_WIDTH rings outside each box, never its inside."""
    w = OUTLINE_WIDTH
    border = np.ones((rows, cols), dtype=bool)  # where a side clamped onto the frame edge may land
    border[w:rows - w, w:cols - w] = False
    outlines = np.zeros((rows, cols), dtype=bool)
    for v in result.verdicts:
        b = v.read.box
        near = np.zeros_like(outlines)
        near[max(0, b.y0 - w):b.y1 + w, max(0, b.x0 - w):b.x1 + w] = True
        ring = near.copy()
        ring[b.y0:b.y1, b.x0:b.x1] = False
        outlines |= ring | (near & border)
    return outlines


def _display(frame: Frame) -> np.ndarray:
    return FrameRenderer(RenderConfig(extreme_views=False, percentile_view=False)).render(frame)[0].image


# --- colours ------------------------------------------------------------------------


def test_every_label_has_a_distinct_colour_phi_warm():
    assert set(LABEL_COLOURS) == set(Label)
    colours = list(LABEL_COLOURS.values())
    assert MASK_COLOUR not in colours
    for a, b in itertools.combinations(colours, 2):
        assert np.linalg.norm(np.subtract(a, b)) >= 90, (a, b)
    for label, (r, g, b) in LABEL_COLOURS.items():
        assert max(r, g, b) - min(r, g, b) >= 60, f"{label} is too grey to stand out on a monochrome frame"
        if label.is_phi:
            assert r >= 150 and r >= g and r >= b, f"{label} should be a warm colour"
    assert LABEL_COLOURS[Label.SAFE][1] > max(LABEL_COLOURS[Label.SAFE][0], LABEL_COLOURS[Label.SAFE][2])


# --- layout and drawing -------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_two_panels_side_by_side_with_header_and_legend(case):
    frame, result = CASES[case]()
    image = preview_image(frame, result)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[1] == 2 * COLS + PANEL_GAP
    legend_rows = image.shape[0] - HEADER_HEIGHT - ROWS
    assert 20 <= legend_rows <= 60
    assert (image[:HEADER_HEIGHT] != image[0, 0]).any(), "the header line is missing"
    gap = image[HEADER_HEIGHT:HEADER_HEIGHT + ROWS, COLS:COLS + PANEL_GAP]
    assert (gap == gap[0, 0]).all()


@pytest.mark.parametrize("case", CASES)
def test_outlines_have_the_label_colour_on_both_panels(case):
    frame, result = CASES[case]()
    left, right = _panels(preview_image(frame, result))
    for verdict in result.verdicts:
        colour = np.array(LABEL_COLOURS[verdict.label], dtype=np.uint8)
        for y, x in _ring_points(verdict.read.box):
            assert (left[y, x] == colour).all(), (verdict.label, "left", y, x, left[y, x])
            assert (right[y, x] == colour).all(), (verdict.label, "right", y, x, right[y, x])


@pytest.mark.parametrize("case", CASES)
def test_left_panel_is_the_display_view_and_glyphs_stay_visible(case):
    """Outside the outlines the left panel is exactly pixelsvc.render's full view of the frame."""
    frame, result = CASES[case]()
    left, _ = _panels(preview_image(frame, result))
    display = _display(frame)
    outlines = _outline_pixels(result, ROWS, COLS)
    np.testing.assert_array_equal(left[~outlines], display[~outlines])
    # the burned-in text is bright in display polarity (MONOCHROME1 inverted by render)
    b = NAME_BOX
    assert left[b.y0 + 3, b.x0 + 2].min() >= 200


@pytest.mark.parametrize("case", CASES)
def test_right_panel_shows_the_mask_dark_and_the_rest_unchanged(case):
    frame, result = CASES[case]()
    left, right = _panels(preview_image(frame, result))
    for rect in result.masked.boxes:
        inside = right[rect.y0 + MARGIN:rect.y1 - MARGIN, rect.x0 + MARGIN:rect.x1 - MARGIN]
        assert inside.max() == 0, "masked area should display black"
        for y, x in [((rect.y0 + rect.y1) // 2, rect.x0 - 1), (rect.y0 - 1, (rect.x0 + rect.x1) // 2)]:
            assert (right[y, x] == MASK_COLOUR).all()
            assert not (left[y, x] == MASK_COLOUR).all(), "mask outlines belong on the right panel only"
    # the unmasked allowlisted text is visible on the right as on the left, in the same window
    b = SAFE_BOX
    np.testing.assert_array_equal(right[b.y0:b.y1, b.x0:b.x1], left[b.y0:b.y1, b.x0:b.x1])
    far = (slice(0, 15), slice(COLS - 20, COLS))  # away from every box and outline
    np.testing.assert_array_equal(right[far], left[far])


def test_mask_fill_outside_the_stored_values_does_not_change_the_window():
    """A fill of 0 under values 1000-3000 must not dim the original (the window is the original's)."""
    frame, result = mono16()
    left, right = _panels(preview_image(frame, result))
    far = (slice(0, 15), slice(COLS - 20, COLS))
    np.testing.assert_array_equal(left[far], _display(frame)[far])
    assert left[0, 0].max() == 0  # the frame minimum is black, not dark grey
    np.testing.assert_array_equal(right[far], left[far])


@pytest.mark.parametrize("case", CASES)
def test_legend_lists_only_the_labels_present(case):
    frame, result = CASES[case]()
    legend = _legend(preview_image(frame, result))
    present = {v.label for v in result.verdicts}
    found = {label for label, colour in LABEL_COLOURS.items() if _count(legend, colour) > 0}
    assert found == present
    for label in present:
        assert _count(legend, LABEL_COLOURS[label]) >= 14 * 14 - 4  # a filled swatch
    assert _count(legend, MASK_COLOUR) > 0  # the key for the white mask outline


def test_legend_and_outlines_follow_the_labels():
    frame, result = mono16()
    verdicts = (_verdict(NAME_BOX, Label.ID, True), _verdict(DATE_BOX, Label.UNKNOWN, False))
    result = replace(result, verdicts=verdicts)
    image = preview_image(frame, result)
    legend = _legend(image)
    assert _count(legend, LABEL_COLOURS[Label.ID]) > 0 and _count(legend, LABEL_COLOURS[Label.UNKNOWN]) > 0
    for label in (Label.NAME, Label.DATE, Label.SAFE):
        assert _count(image, LABEL_COLOURS[label]) == 0


def test_no_text_no_colours():
    frame, _ = mono16()
    result = FrameResult(frame.key, (), MaskedFrame(frame, frame.pixels, (), False))
    image = preview_image(frame, result)
    for colour in LABEL_COLOURS.values():
        assert _count(image, colour) == 0
    left, right = _panels(image)
    np.testing.assert_array_equal(left, right)  # no mask outline (white is also the burned-in text)
    assert _count(_legend(image), MASK_COLOUR) == 0


def test_recognised_text_is_never_drawn():
    """Two results that differ only in the text read give the same image."""
    frame, result = mono16()
    other = replace(result, verdicts=tuple(
        replace(v, read=replace(v.read, text="SOMEONE^ELSE 99999999")) for v in result.verdicts))
    np.testing.assert_array_equal(preview_image(frame, result), preview_image(frame, other))


def test_boxes_touching_the_frame_edge_keep_a_closed_outline():
    frame, _ = mono16()
    box = TextBox(0, 0, 40, 10)  # text in the top-left corner, as ultrasound headers often are
    corner = TextBox(COLS - 30, ROWS - 8, COLS, ROWS)
    result = _result(frame, [_verdict(box, Label.NAME, True), _verdict(corner, Label.TIME, True)], 0)
    left, right = _panels(preview_image(frame, result))
    red, apricot = LABEL_COLOURS[Label.NAME], LABEL_COLOURS[Label.TIME]
    for panel in (left, right):
        assert tuple(panel[0, 20]) == red and tuple(panel[5, 0]) == red  # drawn on the edge row/column
        assert tuple(panel[10, 20]) == red and tuple(panel[5, 40]) == red  # and outside where there is room
        assert tuple(panel[ROWS - 1, COLS - 15]) == apricot and tuple(panel[ROWS - 4, COLS - 1]) == apricot
        assert tuple(panel[ROWS - 9, COLS - 15]) == apricot and tuple(panel[ROWS - 4, COLS - 31]) == apricot


def test_with_the_real_masker():
    frame, _ = mono16()
    verdicts = _verdicts()
    masked = FrameMasker(MaskConfig()).mask(frame, [v.read.box for v in verdicts if v.mask])
    result = FrameResult(frame.key, tuple(verdicts), masked)
    _, right = _panels(preview_image(frame, result))
    b = NAME_BOX
    ink = frame.pixels[b.y0:b.y1, b.x0:b.x1] == 4095  # the burned-in text; the mask is cut to its ink
    assert ink.any() and right[b.y0:b.y1, b.x0:b.x1][ink].max() == 0


def test_max_width_scales_panels_and_outlines():
    rows, cols = 300, 1200
    pixels = np.full((rows, cols), 500, dtype=np.uint16)
    pixels[:, 600:] = 900
    box = TextBox(400, 100, 800, 140)
    frame = Frame(("t", 1), pixels, "MONOCHROME2", 12)
    result = _result(frame, [_verdict(box, Label.NAME, True)], 0)
    image = preview_image(frame, result, max_width=1000)
    assert image.shape[1] <= 1000
    panel_cols = (1000 - PANEL_GAP) // 2
    panel_rows = round(rows * panel_cols / cols)
    assert image.shape[1] == 2 * panel_cols + PANEL_GAP
    left, right = _panels(image, panel_cols, panel_rows)
    background = image[0, 0]
    assert (image[HEADER_HEIGHT + panel_rows] == background).all()  # the legend strip starts right below
    assert (left[-1] != background).any()
    f = panel_cols / cols
    scaled = TextBox(int(box.x0 * f), int(box.y0 * f), int(np.ceil(box.x1 * f)), int(np.ceil(box.y1 * f)))
    colour = np.array(LABEL_COLOURS[Label.NAME], dtype=np.uint8)
    for y, x in _ring_points(scaled):
        assert (left[y, x] == colour).all() and (right[y, x] == colour).all(), (y, x)
    assert right[scaled.y0 + 2:scaled.y1 - 2, scaled.x0 + 2:scaled.x1 - 2].max() == 0
    # unscaled when it fits
    assert preview_image(frame, result, max_width=2 * cols + PANEL_GAP).shape[1] == 2 * cols + PANEL_GAP


def test_narrow_frames_get_a_legible_canvas():
    pixels = np.arange(40 * 30, dtype=np.uint16).reshape(40, 30)
    frame = Frame(("t", 0), pixels, "MONOCHROME2", 12)
    result = _result(frame, [_verdict(TextBox(5, 5, 20, 12), Label.AGE, True),
                             _verdict(TextBox(5, 20, 20, 28), Label.INSTITUTION, True)], 0)
    image = preview_image(frame, result)
    assert image.shape[1] >= 300
    legend = _legend(image, 40)
    assert _count(legend, LABEL_COLOURS[Label.AGE]) > 0 and _count(legend, LABEL_COLOURS[Label.INSTITUTION]) > 0


def test_bad_inputs_raise_pixelsvc_errors():
    frame, result = mono16()
    with pytest.raises(ConfigError):
        preview_image(frame, result, max_width=10)
    with pytest.raises(InvalidFrameError):
        preview_image(replace(frame, key=("t", 4)), result)
    cropped = replace(result, masked=replace(result.masked, pixels=result.masked.pixels[:10]))
    with pytest.raises(InvalidFrameError):
        preview_image(frame, cropped)


# --- PNG output ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_png_round_trips(case, tmp_path: Path):
    frame, result = CASES[case]()
    image = preview_image(frame, result)
    out = tmp_path / "preview.png"
    write_png(image, out)
    assert os.listdir(tmp_path) == ["preview.png"], "a temporary file was left behind"
    read = cv2.imread(str(out), cv2.IMREAD_COLOR)
    assert read is not None
    np.testing.assert_array_equal(cv2.cvtColor(read, cv2.COLOR_BGR2RGB), image)
    assert stat.S_IMODE(out.stat().st_mode) & 0o077 == 0, "the preview shows PHI: owner-only permissions"


def test_write_png_replaces_an_existing_file(tmp_path: Path):
    out = tmp_path / "preview.png"
    out.write_bytes(b"old")
    image = np.zeros((4, 5, 3), dtype=np.uint8)
    image[1, 2] = (255, 0, 0)
    write_png(image, out)
    read = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(read, image)
    assert sorted(os.listdir(tmp_path)) == ["preview.png"]


def test_write_png_failures_leave_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "preview.png"
    out.write_bytes(b"old")
    image = np.zeros((4, 5, 3), dtype=np.uint8)
    monkeypatch.setattr(preview_mod.cv2, "imencode", lambda *a, **k: (False, None))
    with pytest.raises(PreviewError, match="encode"):
        write_png(image, out)
    monkeypatch.undo()

    def failing_replace(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(PreviewError) as info:
        write_png(image, out)
    assert "Permission denied" in str(info.value) and str(tmp_path) not in str(info.value)
    monkeypatch.undo()
    assert out.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["preview.png"]

    with pytest.raises(PreviewError):
        write_png(image, tmp_path / "missing" / "preview.png")
    with pytest.raises(PreviewError, match="uint8 RGB"):
        write_png(image.astype(np.uint16), out)
    assert issubclass(PreviewError, PixelsvcError)


# --- with the real engine -----------------------------------------------------------


def test_preview_of_a_real_engine_result(engine, tmp_path: Path):
    case = make_frame(901, 384, 384, bits=12)
    result = engine.process([case.frame], case.context, Policy.PHI)[0]
    phi = [v for v in result.verdicts if v.label.is_phi]
    assert phi, "the engine found no PHI on the synthetic frame"
    image = preview_image(case.frame, result)
    left, right = _panels(image, 384, 384)
    legend = _legend(image, 384)
    for label in {v.label for v in phi}:
        colour = LABEL_COLOURS[label]
        assert _count(left, colour) > 0 and _count(right, colour) > 0 and _count(legend, colour) > 0, label
    outlines = _outline_pixels(result, 384, 384)  # boxes can sit close: one's outline may cross another
    masked = result.masked.boxes  # the painted rectangles (boxes cut to their ink, plus the margin)
    assert masked and any(v.mask for v in phi)
    for b in masked:
        inside = right[b.y0:b.y1, b.x0:b.x1][~outlines[b.y0:b.y1, b.x0:b.x1]]
        assert inside.size and inside.max() == 0
    out = tmp_path / "engine.png"
    write_png(image, out)
    np.testing.assert_array_equal(cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB), image)
