"""Rendering keeps burned-in text visible whatever the stored range and polarity."""

from __future__ import annotations

import numpy as np

from pixelsvc.config import RenderConfig
from pixelsvc.render import FrameRenderer
from pixelsvc.types import Frame
from tests.synth import make_frame


def _contrast(image: np.ndarray, ink: np.ndarray) -> float:
    """Mean grey difference between text ink and the ring of pixels around it."""
    grey = image[:, :, 0].astype(np.float32)
    ys, xs = np.nonzero(ink)
    y0, y1, x0, x1 = max(0, ys.min() - 3), ys.max() + 4, max(0, xs.min() - 3), xs.max() + 4
    ring = np.zeros_like(ink)
    ring[y0:y1, x0:x1] = True
    ring &= ~ink
    return abs(float(grey[ink].mean()) - float(grey[ring].mean()))


def test_views_are_uint8_rgb_on_the_frame_grid():
    synth = make_frame(1, 200, 300, bits=16)
    for view in FrameRenderer(RenderConfig()).render(synth.frame):
        assert view.image.dtype == np.uint8 and view.image.shape == (200, 300, 3)
        assert view.key == synth.frame.key


def test_text_at_the_top_of_a_16_bit_range_is_visible_in_some_view():
    synth = make_frame(2, 256, 256, bits=16, sizes=(12, 14))
    views = FrameRenderer(RenderConfig()).render(synth.frame)
    for text in synth.texts:
        assert max(_contrast(v.image, text.ink) for v in views) > 60


def test_monochrome1_is_shown_in_display_polarity():
    pixels = np.zeros((10, 10), np.uint16)
    pixels[0, 0] = 1000
    full = FrameRenderer(RenderConfig()).render(Frame(("t", 0), pixels, "MONOCHROME1", 10))[0]
    assert full.image[0, 0, 0] == 0 and full.image[5, 5, 0] == 255


def test_hot_pixels_add_a_robust_view_that_restores_contrast():
    rng = np.random.default_rng(0)
    pixels = rng.integers(100, 400, (128, 128)).astype(np.uint16)
    pixels[0, :4] = 65535  # a few outliers squash the min-max window
    views = FrameRenderer(RenderConfig(local_replaces_robust=False)).render(Frame(("t", 0), pixels, "MONOCHROME2", 16))
    names = [v.rendering for v in views]
    assert names[0] == "full" and "robust" in names
    robust = views[names.index("robust")].image[:, :, 0]
    assert np.ptp(robust[1:]) > 200


def test_sparse_extreme_values_get_their_own_view_and_dense_ones_do_not():
    pixels = np.full((100, 100), 500, np.uint16)
    pixels[40:60, 40:60] = 900
    pixels[5:8, 5:30] = 4095  # a small burned-in mark at the top of the range
    names = [v.rendering for v in FrameRenderer(RenderConfig()).render(Frame(("t", 0), pixels, "MONOCHROME2", 12))]
    assert "extreme" in names
    pixels[:60] = 4095  # now most of the frame is at the extreme: anatomy, not text
    names = [v.rendering for v in FrameRenderer(RenderConfig()).render(Frame(("t", 0), pixels, "MONOCHROME2", 12))]
    assert "extreme" not in names


def test_colour_8_bit_is_passed_through():
    pixels = np.random.default_rng(3).integers(0, 255, (20, 30, 3)).astype(np.uint8)
    views = FrameRenderer(RenderConfig()).render(Frame(("t", 0), pixels, "RGB", 8))
    assert [v.rendering for v in views] == ["full", "local"] and np.array_equal(views[0].image, pixels)


def test_local_contrast_view_lifts_faint_text_and_replaces_the_robust_window():
    rng = np.random.default_rng(1)
    pixels = rng.integers(1000, 1040, (128, 128)).astype(np.uint16)  # tissue
    pixels[:, :40] = rng.integers(0, 20, (128, 40))  # air beside it stretches the window
    pixels[:, 110:] = rng.integers(3000, 3040, (128, 18))  # and bone
    pixels[60:64, 50:100] += 40  # a faint bar (semi-transparent text) within the tissue
    pixels[0, :4] = 65535  # outliers: the robust window is needed, and the local view is made from it
    views = FrameRenderer(RenderConfig()).render(Frame(("t", 0), pixels, "MONOCHROME2", 16))
    names = [v.rendering for v in views]
    assert "local" in names and "robust" not in names
    robust = FrameRenderer(RenderConfig(local_replaces_robust=False)).render(Frame(("t", 0), pixels, "MONOCHROME2", 16))
    def contrast(image: np.ndarray) -> float:
        grey = image[:, :, 0].astype(float)
        return grey[60:64, 50:100].mean() - grey[70:90, 50:100].mean()
    local = views[names.index("local")].image
    window = robust[[v.rendering for v in robust].index("robust")].image
    assert contrast(local) > 1.5 * contrast(window)


def test_constant_frame_renders_without_error():
    views = FrameRenderer(RenderConfig()).render(Frame(("t", 0), np.full((5, 5), 7, np.int16), "MONOCHROME2", 16))
    assert len(views) == 1 and (views[0].image == 0).all()
