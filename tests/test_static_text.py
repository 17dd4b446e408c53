"""PHI lines masked on one frame of a series are masked on the next frames that show them unchanged."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pixelsvc.config import MaskConfig
from pixelsvc.mask import FrameMasker
from pixelsvc.static_text import RULE, StaticText, same_picture
from pixelsvc.types import Frame, FrameResult, Label, TextBox, TextRead, Verdict

LINE = TextBox(40, 30, 200, 52)
MASKER = FrameMasker(MaskConfig())


def _text(word: str) -> np.ndarray:
    """A 256x256 12-bit frame: smooth anatomy with `word` burned in at LINE."""
    image = Image.new("L", (256, 256), 0)
    ImageDraw.Draw(image).text((LINE.x0 + 4, LINE.y0 + 4), word, fill=255, font_size=14)
    ramp = np.add.outer(np.arange(256), np.arange(256)).astype(np.float32) * 4
    return ramp + np.asarray(image, np.float32) * 12


def _frame(pixels: np.ndarray, index: int, rng: np.random.Generator, noise: float = 20.0) -> Frame:
    noisy = pixels + rng.normal(0.0, noise, pixels.shape)
    return Frame(("series", index), np.clip(noisy, 0, 4095).astype(np.uint16), "MONOCHROME2", 12)


def _mask(frame: Frame, verdicts: Sequence[Verdict]) -> FrameResult:
    """What the engine does with a frame's verdicts (`Engine.finish`)."""
    masked = MASKER.mask(frame, [v.read.box for v in verdicts if v.mask],
                         keep=[v.read.box for v in verdicts if v.label is Label.SAFE])
    return FrameResult(frame.key, tuple(verdicts), masked)


def _verdict(box: TextBox, label: Label = Label.NAME, mask: bool = True) -> Verdict:
    return Verdict(TextRead(box, "x", 0.9), label, mask, "test")


def test_same_picture_up_to_noise_brightness_and_contrast():
    rng = np.random.default_rng(1)
    a = _text("DOE^JOHN")[LINE.y0:LINE.y1, LINE.x0:LINE.x1]
    assert same_picture(a, a.copy(), 0.5)
    assert same_picture(a, 0.5 * a + 300 + rng.normal(0, 10, a.shape), 0.5)  # another window, some noise
    assert not same_picture(a, _text("")[LINE.y0:LINE.y1, LINE.x0:LINE.x1], 0.5)  # the text is gone
    assert not same_picture(a, _text("SMITH^ANN")[LINE.y0:LINE.y1, LINE.x0:LINE.x1], 0.5)  # other text
    assert not same_picture(a, np.full_like(a, 100.0), 0.5)  # flat
    assert not same_picture(a, a[:, :-1], 0.5)


def test_a_line_masked_on_one_frame_is_masked_on_the_next_frames_that_show_it():
    rng = np.random.default_rng(2)
    frames = [_frame(_text("DOE^JOHN"), i, rng) for i in range(3)]
    series = StaticText(0.5)
    first = series.carry(frames[0], [_verdict(LINE)])
    assert [v.rule for v in first] == ["test"]
    second = _mask(frames[1], series.carry(frames[1], []))  # the next frame missed the line
    carried = [v for v in second.verdicts if v.rule == RULE]
    assert [(v.read.box, v.label, v.mask) for v in carried] == [(LINE, Label.NAME, True)]
    assert second.masked.changed and second.masked.boxes
    inside = second.masked.pixels[LINE.y0 + 6:LINE.y1 - 6, LINE.x0 + 6:LINE.x0 + 40]
    assert (inside != frames[1].pixels[LINE.y0 + 6:LINE.y1 - 6, LINE.x0 + 6:LINE.x0 + 40]).any()
    # and on from there: the frame after that reads the line only in part
    third = series.carry(frames[2], [_verdict(TextBox(40, 30, 90, 52))])
    assert any(v.rule == RULE and v.read.box == LINE for v in third)


def test_text_that_changed_or_is_gone_is_not_carried():
    rng = np.random.default_rng(3)
    series = StaticText(0.5)
    start = _frame(_text("DOE^JOHN"), 0, rng)
    series.carry(start, [_verdict(LINE)])
    for index, word in enumerate(("", "12:41:07"), 1):
        frame = _frame(_text(word), index, rng)
        result = _mask(frame, series.carry(frame, []))
        assert not result.verdicts and not result.masked.changed, word


@pytest.mark.parametrize(("label", "mask"), [(Label.UNKNOWN, True), (Label.SAFE, False)])
def test_only_phi_lines_are_carried(label, mask):
    """An unreadable line masked on one frame may be read as an annotation on the next: that frame decides."""
    rng = np.random.default_rng(4)
    series = StaticText(0.5)
    start = _frame(_text("DOE^JOHN"), 0, rng)
    series.carry(start, [_verdict(LINE, label, mask)])
    frame = _frame(_text("DOE^JOHN"), 1, rng)
    assert not series.carry(frame, [])


def test_a_line_the_frame_masked_itself_is_not_added_again():
    rng = np.random.default_rng(5)
    series = StaticText(0.5)
    frames = [_frame(_text("DOE^JOHN"), i, rng) for i in range(2)]
    series.carry(frames[0], [_verdict(LINE)])
    result = series.carry(frames[1], [_verdict(TextBox(41, 30, 201, 52))])
    assert [v.rule for v in result] == ["test"]


def test_an_annotation_this_frame_read_is_not_masked_for_another_frame_s_misread():
    """`Im: 38/138` read as `Ime 38038` (an ID shape) on one frame stays kept where it was read well."""
    rng = np.random.default_rng(6)
    series = StaticText(0.5)
    frames = [_frame(_text("Im: 38/138"), i, rng) for i in range(2)]
    series.carry(frames[0], [_verdict(LINE, Label.ID)])
    kept = _verdict(TextBox(38, 29, 202, 53), Label.SAFE, False)
    result = _mask(frames[1], series.carry(frames[1], [kept]))
    assert result.verdicts == (kept,) and not result.masked.changed
