"""Regression tests for the failure classes of issue 10, each on a generated frame, with the real engine.

Every frame has no header context (an upstream tool blanked it), so only the default policy's
patterns and fail-closed rules can mask the text. A string counts as masked when >= 90 % of its
ink is covered, as in the accuracy benchmark (`pixelsvc.synth.score`).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pixelsvc.synth.score import covered_pixels
from pixelsvc.types import Frame, PhiContext, Policy
from tests.synth import find_fonts


def _font(size: int) -> ImageFont.FreeTypeFont:
    fonts = find_fonts()
    if not fonts:
        pytest.skip("no TrueType font installed")
    return ImageFont.truetype(str(fonts[0]), size)


def _ink(shape: tuple[int, int], text: str, xy: tuple[int, int], size: int, angle: int = 0) -> np.ndarray:
    """Alpha (0-1) of `text` drawn at `xy`, optionally turned by `angle` degrees."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text)
    tile = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(tile).text((2 - left, 2 - top), text, fill=255, font=font)
    if angle:
        tile = tile.rotate(angle, expand=True, resample=Image.BICUBIC)
    layer = Image.new("L", (shape[1], shape[0]), 0)
    layer.paste(tile, xy)
    return np.asarray(layer, dtype=np.float32) / 255.0


def _tissue(rows: int, cols: int, seed: int = 0) -> np.ndarray:
    """A textured CT-like body (values 800-1600) on dark air, 12-bit."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    body = ((x - cols / 2) / (cols * 0.45)) ** 2 + ((y - rows / 2) / (rows * 0.45)) ** 2 < 1
    img = np.where(body, 1100.0, 20.0) + body * 300 * np.sin(x / 9.0) * np.cos(y / 7.0)
    return img + rng.normal(0, 25, img.shape) * body


def _masked_shares(engine, pixels: np.ndarray, inks: list[np.ndarray], photometric: str = "MONOCHROME2",
                   bits: int = 12) -> list[float]:
    frame = Frame(("class", 0), pixels, photometric, bits)
    result = engine.process([frame], PhiContext(), Policy.PHI)[0]
    _, covered = covered_pixels(pixels, result.masked.pixels)
    return [float(covered[ink > 0.25].mean()) for ink in inks]


def _draw(background: np.ndarray, inks: list[np.ndarray], value: float, opacity: float = 1.0) -> np.ndarray:
    out = background.copy()
    for ink in inks:
        a = ink * opacity
        out = out * (1 - a) + value * a
    return np.clip(np.rint(out), 0, 4095).astype(np.uint16)


def test_small_text_on_a_256_frame_is_masked(engine):
    """Class 1: glyphs 6-8 px high on a 256 x 256 MR-like frame."""
    shape = (256, 256)
    inks = [_ink(shape, "ID 48213977", (6, 6), 9), _ink(shape, "DOB 1961-03-14", (6, 236), 9)]
    shares = _masked_shares(engine, _draw(_tissue(*shape), inks, 4095), inks)
    assert min(shares) >= 0.9, shares


def test_dense_label_block_lines_are_each_masked(engine):
    """Class 2: `Label: value` lines 14 px apart, which the detector used to join in pairs."""
    shape = (320, 384)
    lines = ["Institution Name: Riverside", "Study Date: 2021-07-20", "Patient ID: 7734012",
             "Name: Harlow, Edith"]
    inks = [_ink(shape, text, (8, 8 + 14 * i), 11) for i, text in enumerate(lines)]
    shares = _masked_shares(engine, _draw(_tissue(*shape), inks, 4095), inks)
    assert min(shares) >= 0.9, shares


def test_vertical_and_faint_text_is_masked(engine):
    """Class 3: a name printed along the edge (90 degrees) and semi-transparent text over tissue."""
    shape = (384, 384)
    vertical = _ink(shape, "Patient: Quinlan, Marta", (360, 40), 12, angle=90)
    faint = _ink(shape, "Acc 55102948", (120, 190), 13)
    pixels = _draw(_tissue(*shape), [vertical], 4095)
    pixels = _draw(pixels.astype(np.float32), [faint], 4095, opacity=0.45)
    shares = _masked_shares(engine, pixels, [vertical, faint])
    assert min(shares) >= 0.9, shares


def test_dark_text_over_bright_anatomy_is_masked_and_anatomy_is_not(engine):
    """Class 4: dark text over a saturated region; the region itself must not become one mask."""
    shape = (512, 512)
    background = _tissue(*shape)
    background[120:400, 60:460] = 4000  # a saturated body region, 43 % of the frame
    inks = [_ink(shape, "Exam 2019 Jan 05", (90, 200), 14), _ink(shape, "Dr. Okonkwo", (90, 260), 14)]
    pixels = _draw(background, inks, 0)
    frame = Frame(("class", 0), pixels, "MONOCHROME2", 12)
    result = engine.process([frame], PhiContext(), Policy.PHI)[0]
    changed, covered = covered_pixels(pixels, result.masked.pixels)
    assert min(float(covered[ink > 0.25].mean()) for ink in inks) >= 0.9
    assert changed.mean() < 0.05  # no mask over 5 % of the frame


def test_changing_cine_time_stamps_are_masked_on_every_frame(engine):
    """Class 7: a time stamp that changes from frame to frame while the anatomy moves."""
    shape = (240, 320)
    frames, inks = [], []
    for i in range(3):
        ink = _ink(shape, f"14:2{i}:0{2 * i}", (220, 8), 10)
        background = np.roll(_tissue(*shape, seed=i), 3 * i, axis=1)
        frames.append(Frame(("cine", i), _draw(background, [ink], 4095), "MONOCHROME2", 12))
        inks.append(ink)
    results = engine.process(frames, PhiContext(), Policy.PHI)
    for frame, result, ink in zip(frames, results, inks, strict=True):
        _, covered = covered_pixels(frame.pixels, result.masked.pixels)
        assert covered[ink > 0.25].mean() >= 0.9


def test_clinical_annotations_stay(engine):
    """The other half of the default policy: confident clinical text is kept."""
    shape = (320, 320)
    inks = [_ink(shape, text, (8, 8 + 22 * i), 14) for i, text in enumerate(["W:400 L:40", "5.0 mm", "120 kV"])]
    shares = _masked_shares(engine, _draw(_tissue(*shape), inks, 4095), inks)
    assert max(shares) < 0.1, shares
