"""The line reader's end probes: a box cut short over texture grows over the letters read past it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pixelsvc.ocr.lines import LineReader
from pixelsvc.types import Detection, RenderedFrame, TextBox
from tests.synth import find_fonts

_TEXT = "Oakwood Medical Center"


def _textured_line(seed: int) -> tuple[RenderedFrame, TextBox]:
    """A grey line of text over strong speckle (its ink does not stand out), and the line's box."""
    rng = np.random.default_rng(seed)
    rows, cols = 80, 420
    ground = rng.normal(110, 28, (rows, cols)).clip(0, 255)
    image = Image.fromarray(ground.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(find_fonts()[0]), 20)
    draw.text((30, 28), _TEXT, font=font, fill=235)
    x0, y0, x1, y1 = draw.textbbox((30, 28), _TEXT, font=font)
    grey = np.asarray(image)
    return RenderedFrame(("probe", 0), np.repeat(grey[:, :, None], 3, axis=2), "test"), TextBox(x0, y0, x1, y1)


def _cut(line: TextBox, start: int) -> TextBox:
    """The line's box with its first `start` pixels cut off (what the detector gave), a little margin kept."""
    return TextBox(line.x0 + start, line.y0 - 3, line.x1 + 3, line.y1 + 3, 0.9)


@pytest.fixture(scope="module")
def frame() -> tuple[RenderedFrame, TextBox]:
    return _textured_line(5)


def test_a_box_cut_short_grows_over_the_words_read_past_it(engine, frame):
    view, line = frame
    cut = _cut(line, 95)  # the first word (`Oakwood`) left out
    [[read]] = LineReader(engine.recognizer, engine.config.rec).read([[view]], [[Detection(cut, 0)]], dedup=False)
    assert read.box == cut, "the rules see the detector's box"
    assert "Oak" not in (read.text or ""), "the text is the line's own read, not the probe's"
    assert read.extent is not None
    assert read.extent.x0 <= line.x0 + 4, "the extent reaches the line's first letter"
    assert read.extent.x1 == cut.x1 and (read.extent.y0, read.extent.y1) == (cut.y0, cut.y1)
    assert read.mask_box == read.extent


def test_probes_are_off_at_zero_reach(engine, frame):
    view, line = frame
    config = replace(engine.config.rec, probe_reach=0.0)
    [[read]] = LineReader(engine.recognizer, config).read([[view]], [[Detection(_cut(line, 95), 0)]], dedup=False)
    assert read.extent is None and read.mask_box == read.box


def test_a_line_never_grows_into_another_box_on_its_row(engine, frame):
    view, line = frame
    cut = _cut(line, 95)
    other = TextBox(line.x0 - 2, cut.y0, line.x0 + 40, cut.y1, 0.9)  # the first word, detected on its own
    reads = LineReader(engine.recognizer, engine.config.rec).read([[view]], [[Detection(cut, 0), Detection(other, 0)]],
                                                                 dedup=False)[0]
    assert reads[0].extent is None or reads[0].extent.x0 >= other.x1


def test_a_whole_line_does_not_grow_into_plain_ground(engine, frame):
    view, line = frame
    whole = _cut(line, -3)
    [[read]] = LineReader(engine.recognizer, engine.config.rec).read([[view]], [[Detection(whole, 0)]], dedup=False)
    assert read.extent is None or (read.extent.x0 >= whole.x0 - 0.5 * whole.height
                                   and read.extent.x1 <= whole.x1 + 0.5 * whole.height)


def test_a_turned_line_grows_along_its_column(engine, frame):
    """A line printed upwards (read turned): the probe's crop runs along the column, and the
    extent grows down over the first word the detector cut off."""
    view, line = frame
    cols = view.image.shape[1]
    turned = RenderedFrame(("probe", 1), np.ascontiguousarray(np.rot90(view.image, 1)), "test")
    cut = _cut(line, 95)  # turning maps (x, y) to (y, cols - x): the line's start is at the bottom
    box = TextBox(cut.y0, cols - cut.x1, cut.y1, cols - cut.x0, cut.score)
    [[read]] = LineReader(engine.recognizer, engine.config.rec).read([[turned]], [[Detection(box, 0)]], dedup=False)
    assert read.box == box and read.extent is not None
    assert read.extent.y1 >= cols - line.x0 - 4 and read.extent.y0 == box.y0
    assert (read.extent.x0, read.extent.x1) == (box.x0, box.x1)


def test_an_annotation_further_along_the_row_is_not_joined(engine):
    """Two texts on one row, two line heights apart: a probe of the second reads the first, but
    the blank between them is no word space, so the second's extent stays its own."""
    rng = np.random.default_rng(11)
    ground = rng.normal(110, 28, (80, 420)).clip(0, 255)
    image = Image.fromarray(ground.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(find_fonts()[0]), 20)
    draw.text((30, 28), "Fr 47", font=font, fill=235)
    first = draw.textbbox((30, 28), "Fr 47", font=font)
    height = first[3] - first[1]
    at = first[2] + 2 * height + 8
    draw.text((at, 28), "06:25 AM", font=font, fill=235)
    second = draw.textbbox((at, 28), "06:25 AM", font=font)
    view = RenderedFrame(("probe", 2), np.repeat(np.asarray(image)[:, :, None], 3, axis=2), "test")
    box = TextBox(second[0] - 3, second[1] - 3, second[2] + 3, second[3] + 3, 0.9)
    [[read]] = LineReader(engine.recognizer, engine.config.rec).read([[view]], [[Detection(box, 0)]], dedup=False)
    assert read.extent is None or read.extent.x0 > first[2]


def _line_then_texture() -> tuple[RenderedFrame, TextBox]:
    """A clear line of text on a plain ground, then strong texture along its row (bone, ribs)."""
    rng = np.random.default_rng(7)
    ground = np.full((80, 420), 30.0)
    image = Image.fromarray(ground.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(find_fonts()[0]), 20)
    draw.text((20, 28), _TEXT, font=font, fill=235)
    line = TextBox(*draw.textbbox((20, 28), _TEXT, font=font))
    grey = np.asarray(image).astype(np.float64)
    past = slice(line.x1 + 12, 420)
    grey[:, past] = np.where(rng.random(grey[:, past].shape) < 0.4, 220.0, 30.0)
    view = RenderedFrame(("grown", 0), np.repeat(grey.astype(np.uint8)[:, :, None], 3, axis=2), "test")
    return view, line


def test_growth_over_texture_is_cut_back_to_the_letters_read(engine):
    view, line = _line_then_texture()
    found = TextBox(line.x0 - 3, line.y0 - 3, line.x1 + 3, line.y1 + 3, 0.9)
    grown = TextBox(found.x0, found.y0, 410, found.y1, 0.9)  # the ink test followed the texture
    config = replace(engine.config.rec, probe_reach=0.0)
    [[read]] = LineReader(engine.recognizer, config).read([[view]], [[Detection(grown, 0, found)]], dedup=False)
    assert found.x1 <= read.box.x1 <= line.x1 + line.height, "the mask stops about a letter past the last one read"
    assert (read.box.x0, read.box.y0, read.box.y1) == (found.x0, found.y0, found.y1)


def test_growth_over_a_letter_that_was_read_stays(engine):
    view, line = _line_then_texture()
    found = TextBox(line.x0 - 3, line.y0 - 3, line.x1 - 60, line.y1 + 3, 0.9)  # the last word left out
    grown = TextBox(found.x0, found.y0, line.x1 + 3, found.y1, 0.9)
    config = replace(engine.config.rec, probe_reach=0.0)
    [[read]] = LineReader(engine.recognizer, config).read([[view]], [[Detection(grown, 0, found)]], dedup=False)
    assert "Center" in (read.text or "")
    assert read.box.x1 >= line.x1 - 2
